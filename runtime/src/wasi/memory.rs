//! Checked access to the guest's linear memory.
//!
//! Guest pointers are offsets into memory. Every access goes through [`GuestMemory::range`],
//! which checks `ptr + len <= size` in 64-bit arithmetic and answers `EFAULT` otherwise, so
//! no guest value can make the host touch memory outside the slice. Struct pointers must
//! also meet the witx alignment of the struct (`EINVAL` otherwise, as wasmtime does), and
//! structs are written whole, after both checks, so a bad pointer never leaves a
//! half-written struct behind.

use super::types::{layout, Errno, WasiResult};
use std::ops::Range;

/// A guest's linear memory as seen by one host call.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    /// Wraps the bytes of a linear memory at its current size.
    pub fn new(bytes: &'a mut [u8]) -> GuestMemory<'a> {
        GuestMemory { bytes }
    }

    /// The memory size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the memory has no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The host range of `len` guest bytes at `ptr`, or `EFAULT` if any lies outside.
    pub fn range(&self, ptr: u32, len: u32) -> WasiResult<Range<usize>> {
        let end = u64::from(ptr) + u64::from(len);
        if end > self.bytes.len() as u64 {
            return Err(Errno::FAULT);
        }
        Ok(ptr as usize..end as usize)
    }

    /// Checks that `ptr` meets `align` (a power of two).
    fn aligned(ptr: u32, align: u32) -> WasiResult<()> {
        if ptr & (align - 1) == 0 {
            Ok(())
        } else {
            Err(Errno::INVAL)
        }
    }

    /// `len` guest bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    /// `len` guest bytes at `ptr`, writable.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    /// Copies `data` to `ptr`.
    pub fn write_bytes(&mut self, ptr: u32, data: &[u8]) -> WasiResult<()> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::FAULT)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    /// Writes a whole struct image to `ptr`, checking bounds and alignment first.
    pub fn write_struct(&mut self, ptr: u32, align: u32, image: &[u8]) -> WasiResult<()> {
        let len = u32::try_from(image.len()).map_err(|_| Errno::FAULT)?;
        self.range(ptr, len)?;
        Self::aligned(ptr, align)?;
        self.write_bytes(ptr, image)
    }

    /// Reads a struct image of `N` bytes at `ptr`, checking bounds and alignment.
    pub fn read_struct<const N: usize>(&self, ptr: u32, align: u32) -> WasiResult<[u8; N]> {
        let s = self.slice(ptr, N as u32)?;
        Self::aligned(ptr, align)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    /// Reads a `u32` result slot's current value (used by tests and `iovec` reads).
    pub fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        Ok(u32::from_le_bytes(self.read_struct::<4>(ptr, 4)?))
    }

    /// Reads a `u64` at `ptr`.
    pub fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        Ok(u64::from_le_bytes(self.read_struct::<8>(ptr, 8)?))
    }

    /// Writes a `u8` result to `ptr`.
    pub fn write_u8(&mut self, ptr: u32, v: u8) -> WasiResult<()> {
        self.write_struct(ptr, 1, &[v])
    }

    /// Writes a `u16` result to `ptr`.
    pub fn write_u16(&mut self, ptr: u32, v: u16) -> WasiResult<()> {
        self.write_struct(ptr, 2, &v.to_le_bytes())
    }

    /// Writes a `u32` result (a `size`, `fd`, ...) to `ptr`.
    pub fn write_u32(&mut self, ptr: u32, v: u32) -> WasiResult<()> {
        self.write_struct(ptr, 4, &v.to_le_bytes())
    }

    /// Writes a `u64` result (a `timestamp`, `filesize`, ...) to `ptr`.
    pub fn write_u64(&mut self, ptr: u32, v: u64) -> WasiResult<()> {
        self.write_struct(ptr, 8, &v.to_le_bytes())
    }

    /// Reads an array of `count` `iovec`s at `ptr` as `(buf, buf_len)` pairs, each buffer
    /// already checked to lie inside memory.
    pub fn iovecs(&self, ptr: u32, count: u32) -> WasiResult<Vec<(u32, u32)>> {
        let total = u64::from(count) * u64::from(layout::IOVEC_SIZE);
        let total = u32::try_from(total).map_err(|_| Errno::FAULT)?;
        self.range(ptr, total)?;
        Self::aligned(ptr, layout::IOVEC_ALIGN)?;
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..count {
            let at = ptr + i * layout::IOVEC_SIZE;
            let buf = self.read_u32(at)?;
            let len = self.read_u32(at + 4)?;
            self.range(buf, len)?;
            out.push((buf, len));
        }
        Ok(out)
    }

    /// Reads a guest string (`ptr`, `len`) as bytes.
    pub fn string(&self, ptr: u32, len: u32) -> WasiResult<Vec<u8>> {
        Ok(self.slice(ptr, len)?.to_vec())
    }

    /// Scatters `data` over the iovec buffers in order (the tail of `data` that does not
    /// fit is dropped; callers size `data` to fit).
    pub fn scatter(&mut self, iovs: &[(u32, u32)], mut data: &[u8]) -> WasiResult<()> {
        for &(buf, len) in iovs {
            if data.is_empty() {
                break;
            }
            let n = data.len().min(len as usize);
            self.write_bytes(buf, &data[..n])?;
            data = &data[n..];
        }
        Ok(())
    }
}

/// The total length of a list of iovecs, saturating (overlapping iovecs may add up to
/// more than memory holds).
pub fn iovecs_len(iovs: &[(u32, u32)]) -> usize {
    iovs.iter()
        .fold(0usize, |acc, &(_, len)| acc.saturating_add(len as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked_without_overflow() {
        let mut backing = vec![0u8; 64];
        let mut mem = GuestMemory::new(&mut backing);
        assert!(mem.slice(0, 64).is_ok());
        assert!(mem.slice(64, 0).is_ok());
        assert_eq!(mem.slice(60, 5).unwrap_err(), Errno::FAULT);
        assert_eq!(mem.slice(65, 0).unwrap_err(), Errno::FAULT);
        assert_eq!(mem.slice(u32::MAX, 2).unwrap_err(), Errno::FAULT);
        assert_eq!(mem.slice(1, u32::MAX).unwrap_err(), Errno::FAULT);
        assert_eq!(mem.write_u64(60, 1).unwrap_err(), Errno::FAULT);
        assert_eq!(mem.write_u32(64, 1).unwrap_err(), Errno::FAULT);
        assert_eq!(mem.write_bytes(63, &[1, 2]).unwrap_err(), Errno::FAULT);
        // Nothing was written by the failed calls.
        assert!(backing.iter().all(|&b| b == 0));
    }

    #[test]
    fn misaligned_structs_are_rejected_before_writing() {
        let mut backing = vec![0u8; 64];
        let mut mem = GuestMemory::new(&mut backing);
        assert_eq!(mem.write_u64(4, 7).unwrap_err(), Errno::INVAL);
        assert_eq!(mem.write_u32(2, 7).unwrap_err(), Errno::INVAL);
        mem.write_u32(8, 0x0102_0304).unwrap();
        assert_eq!(mem.read_u32(8).unwrap(), 0x0102_0304);
        assert_eq!(&backing[8..12], &[4, 3, 2, 1]);
        assert_eq!(backing.iter().filter(|&&b| b != 0).count(), 4);
    }

    #[test]
    fn iovecs_check_every_buffer() {
        let mut backing = vec![0u8; 64];
        {
            let mut mem = GuestMemory::new(&mut backing);
            mem.write_u32(0, 32).unwrap();
            mem.write_u32(4, 8).unwrap();
            mem.write_u32(8, 60).unwrap();
            mem.write_u32(12, 8).unwrap();
        }
        let mem = GuestMemory::new(&mut backing);
        assert_eq!(mem.iovecs(0, 1).unwrap(), vec![(32, 8)]);
        assert_eq!(mem.iovecs(0, 2).unwrap_err(), Errno::FAULT);
        assert_eq!(mem.iovecs(60, 1).unwrap_err(), Errno::FAULT);
        assert_eq!(mem.iovecs(0, u32::MAX).unwrap_err(), Errno::FAULT);
        assert_eq!(mem.iovecs(2, 1).unwrap_err(), Errno::INVAL);
    }

    #[test]
    fn scatter_fills_buffers_in_order() {
        let mut backing = vec![0u8; 16];
        let mut mem = GuestMemory::new(&mut backing);
        mem.scatter(&[(0, 2), (8, 3)], b"abcd").unwrap();
        assert_eq!(&backing[0..2], b"ab");
        assert_eq!(&backing[8..11], b"cd\0");
    }
}
