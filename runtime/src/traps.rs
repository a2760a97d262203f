//! Traps: catching faults in generated code and reporting them.

/// Ends the guest with `proc_exit(code)`.
pub(crate) fn exit_guest(code: i32) -> ! {
    std::process::exit(code)
}
