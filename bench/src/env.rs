//! The harness's surroundings: paths, the tools it drives (the wasi-aot CLI, a wasmtime
//! venv, node, clang) and a description of the machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The wasmtime release installed from PyPI into the harness's venv.
pub const WASMTIME_VERSION: &str = "50.0.1";

/// Everything the measurements need, found or set up once.
pub struct Env {
    /// The workspace root.
    pub root: PathBuf,
    /// `../shared` or `$WASI_AOT_SHARED`.
    pub shared: PathBuf,
    /// Scratch space for executables, precompiled modules and timing files.
    pub work: PathBuf,
    /// The release `wasi-aot` binary.
    pub wasi_aot: PathBuf,
    /// The venv's Python, with `wasmtime` importable.
    pub python: PathBuf,
    /// `bench/wasmtime_runner.py`.
    pub wasmtime_runner: PathBuf,
    /// `bench/node_runner.mjs`.
    pub node_runner: PathBuf,
    /// `bench_markers.o` (from `bench/stubs/bench_markers.c`): the `bench_start` and
    /// `bench_end` timers linked into Sightglass executables with `--link`.
    pub stubs: PathBuf,
}

impl Env {
    /// Builds the CLI, installs wasmtime into `target/bench/venv` if needed, checks for
    /// node and clang, and compiles the Sightglass markers.
    pub fn setup() -> Result<Env> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("bench/ has no parent")?
            .to_path_buf();
        let shared = std::env::var_os("WASI_AOT_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("..").join("shared"));
        let work = root.join("target").join("bench");
        std::fs::create_dir_all(&work)?;

        eprintln!("bench: building the wasi-aot CLI (release)");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        run_ok(Command::new(cargo).current_dir(&root).args([
            "build",
            "--release",
            "-p",
            "wasi-aot",
        ]))?;
        let wasi_aot = root.join("target").join("release").join("wasi-aot");

        let venv = work.join("venv");
        let python = venv.join("bin").join("python");
        let want = format!("import wasmtime, importlib.metadata as m; assert m.version('wasmtime') == '{WASMTIME_VERSION}'");
        if !Command::new(&python)
            .args(["-c", &want])
            .output()
            .is_ok_and(|o| o.status.success())
        {
            eprintln!(
                "bench: installing wasmtime=={WASMTIME_VERSION} from PyPI into {}",
                venv.display()
            );
            run_ok(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
            run_ok(
                Command::new(&python)
                    .args(["-m", "pip", "install", "--quiet"])
                    .arg(format!("wasmtime=={WASMTIME_VERSION}")),
            )?;
        }
        for (tool, arg) in [
            ("node", "--version"),
            ("clang", "--version"),
            ("cc", "--version"),
        ] {
            if !Command::new(tool)
                .arg(arg)
                .output()
                .is_ok_and(|o| o.status.success())
            {
                bail!("`{tool}` is needed by the harness and was not found");
            }
        }
        let stubs = work.join("bench_markers.o");
        run_ok(
            Command::new("cc")
                .arg("-O2")
                .arg("-c")
                .arg(root.join("bench").join("stubs").join("bench_markers.c"))
                .arg("-o")
                .arg(&stubs),
        )?;
        Ok(Env {
            wasmtime_runner: root.join("bench").join("wasmtime_runner.py"),
            node_runner: root.join("bench").join("node_runner.mjs"),
            root,
            shared,
            work,
            wasi_aot,
            python,
            stubs,
        })
    }

    /// The Sightglass suite directory.
    pub fn sightglass(&self) -> PathBuf {
        self.shared.join("bench").join("sightglass")
    }
}

/// Runs `command`, failing with its stderr unless it exits 0.
pub fn run_ok(command: &mut Command) -> Result<()> {
    let out = command
        .output()
        .with_context(|| format!("cannot run {command:?}"))?;
    if !out.status.success() {
        bail!(
            "{command:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(())
}

/// The first line a command prints, or `unknown`.
fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            text.lines().next().map(str::to_string)
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Lines describing the machine and the tool versions, for the report's header.
pub fn describe_machine(root: &Path) -> Vec<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown".into(), |m| m.trim().to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or("unknown".into(), |k| k.trim().to_string());
    let mem_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0);
    let commit = Command::new("git")
        .current_dir(root)
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    vec![
        format!("CPU: {model}, {cores} cores; {:.0} GiB memory; Linux {kernel}", mem_kib as f64 / 1048576.0),
        format!(
            "wasi-aot at commit {commit}; wasmtime {WASMTIME_VERSION} (PyPI, default config); node {}; {}",
            first_line("node", &["--version"]),
            first_line("clang", &["--version"])
        ),
    ]
}
