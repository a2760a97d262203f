//! Host-side failures an executable must survive: its stdout a pipe whose reader has
//! gone (the guest gets `EPIPE`, the process is not killed by `SIGPIPE`), its stdout
//! closed (`EBADF`), and a preopened directory that no longer exists when it starts (a
//! clear error, exit status 1). Run with `cargo test --release --test host_failures`.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use wasi_aot_tests::{build_executable, run_with_timeout, runner_main, Check, RUN_TIMEOUT};

/// Writes "hello\n" to stdout until `fd_write` fails, then exits with its errno.
const WRITER: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\n")
  (func $start (export "_start")
    (local $errno i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (loop $again
      (local.set $errno (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br_if $again (i32.eqz (local.get $errno))))
    (call $proc_exit (local.get $errno))))
"#;

/// WASI's `errno::PIPE`.
const ERRNO_PIPE: i32 = 64;
/// WASI's `errno::BADF`.
const ERRNO_BADF: i32 = 8;

/// Builds [`WRITER`] in `dir` with `flags`; the executable's path.
fn build_writer(bin: &Path, dir: &Path, flags: &[&str]) -> Result<std::path::PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let input = dir.join("writer.wat");
    std::fs::write(&input, WRITER).map_err(|e| e.to_string())?;
    let exe = dir.join("writer");
    let flags: Vec<_> = flags.iter().map(Into::into).collect();
    build_executable(bin, &input, &exe, &flags, dir)?;
    Ok(exe)
}

/// The reader of stdout goes away at once: the guest sees `EPIPE`.
fn broken_pipe(bin: &Path, dir: &Path) -> Result<(), String> {
    let exe = build_writer(bin, dir, &[])?;
    let mut child = Command::new(&exe)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    drop(child.stdout.take());
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("still running".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    match (status.code(), status.signal()) {
        (Some(ERRNO_PIPE), _) => Ok(()),
        (_, Some(signal)) => Err(format!("killed by signal {signal}")),
        (code, _) => Err(format!("expected exit status {ERRNO_PIPE}, got {code:?}")),
    }
}

/// Stdout is not open at all: the guest sees `EBADF`.
fn closed_stdout(bin: &Path, dir: &Path) -> Result<(), String> {
    let exe = build_writer(bin, dir, &[])?;
    let mut cmd = Command::new(&exe);
    // SAFETY: close(2) is async-signal-safe, as pre_exec requires.
    unsafe {
        cmd.pre_exec(|| {
            libc::close(1);
            Ok(())
        });
    }
    let out = run_with_timeout(&mut cmd, None, RUN_TIMEOUT)?;
    match out.status.code() {
        Some(ERRNO_BADF) => Ok(()),
        _ => Err(format!(
            "expected exit status {ERRNO_BADF}, got {}",
            out.describe(RUN_TIMEOUT)
        )),
    }
}

/// The preopened directory was removed after the build: a clear error at start.
fn preopen_gone(bin: &Path, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("data")).map_err(|e| e.to_string())?;
    let exe = build_writer(bin, dir, &["--dir", "data"])?;
    std::fs::remove_dir(dir.join("data")).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&exe);
    cmd.current_dir(dir);
    let out = run_with_timeout(&mut cmd, None, RUN_TIMEOUT)?;
    let stderr = out.stderr_text();
    if out.status.code() == Some(1)
        && stderr.starts_with("error: cannot open preopen directory data")
        && !stderr.contains("panicked")
    {
        Ok(())
    } else {
        Err(format!(
            "expected exit status 1 and a clear error, got {}: {stderr:?}",
            out.describe(RUN_TIMEOUT)
        ))
    }
}

/// One case: given the `wasi-aot` binary and a fresh directory, `Err(summary)` on failure.
type CaseFn = fn(&Path, &Path) -> Result<(), String>;

fn main() -> ExitCode {
    runner_main("host-failures", |setup| {
        let cases: [(&str, CaseFn); 3] = [
            ("broken-pipe", broken_pipe),
            ("closed-stdout", closed_stdout),
            ("preopen-gone", preopen_gone),
        ];
        Ok(cases
            .into_iter()
            .map(|(name, run)| {
                let (bin, dir) = (setup.bin.clone(), setup.work.join(name));
                Check::new(name, move || run(&bin, &dir))
            })
            .collect())
    })
}
