//! Every module of the official `simd_*.wast` spec tests compiles, in both bounds-check
//! modes and at both ends of the optimisation range; every module they mark invalid is
//! rejected. (Running the assertions is the spec runner's job; this catches operators
//! the translator or the x86 backend cannot lower.)
//!
//! The test suite is found through `WASI_AOT_SHARED` or at `<workspace>/../shared`; a
//! missing suite fails the test.

use std::path::{Path, PathBuf};

use wasi_aot_compiler::{compile, BoundsChecks, CompileOptions, ImportBinding, OptLevel};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, WastExecute};

/// The configurations every valid module is compiled in.
const CONFIGS: [(BoundsChecks, OptLevel); 2] = [
    (BoundsChecks::Guard, OptLevel::Speed),
    (BoundsChecks::Explicit, OptLevel::None),
];

/// The shared directory holding `spec-testsuite`.
fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("WASI_AOT_SHARED").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
        PathBuf::from,
    );
    assert!(
        dir.join("spec-testsuite").is_dir(),
        "spec test suite not found under {} (set WASI_AOT_SHARED)",
        dir.display()
    );
    dir
}

/// The `simd_*.wast` files of the Wasm 2.0 suite, sorted.
fn simd_wast_files() -> Vec<PathBuf> {
    let dir = shared_dir().join("spec-testsuite/wasm-2.0");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("simd_") && name.ends_with(".wast")
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no simd_*.wast files in {}",
        dir.display()
    );
    files
}

/// A module taken from a `.wast` file and whether the spec says it is valid.
struct SpecModule {
    /// 1-based line of the directive.
    line: usize,
    /// The binary module.
    wasm: Vec<u8>,
    /// `false` for `assert_invalid` modules.
    valid: bool,
}

/// The binary modules of one `.wast` file; text modules that do not even parse
/// (`assert_malformed`) are not included.
fn spec_modules(path: &Path) -> Vec<SpecModule> {
    let text = std::fs::read_to_string(path).expect("a readable .wast file");
    let buffer = ParseBuffer::new(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let wast: Wast<'_> =
        parser::parse(&buffer).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut modules = Vec::new();
    for directive in wast.directives {
        let line = directive.span().linecol_in(&text).0 + 1;
        let (encoded, valid) = match directive {
            WastDirective::Module(mut module) | WastDirective::ModuleDefinition(mut module) => {
                (module.encode(), true)
            }
            WastDirective::AssertTrap {
                exec: WastExecute::Wat(mut module),
                ..
            }
            | WastDirective::AssertUnlinkable { mut module, .. } => (module.encode(), true),
            WastDirective::AssertInvalid { mut module, .. } => match module {
                QuoteWat::Wat(_) | QuoteWat::QuoteModule(..) => (module.encode(), false),
                QuoteWat::QuoteComponent(..) => continue,
            },
            _ => continue,
        };
        match encoded {
            Ok(wasm) => modules.push(SpecModule { line, wasm, valid }),
            Err(e) if valid => panic!("{}:{line}: cannot encode: {e}", path.display()),
            Err(_) => {}
        }
    }
    modules
}

#[test]
fn every_simd_spec_module_compiles() {
    let mut failures = Vec::new();
    let (mut compiled, mut rejected) = (0, 0);
    for path in simd_wast_files() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let before = failures.len();
        for module in spec_modules(&path) {
            for (bounds_checks, opt_level) in CONFIGS {
                let options = CompileOptions {
                    bounds_checks,
                    opt_level,
                    ..CompileOptions::default()
                };
                let result = compile(&module.wasm, &options, &|_| ImportBinding::Dynamic);
                match (result, module.valid) {
                    (Ok(_), true) => compiled += 1,
                    (Err(_), false) => rejected += 1,
                    (Err(e), true) => failures.push(format!(
                        "{name}:{}: {bounds_checks:?}/{opt_level:?}: {e}",
                        module.line
                    )),
                    (Ok(_), false) => failures.push(format!(
                        "{name}:{}: an assert_invalid module was accepted",
                        module.line
                    )),
                }
                if !module.valid {
                    break;
                }
            }
        }
        let verdict = if failures.len() == before {
            "ok"
        } else {
            "FAILED"
        };
        println!("{name}: {verdict}");
    }
    println!(
        "{compiled} compilations passed, {rejected} invalid modules rejected, {} failed",
        failures.len()
    );
    assert!(compiled > 0, "no module was compiled");
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}
