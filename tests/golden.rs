//! Golden-output tests: every case under `tests/golden/<group>/cases.toml` is built with
//! the `wasi-aot` binary under `--bounds-checks guard` and `--bounds-checks explicit`
//! (cases that expect a build error are built once), run, and its exit status, stdout,
//! stderr and written files compared with the expectations.
//!
//! Usage: `cargo test --release --test golden [-- SUBSTRING...]` runs the cases whose
//! `group/name` contains any SUBSTRING (all when none is given). `WASI_AOT_BIN` picks
//! the binary, `WASI_AOT_KEEP_WORK=1` keeps the work files, `WASI_AOT_TEST_THREADS`
//! sets the parallelism.
//!
//! The case format is documented in `golden_cases.rs` (`wasi_aot_tests::golden_cases`).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use wasi_aot_tests::golden_cases::{dir_host, golden_dir, load_groups, Case, Loaded};
use wasi_aot_tests::{
    compare_exact, compile_c, excerpt, run_with_timeout, runner_main, Check, Output, TreeSnapshot,
    BUILD_TIMEOUT, RUN_TIMEOUT,
};

/// The exit status of a program that trapped.
const TRAP_STATUS: i32 = 134;
/// The exit status of a failed build.
const BUILD_ERROR_STATUS: i32 = 1;
/// The bounds-check modes every running case is built in.
const MODES: [&str; 2] = ["guard", "explicit"];

fn main() -> ExitCode {
    runner_main("golden", |setup| {
        let golden = golden_dir();
        let mut checks = Vec::new();
        for (group, loaded) in load_groups(&golden) {
            let cases = match loaded {
                Ok(cases) => cases,
                Err(why) => {
                    checks.push(Check::new(format!("{group}/cases.toml"), move || Err(why)));
                    continue;
                }
            };
            for loaded in cases.into_iter().map(Arc::new) {
                let modes: Vec<Option<&'static str>> = if loaded.case.build_error.is_some() {
                    vec![None]
                } else {
                    MODES.iter().copied().map(Some).collect()
                };
                for mode in modes {
                    let label = format!("{} [{}]", loaded.id, mode.unwrap_or("build"));
                    let dir = setup.work.join(&loaded.id).join(mode.unwrap_or("build"));
                    let (bin, loaded) = (setup.bin.clone(), Arc::clone(&loaded));
                    checks.push(Check::new(label, move || {
                        run_case(&bin, &loaded, mode, &dir)
                    }));
                }
            }
        }
        Ok(checks)
    })
}

/// Builds and runs one case in one bounds-check mode (`None`: a build-error case), in
/// the fresh work directory `dir`.
fn run_case(bin: &Path, loaded: &Loaded, mode: Option<&str>, dir: &Path) -> Result<(), String> {
    let case = &loaded.case;
    let input = loaded.prepare(dir)?;
    let mut flags: Vec<String> = Vec::new();
    if let Some(mode) = mode {
        flags.extend(["--bounds-checks".to_string(), mode.to_string()]);
    }
    flags.extend(case.capability_flags());
    for c in &case.link {
        let source = loaded.group_dir.join(c);
        let stem = Path::new(c)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let object = dir.join(format!("{stem}.o"));
        compile_c(&source, &object)?;
        flags.extend(["--link".to_string(), object.to_string_lossy().into_owned()]);
    }
    flags.extend(case.flags.iter().cloned());

    // Everything in the work directory but the granted trees, taken once the build has
    // written its files, when the case checks that the run leaves it alone.
    let mut untouched = None;
    let out = if case.run {
        let mut cmd = Command::new(bin);
        cmd.arg("run")
            .args(&flags)
            .arg(&input)
            .arg("--")
            .args(&case.args);
        cmd.current_dir(dir)
            .env("WASI_AOT_CACHE_DIR", dir.join("cache"));
        cmd.envs(case.host_env.iter().filter_map(|kv| kv.split_once('=')));
        run_with_timeout(
            &mut cmd,
            case.stdin.as_deref().map(str::as_bytes),
            BUILD_TIMEOUT + RUN_TIMEOUT,
        )?
    } else {
        let exe = dir.join("prog");
        let mut cmd = Command::new(bin);
        cmd.arg("build")
            .arg(&input)
            .arg("-o")
            .arg(&exe)
            .args(&flags)
            .current_dir(dir);
        let built = run_with_timeout(&mut cmd, None, BUILD_TIMEOUT)?;
        if let Some(expected) = &case.build_error {
            return check_build_error(&built, expected);
        }
        if built.timed_out || !built.status.success() {
            return Err(format!(
                "build failed ({}): {}",
                built.describe(BUILD_TIMEOUT),
                excerpt(&built.stderr_text())
            ));
        }
        if !case.outside.is_empty() {
            untouched = Some(snapshot_outside_grants(case, dir)?);
        }
        let mut cmd = Command::new(&exe);
        cmd.arg0("prog")
            .args(&case.args)
            .current_dir(dir)
            .env_clear();
        cmd.envs(case.host_env.iter().filter_map(|kv| kv.split_once('=')));
        run_with_timeout(
            &mut cmd,
            case.stdin.as_deref().map(str::as_bytes),
            RUN_TIMEOUT,
        )?
    };
    if out.timed_out {
        return Err(format!(
            "{}; stderr: {}",
            out.describe(RUN_TIMEOUT),
            excerpt(&out.stderr_text())
        ));
    }
    let mut problems = check_run(case, &out, dir);
    if let Some(before) = untouched {
        let after = snapshot_outside_grants(case, dir)?;
        problems.extend(
            after
                .changes_since(&before)
                .into_iter()
                .map(|change| format!("outside the preopens: {change}")),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Compares a finished run with the case's expectations; returns every mismatch.
fn check_run(case: &Case, out: &Output, dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let want_status = case
        .status
        .unwrap_or(if case.trap.is_some() { TRAP_STATUS } else { 0 });
    if out.status.code() != Some(want_status) {
        problems.push(format!(
            "expected exit {want_status}, got {}; stderr: {}",
            out.describe(RUN_TIMEOUT),
            excerpt(&out.stderr_text())
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    match (&case.stdout, case.stdout_contains.is_empty()) {
        (Some(expected), _) => {
            problems.extend(compare_exact("stdout", expected.as_bytes(), &out.stdout))
        }
        (None, true) => problems.extend(compare_exact("stdout", b"", &out.stdout)),
        (None, false) => {}
    }
    problems.extend(missing_substrings("stdout", &stdout, &case.stdout_contains));
    let stderr = out.stderr_text();
    if let Some(reason) = &case.trap {
        problems.extend(check_trap(&stderr, reason, case.trap_function.as_deref()));
    } else if let Some(expected) = &case.stderr {
        problems.extend(compare_exact("stderr", expected.as_bytes(), &out.stderr));
    } else if case.stderr_contains.is_empty() {
        problems.extend(compare_exact("stderr", b"", &out.stderr));
    }
    problems.extend(missing_substrings("stderr", &stderr, &case.stderr_contains));
    for (path, expected) in &case.files {
        match std::fs::read(dir.join(path)) {
            Ok(actual) => problems.extend(compare_exact(path, expected.as_bytes(), &actual)),
            Err(e) => problems.push(format!("cannot read {path} after the run: {e}")),
        }
    }
    problems
}

/// Checks a trap report: the first stderr line names the reason exactly, and when a
/// function is expected a later line names it.
fn check_trap(stderr: &str, reason: &str, function: Option<&str>) -> Option<String> {
    let mut lines = stderr.lines();
    let first = lines.next().unwrap_or("");
    let want = format!("error: wasm trap: {reason}");
    if first != want {
        return Some(format!(
            "stderr first line: expected {want:?}, got {first:?}"
        ));
    }
    match function {
        Some(name) if !lines.any(|l| l.contains(name)) => Some(format!(
            "stderr does not name the function {name:?}: {}",
            excerpt(stderr)
        )),
        _ => None,
    }
}

/// Checks a failed build: exit 1, an `error:` message with the expected substrings,
/// and no panic.
fn check_build_error(out: &Output, expected: &[String]) -> Result<(), String> {
    let stderr = out.stderr_text();
    let mut problems = Vec::new();
    if out.timed_out || out.status.code() != Some(BUILD_ERROR_STATUS) {
        problems.push(format!(
            "expected the build to exit {BUILD_ERROR_STATUS}, got {}",
            out.describe(BUILD_TIMEOUT)
        ));
    }
    if !stderr.starts_with("error:") {
        problems.push("stderr does not start with \"error:\"".to_string());
    }
    if stderr.contains("panicked") {
        problems.push("the compiler panicked".to_string());
    }
    problems.extend(missing_substrings("stderr", &stderr, expected));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}; stderr: {}",
            problems.join("; "),
            excerpt(&stderr)
        ))
    }
}

fn missing_substrings(stream: &str, text: &str, wanted: &[String]) -> Vec<String> {
    wanted
        .iter()
        .filter(|w| !text.contains(w.as_str()))
        .map(|w| format!("{stream} does not contain {w:?}"))
        .collect()
}

/// A snapshot of the work directory `dir` leaving out the case's granted directories
/// (and everything under them).
fn snapshot_outside_grants(case: &Case, dir: &Path) -> Result<TreeSnapshot, String> {
    let granted: Vec<&Path> = case.dirs.iter().map(|d| Path::new(dir_host(d))).collect();
    Ok(TreeSnapshot::take(dir)?.without(|path| granted.iter().any(|g| path.starts_with(g))))
}
