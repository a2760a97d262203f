//! From a module to an executable: read, check, bind imports, compile, link.

use crate::imports::{self, DefinedSymbols, UnknownImports};
use crate::link;
use anyhow::Context as _;
use std::fs;
use std::path::{Path, PathBuf};
use wasi_aot_abi::exec_config::ExecConfig;
use wasi_aot_abi::BoundsChecks;
use wasi_aot_compiler::{CompileOptions, ObjectKind, OptLevel, TargetCpu, ValidModule};

/// Everything that decides what executable a module becomes (the options of `build` and
/// `run`, resolved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Capabilities baked into the executable (`--dir`, `--env`, `--inherit-env`).
    pub exec_config: ExecConfig,
    /// Objects and archives to link (`--link`), in order.
    pub link: Vec<PathBuf>,
    /// What to do with unresolved function imports (`--unknown-imports`).
    pub unknown_imports: UnknownImports,
    /// Bounds-check mode (`--bounds-checks`).
    pub bounds_checks: BoundsChecks,
    /// Optimisation level (`-O`).
    pub opt_level: OptLevel,
    /// The CPU the code is for (`--target-cpu`).
    pub target_cpu: TargetCpu,
}

impl Settings {
    /// The compiler options for an executable with these settings.
    pub fn compile_options(&self) -> CompileOptions {
        CompileOptions {
            bounds_checks: self.bounds_checks,
            opt_level: self.opt_level,
            target_cpu: self.target_cpu,
            kind: ObjectKind::Executable {
                exec_config: self.exec_config.encode(),
            },
            ..CompileOptions::default()
        }
    }
}

/// Reads `input` (`.wasm` or `.wat`) and returns the binary module.
///
/// # Errors
///
/// `reading INPUT: <io error>` if the file cannot be read, `INPUT: <compile error>` if
/// its text does not parse.
pub fn read_module(input: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    wasi_aot_compiler::read_input(&bytes, input).with_context(|| input.display().to_string())
}

/// Compiles `wasm` (read from `input`, which names it in messages) and links it into the
/// executable `output`.
///
/// # Errors
///
/// Invalid modules, every problem [`imports::bind_executable`] finds, unreadable
/// `--link` files, compile errors, and link failures.
pub fn build(input: &Path, wasm: &[u8], settings: &Settings, output: &Path) -> anyhow::Result<()> {
    let context = || input.display().to_string();
    let module = ValidModule::new(wasm).with_context(context)?;
    let defined = DefinedSymbols::scan(&settings.link)?;
    let bindings = imports::bind_executable(&module.info(), &defined, settings.unknown_imports)?;
    let object = module
        .compile(&settings.compile_options(), &|import| bindings.get(import))
        .with_context(context)?;
    link::link_executable(&object, &settings.link, output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_options_carry_the_settings() {
        let settings = Settings {
            exec_config: ExecConfig {
                dirs: vec![("data".into(), "/data".into())],
                env: vec![("K".into(), "V".into())],
                inherit_env: true,
                max_wasm_stack: 12345,
                max_memory_pages: 3,
                timeout_secs: 7,
            },
            link: vec![],
            unknown_imports: UnknownImports::Trap,
            bounds_checks: BoundsChecks::Explicit,
            opt_level: OptLevel::None,
            target_cpu: TargetCpu::Native,
        };
        let options = settings.compile_options();
        assert_eq!(options.bounds_checks, BoundsChecks::Explicit);
        assert_eq!(options.opt_level, OptLevel::None);
        assert_eq!(options.target_cpu, TargetCpu::Native);
        assert_eq!(
            options.descriptor_symbol,
            wasi_aot_abi::descriptor::DESCRIPTOR_SYMBOL
        );
        let ObjectKind::Executable { exec_config } = options.kind else {
            panic!("an executable's options must ask for an executable object");
        };
        assert_eq!(ExecConfig::decode(&exec_config), Some(settings.exec_config));
    }

    #[test]
    fn unreadable_input_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("demo.wasm");
        let err = read_module(&missing).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            format!(
                "reading {}: No such file or directory (os error 2)",
                missing.display()
            )
        );
        let err = read_module(dir.path()).unwrap_err();
        assert!(format!("{err:#}").starts_with(&format!("reading {}: ", dir.path().display())));
    }
}
