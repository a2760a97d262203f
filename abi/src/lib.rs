//! The facts that the wasi-aot compiler and runtime must agree on, defined once.
//!
//! The compiler writes machine code and data that the runtime reads; every
//! offset, code and layout that crosses that boundary lives in this crate:
//!
//! - [`vmctx`]: the per-instance context struct (`VMContext`) and its offsets;
//! - [`descriptor`]: the static module descriptor emitted into each object;
//! - [`trap`]: the trap kinds with their spec messages;
//! - [`builtins`]: the runtime functions generated code calls directly;
//! - [`constexpr`]: the encoding of constant expressions (global and segment initialisers);
//! - [`host`]: which imports the runtime itself provides (WASI) and the symbol naming rule;
//! - [`exec_config`]: the capabilities baked into an executable at build time;
//! - [`image`]: executables written without a linker (a runtime template plus the module);
//! - [`cpu`]: the CPU features generated code may use and the levels that name them.
//!
//! This crate has no dependencies and targets 64-bit hosts only.

pub mod builtins;
pub mod constexpr;
pub mod cpu;
pub mod descriptor;
pub mod exec_config;
pub mod host;
pub mod image;
pub mod trap;
pub mod vmctx;

/// How linear-memory accesses are kept inside the memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum BoundsChecks {
    /// Reserve 4 GiB plus a guard region per memory; accesses need no compare and a fault
    /// in the guard region becomes an out-of-bounds trap.
    Guard = 0,
    /// Compare every access against the current memory size before performing it.
    Explicit = 1,
}

impl BoundsChecks {
    /// Decodes the value stored in a module descriptor.
    pub fn from_u32(v: u32) -> Option<Self> {
        match v {
            0 => Some(Self::Guard),
            1 => Some(Self::Explicit),
            _ => None,
        }
    }
}

/// Size of a WebAssembly page in bytes.
pub const WASM_PAGE_SIZE: u64 = 65536;
/// Maximum number of pages of a 32-bit memory (4 GiB).
pub const WASM32_MAX_PAGES: u64 = 65536;
/// Bytes reserved after a 4 GiB guard-mode memory; static offsets below this need no check.
pub const GUARD_REGION_BYTES: u64 = 2 << 30;
/// Default maximum native stack that wasm code may use before "call stack exhausted".
pub const DEFAULT_MAX_WASM_STACK: u64 = 1 << 20;
/// The most elements a table may have: a module whose table starts larger is rejected
/// at build time, and `table.grow` beyond it returns -1.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000_000;
