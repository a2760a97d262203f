//! WASI preview1 (and snapshot 0) types as the guest sees them: errno numbers, rights,
//! flags, and the byte layouts of the structs host functions write into linear memory.
//!
//! Every number here comes from the witx files (`legacy/preview1/witx/typenames.witx`
//! and `legacy/preview0/witx/typenames.witx`); the layout tests at the bottom pin them.

use std::io;

/// A WASI errno value (`errno` is `u16` in witx).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub u16);

/// The result of a WASI host function's inner implementation.
pub type WasiResult<T> = Result<T, Errno>;

macro_rules! errnos {
    ($($name:ident = $value:literal,)*) => {
        impl Errno {
            $(
                #[doc = concat!("`errno::", stringify!($name), "`")]
                pub const $name: Errno = Errno($value);
            )*
        }
    };
}

errnos! {
    SUCCESS = 0, TOOBIG = 1, ACCES = 2, ADDRINUSE = 3, ADDRNOTAVAIL = 4, AFNOSUPPORT = 5,
    AGAIN = 6, ALREADY = 7, BADF = 8, BADMSG = 9, BUSY = 10, CANCELED = 11, CHILD = 12,
    CONNABORTED = 13, CONNREFUSED = 14, CONNRESET = 15, DEADLK = 16, DESTADDRREQ = 17,
    DOM = 18, DQUOT = 19, EXIST = 20, FAULT = 21, FBIG = 22, HOSTUNREACH = 23, IDRM = 24,
    ILSEQ = 25, INPROGRESS = 26, INTR = 27, INVAL = 28, IO = 29, ISCONN = 30, ISDIR = 31,
    LOOP = 32, MFILE = 33, MLINK = 34, MSGSIZE = 35, MULTIHOP = 36, NAMETOOLONG = 37,
    NETDOWN = 38, NETRESET = 39, NETUNREACH = 40, NFILE = 41, NOBUFS = 42, NODEV = 43,
    NOENT = 44, NOEXEC = 45, NOLCK = 46, NOLINK = 47, NOMEM = 48, NOMSG = 49,
    NOPROTOOPT = 50, NOSPC = 51, NOSYS = 52, NOTCONN = 53, NOTDIR = 54, NOTEMPTY = 55,
    NOTRECOVERABLE = 56, NOTSOCK = 57, NOTSUP = 58, NOTTY = 59, NXIO = 60, OVERFLOW = 61,
    OWNERDEAD = 62, PERM = 63, PIPE = 64, PROTO = 65, PROTONOSUPPORT = 66, PROTOTYPE = 67,
    RANGE = 68, ROFS = 69, SPIPE = 70, SRCH = 71, STALE = 72, TIMEDOUT = 73, TXTBSY = 74,
    XDEV = 75, NOTCAPABLE = 76,
}

impl Errno {
    /// Translates a Linux errno number.
    pub fn from_raw_os_error(code: i32) -> Errno {
        use libc::*;
        match code {
            0 => Errno::SUCCESS,
            E2BIG => Errno::TOOBIG,
            EACCES => Errno::ACCES,
            EADDRINUSE => Errno::ADDRINUSE,
            EADDRNOTAVAIL => Errno::ADDRNOTAVAIL,
            EAFNOSUPPORT => Errno::AFNOSUPPORT,
            EAGAIN => Errno::AGAIN,
            EALREADY => Errno::ALREADY,
            EBADF => Errno::BADF,
            EBADMSG => Errno::BADMSG,
            EBUSY => Errno::BUSY,
            ECANCELED => Errno::CANCELED,
            ECHILD => Errno::CHILD,
            ECONNABORTED => Errno::CONNABORTED,
            ECONNREFUSED => Errno::CONNREFUSED,
            ECONNRESET => Errno::CONNRESET,
            EDEADLK => Errno::DEADLK,
            EDESTADDRREQ => Errno::DESTADDRREQ,
            EDOM => Errno::DOM,
            EDQUOT => Errno::DQUOT,
            EEXIST => Errno::EXIST,
            EFAULT => Errno::FAULT,
            EFBIG => Errno::FBIG,
            EHOSTUNREACH => Errno::HOSTUNREACH,
            EIDRM => Errno::IDRM,
            EILSEQ => Errno::ILSEQ,
            EINPROGRESS => Errno::INPROGRESS,
            EINTR => Errno::INTR,
            EINVAL => Errno::INVAL,
            EIO => Errno::IO,
            EISCONN => Errno::ISCONN,
            EISDIR => Errno::ISDIR,
            ELOOP => Errno::LOOP,
            EMFILE => Errno::MFILE,
            EMLINK => Errno::MLINK,
            EMSGSIZE => Errno::MSGSIZE,
            EMULTIHOP => Errno::MULTIHOP,
            ENAMETOOLONG => Errno::NAMETOOLONG,
            ENETDOWN => Errno::NETDOWN,
            ENETRESET => Errno::NETRESET,
            ENETUNREACH => Errno::NETUNREACH,
            ENFILE => Errno::NFILE,
            ENOBUFS => Errno::NOBUFS,
            ENODEV => Errno::NODEV,
            ENOENT => Errno::NOENT,
            ENOEXEC => Errno::NOEXEC,
            ENOLCK => Errno::NOLCK,
            ENOLINK => Errno::NOLINK,
            ENOMEM => Errno::NOMEM,
            ENOMSG => Errno::NOMSG,
            ENOPROTOOPT => Errno::NOPROTOOPT,
            ENOSPC => Errno::NOSPC,
            ENOSYS => Errno::NOSYS,
            ENOTCONN => Errno::NOTCONN,
            ENOTDIR => Errno::NOTDIR,
            ENOTEMPTY => Errno::NOTEMPTY,
            ENOTRECOVERABLE => Errno::NOTRECOVERABLE,
            ENOTSOCK => Errno::NOTSOCK,
            ENOTSUP => Errno::NOTSUP,
            ENOTTY => Errno::NOTTY,
            ENXIO => Errno::NXIO,
            EOVERFLOW => Errno::OVERFLOW,
            EOWNERDEAD => Errno::OWNERDEAD,
            EPERM => Errno::PERM,
            EPIPE => Errno::PIPE,
            EPROTO => Errno::PROTO,
            EPROTONOSUPPORT => Errno::PROTONOSUPPORT,
            EPROTOTYPE => Errno::PROTOTYPE,
            ERANGE => Errno::RANGE,
            EROFS => Errno::ROFS,
            ESPIPE => Errno::SPIPE,
            ESRCH => Errno::SRCH,
            ESTALE => Errno::STALE,
            ETIMEDOUT => Errno::TIMEDOUT,
            ETXTBSY => Errno::TXTBSY,
            EXDEV => Errno::XDEV,
            _ => Errno::IO,
        }
    }
}

impl From<io::Error> for Errno {
    fn from(err: io::Error) -> Errno {
        if let Some(code) = err.raw_os_error() {
            return Errno::from_raw_os_error(code);
        }
        // cap-std reports sandbox escapes (`..` past the root, absolute paths, symlinks
        // leading outside) as `PermissionDenied` without an OS code; wasmtime answers
        // these with `PERM`, and the WASI testsuite expects it.
        match err.kind() {
            io::ErrorKind::NotFound => Errno::NOENT,
            io::ErrorKind::PermissionDenied => Errno::PERM,
            io::ErrorKind::AlreadyExists => Errno::EXIST,
            io::ErrorKind::InvalidInput => Errno::INVAL,
            io::ErrorKind::Unsupported => Errno::NOTSUP,
            io::ErrorKind::Interrupted => Errno::INTR,
            io::ErrorKind::WouldBlock => Errno::AGAIN,
            _ => Errno::IO,
        }
    }
}

impl From<rustix::io::Errno> for Errno {
    fn from(err: rustix::io::Errno) -> Errno {
        Errno::from_raw_os_error(err.raw_os_error())
    }
}

/// `filetype` values (the same in preview1 and snapshot 0).
pub mod filetype {
    /// The type is unknown or not one of the others.
    pub const UNKNOWN: u8 = 0;
    /// A block device.
    pub const BLOCK_DEVICE: u8 = 1;
    /// A character device.
    pub const CHARACTER_DEVICE: u8 = 2;
    /// A directory.
    pub const DIRECTORY: u8 = 3;
    /// A regular file.
    pub const REGULAR_FILE: u8 = 4;
    /// A datagram socket.
    pub const SOCKET_DGRAM: u8 = 5;
    /// A byte-stream socket.
    pub const SOCKET_STREAM: u8 = 6;
    /// A symbolic link.
    pub const SYMBOLIC_LINK: u8 = 7;

    /// The WASI filetype of a Linux `st_mode` (sockets are reported as streams; callers
    /// that hold the descriptor refine this with `SO_TYPE`).
    pub fn from_mode(mode: u32) -> u8 {
        match mode & libc::S_IFMT {
            libc::S_IFBLK => BLOCK_DEVICE,
            libc::S_IFCHR => CHARACTER_DEVICE,
            libc::S_IFDIR => DIRECTORY,
            libc::S_IFREG => REGULAR_FILE,
            libc::S_IFSOCK => SOCKET_STREAM,
            libc::S_IFLNK => SYMBOLIC_LINK,
            _ => UNKNOWN,
        }
    }
}

/// `rights` bits (snapshot 0 has all but `SOCK_ACCEPT`).
pub mod rights {
    /// `fd_datasync`
    pub const FD_DATASYNC: u64 = 1 << 0;
    /// `fd_read`
    pub const FD_READ: u64 = 1 << 1;
    /// `fd_seek`
    pub const FD_SEEK: u64 = 1 << 2;
    /// `fd_fdstat_set_flags`
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    /// `fd_sync`
    pub const FD_SYNC: u64 = 1 << 4;
    /// `fd_tell`
    pub const FD_TELL: u64 = 1 << 5;
    /// `fd_write`
    pub const FD_WRITE: u64 = 1 << 6;
    /// `fd_advise`
    pub const FD_ADVISE: u64 = 1 << 7;
    /// `fd_allocate`
    pub const FD_ALLOCATE: u64 = 1 << 8;
    /// `path_create_directory`
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    /// `path_open` with `oflags::creat`
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    /// `path_link` source directory
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    /// `path_link` target directory
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    /// `path_open`
    pub const PATH_OPEN: u64 = 1 << 13;
    /// `fd_readdir`
    pub const FD_READDIR: u64 = 1 << 14;
    /// `path_readlink`
    pub const PATH_READLINK: u64 = 1 << 15;
    /// `path_rename` source directory
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    /// `path_rename` target directory
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    /// `path_filestat_get`
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    /// `path_open` with `oflags::trunc`
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    /// `path_filestat_set_times`
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    /// `fd_filestat_get`
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    /// `fd_filestat_set_size`
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    /// `fd_filestat_set_times`
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    /// `path_symlink`
    pub const PATH_SYMLINK: u64 = 1 << 24;
    /// `path_remove_directory`
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    /// `path_unlink_file`
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    /// `poll_oneoff` read/write subscriptions
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    /// `sock_shutdown`
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    /// `sock_accept`
    pub const SOCK_ACCEPT: u64 = 1 << 29;

    /// Every right a file descriptor for a non-directory may hold.
    pub const FILE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;
    /// Every right a directory descriptor may hold itself.
    pub const DIRECTORY: u64 = FD_DATASYNC
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;
    /// The inheriting rights of a directory: anything opened beneath it.
    pub const DIRECTORY_INHERITING: u64 = DIRECTORY | FILE;
    /// Rights that make no sense on a stream (tty, pipe, socket). wasi-libc's
    /// `isatty` reports a terminal only when these are absent.
    pub const SEEKING: u64 = FD_SEEK | FD_TELL;
    /// Rights that need the host descriptor open for writing.
    pub const NEED_WRITE: u64 = FD_WRITE | FD_ALLOCATE | FD_FILESTAT_SET_SIZE;
    /// Rights that need the host descriptor open for reading.
    pub const NEED_READ: u64 = FD_READ | FD_READDIR;
}

/// `fdflags` bits.
pub mod fdflags {
    /// Append mode.
    pub const APPEND: u16 = 1 << 0;
    /// Synchronized data writes.
    pub const DSYNC: u16 = 1 << 1;
    /// Non-blocking mode.
    pub const NONBLOCK: u16 = 1 << 2;
    /// Synchronized reads.
    pub const RSYNC: u16 = 1 << 3;
    /// Synchronized writes (data and metadata).
    pub const SYNC: u16 = 1 << 4;
    /// All defined bits.
    pub const ALL: u16 = APPEND | DSYNC | NONBLOCK | RSYNC | SYNC;
}

/// `oflags` bits for `path_open`.
pub mod oflags {
    /// Create the file if it does not exist.
    pub const CREAT: u16 = 1 << 0;
    /// Fail if not a directory.
    pub const DIRECTORY: u16 = 1 << 1;
    /// Fail if the file already exists.
    pub const EXCL: u16 = 1 << 2;
    /// Truncate to size 0.
    pub const TRUNC: u16 = 1 << 3;
    /// All defined bits.
    pub const ALL: u16 = CREAT | DIRECTORY | EXCL | TRUNC;
}

/// `lookupflags` bits.
pub mod lookupflags {
    /// Follow a symbolic link in the last path component.
    pub const SYMLINK_FOLLOW: u32 = 1 << 0;
}

/// `fstflags` bits for the `*_set_times` functions.
pub mod fstflags {
    /// Set the access time to the given value.
    pub const ATIM: u16 = 1 << 0;
    /// Set the access time to now.
    pub const ATIM_NOW: u16 = 1 << 1;
    /// Set the modification time to the given value.
    pub const MTIM: u16 = 1 << 2;
    /// Set the modification time to now.
    pub const MTIM_NOW: u16 = 1 << 3;
    /// All defined bits.
    pub const ALL: u16 = ATIM | ATIM_NOW | MTIM | MTIM_NOW;
}

/// `clockid` values.
pub mod clockid {
    /// Wall-clock time.
    pub const REALTIME: u32 = 0;
    /// Monotonic time.
    pub const MONOTONIC: u32 = 1;
    /// CPU time of the process.
    pub const PROCESS_CPUTIME_ID: u32 = 2;
    /// CPU time of the calling thread.
    pub const THREAD_CPUTIME_ID: u32 = 3;
}

/// `whence` values: preview1 and snapshot 0 number them differently.
pub mod whence {
    /// preview1 `whence::set`.
    pub const SET: u8 = 0;
    /// preview1 `whence::cur`.
    pub const CUR: u8 = 1;
    /// preview1 `whence::end`.
    pub const END: u8 = 2;
    /// snapshot 0 `whence::cur`.
    pub const SNAPSHOT0_CUR: u8 = 0;
    /// snapshot 0 `whence::end`.
    pub const SNAPSHOT0_END: u8 = 1;
    /// snapshot 0 `whence::set`.
    pub const SNAPSHOT0_SET: u8 = 2;
}

/// `advice` values for `fd_advise`.
pub mod advice {
    /// No particular pattern.
    pub const NORMAL: u8 = 0;
    /// Sequential access.
    pub const SEQUENTIAL: u8 = 1;
    /// Random access.
    pub const RANDOM: u8 = 2;
    /// Needed soon.
    pub const WILLNEED: u8 = 3;
    /// Not needed soon.
    pub const DONTNEED: u8 = 4;
    /// Accessed once.
    pub const NOREUSE: u8 = 5;
}

/// `eventtype` values and `eventrwflags` / `subclockflags` bits.
pub mod eventtype {
    /// A clock subscription.
    pub const CLOCK: u8 = 0;
    /// Readable descriptor.
    pub const FD_READ: u8 = 1;
    /// Writable descriptor.
    pub const FD_WRITE: u8 = 2;
    /// `eventrwflags::fd_readwrite_hangup`.
    pub const FD_READWRITE_HANGUP: u16 = 1;
    /// `subclockflags::subscription_clock_abstime`.
    pub const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;
}

/// Socket flag bits (`riflags`, `roflags`, `sdflags`).
pub mod sockflags {
    /// `riflags::recv_peek`
    pub const RECV_PEEK: u16 = 1 << 0;
    /// `riflags::recv_waitall`
    pub const RECV_WAITALL: u16 = 1 << 1;
    /// `roflags::recv_data_truncated`
    pub const RECV_DATA_TRUNCATED: u16 = 1 << 0;
    /// `sdflags::rd`
    pub const SHUT_RD: u8 = 1 << 0;
    /// `sdflags::wr`
    pub const SHUT_WR: u8 = 1 << 1;
}

/// `preopentype::dir`.
pub const PREOPENTYPE_DIR: u8 = 0;

/// Sizes, alignments and field offsets of the witx structs, in bytes.
pub mod layout {
    /// `iovec` / `ciovec`: `buf: u32 @0`, `buf_len: u32 @4`.
    pub const IOVEC_SIZE: u32 = 8;
    /// `iovec` alignment.
    pub const IOVEC_ALIGN: u32 = 4;

    /// `fdstat` size.
    pub const FDSTAT_SIZE: usize = 24;
    /// `fdstat` alignment.
    pub const FDSTAT_ALIGN: u32 = 8;
    /// `fdstat.fs_filetype` (u8).
    pub const FDSTAT_FILETYPE: usize = 0;
    /// `fdstat.fs_flags` (u16).
    pub const FDSTAT_FLAGS: usize = 2;
    /// `fdstat.fs_rights_base` (u64).
    pub const FDSTAT_RIGHTS_BASE: usize = 8;
    /// `fdstat.fs_rights_inheriting` (u64).
    pub const FDSTAT_RIGHTS_INHERITING: usize = 16;

    /// `filestat` alignment (both versions).
    pub const FILESTAT_ALIGN: u32 = 8;
    /// preview1 `filestat` size.
    pub const FILESTAT_SIZE: usize = 64;
    /// `filestat.dev` (u64, both versions).
    pub const FILESTAT_DEV: usize = 0;
    /// `filestat.ino` (u64, both versions).
    pub const FILESTAT_INO: usize = 8;
    /// `filestat.filetype` (u8, both versions).
    pub const FILESTAT_FILETYPE: usize = 16;
    /// preview1 `filestat.nlink` (u64).
    pub const FILESTAT_NLINK: usize = 24;
    /// preview1 `filestat.size`.
    pub const FILESTAT_SIZE_FIELD: usize = 32;
    /// preview1 `filestat.atim`.
    pub const FILESTAT_ATIM: usize = 40;
    /// preview1 `filestat.mtim`.
    pub const FILESTAT_MTIM: usize = 48;
    /// preview1 `filestat.ctim`.
    pub const FILESTAT_CTIM: usize = 56;

    /// snapshot 0 `filestat` size (its `nlink` is a `u32`).
    pub const SNAPSHOT0_FILESTAT_SIZE: usize = 56;
    /// snapshot 0 `filestat.nlink` (u32).
    pub const SNAPSHOT0_FILESTAT_NLINK: usize = 20;
    /// snapshot 0 `filestat.size`.
    pub const SNAPSHOT0_FILESTAT_SIZE_FIELD: usize = 24;
    /// snapshot 0 `filestat.atim`.
    pub const SNAPSHOT0_FILESTAT_ATIM: usize = 32;
    /// snapshot 0 `filestat.mtim`.
    pub const SNAPSHOT0_FILESTAT_MTIM: usize = 40;
    /// snapshot 0 `filestat.ctim`.
    pub const SNAPSHOT0_FILESTAT_CTIM: usize = 48;

    /// `dirent` header size (the name follows it, unterminated).
    pub const DIRENT_SIZE: usize = 24;
    /// `dirent.d_next` (u64).
    pub const DIRENT_NEXT: usize = 0;
    /// `dirent.d_ino` (u64).
    pub const DIRENT_INO: usize = 8;
    /// `dirent.d_namlen` (u32).
    pub const DIRENT_NAMLEN: usize = 16;
    /// `dirent.d_type` (u8).
    pub const DIRENT_TYPE: usize = 20;

    /// `prestat` size.
    pub const PRESTAT_SIZE: usize = 8;
    /// `prestat` alignment.
    pub const PRESTAT_ALIGN: u32 = 4;
    /// `prestat` tag (u8).
    pub const PRESTAT_TAG: usize = 0;
    /// `prestat.u.dir.pr_name_len` (u32).
    pub const PRESTAT_NAME_LEN: usize = 4;

    /// `event` size (both versions).
    pub const EVENT_SIZE: usize = 32;
    /// `event` alignment.
    pub const EVENT_ALIGN: u32 = 8;
    /// `event.userdata` (u64).
    pub const EVENT_USERDATA: usize = 0;
    /// `event.error` (u16).
    pub const EVENT_ERROR: usize = 8;
    /// `event.type` (u8).
    pub const EVENT_TYPE: usize = 10;
    /// `event.fd_readwrite.nbytes` (u64).
    pub const EVENT_NBYTES: usize = 16;
    /// `event.fd_readwrite.flags` (u16).
    pub const EVENT_FLAGS: usize = 24;

    /// `subscription` alignment (both versions).
    pub const SUBSCRIPTION_ALIGN: u32 = 8;
    /// preview1 `subscription` size.
    pub const SUBSCRIPTION_SIZE: usize = 48;
    /// `subscription.userdata` (u64).
    pub const SUBSCRIPTION_USERDATA: usize = 0;
    /// `subscription.u` tag (u8).
    pub const SUBSCRIPTION_TAG: usize = 8;
    /// preview1 `subscription.u.clock.id` (u32).
    pub const SUBSCRIPTION_CLOCK_ID: usize = 16;
    /// preview1 `subscription.u.clock.timeout` (u64).
    pub const SUBSCRIPTION_CLOCK_TIMEOUT: usize = 24;
    /// preview1 `subscription.u.clock.precision` (u64).
    pub const SUBSCRIPTION_CLOCK_PRECISION: usize = 32;
    /// preview1 `subscription.u.clock.flags` (u16).
    pub const SUBSCRIPTION_CLOCK_FLAGS: usize = 40;
    /// `subscription.u.fd_readwrite.file_descriptor` (u32, both versions).
    pub const SUBSCRIPTION_FD: usize = 16;

    /// snapshot 0 `subscription` size (its clock has an extra `identifier`).
    pub const SNAPSHOT0_SUBSCRIPTION_SIZE: usize = 56;
    /// snapshot 0 `subscription.u.clock.identifier` (u64).
    pub const SNAPSHOT0_SUBSCRIPTION_CLOCK_IDENTIFIER: usize = 16;
    /// snapshot 0 `subscription.u.clock.id` (u32).
    pub const SNAPSHOT0_SUBSCRIPTION_CLOCK_ID: usize = 24;
    /// snapshot 0 `subscription.u.clock.timeout` (u64).
    pub const SNAPSHOT0_SUBSCRIPTION_CLOCK_TIMEOUT: usize = 32;
    /// snapshot 0 `subscription.u.clock.precision` (u64).
    pub const SNAPSHOT0_SUBSCRIPTION_CLOCK_PRECISION: usize = 40;
    /// snapshot 0 `subscription.u.clock.flags` (u16).
    pub const SNAPSHOT0_SUBSCRIPTION_CLOCK_FLAGS: usize = 48;
}

/// Which version of the WASI ABI a call came through; decides struct layouts and
/// `whence` numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    /// `wasi_snapshot_preview1`.
    Preview1,
    /// `wasi_unstable` (snapshot 0).
    Snapshot0,
}

/// File attributes, independent of the layout they are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filestat {
    /// Device id.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// A [`filetype`] value.
    pub filetype: u8,
    /// Hard link count.
    pub nlink: u64,
    /// Size in bytes.
    pub size: u64,
    /// Access time, ns since the epoch.
    pub atim: u64,
    /// Modification time, ns since the epoch.
    pub mtim: u64,
    /// Status change time, ns since the epoch.
    pub ctim: u64,
}

/// Nanoseconds since the epoch from a `(seconds, nanoseconds)` pair; times before the
/// epoch clamp to 0 because `timestamp` is unsigned.
pub fn timestamp(sec: i64, nsec: i64) -> u64 {
    let ns = i128::from(sec) * 1_000_000_000 + i128::from(nsec);
    ns.clamp(0, i128::from(u64::MAX)) as u64
}

impl Filestat {
    /// The attributes in a `rustix` stat buffer.
    pub fn from_stat(st: &rustix::fs::Stat) -> Filestat {
        Filestat {
            dev: st.st_dev,
            ino: st.st_ino,
            filetype: filetype::from_mode(st.st_mode),
            nlink: st.st_nlink,
            size: st.st_size as u64,
            atim: timestamp(st.st_atime, st.st_atime_nsec as i64),
            mtim: timestamp(st.st_mtime, st.st_mtime_nsec as i64),
            ctim: timestamp(st.st_ctime, st.st_ctime_nsec as i64),
        }
    }

    /// The attributes in `cap-std` metadata.
    pub fn from_metadata(md: &cap_std::fs::Metadata) -> Filestat {
        use cap_std::fs::MetadataExt;
        Filestat {
            dev: md.dev(),
            ino: md.ino(),
            filetype: filetype::from_mode(md.mode()),
            nlink: md.nlink(),
            size: md.size(),
            atim: timestamp(md.atime(), md.atime_nsec()),
            mtim: timestamp(md.mtime(), md.mtime_nsec()),
            ctim: timestamp(md.ctime(), md.ctime_nsec()),
        }
    }

    /// The preview1 `filestat` bytes.
    pub fn encode_preview1(&self) -> [u8; layout::FILESTAT_SIZE] {
        use layout::*;
        let mut b = [0u8; FILESTAT_SIZE];
        put_u64(&mut b, FILESTAT_DEV, self.dev);
        put_u64(&mut b, FILESTAT_INO, self.ino);
        b[FILESTAT_FILETYPE] = self.filetype;
        put_u64(&mut b, FILESTAT_NLINK, self.nlink);
        put_u64(&mut b, FILESTAT_SIZE_FIELD, self.size);
        put_u64(&mut b, FILESTAT_ATIM, self.atim);
        put_u64(&mut b, FILESTAT_MTIM, self.mtim);
        put_u64(&mut b, FILESTAT_CTIM, self.ctim);
        b
    }

    /// The snapshot 0 `filestat` bytes (link counts above `u32::MAX` saturate).
    pub fn encode_snapshot0(&self) -> [u8; layout::SNAPSHOT0_FILESTAT_SIZE] {
        use layout::*;
        let mut b = [0u8; SNAPSHOT0_FILESTAT_SIZE];
        put_u64(&mut b, FILESTAT_DEV, self.dev);
        put_u64(&mut b, FILESTAT_INO, self.ino);
        b[FILESTAT_FILETYPE] = self.filetype;
        put_u32(
            &mut b,
            SNAPSHOT0_FILESTAT_NLINK,
            u32::try_from(self.nlink).unwrap_or(u32::MAX),
        );
        put_u64(&mut b, SNAPSHOT0_FILESTAT_SIZE_FIELD, self.size);
        put_u64(&mut b, SNAPSHOT0_FILESTAT_ATIM, self.atim);
        put_u64(&mut b, SNAPSHOT0_FILESTAT_MTIM, self.mtim);
        put_u64(&mut b, SNAPSHOT0_FILESTAT_CTIM, self.ctim);
        b
    }
}

/// Stores a little-endian `u16` at `off` of a struct image.
pub fn put_u16(b: &mut [u8], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_le_bytes());
}

/// Stores a little-endian `u32` at `off` of a struct image.
pub fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// Stores a little-endian `u64` at `off` of a struct image.
pub fn put_u64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

/// Loads a little-endian `u16` at `off` of a struct image.
pub fn get_u16(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}

/// Loads a little-endian `u32` at `off` of a struct image.
pub fn get_u32(b: &[u8], off: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[off..off + 4]);
    u32::from_le_bytes(a)
}

/// Loads a little-endian `u64` at `off` of a struct image.
pub fn get_u64(b: &[u8], off: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(a)
}

#[cfg(test)]
mod tests {
    use super::layout::*;
    use super::*;

    /// A C-layout mirror of each witx struct: the compiler computes the offsets the witx
    /// rules (natural alignment, C ordering) give, and they must equal the constants.
    mod mirror {
        #[repr(C)]
        pub struct Iovec {
            pub buf: u32,
            pub buf_len: u32,
        }
        #[repr(C)]
        pub struct Fdstat {
            pub fs_filetype: u8,
            pub fs_flags: u16,
            pub fs_rights_base: u64,
            pub fs_rights_inheriting: u64,
        }
        #[repr(C)]
        pub struct Filestat {
            pub dev: u64,
            pub ino: u64,
            pub filetype: u8,
            pub nlink: u64,
            pub size: u64,
            pub atim: u64,
            pub mtim: u64,
            pub ctim: u64,
        }
        #[repr(C)]
        pub struct Snapshot0Filestat {
            pub dev: u64,
            pub ino: u64,
            pub filetype: u8,
            pub nlink: u32,
            pub size: u64,
            pub atim: u64,
            pub mtim: u64,
            pub ctim: u64,
        }
        #[repr(C)]
        pub struct Dirent {
            pub d_next: u64,
            pub d_ino: u64,
            pub d_namlen: u32,
            pub d_type: u8,
        }
        #[repr(C)]
        pub struct Prestat {
            pub tag: u8,
            pub pr_name_len: u32,
        }
        #[repr(C)]
        pub struct Event {
            pub userdata: u64,
            pub error: u16,
            pub type_: u8,
            pub nbytes: u64,
            pub flags: u16,
        }
        #[repr(C)]
        pub struct SubscriptionClock {
            pub id: u32,
            pub timeout: u64,
            pub precision: u64,
            pub flags: u16,
        }
        #[repr(C)]
        pub struct Subscription {
            pub userdata: u64,
            pub tag: u8,
            pub clock: SubscriptionClock,
        }
        #[repr(C)]
        pub struct Snapshot0SubscriptionClock {
            pub identifier: u64,
            pub id: u32,
            pub timeout: u64,
            pub precision: u64,
            pub flags: u16,
        }
        #[repr(C)]
        pub struct Snapshot0Subscription {
            pub userdata: u64,
            pub tag: u8,
            pub clock: Snapshot0SubscriptionClock,
        }
    }

    use std::mem::{align_of, offset_of, size_of};

    #[test]
    fn iovec_layout() {
        assert_eq!(size_of::<mirror::Iovec>(), IOVEC_SIZE as usize);
        assert_eq!(align_of::<mirror::Iovec>(), IOVEC_ALIGN as usize);
        assert_eq!(offset_of!(mirror::Iovec, buf_len), 4);
    }

    #[test]
    fn fdstat_layout() {
        assert_eq!(size_of::<mirror::Fdstat>(), FDSTAT_SIZE);
        assert_eq!(align_of::<mirror::Fdstat>(), FDSTAT_ALIGN as usize);
        assert_eq!(offset_of!(mirror::Fdstat, fs_filetype), FDSTAT_FILETYPE);
        assert_eq!(offset_of!(mirror::Fdstat, fs_flags), FDSTAT_FLAGS);
        assert_eq!(
            offset_of!(mirror::Fdstat, fs_rights_base),
            FDSTAT_RIGHTS_BASE
        );
        assert_eq!(
            offset_of!(mirror::Fdstat, fs_rights_inheriting),
            FDSTAT_RIGHTS_INHERITING
        );
    }

    #[test]
    fn filestat_layouts() {
        type P = mirror::Filestat;
        assert_eq!(size_of::<P>(), FILESTAT_SIZE);
        assert_eq!(align_of::<P>(), FILESTAT_ALIGN as usize);
        assert_eq!(offset_of!(P, dev), FILESTAT_DEV);
        assert_eq!(offset_of!(P, ino), FILESTAT_INO);
        assert_eq!(offset_of!(P, filetype), FILESTAT_FILETYPE);
        assert_eq!(offset_of!(P, nlink), FILESTAT_NLINK);
        assert_eq!(offset_of!(P, size), FILESTAT_SIZE_FIELD);
        assert_eq!(offset_of!(P, atim), FILESTAT_ATIM);
        assert_eq!(offset_of!(P, mtim), FILESTAT_MTIM);
        assert_eq!(offset_of!(P, ctim), FILESTAT_CTIM);

        type S = mirror::Snapshot0Filestat;
        assert_eq!(size_of::<S>(), SNAPSHOT0_FILESTAT_SIZE);
        assert_eq!(offset_of!(S, filetype), FILESTAT_FILETYPE);
        assert_eq!(offset_of!(S, nlink), SNAPSHOT0_FILESTAT_NLINK);
        assert_eq!(offset_of!(S, size), SNAPSHOT0_FILESTAT_SIZE_FIELD);
        assert_eq!(offset_of!(S, atim), SNAPSHOT0_FILESTAT_ATIM);
        assert_eq!(offset_of!(S, mtim), SNAPSHOT0_FILESTAT_MTIM);
        assert_eq!(offset_of!(S, ctim), SNAPSHOT0_FILESTAT_CTIM);
    }

    #[test]
    fn filestat_encodings_put_fields_in_place() {
        let st = Filestat {
            dev: 1,
            ino: 2,
            filetype: filetype::REGULAR_FILE,
            nlink: 3,
            size: 4,
            atim: 5,
            mtim: 6,
            ctim: 7,
        };
        let p = st.encode_preview1();
        assert_eq!(get_u64(&p, FILESTAT_INO), 2);
        assert_eq!(p[FILESTAT_FILETYPE], 4);
        assert_eq!(get_u64(&p, FILESTAT_NLINK), 3);
        assert_eq!(get_u64(&p, FILESTAT_SIZE_FIELD), 4);
        assert_eq!(get_u64(&p, FILESTAT_CTIM), 7);
        let s = st.encode_snapshot0();
        assert_eq!(get_u32(&s, SNAPSHOT0_FILESTAT_NLINK), 3);
        assert_eq!(get_u64(&s, SNAPSHOT0_FILESTAT_SIZE_FIELD), 4);
        assert_eq!(get_u64(&s, SNAPSHOT0_FILESTAT_ATIM), 5);
        assert_eq!(get_u64(&s, SNAPSHOT0_FILESTAT_CTIM), 7);
    }

    #[test]
    fn dirent_prestat_layouts() {
        type D = mirror::Dirent;
        assert_eq!(size_of::<D>(), DIRENT_SIZE);
        assert_eq!(offset_of!(D, d_next), DIRENT_NEXT);
        assert_eq!(offset_of!(D, d_ino), DIRENT_INO);
        assert_eq!(offset_of!(D, d_namlen), DIRENT_NAMLEN);
        assert_eq!(offset_of!(D, d_type), DIRENT_TYPE);
        assert_eq!(size_of::<mirror::Prestat>(), PRESTAT_SIZE);
        assert_eq!(align_of::<mirror::Prestat>(), PRESTAT_ALIGN as usize);
        assert_eq!(offset_of!(mirror::Prestat, tag), PRESTAT_TAG);
        assert_eq!(offset_of!(mirror::Prestat, pr_name_len), PRESTAT_NAME_LEN);
    }

    #[test]
    fn event_subscription_layouts() {
        type E = mirror::Event;
        assert_eq!(size_of::<E>(), EVENT_SIZE);
        assert_eq!(align_of::<E>(), EVENT_ALIGN as usize);
        assert_eq!(offset_of!(E, userdata), EVENT_USERDATA);
        assert_eq!(offset_of!(E, error), EVENT_ERROR);
        assert_eq!(offset_of!(E, type_), EVENT_TYPE);
        assert_eq!(offset_of!(E, nbytes), EVENT_NBYTES);
        assert_eq!(offset_of!(E, flags), EVENT_FLAGS);

        type S = mirror::Subscription;
        type C = mirror::SubscriptionClock;
        let clock = offset_of!(S, clock);
        assert_eq!(size_of::<S>(), SUBSCRIPTION_SIZE);
        assert_eq!(align_of::<S>(), SUBSCRIPTION_ALIGN as usize);
        assert_eq!(offset_of!(S, userdata), SUBSCRIPTION_USERDATA);
        assert_eq!(offset_of!(S, tag), SUBSCRIPTION_TAG);
        assert_eq!(clock + offset_of!(C, id), SUBSCRIPTION_CLOCK_ID);
        assert_eq!(clock + offset_of!(C, id), SUBSCRIPTION_FD);
        assert_eq!(clock + offset_of!(C, timeout), SUBSCRIPTION_CLOCK_TIMEOUT);
        assert_eq!(
            clock + offset_of!(C, precision),
            SUBSCRIPTION_CLOCK_PRECISION
        );
        assert_eq!(clock + offset_of!(C, flags), SUBSCRIPTION_CLOCK_FLAGS);

        type S0 = mirror::Snapshot0Subscription;
        type C0 = mirror::Snapshot0SubscriptionClock;
        let clock = offset_of!(S0, clock);
        assert_eq!(size_of::<S0>(), SNAPSHOT0_SUBSCRIPTION_SIZE);
        assert_eq!(
            clock + offset_of!(C0, identifier),
            SNAPSHOT0_SUBSCRIPTION_CLOCK_IDENTIFIER
        );
        assert_eq!(clock + offset_of!(C0, id), SNAPSHOT0_SUBSCRIPTION_CLOCK_ID);
        assert_eq!(
            clock + offset_of!(C0, timeout),
            SNAPSHOT0_SUBSCRIPTION_CLOCK_TIMEOUT
        );
        assert_eq!(
            clock + offset_of!(C0, precision),
            SNAPSHOT0_SUBSCRIPTION_CLOCK_PRECISION
        );
        assert_eq!(
            clock + offset_of!(C0, flags),
            SNAPSHOT0_SUBSCRIPTION_CLOCK_FLAGS
        );
    }

    #[test]
    fn errno_numbers_and_translation() {
        assert_eq!(Errno::BADF.0, 8);
        assert_eq!(Errno::FAULT.0, 21);
        assert_eq!(Errno::NOSYS.0, 52);
        assert_eq!(Errno::NOTCAPABLE.0, 76);
        assert_eq!(Errno::from_raw_os_error(libc::ENOENT), Errno::NOENT);
        assert_eq!(Errno::from_raw_os_error(libc::ELOOP), Errno::LOOP);
        assert_eq!(Errno::from_raw_os_error(libc::EXDEV), Errno::XDEV);
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "escape");
        assert_eq!(Errno::from(escape), Errno::PERM);
        assert_eq!(rights::SOCK_ACCEPT, 0x2000_0000);
        assert_eq!(rights::DIRECTORY & rights::FD_WRITE, 0);
    }

    #[test]
    fn timestamps_clamp_before_epoch() {
        assert_eq!(timestamp(1, 5), 1_000_000_005);
        assert_eq!(timestamp(-1, 0), 0);
    }
}
