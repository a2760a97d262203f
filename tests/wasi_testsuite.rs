//! The official WASI preview1 test programs as conformance tests: every module in
//! `$WASI_AOT_SHARED/wasi-testsuite/{c,rust,assemblyscript}/*.wasm` is built with
//! `wasi-aot build` under `--bounds-checks guard` and `--bounds-checks explicit`, run,
//! and checked against the `NAME.json` spec beside it (defaults when there is none):
//!
//! | key | meaning |
//! | --- | --- |
//! | `args` | guest arguments after `argv[0]`, which is the program name `NAME` |
//! | `env` | an object of variables given to the program with `--env K=V` |
//! | `root` | a directory, relative to the spec, preopened as the guest's `/` |
//! | `exit_code` | the expected exit status (default 0) |
//! | `stdout` / `stderr` | the expected output, exact; not checked when the key is absent |
//!
//! Any other key fails the program's checks rather than being ignored.
//!
//! The suite is only read. Each run works in its own directory under the runner's
//! temporary directory: `root` is copied there afresh (leaving out `*.cleanup` entries,
//! which the suite's own runner deletes before a run) and the copy is preopened as
//! `/`, so whatever a program creates there (`*.cleanup` files, changes in
//! `fs-tests.dir`) disappears with the temporary directory and no run sees another's
//! leftovers. A last check verifies that the suite directory was left exactly as it
//! was found and holds no `*.cleanup` entries.
//!
//! Usage: `cargo test --release --test wasi_testsuite [-- SUBSTRING...]` runs the
//! programs whose `suite/NAME [mode]` contains any SUBSTRING (all when none is given).
//! `WASI_AOT_SHARED` locates the suites, `WASI_AOT_BIN` picks the binary,
//! `WASI_AOT_KEEP_WORK=1` keeps the work files, `WASI_AOT_TEST_THREADS` sets the
//! parallelism.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use wasi_aot_tests::json::{self, Value};
use wasi_aot_tests::{
    compare_exact, copy_tree, excerpt, run_with_timeout, runner_main_then, shared_dir, Check, Plan,
    TreeSnapshot, BUILD_TIMEOUT, RUN_TIMEOUT,
};

/// The suite's directories and how many modules each holds.
const SUITES: [(&str, usize); 3] = [("c", 14), ("rust", 46), ("assemblyscript", 12)];
/// The bounds-check modes every program is built in.
const MODES: [&str; 2] = ["guard", "explicit"];

/// A test program's `NAME.json`, with the defaults filled in.
#[derive(Debug, Default)]
struct Spec {
    /// Arguments after `argv[0]`.
    args: Vec<String>,
    /// Environment variables, in spec order.
    env: Vec<(String, String)>,
    /// The directory to preopen as `/`, relative to the spec's directory.
    root: Option<String>,
    /// The expected exit status.
    exit_code: i32,
    /// The expected stdout, when checked.
    stdout: Option<String>,
    /// The expected stderr, when checked.
    stderr: Option<String>,
}

/// One test program.
struct Program {
    /// `suite/NAME`, e.g. `rust/fd_readdir`.
    id: String,
    /// `NAME`, the module's file stem: `argv[0]` and the executable's file name.
    stem: String,
    /// The `.wasm` file.
    module: PathBuf,
    /// The suite directory the spec's `root` is relative to.
    suite_dir: PathBuf,
    /// The spec, or why it could not be read.
    spec: Result<Spec, String>,
}

fn main() -> ExitCode {
    runner_main_then("wasi-testsuite", |setup| {
        let suite = shared_dir().join("wasi-testsuite");
        let programs = find_programs(&suite)?;
        let before = TreeSnapshot::take(&suite)?;
        let mut checks = Vec::new();
        for program in programs.into_iter().map(Arc::new) {
            for mode in MODES {
                let dir = setup.work.join(&program.id).join(mode);
                let (bin, program) = (setup.bin.clone(), Arc::clone(&program));
                checks.push(Check::new(format!("{} [{mode}]", program.id), move || {
                    run_program(&bin, &program, mode, &dir)
                }));
            }
        }
        let after = Check::new("wasi-testsuite left unchanged", move || {
            check_untouched(&suite, &before)
        });
        Ok(Plan {
            checks,
            after: vec![after],
        })
    })
}

/// Lists the programs of every suite, in name order, with their specs; fails when a
/// suite is missing or does not hold the expected number of modules.
fn find_programs(suite: &Path) -> Result<Vec<Program>, String> {
    let mut programs = Vec::new();
    for (name, count) in SUITES {
        let dir = suite.join(name);
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            format!(
                "cannot read {}: {e}: the WASI testsuite must be in ../shared \
                 (or $WASI_AOT_SHARED)",
                dir.display()
            )
        })?;
        let mut modules: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        modules.sort();
        if modules.len() != count {
            return Err(format!(
                "expected {count} modules in {}, found {}",
                dir.display(),
                modules.len()
            ));
        }
        for module in modules {
            let stem = module
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let spec = read_spec(&module.with_extension("json"), &dir);
            programs.push(Program {
                id: format!("{name}/{stem}"),
                stem,
                module,
                suite_dir: dir.clone(),
                spec,
            });
        }
    }
    Ok(programs)
}

/// Reads a spec file (the defaults when it does not exist) and checks that its `root`
/// names a directory inside `suite_dir`.
fn read_spec(path: &Path, suite_dir: &Path) -> Result<Spec, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Spec::default()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let spec = parse_spec(&text).map_err(|why| format!("{}: {why}", path.display()))?;
    if let Some(root) = &spec.root {
        let plain = Path::new(root)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if root.is_empty() || !plain {
            return Err(format!(
                "{}: `root` {root:?} must be a relative path without `..`",
                path.display()
            ));
        }
        if !suite_dir.join(root).is_dir() {
            return Err(format!(
                "{}: `root` {root:?} is not a directory",
                path.display()
            ));
        }
    }
    Ok(spec)
}

/// Interprets the text of a spec file.
fn parse_spec(text: &str) -> Result<Spec, String> {
    let Value::Object(members) = json::parse(text)? else {
        return Err("the spec is not a JSON object".into());
    };
    let string = |key: &str, value: Value| match value {
        Value::String(s) => Ok(s),
        other => Err(format!("`{key}` must hold strings, not {}", other.kind())),
    };
    let mut spec = Spec::default();
    for (key, value) in members {
        match (key.as_str(), value) {
            ("args", Value::Array(items)) => {
                spec.args = items
                    .into_iter()
                    .map(|v| string("args", v))
                    .collect::<Result<_, _>>()?;
            }
            ("env", Value::Object(vars)) => {
                spec.env = vars
                    .into_iter()
                    .map(|(k, v)| {
                        if k.is_empty() || k.contains('=') {
                            return Err(format!("`env` name {k:?} is empty or holds `=`"));
                        }
                        Ok((k, string("env", v)?))
                    })
                    .collect::<Result<_, _>>()?;
            }
            ("root", v) => spec.root = Some(string("root", v)?),
            ("exit_code", Value::Number(n)) => {
                if n.fract() != 0.0 || !(0.0..=255.0).contains(&n) {
                    return Err(format!("`exit_code` {n} is not an exit status (0 to 255)"));
                }
                // Exact: an integer from 0 to 255.
                spec.exit_code = n as i32;
            }
            ("stdout", v) => spec.stdout = Some(string("stdout", v)?),
            ("stderr", v) => spec.stderr = Some(string("stderr", v)?),
            (key @ ("args" | "env" | "exit_code"), v) => {
                return Err(format!("`{key}` cannot be {}", v.kind()));
            }
            (key, _) => return Err(format!("unknown key `{key}`")),
        }
    }
    Ok(spec)
}

/// Whether a suite entry is a `*.cleanup` leftover, which copies leave out.
fn is_cleanup(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "cleanup")
}

/// Builds one program in one bounds-check mode in the fresh directory `dir`, runs it
/// on a fresh copy of its root and compares the result with its spec.
fn run_program(bin: &Path, program: &Program, mode: &str, dir: &Path) -> Result<(), String> {
    let spec = program.spec.as_ref().map_err(String::clone)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let exe = dir.join(&program.stem);
    let mut build = Command::new(bin);
    build
        .arg("build")
        .arg(&program.module)
        .arg("-o")
        .arg(&exe)
        .arg("--bounds-checks")
        .arg(mode);
    if let Some(root) = &spec.root {
        let copy = dir.join("root");
        copy_tree(&program.suite_dir.join(root), &copy, &is_cleanup)?;
        let mut grant = OsString::from(copy);
        grant.push("::/");
        build.arg("--dir").arg(grant);
    }
    for (key, value) in &spec.env {
        build.arg("--env").arg(format!("{key}={value}"));
    }
    build.current_dir(dir);
    let built = run_with_timeout(&mut build, None, BUILD_TIMEOUT)?;
    if built.timed_out || !built.status.success() {
        return Err(format!(
            "build failed ({}): {}",
            built.describe(BUILD_TIMEOUT),
            excerpt(&built.stderr_text())
        ));
    }

    let mut run = Command::new(&exe);
    run.arg0(&program.stem)
        .args(&spec.args)
        .current_dir(dir)
        .env_clear();
    let out = run_with_timeout(&mut run, None, RUN_TIMEOUT)?;
    if out.timed_out || out.status.code() != Some(spec.exit_code) {
        return Err(format!(
            "expected exit {}, got {}; stderr: {}",
            spec.exit_code,
            out.describe(RUN_TIMEOUT),
            excerpt(&out.stderr_text())
        ));
    }
    let streams = [
        ("stdout", &spec.stdout, &out.stdout),
        ("stderr", &spec.stderr, &out.stderr),
    ];
    for (stream, expected, actual) in streams {
        if let Some(expected) = expected {
            if let Some(diff) = compare_exact(stream, expected.as_bytes(), actual) {
                return Err(diff);
            }
        }
    }
    Ok(())
}

/// Fails when the suite directory changed since `before` was taken, or holds
/// `*.cleanup` entries (left by some earlier run that wrote into the suite).
fn check_untouched(suite: &Path, before: &TreeSnapshot) -> Result<(), String> {
    let now = TreeSnapshot::take(suite)?;
    let mut problems = now.changes_since(before);
    problems.extend(
        now.paths()
            .filter(|p| is_cleanup(p))
            .map(|p| format!("leftover {}", p.display())),
    );
    if problems.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 10;
    let more = problems.len().saturating_sub(SHOWN);
    problems.truncate(SHOWN);
    if more > 0 {
        problems.push(format!("and {more} more"));
    }
    Err(format!("in {}: {}", suite.display(), problems.join(", ")))
}
