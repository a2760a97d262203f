//! Target (2): valid `wasm-smith` command modules through the whole pipeline.
//!
//! Each module is written to a temporary directory and built by the real `wasi-aot
//! build` (compile, then link with `cc`), under a bounds-check mode and optimisation
//! level chosen by the input. A valid module must build: any other outcome is a bug.
//! The executable then runs with stdin from `/dev/null`; it must end by returning
//! from `_start` (0), a trap (134) or the build's `--timeout` (124), each with the
//! matching message, never by a signal or another status. The generated modules
//! import WASI functions other than `proc_exit` (so no other status is the guest's
//! own choice) and `env` functions nothing defines, built as trap stubs.

#![no_main]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use wasi_aot_fuzz::{process, smith};

/// The `--timeout` the executables are built with, in seconds.
const RUN_TIMEOUT_SECS: u64 = 2;

/// How long a build may take before it counts as a hang (the generated modules build
/// in well under a second).
const BUILD_LIMIT: Duration = Duration::from_secs(60);

/// How long an executable may run before it counts as a hang: its own `--timeout`
/// should have stopped it long before.
const RUN_LIMIT: Duration = Duration::from_secs(RUN_TIMEOUT_SECS + 10);

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(bounds_checks) = u.choose(&["guard", "explicit"]) else {
        return;
    };
    let Ok(opt_level) = u.choose(&["0", "1", "2"]) else {
        return;
    };
    let Ok(wasm) = smith::command_module(&mut u) else {
        return;
    };
    let dir = tempfile::Builder::new()
        .prefix("wasi-aot-fuzz-")
        .tempdir()
        .expect("creating a temporary directory");
    let input = dir.path().join("module.wasm");
    std::fs::write(&input, &wasm).expect("writing the module");
    let exe = dir.path().join("module");
    if let Err(finding) = build(&input, &exe, bounds_checks, opt_level).and_then(|()| run(&exe)) {
        // Kept for the report: the fuzz input is the generator's input, not the module.
        let kept = dir.keep();
        panic!(
            "{finding}\nthe module and executable are in {}",
            kept.display()
        );
    }
});

/// Builds `input` into `exe`, which must succeed.
fn build(input: &Path, exe: &Path, bounds_checks: &str, opt_level: &str) -> Result<(), String> {
    let mut cmd = Command::new(wasi_aot_fuzz::wasi_aot_binary());
    cmd.arg("build")
        .arg(input)
        .arg("-o")
        .arg(exe)
        .args(["--bounds-checks", bounds_checks, "-O", opt_level])
        .args(["--unknown-imports", "trap"])
        .args(["--timeout", &RUN_TIMEOUT_SECS.to_string()])
        .args(["--max-memory", &smith::MAX_MEMORY_PAGES.to_string()]);
    let built = process::run(&mut cmd, BUILD_LIMIT);
    let stderr = String::from_utf8_lossy(&built.stderr);
    match built.status {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(format!(
            "a valid module failed to build ({status}, --bounds-checks {bounds_checks} \
             -O {opt_level}):\n{stderr}"
        )),
        None => Err(format!(
            "the build hung (killed after {BUILD_LIMIT:?}):\n{stderr}"
        )),
    }
}

/// Runs the executable `exe` and checks how it ended.
fn run(exe: &Path) -> Result<(), String> {
    let ran = process::run(&mut Command::new(exe), RUN_LIMIT);
    let stderr = String::from_utf8_lossy(&ran.stderr);
    let Some(status) = ran.status else {
        return Err(format!(
            "the executable hung past its --timeout (killed after {RUN_LIMIT:?}):\n{stderr}"
        ));
    };
    // The guest can write anything to stderr itself, so the runtime's message is
    // looked for anywhere in it.
    let expected = match status.code() {
        Some(0) => return Ok(()),
        Some(134) => "error: wasm trap: ",
        Some(124) => "error: wasm program timed out",
        _ => return Err(format!("the executable ended with {status}:\n{stderr}")),
    };
    match stderr.contains(expected) {
        true => Ok(()),
        false => Err(format!(
            "{status} without {expected:?} on stderr:\n{stderr}"
        )),
    }
}
