//! The wasi-aot runtime: linked into every produced executable (as a static library)
//! and into embedders. It instantiates compiled modules from their descriptors, owns
//! their memories, tables and globals, turns faults into wasm traps, and implements the
//! WASI host functions.

pub mod instance;
pub mod traps;
pub mod wasi;
