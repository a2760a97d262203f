//! Parallel compilation must not make the output depend on scheduling: compiling the
//! same module twice gives byte-identical objects.

use wasi_aot_compiler::{compile, CompileOptions, ImportBinding, ImportInfo, ObjectKind};

fn bind(info: &ImportInfo) -> ImportBinding {
    ImportBinding::Symbol(format!("{}_{}", info.module, info.name))
}

#[test]
fn compiling_twice_gives_identical_objects() {
    // A Rust std program with a few hundred functions, so rayon spreads them over threads.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/rust/dirstat.wasm");
    let wasm = std::fs::read(path).expect("examples/rust/dirstat.wasm");
    let options = CompileOptions {
        kind: ObjectKind::Executable {
            exec_config: vec![1, 2, 3],
        },
        ..CompileOptions::default()
    };
    let first = compile(&wasm, &options, &bind).expect("compiles");
    for _ in 0..3 {
        let again = compile(&wasm, &options, &bind).expect("compiles");
        assert!(first == again, "two compilations of dirstat.wasm differ");
    }
}
