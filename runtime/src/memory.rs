//! Linear memories: an address-space reservation whose accessible prefix grows with
//! `mprotect`, so the base never moves.
//!
//! Guard mode reserves 4 GiB plus a 2 GiB guard region so generated code needs no
//! bounds checks (see the compiler's `bounds_checks.rs`); explicit mode reserves only
//! the maximum size.

use wasi_aot_abi::vmctx::VMMemoryDefinition;
use wasi_aot_abi::{BoundsChecks, GUARD_REGION_BYTES, WASM32_MAX_PAGES, WASM_PAGE_SIZE};

/// A defined linear memory.
#[derive(Debug)]
pub struct Memory {
    base: *mut u8,
    reserved: usize,
    max_pages: u64,
}

// SAFETY: the memory is plain bytes; synchronisation is the embedder's business, as for
// any wasm memory shared across threads.
unsafe impl Send for Memory {}

/// Why a memory could not be created.
#[derive(Debug)]
pub struct MemoryError(pub String);

impl Memory {
    /// Reserves and commits a memory of `min` pages that may grow to `max` (or 4 GiB).
    pub fn new(min: u64, max: Option<u64>, mode: BoundsChecks) -> Result<Memory, MemoryError> {
        let max_pages = max.unwrap_or(WASM32_MAX_PAGES).min(WASM32_MAX_PAGES);
        if min > max_pages {
            return Err(MemoryError(format!(
                "memory of {min} pages is larger than 4 GiB"
            )));
        }
        let reserved = match mode {
            BoundsChecks::Guard => WASM32_MAX_PAGES * WASM_PAGE_SIZE + GUARD_REGION_BYTES,
            BoundsChecks::Explicit => (max_pages * WASM_PAGE_SIZE).max(WASM_PAGE_SIZE),
        } as usize;
        // SAFETY: an anonymous PROT_NONE reservation; nothing is accessible yet.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                reserved,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(MemoryError(format!(
                "cannot reserve {reserved} bytes of address space for a linear memory: {}",
                std::io::Error::last_os_error()
            )));
        }
        let memory = Memory {
            base: base.cast(),
            reserved,
            max_pages,
        };
        memory.commit(0, min)?;
        Ok(memory)
    }

    fn commit(&self, from_pages: u64, to_pages: u64) -> Result<(), MemoryError> {
        if to_pages == from_pages {
            return Ok(());
        }
        let start = (from_pages * WASM_PAGE_SIZE) as usize;
        let len = ((to_pages - from_pages) * WASM_PAGE_SIZE) as usize;
        // SAFETY: the range lies inside our reservation (to_pages <= max_pages).
        let rc = unsafe {
            libc::mprotect(
                self.base.add(start).cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        };
        if rc != 0 {
            return Err(MemoryError(format!(
                "cannot commit linear memory: {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(())
    }

    /// Grows `def` (this memory's definition) by `delta` pages, returning the old size in
    /// pages, or `None` past the maximum or if the host refuses.
    pub fn grow(&self, def: &mut VMMemoryDefinition, delta: u64) -> Option<u64> {
        let old = def.length / WASM_PAGE_SIZE;
        let new = old.checked_add(delta).filter(|n| *n <= self.max_pages)?;
        self.commit(old, new).ok()?;
        def.length = new * WASM_PAGE_SIZE;
        Some(old)
    }

    /// The maximum size in pages.
    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// Whether the reservation covers 4 GiB plus the guard region.
    pub fn has_guard_region(&self) -> bool {
        self.reserved as u64 >= wasi_aot_abi::WASM32_MAX_PAGES * WASM_PAGE_SIZE + GUARD_REGION_BYTES
    }

    /// The definition generated code reads, for an initial size of `min` pages.
    pub fn definition(&self, min: u64) -> VMMemoryDefinition {
        VMMemoryDefinition {
            base: self.base,
            length: min * WASM_PAGE_SIZE,
        }
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly our own reservation.
        unsafe { libc::munmap(self.base.cast(), self.reserved) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_up_to_the_maximum_and_keeps_its_base() {
        for mode in [BoundsChecks::Guard, BoundsChecks::Explicit] {
            let memory = Memory::new(1, Some(3), mode).unwrap();
            let mut def = memory.definition(1);
            let base = def.base;
            // SAFETY: the first page is committed.
            unsafe { *def.base.add(65535) = 7 };
            assert_eq!(memory.grow(&mut def, 2), Some(1));
            assert_eq!(def.length, 3 * 65536);
            assert_eq!(memory.grow(&mut def, 1), None);
            assert_eq!(def.base, base);
            // SAFETY: three pages are committed now.
            unsafe {
                *def.base.add(3 * 65536 - 1) = 9;
                assert_eq!(*def.base.add(65535), 7);
            }
        }
    }

    #[test]
    fn rejects_an_initial_size_beyond_4_gib() {
        assert!(Memory::new(65537, None, BoundsChecks::Guard).is_err());
    }
}
