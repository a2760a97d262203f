//! Which native code belongs to which wasm function: a process-wide, append-only list
//! of registered modules that the signal handler can search without locks or
//! allocation.

use std::collections::HashSet;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Mutex;

use wasi_aot_abi::descriptor::{CallRecord, FunctionDesc, ModuleDescriptor, TrapRecord};

/// The code of one registered module, functions sorted by address.
struct RegisteredModule {
    start: usize,
    end: usize,
    functions: Vec<(usize, usize, &'static FunctionDesc)>,
    /// The defined functions in index order.
    defined: &'static [FunctionDesc],
    next: *const RegisteredModule,
}

static HEAD: AtomicPtr<RegisteredModule> = AtomicPtr::new(ptr::null_mut());
static REGISTERED: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

/// Makes `descriptor`'s code known to the trap handler (once per descriptor).
pub fn register(descriptor: &'static ModuleDescriptor) {
    let mut registered = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
    if !registered
        .get_or_insert_with(HashSet::new)
        .insert(descriptor as *const _ as usize)
    {
        return;
    }
    // SAFETY: descriptors come from compiled objects and live for the whole process.
    let (functions, stubs) =
        unsafe { (descriptor.functions.as_slice(), descriptor.stubs.as_slice()) };
    let mut ranges: Vec<_> = functions
        .iter()
        .chain(stubs)
        .map(|f| (f.code as usize, f.code as usize + f.code_len as usize, f))
        .collect();
    if ranges.is_empty() {
        return;
    }
    ranges.sort_by_key(|r| r.0);
    let node = Box::new(RegisteredModule {
        start: ranges[0].0,
        end: ranges.iter().map(|r| r.1).max().unwrap_or(0),
        functions: ranges,
        defined: functions,
        next: HEAD.load(Ordering::Acquire),
    });
    // Nodes are never freed: the handler may be reading them at any time.
    HEAD.store(Box::into_raw(node), Ordering::Release);
}

/// The registered module and function whose code contains `pc`. Async-signal-safe.
fn module_function_at(pc: usize) -> Option<(&'static RegisteredModule, &'static FunctionDesc)> {
    let mut node = HEAD.load(Ordering::Acquire) as *const RegisteredModule;
    while !node.is_null() {
        // SAFETY: nodes are leaked boxes, published with release ordering.
        let module = unsafe { &*node };
        if module.start <= pc && pc < module.end {
            let i = module.functions.partition_point(|f| f.0 <= pc);
            if i > 0 {
                let (start, end, f) = module.functions[i - 1];
                if start <= pc && pc < end {
                    return Some((module, f));
                }
            }
        }
        node = module.next;
    }
    None
}

/// The function containing `pc`, if it is registered wasm code. Async-signal-safe.
pub fn function_at(pc: usize) -> Option<&'static FunctionDesc> {
    module_function_at(pc).map(|(_, f)| f)
}

/// Defined function `index` of the module whose code contains `pc`. Async-signal-safe.
pub fn defined_function(pc: usize, index: u32) -> Option<&'static FunctionDesc> {
    module_function_at(pc)?.0.defined.get(index as usize)
}

/// The trap record of the instruction at `pc` in `function`. Async-signal-safe.
pub fn trap_record_at(function: &'static FunctionDesc, pc: usize) -> Option<&'static TrapRecord> {
    // SAFETY: trap tables live as long as their descriptor.
    let records = unsafe { function.traps.as_slice() };
    record_at(function, pc, records, |r| r.code_offset)
}

/// The call record of the call in `function` that returns to `return_address`.
pub fn call_record_at(
    function: &'static FunctionDesc,
    return_address: usize,
) -> Option<&'static CallRecord> {
    // SAFETY: call tables live as long as their descriptor.
    let records = unsafe { function.calls.as_slice() };
    record_at(function, return_address, records, |r| r.return_offset)
}

/// The record of code address `address` in `function` among `records`, which are
/// sorted by `code_offset` (an offset from the function's start).
fn record_at<T>(
    function: &FunctionDesc,
    address: usize,
    records: &'static [T],
    code_offset: impl FnMut(&T) -> u32,
) -> Option<&'static T> {
    let offset = u32::try_from(address.checked_sub(function.code as usize)?).ok()?;
    records
        .binary_search_by_key(&offset, code_offset)
        .ok()
        .map(|i| &records[i])
}
