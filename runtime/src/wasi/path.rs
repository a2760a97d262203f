//! The `path_*` functions.
//!
//! Every path is resolved by `cap-std` beneath the directory handle of its descriptor,
//! with the kernel doing the resolution (`openat2` with `RESOLVE_BENEATH` where
//! available, else a component-by-component `openat(O_NOFOLLOW)` walk that expands
//! symlinks itself). `..` past the root, absolute paths and symlinks that lead outside
//! (directly, through chains, or dangling) fail with `PERM`, as in wasmtime; loops with
//! `LOOP`. No function here inspects a path string to decide what is allowed.

use super::fd::{write_filestat, Entry, TimeSpec};
use super::memory::GuestMemory;
use super::types::{
    fdflags, filetype, lookupflags, oflags, rights, Abi, Errno, Filestat, WasiResult,
};
use super::WasiCtx;
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt};
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

/// Reads a guest path. A NUL byte cannot be passed to the kernel and would silently
/// shorten the path, so it is `INVAL`.
fn read_path(mem: &GuestMemory<'_>, ptr: u32, len: u32) -> WasiResult<PathBuf> {
    let bytes = mem.string(ptr, len)?;
    if bytes.contains(&0) {
        return Err(Errno::INVAL);
    }
    Ok(PathBuf::from(OsString::from_vec(bytes)))
}

/// The directory behind `fd` after checking it holds `needed`.
fn dir_with(ctx: &WasiCtx, fd: u32, needed: u64) -> WasiResult<&Dir> {
    let entry = ctx.table.get(fd)?;
    let dir = entry.as_dir()?;
    entry.require(needed)?;
    Ok(dir)
}

/// `path_open`: opens a file or directory beneath `dirfd` and stores the new fd.
///
/// The host descriptor is opened for reading and/or writing according to the rights
/// asked for (writing also when creating or truncating, which the kernel requires).
/// The new descriptor's rights are those asked for, limited to the parent's inheriting
/// rights and to what its type supports.
#[allow(clippy::too_many_arguments)]
pub fn path_open(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    dirfd: u32,
    dirflags: u32,
    path: u32,
    path_len: u32,
    oflag_bits: u16,
    base: u64,
    inheriting: u64,
    fdflag_bits: u16,
    opened_fd: u32,
) -> WasiResult<()> {
    let path = read_path(mem, path, path_len)?;
    mem.write_u32(opened_fd, 0)?;
    if oflag_bits & !oflags::ALL != 0 || fdflag_bits & !fdflags::ALL != 0 {
        return Err(Errno::INVAL);
    }
    let parent = ctx.table.get(dirfd)?;
    let dir = parent.as_dir()?;
    let mut needed = rights::PATH_OPEN;
    if oflag_bits & oflags::CREAT != 0 {
        needed |= rights::PATH_CREATE_FILE;
    }
    parent.require(needed)?;
    if oflag_bits & oflags::TRUNC != 0 && parent.base & rights::PATH_FILESTAT_SET_SIZE == 0 {
        // What wasmtime answers, and what the WASI testsuite checks.
        return Err(Errno::PERM);
    }
    let base = base & parent.inheriting;
    let inheriting = inheriting & parent.inheriting;
    let follow = dirflags & lookupflags::SYMLINK_FOLLOW != 0;

    let entry = if oflag_bits & oflags::DIRECTORY != 0 {
        if oflag_bits & (oflags::CREAT | oflags::EXCL | oflags::TRUNC) != 0 {
            return Err(Errno::INVAL);
        }
        if base & rights::NEED_WRITE != 0 {
            return Err(Errno::ISDIR);
        }
        let child = if follow {
            dir.open_dir(&path)?
        } else {
            dir.open_dir_nofollow(&path)?
        };
        Entry::dir(child, None, base & rights::DIRECTORY, inheriting)?
    } else {
        let write =
            base & rights::NEED_WRITE != 0 || oflag_bits & (oflags::CREAT | oflags::TRUNC) != 0;
        let read = base & rights::NEED_READ != 0 || !write;
        let mut opts = OpenOptions::new();
        opts.read(read).write(write).maybe_dir(true);
        if oflag_bits & oflags::CREAT != 0 {
            if oflag_bits & oflags::EXCL != 0 {
                opts.create_new(true);
            } else {
                opts.create(true);
            }
        }
        if oflag_bits & oflags::TRUNC != 0 {
            opts.truncate(true);
        }
        opts.follow(if follow {
            FollowSymlinks::Yes
        } else {
            FollowSymlinks::No
        });
        // O_APPEND goes in as a raw flag: cap-std, like std, refuses `append` together
        // with `truncate`, which POSIX `open` (and wasi-libc) allow.
        let mut custom = 0;
        if fdflag_bits & fdflags::APPEND != 0 {
            custom |= libc::O_APPEND;
        }
        if fdflag_bits & fdflags::NONBLOCK != 0 {
            custom |= libc::O_NONBLOCK;
        }
        if fdflag_bits & fdflags::DSYNC != 0 {
            custom |= libc::O_DSYNC;
        }
        if fdflag_bits & fdflags::SYNC != 0 {
            custom |= libc::O_SYNC;
        }
        if fdflag_bits & fdflags::RSYNC != 0 {
            custom |= libc::O_RSYNC;
        }
        opts.custom_flags(custom);
        let file = dir.open_with(&path, &opts)?.into_std();
        let st = rustix::fs::fstat(&file)?;
        let ft = filetype::from_mode(st.st_mode);
        if ft == filetype::DIRECTORY {
            Entry::dir(
                Dir::from_std_file(file),
                None,
                base & rights::DIRECTORY,
                inheriting,
            )?
        } else {
            let mut entry = Entry::from_owned(file.into())?;
            entry.base &= base;
            entry.inheriting = inheriting;
            entry
        }
    };
    let fd = ctx.table.push(entry)?;
    mem.write_u32(opened_fd, fd)
}

/// Runs a single-path operation on the directory behind `fd` after checking `needed`.
fn at_path(
    ctx: &WasiCtx,
    mem: &GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
    needed: u64,
    op: impl FnOnce(&Dir, &Path) -> std::io::Result<()>,
) -> WasiResult<()> {
    let path = read_path(mem, path, path_len)?;
    op(dir_with(ctx, fd, needed)?, &path)?;
    Ok(())
}

/// `path_create_directory`.
pub fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let right = rights::PATH_CREATE_DIRECTORY;
    at_path(ctx, mem, fd, path, path_len, right, |d, p| d.create_dir(p))
}

/// `path_remove_directory`: removes an empty directory.
pub fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let right = rights::PATH_REMOVE_DIRECTORY;
    at_path(ctx, mem, fd, path, path_len, right, |d, p| d.remove_dir(p))
}

/// `path_unlink_file`: removes a file or symlink (never its target).
pub fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let right = rights::PATH_UNLINK_FILE;
    at_path(ctx, mem, fd, path, path_len, right, |d, p| d.remove_file(p))
}

/// `path_filestat_get` in the layout of `abi`.
#[allow(clippy::too_many_arguments)]
pub fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    abi: Abi,
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    out: u32,
) -> WasiResult<()> {
    let path = read_path(mem, path, path_len)?;
    let dir = dir_with(ctx, fd, rights::PATH_FILESTAT_GET)?;
    let md = if flags & lookupflags::SYMLINK_FOLLOW != 0 {
        dir.metadata(&path)?
    } else {
        dir.symlink_metadata(&path)?
    };
    write_filestat(mem, abi, out, &Filestat::from_metadata(&md))
}

/// The `cap-fs-ext` form of a time to set.
fn time_spec(t: Option<TimeSpec>) -> Option<cap_fs_ext::SystemTimeSpec> {
    t.map(|t| match t {
        TimeSpec::Now => cap_fs_ext::SystemTimeSpec::SymbolicNow,
        TimeSpec::At(ns) => {
            cap_fs_ext::SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(
                std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns),
            ))
        }
    })
}

/// `path_filestat_set_times`.
#[allow(clippy::too_many_arguments)]
pub fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    atim: u64,
    mtim: u64,
    fst: u16,
) -> WasiResult<()> {
    let path = read_path(mem, path, path_len)?;
    let (a, m) = super::fd::timestamps(atim, mtim, fst)?;
    let dir = dir_with(ctx, fd, rights::PATH_FILESTAT_SET_TIMES)?;
    if flags & lookupflags::SYMLINK_FOLLOW != 0 {
        dir.set_times(&path, time_spec(a), time_spec(m))?;
    } else {
        dir.set_symlink_times(&path, time_spec(a), time_spec(m))?;
    }
    Ok(())
}

/// `path_link`: a hard link. Following a symlink at the source is not offered (as in
/// wasmtime): `INVAL`.
#[allow(clippy::too_many_arguments)]
pub fn path_link(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let old = read_path(mem, old_path, old_len)?;
    let new = read_path(mem, new_path, new_len)?;
    let src = dir_with(ctx, old_fd, rights::PATH_LINK_SOURCE)?;
    let dst = dir_with(ctx, new_fd, rights::PATH_LINK_TARGET)?;
    if old_flags & lookupflags::SYMLINK_FOLLOW != 0 {
        return Err(Errno::INVAL);
    }
    src.hard_link(&old, dst, &new)?;
    Ok(())
}

/// `path_rename`.
#[allow(clippy::too_many_arguments)]
pub fn path_rename(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let old = read_path(mem, old_path, old_len)?;
    let new = read_path(mem, new_path, new_len)?;
    let src = dir_with(ctx, old_fd, rights::PATH_RENAME_SOURCE)?;
    let dst = dir_with(ctx, new_fd, rights::PATH_RENAME_TARGET)?;
    src.rename(&old, dst, &new)?;
    Ok(())
}

/// `path_symlink`: creates `new_path` beneath `fd` pointing at `old_path`. The target
/// is only text until something follows it, and following is sandboxed; absolute
/// targets are refused anyway (cap-std's rule, as in wasmtime).
pub fn path_symlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_path: u32,
    old_len: u32,
    fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult<()> {
    let old = read_path(mem, old_path, old_len)?;
    let new = read_path(mem, new_path, new_len)?;
    DirExt::symlink(dir_with(ctx, fd, rights::PATH_SYMLINK)?, &old, &new)?;
    Ok(())
}

/// `path_readlink`: copies the link's contents (cut to `buf_len`) and stores the
/// number of bytes copied.
#[allow(clippy::too_many_arguments)]
pub fn path_readlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> WasiResult<()> {
    let path = read_path(mem, path, path_len)?;
    mem.range(buf, buf_len)?;
    mem.write_u32(bufused, 0)?;
    let target = dir_with(ctx, fd, rights::PATH_READLINK)?.read_link(&path)?;
    let bytes = target.into_os_string().into_vec();
    let n = bytes.len().min(buf_len as usize);
    mem.write_bytes(buf, &bytes[..n])?;
    mem.write_u32(bufused, n as u32)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ctx_with_dir, open, scratch_dir, try_open};
    use super::*;
    use std::os::unix::fs::symlink;

    /// Places `s` in guest memory at `at`; returns `(ptr, len)`.
    fn put(mem: &mut GuestMemory<'_>, at: u32, s: &str) -> (u32, u32) {
        mem.write_bytes(at, s.as_bytes()).unwrap();
        (at, s.len() as u32)
    }

    /// A listing of a host directory tree with file contents, to prove nothing changed.
    fn snapshot(p: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![p.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let path = e.unwrap().path();
                let md = std::fs::symlink_metadata(&path).unwrap();
                if md.is_dir() {
                    stack.push(path.clone());
                    out.push((path, Vec::new()));
                } else if md.is_file() {
                    out.push((path.clone(), std::fs::read(&path).unwrap()));
                } else {
                    out.push((path, b"<link>".to_vec()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn open_create_stat_and_remove() {
        let (_guard, root) = scratch_dir("pathops");
        let mut ctx = ctx_with_dir(&root);
        let mut backing = vec![0u8; 1024];
        let mut mem = GuestMemory::new(&mut backing);

        let (p, l) = put(&mut mem, 0, "d");
        path_create_directory(&mut ctx, &mut mem, 3, p, l).unwrap();
        assert_eq!(
            path_create_directory(&mut ctx, &mut mem, 3, p, l),
            Err(Errno::EXIST)
        );
        let fd = open(&mut ctx, &mut mem, 3, "d/f", oflags::CREAT, rights::FILE);
        assert!(fd >= 4);
        assert!(root.join("d/f").is_file());
        assert_eq!(
            try_open(
                &mut ctx,
                &mut mem,
                3,
                0,
                "d/f",
                oflags::CREAT | oflags::EXCL,
                0
            ),
            Err(Errno::EXIST)
        );
        assert_eq!(
            try_open(&mut ctx, &mut mem, 3, 0, "d/missing", 0, 0),
            Err(Errno::NOENT)
        );
        assert_eq!(
            try_open(&mut ctx, &mut mem, 3, 0, "d/f", oflags::DIRECTORY, 0),
            Err(Errno::NOTDIR)
        );
        assert_eq!(
            try_open(&mut ctx, &mut mem, 3, 0, "d/f/", 0, 0),
            Err(Errno::NOTDIR)
        );
        assert_eq!(
            try_open(&mut ctx, &mut mem, 3, 0, "d/f\0", 0, 0),
            Err(Errno::INVAL)
        );
        assert_eq!(
            try_open(&mut ctx, &mut mem, fd, 0, "x", 0, 0),
            Err(Errno::NOTDIR)
        );
        assert_eq!(
            try_open(
                &mut ctx,
                &mut mem,
                3,
                0,
                ".",
                oflags::DIRECTORY,
                rights::FD_READ | rights::FD_WRITE
            ),
            Err(Errno::ISDIR)
        );
        // A directory opened by path is a directory descriptor with directory rights.
        let sub = open(&mut ctx, &mut mem, 3, "d/", 0, rights::DIRECTORY);
        let sub_entry = ctx.table.get(sub).unwrap();
        assert!(sub_entry.as_dir().is_ok());
        assert_eq!(sub_entry.base & rights::FD_WRITE, 0);
        let f2 = open(&mut ctx, &mut mem, sub, "f", 0, rights::FD_READ);
        assert_eq!(ctx.table.get(f2).unwrap().base, rights::FD_READ);

        let (p, l) = put(&mut mem, 0, "d/f");
        path_filestat_get(&mut ctx, &mut mem, Abi::Preview1, 3, 0, p, l, 64).unwrap();
        assert_eq!(mem.slice(64 + 16, 1).unwrap()[0], filetype::REGULAR_FILE);
        path_filestat_set_times(&mut ctx, &mut mem, 3, 0, p, l, 3_000_000_000, 0, 1 | 8).unwrap();
        path_filestat_get(&mut ctx, &mut mem, Abi::Snapshot0, 3, 0, p, l, 128).unwrap();
        assert_eq!(
            mem.read_u64(128 + 32).unwrap(),
            3_000_000_000,
            "snapshot0 atim"
        );

        let (q, m) = put(&mut mem, 16, "d/g");
        path_rename(&mut ctx, &mut mem, 3, p, l, 3, q, m).unwrap();
        assert!(root.join("d/g").is_file() && !root.join("d/f").exists());
        path_link(&mut ctx, &mut mem, 3, 0, q, m, 3, p, l).unwrap();
        assert_eq!(
            path_link(&mut ctx, &mut mem, 3, 1, q, m, 3, p, l),
            Err(Errno::INVAL)
        );
        path_filestat_get(&mut ctx, &mut mem, Abi::Preview1, 3, 0, p, l, 64).unwrap();
        assert_eq!(mem.read_u64(64 + 24).unwrap(), 2, "two links");

        let (s, sl) = put(&mut mem, 32, "d/s");
        let (t, tl) = put(&mut mem, 48, "g");
        path_symlink(&mut ctx, &mut mem, t, tl, 3, s, sl).unwrap();
        path_readlink(&mut ctx, &mut mem, 3, s, sl, 200, 100, 300).unwrap();
        assert_eq!(mem.read_u32(300).unwrap(), 1);
        assert_eq!(mem.slice(200, 1).unwrap(), b"g");
        path_filestat_get(&mut ctx, &mut mem, Abi::Preview1, 3, 0, s, sl, 64).unwrap();
        assert_eq!(mem.slice(64 + 16, 1).unwrap()[0], filetype::SYMBOLIC_LINK);
        path_filestat_get(&mut ctx, &mut mem, Abi::Preview1, 3, 1, s, sl, 64).unwrap();
        assert_eq!(mem.slice(64 + 16, 1).unwrap()[0], filetype::REGULAR_FILE);

        let (d, dl) = put(&mut mem, 0, "d");
        assert_eq!(
            path_remove_directory(&mut ctx, &mut mem, 3, d, dl),
            Err(Errno::NOTEMPTY)
        );
        for name in ["d/f", "d/g", "d/s"] {
            let (p, l) = put(&mut mem, 0, name);
            path_unlink_file(&mut ctx, &mut mem, 3, p, l).unwrap();
        }
        assert!(!root.join("d/g").exists());
        path_remove_directory(&mut ctx, &mut mem, 3, d, dl).unwrap();
        assert!(!root.join("d").exists());
    }

    #[test]
    fn append_with_truncate_opens_in_append_mode() {
        let (_guard, root) = scratch_dir("append");
        std::fs::write(root.join("f"), b"old contents").unwrap();
        let mut ctx = ctx_with_dir(&root);
        let mut backing = vec![0u8; 256];
        let mut mem = GuestMemory::new(&mut backing);
        mem.write_bytes(0, b"tail").unwrap();
        let (p, l) = put(&mut mem, 16, "f");
        path_open(
            &mut ctx,
            &mut mem,
            3,
            0,
            p,
            l,
            oflags::CREAT | oflags::TRUNC,
            rights::FD_WRITE | rights::FD_SEEK,
            0,
            fdflags::APPEND,
            32,
        )
        .unwrap();
        let fd = mem.read_u32(32).unwrap();
        mem.write_u32(40, 0).unwrap();
        mem.write_u32(44, 4).unwrap();
        super::super::fd::fd_write(&mut ctx, &mut mem, fd, 40, 1, 48).unwrap();
        super::super::fd::fd_seek(&mut ctx, &mut mem, Abi::Preview1, fd, 0, 0, 56).unwrap();
        super::super::fd::fd_write(&mut ctx, &mut mem, fd, 40, 1, 48).unwrap();
        assert_eq!(std::fs::read(root.join("f")).unwrap(), b"tailtail");
    }

    #[test]
    fn truncation_needs_the_path_right() {
        let (_guard, root) = scratch_dir("trunc");
        std::fs::write(root.join("f"), b"0123456789").unwrap();
        let mut ctx = ctx_with_dir(&root);
        let mut backing = vec![0u8; 256];
        let mut mem = GuestMemory::new(&mut backing);
        open(&mut ctx, &mut mem, 3, "f", oflags::TRUNC, 0);
        assert_eq!(std::fs::metadata(root.join("f")).unwrap().len(), 0);
        let e = ctx.table.get_mut(3).unwrap();
        e.base &= !rights::PATH_FILESTAT_SET_SIZE;
        assert_eq!(
            try_open(&mut ctx, &mut mem, 3, 0, "f", oflags::TRUNC, 0),
            Err(Errno::PERM)
        );
        let e = ctx.table.get_mut(3).unwrap();
        e.base &= !rights::PATH_OPEN;
        assert_eq!(
            try_open(&mut ctx, &mut mem, 3, 0, "f", 0, 0),
            Err(Errno::NOTCAPABLE)
        );
    }

    #[test]
    fn sandbox_escapes_are_denied_and_touch_nothing() {
        let (guard, root) = scratch_dir("escape");
        let outside = guard.0.join("outside");
        symlink("../outside", root.join("up")).unwrap();
        symlink("../outside/secret", root.join("secret-link")).unwrap();
        symlink("hop2", root.join("hop1")).unwrap();
        symlink("up/secret", root.join("hop2")).unwrap();
        symlink("/etc/passwd", root.join("abs")).unwrap();
        symlink("nowhere", root.join("dangling")).unwrap();
        symlink("loop2", root.join("loop1")).unwrap();
        symlink("loop1", root.join("loop2")).unwrap();
        std::fs::create_dir(root.join("inner")).unwrap();
        let before = snapshot(&guard.0);

        let mut ctx = ctx_with_dir(&root);
        let mut backing = vec![0u8; 1024];
        let mut mem = GuestMemory::new(&mut backing);
        let follow = lookupflags::SYMLINK_FOLLOW;
        let all = rights::FD_READ | rights::FD_WRITE;

        for (path, lookup, want) in [
            ("../outside/secret", 0, Errno::PERM),
            ("inner/../../outside/secret", 0, Errno::PERM),
            ("/etc/passwd", 0, Errno::PERM),
            ("secret-link", follow, Errno::PERM),
            ("up/secret", follow, Errno::PERM),
            ("up/secret", 0, Errno::PERM),
            ("hop1", follow, Errno::PERM),
            ("abs", follow, Errno::PERM),
            ("dangling", follow, Errno::NOENT),
            ("dangling", 0, Errno::LOOP),
            ("secret-link", 0, Errno::LOOP),
            ("loop1", follow, Errno::LOOP),
        ] {
            assert_eq!(
                try_open(&mut ctx, &mut mem, 3, lookup, path, 0, all),
                Err(want),
                "opening {path} (lookup {lookup})"
            );
        }
        // Creating, truncating and writing through an escape fail too.
        for path in ["up/new", "../outside/new", "/tmp/new"] {
            assert_eq!(
                try_open(&mut ctx, &mut mem, 3, follow, path, oflags::CREAT, all),
                Err(Errno::PERM),
                "creating {path}"
            );
        }
        assert_eq!(
            try_open(
                &mut ctx,
                &mut mem,
                3,
                follow,
                "secret-link",
                oflags::TRUNC,
                all
            ),
            Err(Errno::PERM)
        );
        assert_eq!(
            try_open(&mut ctx, &mut mem, 3, 0, "up", oflags::DIRECTORY, 0),
            Err(Errno::NOTDIR),
            "a symlink opened without following is not a directory"
        );
        assert_eq!(
            try_open(&mut ctx, &mut mem, 3, follow, "up", oflags::DIRECTORY, 0),
            Err(Errno::PERM)
        );

        let (p, l) = put(&mut mem, 0, "up/secret");
        let (q, m) = put(&mut mem, 64, "stolen");
        let (o, ol) = put(&mut mem, 128, "../outside/secret");
        let (x, xl) = put(&mut mem, 192, "../outside/dir");
        assert_eq!(
            path_unlink_file(&mut ctx, &mut mem, 3, p, l),
            Err(Errno::PERM)
        );
        assert_eq!(
            path_unlink_file(&mut ctx, &mut mem, 3, o, ol),
            Err(Errno::PERM)
        );
        assert_eq!(
            path_rename(&mut ctx, &mut mem, 3, o, ol, 3, q, m),
            Err(Errno::PERM)
        );
        assert_eq!(
            path_rename(&mut ctx, &mut mem, 3, p, l, 3, q, m),
            Err(Errno::PERM)
        );
        assert_eq!(
            path_link(&mut ctx, &mut mem, 3, 0, o, ol, 3, q, m),
            Err(Errno::PERM)
        );
        assert_eq!(
            path_create_directory(&mut ctx, &mut mem, 3, x, xl),
            Err(Errno::PERM)
        );
        assert_eq!(
            path_remove_directory(&mut ctx, &mut mem, 3, x, xl),
            Err(Errno::PERM)
        );
        assert_eq!(
            path_filestat_get(&mut ctx, &mut mem, Abi::Preview1, 3, 1, p, l, 256),
            Err(Errno::PERM)
        );
        assert_eq!(
            path_filestat_set_times(&mut ctx, &mut mem, 3, 1, p, l, 0, 0, 2),
            Err(Errno::PERM)
        );
        let (s, sl) = put(&mut mem, 320, "/etc/passwd");
        let (n, nl) = put(&mut mem, 352, "newlink");
        assert_eq!(
            path_symlink(&mut ctx, &mut mem, s, sl, 3, n, nl),
            Err(Errno::PERM)
        );
        let (a, al) = put(&mut mem, 384, "abs");
        assert_eq!(
            path_readlink(&mut ctx, &mut mem, 3, a, al, 400, 100, 512),
            Err(Errno::PERM)
        );
        // Moving something out of the sandbox is refused as well.
        let (i, il) = put(&mut mem, 416, "inner");
        assert_eq!(
            path_rename(&mut ctx, &mut mem, 3, i, il, 3, x, xl),
            Err(Errno::PERM)
        );

        assert_eq!(
            snapshot(&guard.0),
            before,
            "nothing outside or inside changed"
        );
        assert_eq!(std::fs::read(outside.join("secret")).unwrap(), b"secret");
    }
}
