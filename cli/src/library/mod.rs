//! Library mode: `wasi-aot build --lib INPUT -o OUT.a|OUT.o [--header H] [--name N]
//! [--no-runtime]`, and `wasi-aot runtime -o OUT.a [--header H]`.
//!
//! A library holds the compiled module (its descriptor named `wasi_aot_descriptor_N`),
//! glue code compiled from C (the `wasi_aot_module_N` object and the typed `N_*`
//! functions of the header, over the runtime's generic API), and, for archives built
//! without `--no-runtime`, the runtime's own members. Several libraries link into one
//! program when at most one of them carries the runtime (or none does and the program
//! links the archive `wasi-aot runtime` writes): every other symbol is prefixed by the
//! library's name.
//!
//! Imports: WASI functions bind to the runtime; every other function import is a host
//! function, taken per instance from the configuration or else from the C symbol `M_N`
//! (a weak reference in the glue code), see `imports::bind_library`.

mod archive;
pub mod header;
pub mod interface;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use wasi_aot_compiler::{
    BoundsChecks, CompileOptions, ObjectKind, OptLevel, TargetCpu, ValType, ValidModule,
};

use crate::imports;
use crate::link::{cc_command, not_an_option, run_cc, runtime_archive_bytes};
use interface::Interface;

/// What `build --lib` makes, from its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibrarySettings {
    /// The prefix of the library's C names (`--name`); from the output's name if absent.
    pub name: Option<String>,
    /// Where to write the C header (`--header`).
    pub header: Option<PathBuf>,
    /// Whether an archive carries the runtime (not `--no-runtime`).
    pub runtime: bool,
    /// Bounds-check mode (`--bounds-checks`).
    pub bounds_checks: BoundsChecks,
    /// Optimisation level (`-O`).
    pub opt_level: OptLevel,
    /// The CPU the code is for (`--target-cpu`).
    pub target_cpu: TargetCpu,
}

/// The two output forms, chosen by the output's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutputKind {
    /// `.a`: a static library.
    Archive,
    /// `.o`: one relocatable object (never with the runtime).
    Object,
}

impl OutputKind {
    fn of(output: &Path) -> anyhow::Result<OutputKind> {
        match output.extension().and_then(|e| e.to_str()) {
            Some("a") => Ok(OutputKind::Archive),
            Some("o") => Ok(OutputKind::Object),
            _ => bail!(
                "{}: a library is written as a static library (`.a`) or an object file (`.o`)",
                output.display()
            ),
        }
    }
}

/// The type and mutability of every exported global, by export name (`inspect` lists
/// exported globals without their types).
fn exported_globals(wasm: &[u8]) -> anyhow::Result<HashMap<String, (ValType, bool)>> {
    use wasmparser::{Parser, Payload, TypeRef};
    let mut globals = Vec::new();
    let mut exports = HashMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let TypeRef::Global(ty) = import?.ty {
                        globals.push(ty);
                    }
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    globals.push(global?.ty);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    if export.kind == wasmparser::ExternalKind::Global {
                        exports.insert(export.name.to_string(), export.index);
                    }
                }
            }
            _ => {}
        }
    }
    let val_type = |t: wasmparser::ValType| match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(r) if r.is_extern_ref() => ValType::ExternRef,
        wasmparser::ValType::Ref(_) => ValType::FuncRef,
    };
    Ok(exports
        .into_iter()
        .filter_map(|(name, index)| {
            let ty = globals.get(index as usize)?;
            Some((name, (val_type(ty.content_type), ty.mutable)))
        })
        .collect())
}

/// Compiles `wasm` (read from `input`) into the library `output` and writes its header.
///
/// # Errors
/// A bad output name or library name, invalid modules, imports a library cannot have,
/// compile errors, and failures of the C compiler or of writing files.
pub fn build(
    input: &Path,
    wasm: &[u8],
    settings: &LibrarySettings,
    output: &Path,
) -> anyhow::Result<()> {
    let kind = OutputKind::of(output)?;
    let name = settings
        .name
        .clone()
        .unwrap_or_else(|| interface::default_name(output));
    interface::check_name(&name).map_err(anyhow::Error::msg)?;
    let context = || input.display().to_string();
    let module = ValidModule::new(wasm).with_context(context)?;
    let info = module.info();
    let bindings = imports::bind_library(&info)?;
    let globals = exported_globals(wasm).with_context(context)?;
    let source = input.file_name().map_or_else(
        || input.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let iface = Interface::new(&name, &source, &info, &globals);
    let options = CompileOptions {
        bounds_checks: settings.bounds_checks,
        opt_level: settings.opt_level,
        target_cpu: settings.target_cpu,
        kind: ObjectKind::Library,
        descriptor_symbol: iface.descriptor_symbol(),
    };
    let module = module
        .compile(&options, &|import| bindings.get(import))
        .with_context(context)?;

    let tmp = tempfile::Builder::new()
        .prefix("wasi-aot-lib-")
        .tempdir()
        .context("creating a temporary directory")?;
    let header_text = header::module_header(&iface);
    let header_name = format!("{name}.h");
    let glue_object = compile_glue(tmp.path(), &header_name, &header_text, &iface)?;
    let module_member = format!("{name}.o");
    let glue_member = format!("{name}_glue.o");

    match kind {
        OutputKind::Archive => {
            let mut members = vec![
                archive::Member {
                    name: module_member,
                    data: module,
                },
                archive::Member {
                    name: glue_member,
                    data: glue_object,
                },
            ];
            if settings.runtime {
                members.extend(
                    archive::members(runtime_archive_bytes())
                        .map_err(|e| anyhow::anyhow!("reading the runtime archive: {e}"))?,
                );
            }
            write_file(output, &archive::write(&members))?;
        }
        OutputKind::Object => {
            let module_path = tmp.path().join(module_member);
            let glue_path = tmp.path().join(glue_member);
            write_file(&module_path, &module)?;
            write_file(&glue_path, &glue_object)?;
            let (program, mut command) = cc_command();
            command
                .args(["-r", "-nostdlib", "-o"])
                .arg(not_an_option(output))
                .arg(&module_path)
                .arg(&glue_path);
            run_cc(&program, command, "combining the module and the glue code")?;
        }
    }
    if let Some(path) = &settings.header {
        write_file(path, header_text.as_bytes())?;
    }
    Ok(())
}

/// Writes the header as `dir/header_name` and compiles the glue code against it.
fn compile_glue(
    dir: &Path,
    header_name: &str,
    header_text: &str,
    iface: &Interface,
) -> anyhow::Result<Vec<u8>> {
    write_file(&dir.join(header_name), header_text.as_bytes())?;
    let source = dir.join("glue.c");
    let object = dir.join("glue.o");
    write_file(&source, header::glue(iface, header_name).as_bytes())?;
    let (program, mut command) = cc_command();
    command
        .args(["-c", "-O2", "-fPIC", "-std=c11", "-o"])
        .arg(&object)
        .arg(&source);
    run_cc(&program, command, "compiling the glue code")?;
    fs::read(&object).with_context(|| format!("reading {}", object.display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// `wasi-aot runtime`: writes the runtime archive to `output` (for programs whose
/// libraries were built with `--no-runtime`) and the shared header to `header`.
///
/// # Errors
/// Failures to write either file.
pub fn write_runtime(output: &Path, header: Option<&Path>) -> anyhow::Result<()> {
    write_file(output, runtime_archive_bytes())?;
    if let Some(path) = header {
        write_file(path, header::common().as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_kinds() {
        assert_eq!(
            OutputKind::of(Path::new("x/libm.a")).unwrap(),
            OutputKind::Archive
        );
        assert_eq!(
            OutputKind::of(Path::new("m.o")).unwrap(),
            OutputKind::Object
        );
        let err = OutputKind::of(Path::new("m.so")).unwrap_err().to_string();
        assert!(err.contains("`.a`") && err.contains("`.o`"), "{err}");
        assert!(OutputKind::of(Path::new("m")).is_err());
    }

    #[test]
    fn global_types_by_export_name() {
        let wasm = wat::parse_str(
            r#"(module
                 (global $a (export "a") (mut i64) (i64.const 1))
                 (global (export "b") f32 (f32.const 2))
                 (global (export "r") (mut externref) (ref.null extern))
                 (global (export "a2") (mut i64) (global.get $a)))"#,
        )
        .unwrap();
        let globals = exported_globals(&wasm).unwrap();
        assert_eq!(globals["a"], (ValType::I64, true));
        assert_eq!(globals["a2"], (ValType::I64, true));
        assert_eq!(globals["b"], (ValType::F32, false));
        assert_eq!(globals["r"], (ValType::ExternRef, true));
    }
}
