//! Host functions: Rust functions a module imports, and what they see of the instance
//! that called them.
//!
//! A host function is an `extern "C" fn(Caller<'_>, params...) -> result` with
//! parameters and result among `i32`, `i64`, `f32`, `f64` and [`ExternRef`] (at most one
//! result). [`Config::host_func`](crate::Config::host_func) takes it as a function
//! pointer, whose type is checked against the import when the instance is created:
//!
//! ```
//! use wasi_aot_embed::{Caller, Config};
//!
//! extern "C" fn add(_: Caller<'_>, a: i32, b: i32) -> i32 {
//!     a.wrapping_add(b)
//! }
//!
//! let mut config = Config::new();
//! config.host_func("env", "add", add as extern "C" fn(Caller<'_>, i32, i32) -> i32);
//! ```
//!
//! A host function must not panic: a panic cannot unwind out of an `extern "C"` function
//! (through wasm frames), so it aborts the process.

use std::any::Any;
use std::collections::HashSet;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Mutex;

use wasi_aot_runtime::embed::config::HostFunc;
use wasi_aot_runtime::embed::library;
use wasi_aot_runtime::embed::wasi_aot_caller_memory;

use crate::values::sealed::Sealed;
use crate::{ExternRef, FuncType, ValType, WasmTy};

/// The instance that called a host function: its memory 0 and its host data. Only the
/// runtime creates callers, and one lives only for its call.
#[repr(transparent)]
pub struct Caller<'a> {
    vmctx: NonNull<u8>,
    _call: PhantomData<&'a mut ()>,
}

/// The host data of instances this crate created (see [`Caller::data`]), by address.
static HOST_DATA: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

/// Host data, boxed once more so that the runtime's `user_data` is a thin pointer.
pub(crate) struct HostData(pub(crate) Box<dyn Any + Send>);

/// Records that `data` is host data (so callers may cast `user_data` back).
pub(crate) fn register(data: *mut HostData) {
    let mut set = HOST_DATA.lock().unwrap_or_else(|e| e.into_inner());
    set.get_or_insert_with(HashSet::new).insert(data as usize);
}

/// Forgets `data` (its instance is gone).
pub(crate) fn unregister(data: *mut HostData) {
    let mut set = HOST_DATA.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(set) = set.as_mut() {
        set.remove(&(data as usize));
    }
}

fn is_registered(data: *mut std::ffi::c_void) -> bool {
    let set = HOST_DATA.lock().unwrap_or_else(|e| e.into_inner());
    set.as_ref().is_some_and(|s| s.contains(&(data as usize)))
}

impl Caller<'_> {
    /// The raw memory 0 of the caller (null and 0 if it has none).
    fn raw_memory(&self) -> (*mut u8, usize) {
        let mut size = 0;
        // SAFETY: `vmctx` is the context the runtime passed to this host function,
        // which is running now (a caller lives only for its call).
        let base = unsafe { wasi_aot_caller_memory(self.vmctx.as_ptr(), &mut size) };
        (base, size)
    }

    /// The caller's memory 0 (empty if it has none).
    pub fn memory(&self) -> &[u8] {
        match self.raw_memory() {
            (base, size) if !base.is_null() => {
                // SAFETY: base..base+size is the caller's committed memory; wasm code is
                // suspended in this call and nothing else refers to the memory while
                // this borrow of the caller lasts.
                unsafe { std::slice::from_raw_parts(base, size) }
            }
            _ => &[],
        }
    }

    /// The caller's memory 0, writable (empty if it has none).
    pub fn memory_mut(&mut self) -> &mut [u8] {
        self.memory_and_data::<()>().0
    }

    /// The host data of the caller (see [`Instance::with_data`](crate::Instance::with_data)),
    /// if it has data of type `T`.
    pub fn data<T: Any>(&mut self) -> Option<&mut T> {
        self.memory_and_data::<T>().1
    }

    /// The caller's memory and host data together.
    pub fn memory_and_data<T: Any>(&mut self) -> (&mut [u8], Option<&mut T>) {
        let memory: &mut [u8] = match self.raw_memory() {
            (base, size) if !base.is_null() => {
                // SAFETY: as in `memory`, with this exclusive borrow of the caller.
                unsafe { std::slice::from_raw_parts_mut(base, size) }
            }
            _ => &mut [],
        };
        // SAFETY: as in `raw_memory`.
        let data = unsafe { library::wasi_aot_caller_user_data(self.vmctx.as_ptr()) };
        let data = if is_registered(data) {
            // SAFETY: a registered pointer is the live `HostData` of the calling
            // instance, which this crate created; its owner is inside a call (`&mut`
            // borrowed), so this is the only reference to it.
            unsafe { (*data.cast::<HostData>()).0.downcast_mut::<T>() }
        } else {
            None
        };
        (memory, data)
    }
}

/// A parameter type of host functions: `i32`, `i64`, `f32`, `f64`, [`ExternRef`].
pub trait HostParam: WasmTy {}
impl HostParam for i32 {}
impl HostParam for i64 {}
impl HostParam for f32 {}
impl HostParam for f64 {}
impl HostParam for ExternRef {}

/// A result type of host functions: `()` or a [`HostParam`] type.
pub trait HostResult: Sealed {
    /// The wasm result type, if any.
    const TYPE: Option<ValType>;
}
impl HostResult for () {
    const TYPE: Option<ValType> = None;
}
impl<T: HostParam> HostResult for T {
    const TYPE: Option<ValType> = Some(T::TYPE);
}

/// A host function pointer: `extern "C" fn(Caller<'_>, params...) -> result` with up to
/// eight [`HostParam`]s and a [`HostResult`].
pub trait HostFunction: Copy + Send + Sync + 'static + Sealed {
    /// Its wasm type.
    fn ty() -> FuncType;
    /// The pointer as the runtime takes it.
    fn into_raw(self) -> HostFunc;
}

macro_rules! host_functions {
    ($(($($p:ident),*);)*) => {$(
        impl<R: HostResult, $($p: HostParam),*> Sealed for extern "C" fn(Caller<'_>, $($p),*) -> R {}
        impl<R: HostResult + 'static, $($p: HostParam + 'static),*> HostFunction
            for extern "C" fn(Caller<'_>, $($p),*) -> R
        {
            fn ty() -> FuncType {
                FuncType {
                    params: vec![$($p::TYPE),*],
                    results: R::TYPE.into_iter().collect(),
                }
            }
            fn into_raw(self) -> HostFunc {
                let code = self as *const ();
                // SAFETY: a function pointer cast to the runtime's untyped function
                // pointer; the runtime calls it only through an import of type
                // `Self::ty()` (checked at instantiation), passing the caller's vmctx
                // (a `Caller`, which is a transparent pointer) first.
                unsafe { std::mem::transmute::<*const (), HostFunc>(code) }
            }
        }
    )*};
}

host_functions! {
    ();
    (A);
    (A, B);
    (A, B, C);
    (A, B, C, D);
    (A, B, C, D, E);
    (A, B, C, D, E, F);
    (A, B, C, D, E, F, G);
    (A, B, C, D, E, F, G, H);
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" fn add(_: Caller<'_>, a: i32, b: i32) -> i32 {
        a + b
    }

    extern "C" fn log(_: Caller<'_>, _: ExternRef, _: f64) {}

    #[test]
    fn host_function_types() {
        type Add = extern "C" fn(Caller<'_>, i32, i32) -> i32;
        type Log = extern "C" fn(Caller<'_>, ExternRef, f64);
        assert_eq!(
            <Add as HostFunction>::ty(),
            FuncType {
                params: vec![ValType::I32, ValType::I32],
                results: vec![ValType::I32]
            }
        );
        assert_eq!(
            <Log as HostFunction>::ty(),
            FuncType {
                params: vec![ValType::ExternRef, ValType::F64],
                results: vec![]
            }
        );
        assert_eq!((add as Add).into_raw() as usize, add as Add as usize);
        assert_eq!((log as Log).into_raw() as usize, log as Log as usize);
    }
}
