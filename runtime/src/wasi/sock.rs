//! `sock_*`: I/O on sockets the guest was given (in practice inherited through stdio;
//! WASI preview1 has no way to create one). Other descriptors are `NOTSOCK`.

use super::fd::Entry;
use super::memory::{iovecs_len, GuestMemory};
use super::types::{fdflags, filetype, rights, sockflags, Errno, WasiResult};
use super::WasiCtx;
use rustix::net::{RecvFlags, SendFlags, Shutdown, SocketFlags};

/// The most one `sock_recv`/`sock_send` moves through a bounce buffer.
const MAX_BOUNCE: usize = 64 << 20;

/// The entry at `fd` if it is a socket holding `needed`.
fn socket(ctx: &WasiCtx, fd: u32, needed: u64) -> WasiResult<&Entry> {
    let entry = ctx.table.get(fd)?;
    if entry.filetype != filetype::SOCKET_STREAM && entry.filetype != filetype::SOCKET_DGRAM {
        return Err(Errno::NOTSOCK);
    }
    entry.require(needed)?;
    Ok(entry)
}

/// `sock_accept`: accepts a connection on a listening socket and stores its new fd.
pub fn sock_accept(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u16,
    result: u32,
) -> WasiResult<()> {
    if flags & !fdflags::NONBLOCK != 0 {
        return Err(Errno::INVAL);
    }
    mem.write_u32(result, 0)?;
    let entry = socket(ctx, fd, rights::SOCK_ACCEPT)?;
    let mut sflags = SocketFlags::CLOEXEC;
    if flags & fdflags::NONBLOCK != 0 {
        sflags |= SocketFlags::NONBLOCK;
    }
    let conn = loop {
        match rustix::net::accept_with(entry.fd(), sflags) {
            Err(rustix::io::Errno::INTR) => continue,
            r => break r?,
        }
    };
    let new = Entry::from_owned(conn)?;
    let fd = ctx.table.push(new)?;
    mem.write_u32(result, fd)
}

/// `sock_recv`: receives into the iovecs; stores the byte count and `roflags`.
#[allow(clippy::too_many_arguments)]
pub fn sock_recv(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    ri_data: u32,
    ri_data_len: u32,
    ri_flags: u16,
    ro_datalen: u32,
    ro_flags: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(ri_data, ri_data_len)?;
    if ri_flags & !(sockflags::RECV_PEEK | sockflags::RECV_WAITALL) != 0 {
        return Err(Errno::INVAL);
    }
    mem.write_u32(ro_datalen, 0)?;
    mem.write_u16(ro_flags, 0)?;
    let entry = socket(ctx, fd, rights::FD_READ)?;
    let mut flags = RecvFlags::empty();
    if ri_flags & sockflags::RECV_PEEK != 0 {
        flags |= RecvFlags::PEEK;
    }
    if ri_flags & sockflags::RECV_WAITALL != 0 {
        flags |= RecvFlags::WAITALL;
    }
    if entry.filetype == filetype::SOCKET_DGRAM {
        // Lets the kernel report the real datagram length, to flag truncation.
        flags |= RecvFlags::TRUNC;
    }
    let mut bounce = vec![0u8; iovecs_len(&iovs).min(MAX_BOUNCE)];
    let (n, full) = loop {
        match rustix::net::recv(entry.fd(), &mut bounce[..], flags) {
            Err(rustix::io::Errno::INTR) => continue,
            r => break r?,
        }
    };
    mem.scatter(&iovs, &bounce[..n])?;
    mem.write_u32(ro_datalen, n as u32)?;
    if full > n {
        mem.write_u16(ro_flags, sockflags::RECV_DATA_TRUNCATED)?;
    }
    Ok(())
}

/// `sock_send`: sends the iovecs (without `SIGPIPE`: a closed peer is `PIPE`); stores
/// the byte count.
pub fn sock_send(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    si_data: u32,
    si_data_len: u32,
    si_flags: u16,
    so_datalen: u32,
) -> WasiResult<()> {
    let iovs = mem.iovecs(si_data, si_data_len)?;
    if si_flags != 0 {
        return Err(Errno::INVAL);
    }
    mem.write_u32(so_datalen, 0)?;
    let entry = socket(ctx, fd, rights::FD_WRITE)?;
    let mut data = Vec::with_capacity(iovecs_len(&iovs).min(MAX_BOUNCE));
    for &(p, l) in &iovs {
        let room = MAX_BOUNCE - data.len();
        let s = mem.slice(p, l)?;
        data.extend_from_slice(&s[..s.len().min(room)]);
    }
    let n = loop {
        match rustix::net::send(entry.fd(), &data, SendFlags::NOSIGNAL) {
            Err(rustix::io::Errno::INTR) => continue,
            r => break r?,
        }
    };
    mem.write_u32(so_datalen, n as u32)
}

/// `sock_shutdown`: `how` is a non-empty set of `sdflags`.
pub fn sock_shutdown(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory<'_>,
    fd: u32,
    how: u8,
) -> WasiResult<()> {
    let entry = socket(ctx, fd, rights::SOCK_SHUTDOWN)?;
    let how = match how {
        sockflags::SHUT_RD => Shutdown::Read,
        sockflags::SHUT_WR => Shutdown::Write,
        h if h == sockflags::SHUT_RD | sockflags::SHUT_WR => Shutdown::Both,
        _ => return Err(Errno::INVAL),
    };
    rustix::net::shutdown(entry.fd(), how)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::WasiConfig;
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::{UnixListener, UnixStream};

    fn put_iovec(mem: &mut GuestMemory<'_>, at: u32, buf: u32, len: u32) {
        mem.write_u32(at, buf).unwrap();
        mem.write_u32(at + 4, len).unwrap();
    }

    #[test]
    fn send_recv_shutdown_on_a_socket() {
        let (guest, mut peer) = UnixStream::pair().unwrap();
        let (pr, pw) = rustix::pipe::pipe().unwrap();
        let mut ctx = WasiCtx::new(WasiConfig {
            stdin: guest.as_raw_fd(),
            stdout: pw.as_raw_fd(),
            stderr: pr.as_raw_fd(),
            ..WasiConfig::default()
        })
        .unwrap();
        assert_eq!(ctx.table.get(0).unwrap().filetype, filetype::SOCKET_STREAM);
        let mut backing = vec![0u8; 256];
        let mut mem = GuestMemory::new(&mut backing);

        mem.write_bytes(100, b"ping").unwrap();
        put_iovec(&mut mem, 0, 100, 4);
        sock_send(&mut ctx, &mut mem, 0, 0, 1, 0, 16).unwrap();
        assert_eq!(mem.read_u32(16).unwrap(), 4);
        let mut got = [0u8; 4];
        peer.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"ping");

        peer.write_all(b"pong").unwrap();
        put_iovec(&mut mem, 0, 120, 2);
        put_iovec(&mut mem, 8, 130, 8);
        sock_recv(&mut ctx, &mut mem, 0, 0, 2, sockflags::RECV_PEEK, 16, 20).unwrap();
        assert_eq!(mem.read_u32(16).unwrap(), 4);
        sock_recv(&mut ctx, &mut mem, 0, 0, 2, 0, 16, 20).unwrap();
        assert_eq!(mem.read_u32(16).unwrap(), 4);
        assert_eq!(mem.slice(120, 2).unwrap(), b"po");
        assert_eq!(mem.slice(130, 2).unwrap(), b"ng");

        assert_eq!(sock_shutdown(&mut ctx, &mut mem, 0, 7), Err(Errno::INVAL));
        sock_shutdown(&mut ctx, &mut mem, 0, sockflags::SHUT_WR).unwrap();
        let mut rest = Vec::new();
        peer.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "peer sees end of stream");

        // Pipes are not sockets; missing descriptors are BADF.
        assert_eq!(sock_shutdown(&mut ctx, &mut mem, 1, 3), Err(Errno::NOTSOCK));
        assert_eq!(
            sock_send(&mut ctx, &mut mem, 2, 0, 1, 0, 16),
            Err(Errno::NOTSOCK)
        );
        assert_eq!(sock_shutdown(&mut ctx, &mut mem, 9, 3), Err(Errno::BADF));
        assert_eq!(
            sock_accept(&mut ctx, &mut mem, 1, 0, 16),
            Err(Errno::NOTSOCK)
        );
    }

    #[test]
    fn accept_on_an_inherited_listener() {
        let dir = std::env::temp_dir().join(format!("wasi-aot-sock-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let listener = UnixListener::bind(&dir).unwrap();
        let mut ctx = WasiCtx::new(WasiConfig {
            stdin: listener.as_raw_fd(),
            ..WasiConfig::default()
        })
        .unwrap();
        let _client = UnixStream::connect(&dir).unwrap();
        let mut backing = vec![0u8; 64];
        let mut mem = GuestMemory::new(&mut backing);
        sock_accept(&mut ctx, &mut mem, 0, 0, 8).unwrap();
        let fd = mem.read_u32(8).unwrap();
        assert!(fd >= 3);
        assert_eq!(ctx.table.get(fd).unwrap().filetype, filetype::SOCKET_STREAM);
        assert_eq!(
            sock_accept(&mut ctx, &mut mem, 0, 0x10, 8),
            Err(Errno::INVAL)
        );
        let _ = std::fs::remove_file(&dir);
    }
}
