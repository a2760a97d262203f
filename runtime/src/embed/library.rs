//! Library mode: the C ABI behind the header `wasi-aot build --lib` generates.
//!
//! A library defines one [`LibraryModule`] per compiled module (`wasi_aot_module_NAME`:
//! its descriptor, and the host functions found by symbol). A host instantiates it with
//! a [`Config`](super::config::Config) ([`wasi_aot_instantiate`]), runs it as a command
//! ([`wasi_aot_start`]) or a reactor ([`wasi_aot_initialize`]) as node:wasi does, calls
//! its exports by export index ([`wasi_aot_call_export`]), and reads its memories and
//! globals. Modules are described by [`wasi_aot_module_export`] and
//! [`wasi_aot_module_import`], so hosts can also work by name (the Rust wrapper does).
//!
//! Instances stop after a trap or an exit: a trap may leave the guest's memory half
//! updated (a C module's shadow stack pointer, for one, is not restored), and `proc_exit`
//! ends the program. Every later call that would run wasm code returns
//! [`Status::Poisoned`]; memories and globals stay readable.
//!
//! Host functions receive the calling instance's vmctx first; `wasi_aot_caller_memory`
//! (in the parent module), [`wasi_aot_caller_user_data`] and [`wasi_aot_caller_instance`]
//! reach the instance from it.

use std::ffi::{c_char, c_void};

use wasi_aot_abi::descriptor::{extern_kind, val_type, ExportDesc, ModuleDescriptor, ABI_VERSION};
use wasi_aot_abi::host::host_symbol;
use wasi_aot_abi::vmctx::VMFuncRef;

use super::config::{self, HostImport};
use super::{fail, store_instance, unwound, Status, LAST_TRAP};
use crate::instance::{
    function_type_index, global_type, instance_from_vmctx, Extern, Instance, InstanceState,
};
use crate::signatures;
use crate::traps::Unwind;
use crate::wasi::WasiCtx;

/// A compiled module linked into the program (`wasi_aot_module`). The library's glue
/// code defines one per module as `wasi_aot_module_NAME`.
#[repr(C)]
#[derive(Debug)]
pub struct LibraryModule {
    /// The module descriptor the compiler emitted (`wasi_aot_descriptor_NAME`).
    pub descriptor: *const ModuleDescriptor,
    /// Host functions bound by symbol (`M_N`, weak references: null when the program
    /// does not define them).
    pub imports: *const HostImport,
    /// Number of `imports`.
    pub imports_len: usize,
    /// The library's name (`--name`), NUL-terminated.
    pub name: *const c_char,
}

/// Instance states as [`wasi_aot_instance_state`] reports them.
pub mod state {
    /// The instance may run code.
    pub const READY: u32 = 0;
    /// A call trapped; calls now return `WASI_AOT_POISONED`.
    pub const TRAPPED: u32 = 1;
    /// The guest called `proc_exit`; calls now return `WASI_AOT_POISONED`.
    pub const EXITED: u32 = 2;
}

/// The type of an import or export (`wasi_aot_extern_type`). Names point into the
/// module's static data and are not NUL-terminated.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ExternType {
    /// The import's module name (null for exports).
    pub module: *const u8,
    /// Length of `module`.
    pub module_len: usize,
    /// The import's field name, or the export's name.
    pub name: *const u8,
    /// Length of `name`.
    pub name_len: usize,
    /// A `wasi_aot_abi::descriptor::extern_kind` value.
    pub kind: u32,
    /// Functions: parameter types (`val_type` codes).
    pub params: *const u8,
    /// Number of `params`.
    pub params_len: usize,
    /// Functions: result types.
    pub results: *const u8,
    /// Number of `results`.
    pub results_len: usize,
    /// Globals: the value type.
    pub global_type: u8,
    /// Globals: whether it is mutable.
    pub global_mutable: bool,
}

impl Default for ExternType {
    fn default() -> ExternType {
        ExternType {
            module: std::ptr::null(),
            module_len: 0,
            name: std::ptr::null(),
            name_len: 0,
            kind: 0,
            params: std::ptr::null(),
            params_len: 0,
            results: std::ptr::null(),
            results_len: 0,
            global_type: 0,
            global_mutable: false,
        }
    }
}

/// The value of a `Result<T, Status>`, or returns its status from the function.
macro_rules! or_return {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(status) => return status,
        }
    };
}

/// The descriptor of `module`, checked for this runtime's ABI version.
///
/// # Safety
/// `module` must be null or a `wasi_aot_module_NAME` object (static data).
unsafe fn descriptor_of(module: *const LibraryModule) -> Result<&'static ModuleDescriptor, Status> {
    // SAFETY: guaranteed by the caller.
    let Some(module) = (unsafe { module.as_ref() }) else {
        return Err(fail(Status::Error, "the module is null".into()));
    };
    // SAFETY: descriptors are static data of the program.
    let Some(descriptor) = (unsafe { module.descriptor.as_ref() }) else {
        return Err(fail(Status::Error, "the module has no descriptor".into()));
    };
    if descriptor.abi_version != ABI_VERSION {
        return Err(fail(
            Status::Link,
            "the module was compiled for another runtime version".into(),
        ));
    }
    Ok(descriptor)
}

/// The instance behind a handle.
///
/// # Safety
/// `instance` must be null or a live instance from [`wasi_aot_instantiate`].
unsafe fn instance_mut<'a>(instance: *mut Instance) -> Result<&'a mut Instance, Status> {
    // SAFETY: guaranteed by the caller.
    unsafe { instance.as_mut() }.ok_or_else(|| fail(Status::Error, "the instance is null".into()))
}

/// `Status::Poisoned` (with the reason) unless the instance may run code.
fn ensure_ready(instance: &Instance) -> Result<(), Status> {
    match instance.state() {
        InstanceState::Ready => Ok(()),
        InstanceState::Trapped(message) => Err(fail(
            Status::Poisoned,
            format!("the instance can no longer run code: an earlier call trapped ({message})"),
        )),
        InstanceState::Exited(code) => Err(fail(
            Status::Poisoned,
            format!("the instance can no longer run code: the guest exited with status {code}"),
        )),
    }
}

/// Records what a call's unwind did to the instance and returns its status.
fn finish(instance: &mut Instance, result: Result<(), Unwind>) -> Status {
    match result {
        Ok(()) => Status::Ok,
        Err(unwind) => {
            instance.set_state(match unwind {
                Unwind::Trap(ref trap) => InstanceState::Trapped(trap.to_string()),
                Unwind::Exit(code) => InstanceState::Exited(code),
            });
            unwound(unwind)
        }
    }
}

fn utf8(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The function imports of `descriptor` resolved for one instance: bound at build time
/// (WASI), from `config` (which wins), or from the library's symbol table.
fn resolve_imports(
    descriptor: &'static ModuleDescriptor,
    module: &LibraryModule,
    configured: &[(Vec<u8>, Vec<u8>, config::HostFunc)],
) -> Result<Vec<Extern>, String> {
    // SAFETY: descriptor arrays and the module's table are static data.
    let (imports, by_symbol) = unsafe {
        let table = if module.imports.is_null() || module.imports_len == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(module.imports, module.imports_len)
        };
        (descriptor.imports.as_slice(), table)
    };
    let mut externs = Vec::with_capacity(imports.len());
    let mut missing = Vec::new();
    for import in imports {
        // SAFETY: as above.
        let (m, n) = unsafe { (import.module.as_slice(), import.name.as_slice()) };
        let name = format!("{}.{}", utf8(m), utf8(n));
        if import.kind != extern_kind::FUNC {
            return Err(format!(
                "import {name} is not a function: library instances can only import functions"
            ));
        }
        let code = if import.static_code.is_null() {
            let from_config = configured
                .iter()
                .find(|(cm, cn, _)| cm == m && cn == n)
                .map(|c| c.2);
            let from_symbol = by_symbol.iter().find_map(|h| {
                // SAFETY: the table's strings are static NUL-terminated data.
                let (hm, hn) = unsafe {
                    (
                        config::c_str(h.module, "module").ok()?,
                        config::c_str(h.name, "name").ok()?,
                    )
                };
                (hm == m && hn == n).then_some(h.func).flatten()
            });
            match from_config.or(from_symbol) {
                Some(f) => f as *const u8,
                None => {
                    missing.push(format!(
                        "  {name} (define the C function `{}` or pass it in wasi_aot_config.imports)",
                        host_symbol(&utf8(m), &utf8(n))
                    ));
                    continue;
                }
            }
        } else {
            import.static_code
        };
        externs.push(Extern::Func(VMFuncRef {
            code,
            vmctx: std::ptr::null_mut(),
            type_id: signatures::canonical_id(descriptor, import.type_index),
        }));
    }
    if missing.is_empty() {
        Ok(externs)
    } else {
        Err(format!("missing host functions:\n{}", missing.join("\n")))
    }
}

/// Creates an instance of `module` configured by `config` (null: the defaults of
/// `wasi_aot_config_init`), runs its start function (the module's `start` section, not
/// `_start`), and stores it in `*out`.
///
/// Returns [`Status::Link`] if a host function is missing, [`Status::Error`] for a bad
/// configuration or a preopen that cannot be opened, [`Status::Trap`] or
/// [`Status::Exit`] if the start function ended that way (no instance is created then).
///
/// # Safety
/// `module` must be a `wasi_aot_module_NAME` object; `config` null or valid as
/// documented on [`Config`](super::config::Config); `out` writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_instantiate(
    module: *const LibraryModule,
    config: *const config::Config,
    out: *mut *mut Instance,
) -> Status {
    if out.is_null() {
        return fail(Status::Error, "`out` is null".into());
    }
    // SAFETY: guaranteed by the caller.
    let descriptor = or_return!(unsafe { descriptor_of(module) });
    // SAFETY: guaranteed by the caller.
    let parsed = match unsafe { config::parse(config) } {
        Ok(p) => p,
        Err(message) => return fail(Status::Error, message),
    };
    // SAFETY: checked non-null by `descriptor_of`; static data.
    let module = unsafe { &*module };
    let imports = match resolve_imports(descriptor, module, &parsed.imports) {
        Ok(imports) => imports,
        Err(message) => return fail(Status::Link, message),
    };
    let wasi = match WasiCtx::new(parsed.wasi) {
        Ok(wasi) => wasi,
        Err(e) => return fail(Status::Error, e.to_string()),
    };
    let created = Instance::with_options(descriptor, &imports, Some(wasi), parsed.options);
    // SAFETY: `out` is writable (checked non-null, caller's contract).
    unsafe { store_instance(created, out) }
}

/// Whether `instance` may run code: `state::READY`, `TRAPPED` or `EXITED` (then the
/// exit status is stored in `*exit_status` if it is not null).
///
/// # Safety
/// `instance` must be a live instance; `exit_status` null or writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_instance_state(
    instance: *const Instance,
    exit_status: *mut i32,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    match unsafe { &*instance }.state() {
        InstanceState::Ready => state::READY,
        InstanceState::Trapped(_) => state::TRAPPED,
        InstanceState::Exited(code) => {
            if !exit_status.is_null() {
                // SAFETY: writable (caller's contract).
                unsafe { *exit_status = *code };
            }
            state::EXITED
        }
    }
}

/// The `user_data` pointer `instance` was configured with.
///
/// # Safety
/// `instance` must be a live instance.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_instance_user_data(instance: *const Instance) -> *mut c_void {
    // SAFETY: guaranteed by the caller.
    unsafe { &*instance }.options().user_data
}

/// The `user_data` pointer of the instance that called a host function (`vmctx` is the
/// host function's first argument).
///
/// # Safety
/// `vmctx` must be the pointer a host function received, during that call.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_caller_user_data(vmctx: *mut u8) -> *mut c_void {
    // SAFETY: guaranteed by the caller.
    unsafe { instance_from_vmctx(vmctx) }.options().user_data
}

/// The instance that called a host function, for calling back into it (its exports and
/// memory) from the host function.
///
/// # Safety
/// `vmctx` must be the pointer a host function received, during that call.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_caller_instance(vmctx: *mut u8) -> *mut Instance {
    // SAFETY: guaranteed by the caller.
    unsafe { instance_from_vmctx(vmctx) }
}

/// The index of a function export `name` of type `[] -> []`.
fn nullary_export(instance: &Instance, name: &str) -> Option<u32> {
    match instance.export(name) {
        Some((extern_kind::FUNC, index)) if instance.is_nullary(index) => Some(index),
        _ => None,
    }
}

/// The checks `start` and `initialize` share once the module's kind is right: the
/// module exports its memory as `memory` (WASI exchanges data through it; node:wasi
/// requires it too), neither ran before (this marks them as run), and the instance
/// may run code.
fn begin_lifecycle(instance: &mut Instance) -> Result<(), Status> {
    if !matches!(instance.export("memory"), Some((extern_kind::MEMORY, _))) {
        return Err(fail(
            Status::Error,
            "the module does not export its memory as `memory`, which WASI needs".into(),
        ));
    }
    if instance.mark_lifecycle_started() {
        return Err(fail(
            Status::Error,
            "start or initialize has already run on this instance".into(),
        ));
    }
    ensure_ready(instance)
}

/// Runs a command: calls `_start` once (node:wasi's `start()`). On return, or when the
/// guest calls `proc_exit` (in return-on-exit mode), returns [`Status::Ok`] and stores
/// the exit status (0 when `_start` returned) in `*exit_code` if it is not null.
///
/// Errors ([`Status::Error`]): the module exports `_initialize` (a reactor), has no
/// `_start: [] -> []`, does not export `memory`, or `start`/`initialize` already ran.
/// A trap returns [`Status::Trap`] and poisons the instance.
///
/// # Safety
/// `instance` must be a live instance from [`wasi_aot_instantiate`]; `exit_code` null
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_start(instance: *mut Instance, exit_code: *mut i32) -> Status {
    // SAFETY: guaranteed by the caller.
    let instance = or_return!(unsafe { instance_mut(instance) });
    if instance.export("_initialize").is_some() {
        return fail(
            Status::Error,
            "the module is a reactor (it exports `_initialize`): initialize it instead of \
             starting it"
                .into(),
        );
    }
    let Some(start) = nullary_export(instance, "_start") else {
        return fail(
            Status::Error,
            "the module has no `_start` function export of type [] -> []".into(),
        );
    };
    or_return!(begin_lifecycle(instance));
    let code = match instance.call_function(start, &mut []) {
        Ok(()) => 0,
        Err(Unwind::Exit(code)) => {
            instance.set_state(InstanceState::Exited(code));
            LAST_TRAP.with(|t| *t.borrow_mut() = (0, code));
            code
        }
        Err(trap) => return finish(instance, Err(trap)),
    };
    if !exit_code.is_null() {
        // SAFETY: writable (caller's contract).
        unsafe { *exit_code = code };
    }
    Status::Ok
}

/// Initializes a reactor: calls `_initialize` once if the module exports it
/// (node:wasi's `initialize()`).
///
/// Errors ([`Status::Error`]): the module exports `_start` (a command), its
/// `_initialize` is not a `[] -> []` function, it does not export `memory`, or
/// `start`/`initialize` already ran. A trap returns [`Status::Trap`] and an exit
/// [`Status::Exit`]; both poison the instance.
///
/// # Safety
/// `instance` must be a live instance from [`wasi_aot_instantiate`].
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_initialize(instance: *mut Instance) -> Status {
    // SAFETY: guaranteed by the caller.
    let instance = or_return!(unsafe { instance_mut(instance) });
    if instance.export("_start").is_some() {
        return fail(
            Status::Error,
            "the module is a command (it exports `_start`): start it instead of initializing it"
                .into(),
        );
    }
    let initialize = match instance.export("_initialize") {
        None => None,
        Some(_) => match nullary_export(instance, "_initialize") {
            Some(index) => Some(index),
            None => {
                return fail(
                    Status::Error,
                    "the module's `_initialize` export is not a function of type [] -> []".into(),
                )
            }
        },
    };
    or_return!(begin_lifecycle(instance));
    match initialize {
        Some(index) => {
            let result = instance.call_function(index, &mut []);
            finish(instance, result)
        }
        None => Status::Ok,
    }
}

/// Export `index` of the instance's module.
fn export_at(instance: &Instance, index: usize) -> Option<&'static ExportDesc> {
    // SAFETY: descriptor arrays are static data.
    unsafe { instance.descriptor().exports.as_slice() }.get(index)
}

/// Export `export_index` if it has `kind`; else `Status::Error` naming `what`.
fn export_of_kind(
    instance: &Instance,
    export_index: usize,
    kind: u8,
    what: &str,
) -> Result<u32, Status> {
    match export_at(instance, export_index) {
        Some(e) if e.kind == u32::from(kind) => Ok(e.index),
        Some(_) => Err(fail(
            Status::Error,
            format!("export {export_index} is not {what}"),
        )),
        None => Err(fail(
            Status::Error,
            format!("the module has no export {export_index}"),
        )),
    }
}

/// Calls the function export number `export_index` (in module order) with its
/// parameters in `values` (one 16-byte `wasi_aot_value` each); on success the results
/// replace them. `count` must cover both the parameters and the results.
///
/// A trap returns [`Status::Trap`] and `proc_exit` [`Status::Exit`]; both poison the
/// instance, and calls on a poisoned instance return [`Status::Poisoned`].
///
/// # Safety
/// `instance` must be a live instance from [`wasi_aot_instantiate`]; `values` must be
/// 16-byte aligned and writable for `count` slots.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_call_export(
    instance: *mut Instance,
    export_index: usize,
    values: *mut u128,
    count: usize,
) -> Status {
    // SAFETY: guaranteed by the caller.
    let instance = or_return!(unsafe { instance_mut(instance) });
    let func = or_return!(export_of_kind(
        instance,
        export_index,
        extern_kind::FUNC,
        "a function"
    ));
    let (params, results) = instance.function_arity(func);
    if count < params.max(results) {
        return fail(
            Status::Error,
            format!(
                "{count} value slots given for a function with {params} parameters and \
                 {results} results"
            ),
        );
    }
    if values.is_null() && count > 0 {
        return fail(Status::Error, "`values` is null".into());
    }
    or_return!(ensure_ready(instance));
    let values = if count == 0 {
        &mut [][..]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts_mut(values, count) }
    };
    let result = instance.call_function(func, values);
    finish(instance, result)
}

/// The memory export number `export_index`: its base, with its current size in bytes
/// stored in `*size` (if `size` is not null). Null (with a last error) if that export is not a memory. The base
/// never moves while the instance lives; the size may grow during calls. Memories stay
/// readable after the instance is poisoned.
///
/// # Safety
/// `instance` must be a live instance; `size` null or writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_export_memory(
    instance: *mut Instance,
    export_index: usize,
    size: *mut usize,
) -> *mut u8 {
    // SAFETY: guaranteed by the caller.
    let instance = match unsafe { instance_mut(instance) } {
        Ok(i) => i,
        Err(_) => return std::ptr::null_mut(),
    };
    let Ok(memory) = export_of_kind(instance, export_index, extern_kind::MEMORY, "a memory") else {
        return std::ptr::null_mut();
    };
    let def = instance.memory_definition(memory);
    // SAFETY: the definition is live; `size` is null or writable.
    unsafe {
        if !size.is_null() {
            *size = (*def).length as usize;
        }
        (*def).base
    }
}

/// Reads the global export number `export_index` into `*value` (a 16-byte slot, the
/// value in its low bytes).
///
/// # Safety
/// `instance` must be a live instance; `value` writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_export_global_get(
    instance: *mut Instance,
    export_index: usize,
    value: *mut u128,
) -> Status {
    // SAFETY: guaranteed by the caller.
    let instance = or_return!(unsafe { instance_mut(instance) });
    let global = or_return!(export_of_kind(
        instance,
        export_index,
        extern_kind::GLOBAL,
        "a global"
    ));
    // SAFETY: the storage is live; `value` is writable (unaligned writes allowed).
    unsafe {
        let bytes = (*instance.global_pointer(global)).bytes;
        value.write_unaligned(u128::from_le_bytes(bytes));
    }
    Status::Ok
}

/// Writes `*value` to the mutable global export number `export_index`. Globals of type
/// `funcref` cannot be set from the host.
///
/// # Safety
/// `instance` must be a live instance; `value` readable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_export_global_set(
    instance: *mut Instance,
    export_index: usize,
    value: *const u128,
) -> Status {
    // SAFETY: guaranteed by the caller.
    let instance = or_return!(unsafe { instance_mut(instance) });
    let global = or_return!(export_of_kind(
        instance,
        export_index,
        extern_kind::GLOBAL,
        "a global"
    ));
    let (ty, mutable) = instance.global_type(global);
    if !mutable {
        return fail(
            Status::Error,
            format!("export {export_index} is an immutable global"),
        );
    }
    if ty == val_type::FUNCREF {
        return fail(
            Status::Error,
            "a funcref global cannot be set from the host".into(),
        );
    }
    // SAFETY: `value` is readable; the storage is live and 16 bytes.
    unsafe {
        let bytes = value.read_unaligned().to_le_bytes();
        (*instance.global_pointer(global)).bytes = bytes;
    }
    Status::Ok
}

/// Number of imports of `module`.
///
/// # Safety
/// `module` must be a `wasi_aot_module_NAME` object.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_module_import_count(module: *const LibraryModule) -> usize {
    // SAFETY: guaranteed by the caller.
    unsafe { descriptor_of(module) }.map_or(0, |d| d.imports.len as usize)
}

/// Number of exports of `module`.
///
/// # Safety
/// `module` must be a `wasi_aot_module_NAME` object.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_module_export_count(module: *const LibraryModule) -> usize {
    // SAFETY: guaranteed by the caller.
    unsafe { descriptor_of(module) }.map_or(0, |d| d.exports.len as usize)
}

/// Fills the function type of type index `type_index` into `out`.
fn fill_func_type(d: &ModuleDescriptor, type_index: u32, out: &mut ExternType) {
    // SAFETY: descriptor arrays are static data.
    let ty = unsafe { &d.types.as_slice()[type_index as usize] };
    out.params = ty.params.ptr;
    out.params_len = ty.params.len as usize;
    out.results = ty.results.ptr;
    out.results_len = ty.results.len as usize;
}

/// Describes import number `index` of `module` in `*out`.
///
/// # Safety
/// `module` must be a `wasi_aot_module_NAME` object; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_module_import(
    module: *const LibraryModule,
    index: usize,
    out: *mut ExternType,
) -> Status {
    // SAFETY: guaranteed by the caller.
    let d = or_return!(unsafe { descriptor_of(module) });
    // SAFETY: descriptor arrays are static data.
    let Some(import) = (unsafe { d.imports.as_slice() }).get(index) else {
        return fail(Status::Error, format!("the module has no import {index}"));
    };
    let mut t = ExternType {
        module: import.module.ptr,
        module_len: import.module.len as usize,
        name: import.name.ptr,
        name_len: import.name.len as usize,
        kind: u32::from(import.kind),
        ..ExternType::default()
    };
    match import.kind {
        extern_kind::FUNC => fill_func_type(d, import.type_index, &mut t),
        extern_kind::GLOBAL => {
            t.global_type = import.val_type;
            t.global_mutable = import.mutable != 0;
        }
        _ => {}
    }
    // SAFETY: `out` is writable.
    unsafe { out.write(t) };
    Status::Ok
}

/// Describes export number `index` of `module` in `*out`.
///
/// # Safety
/// `module` must be a `wasi_aot_module_NAME` object; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_module_export(
    module: *const LibraryModule,
    index: usize,
    out: *mut ExternType,
) -> Status {
    // SAFETY: guaranteed by the caller.
    let d = or_return!(unsafe { descriptor_of(module) });
    // SAFETY: descriptor arrays are static data.
    let Some(export) = (unsafe { d.exports.as_slice() }).get(index) else {
        return fail(Status::Error, format!("the module has no export {index}"));
    };
    let mut t = ExternType {
        name: export.name.ptr,
        name_len: export.name.len as usize,
        kind: export.kind,
        ..ExternType::default()
    };
    match u8::try_from(export.kind) {
        Ok(extern_kind::FUNC) => fill_func_type(d, function_type_index(d, export.index), &mut t),
        Ok(extern_kind::GLOBAL) => {
            (t.global_type, t.global_mutable) = global_type(d, export.index);
        }
        _ => {}
    }
    // SAFETY: `out` is writable.
    unsafe { out.write(t) };
    Status::Ok
}

/// Finds the export named `name` (`len` bytes of UTF-8) of `module`; stores its export
/// index in `*index`, or returns [`Status::Error`] if there is none.
///
/// # Safety
/// `module` must be a `wasi_aot_module_NAME` object; `name` readable for `len` bytes;
/// `index` writable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_module_find_export(
    module: *const LibraryModule,
    name: *const u8,
    len: usize,
    index: *mut usize,
) -> Status {
    // SAFETY: guaranteed by the caller.
    let d = or_return!(unsafe { descriptor_of(module) });
    let name = if len == 0 {
        &[][..]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(name, len) }
    };
    // SAFETY: descriptor arrays are static data.
    let exports = unsafe { d.exports.as_slice() };
    let found = exports.iter().position(|e| {
        // SAFETY: as above.
        unsafe { e.name.as_slice() == name }
    });
    match found {
        Some(i) => {
            // SAFETY: `index` is writable.
            unsafe { *index = i };
            Status::Ok
        }
        None => fail(
            Status::Error,
            format!("the module has no export named {:?}", utf8(name)),
        ),
    }
}
