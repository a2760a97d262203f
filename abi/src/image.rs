//! Executables written without a linker: the runtime linked once into a template
//! executable, and each compiled module appended to a copy of it as one more loadable
//! segment (`cli/src/image.rs` writes it, `runtime/src/image.rs` starts it).
//!
//! The template's `main` is the runtime's [`IMAGE_MAIN_SYMBOL`]. It finds the module
//! through the template's [`ImageSlot`], which the writer fills in, applies the module's
//! fixups ([`ImageHeader::fixups_vaddr`]) (the executable is position-independent, and nothing but the
//! runtime relocates the appended segment), sets the pages' final protections and calls
//! the module's own generated `main`. All addresses here are link-time addresses: the
//! load bias is the slot's run-time address minus [`ImageSlot::slot_vaddr`].

/// Symbol of the template's [`ImageSlot`].
pub const SLOT_SYMBOL: &str = "wasi_aot_image_slot";

/// Symbol of the runtime's entry point that the template's `main` is defined as.
pub const IMAGE_MAIN_SYMBOL: &str = "wasi_aot_image_main";

/// [`ImageSlot::magic`]: identifies the slot (and its layout) in a template.
pub const SLOT_MAGIC: [u8; 8] = *b"wasiaot1";

/// Page size of the appended segment's layout and protections.
pub const PAGE_SIZE: u64 = 4096;

/// Where the runtime finds the appended module; in the template's read-only data.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageSlot {
    /// [`SLOT_MAGIC`].
    pub magic: [u8; 8],
    /// The slot's own link-time address (0 in the template itself).
    pub slot_vaddr: u64,
    /// Link-time address of the module's [`ImageHeader`] (0 in the template itself).
    pub header_vaddr: u64,
}

/// The start of the appended segment's read-only part: what the runtime does before
/// the module runs.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageHeader {
    /// Link-time address of the module's generated `main`.
    pub main_vaddr: u64,
    /// Link-time address of the fixup list: `fixup_count` link-time addresses (`u64`) of
    /// 64-bit words that hold link-time addresses and need the load bias added.
    pub fixups_vaddr: u64,
    /// Number of entries in the fixup list.
    pub fixup_count: u64,
    /// Page-aligned range the fixups write, read-only once they are applied.
    pub relro_start: u64,
    /// End of the range of [`Self::relro_start`].
    pub relro_end: u64,
    /// End of the page-aligned range of the module's writable data, which starts at
    /// [`Self::relro_end`] (empty for most modules).
    pub data_end: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_plain_words() {
        assert_eq!(core::mem::size_of::<ImageSlot>(), 24);
        assert_eq!(core::mem::offset_of!(ImageSlot, header_vaddr), 16);
        assert_eq!(core::mem::size_of::<ImageHeader>(), 48);
        assert_eq!(core::mem::offset_of!(ImageHeader, data_end), 40);
    }
}
