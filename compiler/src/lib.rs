//! Compiles WebAssembly modules to native ELF objects with Cranelift.
//!
//! The entry points are [`inspect`], which validates a module and lists its imports and
//! exports, and [`compile`], which produces an object file containing the native code,
//! the module descriptor the runtime instantiates from (see `wasi_aot_abi::descriptor`),
//! and, for executables, a `main` that hands control to the runtime.

mod compile;
mod emit;
mod environ;
mod error;
mod info;
mod inline;
mod inlined_sites;
mod isa;
mod module_env;
mod placement;
mod trampolines;
mod translate;

pub use error::CompileError;
pub use wasi_aot_abi::cpu::{CpuFeatures, CpuLevel};
pub use wasi_aot_abi::BoundsChecks;

/// Cranelift optimisation level (`-O`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptLevel {
    /// `-O0`: no optimisation.
    None,
    /// `-O1`: optimise for speed.
    Speed,
    /// `-O2`: optimise for speed and size.
    SpeedAndSize,
}

/// The CPU generated code is for (`--target-cpu`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetCpu {
    /// Any CPU of this level: the code uses exactly its features.
    Level(CpuLevel),
    /// The CPU the compiler runs on: every feature it has that generated code can use.
    Native,
}

impl TargetCpu {
    /// The CPU features code compiled for this target uses.
    ///
    /// # Errors
    ///
    /// [`CompileError::Unsupported`] for `Native` on a CPU below x86-64-v2, the oldest
    /// level wasi-aot compiles for (below it, float rounding would need libcalls).
    pub fn features(self) -> Result<CpuFeatures, CompileError> {
        match self {
            TargetCpu::Level(level) => Ok(level.features()),
            TargetCpu::Native => {
                let present = wasi_aot_abi::cpu::detect();
                let oldest = CpuLevel::X86_64V2;
                let missing = oldest.features().minus(present);
                if !missing.is_empty() {
                    return Err(CompileError::Unsupported(format!(
                        "--target-cpu native: this CPU lacks {missing}, which {} (the oldest \
                         level wasi-aot compiles for) needs",
                        oldest.name()
                    )));
                }
                Ok(present)
            }
        }
    }
}

/// What kind of object to produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    /// An executable's object: defines `main` and embeds this serialised
    /// `wasi_aot_abi::exec_config::ExecConfig`.
    Executable {
        /// The encoded capabilities.
        exec_config: Vec<u8>,
    },
    /// A relocatable object exporting only the module descriptor (for embedding and the
    /// spec runner).
    Library,
}

/// Options for [`compile`].
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// How memory accesses are bounds-checked.
    pub bounds_checks: BoundsChecks,
    /// Optimisation level.
    pub opt_level: OptLevel,
    /// The CPU the code is for.
    pub target_cpu: TargetCpu,
    /// What to produce.
    pub kind: ObjectKind,
    /// Symbol of the module descriptor (default `wasi_aot_abi::descriptor::DESCRIPTOR_SYMBOL`).
    pub descriptor_symbol: String,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            bounds_checks: BoundsChecks::Guard,
            opt_level: OptLevel::Speed,
            // x86-64-v3: see the `isa` module for what it buys.
            target_cpu: TargetCpu::Level(CpuLevel::X86_64V3),
            kind: ObjectKind::Library,
            descriptor_symbol: wasi_aot_abi::descriptor::DESCRIPTOR_SYMBOL.to_string(),
        }
    }
}

/// How a function import is bound in the object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportBinding {
    /// Call this C symbol (a runtime WASI function or a `--link`ed host function).
    Symbol(String),
    /// Build a stub that traps with "call to an unresolved import".
    TrapStub,
    /// Left for the embedder to supply at instantiation.
    Dynamic,
}

/// A value type as seen in import and export signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValType {
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `v128`
    V128,
    /// `funcref`
    FuncRef,
    /// `externref`
    ExternRef,
}

/// What an import or export is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntityKind {
    /// A function with this signature.
    Func {
        /// Parameter types.
        params: Vec<ValType>,
        /// Result types.
        results: Vec<ValType>,
    },
    /// A table.
    Table,
    /// A memory.
    Memory,
    /// A global.
    Global,
}

/// One import of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportInfo {
    /// Module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// What is imported.
    pub kind: EntityKind,
}

/// One export of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportInfo {
    /// Export name.
    pub name: String,
    /// What is exported.
    pub kind: EntityKind,
}

/// The interface of a validated module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Imports in module order.
    pub imports: Vec<ImportInfo>,
    /// Exports in module order.
    pub exports: Vec<ExportInfo>,
}

/// Turns the input file's bytes into a binary module: `.wat` text is parsed (errors
/// name `path` with line and column), binary modules pass through.
pub fn read_input(bytes: &[u8], path: &std::path::Path) -> Result<Vec<u8>, CompileError> {
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes.to_vec());
    }
    wat::parse_bytes(bytes)
        .map(|wasm| wasm.into_owned())
        .map_err(|mut e| {
            e.set_path(path);
            CompileError::Wat(e.to_string())
        })
}

/// A module that passed validation, parsed once: tools that inspect its interface
/// before compiling it (to bind imports) validate and parse it only once.
pub struct ValidModule<'a> {
    env: module_env::ModuleEnv<'a>,
}

impl<'a> ValidModule<'a> {
    /// Validates and parses `wasm`.
    pub fn new(wasm: &'a [u8]) -> Result<Self, CompileError> {
        compile::validate(wasm)?;
        Ok(ValidModule {
            env: module_env::ModuleEnv::parse(wasm)?,
        })
    }

    /// Its imports and exports.
    pub fn info(&self) -> ModuleInfo {
        info::module_info(&self.env)
    }

    /// Compiles it into an ELF object. `bind` chooses, for each function import, how
    /// the object binds it.
    pub fn compile(
        &self,
        options: &CompileOptions,
        bind: &dyn Fn(&ImportInfo) -> ImportBinding,
    ) -> Result<Vec<u8>, CompileError> {
        compile::compile(&self.env, options, bind)
    }
}

/// Validates `wasm` and describes its imports and exports.
pub fn inspect(wasm: &[u8]) -> Result<ModuleInfo, CompileError> {
    Ok(ValidModule::new(wasm)?.info())
}

/// Validates `wasm` and compiles it into an ELF object. `bind` chooses, for each
/// function import, how the object binds it.
pub fn compile(
    wasm: &[u8],
    options: &CompileOptions,
    bind: &dyn Fn(&ImportInfo) -> ImportBinding,
) -> Result<Vec<u8>, CompileError> {
    ValidModule::new(wasm)?.compile(options, bind)
}
