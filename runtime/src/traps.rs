//! Traps: entering wasm code with a return point, turning faults in generated code into
//! wasm traps, and reporting them.
//!
//! Generated code traps either with a hardware fault (a guard-page access in guard
//! mode) or with `ud2` (explicit checks); both arrive here as signals. The handler
//! checks that the faulting instruction is a recorded trap site of registered wasm
//! code, records what happened in a thread-local, and jumps back to the return point
//! set up by `wasi_aot_call_guarded` (C, in `trap_entry.c`). Any other fault is a real
//! crash and gets the previous handler.
//!
//! The handler also walks the frame pointers (generated code keeps them) from the
//! trapping frame while the return addresses stay in registered wasm code, storing at
//! most [`MAX_BACKTRACE_FRAMES`] raw addresses in a fixed array: no allocation, no
//! locks. They are mapped to function names and to the wasm offsets of their calls
//! (the descriptor's call records) only when the trap is displayed.

use std::cell::Cell;
use std::fmt;
use std::mem::MaybeUninit;
use std::sync::{Arc, Once};

use wasi_aot_abi::descriptor::{FunctionDesc, NOT_INLINED};
use wasi_aot_abi::trap::Trap;

use crate::code_registry;

/// A wasm trap: its reason and where it happened.
#[derive(Clone, Debug)]
pub struct TrapInfo {
    /// Why.
    pub trap: Trap,
    /// The wasm function, when the trap happened in generated code.
    pub function: Option<&'static FunctionDesc>,
    /// Offset of the trapping instruction in the wasm module.
    pub wasm_offset: u32,
    /// When the trapping instruction was inlined from `function` into a caller: that
    /// caller and the wasm offset of the call, the frame below `function`'s.
    pub inlined_at: Option<(&'static FunctionDesc, u32)>,
    /// The wasm frames that called the trapping one, innermost first (`None` for traps
    /// raised by the runtime itself).
    pub backtrace: Option<Arc<Backtrace>>,
}

/// The most caller frames a [`Backtrace`] keeps; deeper ones are only counted.
pub const MAX_BACKTRACE_FRAMES: usize = 32;

/// Return addresses of the wasm frames that called a trapping function, innermost
/// first, collected by the signal handler (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct Backtrace {
    return_addresses: [usize; MAX_BACKTRACE_FRAMES],
    len: usize,
    more: usize,
}

impl Backtrace {
    /// No caller frames.
    pub const EMPTY: Backtrace = Backtrace {
        return_addresses: [0; MAX_BACKTRACE_FRAMES],
        len: 0,
        more: 0,
    };

    /// The kept caller frames, innermost first: each one's wasm function and the wasm
    /// offset of the call it made, when the call has a record.
    pub fn frames(&self) -> impl Iterator<Item = (&'static FunctionDesc, Option<u32>)> + '_ {
        self.return_addresses[..self.len].iter().filter_map(|ret| {
            let function = code_registry::function_at(ret.wrapping_sub(1))?;
            let call = code_registry::call_record_at(function, *ret);
            Some((function, call.map(|c| c.wasm_offset)))
        })
    }

    /// How many caller frames were past [`MAX_BACKTRACE_FRAMES`].
    pub fn omitted(&self) -> usize {
        self.more
    }

    /// Walks the frame-pointer chain from `fp`, keeping return addresses while they
    /// lie in registered wasm code. Each frame holds the caller's frame pointer at
    /// `fp` and the return address at `fp + 8`; the walk stops at the first frame
    /// outside `[low, high)`, out of order or misaligned. Async-signal-safe.
    ///
    /// # Safety
    /// `[low, high)` must be readable memory (part of this thread's stack).
    unsafe fn capture(mut fp: usize, low: usize, high: usize) -> Backtrace {
        let mut trace = Backtrace::EMPTY;
        while fp.is_multiple_of(8) && low <= fp && fp.saturating_add(16) <= high {
            // SAFETY: fp..fp+16 lies in [low, high), readable by the caller's promise.
            let (next, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
            // The return address follows the call; the call itself is one byte before.
            if code_registry::function_at(ret.wrapping_sub(1)).is_none() {
                break;
            }
            if trace.len < MAX_BACKTRACE_FRAMES {
                trace.return_addresses[trace.len] = ret;
                trace.len += 1;
            } else {
                trace.more += 1;
            }
            if next <= fp {
                break;
            }
            fp = next;
        }
        trace
    }
}

/// Whether trap reports list the caller frames: yes unless `WASI_AOT_BACKTRACE=0`.
fn backtrace_enabled() -> bool {
    std::env::var_os("WASI_AOT_BACKTRACE").is_none_or(|v| v != "0")
}

/// A function's name from its descriptor.
fn name_of(function: &FunctionDesc) -> String {
    // SAFETY: names live as long as their descriptor.
    String::from_utf8_lossy(unsafe { function.name.as_slice() }).into_owned()
}

impl TrapInfo {
    /// A trap raised by the runtime itself (e.g. while instantiating).
    pub fn runtime(trap: Trap) -> TrapInfo {
        TrapInfo {
            trap,
            function: None,
            wasm_offset: 0,
            inlined_at: None,
            backtrace: None,
        }
    }

    /// The wasm function's name, if known.
    pub fn function_name(&self) -> Option<String> {
        self.function.map(name_of)
    }
}

impl fmt::Display for TrapInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.trap.message())?;
        if let Some(name) = self.function_name() {
            write!(f, "\n  at {name} (wasm offset {:#x})", self.wasm_offset)?;
            if backtrace_enabled() {
                if let Some((caller, call_offset)) = self.inlined_at {
                    write!(
                        f,
                        "\n  at {} (wasm offset {call_offset:#x})",
                        name_of(caller)
                    )?;
                }
                if let Some(backtrace) = &self.backtrace {
                    for (caller, call_offset) in backtrace.frames() {
                        write!(f, "\n  at {}", name_of(caller))?;
                        if let Some(offset) = call_offset {
                            write!(f, " (wasm offset {offset:#x})")?;
                        }
                    }
                    if backtrace.omitted() > 0 {
                        write!(f, "\n  ... {} more wasm frames", backtrace.omitted())?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Why a call into wasm ended early.
#[derive(Clone, Debug)]
pub enum Unwind {
    /// A trap.
    Trap(TrapInfo),
    /// `proc_exit` in return-on-exit mode.
    Exit(i32),
}

thread_local! {
    /// What the last unwind on this thread was (set right before jumping).
    static LAST_UNWIND: Cell<Option<Unwind>> = const { Cell::new(None) };
    /// The innermost guarded call's setting: whether `proc_exit` returns to the embedder
    /// instead of ending the process.
    static RETURN_ON_EXIT: Cell<bool> = const { Cell::new(false) };
    /// The outermost guarded call's wasm stack limit, while a guarded call is active.
    static STACK_LIMIT: Cell<Option<u64>> = const { Cell::new(None) };
    /// The stack address at the innermost guarded call's entry: wasm frames lie below.
    static ENTRY_SP: Cell<usize> = const { Cell::new(0) };
    /// The caller frames of the last trap, stored by the signal handler (which cannot
    /// allocate) and moved into its [`TrapInfo`] once back in [`call_guarded`].
    static LAST_BACKTRACE: Cell<Backtrace> = const { Cell::new(Backtrace::EMPTY) };
    /// Whether this thread has an alternate signal stack.
    static ALT_STACK_READY: Cell<bool> = const { Cell::new(false) };
}

type Trampoline = unsafe extern "C" fn(*const u8, *mut u8, *mut u128);

unsafe extern "C" {
    fn wasi_aot_call_guarded(
        trampoline: Trampoline,
        code: *const u8,
        vmctx: *mut u8,
        values: *mut u128,
    ) -> i32;
    fn wasi_aot_in_guarded_call() -> i32;
    fn wasi_aot_unwind(reason: i32) -> !;
}

/// Calls `code` (with context `vmctx`) through its type's array-call `trampoline`,
/// passing arguments and receiving results in `values`. For the duration of the call,
/// `stack_limit` is the thread's wasm stack limit (see [`stack_limit`]) and
/// `return_on_exit` decides what `proc_exit` does; both are restored afterwards, so
/// nested calls (wasm -> host -> wasm) each get their own setting.
///
/// # Safety
/// `trampoline` must be the trampoline of `code`'s type, `vmctx` a live instance's
/// context with its stack limit set, and `values` large enough for the parameters and
/// results (16 bytes each).
pub unsafe fn call_guarded(
    trampoline: *const u8,
    code: *const u8,
    vmctx: *mut u8,
    values: *mut u128,
    stack_limit: u64,
    return_on_exit: bool,
) -> Result<(), Unwind> {
    install_handlers();
    ensure_alt_stack();
    // SAFETY: the trampoline has this signature (generated by the compiler).
    let trampoline: Trampoline = unsafe { std::mem::transmute(trampoline) };
    let previous_exit = RETURN_ON_EXIT.with(|r| r.replace(return_on_exit));
    let previous_limit = STACK_LIMIT.with(|l| l.replace(Some(stack_limit)));
    let entry_marker = 0u8;
    let previous_entry = ENTRY_SP.with(|e| e.replace(&raw const entry_marker as usize));
    // SAFETY: guaranteed by the caller; the C helper only calls `trampoline`.
    let reason = unsafe { wasi_aot_call_guarded(trampoline, code, vmctx, values) };
    RETURN_ON_EXIT.with(|r| r.set(previous_exit));
    STACK_LIMIT.with(|l| l.set(previous_limit));
    ENTRY_SP.with(|e| e.set(previous_entry));
    if reason == 0 {
        Ok(())
    } else {
        let mut unwind = LAST_UNWIND
            .with(Cell::take)
            .expect("an unwind always records its reason");
        if let Unwind::Trap(info) = &mut unwind {
            if info.function.is_some() {
                info.backtrace = Some(Arc::new(LAST_BACKTRACE.with(Cell::get)));
            }
        }
        Err(unwind)
    }
}

/// Whether wasm code is running on this thread (a guarded call is active).
pub fn in_wasm() -> bool {
    // SAFETY: reads the C helper's thread-local.
    unsafe { wasi_aot_in_guarded_call() != 0 }
}

/// The wasm stack limit of the guarded call running on this thread, if any: a call
/// nested inside it (wasm -> host -> wasm) keeps the same limit.
pub fn stack_limit() -> Option<u64> {
    STACK_LIMIT.with(Cell::get)
}

/// Ends the guest with `proc_exit(code)`: returns to the embedder in return-on-exit
/// mode, or ends the process.
pub(crate) fn exit_guest(code: i32) -> ! {
    // SAFETY: plain reads of the C helper's thread-local.
    if RETURN_ON_EXIT.with(Cell::get) && unsafe { wasi_aot_in_guarded_call() } != 0 {
        LAST_UNWIND.with(|u| u.set(Some(Unwind::Exit(code))));
        // SAFETY: a return point exists; the frames skipped are the WASI function's,
        // which hold nothing that needs dropping at this point.
        unsafe { wasi_aot_unwind(2) }
    }
    std::process::exit(code)
}

static mut PREVIOUS_ACTIONS: [MaybeUninit<libc::sigaction>; 4] = [MaybeUninit::uninit(); 4];
const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

fn install_handlers() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        for (i, signal) in SIGNALS.into_iter().enumerate() {
            // SAFETY: a zeroed sigaction is valid; we fill handler, mask and flags, and
            // save the previous action before any handler can run.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handle_signal as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                let previous = &raw mut PREVIOUS_ACTIONS;
                libc::sigaction(signal, &action, (*previous)[i].as_mut_ptr());
            }
        }
    });
}

/// Gives this thread an alternate signal stack, so a fault with an exhausted stack can
/// still be handled. A stack the embedder installed on the thread is kept.
fn ensure_alt_stack() {
    if ALT_STACK_READY.with(Cell::get) {
        return;
    }
    // SAFETY: a zeroed stack_t is valid; sigaltstack only writes the current setting.
    let mut current: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: querying (null new stack) into a valid stack_t.
    let queried = unsafe { libc::sigaltstack(std::ptr::null(), &mut current) } == 0;
    if queried && current.ss_flags & libc::SS_DISABLE == 0 && current.ss_size >= 64 * 1024 {
        ALT_STACK_READY.with(|r| r.set(true));
        return;
    }
    const SIZE: usize = 256 * 1024;
    // The stack is leaked on purpose: it must outlive every signal on this thread.
    let stack = Box::leak(vec![0u8; SIZE].into_boxed_slice());
    let ss = libc::stack_t {
        ss_sp: stack.as_mut_ptr().cast(),
        ss_flags: 0,
        ss_size: SIZE,
    };
    // SAFETY: `ss` describes valid, leaked memory.
    unsafe { libc::sigaltstack(&ss, std::ptr::null_mut()) };
    ALT_STACK_READY.with(|r| r.set(true));
}

extern "C" fn handle_signal(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid ucontext for SA_SIGINFO handlers on x86_64.
    let (pc, sp, fp) = unsafe {
        let gregs = &(*(context as *const libc::ucontext_t)).uc_mcontext.gregs;
        (
            gregs[libc::REG_RIP as usize] as usize,
            gregs[libc::REG_RSP as usize] as usize,
            gregs[libc::REG_RBP as usize] as usize,
        )
    };
    // SAFETY: reading the C helper's thread-local.
    let guarded = unsafe { wasi_aot_in_guarded_call() } != 0;
    if let (true, Some(function)) = (guarded, code_registry::function_at(pc)) {
        let record = code_registry::trap_record_at(function, pc);
        // SAFETY: `info` is valid for SA_SIGINFO handlers.
        let fault_addr = unsafe { (*info).si_addr() } as usize;
        let trap = match record {
            Some(r) => Trap::from_u8(r.trap),
            // A push or call in a prologue hitting the native guard page.
            None if signal == libc::SIGSEGV && fault_addr.abs_diff(sp) < 1 << 16 => {
                Some(Trap::StackOverflow)
            }
            None => None,
        };
        if let Some(trap) = trap {
            let inlined = record.filter(|r| r.inlined_callee != NOT_INLINED);
            let (trapping, wasm_offset, inlined_at) = match inlined {
                Some(r) => match code_registry::defined_function(pc, r.inlined_callee) {
                    Some(callee) => (callee, r.wasm_offset, Some((function, r.call_offset))),
                    // Not expected; the call is still this function's own.
                    None => (function, r.call_offset, None),
                },
                None => (
                    function,
                    record.map_or(function.wasm_offset, |r| r.wasm_offset),
                    None,
                ),
            };
            let info = TrapInfo {
                trap,
                function: Some(trapping),
                wasm_offset,
                inlined_at,
                backtrace: None,
            };
            // SAFETY: between the interrupted stack pointer and the guarded call's
            // entry lies this thread's live stack.
            let backtrace = unsafe { Backtrace::capture(fp, sp, ENTRY_SP.with(Cell::get)) };
            LAST_BACKTRACE.with(|b| b.set(backtrace));
            LAST_UNWIND.with(|u| u.set(Some(Unwind::Trap(info))));
            // SAFETY: a return point exists (checked above); only this handler's frame
            // and generated code are skipped.
            unsafe { wasi_aot_unwind(1) }
        }
    }
    // Not a wasm trap: hand it to the handler an embedder installed before us, keeping
    // ours for later traps; with no such handler, restore the previous action and
    // return, so the fault repeats and is handled as it would have been without us.
    if let Some(i) = SIGNALS.iter().position(|s| *s == signal) {
        let saved = &raw const PREVIOUS_ACTIONS;
        // SAFETY: the previous action was saved at installation and never changes.
        let previous = unsafe { (*saved)[i].assume_init_ref() };
        let handler = previous.sa_sigaction;
        if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
            // SAFETY: reinstalling the saved action.
            unsafe { libc::sigaction(signal, previous, std::ptr::null_mut()) };
        } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
            // SAFETY: the embedder installed this three-argument handler for `signal`.
            unsafe {
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    std::mem::transmute(handler);
                f(signal, info, context);
            }
        } else {
            // SAFETY: the embedder installed this one-argument handler for `signal`.
            unsafe {
                let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
                f(signal);
            }
        }
    }
}
