//! The `extern "C"` WASI symbols generated code calls: `wasi_snapshot_preview1_NAME`
//! for every preview1 function and `wasi_unstable_NAME` for the snapshot 0 ones (see
//! `wasi_aot_abi::host`). This is the only unsafe code of the WASI layer: each symbol
//! finds its instance through the vmctx, wraps the memory in a checked
//! [`GuestMemory`], converts the core arguments to their witx types and calls the safe
//! implementation, returning its errno.

use super::memory::GuestMemory;
use super::types::{Abi, Errno, WasiResult};
use super::{args, clock, fd, path, poll, proc, random, sock, WasiCtx};

/// Runs `f` against the instance that owns `vmctx`; the errno as the guest sees it.
///
/// # Safety
/// `vmctx` must be the context pointer generated code passed to the calling symbol.
unsafe fn dispatch(
    vmctx: *mut u8,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> WasiResult<()>,
) -> i32 {
    // SAFETY: the caller passes on the vmctx generated code gave its WASI import, which
    // is what `host_context` requires; the borrows it returns live only for this call.
    match unsafe { crate::instance::host_context(vmctx) } {
        Some(host) => {
            let mut mem = GuestMemory::new(host.memory);
            match f(host.wasi, &mut mem) {
                Ok(()) => 0,
                Err(e) => i32::from(e.0),
            }
        }
        None => i32::from(Errno::FAULT.0),
    }
}

/// A witx `u8` passed as an `i32`: other values are `INVAL`, as wasmtime checks.
fn u8_arg(v: i32) -> WasiResult<u8> {
    u8::try_from(v).map_err(|_| Errno::INVAL)
}

/// A witx `u16` passed as an `i32`.
fn u16_arg(v: i32) -> WasiResult<u16> {
    u16::try_from(v).map_err(|_| Errno::INVAL)
}

#[cfg(test)]
macro_rules! host_type {
    (i32) => {
        wasi_aot_abi::host::HostType::I32
    };
    (i64) => {
        wasi_aot_abi::host::HostType::I64
    };
}

/// Defines each listed symbol as a call of its body through [`dispatch`] (symbols that
/// share an entry share the body: the two WASI versions agree on them), and lists the
/// symbols with their core signatures so a test can hold them to the ABI crate's list.
macro_rules! exports {
    ($( [$($sym:ident),+] $args:tt => $body:expr ; )*) => {
        $( exports!(@each [$($sym),+] $args => $body); )*

        /// Every errno-returning symbol defined here, with its parameter types.
        #[cfg(test)]
        fn exported() -> Vec<(&'static str, Vec<wasi_aot_abi::host::HostType>)> {
            [$( exports!(@list [$($sym),+] $args) ),*].concat()
        }
    };
    (@each [$($sym:ident),+] $args:tt => $body:expr) => {
        $( exports!(@one $sym $args => $body); )+
    };
    (@one $sym:ident ($($arg:ident : $ty:ident),*) => $body:expr) => {
        #[doc = concat!("The `", stringify!($sym), "` import.")]
        ///
        /// # Safety
        /// Only generated code calls this, with its own vmctx.
        #[no_mangle]
        pub unsafe extern "C" fn $sym(vmctx: *mut u8, $($arg: $ty),*) -> i32 {
            // SAFETY: `vmctx` comes straight from generated code (this function's
            // contract), which is what `dispatch` needs.
            unsafe { dispatch(vmctx, $body) }
        }
    };
    (@list [$($sym:ident),+] $args:tt) => {
        vec![$( (stringify!($sym), exports!(@types $args)) ),+]
    };
    (@types ($($arg:ident : $ty:ident),*)) => {
        vec![$(host_type!($ty)),*]
    };
}

// Functions whose layouts or numbering differ between the versions (filestat, whence,
// subscription) have one entry per version, passing the matching `Abi`; `sock_accept`
// exists in preview1 only.
exports! {
    [wasi_snapshot_preview1_args_get, wasi_unstable_args_get](argv: i32, buf: i32) =>
        |c, m| args::args_get(c, m, argv as u32, buf as u32);
    [wasi_snapshot_preview1_args_sizes_get, wasi_unstable_args_sizes_get](argc: i32, size: i32) =>
        |c, m| args::args_sizes_get(c, m, argc as u32, size as u32);
    [wasi_snapshot_preview1_environ_get, wasi_unstable_environ_get](env: i32, buf: i32) =>
        |c, m| args::environ_get(c, m, env as u32, buf as u32);
    [wasi_snapshot_preview1_environ_sizes_get, wasi_unstable_environ_sizes_get]
    (count: i32, size: i32) =>
        |c, m| args::environ_sizes_get(c, m, count as u32, size as u32);
    [wasi_snapshot_preview1_clock_res_get, wasi_unstable_clock_res_get](id: i32, out: i32) =>
        |c, m| clock::clock_res_get(c, m, id as u32, out as u32);
    [wasi_snapshot_preview1_clock_time_get, wasi_unstable_clock_time_get]
    (id: i32, precision: i64, out: i32) =>
        |c, m| clock::clock_time_get(c, m, id as u32, precision as u64, out as u32);
    [wasi_snapshot_preview1_fd_advise, wasi_unstable_fd_advise]
    (fd: i32, offset: i64, len: i64, advice: i32) =>
        |c, m| fd::fd_advise(c, m, fd as u32, offset as u64, len as u64, u8_arg(advice)?);
    [wasi_snapshot_preview1_fd_allocate, wasi_unstable_fd_allocate]
    (fd: i32, offset: i64, len: i64) =>
        |c, m| fd::fd_allocate(c, m, fd as u32, offset as u64, len as u64);
    [wasi_snapshot_preview1_fd_close, wasi_unstable_fd_close](fd: i32) =>
        |c, m| fd::fd_close(c, m, fd as u32);
    [wasi_snapshot_preview1_fd_datasync, wasi_unstable_fd_datasync](fd: i32) =>
        |c, m| fd::fd_datasync(c, m, fd as u32);
    [wasi_snapshot_preview1_fd_fdstat_get, wasi_unstable_fd_fdstat_get](fd: i32, out: i32) =>
        |c, m| fd::fd_fdstat_get(c, m, fd as u32, out as u32);
    [wasi_snapshot_preview1_fd_fdstat_set_flags, wasi_unstable_fd_fdstat_set_flags]
    (fd: i32, flags: i32) =>
        |c, m| fd::fd_fdstat_set_flags(c, m, fd as u32, u16_arg(flags)?);
    [wasi_snapshot_preview1_fd_fdstat_set_rights, wasi_unstable_fd_fdstat_set_rights]
    (fd: i32, base: i64, inheriting: i64) =>
        |c, m| fd::fd_fdstat_set_rights(c, m, fd as u32, base as u64, inheriting as u64);
    [wasi_snapshot_preview1_fd_filestat_get](fd: i32, out: i32) =>
        |c, m| fd::fd_filestat_get(c, m, Abi::Preview1, fd as u32, out as u32);
    [wasi_unstable_fd_filestat_get](fd: i32, out: i32) =>
        |c, m| fd::fd_filestat_get(c, m, Abi::Snapshot0, fd as u32, out as u32);
    [wasi_snapshot_preview1_fd_filestat_set_size, wasi_unstable_fd_filestat_set_size]
    (fd: i32, size: i64) =>
        |c, m| fd::fd_filestat_set_size(c, m, fd as u32, size as u64);
    [wasi_snapshot_preview1_fd_filestat_set_times, wasi_unstable_fd_filestat_set_times]
    (fd: i32, atim: i64, mtim: i64, flags: i32) =>
        |c, m| fd::fd_filestat_set_times(
            c, m, fd as u32, atim as u64, mtim as u64, u16_arg(flags)?
        );
    [wasi_snapshot_preview1_fd_pread, wasi_unstable_fd_pread]
    (fd: i32, iovs: i32, n: i32, offset: i64, out: i32) =>
        |c, m| fd::fd_pread(c, m, fd as u32, iovs as u32, n as u32, offset as u64, out as u32);
    [wasi_snapshot_preview1_fd_prestat_get, wasi_unstable_fd_prestat_get](fd: i32, out: i32) =>
        |c, m| fd::fd_prestat_get(c, m, fd as u32, out as u32);
    [wasi_snapshot_preview1_fd_prestat_dir_name, wasi_unstable_fd_prestat_dir_name]
    (fd: i32, buf: i32, len: i32) =>
        |c, m| fd::fd_prestat_dir_name(c, m, fd as u32, buf as u32, len as u32);
    [wasi_snapshot_preview1_fd_pwrite, wasi_unstable_fd_pwrite]
    (fd: i32, iovs: i32, n: i32, offset: i64, out: i32) =>
        |c, m| fd::fd_pwrite(c, m, fd as u32, iovs as u32, n as u32, offset as u64, out as u32);
    [wasi_snapshot_preview1_fd_read, wasi_unstable_fd_read](fd: i32, iovs: i32, n: i32, out: i32) =>
        |c, m| fd::fd_read(c, m, fd as u32, iovs as u32, n as u32, out as u32);
    [wasi_snapshot_preview1_fd_readdir, wasi_unstable_fd_readdir]
    (fd: i32, buf: i32, len: i32, cookie: i64, out: i32) =>
        |c, m| fd::fd_readdir(c, m, fd as u32, buf as u32, len as u32, cookie as u64, out as u32);
    [wasi_snapshot_preview1_fd_renumber, wasi_unstable_fd_renumber](from: i32, to: i32) =>
        |c, m| fd::fd_renumber(c, m, from as u32, to as u32);
    [wasi_snapshot_preview1_fd_seek](fd: i32, offset: i64, whence: i32, out: i32) =>
        |c, m| fd::fd_seek(c, m, Abi::Preview1, fd as u32, offset, u8_arg(whence)?, out as u32);
    [wasi_unstable_fd_seek](fd: i32, offset: i64, whence: i32, out: i32) =>
        |c, m| fd::fd_seek(c, m, Abi::Snapshot0, fd as u32, offset, u8_arg(whence)?, out as u32);
    [wasi_snapshot_preview1_fd_sync, wasi_unstable_fd_sync](fd: i32) =>
        |c, m| fd::fd_sync(c, m, fd as u32);
    [wasi_snapshot_preview1_fd_tell, wasi_unstable_fd_tell](fd: i32, out: i32) =>
        |c, m| fd::fd_tell(c, m, fd as u32, out as u32);
    [wasi_snapshot_preview1_fd_write, wasi_unstable_fd_write]
    (fd: i32, iovs: i32, n: i32, out: i32) =>
        |c, m| fd::fd_write(c, m, fd as u32, iovs as u32, n as u32, out as u32);
    [wasi_snapshot_preview1_path_create_directory, wasi_unstable_path_create_directory]
    (fd: i32, p: i32, len: i32) =>
        |c, m| path::path_create_directory(c, m, fd as u32, p as u32, len as u32);
    [wasi_snapshot_preview1_path_filestat_get](fd: i32, flags: i32, p: i32, len: i32, out: i32) =>
        |c, m| path::path_filestat_get(
            c, m, Abi::Preview1, fd as u32, flags as u32, p as u32, len as u32, out as u32
        );
    [wasi_unstable_path_filestat_get](fd: i32, flags: i32, p: i32, len: i32, out: i32) =>
        |c, m| path::path_filestat_get(
            c, m, Abi::Snapshot0, fd as u32, flags as u32, p as u32, len as u32, out as u32
        );
    [wasi_snapshot_preview1_path_filestat_set_times, wasi_unstable_path_filestat_set_times]
    (fd: i32, flags: i32, p: i32, len: i32, atim: i64, mtim: i64, fst: i32) =>
        |c, m| path::path_filestat_set_times(
            c, m, fd as u32, flags as u32, p as u32, len as u32, atim as u64, mtim as u64,
            u16_arg(fst)?
        );
    [wasi_snapshot_preview1_path_link, wasi_unstable_path_link]
    (old_fd: i32, old_flags: i32, old: i32, old_len: i32, new_fd: i32, new: i32, new_len: i32) =>
        |c, m| path::path_link(
            c, m, old_fd as u32, old_flags as u32, old as u32, old_len as u32, new_fd as u32,
            new as u32, new_len as u32
        );
    [wasi_snapshot_preview1_path_open, wasi_unstable_path_open]
    (
        fd: i32, dirflags: i32, p: i32, len: i32, oflags: i32, base: i64, inheriting: i64,
        fdflags: i32, out: i32
    ) =>
        |c, m| path::path_open(
            c, m, fd as u32, dirflags as u32, p as u32, len as u32, u16_arg(oflags)?, base as u64,
            inheriting as u64, u16_arg(fdflags)?, out as u32
        );
    [wasi_snapshot_preview1_path_readlink, wasi_unstable_path_readlink]
    (fd: i32, p: i32, len: i32, buf: i32, buf_len: i32, out: i32) =>
        |c, m| path::path_readlink(
            c, m, fd as u32, p as u32, len as u32, buf as u32, buf_len as u32, out as u32
        );
    [wasi_snapshot_preview1_path_remove_directory, wasi_unstable_path_remove_directory]
    (fd: i32, p: i32, len: i32) =>
        |c, m| path::path_remove_directory(c, m, fd as u32, p as u32, len as u32);
    [wasi_snapshot_preview1_path_rename, wasi_unstable_path_rename]
    (old_fd: i32, old: i32, old_len: i32, new_fd: i32, new: i32, new_len: i32) =>
        |c, m| path::path_rename(
            c, m, old_fd as u32, old as u32, old_len as u32, new_fd as u32, new as u32,
            new_len as u32
        );
    [wasi_snapshot_preview1_path_symlink, wasi_unstable_path_symlink]
    (old: i32, old_len: i32, fd: i32, new: i32, new_len: i32) =>
        |c, m| path::path_symlink(
            c, m, old as u32, old_len as u32, fd as u32, new as u32, new_len as u32
        );
    [wasi_snapshot_preview1_path_unlink_file, wasi_unstable_path_unlink_file]
    (fd: i32, p: i32, len: i32) =>
        |c, m| path::path_unlink_file(c, m, fd as u32, p as u32, len as u32);
    [wasi_snapshot_preview1_poll_oneoff](subs: i32, events: i32, n: i32, out: i32) =>
        |c, m| poll::poll_oneoff(
            c, m, Abi::Preview1, subs as u32, events as u32, n as u32, out as u32
        );
    [wasi_unstable_poll_oneoff](subs: i32, events: i32, n: i32, out: i32) =>
        |c, m| poll::poll_oneoff(
            c, m, Abi::Snapshot0, subs as u32, events as u32, n as u32, out as u32
        );
    [wasi_snapshot_preview1_proc_raise, wasi_unstable_proc_raise](sig: i32) =>
        |c, m| proc::proc_raise(c, m, u8_arg(sig)?);
    [wasi_snapshot_preview1_random_get, wasi_unstable_random_get](buf: i32, len: i32) =>
        |c, m| random::random_get(c, m, buf as u32, len as u32);
    [wasi_snapshot_preview1_sched_yield, wasi_unstable_sched_yield]() =>
        proc::sched_yield;
    [wasi_snapshot_preview1_sock_accept](fd: i32, flags: i32, out: i32) =>
        |c, m| sock::sock_accept(c, m, fd as u32, u16_arg(flags)?, out as u32);
    [wasi_snapshot_preview1_sock_recv, wasi_unstable_sock_recv]
    (fd: i32, iovs: i32, n: i32, flags: i32, out_len: i32, out_flags: i32) =>
        |c, m| sock::sock_recv(
            c, m, fd as u32, iovs as u32, n as u32, u16_arg(flags)?, out_len as u32,
            out_flags as u32
        );
    [wasi_snapshot_preview1_sock_send, wasi_unstable_sock_send]
    (fd: i32, iovs: i32, n: i32, flags: i32, out: i32) =>
        |c, m| sock::sock_send(c, m, fd as u32, iovs as u32, n as u32, u16_arg(flags)?, out as u32);
    [wasi_snapshot_preview1_sock_shutdown, wasi_unstable_sock_shutdown](fd: i32, how: i32) =>
        |c, m| sock::sock_shutdown(c, m, fd as u32, u8_arg(how)?);
}

/// `proc_exit`: ends the guest with `code` (it never returns to generated code).
///
/// # Safety
/// Only generated code calls this, with its own vmctx.
#[no_mangle]
pub unsafe extern "C" fn wasi_snapshot_preview1_proc_exit(_vmctx: *mut u8, code: i32) -> ! {
    crate::traps::exit_guest(code)
}

/// The snapshot 0 `proc_exit`, identical to preview1's.
///
/// # Safety
/// Only generated code calls this, with its own vmctx.
#[no_mangle]
pub unsafe extern "C" fn wasi_unstable_proc_exit(_vmctx: *mut u8, code: i32) -> ! {
    crate::traps::exit_guest(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasi_aot_abi::host::{
        HostType, WASI_FUNCTIONS, WASI_PREVIEW1, WASI_UNSTABLE, WASI_UNSTABLE_FUNCTIONS,
    };

    /// The ABI crate's list of symbols the runtime must define, with signatures.
    fn expected() -> Vec<(String, Vec<HostType>, bool)> {
        let mut out = Vec::new();
        for &(name, params, returns) in WASI_FUNCTIONS {
            let sym = wasi_aot_abi::host::host_symbol(WASI_PREVIEW1, name);
            out.push((sym, params.to_vec(), returns));
            if WASI_UNSTABLE_FUNCTIONS.contains(&name) {
                let sym = wasi_aot_abi::host::host_symbol(WASI_UNSTABLE, name);
                out.push((sym, params.to_vec(), returns));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn every_abi_symbol_is_defined_with_its_signature() {
        let mut defined: Vec<(String, Vec<HostType>, bool)> = exported()
            .into_iter()
            .map(|(s, p)| (s.to_string(), p, true))
            .collect();
        // proc_exit is defined by hand: it does not return.
        let _: unsafe extern "C" fn(*mut u8, i32) -> ! = wasi_snapshot_preview1_proc_exit;
        let _: unsafe extern "C" fn(*mut u8, i32) -> ! = wasi_unstable_proc_exit;
        for module in [WASI_PREVIEW1, WASI_UNSTABLE] {
            let sym = wasi_aot_abi::host::host_symbol(module, "proc_exit");
            defined.push((sym, vec![HostType::I32], false));
        }
        defined.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(defined, expected());
    }

    #[test]
    fn narrow_arguments_are_checked() {
        assert_eq!(u8_arg(256), Err(Errno::INVAL));
        assert_eq!(u8_arg(-1), Err(Errno::INVAL));
        assert_eq!(u16_arg(-1), Err(Errno::INVAL));
        assert_eq!(u16_arg(0xffff), Ok(0xffff));
    }
}
