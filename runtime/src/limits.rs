//! Resource limits fixed when an executable is built: the wall-clock timeout
//! (`--timeout`); and the executable's process setup for host-side failures (a write
//! to a closed pipe is the guest's `EPIPE`, not a `SIGPIPE` death). The memory limit (`--max-memory`) is
//! [`InstanceOptions::max_memory_pages`](crate::instance::InstanceOptions) and the wasm
//! stack limit (`--max-stack`) is `InstanceOptions::max_wasm_stack`.

use std::time::Duration;

/// The exit status of a program stopped by its timeout (as `timeout(1)`'s).
pub const TIMEOUT_EXIT_STATUS: i32 = 124;

/// Ignores `SIGPIPE` in an executable, so that writing to a pipe whose reader has gone
/// fails with `EPIPE`, which the guest sees as `errno::PIPE`, instead of killing the
/// process. (Not for library mode: the embedding program owns its signal dispositions.)
pub fn ignore_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_IGN involves no memory.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// Starts a watchdog thread that ends the process after `seconds` of wall-clock time,
/// printing `error: wasm program timed out after N s` and exiting with
/// [`TIMEOUT_EXIT_STATUS`]. Does nothing when `seconds` is 0.
///
/// # Errors
/// When the thread cannot be started.
pub fn start_timeout(seconds: u64) -> Result<(), String> {
    if seconds == 0 {
        return Ok(());
    }
    std::thread::Builder::new()
        .name("wasi-aot-timeout".into())
        .stack_size(64 << 10)
        .spawn(move || {
            std::thread::sleep(Duration::from_secs(seconds));
            let message = format!("error: wasm program timed out after {seconds} s\n");
            // SAFETY: write(2) reads `message`, which outlives the call; _exit(2) ends
            // the process without running destructors other threads may be using.
            unsafe {
                libc::write(2, message.as_ptr().cast(), message.len());
                libc::_exit(TIMEOUT_EXIT_STATUS);
            }
        })
        .map(|_| ())
        .map_err(|e| format!("cannot start the timeout thread: {e}"))
}
