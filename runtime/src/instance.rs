//! Instances: a vmctx plus the memories, tables and host state it points to.

/// What a host function sees of the instance that called it.
pub(crate) struct HostContext<'a> {
    /// The instance's memory 0 (its current size), empty if it has none.
    pub memory: &'a mut [u8],
    /// The instance's WASI state.
    pub wasi: &'a mut crate::wasi::WasiCtx,
}

/// Finds the host context of the instance owning `vmctx`.
///
/// # Safety
/// `vmctx` must be the context pointer passed to a host function by generated code.
pub(crate) unsafe fn host_context<'a>(vmctx: *mut u8) -> Option<HostContext<'a>> {
    let _ = vmctx;
    None
}
