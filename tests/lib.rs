//! Shared helpers for the test runners (`golden`, `sightglass`): locating the
//! `wasi-aot` binary and the shared suites, running commands with a time limit,
//! compiling C helpers, comparing outputs, and running cases on worker threads with a
//! closing `N passed, N failed` line.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// How long a build (`wasi-aot build` or `cc -c`) may take before it is killed.
pub const BUILD_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a compiled program may run before it is killed.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The repository root (the parent of this crate's directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the repository")
        .to_path_buf()
}

/// The `wasi-aot` binary: `$WASI_AOT_BIN`, or else `target/<profile>/wasi-aot` next to
/// the running test executable (which lives in `target/<profile>/deps/`).
///
/// # Errors
/// A message telling how to build the binary when it does not exist.
pub fn wasi_aot_bin() -> Result<PathBuf, String> {
    let path = match std::env::var_os("WASI_AOT_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let exe = std::env::current_exe()
                .map_err(|e| format!("cannot locate the test executable: {e}"))?;
            let profile_dir = exe
                .parent()
                .and_then(Path::parent)
                .ok_or_else(|| format!("unexpected test executable path {}", exe.display()))?;
            profile_dir.join("wasi-aot")
        }
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "wasi-aot binary not found at {}: run `cargo build --release` first \
             (or set WASI_AOT_BIN)",
            path.display()
        ))
    }
}

/// The shared suites directory: `$WASI_AOT_SHARED`, or `<repo>/../shared`.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("WASI_AOT_SHARED") {
        Some(p) => PathBuf::from(p),
        None => repo_root().join("..").join("shared"),
    }
}

/// A fresh temporary directory for one runner's work files, removed when dropped
/// unless `WASI_AOT_KEEP_WORK` is set (then its path is printed and it is kept).
pub struct WorkDir {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl WorkDir {
    /// Creates the directory under the system temporary directory.
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn new(prefix: &str) -> Result<WorkDir, String> {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let path = dir.path().to_path_buf();
        if std::env::var_os("WASI_AOT_KEEP_WORK").is_some() {
            println!("work files kept in {}", path.display());
            Ok(WorkDir {
                dir: None,
                path: dir.keep(),
            })
        } else {
            Ok(WorkDir {
                dir: Some(dir),
                path,
            })
        }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            // A failure to clean up must not turn a finished run into a panic.
            let _ = dir.close();
        }
    }
}

/// What a finished (or killed) command produced.
#[derive(Debug)]
pub struct Output {
    /// How the process ended.
    pub status: ExitStatus,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
    /// Whether it was killed for running past its time limit.
    pub timed_out: bool,
}

impl Output {
    /// A one-line description of how the process ended: `exit 3`, `signal 11`, or
    /// `timed out after 60 s`.
    pub fn describe(&self, timeout: Duration) -> String {
        if self.timed_out {
            format!("timed out after {} s", timeout.as_secs())
        } else {
            describe_status(self.status)
        }
    }

    /// Stderr as text, for messages.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// `exit N` for a normal exit, `signal N` for a death by signal.
pub fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(sig)) => format!("signal {sig}"),
        (None, None) => format!("{status}"),
    }
}

/// Runs `cmd` with `stdin` as its input (or `/dev/null`), capturing stdout and
/// stderr. The command runs in its own process group; when it runs past `timeout` the
/// whole group is killed and [`Output::timed_out`] is set.
///
/// # Errors
/// When the command cannot be started.
pub fn run_with_timeout(
    cmd: &mut Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<Output, String> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let stdin_writer = match (stdin, child.stdin.take()) {
        (Some(bytes), Some(mut pipe)) => {
            let bytes = bytes.to_vec();
            // A program that exits without reading its input makes this fail with EPIPE,
            // which is not an error of the test.
            Some(thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            }))
        }
        _ => None,
    };
    let stdout_reader = spawn_reader(child.stdout.take());
    let stderr_reader = spawn_reader(child.stderr.take());
    let (status, timed_out) = wait_with_deadline(&mut child, timeout)?;
    if let Some(writer) = stdin_writer {
        let _ = writer.join();
    }
    Ok(Output {
        status,
        stdout: stdout_reader.join().unwrap_or_default(),
        stderr: stderr_reader.join().unwrap_or_default(),
        timed_out,
    })
}

fn spawn_reader<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

fn wait_with_deadline(child: &mut Child, timeout: Duration) -> Result<(ExitStatus, bool), String> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("wait failed: {e}"))? {
            return Ok((status, false));
        }
        if Instant::now() >= deadline {
            let pgid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
            // SAFETY: kill(2) with a negative pid signals the process group the child
            // leads (it was started with `process_group(0)`); no memory is involved.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            let status = child.wait().map_err(|e| format!("wait failed: {e}"))?;
            return Ok((status, true));
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Compiles a C file to an object with `cc -c -O2`.
///
/// # Errors
/// The compiler's diagnostics when it fails.
pub fn compile_c(source: &Path, object: &Path) -> Result<(), String> {
    let mut cmd = Command::new("cc");
    cmd.arg("-c").arg("-O2").arg(source).arg("-o").arg(object);
    let out = run_with_timeout(&mut cmd, None, BUILD_TIMEOUT)?;
    if out.status.success() && !out.timed_out {
        Ok(())
    } else {
        Err(format!(
            "cc -c {} failed ({}): {}",
            source.display(),
            out.describe(BUILD_TIMEOUT),
            out.stderr_text().trim_end()
        ))
    }
}

/// Compares an output stream with its expected bytes. Returns `None` when equal, else
/// a short summary: the first differing line of each, and both lengths.
pub fn compare_exact(stream: &str, expected: &[u8], actual: &[u8]) -> Option<String> {
    if expected == actual {
        return None;
    }
    let exp = String::from_utf8_lossy(expected);
    let act = String::from_utf8_lossy(actual);
    let mut exp_lines = exp.split_inclusive('\n');
    let mut act_lines = act.split_inclusive('\n');
    let mut line = 1;
    loop {
        match (exp_lines.next(), act_lines.next()) {
            (Some(e), Some(a)) if e == a => line += 1,
            (e, a) => {
                return Some(format!(
                    "{stream} differs at line {line}: expected {:?}, got {:?} \
                     ({} bytes expected, {} bytes got)",
                    e.unwrap_or("<end>"),
                    a.unwrap_or("<end>"),
                    expected.len(),
                    actual.len()
                ))
            }
        }
    }
}

/// One named check: a closure that returns `Err(summary)` when the check fails.
pub struct Check {
    /// The name printed on the result line.
    pub name: String,
    /// The work; runs on a worker thread.
    pub run: Box<dyn FnOnce() -> Result<(), String> + Send>,
}

impl Check {
    /// Wraps a closure as a named check.
    pub fn new(
        name: impl Into<String>,
        run: impl FnOnce() -> Result<(), String> + Send + 'static,
    ) -> Check {
        Check {
            name: name.into(),
            run: Box::new(run),
        }
    }
}

/// Number of worker threads: `$WASI_AOT_TEST_THREADS`, or the available parallelism.
fn worker_count() -> usize {
    std::env::var("WASI_AOT_TEST_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .or_else(|| thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(2)
}

/// What a runner's checks need: the `wasi-aot` binary and a private work directory.
pub struct Setup {
    /// The `wasi-aot` binary (see [`wasi_aot_bin`]).
    pub bin: PathBuf,
    /// A fresh directory for work files, removed after the run (see [`WorkDir`]).
    pub work: PathBuf,
}

/// The `main` of a runner: locates the binary, creates the work directory, asks `list`
/// for the checks, keeps those whose name contains one of the command-line arguments
/// (all when there are none; arguments starting with `-` are ignored) and runs them
/// with [`run_checks`]. A failure before any check can run is reported as one failed
/// check named `setup`.
pub fn runner_main(
    name: &str,
    list: impl FnOnce(&Setup) -> Result<Vec<Check>, String>,
) -> ExitCode {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let bin = match wasi_aot_bin() {
        Ok(bin) => bin,
        Err(why) => return fail_setup(&why),
    };
    let work = match WorkDir::new(&format!("wasi-aot-{name}-")) {
        Ok(work) => work,
        Err(why) => return fail_setup(&why),
    };
    let setup = Setup {
        bin,
        work: work.path().to_path_buf(),
    };
    let checks = match list(&setup) {
        Ok(checks) => checks,
        Err(why) => return fail_setup(&why),
    };
    let checks = checks
        .into_iter()
        .filter(|c| filters.is_empty() || filters.iter().any(|f| c.name.contains(f.as_str())))
        .collect();
    // `work` lives until every check has finished.
    run_checks(checks)
}

/// Runs every check on worker threads, printing `ok NAME` or `FAIL NAME: summary` as
/// each finishes, then the failures again in name order and the closing
/// `N passed, N failed` line. A check that panics counts as failed.
///
/// Returns the process exit code: failure when any check failed or there were none.
pub fn run_checks(checks: Vec<Check>) -> ExitCode {
    let total = checks.len();
    let queue = Mutex::new(checks.into_iter());
    let failures = Mutex::new(Vec::<(String, String)>::new());
    let passed = AtomicUsize::new(0);
    let workers = worker_count().min(total.max(1));
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some(check) = next else { break };
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check.run))
                    .unwrap_or_else(|_| Err("the check panicked".to_string()));
                let mut failures = failures.lock().unwrap_or_else(|e| e.into_inner());
                match result {
                    Ok(()) => {
                        passed.fetch_add(1, Ordering::Relaxed);
                        println!("ok   {}", check.name);
                    }
                    Err(why) => {
                        println!("FAIL {}: {why}", check.name);
                        failures.push((check.name, why));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort();
    if !failures.is_empty() {
        println!("\nfailures:");
        for (name, why) in &failures {
            println!("  {name}: {why}");
        }
    }
    finish(
        passed.into_inner(),
        failures.len() + usize::from(total == 0),
    )
}

/// Reports a failure that stops a runner before any check can run (a missing binary or
/// suite) in the same format as [`run_checks`].
fn fail_setup(why: &str) -> ExitCode {
    println!("FAIL setup: {why}");
    finish(0, 1)
}

fn finish(passed: usize, failed: usize) -> ExitCode {
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_reports_first_differing_line() {
        assert_eq!(compare_exact("stdout", b"a\nb\n", b"a\nb\n"), None);
        let diff = compare_exact("stdout", b"a\nb\nc\n", b"a\nx\nc\n").unwrap();
        assert!(
            diff.starts_with("stdout differs at line 2: expected \"b\\n\", got \"x\\n\""),
            "{diff}"
        );
        let diff = compare_exact("stderr", b"a\n", b"a\nmore\n").unwrap();
        assert!(
            diff.contains("line 2: expected \"<end>\", got \"more\\n\""),
            "{diff}"
        );
    }

    #[test]
    fn timeout_kills_the_process_group() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 30 & sleep 30"]);
        let start = Instant::now();
        let out = run_with_timeout(&mut cmd, None, Duration::from_millis(200)).unwrap();
        assert!(out.timed_out);
        // The grandchild `sleep` held the pipes open; killing the group closes them.
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn stdin_is_passed_and_outputs_captured() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "cat; echo err >&2; exit 3"]);
        let out = run_with_timeout(&mut cmd, Some(b"in\n"), RUN_TIMEOUT).unwrap();
        assert_eq!(out.stdout, b"in\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.describe(RUN_TIMEOUT), "exit 3");
    }
}
