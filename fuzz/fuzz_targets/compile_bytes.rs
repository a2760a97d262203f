//! Target (1): bytes through validation and compilation, in-process.
//!
//! An input that starts with the wasm magic is the module itself. Any other input
//! drives `wasm-smith` with every proposal it knows switched on (so unsupported
//! features reach the compiler's "not supported yet" paths), and its last bytes
//! then overwrite a few bytes of the generated module, giving near-valid modules
//! that raw byte mutation rarely reaches. Either way the compiler may accept or
//! reject the module; a panic, an abort or a hang is a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wasi_aot_compiler::{BoundsChecks, CompileOptions, ImportBinding, OptLevel};

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"\0asm") {
        compile_both_ways(data);
    } else if let Some(module) = wasi_aot_fuzz::smith::mutated_module(data) {
        compile_both_ways(&module);
    }
});

/// Inspects `wasm` as the CLI does first, compiles it as library mode does (imports
/// left to the embedder, guard pages), and compiles a module that passes that once
/// more with explicit bounds checks, no optimisation and trap stubs for imports.
fn compile_both_ways(wasm: &[u8]) {
    // `compile` validates on its own, so a module `inspect` rejects still goes through
    // it: both must reject it cleanly.
    let _ = wasi_aot_compiler::inspect(wasm);
    let guard = CompileOptions::default();
    if wasi_aot_compiler::compile(wasm, &guard, &|_| ImportBinding::Dynamic).is_err() {
        return;
    }
    let explicit = CompileOptions {
        bounds_checks: BoundsChecks::Explicit,
        opt_level: OptLevel::None,
        ..CompileOptions::default()
    };
    // A second rejection is as acceptable as the first; only a crash is a finding.
    let _ = wasi_aot_compiler::compile(wasm, &explicit, &|_| ImportBinding::TrapStub);
}
