//! What an executable's imports bind to, and the checks that a module can be an
//! executable at all.
//!
//! A function import `module.name` binds to the C symbol `host_symbol(module, name)`
//! (`wasi_aot_abi::host`): the runtime defines it for the WASI functions it implements,
//! and `--link` files may define it for anything else. Every problem is collected before
//! anything is reported, so one build lists all of them.

use anyhow::Context as _;
use object::read::archive::ArchiveFile;
use object::{FileKind, Object as _, ObjectSymbol as _};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use wasi_aot_abi::host::{self, HostType};
use wasi_aot_compiler::{EntityKind, ImportBinding, ImportInfo, ModuleInfo, ValType};

/// What to do with a function import that neither the runtime nor a `--link` file
/// provides (`--unknown-imports`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum UnknownImports {
    /// Refuse to build, listing every such import.
    Error,
    /// Build a stub that traps with "call to an unresolved import" when called.
    Trap,
}

/// The global symbols defined by the `--link` files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DefinedSymbols(HashSet<String>);

impl DefinedSymbols {
    /// Reads every file and collects the global (or weak) symbols it defines. A file may
    /// be a relocatable object, an archive (regular or thin) of objects, or a shared
    /// library (its dynamic symbols); archive members that are not objects are skipped.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, or that is neither an ELF object nor an archive.
    pub fn scan(files: &[PathBuf]) -> anyhow::Result<Self> {
        let mut symbols = HashSet::new();
        for file in files {
            scan_file(file, &mut symbols)?;
        }
        Ok(DefinedSymbols(symbols))
    }

    /// Whether `symbol` is defined.
    pub fn contains(&self, symbol: &str) -> bool {
        self.0.contains(symbol)
    }
}

impl<S: Into<String>> FromIterator<S> for DefinedSymbols {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        DefinedSymbols(iter.into_iter().map(Into::into).collect())
    }
}

fn scan_file(path: &Path, out: &mut HashSet<String>) -> anyhow::Result<()> {
    let data = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let not_object = |e: object::Error| {
        anyhow::anyhow!(
            "{}: not an ELF object or archive ({e}); `--link` takes `.o`, `.a` or `.so` files",
            path.display()
        )
    };
    match FileKind::parse(&*data).map_err(not_object)? {
        FileKind::Archive => {
            let archive = ArchiveFile::parse(&*data).map_err(not_object)?;
            for member in archive.members() {
                let member = member.map_err(not_object)?;
                if member.is_thin() {
                    // A thin archive names its members' files, relative to itself.
                    let name = String::from_utf8_lossy(member.name()).into_owned();
                    let member_path = path.parent().unwrap_or(Path::new(".")).join(&name);
                    let bytes = fs::read(&member_path).with_context(|| {
                        format!(
                            "{}: reading thin archive member {}",
                            path.display(),
                            member_path.display()
                        )
                    })?;
                    add_object_symbols(&bytes, out);
                } else {
                    add_object_symbols(member.data(&*data).map_err(not_object)?, out);
                }
            }
        }
        _ => {
            let file = object::File::parse(&*data).map_err(not_object)?;
            add_symbols(&file, out);
        }
    }
    Ok(())
}

/// Adds an archive member's symbols; members that are not objects (such as a Rust
/// rlib's metadata) define nothing the linker could use, so they are skipped.
fn add_object_symbols(data: &[u8], out: &mut HashSet<String>) {
    if let Ok(file) = object::File::parse(data) {
        add_symbols(&file, out);
    }
}

fn add_symbols(file: &object::File<'_>, out: &mut HashSet<String>) {
    let symbols = if file.kind() == object::ObjectKind::Dynamic {
        file.dynamic_symbols()
    } else {
        file.symbols()
    };
    for symbol in symbols {
        if symbol.is_definition() && symbol.is_global() {
            if let Ok(name) = symbol.name() {
                out.insert(name.to_string());
            }
        }
    }
}

/// How each function import of a module is bound, as decided by [`bind_executable`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bindings(HashMap<(String, String), ImportBinding>);

impl Bindings {
    /// The binding of `import`. Imports [`bind_executable`] did not see (which the
    /// compiler never asks about) get a trapping stub rather than a dangling symbol.
    pub fn get(&self, import: &ImportInfo) -> ImportBinding {
        self.0
            .get(&(import.module.clone(), import.name.clone()))
            .cloned()
            .unwrap_or(ImportBinding::TrapStub)
    }
}

/// Everything that keeps a module from being built into an executable. Each problem is
/// one message; they are shown one after another, each as its own `error:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problems(pub Vec<String>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `main` prints the first `error: `; the others get their own.
        f.write_str(&self.0.join("\nerror: "))
    }
}

impl std::error::Error for Problems {}

/// Checks that `info` describes a WASI command and decides how each of its function
/// imports is bound in an executable:
///
/// - WASI functions the runtime implements (`wasi_snapshot_preview1` and
///   `wasi_unstable`) bind to the runtime's symbols, after checking their signatures;
/// - any other function import binds to its symbol if a `--link` file defines it;
/// - the rest are unresolved: an error, or trapping stubs with [`UnknownImports::Trap`].
///
/// # Errors
///
/// All problems at once: no `_start` or `memory` export, imports of memories, tables or
/// globals, WASI imports with the wrong signature, and (in [`UnknownImports::Error`]
/// mode) unresolved imports.
pub fn bind_executable(
    info: &ModuleInfo,
    defined: &DefinedSymbols,
    unknown: UnknownImports,
) -> Result<Bindings, Problems> {
    let mut bindings = HashMap::new();
    let mut mismatches = Vec::new();
    let mut unresolved = Vec::new();

    let (functions, non_functions) = function_imports(info);
    for (import, params, results) in functions {
        let symbol = host::host_symbol(&import.module, &import.name);
        let binding = if let Some(checked) = wasi_binding(import, params, results) {
            if let Err(mismatch) = checked {
                mismatches.push(mismatch);
            }
            ImportBinding::Symbol(symbol)
        } else if defined.contains(&symbol) {
            ImportBinding::Symbol(symbol)
        } else {
            match unknown {
                UnknownImports::Trap => ImportBinding::TrapStub,
                UnknownImports::Error => {
                    let line = format!("  {}.{} (symbol {symbol})", import.module, import.name);
                    if !unresolved.contains(&line) {
                        unresolved.push(line);
                    }
                    continue;
                }
            }
        };
        bindings.insert((import.module.clone(), import.name.clone()), binding);
    }

    let mut problems = check_exports(info);
    problems.extend(non_function_problem("an executable", &non_functions));
    problems.extend(mismatches);
    if !unresolved.is_empty() {
        problems.push(format!(
            "unresolved imports:\n{}\nhint: pass `--link FILE` with an object or archive that \
             defines these symbols, or `--unknown-imports trap` to build stubs that trap when \
             called",
            unresolved.join("\n")
        ));
    }
    if problems.is_empty() {
        Ok(Bindings(bindings))
    } else {
        Err(Problems(problems))
    }
}

/// A function import with its parameter and result types.
type FunctionImport<'a> = (&'a ImportInfo, &'a [ValType], &'a [ValType]);

/// The function imports of `info`, and a line `  M.N (kind)` for each other import.
fn function_imports(info: &ModuleInfo) -> (Vec<FunctionImport<'_>>, Vec<String>) {
    let mut functions = Vec::new();
    let mut others = Vec::new();
    for import in &info.imports {
        match &import.kind {
            EntityKind::Func { params, results } => {
                functions.push((import, &params[..], &results[..]))
            }
            other => others.push(format!(
                "  {}.{} ({})",
                import.module,
                import.name,
                kind_name(other)
            )),
        }
    }
    (functions, others)
}

/// The problem of `what` (an executable, a library) importing the `non_functions`.
fn non_function_problem(what: &str, non_functions: &[String]) -> Option<String> {
    (!non_functions.is_empty()).then(|| {
        format!(
            "{what} cannot import memories, tables or globals (it must define them itself); \
             this module imports:\n{}",
            non_functions.join("\n")
        )
    })
}

/// Checks a function import against WASI: `None` if the runtime does not implement
/// `import` (it is a host function), `Some(Ok(()))` if it does and the types agree, and
/// `Some(Err(message))` if they do not.
fn wasi_binding(
    import: &ImportInfo,
    params: &[ValType],
    results: &[ValType],
) -> Option<Result<(), String>> {
    let &(name, wasi_params, returns_errno) = host::wasi_function(&import.module, &import.name)?;
    let wasi_params: Vec<ValType> = wasi_params.iter().map(|&t| val_type(t)).collect();
    let wasi_results: &[ValType] = if returns_errno { &[ValType::I32] } else { &[] };
    Some(if params != wasi_params || results != wasi_results {
        Err(format!(
            "import `{}.{}` has type {}, but WASI's `{name}` has type {}",
            import.module,
            import.name,
            func_type(params, results),
            func_type(&wasi_params, wasi_results),
        ))
    } else {
        Ok(())
    })
}

/// Decides how each function import of a library (`build --lib`) is bound:
///
/// - WASI functions the runtime implements bind to the runtime's symbols, after
///   checking their signatures (as in executables);
/// - every other function import is a host function, left for the host
///   ([`ImportBinding::Dynamic`]): each instance gets it from its configuration, or else
///   from the C symbol `M_N` if the program defines one.
///
/// # Errors
///
/// All problems at once: imports of memories, tables or globals, WASI imports with the
/// wrong signature, and host functions C cannot implement (a `v128` or `funcref`
/// parameter or result, or more than one result).
pub fn bind_library(info: &ModuleInfo) -> Result<Bindings, Problems> {
    let mut bindings = HashMap::new();
    let (functions, non_functions) = function_imports(info);
    let mut problems: Vec<String> = non_function_problem("a library", &non_functions)
        .into_iter()
        .collect();
    for (import, params, results) in functions {
        let binding = match wasi_binding(import, params, results) {
            Some(checked) => {
                if let Err(mismatch) = checked {
                    problems.push(mismatch);
                }
                ImportBinding::Symbol(host::host_symbol(&import.module, &import.name))
            }
            None => {
                let c_incompatible = params
                    .iter()
                    .chain(results)
                    .any(|t| matches!(t, ValType::V128 | ValType::FuncRef));
                if c_incompatible || results.len() > 1 {
                    problems.push(format!(
                        "import `{}.{}` has type {}: host functions take and return only \
                         i32, i64, f32, f64 and externref values, with at most one result",
                        import.module,
                        import.name,
                        func_type(params, results)
                    ));
                }
                ImportBinding::Dynamic
            }
        };
        bindings.insert((import.module.clone(), import.name.clone()), binding);
    }
    if problems.is_empty() {
        Ok(Bindings(bindings))
    } else {
        Err(Problems(problems))
    }
}

/// The export checks: a command exports `_start: [] -> []` and its memory as `memory`
/// (WASI functions exchange data through it; node's `wasi.start()` refuses modules
/// without it too).
fn check_exports(info: &ModuleInfo) -> Vec<String> {
    let mut problems = Vec::new();
    let find = |name: &str| info.exports.iter().find(|e| e.name == name);
    match find("_start").map(|e| &e.kind) {
        None => problems.push(
            "module has no `_start` export: only commands can be built into executables".into(),
        ),
        Some(EntityKind::Func { params, results }) if params.is_empty() && results.is_empty() => {}
        Some(EntityKind::Func { params, results }) => problems.push(format!(
            "export `_start` has type {}, but a command's `_start` takes and returns nothing",
            func_type(params, results)
        )),
        Some(other) => problems.push(format!(
            "export `_start` is a {}, but a command's `_start` must be a function",
            kind_name(other)
        )),
    }
    match find("memory").map(|e| &e.kind) {
        Some(EntityKind::Memory) => {}
        None => problems.push(
            "module has no `memory` export: WASI functions read and write the program's \
             data through the memory it exports as `memory`"
                .into(),
        ),
        Some(other) => problems.push(format!(
            "export `memory` is a {}, but WASI needs the module's memory exported as `memory`",
            kind_name(other)
        )),
    }
    problems
}

fn kind_name(kind: &EntityKind) -> &'static str {
    match kind {
        EntityKind::Func { .. } => "function",
        EntityKind::Table => "table",
        EntityKind::Memory => "memory",
        EntityKind::Global => "global",
    }
}

fn val_type(t: HostType) -> ValType {
    match t {
        HostType::I32 => ValType::I32,
        HostType::I64 => ValType::I64,
    }
}

/// The text-format name of a value type (`i32`, `externref`, ...).
pub fn val_type_name(t: ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::FuncRef => "funcref",
        ValType::ExternRef => "externref",
    }
}

/// A function type in the text format: `(func (param i32 i64) (result i32))`.
pub fn func_type(params: &[ValType], results: &[ValType]) -> String {
    let mut out = String::from("(func");
    for (keyword, types) in [("param", params), ("result", results)] {
        if !types.is_empty() {
            let names: Vec<&str> = types.iter().map(|&t| val_type_name(t)).collect();
            out.push_str(&format!(" ({keyword} {})", names.join(" ")));
        }
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;
    use wasi_aot_compiler::ExportInfo;
    use ValType::{I32, I64};

    fn func(params: &[ValType], results: &[ValType]) -> EntityKind {
        EntityKind::Func {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }

    fn import(module: &str, name: &str, kind: EntityKind) -> ImportInfo {
        ImportInfo {
            module: module.into(),
            name: name.into(),
            kind,
        }
    }

    /// A command exporting `_start` and `memory` with the given imports.
    fn command(imports: Vec<ImportInfo>) -> ModuleInfo {
        ModuleInfo {
            imports,
            exports: vec![
                ExportInfo {
                    name: "memory".into(),
                    kind: EntityKind::Memory,
                },
                ExportInfo {
                    name: "_start".into(),
                    kind: func(&[], &[]),
                },
            ],
        }
    }

    fn fd_write(module: &str) -> ImportInfo {
        import(module, "fd_write", func(&[I32, I32, I32, I32], &[I32]))
    }

    fn none() -> DefinedSymbols {
        DefinedSymbols::default()
    }

    #[test]
    fn wasi_imports_bind_to_runtime_symbols() {
        let proc_exit = import("wasi_snapshot_preview1", "proc_exit", func(&[I32], &[]));
        let clock = import(
            "wasi_snapshot_preview1",
            "clock_time_get",
            func(&[I32, I64, I32], &[I32]),
        );
        let old = fd_write("wasi_unstable");
        let info = command(vec![
            fd_write("wasi_snapshot_preview1"),
            proc_exit.clone(),
            clock.clone(),
            old.clone(),
        ]);
        let b = bind_executable(&info, &none(), UnknownImports::Error).unwrap();
        let sym = |s: &str| ImportBinding::Symbol(s.into());
        assert_eq!(
            b.get(&fd_write("wasi_snapshot_preview1")),
            sym("wasi_snapshot_preview1_fd_write")
        );
        assert_eq!(b.get(&proc_exit), sym("wasi_snapshot_preview1_proc_exit"));
        assert_eq!(b.get(&clock), sym("wasi_snapshot_preview1_clock_time_get"));
        assert_eq!(b.get(&old), sym("wasi_unstable_fd_write"));
        // An import the binder never saw gets a stub, not a dangling symbol.
        assert_eq!(
            b.get(&import("env", "other", func(&[], &[]))),
            ImportBinding::TrapStub
        );
    }

    #[test]
    fn wasi_signature_mismatches_name_both_types() {
        let info = command(vec![
            import("wasi_snapshot_preview1", "fd_write", func(&[I32], &[I32])),
            import("wasi_snapshot_preview1", "proc_exit", func(&[I32], &[I32])),
            import("wasi_unstable", "sched_yield", func(&[], &[I64])),
        ]);
        let err = bind_executable(&info, &none(), UnknownImports::Trap).unwrap_err();
        assert_eq!(
            err.0,
            [
                "import `wasi_snapshot_preview1.fd_write` has type (func (param i32) (result \
                 i32)), but WASI's `fd_write` has type (func (param i32 i32 i32 i32) (result \
                 i32))",
                "import `wasi_snapshot_preview1.proc_exit` has type (func (param i32) (result \
                 i32)), but WASI's `proc_exit` has type (func (param i32))",
                "import `wasi_unstable.sched_yield` has type (func (result i64)), but WASI's \
                 `sched_yield` has type (func (result i32))",
            ]
        );
    }

    #[test]
    fn unresolved_imports_are_listed_together() {
        let info = command(vec![
            import("env", "print-i32", func(&[I32], &[])),
            fd_write("wasi_snapshot_preview1"),
            // Not something the runtime provides for snapshot 0.
            import(
                "wasi_unstable",
                "sock_accept",
                func(&[I32, I32, I32], &[I32]),
            ),
            import("env", "print-i32", func(&[I32], &[])),
            import("host", "linked", func(&[], &[])),
        ]);
        let defined: DefinedSymbols = ["host_linked"].into_iter().collect();
        let err = bind_executable(&info, &defined, UnknownImports::Error).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(
            err.to_string(),
            "unresolved imports:\n  env.print-i32 (symbol env_print_i32)\n  \
             wasi_unstable.sock_accept (symbol wasi_unstable_sock_accept)\nhint: pass `--link \
             FILE` with an object or archive that defines these symbols, or \
             `--unknown-imports trap` to build stubs that trap when called"
        );
    }

    #[test]
    fn trap_mode_stubs_what_is_unresolved() {
        let print = import("env", "print", func(&[I32], &[]));
        let linked = import("my-host", "do.it", func(&[I64], &[I64]));
        let accept = import(
            "wasi_unstable",
            "sock_accept",
            func(&[I32, I32, I32], &[I32]),
        );
        let info = command(vec![print.clone(), linked.clone(), accept.clone()]);
        let defined: DefinedSymbols = ["my_host_do_it"].into_iter().collect();
        let b = bind_executable(&info, &defined, UnknownImports::Trap).unwrap();
        assert_eq!(b.get(&print), ImportBinding::TrapStub);
        assert_eq!(b.get(&accept), ImportBinding::TrapStub);
        assert_eq!(
            b.get(&linked),
            ImportBinding::Symbol("my_host_do_it".into())
        );
    }

    #[test]
    fn non_function_imports_are_rejected() {
        let info = command(vec![
            import("env", "memory", EntityKind::Memory),
            import("env", "table", EntityKind::Table),
            import("env", "g", EntityKind::Global),
            fd_write("wasi_snapshot_preview1"),
        ]);
        for mode in [UnknownImports::Error, UnknownImports::Trap] {
            let err = bind_executable(&info, &none(), mode).unwrap_err();
            assert_eq!(
                err.0,
                [
                    "an executable cannot import memories, tables or globals (it must define \
                  them itself); this module imports:\n  env.memory (memory)\n  env.table \
                  (table)\n  env.g (global)"
                ]
            );
        }
    }

    #[test]
    fn exports_of_a_command_are_required() {
        let mut info = command(vec![]);
        info.exports.clear();
        let err = bind_executable(&info, &none(), UnknownImports::Error).unwrap_err();
        assert_eq!(
            err.0,
            [
                "module has no `_start` export: only commands can be built into executables",
                "module has no `memory` export: WASI functions read and write the program's \
                 data through the memory it exports as `memory`",
            ]
        );

        info.exports = vec![
            ExportInfo {
                name: "_start".into(),
                kind: func(&[I32], &[]),
            },
            ExportInfo {
                name: "memory".into(),
                kind: EntityKind::Global,
            },
        ];
        let err = bind_executable(&info, &none(), UnknownImports::Error).unwrap_err();
        assert_eq!(
            err.0,
            [
                "export `_start` has type (func (param i32)), but a command's `_start` takes \
                 and returns nothing",
                "export `memory` is a global, but WASI needs the module's memory exported as \
                 `memory`",
            ]
        );
    }

    #[test]
    fn all_problems_are_reported_in_order() {
        let mut info = command(vec![
            import("env", "missing", func(&[], &[])),
            import("wasi_snapshot_preview1", "fd_close", func(&[], &[I32])),
            import("env", "memory", EntityKind::Memory),
        ]);
        info.exports.retain(|e| e.name != "_start");
        let err = bind_executable(&info, &none(), UnknownImports::Error).unwrap_err();
        let heads: Vec<&str> = err.0.iter().map(|p| p.lines().next().unwrap()).collect();
        assert_eq!(
            heads,
            [
                "module has no `_start` export: only commands can be built into executables",
                "an executable cannot import memories, tables or globals (it must define \
                 them itself); this module imports:",
                "import `wasi_snapshot_preview1.fd_close` has type (func (result i32)), but \
                 WASI's `fd_close` has type (func (param i32) (result i32))",
                "unresolved imports:",
            ]
        );
        // Each problem after the first is its own `error:` once `main` adds the first.
        let shown = format!("error: {err}");
        assert_eq!(shown.matches("\nerror: ").count(), 3);
        assert!(shown.starts_with("error: module has no `_start` export"));
    }

    #[test]
    fn func_types_print_like_the_text_format() {
        assert_eq!(func_type(&[], &[]), "(func)");
        assert_eq!(func_type(&[I32, I64], &[]), "(func (param i32 i64))");
        assert_eq!(
            func_type(&[ValType::F32], &[ValType::V128, ValType::ExternRef]),
            "(func (param f32) (result v128 externref))"
        );
    }

    /// Compiles `source` with the system C compiler into `dir/name.o`.
    fn compile_c(dir: &Path, name: &str, source: &str) -> PathBuf {
        let c = dir.join(format!("{name}.c"));
        let o = dir.join(format!("{name}.o"));
        fs::write(&c, source).unwrap();
        let status = Command::new("cc")
            .arg("-c")
            .arg("-o")
            .arg(&o)
            .arg(&c)
            .status()
            .expect("running cc (the tests need a C compiler, as wasi-aot does)");
        assert!(status.success(), "cc failed on {name}.c");
        o
    }

    const HOST_C: &str = "\
        #include <stdint.h>\n\
        int32_t env_print_i32(int32_t x) { return x; }\n\
        __attribute__((weak)) void env_weak(void) {}\n\
        int32_t env_counter = 0;\n\
        static void env_private(void) {}\n\
        void (*keep)(void) = env_private;\n\
        extern void env_undefined(void);\n\
        void call(void) { env_undefined(); }\n";

    fn assert_host_symbols(defined: &DefinedSymbols) {
        for present in ["env_print_i32", "env_weak", "env_counter", "call", "keep"] {
            assert!(defined.contains(present), "{present} should be defined");
        }
        for absent in ["env_private", "env_undefined", ""] {
            assert!(!defined.contains(absent), "{absent} should not be defined");
        }
    }

    #[test]
    fn scans_symbols_of_objects() {
        let dir = tempfile::tempdir().unwrap();
        let o = compile_c(dir.path(), "host", HOST_C);
        let defined = DefinedSymbols::scan(&[o]).unwrap();
        assert_host_symbols(&defined);
    }

    #[test]
    fn scans_symbols_of_archives() {
        let dir = tempfile::tempdir().unwrap();
        let a = compile_c(dir.path(), "a", HOST_C);
        let b = compile_c(dir.path(), "b", "int other_fn(void) { return 1; }\n");
        let notes = dir.path().join("notes.txt");
        fs::write(&notes, "not an object").unwrap();
        for (flags, lib) in [("rcs", "libhost.a"), ("rcsT", "libthin.a")] {
            let lib = dir.path().join(lib);
            let status = Command::new("ar")
                .arg(flags)
                .arg(&lib)
                .args([&a, &b, &notes])
                .status()
                .expect("running ar");
            assert!(status.success());
            let defined = DefinedSymbols::scan(&[lib]).unwrap();
            assert_host_symbols(&defined);
            assert!(defined.contains("other_fn"));
        }
    }

    #[test]
    fn scan_reports_unusable_files() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.o");
        let err = DefinedSymbols::scan(std::slice::from_ref(&missing)).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            format!(
                "reading {}: No such file or directory (os error 2)",
                missing.display()
            )
        );
        let text = dir.path().join("host.c");
        fs::write(&text, "int x;").unwrap();
        let err = DefinedSymbols::scan(std::slice::from_ref(&text)).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.starts_with(&format!("{}: not an ELF object or archive", text.display())),
            "{msg}"
        );
    }
}
