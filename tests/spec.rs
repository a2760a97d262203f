//! The official WebAssembly spec testsuite through the real pipeline: every script in
//! `$WASI_AOT_SHARED/spec-testsuite/wasm-2.0/` runs under `wasi-aot wast` with each
//! bounds-check strategy (one process per script and strategy, so a crash is confined
//! to one script). Prints one line per script and strategy with its command counts and
//! closes with the total `N passed, N failed` over all commands.
//!
//! Usage: `cargo test --release --test spec [-- SUBSTRING...]`. With
//! `WASI_AOT_SPEC_SUITE=wasm-3.0` it reports on the Wasm 3.0 suite instead (not gating).

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::time::Duration;

use wasi_aot_tests::{run_with_timeout, shared_dir, wasi_aot_bin};

/// Longest time one script may take under one strategy.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(600);
/// Number of scripts the Wasm 2.0 suite has; fewer means the suite is incomplete.
const WASM2_SCRIPTS: usize = 147;

/// The outcome of one script under one strategy.
struct ScriptResult {
    line: String,
    passed: u64,
    failed: u64,
}

/// Parses the closing `N passed, N failed` line of `wasi-aot wast`.
fn totals(stdout: &str) -> Option<(u64, u64)> {
    let last = stdout.lines().last()?;
    let (passed, failed) = last.split_once(" passed, ")?;
    Some((
        passed.parse().ok()?,
        failed.strip_suffix(" failed")?.parse().ok()?,
    ))
}

fn run_script(bin: &PathBuf, script: &PathBuf, mode: &str) -> ScriptResult {
    let name = format!(
        "{mode:8} {}",
        script.file_name().unwrap_or_default().to_string_lossy()
    );
    let mut cmd = Command::new(bin);
    cmd.args(["wast", "--bounds-checks", mode]).arg(script);
    let out = match run_with_timeout(&mut cmd, None, SCRIPT_TIMEOUT) {
        Ok(out) => out,
        Err(why) => {
            return ScriptResult {
                line: format!("FAIL {name}: {why}"),
                passed: 0,
                failed: 1,
            }
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    match totals(&stdout) {
        Some((passed, failed)) => {
            let status = if failed == 0 && out.status.success() {
                "ok  "
            } else {
                "FAIL"
            };
            let mut line = format!("{status} {name}: {passed} passed, {failed} failed");
            for detail in stdout.lines().filter(|l| l.starts_with("    ")) {
                line.push('\n');
                line.push_str(detail);
            }
            ScriptResult {
                line,
                passed,
                failed,
            }
        }
        // A crash or an unfinished run: the script counts as one failed command at least.
        None => ScriptResult {
            line: format!(
                "FAIL {name}: {} without a summary; stderr: {}",
                out.describe(SCRIPT_TIMEOUT),
                out.stderr_text()
                    .lines()
                    .take(5)
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
            passed: 0,
            failed: 1,
        },
    }
}

fn main() -> ExitCode {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let suite = std::env::var("WASI_AOT_SPEC_SUITE").unwrap_or_else(|_| "wasm-2.0".into());
    let dir = shared_dir().join("spec-testsuite").join(&suite);
    let bin = match wasi_aot_bin() {
        Ok(bin) => bin,
        Err(why) => {
            println!("FAIL setup: {why}\n0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    };
    let mut scripts: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wast"))
            .collect(),
        Err(e) => {
            println!(
                "FAIL setup: cannot read {}: {e}\n0 passed, 1 failed",
                dir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    scripts.sort();
    if suite == "wasm-2.0" && scripts.len() != WASM2_SCRIPTS {
        println!(
            "FAIL setup: expected {WASM2_SCRIPTS} scripts in {}, found {}\n0 passed, 1 failed",
            dir.display(),
            scripts.len()
        );
        return ExitCode::FAILURE;
    }
    let jobs: Vec<(PathBuf, &str)> = scripts
        .iter()
        .flat_map(|s| [(s.clone(), "guard"), (s.clone(), "explicit")])
        .filter(|(s, mode)| {
            let name = format!("{mode} {}", s.display());
            filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
        })
        .collect();
    let queue = Mutex::new(jobs.into_iter());
    let totals_seen = Mutex::new((0u64, 0u64));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some((script, mode)) = next else { break };
                let result = run_script(&bin, &script, mode);
                println!("{}", result.line);
                let mut t = totals_seen.lock().unwrap_or_else(|e| e.into_inner());
                t.0 += result.passed;
                t.1 += result.failed;
            });
        }
    });
    let (passed, failed) = totals_seen.into_inner().unwrap_or_else(|e| e.into_inner());
    println!("{passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
