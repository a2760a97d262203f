//! Shared code of the wasi-aot fuzz targets (`fuzz_targets/*.rs`).
//!
//! The targets that need the whole toolchain (linking with `cc`, loading the result)
//! drive the real `wasi-aot` command, so what they exercise is what users run.

use std::path::PathBuf;

pub mod differential;
pub mod process;
pub mod smith;

/// The `wasi-aot` command the targets drive: `$WASI_AOT`, or the workspace's release
/// build (`cargo build --release -p wasi-aot` at the repository root).
pub fn wasi_aot_binary() -> PathBuf {
    match std::env::var_os("WASI_AOT") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/wasi-aot"),
    }
}
