//! The runtime functions generated code calls directly (`wasi_aot_abi::builtins`).
//! Each returns nonzero when the operation must trap; the generated code raises the
//! trap at the wasm instruction.

use crate::instance::instance_from_vmctx;

/// `memory.grow`: the old size in pages, or -1.
///
/// # Safety
/// Called by generated code with its own vmctx.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_builtin_memory_grow(
    vmctx: *mut u8,
    memory: u32,
    delta: u64,
) -> i64 {
    // SAFETY: guaranteed by the caller.
    let instance = unsafe { instance_from_vmctx(vmctx) };
    instance
        .memory_grow(memory, delta)
        .map_or(-1, |old| old as i64)
}

/// `memory.copy` of `len` bytes between native addresses inside linear memories,
/// which the generated code has bounds-checked.
///
/// # Safety
/// Called by generated code with its own vmctx and two in-bounds ranges.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_builtin_memmove(
    _vmctx: *mut u8,
    dst: *mut u8,
    src: *const u8,
    len: u64,
) {
    // SAFETY: both ranges are in bounds (guaranteed by the caller); `copy` handles
    // overlap.
    unsafe { std::ptr::copy(src, dst, len as usize) }
}

/// `memory.fill` of `len` bytes at a native address inside a linear memory, which the
/// generated code has bounds-checked.
///
/// # Safety
/// Called by generated code with its own vmctx and an in-bounds range.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_builtin_memset(
    _vmctx: *mut u8,
    dst: *mut u8,
    byte: u32,
    len: u64,
) {
    // SAFETY: the range is in bounds (guaranteed by the caller).
    unsafe { std::ptr::write_bytes(dst, byte as u8, len as usize) }
}

/// `memory.init`.
///
/// # Safety
/// Called by generated code with its own vmctx.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_builtin_memory_init(
    vmctx: *mut u8,
    memory: u32,
    segment: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> i32 {
    // SAFETY: guaranteed by the caller.
    let instance = unsafe { instance_from_vmctx(vmctx) };
    i32::from(instance.memory_init(memory, segment, dst, src, len))
}

/// `data.drop`.
///
/// # Safety
/// Called by generated code with its own vmctx.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_builtin_data_drop(vmctx: *mut u8, segment: u32) {
    // SAFETY: guaranteed by the caller.
    unsafe { instance_from_vmctx(vmctx) }.data_drop(segment);
}

/// `table.grow`: the old size, or -1.
///
/// # Safety
/// Called by generated code with its own vmctx.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_builtin_table_grow(
    vmctx: *mut u8,
    table: u32,
    init: usize,
    delta: u32,
) -> i32 {
    // SAFETY: guaranteed by the caller.
    let instance = unsafe { instance_from_vmctx(vmctx) };
    instance
        .table_grow(table, init, delta)
        .map_or(-1, |old| old as i32)
}

/// `table.fill`.
///
/// # Safety
/// Called by generated code with its own vmctx.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_builtin_table_fill(
    vmctx: *mut u8,
    table: u32,
    dst: u32,
    value: usize,
    len: u32,
) -> i32 {
    // SAFETY: guaranteed by the caller.
    let elements = unsafe { instance_from_vmctx(vmctx) }.table_elements(table);
    match u64::from(dst)
        .checked_add(u64::from(len))
        .filter(|end| *end <= elements.len() as u64)
    {
        Some(end) => {
            elements[dst as usize..end as usize].fill(value);
            0
        }
        None => 1,
    }
}

/// `table.copy`.
///
/// # Safety
/// Called by generated code with its own vmctx.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_builtin_table_copy(
    vmctx: *mut u8,
    dst_table: u32,
    src_table: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> i32 {
    // SAFETY: guaranteed by the caller.
    let instance = unsafe { instance_from_vmctx(vmctx) };
    let dst_elems = instance.table_elements(dst_table);
    let src_elems = instance.table_elements(src_table);
    let fits = |start: u32, size: usize| u64::from(start) + u64::from(len) <= size as u64;
    if !fits(dst, dst_elems.len()) || !fits(src, src_elems.len()) {
        return 1;
    }
    // SAFETY: both ranges are in bounds; `copy` handles overlap within one table.
    unsafe {
        std::ptr::copy(
            src_elems.as_ptr().add(src as usize),
            dst_elems.as_mut_ptr().add(dst as usize),
            len as usize,
        )
    };
    0
}

/// `table.init`.
///
/// # Safety
/// Called by generated code with its own vmctx.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_builtin_table_init(
    vmctx: *mut u8,
    table: u32,
    segment: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> i32 {
    // SAFETY: guaranteed by the caller.
    let instance = unsafe { instance_from_vmctx(vmctx) };
    i32::from(instance.table_init(table, segment, dst, src, len))
}

/// `elem.drop`.
///
/// # Safety
/// Called by generated code with its own vmctx.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_builtin_elem_drop(vmctx: *mut u8, segment: u32) {
    // SAFETY: guaranteed by the caller.
    unsafe { instance_from_vmctx(vmctx) }.elem_drop(segment);
}

/// Every builtin's address, so that a program embedding the runtime as a Rust library
/// keeps them (and, linked with `-rdynamic`, exports them to modules it loads).
#[expect(dead_code, reason = "only the linker reads the table")]
struct BuiltinTable([*const (); 10]);

// SAFETY: the table holds immutable function addresses.
unsafe impl Sync for BuiltinTable {}

#[used]
static BUILTIN_TABLE: BuiltinTable = BuiltinTable([
    wasi_aot_builtin_memory_grow as *const (),
    wasi_aot_builtin_memmove as *const (),
    wasi_aot_builtin_memset as *const (),
    wasi_aot_builtin_memory_init as *const (),
    wasi_aot_builtin_data_drop as *const (),
    wasi_aot_builtin_table_grow as *const (),
    wasi_aot_builtin_table_fill as *const (),
    wasi_aot_builtin_table_copy as *const (),
    wasi_aot_builtin_table_init as *const (),
    wasi_aot_builtin_elem_drop as *const (),
]);

#[cfg(test)]
mod tests {
    /// Every builtin the compiler may call is defined here, under the same symbol.
    #[test]
    fn builtins_match_the_abi_list() {
        let defined = [
            "wasi_aot_builtin_memory_grow",
            "wasi_aot_builtin_memmove",
            "wasi_aot_builtin_memset",
            "wasi_aot_builtin_memory_init",
            "wasi_aot_builtin_data_drop",
            "wasi_aot_builtin_table_grow",
            "wasi_aot_builtin_table_fill",
            "wasi_aot_builtin_table_copy",
            "wasi_aot_builtin_table_init",
            "wasi_aot_builtin_elem_drop",
        ];
        let listed: Vec<&str> = wasi_aot_abi::builtins::ALL
            .iter()
            .map(|b| b.symbol)
            .collect();
        assert_eq!(listed, defined);
        let source = include_str!("builtins.rs");
        for name in defined {
            assert!(
                source.contains(&format!("extern \"C\" fn {name}(")),
                "{name}"
            );
        }
    }
}
