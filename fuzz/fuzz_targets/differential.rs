//! Target (3): differential execution, wasi-aot against the `wasmtime` crate
//! (see `wasi_aot_fuzz::differential`).

#![no_main]

use libfuzzer_sys::{fuzz_target, Corpus};

fuzz_target!(|data: &[u8]| -> Corpus {
    if wasi_aot_fuzz::differential::run(data) {
        Corpus::Keep
    } else {
        Corpus::Reject
    }
});
