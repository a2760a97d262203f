//! `wasi-aot wast`: runs WebAssembly spec scripts through the real pipeline.
//!
//! Every module of a script is compiled by the compiler (in parallel), all of a
//! script's objects are linked into one shared library with `cc -shared`, loaded with
//! `dlopen`, and driven only through the runtime's C-ABI embedding interface
//! (`wasi_aot_runtime::embed`): instantiate with imports from registered instances, call
//! exports, read globals, and get traps back as values. The `spectest` module is itself
//! a compiled wasm module (`spectest.wat`). Every command counts as passed or failed;
//! a command this runner cannot execute counts as failed.

mod values;

use std::collections::HashMap;
use std::ffi::CString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context as _};
use clap::Args;
use rayon::prelude::*;
use wasi_aot_abi::descriptor::{extern_kind, ModuleDescriptor};
use wasi_aot_compiler::{CompileOptions, ImportBinding, ObjectKind, OptLevel, TargetCpu};
use wasi_aot_runtime::embed::{self, Status, WasiAotExtern};
use wasi_aot_runtime::instance::Instance;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, WastRet};

use crate::args::{BoundsArg, TargetCpuArg};

/// `wasi-aot wast [--bounds-checks guard|explicit] [--target-cpu LEVEL] FILE.wast...`.
#[derive(Debug, Args)]
pub struct WastCommand {
    /// How compiled code bounds-checks memory accesses.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = BoundsArg::Guard)]
    pub bounds_checks: BoundsArg,
    /// The CPU level compiled code is for (as `build --target-cpu`).
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = TargetCpuArg::X86_64V3)]
    pub target_cpu: TargetCpuArg,
    /// Print every failed command (default: the first 20 per file).
    #[arg(long)]
    pub verbose: bool,
    /// Spec scripts to run.
    #[arg(value_name = "FILE.wast", required = true)]
    pub files: Vec<PathBuf>,
}

/// Counts and failure messages of one script.
#[derive(Default)]
struct Report {
    passed: usize,
    failures: Vec<String>,
}

impl Report {
    fn record(&mut self, line: usize, result: Result<(), String>) {
        match result {
            Ok(()) => self.passed += 1,
            Err(why) => self.failures.push(format!("line {line}: {why}")),
        }
    }
}

impl WastCommand {
    /// Runs every script, printing one line per file and a closing total.
    ///
    /// # Errors
    ///
    /// Only for failures of the machinery (temporary files, the linker).
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let (mut passed, mut failed) = (0, 0);
        for file in &self.files {
            let report = run_file(file, self.bounds_checks.into(), self.target_cpu.into())?;
            let status = if report.failures.is_empty() {
                "ok  "
            } else {
                "FAIL"
            };
            println!(
                "{status} {}: {} passed, {} failed",
                file.display(),
                report.passed,
                report.failures.len()
            );
            let shown = if self.verbose { usize::MAX } else { 20 };
            for failure in report.failures.iter().take(shown) {
                println!("    {failure}");
            }
            passed += report.passed;
            failed += report.failures.len();
        }
        println!("{passed} passed, {failed} failed");
        Ok(if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}

/// What a call is expected to do.
enum Expect<'a> {
    Anything,
    Return(Vec<WastRet<'a>>),
    Trap(&'a str),
}

/// A script command, with its modules replaced by compiled-module slots.
enum Step<'a> {
    Module {
        slot: Result<usize, String>,
        name: Option<String>,
    },
    Register {
        name: String,
        module: Option<String>,
    },
    Invoke {
        invoke: WastInvoke<'a>,
        expect: Expect<'a>,
    },
    Get {
        module: Option<String>,
        global: &'a str,
        expect: Vec<WastRet<'a>>,
    },
    /// Instantiation must fail with a link error (`true`) or a trap (`false`).
    FailInstantiation {
        slot: Result<usize, String>,
        link: bool,
        message: &'a str,
    },
    Checked(Result<(), String>),
}

/// Encodes a module, keeping the error text.
fn encode(module: &mut QuoteWat<'_>) -> Result<Vec<u8>, String> {
    module.encode().map_err(|e| e.to_string())
}

/// Whether a module the script says is invalid or malformed is rejected.
fn rejected(module: &mut QuoteWat<'_>, message: &str) -> Result<(), String> {
    match encode(module) {
        Err(_) => Ok(()),
        Ok(bytes) => match wasi_aot_compiler::inspect(&bytes) {
            Err(_) => Ok(()),
            Ok(_) => Err(format!("module accepted but expected to fail: {message}")),
        },
    }
}

fn run_file(
    path: &Path,
    bounds_checks: wasi_aot_compiler::BoundsChecks,
    target_cpu: TargetCpu,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // The spec scripts deliberately contain bidirectional-override characters in names.
    let mut lexer = wast::lexer::Lexer::new(&text);
    lexer.allow_confusing_unicode(true);
    let buffer = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => {
            report.record(0, Err(format!("script does not parse: {e}")));
            return Ok(report);
        }
    };
    let script: Wast<'_> = match parser::parse(&buffer) {
        Ok(s) => s,
        Err(e) => {
            report.record(0, Err(format!("script does not parse: {e}")));
            return Ok(report);
        }
    };

    // Pass 1: turn commands into steps, collecting module binaries to compile.
    let mut binaries: Vec<Vec<u8>> =
        vec![wat::parse_str(include_str!("spectest.wat")).context("spectest module")?];
    let mut add = |bytes: Result<Vec<u8>, String>| -> Result<usize, String> {
        let bytes = bytes?;
        binaries.push(bytes);
        Ok(binaries.len() - 1)
    };
    let mut steps: Vec<(usize, Step<'_>)> = Vec::new();
    for directive in script.directives {
        let (line, _) = directive.span().linecol_in(&text);
        let step = match directive {
            WastDirective::Module(mut module) => Step::Module {
                name: module.name().map(|id| id.name().to_string()),
                slot: add(encode(&mut module)),
            },
            WastDirective::Register { name, module, .. } => Step::Register {
                name: name.to_string(),
                module: module.map(|id| id.name().to_string()),
            },
            WastDirective::Invoke(invoke) => Step::Invoke {
                invoke,
                expect: Expect::Anything,
            },
            WastDirective::AssertReturn { exec, results, .. } => match exec {
                WastExecute::Invoke(invoke) => Step::Invoke {
                    invoke,
                    expect: Expect::Return(results),
                },
                WastExecute::Get { module, global, .. } => Step::Get {
                    module: module.map(|id| id.name().to_string()),
                    global,
                    expect: results,
                },
                WastExecute::Wat(_) => {
                    Step::Checked(Err("assert_return of a module is not supported".into()))
                }
            },
            WastDirective::AssertTrap { exec, message, .. } => match exec {
                WastExecute::Invoke(invoke) => Step::Invoke {
                    invoke,
                    expect: Expect::Trap(message),
                },
                WastExecute::Wat(mut wat) => Step::FailInstantiation {
                    slot: add(wat.encode().map_err(|e| e.to_string())),
                    link: false,
                    message,
                },
                WastExecute::Get { .. } => {
                    Step::Checked(Err("assert_trap of a global read".into()))
                }
            },
            WastDirective::AssertExhaustion { call, message, .. } => Step::Invoke {
                invoke: call,
                expect: Expect::Trap(message),
            },
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => Step::FailInstantiation {
                slot: add(module.encode().map_err(|e| e.to_string())),
                link: true,
                message,
            },
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => Step::Checked(rejected(&mut module, message)),
            other => Step::Checked(Err(format!("command not supported: {other:?}")
                .chars()
                .take(120)
                .collect())),
        };
        steps.push((line + 1, step));
    }

    // Pass 2: compile every module in parallel, link them into one shared library.
    let work = tempfile::Builder::new()
        .prefix("wasi-aot-wast-")
        .tempdir()?;
    let objects: Vec<Result<PathBuf, String>> = binaries
        .par_iter()
        .enumerate()
        .map(|(i, wasm)| {
            let options = CompileOptions {
                bounds_checks,
                opt_level: OptLevel::Speed,
                target_cpu,
                kind: ObjectKind::Library,
                descriptor_symbol: descriptor_symbol(i),
            };
            let object = wasi_aot_compiler::compile(wasm, &options, &|_| ImportBinding::Dynamic)
                .map_err(|e| e.to_string())?;
            let path = work.path().join(format!("m{i}.o"));
            std::fs::write(&path, object).map_err(|e| e.to_string())?;
            Ok(path)
        })
        .collect();
    let library = work.path().join("modules.so");
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.arg("-shared").arg("-o").arg(&library);
    cc.args(objects.iter().filter_map(|o| o.as_ref().ok()));
    let out = cc.output().context("running cc")?;
    if !out.status.success() {
        bail!(
            "linking {} failed: {}",
            library.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let loaded = Library::open(&library)?;
    let descriptors: Vec<Result<&'static ModuleDescriptor, String>> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| match o {
            Ok(_) => loaded.descriptor(&descriptor_symbol(i)),
            Err(e) => Err(format!("compiling the module failed: {e}")),
        })
        .collect();

    // Pass 3: run the commands in order.
    let mut session = Session::new(descriptors)?;
    for (line, step) in steps {
        let result = session.step(step);
        report.record(line, result);
    }
    session.free();
    Ok(report)
}

fn descriptor_symbol(index: usize) -> String {
    format!("wasi_aot_module_{index}")
}

/// A loaded shared library; never unloaded (the trap handler keeps its code ranges).
struct Library(*mut libc::c_void);

impl Library {
    fn open(path: &Path) -> anyhow::Result<Library> {
        let c = CString::new(path.as_os_str().as_encoded_bytes())?;
        // SAFETY: a NUL-terminated path; the library only defines data and functions.
        let handle = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            // SAFETY: dlerror returns a valid C string after a failure.
            let why = unsafe { std::ffi::CStr::from_ptr(libc::dlerror()) };
            bail!("loading {}: {}", path.display(), why.to_string_lossy());
        }
        Ok(Library(handle))
    }

    fn descriptor(&self, symbol: &str) -> Result<&'static ModuleDescriptor, String> {
        let c = CString::new(symbol).map_err(|e| e.to_string())?;
        // SAFETY: looking up a symbol in a library we keep loaded forever.
        let ptr = unsafe { libc::dlsym(self.0, c.as_ptr()) };
        if ptr.is_null() {
            return Err(format!("symbol {symbol} missing"));
        }
        // SAFETY: the symbol is a descriptor emitted by the compiler.
        Ok(unsafe { &*ptr.cast::<ModuleDescriptor>() })
    }
}

/// The instances of one script run.
struct Session {
    descriptors: Vec<Result<&'static ModuleDescriptor, String>>,
    registered: HashMap<String, *mut Instance>,
    named: HashMap<String, *mut Instance>,
    current: Option<*mut Instance>,
    all: Vec<*mut Instance>,
}

fn error_message() -> String {
    embed::last_error()
}

impl Session {
    fn new(descriptors: Vec<Result<&'static ModuleDescriptor, String>>) -> anyhow::Result<Session> {
        let mut session = Session {
            descriptors,
            registered: HashMap::new(),
            named: HashMap::new(),
            current: None,
            all: Vec::new(),
        };
        let spectest = session
            .instantiate(&Ok(0))
            .map_err(|(_, m)| anyhow::anyhow!("instantiating spectest: {m}"))?;
        session.registered.insert("spectest".into(), spectest);
        Ok(session)
    }

    /// Frees every instance, importers first.
    fn free(self) {
        for instance in self.all.into_iter().rev() {
            // SAFETY: created by wasi_aot_instance_new; freed once, importers first.
            unsafe { embed::wasi_aot_instance_free(instance) };
        }
    }

    fn instantiate(
        &mut self,
        slot: &Result<usize, String>,
    ) -> Result<*mut Instance, (Status, String)> {
        let slot = slot.clone().map_err(|e| (Status::Error, e))?;
        let descriptor = self.descriptors[slot]
            .clone()
            .map_err(|e| (Status::Error, e))?;
        let mut imports = Vec::new();
        // SAFETY: descriptor arrays live as long as the loaded library.
        for import in unsafe { descriptor.imports.as_slice() } {
            // SAFETY: as above.
            let (module, name) = unsafe { (import.module.as_slice(), import.name.as_slice()) };
            let module = String::from_utf8_lossy(module);
            let Some(&exporter) = self.registered.get(module.as_ref()) else {
                return Err((Status::Link, format!("unknown import module {module}")));
            };
            let mut ext = WasiAotExtern {
                instance: exporter,
                kind: 0,
                index: 0,
            };
            // SAFETY: `exporter` is live; `name` is readable.
            let status = unsafe {
                embed::wasi_aot_instance_export(exporter, name.as_ptr(), name.len(), &mut ext)
            };
            if status != Status::Ok || ext.kind != u32::from(import.kind) {
                return Err((
                    Status::Link,
                    format!("unknown import {module}.{}", String::from_utf8_lossy(name)),
                ));
            }
            imports.push(ext);
        }
        let mut instance = std::ptr::null_mut();
        // SAFETY: the descriptor is loaded; imports are externs of live instances.
        let status = unsafe {
            embed::wasi_aot_instance_new(descriptor, imports.as_ptr(), imports.len(), &mut instance)
        };
        if status != Status::Ok {
            return Err((status, error_message()));
        }
        self.all.push(instance);
        Ok(instance)
    }

    fn instance(&self, module: Option<&str>) -> Result<*mut Instance, String> {
        match module {
            Some(name) => self
                .named
                .get(name)
                .copied()
                .ok_or_else(|| format!("no module named {name}")),
            None => self.current.ok_or_else(|| "no current module".to_string()),
        }
    }

    fn step(&mut self, step: Step<'_>) -> Result<(), String> {
        match step {
            Step::Checked(result) => result,
            Step::Module { slot, name } => {
                self.current = None;
                let instance = self.instantiate(&slot).map_err(|(_, m)| m)?;
                self.current = Some(instance);
                if let Some(name) = name {
                    self.named.insert(name, instance);
                }
                Ok(())
            }
            Step::Register { name, module } => {
                let instance = self.instance(module.as_deref())?;
                self.registered.insert(name, instance);
                Ok(())
            }
            Step::FailInstantiation {
                slot,
                link,
                message,
            } => match self.instantiate(&slot) {
                Ok(_) => Err(format!(
                    "instantiation succeeded but expected to fail: {message}"
                )),
                Err((Status::Link, _)) if link => Ok(()),
                Err((Status::Trap, m)) if !link => trap_matches(&m, message),
                Err((_, m)) => Err(format!("expected {message:?}, got {m}")),
            },
            Step::Get {
                module,
                global,
                expect,
            } => {
                let instance = self.instance(module.as_deref())?;
                let ext = export(instance, global, extern_kind::GLOBAL)?;
                // SAFETY: `ext` is a global of a live instance.
                let ptr = unsafe { embed::wasi_aot_global(&ext) };
                // SAFETY: global storage is 16 bytes.
                let value = u128::from_le_bytes(unsafe { *ptr.cast::<[u8; 16]>() });
                check_results(&[value], &expect)
            }
            Step::Invoke { invoke, expect } => {
                let instance = self.instance(invoke.module.map(|id| id.name()))?;
                let func = export(instance, invoke.name, extern_kind::FUNC)?;
                let mut values = Vec::new();
                for arg in &invoke.args {
                    values.push(
                        values::encode_arg(arg)
                            .ok_or_else(|| format!("unsupported argument {arg:?}"))?,
                    );
                }
                // SAFETY: `func` belongs to a live instance.
                let (params, results) = unsafe { (*instance).function_arity(func.index) };
                if params != values.len() {
                    return Err(format!("{} takes {params} arguments", invoke.name));
                }
                values.resize(params.max(results).max(1), 0);
                // SAFETY: `values` covers parameters and results.
                let status =
                    unsafe { embed::wasi_aot_call(&func, values.as_mut_ptr(), values.len()) };
                match (status, expect) {
                    (Status::Ok, Expect::Anything) => Ok(()),
                    (Status::Ok, Expect::Return(expected)) => {
                        check_results(&values[..results], &expected)
                    }
                    (Status::Ok, Expect::Trap(message)) => {
                        Err(format!("returned but expected trap {message:?}"))
                    }
                    (Status::Trap, Expect::Trap(message)) => {
                        trap_matches(&error_message(), message)
                    }
                    (_, _) => Err(format!("{} failed: {}", invoke.name, error_message())),
                }
            }
        }
    }
}

fn export(instance: *mut Instance, name: &str, kind: u8) -> Result<WasiAotExtern, String> {
    let mut ext = WasiAotExtern {
        instance,
        kind: 0,
        index: 0,
    };
    // SAFETY: `instance` is live; `name` is readable.
    let status =
        unsafe { embed::wasi_aot_instance_export(instance, name.as_ptr(), name.len(), &mut ext) };
    if status != Status::Ok || ext.kind != u32::from(kind) {
        return Err(format!("no export {name:?} of the right kind"));
    }
    Ok(ext)
}

/// Whether a trap message (ours: `wasm trap: REASON` plus a location) matches the
/// script's expected text.
fn trap_matches(actual: &str, expected: &str) -> Result<(), String> {
    let reason = actual
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("wasm trap: ");
    if reason.contains(expected) || expected.contains(reason) && !reason.is_empty() {
        Ok(())
    } else {
        Err(format!("expected trap {expected:?}, got {actual:?}"))
    }
}

fn check_results(values: &[u128], expected: &[WastRet<'_>]) -> Result<(), String> {
    if values.len() != expected.len() {
        return Err(format!(
            "{} results, expected {}",
            values.len(),
            expected.len()
        ));
    }
    let mut why = String::new();
    for (i, (value, want)) in values.iter().zip(expected).enumerate() {
        match values::matches(*value, want) {
            Some(true) => {}
            Some(false) => {
                let _ = write!(
                    why,
                    "result {i}: got {}, expected {want:?}; ",
                    values::show(*value)
                );
            }
            None => {
                let _ = write!(why, "result {i}: unsupported expectation {want:?}; ");
            }
        }
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why)
    }
}
