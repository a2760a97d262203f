//! Runtime functions that generated code calls directly by symbol. Each is
//! `extern "C"`, takes the caller's vmctx first, and, where it can trap, returns a
//! nonzero `i32` on failure so the generated code can raise the trap at the wasm
//! instruction (keeping trap locations exact and no unwinding through Rust frames).
//! `memory.copy` and `memory.fill` are checked by the generated code itself, which
//! then passes native addresses: their builtins are libc's `memmove` and `memset`
//! behind the uniform signature.

use crate::trap::Trap;

/// A parameter or result type of a builtin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// Pointer-sized integer.
    Ptr,
}

/// A builtin's signature (after the implicit vmctx parameter).
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// Linker symbol.
    pub symbol: &'static str,
    /// Parameters after vmctx.
    pub params: &'static [AbiType],
    /// Result, if any.
    pub result: Option<AbiType>,
    /// The trap raised when the result is nonzero, for builtins that can fail.
    pub trap_on_nonzero: Option<Trap>,
}

use AbiType::{Ptr, I32, I64};

/// `(mem, delta_pages) -> old_pages or -1`
pub const MEMORY_GROW: Builtin = Builtin {
    symbol: "wasi_aot_builtin_memory_grow",
    params: &[I32, I64],
    result: Some(I64),
    trap_on_nonzero: None,
};
/// `(dst_addr, src_addr, len)`: `memory.copy` between native addresses the generated
/// code has bounds-checked.
pub const MEMORY_COPY: Builtin = Builtin {
    symbol: "wasi_aot_builtin_memmove",
    params: &[Ptr, Ptr, I64],
    result: None,
    trap_on_nonzero: None,
};
/// `(dst_addr, byte, len)`: `memory.fill` at a native address the generated code has
/// bounds-checked.
pub const MEMORY_FILL: Builtin = Builtin {
    symbol: "wasi_aot_builtin_memset",
    params: &[Ptr, I32, I64],
    result: None,
    trap_on_nonzero: None,
};
/// `(mem, data_index, dst, src, len) -> trapped`
pub const MEMORY_INIT: Builtin = Builtin {
    symbol: "wasi_aot_builtin_memory_init",
    params: &[I32, I32, I64, I32, I32],
    result: Some(I32),
    trap_on_nonzero: Some(Trap::MemoryOutOfBounds),
};
/// `(data_index)`
pub const DATA_DROP: Builtin = Builtin {
    symbol: "wasi_aot_builtin_data_drop",
    params: &[I32],
    result: None,
    trap_on_nonzero: None,
};
/// `(table, init_value, delta) -> old_size or -1`
pub const TABLE_GROW: Builtin = Builtin {
    symbol: "wasi_aot_builtin_table_grow",
    params: &[I32, Ptr, I32],
    result: Some(I32),
    trap_on_nonzero: None,
};
/// `(table, dst, value, len) -> trapped`
pub const TABLE_FILL: Builtin = Builtin {
    symbol: "wasi_aot_builtin_table_fill",
    params: &[I32, I32, Ptr, I32],
    result: Some(I32),
    trap_on_nonzero: Some(Trap::TableOutOfBounds),
};
/// `(dst_table, src_table, dst, src, len) -> trapped`
pub const TABLE_COPY: Builtin = Builtin {
    symbol: "wasi_aot_builtin_table_copy",
    params: &[I32, I32, I32, I32, I32],
    result: Some(I32),
    trap_on_nonzero: Some(Trap::TableOutOfBounds),
};
/// `(table, elem_index, dst, src, len) -> trapped`
pub const TABLE_INIT: Builtin = Builtin {
    symbol: "wasi_aot_builtin_table_init",
    params: &[I32, I32, I32, I32, I32],
    result: Some(I32),
    trap_on_nonzero: Some(Trap::TableOutOfBounds),
};
/// `(elem_index)`
pub const ELEM_DROP: Builtin = Builtin {
    symbol: "wasi_aot_builtin_elem_drop",
    params: &[I32],
    result: None,
    trap_on_nonzero: None,
};

/// Every builtin.
pub const ALL: &[Builtin] = &[
    MEMORY_GROW,
    MEMORY_COPY,
    MEMORY_FILL,
    MEMORY_INIT,
    DATA_DROP,
    TABLE_GROW,
    TABLE_FILL,
    TABLE_COPY,
    TABLE_INIT,
    ELEM_DROP,
];

/// Symbol of the runtime's entry point that the generated `main` calls:
/// `int wasi_aot_main(int argc, char **argv, const ModuleDescriptor *, const u8 *config, u64 config_len)`.
pub const MAIN_SYMBOL: &str = "wasi_aot_main";
