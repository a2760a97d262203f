//! `proc_raise` and `sched_yield` (`proc_exit` is in the export layer: it never
//! returns to a safe caller).

use super::memory::GuestMemory;
use super::types::{Errno, WasiResult};
use super::WasiCtx;

/// `proc_raise`: signals are not part of the WASI model; wasmtime answers `NOSYS` too.
pub fn proc_raise(_ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>, _sig: u8) -> WasiResult<()> {
    Err(Errno::NOSYS)
}

/// `sched_yield`.
pub fn sched_yield(_ctx: &mut WasiCtx, _mem: &mut GuestMemory<'_>) -> WasiResult<()> {
    std::thread::yield_now();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::WasiConfig;
    use super::*;

    #[test]
    fn raise_is_nosys_and_yield_succeeds() {
        let mut ctx = WasiCtx::new(WasiConfig::default()).unwrap();
        let mut backing = Vec::new();
        let mut mem = GuestMemory::new(&mut backing);
        assert_eq!(proc_raise(&mut ctx, &mut mem, 6), Err(Errno::NOSYS));
        assert_eq!(sched_yield(&mut ctx, &mut mem), Ok(()));
    }
}
