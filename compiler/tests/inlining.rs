//! Small leaf functions are inlined into their direct callers at `-O1` and `-O2`, and
//! only those that can neither trap nor call (see `compiler/src/inline.rs`).

use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget};
use wasi_aot_compiler::{compile, read_input, CompileOptions, ImportBinding, OptLevel};

const MODULE: &str = r#"(module
  (memory 1)
  (func $leaf (param i32) (result i32)
    local.get 0 i32.const 32 i32.or)
  (func $loads (param i32) (result i32)
    local.get 0 i32.load)
  (func $divides (param i32) (result i32)
    i32.const 100 local.get 0 i32.div_u)
  (func $calls (param i32) (result i32)
    local.get 0 call $leaf)
  (func (export "run") (param i32) (result i32)
    local.get 0 call $leaf
    local.get 0 call $loads i32.add
    local.get 0 call $divides i32.add
    local.get 0 call $calls i32.add))"#;

/// How many relocations in code sections target the function symbol `name`.
fn calls_to(obj: &[u8], name: &str) -> usize {
    let file = object::File::parse(obj).expect("a valid ELF object");
    let symbol = file
        .symbols()
        .find(|s| s.name() == Ok(name))
        .unwrap_or_else(|| panic!("no symbol {name}"))
        .index();
    file.sections()
        .filter(|s| s.kind() == object::SectionKind::Text)
        .flat_map(|s| s.relocations().collect::<Vec<_>>())
        .filter(|(_, r)| r.target() == RelocationTarget::Symbol(symbol))
        .count()
}

fn object_at(opt_level: OptLevel) -> Vec<u8> {
    let wasm = read_input(MODULE.as_bytes(), std::path::Path::new("inline.wat")).unwrap();
    let options = CompileOptions {
        opt_level,
        ..CompileOptions::default()
    };
    compile(&wasm, &options, &|_| ImportBinding::Dynamic).unwrap()
}

#[test]
fn leaves_that_cannot_trap_are_inlined_everywhere() {
    for level in [OptLevel::Speed, OptLevel::SpeedAndSize] {
        let obj = object_at(level);
        // Inlined into `run` and into `calls`; the function itself stays defined.
        assert_eq!(calls_to(&obj, "leaf"), 0, "{level:?}");
        // A load or a division can trap, and a call is a frame of the backtrace.
        assert_eq!(calls_to(&obj, "loads"), 1, "{level:?}");
        assert_eq!(calls_to(&obj, "divides"), 1, "{level:?}");
        assert_eq!(calls_to(&obj, "calls"), 1, "{level:?}");
    }
}

#[test]
fn nothing_is_inlined_without_optimisation() {
    let obj = object_at(OptLevel::None);
    assert_eq!(calls_to(&obj, "leaf"), 2);
    assert_eq!(calls_to(&obj, "loads"), 1);
}
