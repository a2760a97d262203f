//! `clock_res_get` and `clock_time_get`, on the matching Linux clocks.

use super::memory::GuestMemory;
use super::types::{clockid, Errno, WasiResult};
use super::WasiCtx;
use rustix::time::ClockId;

/// The Linux clock for a WASI `clockid`.
pub(crate) fn host_clock(id: u32) -> WasiResult<ClockId> {
    Ok(match id {
        clockid::REALTIME => ClockId::Realtime,
        clockid::MONOTONIC => ClockId::Monotonic,
        clockid::PROCESS_CPUTIME_ID => ClockId::ProcessCPUTime,
        clockid::THREAD_CPUTIME_ID => ClockId::ThreadCPUTime,
        _ => return Err(Errno::INVAL),
    })
}

/// Nanoseconds in a `timespec` (clock values are never negative).
fn nanos(ts: rustix::time::Timespec) -> u64 {
    super::types::timestamp(ts.tv_sec, ts.tv_nsec)
}

/// The current time of WASI clock `id`, in nanoseconds.
pub(crate) fn now(id: u32) -> WasiResult<u64> {
    Ok(nanos(rustix::time::clock_gettime(host_clock(id)?)))
}

/// `clock_res_get`: stores the clock's resolution.
pub fn clock_res_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    out: u32,
) -> WasiResult<()> {
    let res = nanos(rustix::time::clock_getres(host_clock(id)?));
    mem.write_u64(out, res.max(1))
}

/// `clock_time_get`: stores the clock's current value (`precision` is a hint that
/// Linux clocks have no use for).
pub fn clock_time_get(
    _ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    _precision: u64,
    out: u32,
) -> WasiResult<()> {
    mem.write_u64(out, now(id)?)
}

#[cfg(test)]
mod tests {
    use super::super::WasiConfig;
    use super::*;

    #[test]
    fn clocks_tick_and_reject_unknown_ids() {
        let mut ctx = WasiCtx::new(WasiConfig::default()).unwrap();
        let mut backing = vec![0u8; 64];
        let mut mem = GuestMemory::new(&mut backing);
        for id in 0..4 {
            clock_res_get(&mut ctx, &mut mem, id, 0).unwrap();
            let res = mem.read_u64(0).unwrap();
            assert!(
                res > 0 && res <= 1_000_000_000,
                "clock {id} resolution {res}"
            );
            clock_time_get(&mut ctx, &mut mem, id, 0, 8).unwrap();
        }
        clock_time_get(&mut ctx, &mut mem, clockid::REALTIME, 0, 8).unwrap();
        let wall = mem.read_u64(8).unwrap();
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        assert!(since_epoch.abs_diff(wall) < 5_000_000_000);
        clock_time_get(&mut ctx, &mut mem, clockid::MONOTONIC, 0, 8).unwrap();
        let a = mem.read_u64(8).unwrap();
        clock_time_get(&mut ctx, &mut mem, clockid::MONOTONIC, 0, 8).unwrap();
        assert!(mem.read_u64(8).unwrap() >= a);
        assert_eq!(
            clock_time_get(&mut ctx, &mut mem, 4, 0, 8),
            Err(Errno::INVAL)
        );
        assert_eq!(clock_res_get(&mut ctx, &mut mem, 9, 8), Err(Errno::INVAL));
        assert_eq!(
            clock_time_get(&mut ctx, &mut mem, 0, 0, 60),
            Err(Errno::FAULT)
        );
    }
}
