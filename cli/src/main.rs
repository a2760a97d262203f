//! `wasi-aot`: compiles WASI preview1 WebAssembly modules into native Linux executables.
//!
//! Exit status: 0 on success, 1 on any error of ours (printed as `error: ...` with its
//! whole context chain), 2 for usage errors reported by the argument parser. `wasi-aot
//! run` replaces itself with the program, whose exit status and signals are its own.

mod args;
mod cache;
mod executable;
mod image;
mod imports;
mod library;
mod link;
mod wast;

use std::process::ExitCode;

fn main() -> ExitCode {
    match args::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
