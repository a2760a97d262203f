//! Running a child process with a time limit and its output captured.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How a command run by [`run`] ended.
pub struct Finished {
    /// Its exit status; `None` when it was killed for running past the time limit.
    pub status: Option<ExitStatus>,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
}

/// Runs `cmd` with stdin from `/dev/null` and stdout and stderr captured, in its own
/// process group, which is killed as a whole if it is still running after `limit`
/// (so a hung `cc` under `wasi-aot build` goes too).
///
/// # Panics
/// When the command cannot be started or waited for: the fuzz target cannot go on.
pub fn run(cmd: &mut Command, limit: Duration) -> Finished {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
    let stdout = reader(child.stdout.take());
    let stderr = reader(child.stderr.take());
    let status = wait(&mut child, limit);
    Finished {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error leaves what was read so far, which is all a report needs.
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// Waits for `child` until `limit`; past it, kills its process group and returns
/// `None`.
fn wait(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("waiting for a child process") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let group = libc::pid_t::try_from(child.id()).expect("a pid fits pid_t");
            // SAFETY: kill(2) with a negative pid signals the group the child leads (it
            // was started with `process_group(0)` and is not reaped yet, so the id
            // names nothing else); no memory is involved.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
            // The status of a killed child says nothing more than `None` does.
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(2));
    }
}
