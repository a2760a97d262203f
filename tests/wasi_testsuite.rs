//! The official WASI preview1 test programs as conformance tests: every module in
//! `$WASI_AOT_SHARED/wasi-testsuite/{c,rust,assemblyscript}/*.wasm` is built with
//! `wasi-aot build` under `--bounds-checks guard` and `--bounds-checks explicit`, run,
//! and checked against the `NAME.json` spec beside it (defaults when there is none).
//! The spec format is documented in `testsuite.rs` (`wasi_aot_tests::testsuite`).
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

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use wasi_aot_tests::testsuite::{find_programs, is_cleanup, Program};
use wasi_aot_tests::{
    build_executable, compare_exact, excerpt, run_with_timeout, runner_main_then, shared_dir,
    Check, Plan, TreeSnapshot, RUN_TIMEOUT,
};

/// The bounds-check modes every program is built in.
const MODES: [&str; 2] = ["guard", "explicit"];

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

/// Builds one program in one bounds-check mode in the fresh directory `dir`, runs it
/// on a fresh copy of its root and compares the result with its spec.
fn run_program(bin: &Path, program: &Program, mode: &str, dir: &Path) -> Result<(), String> {
    let spec = program.spec.as_ref().map_err(String::clone)?;
    let mut flags = program.prepare(spec, dir)?;
    flags.extend(["--bounds-checks".into(), mode.into()]);
    let exe = dir.join(&program.stem);
    build_executable(bin, &program.module, &exe, &flags, dir)?;

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
