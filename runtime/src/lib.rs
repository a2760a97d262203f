//! The wasi-aot runtime: linked into every produced executable (as a static library)
//! and into embedders. It instantiates compiled modules from their descriptors, owns
//! their memories, tables and globals, turns faults into wasm traps, and implements the
//! WASI host functions. [`embed`] is the C ABI embedders use: the spec runner, and the
//! hosts of libraries built with `wasi-aot build --lib` ([`embed::library`]).
//!
//! Unsafe code is confined to: the vmctx and descriptor accessors (`instance`),
//! memory reservation (`memory`), signal handling (`traps`, with `trap_entry.c`), the
//! builtins called by generated code (`builtins`), the WASI entry points, and the
//! `extern "C"` embedding functions (`embed`).

pub mod builtins;
mod code_registry;
pub mod constexpr;
pub mod embed;
pub mod exec;
mod image;
pub mod instance;
pub mod limits;
pub mod memory;
mod signatures;
pub mod traps;
pub mod wasi;
