//! WASI preview1 host functions (and the legacy `wasi_unstable` variants).
//!
//! Layout: [`types`] (errno numbers, rights, flags, struct layouts), [`memory`] (checked
//! guest memory access), one file per concern for the functions themselves (`args`,
//! `clock`, `random`, `fd`, `path`, `poll`, `proc`, `sock`), and `exports`, the only
//! place with unsafe code, which defines the `extern "C"` symbols generated code calls
//! and hands each call to a safe inner function.
//!
//! The sandbox: every path a guest names is resolved by the kernel beneath a directory
//! handle (`cap-std`, which uses `openat2(RESOLVE_BENEATH)` or a component-wise
//! `O_NOFOLLOW` walk), never by inspecting the string.

pub mod args;
pub mod clock;
mod exports;
pub mod fd;
pub mod memory;
pub mod path;
pub mod poll;
pub mod proc;
pub mod random;
pub mod sock;
pub mod types;

use fd::{Entry, FdTable};
use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::path::PathBuf;

/// What a WASI instance is given: arguments, environment, preopened directories and
/// the host descriptors behind its stdio.
#[derive(Clone, Debug)]
pub struct WasiConfig {
    /// Command-line arguments, `argv[0]` included.
    pub args: Vec<Vec<u8>>,
    /// Environment variables as `(name, value)`.
    pub env: Vec<(Vec<u8>, Vec<u8>)>,
    /// Preopened directories as `(host path, guest name)`; guest fds 3.. in order.
    pub preopens: Vec<(PathBuf, String)>,
    /// Host descriptor behind guest fd 0 (borrowed: must stay open while the context
    /// lives; the runtime never closes it).
    pub stdin: RawFd,
    /// Host descriptor behind guest fd 1 (borrowed, as `stdin`).
    pub stdout: RawFd,
    /// Host descriptor behind guest fd 2 (borrowed, as `stdin`).
    pub stderr: RawFd,
}

impl Default for WasiConfig {
    fn default() -> WasiConfig {
        WasiConfig {
            args: Vec::new(),
            env: Vec::new(),
            preopens: Vec::new(),
            stdin: 0,
            stdout: 1,
            stderr: 2,
        }
    }
}

/// Per-instance WASI state.
pub struct WasiCtx {
    /// Arguments, each without terminator.
    pub(crate) args: Vec<Vec<u8>>,
    /// Environment entries encoded `NAME=VALUE`, without terminator.
    pub(crate) env: Vec<Vec<u8>>,
    /// The descriptor table.
    pub(crate) table: FdTable,
}

impl WasiCtx {
    /// Builds the state for one instance: stdio at fds 0–2 (duplicates of the configured
    /// host descriptors, so the guest closing them leaves the host's open), then each
    /// preopen at 3.. in order. Relative preopen paths resolve against the current
    /// directory now.
    ///
    /// # Errors
    /// A preopen that cannot be opened as a directory (the message names its path), or
    /// a failure to duplicate a stdio descriptor other than it being closed (a closed
    /// stdio descriptor just leaves that guest fd empty).
    pub fn new(config: WasiConfig) -> io::Result<WasiCtx> {
        let mut table = FdTable::default();
        for (guest, raw) in [config.stdin, config.stdout, config.stderr]
            .into_iter()
            .enumerate()
        {
            if let Some(entry) = stdio_entry(raw)? {
                table.set(guest as u32, entry);
            }
        }
        for (host, guest) in &config.preopens {
            let dir = cap_std::fs::Dir::open_ambient_dir(host, cap_std::ambient_authority())
                .map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("cannot open preopen directory {}: {e}", host.display()),
                    )
                })?;
            let entry = Entry::dir(
                dir,
                Some(guest.as_bytes().to_vec()),
                types::rights::DIRECTORY,
                types::rights::DIRECTORY_INHERITING,
            )?;
            table
                .push(entry)
                .map_err(|_| io::Error::other("too many preopens"))?;
        }
        let env = config
            .env
            .iter()
            .map(|(k, v)| [k.as_slice(), b"=", v.as_slice()].concat())
            .collect();
        Ok(WasiCtx {
            args: config.args,
            env,
            table,
        })
    }
}

/// The entry for a stdio descriptor: a close-on-exec duplicate of `raw`, or `None` if
/// `raw` is not open (a program started with a closed stdout still runs).
fn stdio_entry(raw: RawFd) -> io::Result<Option<Entry>> {
    if raw < 0 {
        return Ok(None);
    }
    // SAFETY: `WasiConfig` documents its stdio descriptors as borrowed and open for the
    // life of the context; the borrow is used only to duplicate it, right here, and a
    // descriptor that turns out closed makes `fcntl` fail with EBADF (handled below)
    // rather than touch anything else.
    let borrowed = unsafe { BorrowedFd::borrow_raw(raw) };
    match rustix::io::fcntl_dupfd_cloexec(borrowed, 3) {
        Ok(owned) => Entry::from_owned(owned).map(Some),
        Err(rustix::io::Errno::BADF) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::memory::GuestMemory;
    use super::types::rights;
    use super::*;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh directory `<tmp>/wasi-aot-<pid>-<n>-<tag>` holding `outside/secret`
    /// (which a sandbox must never touch) and `root/` (the preopen). Returns a guard
    /// that removes the tree when the test ends, and the root path.
    pub fn scratch_dir(tag: &str) -> (Cleanup, PathBuf) {
        static N: AtomicU32 = AtomicU32::new(0);
        let base = std::env::temp_dir().join(format!(
            "wasi-aot-{}-{}-{tag}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("outside")).unwrap();
        std::fs::write(base.join("outside/secret"), b"secret").unwrap();
        std::fs::create_dir_all(base.join("root")).unwrap();
        let root = base.join("root");
        (Cleanup(base), root)
    }

    /// Removes a scratch tree when a test ends (pass or fail).
    pub struct Cleanup(pub PathBuf);

    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A context whose fd 3 is `root`, preopened as `/sandbx`.
    pub fn ctx_with_dir(root: &Path) -> WasiCtx {
        WasiCtx::new(WasiConfig {
            preopens: vec![(root.to_path_buf(), "/sandbx".to_string())],
            ..WasiConfig::default()
        })
        .unwrap()
    }

    /// Opens `name` under `dirfd` with `oflags` and `base` rights; panics on failure.
    pub fn open(
        ctx: &mut WasiCtx,
        mem: &mut GuestMemory<'_>,
        dirfd: u32,
        name: &str,
        oflags: u16,
        base: u64,
    ) -> u32 {
        try_open(ctx, mem, dirfd, 0, name, oflags, base).unwrap()
    }

    /// `path_open` with the path placed at the end of guest memory and the new fd
    /// stored just before it.
    pub fn try_open(
        ctx: &mut WasiCtx,
        mem: &mut GuestMemory<'_>,
        dirfd: u32,
        lookup: u32,
        name: &str,
        oflags: u16,
        base: u64,
    ) -> Result<u32, types::Errno> {
        let at = (mem.len() - name.len() - 8) as u32 & !7;
        mem.write_bytes(at, name.as_bytes()).unwrap();
        let out = at - 8;
        path::path_open(
            ctx,
            mem,
            dirfd,
            lookup,
            at,
            name.len() as u32,
            oflags,
            base,
            rights::DIRECTORY_INHERITING,
            0,
            out,
        )?;
        Ok(mem.read_u32(out).unwrap())
    }

    #[test]
    fn config_defaults_are_stdio() {
        let c = WasiConfig::default();
        assert_eq!((c.stdin, c.stdout, c.stderr), (0, 1, 2));
        assert!(c.args.is_empty() && c.env.is_empty() && c.preopens.is_empty());
    }

    #[test]
    fn preopens_take_fds_from_three_and_errors_name_the_path() {
        let (guard, root) = scratch_dir("ctxnew");
        let base = guard.0.clone();
        let ctx = WasiCtx::new(WasiConfig {
            preopens: vec![
                (root.clone(), "/a".into()),
                (base.join("outside"), "/b".into()),
            ],
            ..WasiConfig::default()
        })
        .unwrap();
        assert!(ctx.table.get(3).unwrap().as_dir().is_ok());
        assert!(ctx.table.get(4).unwrap().as_dir().is_ok());
        assert!(ctx.table.get(5).is_err());

        let missing = base.join("no-such-dir");
        let err = WasiCtx::new(WasiConfig {
            preopens: vec![(missing.clone(), "/x".into())],
            ..WasiConfig::default()
        })
        .err()
        .unwrap();
        assert!(err.to_string().contains(&missing.display().to_string()));
    }

    #[test]
    fn closed_stdio_leaves_a_hole() {
        let (r, w) = rustix::pipe::pipe().unwrap();
        use std::os::fd::AsRawFd;
        let ctx = WasiCtx::new(WasiConfig {
            stdin: -1,
            stdout: w.as_raw_fd(),
            stderr: r.as_raw_fd(),
            ..WasiConfig::default()
        })
        .unwrap();
        assert!(ctx.table.get(0).is_err());
        assert!(ctx.table.get(1).is_ok());
        assert!(ctx.table.get(2).is_ok());
    }
}
