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
//! # Case format
//! Each `cases.toml` holds `[[case]]` tables. Paths are relative to the group directory.
//!
//! | key | meaning |
//! | --- | --- |
//! | `name` | the case name (unique in its group) |
//! | `module` / `wat` | a `.wat`/`.wasm` file, or the module text inline (exactly one) |
//! | `run` | use `wasi-aot run ... INPUT -- ARGS` instead of `build` and executing |
//! | `args` | guest arguments after `argv[0]`, which is `prog` |
//! | `env` | `K=V` pairs passed as `--env` |
//! | `inherit_env` | pass `--inherit-env` |
//! | `host_env` | the executable's own environment (otherwise empty) |
//! | `dirs` | `HOST::GUEST` grants passed as `--dir`; HOST is copied afresh (symbolic links as links) into the work directory for each run, which is the working directory of the build and the run |
//! | `outside` | directories copied into the work directory like `dirs` but not granted, for a program to try to reach; after the run nothing in the work directory outside the granted directories may have been added, removed or modified (kind, size, permissions, modification time); not with `run` |
//! | `link` | C files compiled with `cc -c` and passed as `--link` |
//! | `flags` | other build flags |
//! | `stdin` | the program's input (default: none, `/dev/null`) |
//! | `stdout` | expected stdout, exact (default: empty, unless `stdout_contains` is given) |
//! | `stdout_contains` | substrings stdout must contain |
//! | `stderr` | expected stderr, exact (default: empty, unless `trap` or `stderr_contains` is given) |
//! | `stderr_contains` | substrings stderr must contain |
//! | `status` | expected exit status (default 0, or 134 with `trap`) |
//! | `trap` | expected trap reason: stderr's first line is `error: wasm trap: REASON` |
//! | `trap_function` | a later stderr line names this wasm function |
//! | `files` | `{ "PATH" = "CONTENT" }`: files in the work directory after the run |
//! | `build_error` | the build must fail with exit 1 and an `error:` message containing these substrings (and no panic) |

use serde::Deserialize;
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use wasi_aot_tests::{
    compare_exact, compile_c, copy_tree, excerpt, repo_root, run_with_timeout, runner_main, Check,
    Output, TreeSnapshot, BUILD_TIMEOUT, RUN_TIMEOUT,
};

/// The exit status of a program that trapped.
const TRAP_STATUS: i32 = 134;
/// The exit status of a failed build.
const BUILD_ERROR_STATUS: i32 = 1;
/// The bounds-check modes every running case is built in.
const MODES: [&str; 2] = ["guard", "explicit"];

/// One `cases.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// The cases, in file order.
    case: Vec<Case>,
}

/// One case; see the module documentation for the meaning of each key.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct Case {
    name: String,
    module: Option<String>,
    wat: Option<String>,
    run: bool,
    args: Vec<String>,
    env: Vec<String>,
    inherit_env: bool,
    host_env: Vec<String>,
    dirs: Vec<String>,
    outside: Vec<String>,
    link: Vec<String>,
    flags: Vec<String>,
    stdin: Option<String>,
    stdout: Option<String>,
    stdout_contains: Vec<String>,
    stderr: Option<String>,
    stderr_contains: Vec<String>,
    status: Option<i32>,
    trap: Option<String>,
    trap_function: Option<String>,
    files: BTreeMap<String, String>,
    build_error: Option<Vec<String>>,
}

/// A case with the context its checks need.
struct Loaded {
    /// `group/name`.
    id: String,
    /// The group directory the case's paths are relative to.
    group_dir: PathBuf,
    case: Case,
}

fn main() -> ExitCode {
    runner_main("golden", |setup| {
        let golden = repo_root().join("tests").join("golden");
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

/// Reads every `tests/golden/<group>/cases.toml`, in group order, checking the case
/// data for mistakes that would make a case meaningless.
fn load_groups(golden: &Path) -> Vec<(String, Result<Vec<Loaded>, String>)> {
    let mut groups: Vec<PathBuf> = match std::fs::read_dir(golden) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("cases.toml").is_file())
            .collect(),
        Err(e) => {
            return vec![(
                "golden".to_string(),
                Err(format!("cannot read {}: {e}", golden.display())),
            )]
        }
    };
    groups.sort();
    if groups.is_empty() {
        return vec![(
            "golden".to_string(),
            Err(format!("no */cases.toml under {}", golden.display())),
        )];
    }
    groups
        .into_iter()
        .map(|dir| {
            let group = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let cases = load_group(&group, &dir);
            (group, cases)
        })
        .collect()
}

fn load_group(group: &str, dir: &Path) -> Result<Vec<Loaded>, String> {
    let path = dir.join("cases.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file: CaseFile = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut seen = std::collections::HashSet::new();
    file.case
        .into_iter()
        .map(|case| {
            let id = format!("{group}/{}", case.name);
            if !seen.insert(case.name.clone()) {
                return Err(format!("{id}: duplicate case name"));
            }
            validate(&case, dir).map_err(|why| format!("{id}: {why}"))?;
            Ok(Loaded {
                id,
                group_dir: dir.to_path_buf(),
                case,
            })
        })
        .collect()
}

/// Rejects case data that is inconsistent, names missing files, or (for cases that are
/// meant to build) holds a module that is not valid WebAssembly.
fn validate(case: &Case, dir: &Path) -> Result<(), String> {
    if case.name.is_empty()
        || !case
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "case name {:?} must be non-empty [A-Za-z0-9_-]",
            case.name
        ));
    }
    if case.module.is_some() == case.wat.is_some() {
        return Err("give exactly one of `module` and `wat`".into());
    }
    if case.trap.is_some() && (case.status.is_some() || case.stderr.is_some()) {
        return Err(
            "`trap` fixes the status and stderr; do not also give `status` or `stderr`".into(),
        );
    }
    if case.trap_function.is_some() && case.trap.is_none() {
        return Err("`trap_function` needs `trap`".into());
    }
    if case.run && case.inherit_env {
        return Err("`run` with `inherit_env` would expose the test's own environment".into());
    }
    if case.run && !case.outside.is_empty() {
        return Err(
            "`run` writes its cache into the work directory, which `outside` checks".into(),
        );
    }
    for path in case
        .dirs
        .iter()
        .map(|d| dir_host(d))
        .chain(case.outside.iter().map(String::as_str))
        .chain(case.files.keys().map(String::as_str))
    {
        if !is_plain_relative(path) {
            return Err(format!("{path:?} must be a relative path without `..`"));
        }
    }
    for host in case
        .dirs
        .iter()
        .map(|d| dir_host(d))
        .chain(case.outside.iter().map(String::as_str))
    {
        if !dir.join(host).is_dir() {
            return Err(format!("directory {host:?} does not exist"));
        }
    }
    for c in &case.link {
        if !dir.join(c).is_file() {
            return Err(format!("C file {c:?} does not exist"));
        }
    }
    for kv in case.env.iter().chain(&case.host_env) {
        if !kv.contains('=') {
            return Err(format!("environment entry {kv:?} is not K=V"));
        }
    }
    if let Some(build_error) = &case.build_error {
        let runs = case.stdin.is_some()
            || case.stdout.is_some()
            || !case.stdout_contains.is_empty()
            || case.stderr.is_some()
            || case.status.is_some()
            || case.trap.is_some()
            || !case.files.is_empty()
            || !case.outside.is_empty();
        if runs {
            return Err("a `build_error` case has no run expectations".into());
        }
        if build_error.is_empty() {
            return Err("`build_error` needs at least one expected substring".into());
        }
        return Ok(());
    }
    let bytes = match (&case.module, &case.wat) {
        (Some(module), _) => {
            let path = dir.join(module);
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            wat::parse_bytes(&bytes)
                .map(|b| b.into_owned())
                .map_err(|e| format!("{module}: {e}"))?
        }
        (None, Some(text)) => wat::parse_str(text).map_err(|e| format!("inline wat: {e}"))?,
        (None, None) => unreachable!("checked above"),
    };
    wasmparser::Validator::new()
        .validate_all(&bytes)
        .map_err(|e| format!("the module is not valid: {e}"))?;
    Ok(())
}

/// The host part of a `HOST::GUEST` directory grant.
fn dir_host(spec: &str) -> &str {
    spec.split("::").next().unwrap_or(spec)
}

fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Builds and runs one case in one bounds-check mode (`None`: a build-error case), in
/// the fresh work directory `dir`.
fn run_case(bin: &Path, loaded: &Loaded, mode: Option<&str>, dir: &Path) -> Result<(), String> {
    let case = &loaded.case;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for host in case
        .dirs
        .iter()
        .map(|d| dir_host(d))
        .chain(case.outside.iter().map(String::as_str))
    {
        copy_tree(&loaded.group_dir.join(host), &dir.join(host), &|_| false)?;
    }
    let input = match (&case.module, &case.wat) {
        (Some(module), _) => loaded.group_dir.join(module),
        (None, Some(text)) => {
            let path = dir.join("module.wat");
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            path
        }
        (None, None) => unreachable!("validated"),
    };
    let mut flags: Vec<String> = Vec::new();
    if let Some(mode) = mode {
        flags.extend(["--bounds-checks".to_string(), mode.to_string()]);
    }
    for spec in &case.dirs {
        flags.extend(["--dir".to_string(), spec.clone()]);
    }
    for kv in &case.env {
        flags.extend(["--env".to_string(), kv.clone()]);
    }
    if case.inherit_env {
        flags.push("--inherit-env".to_string());
    }
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
