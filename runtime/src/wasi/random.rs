//! `random_get`, from the kernel's `getrandom`.

use super::memory::GuestMemory;
use super::types::{Errno, WasiResult};
use super::WasiCtx;

/// `random_get`: fills `buf_len` bytes at `buf` with random data.
pub fn random_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    buf: u32,
    buf_len: u32,
) -> WasiResult<()> {
    let mut rest = mem.slice_mut(buf, buf_len)?;
    // getrandom returns at most 32 MiB per call and may be interrupted; loop until full.
    while !rest.is_empty() {
        match rustix::rand::getrandom(&mut *rest, rustix::rand::GetRandomFlags::empty()) {
            Ok(n) => rest = &mut rest[n..],
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(Errno::from(e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::WasiConfig;
    use super::*;

    #[test]
    fn fills_exactly_the_buffer() {
        let mut ctx = WasiCtx::new(WasiConfig::default()).unwrap();
        let mut backing = vec![0u8; 4096];
        let mut mem = GuestMemory::new(&mut backing);
        random_get(&mut ctx, &mut mem, 16, 1024).unwrap();
        random_get(&mut ctx, &mut mem, 0, 0).unwrap();
        assert_eq!(random_get(&mut ctx, &mut mem, 4000, 200), Err(Errno::FAULT));
        assert!(backing[..16].iter().all(|&b| b == 0));
        assert!(backing[1040..].iter().all(|&b| b == 0));
        assert!(backing[16..1040].iter().any(|&b| b != 0));
    }
}
