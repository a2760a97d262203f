//! The C-ABI embedding interface: instantiate compiled modules, call their exports,
//! read their globals and memories, and get traps back as values.
//!
//! Two layers share the conventions below:
//!
//! - this file: instances linked to each other by exports (`wasi_aot_instance_new`,
//!   `wasi_aot_instance_export`, `wasi_aot_call`, `wasi_aot_global`), which the
//!   spec-test runner (`wasi-aot wast`) drives modules through;
//! - [`library`]: library mode (`wasi-aot build --lib`): WASI instances configured by
//!   the host ([`config`]), with host functions, `start`/`initialize`, and instances
//!   that stop after a trap or `proc_exit`. The C header `wasi-aot` generates declares
//!   this layer.
//!
//! Conventions: functions return a [`Status`]; on failure the message is available from
//! [`wasi_aot_last_error`] and [`wasi_aot_last_error_message`] (per thread). Values are
//! 16-byte little-endian slots. Instances must outlive the instances that import from
//! them. An instance is used by one thread at a time.

pub mod config;
pub mod library;

use std::cell::RefCell;
use std::ffi::{c_char, CString};

use wasi_aot_abi::descriptor::{extern_kind, ModuleDescriptor};

use crate::instance::{Extern, Instance, InstantiateError};
use crate::traps::Unwind;

/// Result of an embedding call.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// An import is missing or has the wrong type (the module is unlinkable).
    Link = 1,
    /// A wasm trap; see [`wasi_aot_last_trap`].
    Trap = 2,
    /// The host could not provide a resource, or a bad argument was given.
    Error = 3,
    /// The guest called `proc_exit` in return-on-exit mode; see [`wasi_aot_last_exit_status`].
    Exit = 4,
    /// The instance can no longer run code: an earlier call trapped or the guest exited.
    Poisoned = 5,
}

/// An export of an instance, usable as an import of another.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct WasiAotExtern {
    /// The exporting instance.
    pub instance: *mut Instance,
    /// A `wasi_aot_abi::descriptor::extern_kind` value.
    pub kind: u32,
    /// Index in the kind's index space of the exporting instance.
    pub index: u32,
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
    static LAST_TRAP: RefCell<(u32, i32)> = const { RefCell::new((0, 0)) };
}

/// Records `message` as this thread's last error and returns `status`.
fn fail(status: Status, message: String) -> Status {
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
    status
}

/// Records why a call into wasm ended early and returns its status.
fn unwound(unwind: Unwind) -> Status {
    match unwind {
        Unwind::Trap(trap) => {
            LAST_TRAP.with(|t| *t.borrow_mut() = (trap.trap as u32, 0));
            fail(Status::Trap, trap.to_string())
        }
        Unwind::Exit(code) => {
            LAST_TRAP.with(|t| *t.borrow_mut() = (0, code));
            fail(Status::Exit, format!("exited with status {code}"))
        }
    }
}

/// Converts an embedder's extern into the runtime's.
///
/// # Safety
/// `ext.instance` must be a live instance.
unsafe fn to_extern(ext: &WasiAotExtern) -> Option<Extern> {
    // SAFETY: guaranteed by the caller.
    let instance = unsafe { ext.instance.as_mut()? };
    let this: *mut Instance = instance;
    Some(match u8::try_from(ext.kind).ok()? {
        extern_kind::FUNC => Extern::Func(instance.funcref(ext.index)),
        extern_kind::MEMORY => Extern::Memory {
            instance: this,
            index: ext.index,
        },
        extern_kind::TABLE => Extern::Table {
            instance: this,
            index: ext.index,
        },
        extern_kind::GLOBAL => {
            let (val_type, mutable) = instance.global_type(ext.index);
            Extern::Global {
                ptr: instance.global_pointer(ext.index),
                val_type,
                mutable,
            }
        }
        _ => return None,
    })
}

/// Instantiates `descriptor` with `imports` (one per module import, in order) and runs
/// its start function; stores the new instance in `*out`.
///
/// # Safety
/// `descriptor` must come from a loaded compiled object; `imports` must point to
/// `count` externs of live instances; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_instance_new(
    descriptor: *const ModuleDescriptor,
    imports: *const WasiAotExtern,
    count: usize,
    out: *mut *mut Instance,
) -> Status {
    // SAFETY: guaranteed by the caller.
    let (descriptor, imports) = unsafe {
        let imports = if count == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(imports, count)
        };
        (&*descriptor, imports)
    };
    let mut externs = Vec::with_capacity(imports.len());
    for import in imports {
        // SAFETY: guaranteed by the caller.
        match unsafe { to_extern(import) } {
            Some(e) => externs.push(e),
            None => return fail(Status::Error, "invalid import handle".into()),
        }
    }
    // SAFETY: `out` is writable (caller's contract).
    unsafe { store_instance(Instance::new(descriptor, &externs, None), out) }
}

/// Stores a new instance in `*out`, or records why instantiation failed.
///
/// # Safety
/// `out` must be writable.
unsafe fn store_instance(
    created: Result<Box<Instance>, InstantiateError>,
    out: *mut *mut Instance,
) -> Status {
    match created {
        Ok(instance) => {
            // SAFETY: guaranteed by the caller.
            unsafe { *out = Box::into_raw(instance) };
            Status::Ok
        }
        Err(InstantiateError::Link(m)) => fail(Status::Link, m),
        Err(InstantiateError::Resource(m)) => fail(Status::Error, m),
        Err(InstantiateError::Trap(unwind)) => unwound(unwind),
    }
}

/// Frees an instance (and its memories and tables).
///
/// # Safety
/// `instance` must come from [`wasi_aot_instance_new`], and no other instance may still
/// import from it.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_instance_free(instance: *mut Instance) {
    if !instance.is_null() {
        // SAFETY: guaranteed by the caller.
        drop(unsafe { Box::from_raw(instance) });
    }
}

/// Looks up export `name` (UTF-8, `len` bytes) of `instance` into `*out`; returns
/// [`Status::Error`] if there is none.
///
/// # Safety
/// `instance` must be live, `name` readable for `len` bytes, `out` writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_instance_export(
    instance: *mut Instance,
    name: *const u8,
    len: usize,
    out: *mut WasiAotExtern,
) -> Status {
    // SAFETY: guaranteed by the caller.
    let (inst, name) = unsafe { (&*instance, std::slice::from_raw_parts(name, len)) };
    let Ok(name) = std::str::from_utf8(name) else {
        return fail(Status::Error, "export name is not UTF-8".into());
    };
    match inst.export(name) {
        Some((kind, index)) => {
            // SAFETY: `out` is writable.
            unsafe {
                *out = WasiAotExtern {
                    instance,
                    kind: u32::from(kind),
                    index,
                }
            };
            Status::Ok
        }
        None => fail(Status::Error, format!("no export named {name:?}")),
    }
}

/// Calls the function `func` with its arguments in `values` (16 bytes each); on
/// success the results replace them. `count` must cover both parameters and results.
///
/// # Safety
/// `func` must be a function extern of a live instance; `values` writable for `count`
/// slots.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_call(
    func: *const WasiAotExtern,
    values: *mut u128,
    count: usize,
) -> Status {
    // SAFETY: guaranteed by the caller.
    let (func, values) = unsafe { (&*func, std::slice::from_raw_parts_mut(values, count)) };
    if func.kind != u32::from(extern_kind::FUNC) {
        return fail(Status::Error, "not a function".into());
    }
    // SAFETY: guaranteed by the caller.
    let instance = unsafe { &mut *func.instance };
    let (params, results) = instance.function_arity(func.index);
    if count < params.max(results) {
        return fail(Status::Error, "too few value slots".into());
    }
    match instance.call_function(func.index, values) {
        Ok(()) => Status::Ok,
        Err(unwind) => unwound(unwind),
    }
}

/// The storage of a global extern (16 bytes, value in the low bytes), or null.
///
/// # Safety
/// `global` must be an extern of a live instance.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_global(global: *const WasiAotExtern) -> *mut u8 {
    // SAFETY: guaranteed by the caller.
    let global = unsafe { &*global };
    if global.kind != u32::from(extern_kind::GLOBAL) {
        return std::ptr::null_mut();
    }
    // SAFETY: guaranteed by the caller.
    unsafe { (*global.instance).global_pointer(global.index).cast() }
}

/// Memory 0 of the instance owning `vmctx` (the first argument every host function
/// receives): its base, with its size in bytes stored in `*size` if `size` is not null
/// (0 and null if it has no memory). The base never moves; the size may grow during
/// later wasm calls.
///
/// # Safety
/// `vmctx` must be the pointer a host function received; `size` null or writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_caller_memory(vmctx: *mut u8, size: *mut usize) -> *mut u8 {
    // SAFETY: guaranteed by the caller.
    let instance = unsafe { crate::instance::instance_from_vmctx(vmctx) };
    let (base, length) = if instance.has_memory() {
        let def = instance.memory_definition(0);
        // SAFETY: the definition is live.
        unsafe { ((*def).base, (*def).length as usize) }
    } else {
        (std::ptr::null_mut(), 0)
    };
    if !size.is_null() {
        // SAFETY: `size` is writable.
        unsafe { *size = length };
    }
    base
}

/// Copies the last error message of this thread (NUL-terminated, truncated to `len`)
/// into `buf`; returns the message's full length.
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_last_error(buf: *mut u8, len: usize) -> usize {
    LAST_ERROR.with(|e| {
        let e = e.borrow();
        let e = e.as_bytes();
        if len > 0 {
            let n = e.len().min(len - 1);
            // SAFETY: `buf` is writable for `len > n` bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(e.as_ptr(), buf, n);
                *buf.add(n) = 0;
            }
        }
        e.len()
    })
}

/// The last error message of this thread as a NUL-terminated string, valid until the
/// next failing call on this thread (empty if nothing failed yet).
#[no_mangle]
pub extern "C" fn wasi_aot_last_error_message() -> *const c_char {
    // The CString's heap buffer stays put until the next failure replaces it.
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// The trap code (`wasi_aot_abi::trap::Trap`) of this thread's last [`Status::Trap`].
#[no_mangle]
pub extern "C" fn wasi_aot_last_trap() -> u32 {
    LAST_TRAP.with(|t| t.borrow().0)
}

/// The exit status of this thread's last [`Status::Exit`].
#[no_mangle]
pub extern "C" fn wasi_aot_last_exit_status() -> i32 {
    LAST_TRAP.with(|t| t.borrow().1)
}

/// The last error message of this thread, for Rust embedders.
pub fn last_error() -> String {
    LAST_ERROR.with(|e| e.borrow().to_string_lossy().into_owned())
}
