//! WASI preview1 host functions.

/// Per-instance WASI state.
pub struct WasiCtx {}
