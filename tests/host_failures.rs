//! Host-side failures an executable must survive: its stdout a pipe whose reader has
//! gone (the guest gets `EPIPE`, the process is not killed by `SIGPIPE`), its stdout
//! closed (`EBADF`), a preopened directory that no longer exists when it starts (a
//! clear error, exit status 1), and one removed, replaced or renamed while the program
//! runs (the right errnos, no crash). Run with
//! `cargo test --release --test host_failures`.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use wasi_aot_tests::{
    build_executable, repo_root, run_with_timeout, runner_main, Check, RUN_TIMEOUT,
};

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

/// A change to the host directory `data` (inside the case's directory) made between
/// two rounds of [`preopen_rounds`].
type HostChange = fn(&Path) -> std::io::Result<()>;

/// Builds `tests/host_failures/preopen_vanishes.wasm` with `--dir data::/data` in
/// `dir` (where `data` holds a file `existing`) and runs it: the guest prints one line
/// per round of path_open / fd_readdir / path_create_directory errnos, and between
/// rounds `changes[i]` alters the host directory before the test sends a line. Returns
/// the lines printed, after checking the program then exited 0 with an empty stderr.
fn preopen_rounds(bin: &Path, dir: &Path, changes: &[HostChange]) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir.join("data")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("data/existing"), "hello\n").map_err(|e| e.to_string())?;
    let input = repo_root().join("tests/host_failures/preopen_vanishes.wasm");
    let exe = dir.join("preopen_vanishes");
    build_executable(
        bin,
        &input,
        &exe,
        &["--dir".into(), "data::/data".into()],
        dir,
    )?;
    let mut child = Command::new(&exe)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let (stdin, stdout, mut stderr) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (stdin, stdout) = stdin.zip(stdout).ok_or("no pipes")?;
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let conversation = converse(stdin, &lines, changes, &dir.join("data"));
    if conversation.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let mut errors = String::new();
    if let Some(pipe) = stderr.as_mut() {
        let _ = pipe.read_to_string(&mut errors);
    }
    let seen = conversation?;
    match (status.code(), status.signal()) {
        (Some(0), _) if errors.is_empty() => Ok(seen),
        (_, Some(signal)) => Err(format!("killed by signal {signal}; stderr {errors:?}")),
        (code, _) => Err(format!(
            "exit status {code:?}, stderr {errors:?}, printed {seen:?}"
        )),
    }
}

/// The test's side of [`preopen_rounds`]: reads a round's line from `lines`, applies
/// the next change to `data`, sends a line; once the changes are done, closes stdin and
/// reads the rest. All within [`RUN_TIMEOUT`].
fn converse(
    mut stdin: ChildStdin,
    lines: &mpsc::Receiver<std::io::Result<String>>,
    changes: &[HostChange],
    data: &Path,
) -> Result<Vec<String>, String> {
    let deadline = Instant::now() + RUN_TIMEOUT;
    let next_line = || match lines.recv_timeout(deadline.saturating_duration_since(Instant::now()))
    {
        Ok(line) => line.map(Some).map_err(|e| e.to_string()),
        Err(mpsc::RecvTimeoutError::Disconnected) => Ok(None),
        Err(mpsc::RecvTimeoutError::Timeout) => Err("no output within the time limit".to_string()),
    };
    let mut seen = Vec::new();
    for change in changes {
        let line = next_line()?.ok_or_else(|| format!("the program ended after {seen:?}"))?;
        seen.push(line);
        change(data).map_err(|e| format!("cannot change the host directory: {e}"))?;
        // A guest that has ended already shows in what it printed.
        let _ = stdin.write_all(b"\n");
    }
    drop(stdin);
    while let Some(line) = next_line()? {
        seen.push(line);
    }
    Ok(seen)
}

/// Compares the guest's lines with the expected ones.
fn expect_lines(got: &[String], want: &[&str]) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("expected {want:#?}, got {got:#?}"))
    }
}

/// The names in host directory `dir`, sorted.
fn names_in(dir: &Path) -> Result<Vec<String>, String> {
    let mut names = std::fs::read_dir(dir)
        .and_then(|entries| {
            entries
                .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    names.sort();
    Ok(names)
}

/// The preopened directory is removed while the program runs, then a new directory
/// takes its path. The guest keeps its handle on the removed directory, as wasmtime's
/// (also handle-based) preopens do: opening or creating anything in it and creating a
/// directory give `ENOENT` (WASI 44, what Linux returns for a removed directory), and
/// `fd_readdir` succeeds with `.` and `..` only (Linux's `getdents` fails with
/// `ENOENT`, which rustix and cap-std, and so wasmtime, read as the end of an empty
/// directory). The new directory at the old path is not touched.
fn preopen_removed(bin: &Path, dir: &Path) -> Result<(), String> {
    let lines = preopen_rounds(
        bin,
        dir,
        &[
            |data| std::fs::remove_dir_all(data),
            |data| {
                std::fs::create_dir(data)?;
                std::fs::write(data.join("existing"), "new\n")
            },
        ],
    )?;
    expect_lines(
        &lines,
        &[
            "round 0: open existing 0, create file 0, readdir 0 (4 entries), mkdir 0",
            "round 1: open existing 44, create file 44, readdir 0 (2 entries), mkdir 44",
            "round 2: open existing 44, create file 44, readdir 0 (2 entries), mkdir 44",
        ],
    )?;
    expect_lines(&names_in(&dir.join("data"))?, &["existing"])
}

/// The preopened directory is renamed while the program runs and a new one takes its
/// path: the guest's handle follows the renamed directory, where it keeps working.
fn preopen_renamed(bin: &Path, dir: &Path) -> Result<(), String> {
    let lines = preopen_rounds(
        bin,
        dir,
        &[|data| {
            std::fs::rename(data, data.with_file_name("moved"))?;
            std::fs::create_dir(data)
        }],
    )?;
    expect_lines(
        &lines,
        &[
            "round 0: open existing 0, create file 0, readdir 0 (4 entries), mkdir 0",
            "round 1: open existing 0, create file 0, readdir 0 (6 entries), mkdir 0",
        ],
    )?;
    expect_lines(
        &names_in(&dir.join("moved"))?,
        &["dir-0", "dir-1", "existing", "file-0", "file-1"],
    )?;
    expect_lines(&names_in(&dir.join("data"))?, &[])
}

/// One case: given the `wasi-aot` binary and a fresh directory, `Err(summary)` on failure.
type CaseFn = fn(&Path, &Path) -> Result<(), String>;

fn main() -> ExitCode {
    runner_main("host-failures", |setup| {
        let cases: [(&str, CaseFn); 5] = [
            ("broken-pipe", broken_pipe),
            ("closed-stdout", closed_stdout),
            ("preopen-gone", preopen_gone),
            ("preopen-removed", preopen_removed),
            ("preopen-renamed", preopen_renamed),
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
