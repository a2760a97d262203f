//! The descriptor table and the `fd_*` functions.
//!
//! Every guest descriptor owns a host descriptor: files and sockets as an `OwnedFd`,
//! directories as a `cap_std::fs::Dir` (the handle every path operation beneath it is
//! resolved against). Stdio is a duplicate of the embedder's descriptor, so closing it
//! from the guest never closes the host's 0, 1 or 2, while writes still go to the same
//! open file description in order, unbuffered.
//!
//! Rights follow preview1: each descriptor has base and inheriting rights; `fd_read` and
//! `fd_write` without their right fail with `BADF` (what wasmtime answers), every other
//! missing right with `NOTCAPABLE`.

use super::memory::{iovecs_len, GuestMemory};
use super::types::{
    advice, fdflags, filetype, layout, put_u16, put_u32, put_u64, rights, whence, Abi, Errno,
    Filestat, WasiResult, PREOPENTYPE_DIR,
};
use super::WasiCtx;
use cap_std::fs::Dir;
use rustix::fs::{OFlags, SeekFrom};
use std::io::{self, IoSlice};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// The most a single read copies through a bounce buffer: reads may return less than
/// asked, and this keeps a guest with a huge iovec list from making the host allocate
/// gigabytes.
const MAX_BOUNCE: usize = 64 << 20;

/// One entry of a directory listing kept for `fd_readdir`.
#[derive(Clone, Debug)]
pub(crate) struct ListedEntry {
    /// The name, without terminator.
    pub name: Vec<u8>,
    /// Inode number.
    pub ino: u64,
    /// WASI filetype.
    pub filetype: u8,
}

/// The host object behind a guest descriptor.
pub(crate) enum Handle {
    /// Anything that is not a directory: regular file, device, pipe, socket.
    File(OwnedFd),
    /// A directory.
    Dir {
        /// The handle path operations resolve against.
        dir: Dir,
        /// The guest name, if this is a preopen.
        preopen: Option<Vec<u8>>,
        /// The listing `fd_readdir` cookies index; refreshed when a listing starts over
        /// (cookie 0) so cookies stay valid across calls in between.
        listing: Option<Vec<ListedEntry>>,
    },
}

/// A guest descriptor.
pub(crate) struct Entry {
    /// The host object.
    pub handle: Handle,
    /// WASI filetype, fixed when the descriptor was opened.
    pub filetype: u8,
    /// Base rights.
    pub base: u64,
    /// Inheriting rights.
    pub inheriting: u64,
}

impl Entry {
    /// An entry for a descriptor the runtime did not open by path (stdio, accepted
    /// sockets): its type and rights come from what the descriptor is.
    pub fn from_owned(fd: OwnedFd) -> io::Result<Entry> {
        let st = rustix::fs::fstat(&fd)?;
        let mut ft = filetype::from_mode(st.st_mode);
        if ft == filetype::DIRECTORY {
            let dir = Dir::from_std_file(std::fs::File::from(fd));
            return Entry::dir(dir, None, rights::DIRECTORY, rights::DIRECTORY_INHERITING);
        }
        let base = match ft {
            filetype::REGULAR_FILE | filetype::BLOCK_DEVICE => rights::FILE,
            filetype::CHARACTER_DEVICE if !rustix::termios::isatty(&fd) => rights::FILE,
            filetype::SOCKET_STREAM => {
                if rustix::net::sockopt::socket_type(&fd) == Ok(rustix::net::SocketType::DGRAM) {
                    ft = filetype::SOCKET_DGRAM;
                }
                (rights::FILE & !rights::SEEKING) | rights::SOCK_SHUTDOWN | rights::SOCK_ACCEPT
            }
            _ => rights::FILE & !rights::SEEKING,
        };
        Ok(Entry {
            handle: Handle::File(fd),
            filetype: ft,
            base,
            inheriting: 0,
        })
    }

    /// An entry for a directory handle. cap-std may open directories `O_PATH`, which
    /// `fsync`, `futimens` and `fcntl(F_SETFL)` refuse, so the entry holds a readable
    /// descriptor for the same directory (reopened through ".", which cannot leave it).
    pub fn dir(
        dir: Dir,
        preopen: Option<Vec<u8>>,
        base: u64,
        inheriting: u64,
    ) -> io::Result<Entry> {
        let dir = match rustix::fs::openat(
            &dir,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        ) {
            Ok(readable) => Dir::from_std_file(std::fs::File::from(readable)),
            // An unreadable directory can still be searched; keep the handle we have.
            Err(rustix::io::Errno::ACCESS) => dir,
            Err(e) => return Err(e.into()),
        };
        Ok(Entry {
            handle: Handle::Dir {
                dir,
                preopen,
                listing: None,
            },
            filetype: filetype::DIRECTORY,
            base,
            inheriting,
        })
    }

    /// The host descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        match &self.handle {
            Handle::File(fd) => fd.as_fd(),
            Handle::Dir { dir, .. } => dir.as_fd(),
        }
    }

    /// Fails with `NOTCAPABLE` unless the entry holds all of `needed`.
    pub fn require(&self, needed: u64) -> WasiResult<()> {
        if self.base & needed == needed {
            Ok(())
        } else {
            Err(Errno::NOTCAPABLE)
        }
    }

    /// Like [`Entry::require`] for the data-transfer rights, whose absence wasmtime
    /// reports as `BADF` (the host descriptor is not open for that direction).
    fn require_io(&self, needed: u64) -> WasiResult<()> {
        self.require(needed).map_err(|_| Errno::BADF)
    }

    /// The directory handle, or `NOTDIR` for other descriptors.
    pub fn as_dir(&self) -> WasiResult<&Dir> {
        match &self.handle {
            Handle::Dir { dir, .. } => Ok(dir),
            Handle::File(_) => Err(Errno::NOTDIR),
        }
    }
}

/// Guest descriptor numbers to entries. New descriptors take the lowest free number,
/// as POSIX `open` does.
#[derive(Default)]
pub(crate) struct FdTable {
    slots: Vec<Option<Entry>>,
}

impl FdTable {
    /// The entry at `fd`, or `BADF`.
    pub fn get(&self, fd: u32) -> WasiResult<&Entry> {
        self.slots
            .get(fd as usize)
            .and_then(Option::as_ref)
            .ok_or(Errno::BADF)
    }

    /// The entry at `fd`, writable, or `BADF`.
    pub fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Entry> {
        self.slots
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::BADF)
    }

    /// Puts `entry` at `fd`, replacing (and closing) what was there.
    pub fn set(&mut self, fd: u32, entry: Entry) {
        let i = fd as usize;
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i] = Some(entry);
    }

    /// Adds `entry` at the lowest free number.
    pub fn push(&mut self, entry: Entry) -> WasiResult<u32> {
        let i = match self.slots.iter().position(Option::is_none) {
            Some(i) => i,
            None => self.slots.len(),
        };
        let fd = u32::try_from(i).map_err(|_| Errno::NFILE)?;
        self.set(fd, entry);
        Ok(fd)
    }

    /// Removes the entry at `fd` (closing the host descriptor when it is dropped).
    pub fn remove(&mut self, fd: u32) -> WasiResult<Entry> {
        self.slots
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or(Errno::BADF)
    }
}

/// Retries a system call interrupted by a signal: the guest cannot do anything useful
/// with `EINTR` from a call it did not ask to be interruptible.
fn retry<T>(mut f: impl FnMut() -> rustix::io::Result<T>) -> WasiResult<T> {
    loop {
        match f() {
            Err(rustix::io::Errno::INTR) => continue,
            r => return r.map_err(Errno::from),
        }
    }
}

/// Reads from `fd` (at `offset` if given) into the guest's iovecs; returns the count.
fn read_into(
    mem: &mut GuestMemory<'_>,
    fd: BorrowedFd<'_>,
    iovs: &[(u32, u32)],
    offset: Option<u64>,
) -> WasiResult<usize> {
    let nonempty: Vec<(u32, u32)> = iovs.iter().copied().filter(|&(_, l)| l > 0).collect();
    if let [(ptr, len)] = nonempty[..] {
        // One buffer: read straight into guest memory.
        let buf = mem.slice_mut(ptr, len)?;
        return match offset {
            Some(off) => retry(|| rustix::io::pread(fd, &mut *buf, off)),
            None => retry(|| rustix::io::read(fd, &mut *buf)),
        };
    }
    let mut bounce = vec![0u8; iovecs_len(&nonempty).min(MAX_BOUNCE)];
    let n = match offset {
        Some(off) => retry(|| rustix::io::pread(fd, &mut bounce[..], off))?,
        None => retry(|| rustix::io::read(fd, &mut bounce[..]))?,
    };
    mem.scatter(&nonempty, &bounce[..n])?;
    Ok(n)
}

/// Writes the guest's iovecs to `fd` (at `offset` if given) in one system call.
fn write_from(
    mem: &GuestMemory<'_>,
    fd: BorrowedFd<'_>,
    iovs: &[(u32, u32)],
    offset: Option<u64>,
) -> WasiResult<usize> {
    let slices = iovs
        .iter()
        .map(|&(p, l)| mem.slice(p, l).map(IoSlice::new))
        .collect::<WasiResult<Vec<_>>>()?;
    // writev takes at most IOV_MAX buffers; a short write is a valid answer.
    let slices = &slices[..slices.len().min(1024)];
    match offset {
        Some(off) => retry(|| rustix::io::pwritev(fd, slices, off)),
        None => retry(|| rustix::io::writev(fd, slices)),
    }
}

/// Which way a data-transfer call moves bytes.
#[derive(Clone, Copy)]
enum Direction {
    /// From the descriptor into guest memory.
    Read,
    /// From guest memory to the descriptor.
    Write,
}

/// The body of `fd_read`, `fd_pread`, `fd_write` and `fd_pwrite`: checks the iovecs and
/// the result slot before any I/O (so no data is consumed by a call that then faults),
/// then transfers and stores the byte count at `out`.
#[allow(clippy::too_many_arguments)]
fn transfer(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    direction: Direction,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: Option<u64>,
    out: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(iovs, iovs_len)?;
    mem.write_u32(out, 0)?;
    let entry = ctx.table.get(fd)?;
    let n = match direction {
        Direction::Read => {
            entry.require_io(rights::FD_READ)?;
            read_into(mem, entry.fd(), &iovs, offset)?
        }
        Direction::Write => {
            entry.require_io(rights::FD_WRITE)?;
            write_from(mem, entry.fd(), &iovs, offset)?
        }
    };
    mem.write_u32(out, n as u32)
}

/// `fd_read`: reads into the iovecs, storing the byte count at `nread`.
pub fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread: u32,
) -> WasiResult<()> {
    transfer(ctx, mem, Direction::Read, fd, iovs, iovs_len, None, nread)
}

/// `fd_pread`: reads at `offset` without moving the file position.
pub fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread: u32,
) -> WasiResult<()> {
    let at = Some(offset);
    transfer(ctx, mem, Direction::Read, fd, iovs, iovs_len, at, nread)
}

/// `fd_write`: writes the iovecs, storing the byte count at `nwritten`.
pub fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> WasiResult<()> {
    transfer(
        ctx,
        mem,
        Direction::Write,
        fd,
        iovs,
        iovs_len,
        None,
        nwritten,
    )
}

/// `fd_pwrite`: writes at `offset` without moving the file position (Linux appends
/// anyway on an `APPEND` descriptor, which POSIX and the WASI testsuite allow).
pub fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult<()> {
    let at = Some(offset);
    transfer(ctx, mem, Direction::Write, fd, iovs, iovs_len, at, nwritten)
}

/// `fd_seek` with `whence` in the numbering of `abi`; stores the new offset.
pub fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    abi: Abi,
    fd: u32,
    offset: i64,
    whence_value: u8,
    newoffset: u32,
) -> WasiResult<()> {
    let (set, cur, end) = match abi {
        Abi::Preview1 => (whence::SET, whence::CUR, whence::END),
        Abi::Snapshot0 => (
            whence::SNAPSHOT0_SET,
            whence::SNAPSHOT0_CUR,
            whence::SNAPSHOT0_END,
        ),
    };
    let pos = match whence_value {
        w if w == set => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::INVAL)?),
        w if w == cur => SeekFrom::Current(offset),
        w if w == end => SeekFrom::End(offset),
        _ => return Err(Errno::INVAL),
    };
    mem.write_u64(newoffset, 0)?;
    let entry = ctx.table.get(fd)?;
    let needed = if offset == 0 && whence_value == cur {
        rights::FD_TELL
    } else {
        rights::FD_SEEK
    };
    if entry.base & (needed | rights::FD_SEEK) == 0 {
        // A stream never had the right; say what POSIX says about seeking it.
        let stream = entry.filetype != filetype::REGULAR_FILE
            && entry.filetype != filetype::DIRECTORY
            && entry.filetype != filetype::BLOCK_DEVICE;
        return Err(if stream {
            Errno::SPIPE
        } else {
            Errno::NOTCAPABLE
        });
    }
    let n = retry(|| rustix::fs::seek(entry.fd(), pos))?;
    mem.write_u64(newoffset, n)
}

/// `fd_tell`: stores the current offset.
pub fn fd_tell(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, out: u32) -> WasiResult<()> {
    mem.write_u64(out, 0)?;
    let entry = ctx.table.get(fd)?;
    if entry.base & (rights::FD_TELL | rights::FD_SEEK) == 0 {
        return Err(Errno::NOTCAPABLE);
    }
    let n = retry(|| rustix::fs::seek(entry.fd(), SeekFrom::Current(0)))?;
    mem.write_u64(out, n)
}

/// `fd_close`: forgets the descriptor and closes its host descriptor (a duplicate for
/// stdio, so the host's own 0–2 stay open).
pub fn fd_close(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> WasiResult<()> {
    ctx.table.remove(fd).map(drop)
}

/// `fd_renumber`: moves `from` to `to`, closing what `to` held.
pub fn fd_renumber(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    from: u32,
    to: u32,
) -> WasiResult<()> {
    ctx.table.get(from)?;
    ctx.table.get(to)?;
    if from != to {
        let entry = ctx.table.remove(from)?;
        ctx.table.set(to, entry);
    }
    Ok(())
}

/// The `fdflags` of a host descriptor.
fn host_fdflags(fd: BorrowedFd<'_>) -> WasiResult<u16> {
    let fl = rustix::fs::fcntl_getfl(fd)?;
    let mut out = 0;
    if fl.contains(OFlags::APPEND) {
        out |= fdflags::APPEND;
    }
    if fl.contains(OFlags::NONBLOCK) {
        out |= fdflags::NONBLOCK;
    }
    if fl.contains(OFlags::SYNC) {
        // On Linux O_RSYNC is O_SYNC, so a synchronous descriptor is both.
        out |= fdflags::SYNC | fdflags::RSYNC;
    } else if fl.contains(OFlags::DSYNC) {
        out |= fdflags::DSYNC;
    }
    Ok(out)
}

/// `fd_fdstat_get`: filetype, flags and rights.
pub fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> WasiResult<()> {
    let entry = ctx.table.get(fd)?;
    let mut b = [0u8; layout::FDSTAT_SIZE];
    b[layout::FDSTAT_FILETYPE] = entry.filetype;
    put_u16(&mut b, layout::FDSTAT_FLAGS, host_fdflags(entry.fd())?);
    put_u64(&mut b, layout::FDSTAT_RIGHTS_BASE, entry.base);
    put_u64(&mut b, layout::FDSTAT_RIGHTS_INHERITING, entry.inheriting);
    mem.write_struct(out, layout::FDSTAT_ALIGN, &b)
}

/// `fd_fdstat_set_flags`: `APPEND` and `NONBLOCK` can change after opening; Linux
/// cannot change the synchronous-I/O flags of an open descriptor, so those are `NOTSUP`.
pub fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u16,
) -> WasiResult<()> {
    let entry = ctx.table.get(fd)?;
    entry.require(rights::FD_FDSTAT_SET_FLAGS)?;
    if flags & !fdflags::ALL != 0 {
        return Err(Errno::INVAL);
    }
    if flags & (fdflags::DSYNC | fdflags::SYNC | fdflags::RSYNC) != 0 {
        return Err(Errno::NOTSUP);
    }
    let mut fl = rustix::fs::fcntl_getfl(entry.fd())?;
    fl.set(OFlags::APPEND, flags & fdflags::APPEND != 0);
    fl.set(OFlags::NONBLOCK, flags & fdflags::NONBLOCK != 0);
    rustix::fs::fcntl_setfl(entry.fd(), fl)?;
    Ok(())
}

/// `fd_fdstat_set_rights`: rights can only shrink.
pub fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult<()> {
    let entry = ctx.table.get_mut(fd)?;
    if base & !entry.base != 0 || inheriting & !entry.inheriting != 0 {
        return Err(Errno::NOTCAPABLE);
    }
    entry.base = base;
    entry.inheriting = inheriting;
    Ok(())
}

/// Writes a filestat in the layout of `abi`.
pub(crate) fn write_filestat(
    mem: &mut GuestMemory<'_>,
    abi: Abi,
    out: u32,
    st: &Filestat,
) -> WasiResult<()> {
    match abi {
        Abi::Preview1 => mem.write_struct(out, layout::FILESTAT_ALIGN, &st.encode_preview1()),
        Abi::Snapshot0 => mem.write_struct(out, layout::FILESTAT_ALIGN, &st.encode_snapshot0()),
    }
}

/// `fd_filestat_get` in the layout of `abi`.
pub fn fd_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    abi: Abi,
    fd: u32,
    out: u32,
) -> WasiResult<()> {
    let entry = ctx.table.get(fd)?;
    entry.require(rights::FD_FILESTAT_GET)?;
    let mut st = Filestat::from_stat(&rustix::fs::fstat(entry.fd())?);
    // The stat mode says "socket" only; the entry knows stream from datagram.
    st.filetype = entry.filetype;
    write_filestat(mem, abi, out, &st)
}

/// `fd_filestat_set_size`: truncates or extends.
pub fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    size: u64,
) -> WasiResult<()> {
    let entry = ctx.table.get(fd)?;
    entry.require(rights::FD_FILESTAT_SET_SIZE)?;
    retry(|| rustix::fs::ftruncate(entry.fd(), size))
}

/// The `utimensat` timestamps for a `(value, fstflags)` pair, after validating flags.
pub(crate) fn timestamps(
    atim: u64,
    mtim: u64,
    flags: u16,
) -> WasiResult<(Option<TimeSpec>, Option<TimeSpec>)> {
    use super::types::fstflags::*;
    if flags & !ALL != 0
        || (flags & ATIM != 0 && flags & ATIM_NOW != 0)
        || (flags & MTIM != 0 && flags & MTIM_NOW != 0)
    {
        return Err(Errno::INVAL);
    }
    let pick = |set: u16, now: u16, value: u64| {
        if flags & now != 0 {
            Some(TimeSpec::Now)
        } else if flags & set != 0 {
            Some(TimeSpec::At(value))
        } else {
            None
        }
    };
    Ok((pick(ATIM, ATIM_NOW, atim), pick(MTIM, MTIM_NOW, mtim)))
}

/// A timestamp to set: now, or nanoseconds since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeSpec {
    /// The current time.
    Now,
    /// A fixed time in ns since the epoch.
    At(u64),
}

/// The `timespec` `futimens` takes for an optional [`TimeSpec`].
fn to_timespec(t: Option<TimeSpec>) -> rustix::fs::Timespec {
    match t {
        None => rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_OMIT,
        },
        Some(TimeSpec::Now) => rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_NOW,
        },
        Some(TimeSpec::At(ns)) => rustix::fs::Timespec {
            tv_sec: (ns / 1_000_000_000) as i64,
            tv_nsec: (ns % 1_000_000_000) as _,
        },
    }
}

/// `fd_filestat_set_times`.
pub fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u16,
) -> WasiResult<()> {
    let entry = ctx.table.get(fd)?;
    entry.require(rights::FD_FILESTAT_SET_TIMES)?;
    let (a, m) = timestamps(atim, mtim, flags)?;
    let times = rustix::fs::Timestamps {
        last_access: to_timespec(a),
        last_modification: to_timespec(m),
    };
    retry(|| rustix::fs::futimens(entry.fd(), &times))
}

/// `fd_advise`.
pub fn fd_advise(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: u64,
    len: u64,
    advice_value: u8,
) -> WasiResult<()> {
    use rustix::fs::Advice;
    let adv = match advice_value {
        advice::NORMAL => Advice::Normal,
        advice::SEQUENTIAL => Advice::Sequential,
        advice::RANDOM => Advice::Random,
        advice::WILLNEED => Advice::WillNeed,
        advice::DONTNEED => Advice::DontNeed,
        advice::NOREUSE => Advice::NoReuse,
        _ => return Err(Errno::INVAL),
    };
    let entry = ctx.table.get(fd)?;
    entry.require(rights::FD_ADVISE)?;
    if offset > i64::MAX as u64 || len > i64::MAX as u64 {
        return Err(Errno::INVAL);
    }
    retry(|| rustix::fs::fadvise(entry.fd(), offset, std::num::NonZeroU64::new(len), adv))
}

/// `fd_allocate`: makes sure `offset..offset+len` is allocated (growing the file).
pub fn fd_allocate(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: u64,
    len: u64,
) -> WasiResult<()> {
    let entry = ctx.table.get(fd)?;
    entry.require(rights::FD_ALLOCATE)?;
    if offset
        .checked_add(len)
        .is_none_or(|end| end > i64::MAX as u64)
    {
        return Err(Errno::INVAL);
    }
    if len == 0 {
        // Nothing to allocate; Linux would answer EINVAL for an empty range.
        return Ok(());
    }
    retry(|| rustix::fs::fallocate(entry.fd(), rustix::fs::FallocateFlags::empty(), offset, len))
}

/// `fd_datasync`.
pub fn fd_datasync(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> WasiResult<()> {
    let entry = ctx.table.get(fd)?;
    entry.require(rights::FD_DATASYNC)?;
    retry(|| rustix::fs::fdatasync(entry.fd()))
}

/// `fd_sync`.
pub fn fd_sync(ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> WasiResult<()> {
    let entry = ctx.table.get(fd)?;
    entry.require(rights::FD_SYNC)?;
    retry(|| rustix::fs::fsync(entry.fd()))
}

/// `fd_prestat_get`: only preopens have one; anything else is `BADF`, which is how
/// wasi-libc learns where the preopens end.
pub fn fd_prestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> WasiResult<()> {
    let name = preopen_name(ctx, fd)?;
    let mut b = [0u8; layout::PRESTAT_SIZE];
    b[layout::PRESTAT_TAG] = PREOPENTYPE_DIR;
    put_u32(&mut b, layout::PRESTAT_NAME_LEN, name.len() as u32);
    mem.write_struct(out, layout::PRESTAT_ALIGN, &b)
}

/// The guest name of preopen `fd`.
fn preopen_name(ctx: &WasiCtx, fd: u32) -> WasiResult<&[u8]> {
    match &ctx.table.get(fd)?.handle {
        Handle::Dir {
            preopen: Some(name),
            ..
        } => Ok(name),
        _ => Err(Errno::BADF),
    }
}

/// `fd_prestat_dir_name`: copies the preopen's name (no terminator).
pub fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    path_len: u32,
) -> WasiResult<()> {
    let name = preopen_name(ctx, fd)?;
    if (path_len as usize) < name.len() {
        return Err(Errno::NAMETOOLONG);
    }
    mem.write_bytes(path, name)
}

/// Reads a directory's full listing, `.` and `..` first (both with the directory's own
/// inode, as wasmtime reports them, so nothing about the parent of a preopen leaks).
fn read_listing(dir: &Dir) -> WasiResult<Vec<ListedEntry>> {
    let me = rustix::fs::fstat(dir)?;
    let mut out: Vec<ListedEntry> = [&b"."[..], &b".."[..]]
        .iter()
        .map(|n| ListedEntry {
            name: n.to_vec(),
            ino: me.st_ino,
            filetype: filetype::DIRECTORY,
        })
        .collect();
    // A fresh descriptor for "." so reading does not disturb (or depend on) the
    // handle's own offset and open mode.
    let fresh = rustix::fs::openat(
        dir,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    let mut rd = rustix::fs::Dir::new(fresh)?;
    while let Some(ent) = rd.read() {
        let ent = ent?;
        let name = ent.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        use rustix::fs::FileType as T;
        let ft = match ent.file_type() {
            T::RegularFile => filetype::REGULAR_FILE,
            T::Directory => filetype::DIRECTORY,
            T::Symlink => filetype::SYMBOLIC_LINK,
            T::CharacterDevice => filetype::CHARACTER_DEVICE,
            T::BlockDevice => filetype::BLOCK_DEVICE,
            T::Socket => filetype::SOCKET_STREAM,
            T::Fifo => filetype::UNKNOWN,
            T::Unknown => {
                // Some filesystems leave d_type empty; a no-follow stat of the single
                // name, through the sandboxed handle, fills it in.
                use std::os::unix::ffi::OsStrExt;
                let os = std::ffi::OsStr::from_bytes(name);
                dir.symlink_metadata(os)
                    .map(|md| Filestat::from_metadata(&md).filetype)
                    .unwrap_or(filetype::UNKNOWN)
            }
        };
        out.push(ListedEntry {
            name: name.to_vec(),
            ino: ent.ino(),
            filetype: ft,
        });
    }
    Ok(out)
}

/// `fd_readdir`: fills `buf` with `dirent` headers each followed by its name, starting
/// at entry `cookie` (an index into the listing; `d_next` is the index after). The last
/// entry is cut off when the buffer ends, and `bufused == buf_len` tells the caller
/// there is more, as wasi-libc expects.
pub fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> WasiResult<()> {
    mem.range(buf, buf_len)?;
    mem.write_u32(bufused, 0)?;
    let entry = ctx.table.get_mut(fd)?;
    entry.require(rights::FD_READDIR)?;
    let Handle::Dir { dir, listing, .. } = &mut entry.handle else {
        return Err(Errno::NOTDIR);
    };
    if cookie == 0 || listing.is_none() {
        *listing = Some(read_listing(dir)?);
    }
    let entries = listing.as_deref().unwrap_or_default();
    let mut out = Vec::with_capacity(buf_len as usize);
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, e) in entries.iter().enumerate().skip(start) {
        if out.len() >= buf_len as usize {
            break;
        }
        let mut header = [0u8; layout::DIRENT_SIZE];
        put_u64(&mut header, layout::DIRENT_NEXT, i as u64 + 1);
        put_u64(&mut header, layout::DIRENT_INO, e.ino);
        put_u32(&mut header, layout::DIRENT_NAMLEN, e.name.len() as u32);
        header[layout::DIRENT_TYPE] = e.filetype;
        out.extend_from_slice(&header);
        out.extend_from_slice(&e.name);
    }
    out.truncate(buf_len as usize);
    mem.write_bytes(buf, &out)?;
    mem.write_u32(bufused, out.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ctx_with_dir, scratch_dir};
    use super::super::{WasiConfig, WasiCtx};
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;

    fn pipe_ctx() -> (WasiCtx, std::fs::File, std::fs::File) {
        let (r1, w1) = rustix::pipe::pipe().unwrap();
        let (r2, w2) = rustix::pipe::pipe().unwrap();
        let cfg = WasiConfig {
            stdin: r1.as_raw_fd(),
            stdout: w2.as_raw_fd(),
            stderr: w2.as_raw_fd(),
            ..WasiConfig::default()
        };
        // The context holds duplicates of r1 and w2, which close here.
        let ctx = WasiCtx::new(cfg).unwrap();
        (ctx, std::fs::File::from(w1), std::fs::File::from(r2))
    }

    fn put_iovec(mem: &mut GuestMemory<'_>, at: u32, buf: u32, len: u32) {
        mem.write_u32(at, buf).unwrap();
        mem.write_u32(at + 4, len).unwrap();
    }

    #[test]
    fn write_and_read_through_pipes() {
        let (mut ctx, mut stdin_w, mut stdout_r) = pipe_ctx();
        let mut backing = vec![0u8; 256];
        let mut mem = GuestMemory::new(&mut backing);
        mem.write_bytes(100, b"hello, ").unwrap();
        mem.write_bytes(120, b"world\n").unwrap();
        put_iovec(&mut mem, 0, 100, 7);
        put_iovec(&mut mem, 8, 120, 6);
        fd_write(&mut ctx, &mut mem, 1, 0, 2, 40).unwrap();
        assert_eq!(mem.read_u32(40).unwrap(), 13);
        drop(ctx.table.remove(1));
        drop(ctx.table.remove(2));
        let mut got = String::new();
        stdout_r.read_to_string(&mut got).unwrap();
        assert_eq!(got, "hello, world\n");

        stdin_w.write_all(b"abcdef").unwrap();
        drop(stdin_w);
        put_iovec(&mut mem, 0, 160, 2);
        put_iovec(&mut mem, 8, 170, 10);
        fd_read(&mut ctx, &mut mem, 0, 0, 2, 44).unwrap();
        assert_eq!(mem.read_u32(44).unwrap(), 6);
        assert_eq!(mem.slice(160, 2).unwrap(), b"ab");
        assert_eq!(mem.slice(170, 4).unwrap(), b"cdef");
        fd_read(&mut ctx, &mut mem, 0, 0, 1, 44).unwrap();
        assert_eq!(mem.read_u32(44).unwrap(), 0, "end of input");
    }

    #[test]
    fn bad_pointers_and_descriptors() {
        let (mut ctx, _w, _r) = pipe_ctx();
        let mut backing = vec![0u8; 64];
        let mut mem = GuestMemory::new(&mut backing);
        put_iovec(&mut mem, 0, 60, 10);
        assert_eq!(fd_write(&mut ctx, &mut mem, 1, 0, 1, 40), Err(Errno::FAULT));
        put_iovec(&mut mem, 0, 10, 4);
        assert_eq!(fd_write(&mut ctx, &mut mem, 1, 0, 1, 62), Err(Errno::FAULT));
        assert_eq!(fd_write(&mut ctx, &mut mem, 9, 0, 1, 40), Err(Errno::BADF));
        assert_eq!(fd_read(&mut ctx, &mut mem, 1, 0, 1, 40), Err(Errno::BADF));
        assert_eq!(
            fd_seek(&mut ctx, &mut mem, Abi::Preview1, 1, 0, 0, 48),
            Err(Errno::SPIPE)
        );
        assert_eq!(fd_close(&mut ctx, &mut mem, 1), Ok(()));
        assert_eq!(fd_close(&mut ctx, &mut mem, 1), Err(Errno::BADF));
    }

    #[test]
    fn stdio_fdstat_reports_streams_without_seek() {
        let (mut ctx, _w, _r) = pipe_ctx();
        let mut backing = vec![0u8; 64];
        let mut mem = GuestMemory::new(&mut backing);
        fd_fdstat_get(&mut ctx, &mut mem, 1, 8).unwrap();
        let b = mem.slice(8, 24).unwrap();
        assert_eq!(b[0], filetype::UNKNOWN, "a pipe has no WASI filetype");
        let base = u64::from_le_bytes(b[8..16].try_into().unwrap());
        assert_ne!(base & rights::FD_WRITE, 0);
        assert_eq!(base & rights::FD_SEEK, 0);
        assert_eq!(fd_prestat_get(&mut ctx, &mut mem, 1, 0), Err(Errno::BADF));
        assert_eq!(fd_prestat_get(&mut ctx, &mut mem, 3, 0), Err(Errno::BADF));
    }

    #[test]
    fn file_io_seek_tell_and_filestat() {
        let (_base, root) = scratch_dir("fdio");
        let mut ctx = ctx_with_dir(&root);
        let mut backing = vec![0u8; 1024];
        let mut mem = GuestMemory::new(&mut backing);
        mem.write_bytes(500, b"data").unwrap();
        let fd = super::super::tests::open(&mut ctx, &mut mem, 3, "f.txt", 1, rights::FILE);
        put_iovec(&mut mem, 0, 500, 4);
        fd_write(&mut ctx, &mut mem, fd, 0, 1, 16).unwrap();
        fd_pwrite(&mut ctx, &mut mem, fd, 0, 1, 10, 16).unwrap();
        fd_tell(&mut ctx, &mut mem, fd, 24).unwrap();
        assert_eq!(mem.read_u64(24).unwrap(), 4);
        fd_seek(&mut ctx, &mut mem, Abi::Preview1, fd, 1, whence::SET, 24).unwrap();
        assert_eq!(mem.read_u64(24).unwrap(), 1);
        // snapshot 0 numbers `end` as 1.
        fd_seek(&mut ctx, &mut mem, Abi::Snapshot0, fd, -1, 1, 24).unwrap();
        assert_eq!(mem.read_u64(24).unwrap(), 13);
        put_iovec(&mut mem, 0, 600, 3);
        fd_pread(&mut ctx, &mut mem, fd, 0, 1, 1, 16).unwrap();
        assert_eq!(mem.slice(600, 3).unwrap(), b"ata");

        fd_filestat_get(&mut ctx, &mut mem, Abi::Preview1, fd, 64).unwrap();
        assert_eq!(mem.slice(64 + 16, 1).unwrap()[0], filetype::REGULAR_FILE);
        assert_eq!(mem.read_u64(64 + 24).unwrap(), 1, "nlink");
        assert_eq!(mem.read_u64(64 + 32).unwrap(), 14, "size");
        fd_filestat_get(&mut ctx, &mut mem, Abi::Snapshot0, fd, 256).unwrap();
        assert_eq!(mem.read_u32(256 + 20).unwrap(), 1, "snapshot0 nlink");
        assert_eq!(mem.read_u64(256 + 24).unwrap(), 14, "snapshot0 size");
        assert_eq!(
            fd_filestat_get(&mut ctx, &mut mem, Abi::Preview1, fd, 68),
            Err(Errno::INVAL)
        );

        fd_filestat_set_size(&mut ctx, &mut mem, fd, 2).unwrap();
        fd_filestat_set_times(&mut ctx, &mut mem, fd, 5_000_000_000, 7_000_000_000, 1 | 4).unwrap();
        assert_eq!(
            fd_filestat_set_times(&mut ctx, &mut mem, fd, 0, 0, 1 | 2),
            Err(Errno::INVAL)
        );
        fd_filestat_get(&mut ctx, &mut mem, Abi::Preview1, fd, 64).unwrap();
        assert_eq!(mem.read_u64(64 + 32).unwrap(), 2);
        assert_eq!(mem.read_u64(64 + 40).unwrap(), 5_000_000_000);
        assert_eq!(mem.read_u64(64 + 48).unwrap(), 7_000_000_000);
        fd_allocate(&mut ctx, &mut mem, fd, 0, 100).unwrap();
        fd_advise(&mut ctx, &mut mem, fd, 0, 0, advice::SEQUENTIAL).unwrap();
        assert_eq!(
            fd_advise(&mut ctx, &mut mem, fd, 0, 0, 9),
            Err(Errno::INVAL)
        );
        fd_sync(&mut ctx, &mut mem, fd).unwrap();
        fd_datasync(&mut ctx, &mut mem, fd).unwrap();
        assert_eq!(std::fs::metadata(root.join("f.txt")).unwrap().len(), 100);

        fd_fdstat_set_flags(&mut ctx, &mut mem, fd, fdflags::APPEND).unwrap();
        fd_fdstat_get(&mut ctx, &mut mem, fd, 64).unwrap();
        assert_eq!(mem.slice(66, 2).unwrap(), &fdflags::APPEND.to_le_bytes());

        // Rights only shrink; without FD_READ a read is BADF.
        fd_fdstat_set_rights(&mut ctx, &mut mem, fd, rights::FD_WRITE, 0).unwrap();
        assert_eq!(fd_read(&mut ctx, &mut mem, fd, 0, 1, 16), Err(Errno::BADF));
        assert_eq!(
            fd_fdstat_set_rights(&mut ctx, &mut mem, fd, rights::FILE, 0),
            Err(Errno::NOTCAPABLE)
        );
        assert_eq!(fd_tell(&mut ctx, &mut mem, fd, 24), Err(Errno::NOTCAPABLE));
    }

    #[test]
    fn renumber_moves_and_closes() {
        let (_base, root) = scratch_dir("renumber");
        let mut ctx = ctx_with_dir(&root);
        let mut backing = vec![0u8; 256];
        let mut mem = GuestMemory::new(&mut backing);
        let a = super::super::tests::open(&mut ctx, &mut mem, 3, "a", 1, rights::FILE);
        let b = super::super::tests::open(&mut ctx, &mut mem, 3, "b", 1, rights::FILE);
        assert_eq!(fd_renumber(&mut ctx, &mut mem, a, 77), Err(Errno::BADF));
        fd_renumber(&mut ctx, &mut mem, a, b).unwrap();
        assert_eq!(ctx.table.get(a).err(), Some(Errno::BADF));
        assert!(ctx.table.get(b).is_ok());
        // The freed number is reused first.
        let c = super::super::tests::open(&mut ctx, &mut mem, 3, "c", 1, rights::FILE);
        assert_eq!(c, a);
    }

    #[test]
    fn preopen_prestat_and_name() {
        let (_base, root) = scratch_dir("prestat");
        let mut ctx = ctx_with_dir(&root);
        let mut backing = vec![0u8; 64];
        let mut mem = GuestMemory::new(&mut backing);
        fd_prestat_get(&mut ctx, &mut mem, 3, 8).unwrap();
        assert_eq!(mem.slice(8, 1).unwrap()[0], PREOPENTYPE_DIR);
        assert_eq!(mem.read_u32(12).unwrap(), 7);
        assert_eq!(
            fd_prestat_dir_name(&mut ctx, &mut mem, 3, 20, 3),
            Err(Errno::NAMETOOLONG)
        );
        fd_prestat_dir_name(&mut ctx, &mut mem, 3, 20, 20).unwrap();
        assert_eq!(mem.slice(20, 7).unwrap(), b"/sandbx");
        assert_eq!(fd_prestat_get(&mut ctx, &mut mem, 4, 8), Err(Errno::BADF));
        // Directories refuse data transfer and seeking.
        put_iovec(&mut mem, 0, 40, 4);
        assert_eq!(fd_read(&mut ctx, &mut mem, 3, 0, 1, 48), Err(Errno::BADF));
        assert_eq!(fd_write(&mut ctx, &mut mem, 3, 0, 1, 48), Err(Errno::BADF));
        assert_eq!(
            fd_seek(&mut ctx, &mut mem, Abi::Preview1, 3, 0, whence::CUR, 48),
            Err(Errno::NOTCAPABLE)
        );
        assert_eq!(
            fd_allocate(&mut ctx, &mut mem, 3, 0, 1),
            Err(Errno::NOTCAPABLE)
        );
    }

    /// Decodes a readdir buffer into `(d_next, d_ino, d_type, name)`.
    fn parse_dirents(buf: &[u8]) -> Vec<(u64, u64, u8, Vec<u8>)> {
        use super::super::types::{get_u32, get_u64};
        let mut out = Vec::new();
        let mut at = 0;
        while at + layout::DIRENT_SIZE <= buf.len() {
            let namlen = get_u32(buf, at + layout::DIRENT_NAMLEN) as usize;
            let name_at = at + layout::DIRENT_SIZE;
            if name_at + namlen > buf.len() {
                break;
            }
            out.push((
                get_u64(buf, at + layout::DIRENT_NEXT),
                get_u64(buf, at + layout::DIRENT_INO),
                buf[at + layout::DIRENT_TYPE],
                buf[name_at..name_at + namlen].to_vec(),
            ));
            at = name_at + namlen;
        }
        out
    }

    #[test]
    fn readdir_lists_everything_with_stable_cookies() {
        let (_base, root) = scratch_dir("readdir");
        std::fs::create_dir(root.join("sub")).unwrap();
        for i in 0..40 {
            std::fs::write(root.join(format!("file-{i:02}")), b"x").unwrap();
        }
        let mut ctx = ctx_with_dir(&root);
        let mut backing = vec![0u8; 4096];
        let mut mem = GuestMemory::new(&mut backing);

        // One big read sees everything.
        fd_readdir(&mut ctx, &mut mem, 3, 0, 4000, 0, 4000).unwrap();
        let used = mem.read_u32(4000).unwrap();
        assert!(used < 4000);
        let all = parse_dirents(mem.slice(0, used).unwrap());
        assert_eq!(all.len(), 43);
        assert_eq!(all[0].3, b".");
        assert_eq!(all[1].3, b"..");
        let root_ino = std::fs::metadata(&root).unwrap().ino();
        assert_eq!(all[0].1, root_ino);
        let sub = all.iter().find(|e| e.3 == b"sub").unwrap();
        assert_eq!(sub.2, filetype::DIRECTORY);
        let f = all.iter().find(|e| e.3 == b"file-07").unwrap();
        assert_eq!(f.2, filetype::REGULAR_FILE);
        assert_eq!(f.1, std::fs::metadata(root.join("file-07")).unwrap().ino());

        // Small buffers: fill to the brim (cutting the last entry), resume at d_next.
        let mut names = Vec::new();
        let mut cookie = 0;
        loop {
            fd_readdir(&mut ctx, &mut mem, 3, 0, 50, cookie, 4000).unwrap();
            let used = mem.read_u32(4000).unwrap();
            let got = parse_dirents(mem.slice(0, used).unwrap());
            names.extend(got.iter().map(|e| e.3.clone()));
            if used < 50 {
                break;
            }
            assert_eq!(used, 50, "a full buffer signals more entries");
            cookie = got.last().map(|e| e.0).unwrap_or(cookie);
        }
        let expected: Vec<Vec<u8>> = all.iter().map(|e| e.3.clone()).collect();
        assert_eq!(names, expected);

        // Past the end: nothing.
        fd_readdir(&mut ctx, &mut mem, 3, 0, 100, 43, 4000).unwrap();
        assert_eq!(mem.read_u32(4000).unwrap(), 0);
        // A file is not a directory.
        let fd = super::super::tests::open(&mut ctx, &mut mem, 3, "file-00", 0, rights::FILE);
        assert_eq!(
            fd_readdir(&mut ctx, &mut mem, fd, 0, 100, 0, 4000),
            Err(Errno::NOTCAPABLE)
        );
    }

    use std::os::unix::fs::MetadataExt;
}
