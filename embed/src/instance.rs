//! Instances: creating them, running them as commands or reactors, calling exports,
//! and reaching their memories, globals and host data.

use std::any::Any;
use std::marker::PhantomData;
use std::ptr::NonNull;

use wasi_aot_runtime::embed::{library, wasi_aot_instance_free};
use wasi_aot_runtime::instance::Instance as RawInstance;

use crate::host::{self, HostData};
use crate::{
    Config, Error, ExportType, ExternKind, FuncType, GlobalType, Module, Result, Val, ValType,
    WasmParams, WasmResults,
};

/// Whether an instance can still run code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// It can.
    Ready,
    /// A call trapped: calls now fail with [`Error::Poisoned`].
    Trapped,
    /// The guest called `proc_exit` with this status: calls now fail with
    /// [`Error::Poisoned`].
    Exited(i32),
}

/// An instance of a [`Module`], with its own memory, globals, tables and WASI state.
/// Calls take `&mut self`, so no slice of its memory can be held across one.
pub struct Instance {
    raw: NonNull<RawInstance>,
    module: Module,
    data: *mut HostData,
}

// SAFETY: an instance owns all its state (memories, tables, WASI descriptors; its host
// data is `Send`), imports nothing from other instances, and is used by one thread at a
// time through `&mut self`, which is the runtime's threading rule.
unsafe impl Send for Instance {}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("module", &self.module)
            .field("state", &self.state())
            .finish()
    }
}

/// Checks that `ty` is the function type `params -> results` wanted for `what`.
fn check_type(what: &str, ty: &FuncType, params: &[ValType], results: &[ValType]) -> Result<()> {
    if ty.params == params && ty.results == results {
        Ok(())
    } else {
        let wanted = FuncType {
            params: params.to_vec(),
            results: results.to_vec(),
        };
        Err(Error::Invalid(format!(
            "{what} has type {ty}, not {wanted}"
        )))
    }
}

impl Instance {
    /// Creates an instance of `module` configured by `config`, with no host data.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad configuration (a host function of the wrong type, a
    /// preopened directory that cannot be opened), [`Error::Link`] if a host function is
    /// missing, [`Error::Trap`] or [`Error::Exit`] if the module's start function ends
    /// so.
    pub fn new(module: Module, config: &Config) -> Result<Instance> {
        Instance::with_data(module, config, ())
    }

    /// [`Instance::new`] with host data that host functions reach through
    /// [`Caller::data`](crate::Caller::data) and the host through [`Instance::data`].
    ///
    /// # Errors
    /// As [`Instance::new`].
    pub fn with_data<T: Any + Send>(module: Module, config: &Config, data: T) -> Result<Instance> {
        let imports = module.imports();
        for given in &config.imports {
            let found = imports.iter().find(|i| {
                i.module.as_bytes() == given.module.to_bytes()
                    && i.name.as_bytes() == given.name.to_bytes()
            });
            if let Some(import) = found {
                let what = format!("the host function for {}.{}", import.module, import.name);
                match &import.kind {
                    ExternKind::Func(ty) => check_type(&what, &given.ty, &ty.params, &ty.results)
                        .map_err(|_| {
                        Error::Invalid(format!(
                            "{what} has type {}, but the module imports it with type {ty}",
                            given.ty
                        ))
                    })?,
                    _ => {
                        return Err(Error::Invalid(format!(
                            "{}.{} is not a function import",
                            import.module, import.name
                        )))
                    }
                }
            }
        }
        let data = Box::into_raw(Box::new(HostData(Box::new(data))));
        host::register(data);
        let created = config.to_raw(data.cast()).and_then(|raw| {
            let mut out = std::ptr::null_mut();
            // SAFETY: `module` is a module object; `raw.config` points into `config` and
            // `raw`'s vectors, alive during the call; `out` is writable.
            let status =
                unsafe { library::wasi_aot_instantiate(module.raw(), &raw.config, &mut out) };
            Error::check(status).map(|()| out)
        });
        match created.map(NonNull::new) {
            Ok(Some(raw)) => Ok(Instance { raw, module, data }),
            other => {
                host::unregister(data);
                // SAFETY: created above and not shared (no instance was created).
                drop(unsafe { Box::from_raw(data) });
                Err(other
                    .err()
                    .unwrap_or_else(|| Error::Invalid("no instance was created".into())))
            }
        }
    }

    /// The instance's module.
    pub fn module(&self) -> Module {
        self.module
    }

    fn raw(&self) -> *mut RawInstance {
        self.raw.as_ptr()
    }

    /// Whether it can still run code.
    pub fn state(&self) -> State {
        let mut code = 0;
        // SAFETY: the instance is live; `code` is writable.
        match unsafe { library::wasi_aot_instance_state(self.raw(), &mut code) } {
            library::state::READY => State::Ready,
            library::state::TRAPPED => State::Trapped,
            _ => State::Exited(code),
        }
    }

    /// Runs a command (node:wasi's `start()`): calls `_start` once; returns the exit
    /// status (0 if `_start` returned, else `proc_exit`'s).
    ///
    /// # Errors
    /// [`Error::Invalid`] if the module exports `_initialize`, has no `_start`, does not
    /// export `memory`, or `start`/`initialize` ran before; [`Error::Trap`].
    pub fn start(&mut self) -> Result<i32> {
        let mut code = 0;
        // SAFETY: the instance is live; `code` is writable.
        Error::check(unsafe { library::wasi_aot_start(self.raw(), &mut code) })?;
        Ok(code)
    }

    /// Initializes a reactor (node:wasi's `initialize()`): calls `_initialize` once if
    /// the module exports it.
    ///
    /// # Errors
    /// [`Error::Invalid`] if the module exports `_start`, does not export `memory`, or
    /// `start`/`initialize` ran before; [`Error::Trap`] and [`Error::Exit`].
    pub fn initialize(&mut self) -> Result<()> {
        // SAFETY: the instance is live.
        Error::check(unsafe { library::wasi_aot_initialize(self.raw()) })
    }

    /// The function export `name`, checked to have type `P -> R`, for calling many
    /// times.
    ///
    /// # Errors
    /// [`Error::Invalid`] if there is no such function or its type differs.
    pub fn typed_func<P: WasmParams, R: WasmResults>(&self, name: &str) -> Result<TypedFunc<P, R>> {
        let export = self.module.export(name)?;
        let ExternKind::Func(ty) = &export.kind else {
            return Err(Error::Invalid(format!("export {name:?} is not a function")));
        };
        check_type(&format!("function {name:?}"), ty, &P::types(), &R::types())?;
        Ok(TypedFunc {
            module: self.module,
            export: export.index,
            slots: ty.params.len().max(ty.results.len()),
            _types: PhantomData,
        })
    }

    /// Calls the function export `name` with `params`, checking its type each time.
    ///
    /// ```text
    /// let sum: i32 = instance.call("add", (1, 2))?;
    /// let (q, r): (i32, i32) = instance.call("divmod", (7, 2))?;
    /// instance.call::<(), ()>("reset", ())?;
    /// ```
    ///
    /// # Errors
    /// As [`Instance::typed_func`] and [`TypedFunc::call`].
    pub fn call<P: WasmParams, R: WasmResults>(&mut self, name: &str, params: P) -> Result<R> {
        self.typed_func::<P, R>(name)?.call(self, params)
    }

    /// Calls the function export `name` with values checked at run time.
    ///
    /// # Errors
    /// [`Error::Invalid`] if there is no such function or the values do not fit its
    /// parameters (or it has `funcref` results); errors of the call itself.
    pub fn call_dynamic(&mut self, name: &str, params: &[Val]) -> Result<Vec<Val>> {
        let export = self.module.export(name)?;
        let ExternKind::Func(ty) = &export.kind else {
            return Err(Error::Invalid(format!("export {name:?} is not a function")));
        };
        let given: Vec<ValType> = params.iter().map(Val::ty).collect();
        if given != ty.params || ty.results.contains(&ValType::FuncRef) {
            return Err(Error::Invalid(format!(
                "function {name:?} has type {ty}; cannot call it with {given:?}"
            )));
        }
        let mut slots = vec![0u128; ty.params.len().max(ty.results.len())];
        for (slot, v) in slots.iter_mut().zip(params) {
            *slot = v.to_slot();
        }
        self.call_raw(export.index, &mut slots)?;
        Ok(ty
            .results
            .iter()
            .zip(&slots)
            .filter_map(|(&t, &s)| Val::from_slot(t, s))
            .collect())
    }

    /// Calls export `index` with `slots` holding its parameters, then its results.
    fn call_raw(&mut self, index: usize, slots: &mut [u128]) -> Result<()> {
        // SAFETY: the instance is live; `slots` is 16-byte aligned (u128) and covers the
        // function's parameters and results (the callers size it from its type).
        Error::check(unsafe {
            library::wasi_aot_call_export(self.raw(), index, slots.as_mut_ptr(), slots.len())
        })
    }

    /// The memory export `name` as a byte slice (of its current size).
    ///
    /// # Errors
    /// [`Error::Invalid`] if there is no such memory.
    pub fn memory(&self, name: &str) -> Result<&[u8]> {
        let (base, size) = self.raw_memory(name)?;
        // SAFETY: base..base+size is the instance's committed memory; no wasm code runs
        // while this shared borrow of the instance lasts (calls need `&mut self`).
        Ok(unsafe { std::slice::from_raw_parts(base, size) })
    }

    /// The memory export `name` as a mutable byte slice (of its current size).
    ///
    /// # Errors
    /// [`Error::Invalid`] if there is no such memory.
    pub fn memory_mut(&mut self, name: &str) -> Result<&mut [u8]> {
        let (base, size) = self.raw_memory(name)?;
        // SAFETY: as in `memory`, with an exclusive borrow.
        Ok(unsafe { std::slice::from_raw_parts_mut(base, size) })
    }

    fn raw_memory(&self, name: &str) -> Result<(*mut u8, usize)> {
        let export = self.export_of(name, "a memory", |k| matches!(k, ExternKind::Memory))?;
        let mut size = 0;
        // SAFETY: the instance is live; `size` is writable.
        let base = unsafe { library::wasi_aot_export_memory(self.raw(), export.index, &mut size) };
        match NonNull::new(base) {
            Some(base) => Ok((base.as_ptr(), size)),
            None => Err(Error::Invalid(wasi_aot_runtime::embed::last_error())),
        }
    }

    fn export_of(
        &self,
        name: &str,
        what: &str,
        is: impl Fn(&ExternKind) -> bool,
    ) -> Result<ExportType> {
        let export = self.module.export(name)?;
        if is(&export.kind) {
            Ok(export)
        } else {
            Err(Error::Invalid(format!("export {name:?} is not {what}")))
        }
    }

    /// The value of the global export `name`.
    ///
    /// # Errors
    /// [`Error::Invalid`] if there is no such global, or it is a `funcref`.
    pub fn global(&self, name: &str) -> Result<Val> {
        let export = self.export_of(name, "a global", |k| matches!(k, ExternKind::Global(_)))?;
        let ExternKind::Global(GlobalType { content, .. }) = export.kind else {
            unreachable!("checked by export_of");
        };
        let mut slot = 0u128;
        // SAFETY: the instance is live; `slot` is writable.
        Error::check(unsafe {
            library::wasi_aot_export_global_get(self.raw(), export.index, &mut slot)
        })?;
        Val::from_slot(content, slot)
            .ok_or_else(|| Error::Invalid(format!("global {name:?} is a funcref")))
    }

    /// Sets the mutable global export `name`.
    ///
    /// # Errors
    /// [`Error::Invalid`] if there is no such global, it is immutable, or `value` has
    /// another type.
    pub fn set_global(&mut self, name: &str, value: Val) -> Result<()> {
        let export = self.export_of(name, "a global", |k| matches!(k, ExternKind::Global(_)))?;
        let ExternKind::Global(GlobalType { content, .. }) = export.kind else {
            unreachable!("checked by export_of");
        };
        if value.ty() != content {
            return Err(Error::Invalid(format!(
                "global {name:?} has type {content}, not {}",
                value.ty()
            )));
        }
        let slot = value.to_slot();
        // SAFETY: the instance is live; `slot` is readable.
        Error::check(unsafe {
            library::wasi_aot_export_global_set(self.raw(), export.index, &slot)
        })
    }

    /// The host data given to [`Instance::with_data`], if it has type `T`.
    pub fn data<T: Any>(&self) -> Option<&T> {
        // SAFETY: `data` is owned by this instance and lives until it is dropped; host
        // functions reach it only during calls, which need `&mut self`.
        unsafe { (*self.data).0.downcast_ref::<T>() }
    }

    /// The host data, writable.
    pub fn data_mut<T: Any>(&mut self) -> Option<&mut T> {
        // SAFETY: as in `data`, with an exclusive borrow.
        unsafe { (*self.data).0.downcast_mut::<T>() }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // SAFETY: the instance came from wasi_aot_instantiate and is freed once; no
        // other instance imports from it (library instances import only functions).
        unsafe { wasi_aot_instance_free(self.raw()) };
        host::unregister(self.data);
        // SAFETY: created by `Box::into_raw` in `with_data`; the instance that used it
        // is gone.
        drop(unsafe { Box::from_raw(self.data) });
    }
}

/// A function export with a checked type, callable on any instance of its module.
#[derive(Debug)]
pub struct TypedFunc<P, R> {
    module: Module,
    export: usize,
    slots: usize,
    _types: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// Calls the function on `instance` (an instance of the same module).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an instance of another module; [`Error::Trap`] and
    /// [`Error::Exit`] (both poison the instance), and [`Error::Poisoned`] if it was
    /// already.
    pub fn call(&self, instance: &mut Instance, params: P) -> Result<R> {
        if instance.module != self.module {
            return Err(Error::Invalid(format!(
                "this function belongs to module `{}`, not `{}`",
                self.module.name(),
                instance.module.name()
            )));
        }
        let mut buffer = [0u128; 8];
        let mut heap = Vec::new();
        let slots: &mut [u128] = if self.slots <= buffer.len() {
            &mut buffer[..self.slots]
        } else {
            heap.resize(self.slots, 0);
            &mut heap
        };
        params.store(slots);
        instance.call_raw(self.export, slots)?;
        Ok(R::load(slots))
    }
}
