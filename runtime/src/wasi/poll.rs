//! `poll_oneoff`: waits for clock deadlines and descriptor readiness.
//!
//! Clock subscriptions become a timeout (relative ones from the call's start, absolute
//! ones against their clock now); descriptor subscriptions go to `poll(2)`, except
//! regular files, which are always ready as POSIX says. With only clocks, the call is a
//! sleep. The subscription layout differs between preview1 and snapshot 0 (whose clock
//! has an extra `identifier`); events are laid out alike.

use super::clock;
use super::memory::GuestMemory;
use super::types::{
    eventtype, filetype, get_u16, get_u32, get_u64, layout, put_u16, put_u64, rights, Abi, Errno,
    WasiResult,
};
use super::WasiCtx;
use rustix::event::{PollFd, PollFlags};
use std::time::{Duration, Instant};

/// An event to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Event {
    userdata: u64,
    error: Errno,
    kind: u8,
    nbytes: u64,
    flags: u16,
}

impl Event {
    fn encode(&self) -> [u8; layout::EVENT_SIZE] {
        let mut b = [0u8; layout::EVENT_SIZE];
        put_u64(&mut b, layout::EVENT_USERDATA, self.userdata);
        put_u16(&mut b, layout::EVENT_ERROR, self.error.0);
        b[layout::EVENT_TYPE] = self.kind;
        put_u64(&mut b, layout::EVENT_NBYTES, self.nbytes);
        put_u16(&mut b, layout::EVENT_FLAGS, self.flags);
        b
    }

    fn failed(userdata: u64, kind: u8, error: Errno) -> Event {
        Event {
            userdata,
            error,
            kind,
            nbytes: 0,
            flags: 0,
        }
    }
}

/// A decoded subscription.
enum Sub {
    /// Fires `after` the call started.
    Clock { userdata: u64, after: Duration },
    /// Readiness of guest descriptor `fd`.
    Fd { userdata: u64, fd: u32, kind: u8 },
}

/// Decodes one subscription image. An unknown clock is reported through its event.
fn decode(abi: Abi, b: &[u8]) -> WasiResult<Result<Sub, Event>> {
    use layout::*;
    let userdata = get_u64(b, SUBSCRIPTION_USERDATA);
    let kind = b[SUBSCRIPTION_TAG];
    match kind {
        eventtype::CLOCK => {
            let (id, timeout, flags) = match abi {
                Abi::Preview1 => (
                    get_u32(b, SUBSCRIPTION_CLOCK_ID),
                    get_u64(b, SUBSCRIPTION_CLOCK_TIMEOUT),
                    get_u16(b, SUBSCRIPTION_CLOCK_FLAGS),
                ),
                Abi::Snapshot0 => (
                    get_u32(b, SNAPSHOT0_SUBSCRIPTION_CLOCK_ID),
                    get_u64(b, SNAPSHOT0_SUBSCRIPTION_CLOCK_TIMEOUT),
                    get_u16(b, SNAPSHOT0_SUBSCRIPTION_CLOCK_FLAGS),
                ),
            };
            let after = if flags & eventtype::SUBSCRIPTION_CLOCK_ABSTIME != 0 {
                match clock::now(id) {
                    Ok(now) => timeout.saturating_sub(now),
                    Err(e) => return Ok(Err(Event::failed(userdata, kind, e))),
                }
            } else {
                if let Err(e) = clock::host_clock(id) {
                    return Ok(Err(Event::failed(userdata, kind, e)));
                }
                timeout
            };
            Ok(Ok(Sub::Clock {
                userdata,
                after: Duration::from_nanos(after),
            }))
        }
        eventtype::FD_READ | eventtype::FD_WRITE => Ok(Ok(Sub::Fd {
            userdata,
            fd: get_u32(b, SUBSCRIPTION_FD),
            kind,
        })),
        _ => Err(Errno::INVAL),
    }
}

/// Bytes left to read in a regular file (size minus position).
fn file_remaining(fd: std::os::fd::BorrowedFd<'_>) -> u64 {
    let size = rustix::fs::fstat(fd).map(|s| s.st_size as u64).unwrap_or(0);
    let pos = rustix::fs::seek(fd, rustix::fs::SeekFrom::Current(0)).unwrap_or(0);
    size.saturating_sub(pos)
}

/// `poll_oneoff` with subscriptions in the layout of `abi`; stores the event count.
pub fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    abi: Abi,
    subs_ptr: u32,
    events_ptr: u32,
    nsubscriptions: u32,
    nevents: u32,
) -> WasiResult<()> {
    if nsubscriptions == 0 {
        return Err(Errno::INVAL);
    }
    let sub_size = match abi {
        Abi::Preview1 => layout::SUBSCRIPTION_SIZE,
        Abi::Snapshot0 => layout::SNAPSHOT0_SUBSCRIPTION_SIZE,
    } as u64;
    let in_len = u32::try_from(sub_size * u64::from(nsubscriptions)).map_err(|_| Errno::FAULT)?;
    let out_len = u32::try_from(layout::EVENT_SIZE as u64 * u64::from(nsubscriptions))
        .map_err(|_| Errno::FAULT)?;
    mem.range(subs_ptr, in_len)?;
    mem.range(events_ptr, out_len)?;
    if !subs_ptr.is_multiple_of(layout::SUBSCRIPTION_ALIGN)
        || !events_ptr.is_multiple_of(layout::EVENT_ALIGN)
    {
        return Err(Errno::INVAL);
    }
    mem.write_u32(nevents, 0)?;

    let start = Instant::now();
    let mut ready: Vec<Event> = Vec::new();
    let mut clocks: Vec<(u64, Duration)> = Vec::new();
    let mut polled: Vec<(u64, u8, u32)> = Vec::new();
    for i in 0..nsubscriptions {
        let at = subs_ptr + i * sub_size as u32;
        let image = mem.slice(at, sub_size as u32)?;
        match decode(abi, image)? {
            Err(event) => ready.push(event),
            Ok(Sub::Clock { userdata, after }) => clocks.push((userdata, after)),
            Ok(Sub::Fd { userdata, fd, kind }) => {
                let entry = match ctx.table.get(fd) {
                    Ok(e) => e,
                    Err(e) => {
                        ready.push(Event::failed(userdata, kind, e));
                        continue;
                    }
                };
                if entry.require(rights::POLL_FD_READWRITE).is_err() {
                    ready.push(Event::failed(userdata, kind, Errno::NOTCAPABLE));
                } else if entry.filetype == filetype::REGULAR_FILE {
                    let nbytes = if kind == eventtype::FD_READ {
                        file_remaining(entry.fd())
                    } else {
                        0
                    };
                    ready.push(Event {
                        userdata,
                        error: Errno::SUCCESS,
                        kind,
                        nbytes,
                        flags: 0,
                    });
                } else {
                    polled.push((userdata, kind, fd));
                }
            }
        }
    }

    let first_deadline = clocks.iter().map(|c| c.1).min();
    let mut fd_events = Vec::new();
    if polled.is_empty() {
        if ready.is_empty() {
            if let Some(d) = first_deadline {
                std::thread::sleep(d);
            }
        }
    } else {
        let mut pollfds: Vec<PollFd<'_>> = Vec::with_capacity(polled.len());
        for &(_, kind, fd) in &polled {
            let events = if kind == eventtype::FD_READ {
                PollFlags::IN
            } else {
                PollFlags::OUT
            };
            pollfds.push(PollFd::from_borrowed_fd(ctx.table.get(fd)?.fd(), events));
        }
        loop {
            let timeout = if !ready.is_empty() {
                Some(Duration::ZERO)
            } else {
                first_deadline.map(|d| d.saturating_sub(start.elapsed()))
            };
            let ts = timeout.map(|d| rustix::event::Timespec {
                tv_sec: d.as_secs() as i64,
                tv_nsec: d.subsec_nanos() as _,
            });
            match rustix::event::poll(&mut pollfds, ts.as_ref()) {
                Ok(_) => break,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        for (pfd, &(userdata, kind, _)) in pollfds.iter().zip(&polled) {
            let rev = pfd.revents();
            if rev.is_empty() {
                continue;
            }
            let event = if rev.contains(PollFlags::NVAL) {
                Event::failed(userdata, kind, Errno::BADF)
            } else if rev.contains(PollFlags::ERR) && !rev.contains(PollFlags::HUP) {
                Event::failed(userdata, kind, Errno::IO)
            } else {
                let nbytes = if kind == eventtype::FD_READ {
                    rustix::io::ioctl_fionread(pfd).unwrap_or(0)
                } else {
                    0
                };
                let hup = rev.contains(PollFlags::HUP);
                Event {
                    userdata,
                    error: Errno::SUCCESS,
                    kind,
                    nbytes,
                    flags: if hup {
                        eventtype::FD_READWRITE_HANGUP
                    } else {
                        0
                    },
                }
            };
            fd_events.push(event);
        }
    }
    ready.extend(fd_events);
    let elapsed = start.elapsed();
    for &(userdata, after) in &clocks {
        if after <= elapsed {
            ready.push(Event {
                userdata,
                error: Errno::SUCCESS,
                kind: eventtype::CLOCK,
                nbytes: 0,
                flags: 0,
            });
        }
    }
    for (i, event) in ready.iter().enumerate() {
        let at = events_ptr + (i * layout::EVENT_SIZE) as u32;
        mem.write_struct(at, layout::EVENT_ALIGN, &event.encode())?;
    }
    mem.write_u32(nevents, ready.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::super::types::{clockid, put_u32};
    use super::super::WasiConfig;
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    fn clock_sub(abi: Abi, userdata: u64, id: u32, timeout: u64, flags: u16) -> Vec<u8> {
        use layout::*;
        let mut b = vec![0u8; SNAPSHOT0_SUBSCRIPTION_SIZE];
        put_u64(&mut b, SUBSCRIPTION_USERDATA, userdata);
        b[SUBSCRIPTION_TAG] = eventtype::CLOCK;
        match abi {
            Abi::Preview1 => {
                put_u32(&mut b, SUBSCRIPTION_CLOCK_ID, id);
                put_u64(&mut b, SUBSCRIPTION_CLOCK_TIMEOUT, timeout);
                put_u16(&mut b, SUBSCRIPTION_CLOCK_FLAGS, flags);
                b.truncate(SUBSCRIPTION_SIZE);
            }
            Abi::Snapshot0 => {
                put_u64(&mut b, SNAPSHOT0_SUBSCRIPTION_CLOCK_IDENTIFIER, 0xdead);
                put_u32(&mut b, SNAPSHOT0_SUBSCRIPTION_CLOCK_ID, id);
                put_u64(&mut b, SNAPSHOT0_SUBSCRIPTION_CLOCK_TIMEOUT, timeout);
                put_u16(&mut b, SNAPSHOT0_SUBSCRIPTION_CLOCK_FLAGS, flags);
            }
        }
        b
    }

    fn fd_sub(abi: Abi, userdata: u64, kind: u8, fd: u32) -> Vec<u8> {
        let size = match abi {
            Abi::Preview1 => layout::SUBSCRIPTION_SIZE,
            Abi::Snapshot0 => layout::SNAPSHOT0_SUBSCRIPTION_SIZE,
        };
        let mut b = vec![0u8; size];
        put_u64(&mut b, layout::SUBSCRIPTION_USERDATA, userdata);
        b[layout::SUBSCRIPTION_TAG] = kind;
        put_u32(&mut b, layout::SUBSCRIPTION_FD, fd);
        b
    }

    /// Runs poll_oneoff over `subs`; returns `(userdata, error, type, flags)` per event.
    fn run(ctx: &mut WasiCtx, abi: Abi, subs: &[Vec<u8>]) -> Vec<(u64, u16, u8, u16)> {
        let mut backing = vec![0u8; 2048];
        let mut mem = GuestMemory::new(&mut backing);
        let image = subs.concat();
        mem.write_bytes(0, &image).unwrap();
        poll_oneoff(ctx, &mut mem, abi, 0, 1024, subs.len() as u32, 2000).unwrap();
        let n = mem.read_u32(2000).unwrap();
        (0..n)
            .map(|i| {
                let b = mem.slice(1024 + 32 * i, 32).unwrap();
                (get_u64(b, 0), get_u16(b, 8), b[10], get_u16(b, 24))
            })
            .collect()
    }

    #[test]
    fn relative_clock_sleeps_in_both_layouts() {
        let mut ctx = WasiCtx::new(WasiConfig::default()).unwrap();
        for abi in [Abi::Preview1, Abi::Snapshot0] {
            let t = Instant::now();
            let ev = run(
                &mut ctx,
                abi,
                &[clock_sub(abi, 42, clockid::MONOTONIC, 20_000_000, 0)],
            );
            assert!(t.elapsed() >= Duration::from_millis(20));
            assert_eq!(ev, vec![(42, 0, eventtype::CLOCK, 0)]);
        }
    }

    #[test]
    fn absolute_clock_in_the_past_fires_at_once() {
        let mut ctx = WasiCtx::new(WasiConfig::default()).unwrap();
        let now = clock::now(clockid::MONOTONIC).unwrap();
        let t = Instant::now();
        let ev = run(
            &mut ctx,
            Abi::Preview1,
            &[clock_sub(
                Abi::Preview1,
                7,
                clockid::MONOTONIC,
                now.saturating_sub(1_000),
                eventtype::SUBSCRIPTION_CLOCK_ABSTIME,
            )],
        );
        assert!(t.elapsed() < Duration::from_secs(1));
        assert_eq!(ev, vec![(7, 0, eventtype::CLOCK, 0)]);
        let bad = run(
            &mut ctx,
            Abi::Preview1,
            &[clock_sub(Abi::Preview1, 8, 99, 0, 0)],
        );
        assert_eq!(bad, vec![(8, Errno::INVAL.0, eventtype::CLOCK, 0)]);
    }

    #[test]
    fn fd_readiness_through_poll() {
        let (r, w) = rustix::pipe::pipe().unwrap();
        let mut ctx = WasiCtx::new(WasiConfig {
            stdin: r.as_raw_fd(),
            stdout: w.as_raw_fd(),
            ..WasiConfig::default()
        })
        .unwrap();
        let abi = Abi::Preview1;
        // Nothing to read yet: the clock fires, the write side is ready.
        let ev = run(
            &mut ctx,
            abi,
            &[
                fd_sub(abi, 1, eventtype::FD_READ, 0),
                clock_sub(abi, 2, clockid::MONOTONIC, 10_000_000, 0),
            ],
        );
        assert_eq!(ev, vec![(2, 0, eventtype::CLOCK, 0)]);
        let ev = run(&mut ctx, abi, &[fd_sub(abi, 3, eventtype::FD_WRITE, 1)]);
        assert_eq!(ev, vec![(3, 0, eventtype::FD_WRITE, 0)]);
        // Data arrives: readable; the writer closes: hang-up.
        let mut writer = std::fs::File::from(w);
        writer.write_all(b"xyz").unwrap();
        drop(writer);
        drop(ctx.table.remove(1));
        let ev = run(&mut ctx, abi, &[fd_sub(abi, 4, eventtype::FD_READ, 0)]);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].0, 4);
        assert_eq!(ev[0].1, 0);
        assert_eq!(ev[0].3, eventtype::FD_READWRITE_HANGUP);
        // A missing descriptor is an event with BADF, not a failed call.
        let ev = run(&mut ctx, abi, &[fd_sub(abi, 5, eventtype::FD_READ, 77)]);
        assert_eq!(ev, vec![(5, Errno::BADF.0, eventtype::FD_READ, 0)]);
    }

    #[test]
    fn bad_arguments() {
        let mut ctx = WasiCtx::new(WasiConfig::default()).unwrap();
        let mut backing = vec![0u8; 256];
        let mut mem = GuestMemory::new(&mut backing);
        assert_eq!(
            poll_oneoff(&mut ctx, &mut mem, Abi::Preview1, 0, 64, 0, 200),
            Err(Errno::INVAL)
        );
        assert_eq!(
            poll_oneoff(&mut ctx, &mut mem, Abi::Preview1, 0, 240, 1, 200),
            Err(Errno::FAULT)
        );
        mem.write_u8(8, 9).unwrap();
        assert_eq!(
            poll_oneoff(&mut ctx, &mut mem, Abi::Preview1, 0, 64, 1, 200),
            Err(Errno::INVAL)
        );
    }
}
