//! The command line: one struct per subcommand, each with an `execute()`.
//!
//! Parsing only checks the shape of each value (`--dir`, `--env`); everything that needs
//! the module or the file system happens in `execute()`.

use crate::cache;
use crate::executable::{self, Settings};
use crate::imports::UnknownImports;
use crate::library::{self, LibrarySettings};
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use wasi_aot_abi::exec_config::ExecConfig;
use wasi_aot_abi::BoundsChecks;
use wasi_aot_compiler::{CpuLevel, OptLevel, TargetCpu};

/// Parses the process's command line and runs the subcommand.
///
/// # Errors
///
/// Whatever the subcommand reports. Usage errors do not come back here: clap prints them
/// with the usage and exits with status 2.
pub fn run() -> anyhow::Result<ExitCode> {
    Cli::parse().command.execute()
}

/// `wasi-aot`: ahead-of-time compiler from WASI WebAssembly modules to native executables.
#[derive(Debug, Parser)]
#[command(name = "wasi-aot", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile a WASI command module into a native executable.
    Build(BuildCommand),
    /// Compile a module (cached) and run it.
    Run(RunCommand),
    /// Run WebAssembly spec scripts (`.wast`) through the compiler and runtime.
    Wast(crate::wast::WastCommand),
    /// Write the runtime archive (for libraries built with `--no-runtime`) and the C
    /// header of the generic embedding API.
    Runtime(RuntimeCommand),
}

impl Command {
    /// Runs the subcommand.
    ///
    /// # Errors
    ///
    /// Whatever the subcommand reports.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        match self {
            Command::Build(command) => command.execute(),
            Command::Run(command) => command.execute(),
            Command::Wast(command) => command.execute(),
            Command::Runtime(command) => command.execute(),
        }
    }
}

/// `wasi-aot build INPUT -o OUT [OPTIONS]`, or with `--lib`, a library for embedding.
#[derive(Debug, Args)]
pub struct BuildCommand {
    /// The module to compile (`.wasm` binary or `.wat` text).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Where to write the executable (with `--lib`: the library, `.a` or `.o`).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: PathBuf,
    /// Build a library for embedding in C and Rust programs instead of an executable:
    /// a static library (`-o libNAME.a`) or an object file (`-o NAME.o`, which never
    /// includes the runtime). The module may be a command or a reactor.
    #[arg(long)]
    pub lib: bool,
    /// Write the library's C header to FILE.
    #[arg(long, value_name = "FILE", requires = "lib")]
    pub header: Option<PathBuf>,
    /// The prefix of the library's C symbols (default: OUT's file name without `lib`
    /// and extension).
    #[arg(long, value_name = "NAME", requires = "lib")]
    pub name: Option<String>,
    /// Leave the runtime out of the archive; link the one `wasi-aot runtime` writes
    /// instead (needed when a program links several libraries).
    #[arg(long, requires = "lib")]
    pub no_runtime: bool,
    /// Options shared with `run`.
    #[command(flatten)]
    pub options: BuildOptions,
}

impl BuildCommand {
    /// Compiles `input` and links the executable at `output`, or writes the library.
    ///
    /// # Errors
    ///
    /// Unreadable or invalid input, import or export problems, compile and link
    /// failures, and executable-only options given with `--lib`.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let wasm = executable::read_module(&self.input)?;
        if self.lib {
            let settings = self.library_settings()?;
            library::build(&self.input, &wasm, &settings, &self.output)?;
        } else {
            executable::build(&self.input, &wasm, &self.options.settings(), &self.output)?;
        }
        Ok(ExitCode::SUCCESS)
    }

    /// The settings of `--lib`, refusing the options that only make sense for an
    /// executable (a library's host configures each instance).
    fn library_settings(&self) -> anyhow::Result<LibrarySettings> {
        let o = &self.options;
        let executable_only = [
            (!o.dirs.is_empty(), "--dir"),
            (!o.env.is_empty(), "--env"),
            (o.inherit_env, "--inherit-env"),
            (!o.link.is_empty(), "--link"),
            (o.unknown_imports.is_some(), "--unknown-imports"),
            (o.max_memory.is_some(), "--max-memory"),
            (o.max_stack.is_some(), "--max-stack"),
            (o.timeout.is_some(), "--timeout"),
        ];
        let given: Vec<&str> = executable_only
            .iter()
            .filter(|(given, _)| *given)
            .map(|(_, name)| *name)
            .collect();
        if !given.is_empty() {
            anyhow::bail!(
                "{} cannot be used with --lib: the host gives each instance its directories, \
                 environment and host functions (see wasi_aot_config)",
                given.join(", ")
            );
        }
        Ok(LibrarySettings {
            name: self.name.clone(),
            header: self.header.clone(),
            runtime: !self.no_runtime,
            bounds_checks: o.bounds_checks.into(),
            opt_level: o.opt_level.into(),
            target_cpu: o.target_cpu.into(),
        })
    }
}

/// `wasi-aot runtime -o OUT.a [--header FILE]`.
#[derive(Debug, Args)]
pub struct RuntimeCommand {
    /// Where to write the runtime archive (`libwasi_aot_runtime.a`).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: PathBuf,
    /// Write the C header of the generic embedding API (`wasi_aot.h`) to FILE.
    #[arg(long, value_name = "FILE")]
    pub header: Option<PathBuf>,
}

impl RuntimeCommand {
    /// Writes the files.
    ///
    /// # Errors
    ///
    /// Failures to write them.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        library::write_runtime(&self.output, self.header.as_deref())?;
        Ok(ExitCode::SUCCESS)
    }
}

/// `wasi-aot run [OPTIONS] INPUT [OPTIONS] [--] [ARGS...]`.
#[derive(Debug, Args)]
pub struct RunCommand {
    /// Options shared with `build`; they may come before or after INPUT (up to `--`).
    #[command(flatten)]
    pub options: BuildOptions,
    /// The module to run (`.wasm` binary or `.wat` text); also the program's `argv[0]`.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// The program's arguments; those starting with `-` go after `--`.
    #[arg(value_name = "ARGS")]
    pub args: Vec<OsString>,
}

impl RunCommand {
    /// Builds `input` into the cache (unless it is already there) and replaces this
    /// process with it.
    ///
    /// # Errors
    ///
    /// As [`BuildCommand::execute`], plus cache and `exec` failures. On success this does
    /// not return.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let input = self.input.as_path();
        let wasm = executable::read_module(input)?;
        let exe = cache::cached_executable(input, &wasm, &self.options.settings())?;
        let err = cache::exec(&exe, input.as_os_str(), &self.args);
        Err(err).with_context(|| format!("running {}", exe.display()))
    }
}

/// Options that decide what the produced executable is.
#[derive(Debug, Args)]
pub struct BuildOptions {
    /// Preopen host directory HOST as GUEST (default: the same path) for the program.
    /// Relative HOST paths resolve against the working directory the program starts in.
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub dirs: Vec<(String, String)>,
    /// Give the program the environment variable K with value V.
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// Pass the host's environment through to the program (`--env` overrides it).
    #[arg(long)]
    pub inherit_env: bool,
    /// Link this object (`.o`) or archive (`.a`); its global symbols resolve imports
    /// `module.name` as the C symbol `module_name`.
    #[arg(long = "link", value_name = "FILE")]
    pub link: Vec<PathBuf>,
    /// What to do with function imports nothing provides: fail the build (the
    /// default), or build a stub that traps when it is called.
    #[arg(long, value_enum, value_name = "MODE")]
    pub unknown_imports: Option<UnknownImports>,
    /// How memory accesses are bounds-checked: guard pages or an explicit compare.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = BoundsArg::Guard)]
    pub bounds_checks: BoundsArg,
    /// Optimisation level.
    #[arg(short = 'O', value_enum, value_name = "LEVEL", default_value_t = OptArg::O2)]
    pub opt_level: OptArg,
    /// The CPUs the program runs on: newer levels are faster, older ones run on more
    /// machines; a program started on a CPU without its level's features stops with an
    /// error naming them.
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = TargetCpuArg::X86_64V3)]
    pub target_cpu: TargetCpuArg,
    /// The most each linear memory may grow to: a number of 64 KiB pages, or bytes with
    /// a suffix (`64MiB`, `1GiB`, `65536B`; rounded down to whole pages). `memory.grow`
    /// returns -1 beyond it; a module that starts with more memory fails to start.
    #[arg(long, value_name = "SIZE", value_parser = parse_memory_size)]
    pub max_memory: Option<u64>,
    /// Native stack bytes wasm code may use before "call stack exhausted" (a number,
    /// or with a suffix: `512KiB`, `8MiB`; default 1MiB).
    #[arg(long, value_name = "BYTES", value_parser = parse_stack_size)]
    pub max_stack: Option<u64>,
    /// Stop the program after SECONDS of wall-clock time with
    /// `error: wasm program timed out after N s` and exit status 124.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
}

impl BuildOptions {
    /// The settings these options stand for.
    pub fn settings(&self) -> Settings {
        Settings {
            exec_config: ExecConfig {
                dirs: self.dirs.clone(),
                env: self.env.clone(),
                inherit_env: self.inherit_env,
                max_wasm_stack: self
                    .max_stack
                    .unwrap_or(wasi_aot_abi::DEFAULT_MAX_WASM_STACK),
                max_memory_pages: self.max_memory.unwrap_or(0),
                timeout_secs: self.timeout.unwrap_or(0),
            },
            link: self.link.clone(),
            unknown_imports: self.unknown_imports.unwrap_or(UnknownImports::Error),
            bounds_checks: self.bounds_checks.into(),
            opt_level: self.opt_level.into(),
            target_cpu: self.target_cpu.into(),
        }
    }
}

/// `--bounds-checks` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BoundsArg {
    /// Guard pages: no compare per access.
    Guard,
    /// Compare every access against the memory size.
    Explicit,
}

impl From<BoundsArg> for BoundsChecks {
    fn from(arg: BoundsArg) -> Self {
        match arg {
            BoundsArg::Guard => BoundsChecks::Guard,
            BoundsArg::Explicit => BoundsChecks::Explicit,
        }
    }
}

/// `--target-cpu` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TargetCpuArg {
    /// SSE4.2 and POPCNT: every x86_64 machine of the last dozen years (Intel Nehalem,
    /// AMD Bulldozer and later); the most portable, slower (shootout-seqhash 3.93 s
    /// against 3.60 s).
    #[value(name = "x86-64-v2")]
    X86_64V2,
    /// v2 plus AVX2, BMI1/2, LZCNT and FMA: Intel Haswell (2013), AMD Excavator (2015),
    /// Zen and later; the default.
    #[value(name = "x86-64-v3")]
    X86_64V3,
    /// Every feature of the building machine's CPU: fastest there, may refuse to run on
    /// older or other CPUs.
    Native,
}

impl From<TargetCpuArg> for TargetCpu {
    fn from(arg: TargetCpuArg) -> Self {
        match arg {
            TargetCpuArg::X86_64V2 => TargetCpu::Level(CpuLevel::X86_64V2),
            TargetCpuArg::X86_64V3 => TargetCpu::Level(CpuLevel::X86_64V3),
            TargetCpuArg::Native => TargetCpu::Native,
        }
    }
}

/// `-O` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OptArg {
    /// No optimisation.
    #[value(name = "0")]
    O0,
    /// Optimise for speed.
    #[value(name = "1")]
    O1,
    /// Optimise for speed and size.
    #[value(name = "2")]
    O2,
}

impl From<OptArg> for OptLevel {
    fn from(arg: OptArg) -> Self {
        match arg {
            OptArg::O0 => OptLevel::None,
            OptArg::O1 => OptLevel::Speed,
            OptArg::O2 => OptLevel::SpeedAndSize,
        }
    }
}

/// Parses `--dir HOST[::GUEST]`: the first `::` separates the two paths, so a host path
/// cannot contain `::` (a guest path can). GUEST defaults to HOST.
fn parse_dir(value: &str) -> Result<(String, String), String> {
    let (host, guest) = value.split_once("::").unwrap_or((value, value));
    if host.is_empty() {
        return Err("the host directory is empty (expected HOST or HOST::GUEST)".into());
    }
    if guest.is_empty() {
        return Err("the guest directory is empty (expected HOST or HOST::GUEST)".into());
    }
    Ok((host.to_string(), guest.to_string()))
}

/// Parses `--env K=V`: K is everything before the first `=` and must not be empty; V may
/// be empty and may contain `=`.
fn parse_env(value: &str) -> Result<(String, String), String> {
    let Some((key, val)) = value.split_once('=') else {
        return Err(format!("expected K=V, found `{value}` (no `=`)"));
    };
    if key.is_empty() {
        return Err("the variable name before `=` is empty".into());
    }
    Ok((key.to_string(), val.to_string()))
}

/// Parses a byte count: digits, optionally followed by `B`, `KiB`, `MiB` or `GiB`.
fn parse_bytes(value: &str) -> Result<u64, String> {
    let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit: u64 = match &value[digits.len()..] {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit `{other}` (expected B, KiB, MiB or GiB)"
            ))
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("expected a number with an optional unit, found `{value}`"))
}

/// Parses `--max-memory`: pages (a plain number) or bytes (with a unit), as pages,
/// between 1 and 65536 (4 GiB).
fn parse_memory_size(value: &str) -> Result<u64, String> {
    let pages = if value.bytes().all(|b| b.is_ascii_digit()) {
        value
            .parse::<u64>()
            .map_err(|_| format!("expected a number of pages, found `{value}`"))?
    } else {
        parse_bytes(value)? / wasi_aot_abi::WASM_PAGE_SIZE
    };
    if !(1..=wasi_aot_abi::WASM32_MAX_PAGES).contains(&pages) {
        return Err(format!(
            "`{value}` is {pages} pages; expected 1 to {} pages (64 KiB to 4 GiB)",
            wasi_aot_abi::WASM32_MAX_PAGES
        ));
    }
    Ok(pages)
}

/// Parses `--max-stack`: bytes, at least 16 KiB and at most 1 GiB.
fn parse_stack_size(value: &str) -> Result<u64, String> {
    let bytes = parse_bytes(value)?;
    if !(16 << 10..=1 << 30).contains(&bytes) {
        return Err(format!("`{value}` is out of range (16KiB to 1GiB)"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;
    use clap::CommandFactory;
    use std::path::Path;

    #[test]
    fn sizes_take_pages_or_bytes_with_a_unit() {
        assert_eq!(parse_memory_size("16"), Ok(16));
        assert_eq!(parse_memory_size("64MiB"), Ok(1024));
        assert_eq!(parse_memory_size("4GiB"), Ok(65536));
        assert_eq!(parse_memory_size("100000B"), Ok(1));
        for bad in ["0", "65537", "8GiB", "10B", "1TiB", "MiB", "-1"] {
            assert!(parse_memory_size(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_stack_size("8MiB"), Ok(8 << 20));
        assert_eq!(parse_stack_size("65536"), Ok(65536));
        assert!(parse_stack_size("1").is_err());
        assert!(parse_stack_size("2GiB").is_err());
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("wasi-aot").chain(args.iter().copied()))
    }

    fn build(args: &[&str]) -> BuildCommand {
        let mut full = vec!["build"];
        full.extend_from_slice(args);
        match parse(&full).expect("valid command line").command {
            Command::Build(b) => b,
            other => panic!("expected build, got {other:?}"),
        }
    }

    fn run_cmd(args: &[&str]) -> RunCommand {
        let mut full = vec!["run"];
        full.extend_from_slice(args);
        match parse(&full).expect("valid command line").command {
            Command::Run(r) => r,
            other => panic!("expected run, got {other:?}"),
        }
    }

    fn error_kind(args: &[&str]) -> ErrorKind {
        parse(args).expect_err("should not parse").kind()
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn build_defaults() {
        let b = build(&["demo.wasm", "-o", "demo"]);
        assert_eq!(b.input, PathBuf::from("demo.wasm"));
        assert_eq!(b.output, PathBuf::from("demo"));
        let s = b.options.settings();
        assert_eq!(s.exec_config.dirs, Vec::<(String, String)>::new());
        assert_eq!(s.exec_config.env, Vec::<(String, String)>::new());
        assert!(!s.exec_config.inherit_env);
        assert_eq!(
            s.exec_config.max_wasm_stack,
            wasi_aot_abi::DEFAULT_MAX_WASM_STACK
        );
        assert!(s.link.is_empty());
        assert_eq!(s.unknown_imports, UnknownImports::Error);
        assert_eq!(s.bounds_checks, BoundsChecks::Guard);
        assert_eq!(s.opt_level, OptLevel::SpeedAndSize);
        assert_eq!(s.target_cpu, TargetCpu::Level(CpuLevel::X86_64V3));
    }

    #[test]
    fn build_every_option() {
        let b = build(&[
            "demo.wat",
            "--output",
            "out/demo",
            "--dir",
            ".",
            "--dir",
            "data::/data",
            "--env",
            "A=1",
            "--env=B=x=y",
            "--env",
            "EMPTY=",
            "--inherit-env",
            "--link",
            "host.o",
            "--link",
            "libhost.a",
            "--unknown-imports",
            "trap",
            "--bounds-checks",
            "explicit",
            "-O1",
            "--target-cpu",
            "x86-64-v2",
        ]);
        assert_eq!(b.input, PathBuf::from("demo.wat"));
        assert_eq!(b.output, PathBuf::from("out/demo"));
        let s = b.options.settings();
        assert_eq!(
            s.exec_config.dirs,
            [(".".into(), ".".into()), ("data".into(), "/data".into())]
        );
        assert_eq!(
            s.exec_config.env,
            [
                ("A".into(), "1".into()),
                ("B".into(), "x=y".into()),
                ("EMPTY".into(), String::new())
            ]
        );
        assert!(s.exec_config.inherit_env);
        assert_eq!(
            s.link,
            [PathBuf::from("host.o"), PathBuf::from("libhost.a")]
        );
        assert_eq!(s.unknown_imports, UnknownImports::Trap);
        assert_eq!(s.bounds_checks, BoundsChecks::Explicit);
        assert_eq!(s.opt_level, OptLevel::Speed);
        assert_eq!(s.target_cpu, TargetCpu::Level(CpuLevel::X86_64V2));
    }

    #[test]
    fn target_cpus() {
        for (name, target) in [
            ("x86-64-v2", TargetCpu::Level(CpuLevel::X86_64V2)),
            ("x86-64-v3", TargetCpu::Level(CpuLevel::X86_64V3)),
            ("native", TargetCpu::Native),
        ] {
            let b = build(&["m.wasm", "-o", "m", "--target-cpu", name]);
            assert_eq!(b.options.settings().target_cpu, target, "{name}");
            let r = run_cmd(&["--target-cpu", name, "m.wasm"]);
            assert_eq!(r.options.settings().target_cpu, target, "{name}");
            let b = build(&["--lib", "m.wasm", "-o", "m.a", "--target-cpu", name]);
            assert_eq!(b.library_settings().unwrap().target_cpu, target, "{name}");
        }
        // The level names are the abi's.
        for level in CpuLevel::ALL {
            let b = build(&["m.wasm", "-o", "m", "--target-cpu", level.name()]);
            assert_eq!(b.options.settings().target_cpu, TargetCpu::Level(level));
        }
        for bad in ["x86-64", "x86-64-v4", "haswell"] {
            assert_eq!(
                error_kind(&["build", "m.wasm", "-o", "m", "--target-cpu", bad]),
                ErrorKind::InvalidValue,
                "{bad}"
            );
        }
    }

    #[test]
    fn library_options() {
        let b = build(&["m.wasm", "-o", "libm.a"]);
        assert!(!b.lib && b.header.is_none() && b.name.is_none() && !b.no_runtime);
        let b = build(&[
            "--lib",
            "m.wat",
            "-o",
            "m.o",
            "--header",
            "m.h",
            "--name",
            "calc",
            "--no-runtime",
            "--bounds-checks",
            "explicit",
            "-O0",
            "--target-cpu",
            "native",
        ]);
        assert!(b.lib);
        let s = b.library_settings().unwrap();
        assert_eq!(
            s,
            LibrarySettings {
                name: Some("calc".into()),
                header: Some(PathBuf::from("m.h")),
                runtime: false,
                bounds_checks: BoundsChecks::Explicit,
                opt_level: OptLevel::None,
                target_cpu: TargetCpu::Native,
            }
        );
        let err = build(&["--lib", "m.wat", "-o", "m.a", "--inherit-env"])
            .library_settings()
            .unwrap_err();
        assert!(err
            .to_string()
            .starts_with("--inherit-env cannot be used with --lib"));
        for flag in [&["--header", "h"][..], &["--name", "n"], &["--no-runtime"]] {
            let mut args = vec!["build", "m.wasm", "-o", "m"];
            args.extend_from_slice(flag);
            assert_eq!(
                error_kind(&args),
                ErrorKind::MissingRequiredArgument,
                "{flag:?}"
            );
        }
        match parse(&["runtime", "-o", "librt.a", "--header", "wasi_aot.h"])
            .unwrap()
            .command
        {
            Command::Runtime(r) => {
                assert_eq!(r.output, PathBuf::from("librt.a"));
                assert_eq!(r.header, Some(PathBuf::from("wasi_aot.h")));
            }
            other => panic!("expected runtime, got {other:?}"),
        }
        assert_eq!(error_kind(&["runtime"]), ErrorKind::MissingRequiredArgument);
    }

    #[test]
    fn opt_levels() {
        for (flag, level) in [
            (["-O0"].as_slice(), OptLevel::None),
            (&["-O", "1"], OptLevel::Speed),
            (&["-O2"], OptLevel::SpeedAndSize),
        ] {
            let mut args = vec!["m.wasm", "-o", "m"];
            args.extend_from_slice(flag);
            assert_eq!(build(&args).options.settings().opt_level, level, "{flag:?}");
        }
        assert_eq!(
            error_kind(&["build", "m.wasm", "-o", "m", "-O3"]),
            ErrorKind::InvalidValue
        );
    }

    #[test]
    fn option_values_are_checked() {
        for (args, kind) in [
            (["--unknown-imports", "ignore"], ErrorKind::InvalidValue),
            (["--bounds-checks", "none"], ErrorKind::InvalidValue),
            (["--env", "NOEQUALS"], ErrorKind::ValueValidation),
            (["--env", "=v"], ErrorKind::ValueValidation),
            (["--dir", "::guest"], ErrorKind::ValueValidation),
            (["--dir", "host::"], ErrorKind::ValueValidation),
        ] {
            let mut full = vec!["build", "m.wasm", "-o", "m"];
            full.extend_from_slice(&args);
            assert_eq!(error_kind(&full), kind, "{args:?}");
        }
    }

    #[test]
    fn build_needs_input_and_output() {
        assert_eq!(
            error_kind(&["build", "m.wasm"]),
            ErrorKind::MissingRequiredArgument
        );
        assert_eq!(
            error_kind(&["build", "-o", "m"]),
            ErrorKind::MissingRequiredArgument
        );
        assert_eq!(
            error_kind(&["build", "m.wasm", "-o", "m", "--frobnicate"]),
            ErrorKind::UnknownArgument
        );
        assert_eq!(
            error_kind(&[]),
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        );
    }

    #[test]
    fn run_takes_options_around_input_and_arguments_after_the_separator() {
        // The issue's own example: options after INPUT, program arguments after `--`.
        let r = run_cmd(&["prog.wasm", "--dir", ".", "--", "a", "b"]);
        assert_eq!(r.input, Path::new("prog.wasm"));
        assert_eq!(r.args, ["a", "b"]);
        assert_eq!(r.options.dirs, [(".".to_string(), ".".to_string())]);

        let r = run_cmd(&["--dir", ".", "prog.wasm", "-O0", "plain"]);
        assert_eq!(r.args, ["plain"]);
        assert_eq!(r.options.settings().opt_level, OptLevel::None);

        let r = run_cmd(&["prog.wat", "--", "--help", "a b", "--"]);
        assert_eq!(r.args, ["--help", "a b", "--"]);

        // `--` before INPUT ends the options.
        let r = run_cmd(&["--", "-dash.wasm", "-O0"]);
        assert_eq!(r.input, Path::new("-dash.wasm"));
        assert_eq!(r.args, ["-O0"]);
        assert_eq!(
            error_kind(&["run", "--frobnicate", "prog.wasm"]),
            ErrorKind::UnknownArgument
        );

        let r = run_cmd(&["prog.wasm"]);
        assert!(r.args.is_empty());

        assert_eq!(error_kind(&["run"]), ErrorKind::MissingRequiredArgument);
        // `run` builds into the cache: it has no `-o`.
        assert_eq!(
            error_kind(&["run", "-o", "x", "prog.wasm"]),
            ErrorKind::UnknownArgument
        );
    }

    #[test]
    fn dir_forms() {
        assert_eq!(parse_dir("data"), Ok(("data".into(), "data".into())));
        assert_eq!(parse_dir("/tmp"), Ok(("/tmp".into(), "/tmp".into())));
        assert_eq!(
            parse_dir("data::/data"),
            Ok(("data".into(), "/data".into()))
        );
        assert_eq!(parse_dir("./a b::c"), Ok(("./a b".into(), "c".into())));
        // A Windows-like `C::D` is host `C` mapped to guest `D`; a single `:` is part of
        // the path.
        assert_eq!(parse_dir("C::D"), Ok(("C".into(), "D".into())));
        assert_eq!(parse_dir("C:\\x"), Ok(("C:\\x".into(), "C:\\x".into())));
        // Only the first `::` separates.
        assert_eq!(parse_dir("a::b::c"), Ok(("a".into(), "b::c".into())));
        assert!(parse_dir("::").is_err());
        assert!(parse_dir("::g").is_err());
        assert!(parse_dir("h::").is_err());
    }

    #[test]
    fn env_forms() {
        assert_eq!(parse_env("K=V"), Ok(("K".into(), "V".into())));
        assert_eq!(parse_env("K="), Ok(("K".into(), String::new())));
        assert_eq!(parse_env("K==x"), Ok(("K".into(), "=x".into())));
        assert_eq!(parse_env("PATH=/a:/b"), Ok(("PATH".into(), "/a:/b".into())));
        let err = parse_env("K").unwrap_err();
        assert!(err.contains("expected K=V"), "{err}");
        let err = parse_env("=V").unwrap_err();
        assert!(err.contains("empty"), "{err}");
        assert!(parse_env("").is_err());
    }
}
