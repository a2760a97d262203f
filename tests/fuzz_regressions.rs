//! Fuzz regressions: every input a fuzz target (`fuzz/`) found a bug with, minimised,
//! goes through `wasi-aot build` (and, when it builds, is run) and must end the way the
//! fixed toolchain ends it. Each case is a pair in `tests/fuzz-regressions/`:
//! `NAME.wasm`, and `NAME.txt` with `key: value` lines:
//!
//! - `caught:` what the input caught (one line, required);
//! - `flags:` extra `wasi-aot build` flags, separated by spaces (optional);
//! - `build:` `ok`, or `error TEXT` for a build that must fail with exit status 1 and an
//!   `error: ` line, its stderr containing TEXT (required);
//! - `run:` for a module that builds, the executable's exit status and optionally a
//!   text its stderr must contain (`134 wasm trap: unreachable`); without it the
//!   executable is not run.
//!
//! No build may panic, die of a signal or run past the time bound. Run with
//! `cargo test --release --test fuzz_regressions [NAME...]`; see fuzz/README.md for how
//! a crash becomes a case.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use wasi_aot_tests::{excerpt, repo_root, run_with_timeout, runner_main, Check};

/// How long one build or run may take (the cases are small, minimised inputs).
const TIME_BOUND: Duration = Duration::from_secs(60);

/// How a case's build must end.
enum Build {
    /// Exit status 0.
    Ok,
    /// Exit status 1, an `error: ` line, and stderr containing this text.
    Error(String),
}

/// What a case's executable must do.
struct Run {
    status: i32,
    /// Text its stderr must contain (empty: anything).
    stderr: String,
}

/// One regression input and its expectations.
struct Case {
    name: String,
    wasm: PathBuf,
    flags: Vec<String>,
    build: Build,
    run: Option<Run>,
}

/// Reads `NAME.txt` (see the crate documentation) for the input `wasm`.
fn parse_case(name: &str, wasm: PathBuf, text: &str) -> Result<Case, String> {
    let (mut caught, mut flags, mut build, mut run) = (None, Vec::new(), None, None);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| format!("{name}.txt: not a `key: value` line: {line:?}"))?;
        let value = value.trim();
        match key.trim() {
            "caught" => caught = Some(value.to_string()),
            "flags" => flags = value.split_whitespace().map(str::to_string).collect(),
            "build" => {
                build = Some(match value.split_once(' ') {
                    _ if value == "ok" => Build::Ok,
                    Some(("error", text)) => Build::Error(text.trim().to_string()),
                    _ => return Err(format!("{name}.txt: `build:` is `ok` or `error TEXT`")),
                })
            }
            "run" => {
                let (status, stderr) = value.split_once(' ').unwrap_or((value, ""));
                let status = status
                    .parse()
                    .map_err(|_| format!("{name}.txt: `run:` starts with an exit status"))?;
                run = Some(Run {
                    status,
                    stderr: stderr.trim().to_string(),
                });
            }
            other => return Err(format!("{name}.txt: unknown key {other:?}")),
        }
    }
    caught
        .filter(|c| !c.is_empty())
        .ok_or_else(|| format!("{name}.txt: no `caught:` line saying what the input caught"))?;
    let build = build.ok_or_else(|| format!("{name}.txt: no `build:` line"))?;
    if run.is_some() && matches!(build, Build::Error(_)) {
        return Err(format!("{name}.txt: `run:` needs `build: ok`"));
    }
    Ok(Case {
        name: name.to_string(),
        wasm,
        flags,
        build,
        run,
    })
}

/// Every case in `dir`: each `NAME.wasm` with its `NAME.txt`. Any other file (but the
/// directory's `README.md`), or one of a pair without the other, is an error, so
/// nothing in the directory goes untested.
fn cases(dir: &Path) -> Result<Vec<Case>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .path();
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        match file.rsplit_once('.') {
            Some((name, "wasm")) => names.push(name.to_string()),
            Some((name, "txt")) if dir.join(format!("{name}.wasm")).is_file() => {}
            _ if file == "README.md" => {}
            _ => {
                return Err(format!(
                    "{} is not part of a NAME.wasm/NAME.txt pair",
                    path.display()
                ))
            }
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let txt = dir.join(format!("{name}.txt"));
            let text = std::fs::read_to_string(&txt)
                .map_err(|e| format!("cannot read {}: {e}", txt.display()))?;
            parse_case(&name, dir.join(format!("{name}.wasm")), &text)
        })
        .collect()
}

/// Builds one case and checks how the build, and the run when asked for, ended.
fn check(bin: &Path, work: &Path, case: &Case) -> Result<(), String> {
    let exe = work.join(&case.name);
    let mut cmd = Command::new(bin);
    cmd.arg("build")
        .arg(&case.wasm)
        .arg("-o")
        .arg(&exe)
        .args(&case.flags)
        .current_dir(work);
    let built = run_with_timeout(&mut cmd, None, TIME_BOUND)?;
    let stderr = built.stderr_text();
    if built.timed_out {
        return Err(format!("the build was still running after {TIME_BOUND:?}"));
    }
    if stderr.contains("panicked") {
        return Err(format!("the compiler panicked: {}", excerpt(&stderr)));
    }
    match &case.build {
        Build::Ok if built.status.success() => {}
        Build::Ok => {
            return Err(format!(
                "the build failed ({}): {}",
                built.describe(TIME_BOUND),
                excerpt(&stderr)
            ))
        }
        Build::Error(text) => {
            if built.status.code() != Some(1) {
                return Err(format!(
                    "expected exit status 1, got {}: {}",
                    built.describe(TIME_BOUND),
                    excerpt(&stderr)
                ));
            }
            if !stderr.lines().any(|l| l.starts_with("error: ")) {
                return Err(format!("no `error: ` line: {}", excerpt(&stderr)));
            }
            if !stderr.contains(text.as_str()) {
                return Err(format!(
                    "the error does not mention {text:?}: {}",
                    excerpt(&stderr)
                ));
            }
        }
    }
    let Some(run) = &case.run else {
        return Ok(());
    };
    let ran = run_with_timeout(&mut Command::new(&exe), None, TIME_BOUND)?;
    let stderr = ran.stderr_text();
    if ran.timed_out || ran.status.code() != Some(run.status) {
        return Err(format!(
            "expected the executable to exit with {}, got {}: {}",
            run.status,
            ran.describe(TIME_BOUND),
            excerpt(&stderr)
        ));
    }
    if !stderr.contains(run.stderr.as_str()) {
        return Err(format!(
            "the executable's stderr does not mention {:?}: {}",
            run.stderr,
            excerpt(&stderr)
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    let dir = repo_root().join("tests").join("fuzz-regressions");
    let cases = match cases(&dir) {
        Ok(cases) => cases,
        Err(why) => {
            println!("FAIL setup: {why}");
            println!("0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    };
    // The directory must exist, but it holds only what the fuzzers have found: with no
    // case yet there is nothing to fail (the shared runner counts zero checks as a
    // failure, which is right for suites that always have cases).
    if cases.is_empty() {
        println!("no cases in {}", dir.display());
        println!("0 passed, 0 failed");
        return ExitCode::SUCCESS;
    }
    runner_main("fuzz-regressions", |setup| {
        Ok(cases
            .into_iter()
            .map(|case| {
                let (bin, work) = (setup.bin.clone(), setup.work.clone());
                Check::new(case.name.clone(), move || check(&bin, &work, &case))
            })
            .collect())
    })
}
