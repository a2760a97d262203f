//! The wasi-aot runtime.
