//! Sightglass benchmark programs as conformance tests: every module under
//! `$WASI_AOT_SHARED/bench/sightglass` (`shootout/*.wasm`, and `benchmark.wasm` in
//! `bz2/`, `pulldown-cmark/` and `noop/`) is built with `wasi-aot build` (its
//! `bench.start`/`bench.end` imports bound to the empty functions of
//! `tests/sightglass/bench_stubs.c`, its directory preopened as `.`), run with that
//! directory as the working directory, and its stdout and stderr compared exactly with
//! the `.stdout.expected`/`.stderr.expected` files beside it.
//!
//! Usage: `cargo test --release --test sightglass [-- SUBSTRING...]`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use wasi_aot_tests::{
    compare_exact, compile_c, repo_root, run_with_timeout, runner_main, shared_dir, Check,
    BUILD_TIMEOUT, RUN_TIMEOUT,
};

/// How many `shootout-*.wasm` modules the suite has.
const SHOOTOUT_COUNT: usize = 19;
/// The suite's directories holding one `benchmark.wasm` each.
const BENCHMARK_DIRS: [&str; 3] = ["bz2", "pulldown-cmark", "noop"];

/// One benchmark module and the prefix of its expectation files.
struct Benchmark {
    /// Name on the result line, e.g. `shootout/shootout-fib2`.
    name: String,
    /// The `.wasm` file.
    module: PathBuf,
    /// `<dir>/<stem>`: the expectations are `<stem>.stdout.expected` and `.stderr.expected`.
    expected_prefix: PathBuf,
}

fn main() -> ExitCode {
    runner_main("sightglass", |setup| {
        let benchmarks = find_benchmarks(&shared_dir().join("bench").join("sightglass"))?;
        let stubs = Arc::new(setup.work.join("bench_stubs.o"));
        compile_c(
            &repo_root()
                .join("tests")
                .join("sightglass")
                .join("bench_stubs.c"),
            &stubs,
        )?;
        let bin = Arc::new(setup.bin.clone());
        Ok(benchmarks
            .into_iter()
            .map(|bench| {
                let exe = setup.work.join(bench.name.replace('/', "_"));
                let (bin, stubs) = (Arc::clone(&bin), Arc::clone(&stubs));
                Check::new(bench.name.clone(), move || {
                    run_benchmark(&bin, &stubs, &bench, &exe)
                })
            })
            .collect())
    })
}

/// Lists the suite's modules; fails when the suite or any expected module is missing.
fn find_benchmarks(suite: &Path) -> Result<Vec<Benchmark>, String> {
    let missing = |what: &Path| {
        format!(
            "{} is missing: the Sightglass modules must be in ../shared (or $WASI_AOT_SHARED)",
            what.display()
        )
    };
    let shootout = suite.join("shootout");
    let entries = std::fs::read_dir(&shootout).map_err(|_| missing(&shootout))?;
    let mut modules: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    modules.sort();
    if modules.len() != SHOOTOUT_COUNT {
        return Err(format!(
            "expected {SHOOTOUT_COUNT} shootout modules in {}, found {}",
            shootout.display(),
            modules.len()
        ));
    }
    let mut benchmarks: Vec<Benchmark> = modules
        .into_iter()
        .map(|module| {
            let stem = module
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Benchmark {
                name: format!("shootout/{stem}"),
                expected_prefix: shootout.join(&stem),
                module,
            }
        })
        .collect();
    for dir in BENCHMARK_DIRS {
        let module = suite.join(dir).join("benchmark.wasm");
        if !module.is_file() {
            return Err(missing(&module));
        }
        benchmarks.push(Benchmark {
            name: dir.to_string(),
            expected_prefix: suite.join(dir).join("benchmark"),
            module,
        });
    }
    Ok(benchmarks)
}

/// Builds one module into `exe`, runs it in the module's directory and compares both
/// output streams and the exit status.
fn run_benchmark(bin: &Path, stubs: &Path, bench: &Benchmark, exe: &Path) -> Result<(), String> {
    let dir = bench.module.parent().ok_or("module without a directory")?;
    let read_expected = |suffix: &str| {
        let mut path = bench.expected_prefix.clone().into_os_string();
        path.push(suffix);
        std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", Path::new(&path).display()))
    };
    let (want_stdout, want_stderr) = (
        read_expected(".stdout.expected")?,
        read_expected(".stderr.expected")?,
    );

    let mut grant = dir.as_os_str().to_os_string();
    grant.push("::.");
    let mut build = Command::new(bin);
    build
        .arg("build")
        .arg(&bench.module)
        .arg("-o")
        .arg(exe)
        .arg("--link")
        .arg(stubs)
        .arg("--dir")
        .arg(grant);
    let built = run_with_timeout(&mut build, None, BUILD_TIMEOUT)?;
    if built.timed_out || !built.status.success() {
        return Err(format!(
            "build failed ({}): {}",
            built.describe(BUILD_TIMEOUT),
            built.stderr_text().trim_end()
        ));
    }

    let mut run = Command::new(exe);
    run.current_dir(dir).env_clear();
    let out = run_with_timeout(&mut run, None, RUN_TIMEOUT)?;
    let mut problems = Vec::new();
    if out.timed_out || !out.status.success() {
        problems.push(format!(
            "expected exit 0, got {}",
            out.describe(RUN_TIMEOUT)
        ));
    }
    problems.extend(compare_exact("stdout", &want_stdout, &out.stdout));
    problems.extend(compare_exact("stderr", &want_stderr, &out.stderr));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}
