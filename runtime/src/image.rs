//! The entry point of executables written without a linker (see
//! `wasi_aot_abi::image`): relocate the appended module segment, protect its pages, and
//! run the module's generated `main`.

use std::ffi::{c_char, c_int};
use std::io::Write as _;

use wasi_aot_abi::image::{ImageHeader, ImageSlot, SLOT_MAGIC};

/// The slot the executable writer fills in; the template carries it unfilled.
#[no_mangle]
#[used]
static wasi_aot_image_slot: ImageSlot = ImageSlot {
    magic: SLOT_MAGIC,
    slot_vaddr: 0,
    header_vaddr: 0,
};

/// The module's generated `main`.
type ModuleMain = unsafe extern "C" fn(c_int, *const *const c_char) -> c_int;

/// `main` of a template-built executable.
///
/// # Safety
/// `argv` must hold `argc` C strings, and the executable must be a template filled in by
/// wasi-aot's executable writer.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_image_main(argc: c_int, argv: *const *const c_char) -> c_int {
    // SAFETY: the slot is a static; the volatile read keeps the compiler from folding
    // the template's zeros, which the writer replaces in the file.
    let slot = unsafe { std::ptr::read_volatile(&raw const wasi_aot_image_slot) };
    if slot.header_vaddr == 0 {
        let _ = writeln!(
            std::io::stderr(),
            "error: this is a wasi-aot runtime template, not an executable built from a module"
        );
        return 1;
    }
    let bias = (&raw const wasi_aot_image_slot as usize).wrapping_sub(slot.slot_vaddr as usize);
    // SAFETY: the writer put the header, the fixup list and the ranges it names inside
    // the appended segment, which the kernel mapped (read and execute) with the rest of
    // the executable at this bias; the fixups only touch words of its relro and data ranges.
    let main = unsafe {
        let header = &*((bias + slot.header_vaddr as usize) as *const ImageHeader);
        // The kernel mapped the segment read and execute: its data pages become
        // writable for the fixups, then the relro part read-only.
        let relro = (bias + header.relro_start as usize) as *mut libc::c_void;
        let relro_len = (header.relro_end - header.relro_start) as usize;
        let writable_len = (header.data_end - header.relro_start) as usize;
        if libc::mprotect(relro, writable_len, libc::PROT_READ | libc::PROT_WRITE) != 0 {
            return protect_failed();
        }
        let fixups = std::slice::from_raw_parts(
            (bias + header.fixups_vaddr as usize) as *const u64,
            header.fixup_count as usize,
        );
        for &fixup in fixups {
            let word = (bias + fixup as usize) as *mut usize;
            word.write_unaligned(word.read_unaligned().wrapping_add(bias));
        }
        if libc::mprotect(relro, relro_len, libc::PROT_READ) != 0 {
            return protect_failed();
        }
        std::mem::transmute::<usize, ModuleMain>(bias + header.main_vaddr as usize)
    };
    // SAFETY: the module's `main` has C's `main` signature; argc and argv are ours.
    unsafe { main(argc, argv) }
}

fn protect_failed() -> c_int {
    let error = std::io::Error::last_os_error();
    let _ = writeln!(
        std::io::stderr(),
        "error: protecting the module's pages: {error}"
    );
    1
}
