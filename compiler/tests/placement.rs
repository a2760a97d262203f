//! Small innermost loops never cross a 64-byte line in the compiled code, whatever the
//! code before them (see `compiler/src/placement.rs`), padding is never executed, and
//! the code starts a page.

use object::{Object, ObjectSection, ObjectSymbol, SymbolKind};
use wasi_aot_compiler::{compile, read_input, CompileOptions, ImportBinding};

/// A function summing `$n` bytes from `$p` in a loop, after `fillers` loads that push
/// the loop further into the function.
fn module_with_fillers(fillers: usize) -> String {
    let filler = "(local.set $n (i32.add (local.get $n) (i32.load8_u (i32.const 16))))\n";
    format!(
        r#"(module
  (memory 1)
  (func $sum (export "sum") (param $p i32) (param $n i32) (result i32)
    (local $sum i32)
    {}
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    local.get $sum))"#,
        filler.repeat(fillers)
    )
}

/// The code of the function symbol `name`, its address in the object's `.text`, and the
/// bytes between the start of its 64-byte line and its first instruction.
fn function_code(obj: &[u8], name: &str) -> (u64, Vec<u8>, Vec<u8>) {
    let file = object::File::parse(obj).expect("a valid ELF object");
    let symbol = file
        .symbols()
        .find(|s| s.name() == Ok(name) && s.kind() == SymbolKind::Text)
        .unwrap_or_else(|| panic!("no function {name}"));
    let section = file
        .section_by_index(symbol.section_index().unwrap())
        .unwrap();
    let data = section.data().unwrap();
    let start = (symbol.address() - section.address()) as usize;
    let code = data[start..start + symbol.size() as usize].to_vec();
    let before = data[start - start % 64..start].to_vec();
    (symbol.address(), code, before)
}

/// The `[header, end)` code ranges of loops closed by a backward conditional jump with a
/// 32-bit displacement (`0f 8x rel32`, the form Cranelift emits).
fn backward_jcc_loops(code: &[u8]) -> Vec<(usize, usize)> {
    (0..code.len().saturating_sub(5))
        .filter(|&i| code[i] == 0x0f && (0x80..=0x8f).contains(&code[i + 1]))
        .filter_map(|i| {
            let rel = i32::from_le_bytes(code[i + 2..i + 6].try_into().unwrap());
            let end = i + 6;
            let header = end as i64 + i64::from(rel);
            (rel < 0 && header >= 0).then_some((header as usize, end))
        })
        .collect()
}

#[test]
fn small_loops_sit_inside_one_line_whatever_precedes_them() {
    let mut padded = 0;
    for fillers in 0..12 {
        let source = module_with_fillers(fillers);
        let wasm = read_input(source.as_bytes(), std::path::Path::new("loop.wat")).unwrap();
        let obj = compile(&wasm, &CompileOptions::default(), &|_| {
            ImportBinding::Dynamic
        })
        .unwrap();
        let (address, code, before) = function_code(&obj, "sum");
        let file = object::File::parse(&*obj).unwrap();
        let text = file.section_by_name(".text").unwrap();
        assert_eq!(
            text.align(),
            4096,
            "the code starts a page in the executable"
        );
        assert_eq!(
            code[0], 0x55,
            "the entry is Cranelift's `push rbp`, not padding"
        );
        assert!(
            before.iter().all(|&b| b == 0xcc),
            "{fillers} fillers: the padding before the entry is int3 filler"
        );
        if address % 64 != 0 {
            padded += 1;
        }
        let loops = backward_jcc_loops(&code);
        assert!(!loops.is_empty(), "{fillers} fillers: no loop found");
        for (header, end) in loops {
            let (header, end) = (address as usize + header, address as usize + end);
            assert!(
                end - header <= 64,
                "{fillers} fillers: loop of {} bytes",
                end - header
            );
            assert_eq!(
                header / 64,
                (end - 1) / 64,
                "{fillers} fillers: loop {header:#x}..{end:#x} crosses a line"
            );
        }
    }
    // Each filler adds some bytes before the loop, so some of these layouts would put the
    // loop across a line without padding.
    assert!(padded > 0, "no function was padded");
}
