//! `args_*` and `environ_*`: the argument and environment vectors, laid out as C
//! expects (an array of pointers into one buffer of NUL-terminated strings).

use super::memory::GuestMemory;
use super::types::{Errno, WasiResult};
use super::WasiCtx;

/// The count and total buffer size (each string plus its NUL) of a string list.
fn sizes(list: &[Vec<u8>]) -> WasiResult<(u32, u32)> {
    let count = u32::try_from(list.len()).map_err(|_| Errno::OVERFLOW)?;
    let bytes = list.iter().map(|s| s.len() as u64 + 1).sum::<u64>();
    let bytes = u32::try_from(bytes).map_err(|_| Errno::OVERFLOW)?;
    Ok((count, bytes))
}

/// Writes the pointer array at `ptrs` and the strings at `buf`, after checking that
/// both fit in memory.
fn write_list(mem: &mut GuestMemory<'_>, list: &[Vec<u8>], ptrs: u32, buf: u32) -> WasiResult<()> {
    let (count, bytes) = sizes(list)?;
    mem.range(ptrs, count.checked_mul(4).ok_or(Errno::FAULT)?)?;
    mem.range(buf, bytes)?;
    let mut at = buf;
    for (i, s) in list.iter().enumerate() {
        mem.write_u32(ptrs + 4 * i as u32, at)?;
        mem.write_bytes(at, s)?;
        mem.write_u8(at + s.len() as u32, 0)?;
        at += s.len() as u32 + 1;
    }
    Ok(())
}

/// `args_sizes_get`: the argument count and the size of the buffer `args_get` fills.
pub fn args_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    argc: u32,
    buf_size: u32,
) -> WasiResult<()> {
    let (count, bytes) = sizes(&ctx.args)?;
    mem.write_u32(argc, count)?;
    mem.write_u32(buf_size, bytes)
}

/// `args_get`: fills `argv` with pointers into `argv_buf`.
pub fn args_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    argv: u32,
    argv_buf: u32,
) -> WasiResult<()> {
    write_list(mem, &ctx.args, argv, argv_buf)
}

/// `environ_sizes_get`: the variable count and the size of the `NAME=VALUE\0` buffer.
pub fn environ_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    count: u32,
    buf_size: u32,
) -> WasiResult<()> {
    let (n, bytes) = sizes(&ctx.env)?;
    mem.write_u32(count, n)?;
    mem.write_u32(buf_size, bytes)
}

/// `environ_get`: fills `environ` with pointers to `NAME=VALUE` strings in `buf`.
pub fn environ_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    environ: u32,
    buf: u32,
) -> WasiResult<()> {
    write_list(mem, &ctx.env, environ, buf)
}

#[cfg(test)]
mod tests {
    use super::super::WasiConfig;
    use super::*;

    fn ctx() -> WasiCtx {
        WasiCtx::new(WasiConfig {
            args: vec![b"prog".to_vec(), b"".to_vec(), b"x y".to_vec()],
            env: vec![
                (b"A".to_vec(), b"1".to_vec()),
                (b"EMPTY".to_vec(), Vec::new()),
            ],
            ..WasiConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn args_sizes_and_layout() {
        let mut ctx = ctx();
        let mut backing = vec![0u8; 128];
        let mut mem = GuestMemory::new(&mut backing);
        args_sizes_get(&mut ctx, &mut mem, 0, 4).unwrap();
        assert_eq!(mem.read_u32(0).unwrap(), 3);
        assert_eq!(mem.read_u32(4).unwrap(), 5 + 1 + 4);
        args_get(&mut ctx, &mut mem, 16, 64).unwrap();
        assert_eq!(mem.read_u32(16).unwrap(), 64);
        assert_eq!(mem.read_u32(20).unwrap(), 69);
        assert_eq!(mem.read_u32(24).unwrap(), 70);
        assert_eq!(mem.slice(64, 10).unwrap(), b"prog\0\0x y\0");
    }

    #[test]
    fn environ_is_name_equals_value() {
        let mut ctx = ctx();
        let mut backing = vec![0u8; 128];
        let mut mem = GuestMemory::new(&mut backing);
        environ_sizes_get(&mut ctx, &mut mem, 0, 4).unwrap();
        assert_eq!(mem.read_u32(0).unwrap(), 2);
        assert_eq!(mem.read_u32(4).unwrap(), 4 + 7);
        environ_get(&mut ctx, &mut mem, 16, 64).unwrap();
        assert_eq!(mem.read_u32(16).unwrap(), 64);
        assert_eq!(mem.read_u32(20).unwrap(), 68);
        assert_eq!(mem.slice(64, 11).unwrap(), b"A=1\0EMPTY=\0");
    }

    #[test]
    fn out_of_bounds_buffers_fault_without_writing() {
        let mut ctx = ctx();
        let mut backing = vec![0u8; 128];
        let mut mem = GuestMemory::new(&mut backing);
        assert_eq!(args_get(&mut ctx, &mut mem, 0, 120), Err(Errno::FAULT));
        assert_eq!(environ_get(&mut ctx, &mut mem, 124, 0), Err(Errno::FAULT));
        assert_eq!(
            args_sizes_get(&mut ctx, &mut mem, 0, 128),
            Err(Errno::FAULT)
        );
        assert!(backing[4..].iter().all(|&b| b == 0));
    }
}
