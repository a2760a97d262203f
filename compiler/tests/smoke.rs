//! Compiles small modules to objects and checks the symbols they define.

use object::{Object, ObjectSymbol};
use wasi_aot_compiler::{compile, read_input, CompileOptions, ImportBinding, ObjectKind};

const HELLO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (export "memory" (memory 0))
  (data (i32.const 8) "hello world\n")
  (func $main (export "_start")
    (i32.store (i32.const 0) (i32.const 8))
    (i32.store (i32.const 4) (i32.const 12))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 20))
    drop))"#;

fn symbols(obj: &[u8]) -> Vec<(String, bool)> {
    let file = object::File::parse(obj).expect("a valid ELF object");
    file.symbols()
        .map(|s| (s.name().unwrap_or("").to_string(), s.is_undefined()))
        .collect()
}

#[test]
fn executable_object_defines_main_and_names_functions() {
    let wasm = read_input(HELLO.as_bytes(), std::path::Path::new("hello.wat")).unwrap();
    let options = CompileOptions {
        kind: ObjectKind::Executable {
            exec_config: vec![1, 2, 3],
        },
        ..CompileOptions::default()
    };
    let obj = compile(&wasm, &options, &|i| {
        ImportBinding::Symbol(wasi_aot_abi::host::host_symbol(&i.module, &i.name))
    })
    .unwrap();
    let syms = symbols(&obj);
    let has = |name: &str, undefined: bool| syms.iter().any(|(n, u)| n == name && *u == undefined);
    assert!(has("main", false));
    assert!(has("main.0", false) || has("main", false));
    assert!(has("wasi_aot_module", false));
    assert!(has("wasi_aot_exec_config", false));
    assert!(has("wasi_snapshot_preview1_fd_write", true));
    assert!(has("wasi_aot_main", true));
}

#[test]
fn invalid_module_reports_offset() {
    let err = compile(b"\0asm\x01\0\0\0\x01", &CompileOptions::default(), &|_| {
        ImportBinding::Dynamic
    })
    .unwrap_err();
    assert!(err.to_string().contains("byte offset 0x"), "{err}");
}
