//! Instances: a vmctx (laid out by `wasi_aot_abi::vmctx::VMOffsets`) plus the memories,
//! tables, globals and host state it points to, created from a module descriptor.

use std::alloc::Layout;
use std::ffi::c_void;
use std::ptr::NonNull;

use wasi_aot_abi::cpu::{self, CpuFeatures, CpuLevel};
use wasi_aot_abi::descriptor::{extern_kind, segment_mode, ModuleDescriptor};
use wasi_aot_abi::trap::Trap;
use wasi_aot_abi::vmctx::{
    VMFuncRef, VMGlobal, VMMemoryDefinition, VMOffsets, VMTableDefinition, INSTANCE, STACK_LIMIT,
};
use wasi_aot_abi::{BoundsChecks, DEFAULT_MAX_WASM_STACK, WASM_PAGE_SIZE};

use crate::constexpr::{evaluate, RawValue};
use crate::memory::Memory;
use crate::signatures;
use crate::traps::{call_guarded, TrapInfo, Unwind};
use crate::wasi::WasiCtx;

/// Something an instance exports and another imports.
#[derive(Clone, Copy, Debug)]
pub enum Extern {
    /// A function (for host functions, `vmctx` null means "the caller's").
    Func(VMFuncRef),
    /// Memory `index` of `instance`.
    Memory {
        /// The owning instance.
        instance: *mut Instance,
        /// Memory index in the owner.
        index: u32,
    },
    /// Table `index` of `instance`.
    Table {
        /// The owning instance.
        instance: *mut Instance,
        /// Table index in the owner.
        index: u32,
    },
    /// A global's storage and type.
    Global {
        /// The storage.
        ptr: *mut VMGlobal,
        /// Its `val_type` code.
        val_type: u8,
        /// Whether it is mutable.
        mutable: bool,
    },
}

/// Why instantiation failed.
#[derive(Debug)]
pub enum InstantiateError {
    /// An import is missing or has the wrong type.
    Link(String),
    /// A segment did not fit or the start function trapped.
    Trap(Unwind),
    /// The host could not provide a resource (address space, a preopen, ...).
    Resource(String),
}

impl std::fmt::Display for InstantiateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstantiateError::Link(m) | InstantiateError::Resource(m) => f.write_str(m),
            InstantiateError::Trap(Unwind::Trap(t)) => write!(f, "{t}"),
            InstantiateError::Trap(Unwind::Exit(code)) => write!(f, "exited with status {code}"),
        }
    }
}

/// How an embedder sets up an instance (library mode). Executables and the spec runner
/// use [`InstanceOptions::default`]: `proc_exit` ends the process, 1 MiB of wasm stack.
#[derive(Clone, Copy, Debug)]
pub struct InstanceOptions {
    /// Whether `proc_exit` ends the call that reached it with [`Unwind::Exit`] instead of
    /// ending the process (node:wasi's `returnOnExit`).
    pub return_on_exit: bool,
    /// Native stack bytes wasm code may use before "call stack exhausted".
    pub max_wasm_stack: u64,
    /// The most pages each defined memory may have, below the module's own maximum:
    /// `memory.grow` fails beyond it and a module whose initial memory is larger fails
    /// to instantiate. `None`: the module's maximum.
    pub max_memory_pages: Option<u64>,
    /// An embedder's pointer, handed back to host functions; never dereferenced here.
    pub user_data: *mut c_void,
}

impl Default for InstanceOptions {
    fn default() -> InstanceOptions {
        InstanceOptions {
            return_on_exit: false,
            max_wasm_stack: DEFAULT_MAX_WASM_STACK,
            max_memory_pages: None,
            user_data: std::ptr::null_mut(),
        }
    }
}

/// Whether an instance may still run code (tracked for library-mode instances, which
/// stop after a trap or `proc_exit`; see `embed::library`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstanceState {
    /// It may run code.
    Ready,
    /// A call trapped (the message says how); its memory may be half updated.
    Trapped(String),
    /// The guest called `proc_exit` with this status.
    Exited(i32),
}

/// A defined table's elements.
struct Table {
    elements: Vec<usize>,
    max: u64,
}

/// An instantiated module.
pub struct Instance {
    descriptor: &'static ModuleDescriptor,
    offsets: VMOffsets,
    vmctx: NonNull<u8>,
    layout: Layout,
    memories: Vec<Memory>,
    tables: Vec<Table>,
    /// Owner of every memory and table index (imported ones belong to other instances).
    memory_owners: Vec<(*mut Instance, u32)>,
    table_owners: Vec<(*mut Instance, u32)>,
    dropped_data: Vec<bool>,
    dropped_elems: Vec<bool>,
    wasi: Option<WasiCtx>,
    options: InstanceOptions,
    state: InstanceState,
    /// Whether `_start` or `_initialize` has been run (each runs at most once).
    lifecycle_started: bool,
}

fn link_error(msg: String) -> InstantiateError {
    InstantiateError::Link(msg)
}

/// Refuses a module whose code uses CPU features (`required`, from its descriptor) that
/// this CPU (`present`) lacks, naming them and the `--target-cpu` level to rebuild with.
fn check_cpu(required: CpuFeatures, present: CpuFeatures) -> Result<(), String> {
    let missing = required.minus(present);
    if missing.is_empty() {
        return Ok(());
    }
    let built_for = match CpuLevel::exactly(required) {
        Some(level) => format!("built for {}", level.name()),
        None => "built with --target-cpu native".to_string(),
    };
    let advice = match CpuLevel::newest_within(present) {
        Some(level) => format!("rebuild with --target-cpu {}", level.name()),
        None => format!("wasi-aot needs at least {}", CpuLevel::X86_64V2.name()),
    };
    Err(format!(
        "this program was {built_for} (needs {required}); \
         this CPU lacks {missing} \u{2014} {advice}"
    ))
}

fn segment_trap(trap: Trap) -> InstantiateError {
    InstantiateError::Trap(Unwind::Trap(TrapInfo::runtime(trap)))
}

impl Instance {
    /// The function imports an executable binds at link time (`static_code`), each
    /// called with the importing instance's vmctx.
    pub fn static_imports(descriptor: &'static ModuleDescriptor) -> Result<Vec<Extern>, String> {
        // SAFETY: descriptor arrays live as long as the descriptor.
        let imports = unsafe { descriptor.imports.as_slice() };
        imports
            .iter()
            .map(|import| {
                // SAFETY: as above.
                let name = unsafe {
                    format!(
                        "{}.{}",
                        String::from_utf8_lossy(import.module.as_slice()),
                        String::from_utf8_lossy(import.name.as_slice())
                    )
                };
                if import.kind != extern_kind::FUNC || import.static_code.is_null() {
                    return Err(format!("import {name} is not bound in this executable"));
                }
                Ok(Extern::Func(VMFuncRef {
                    code: import.static_code,
                    vmctx: std::ptr::null_mut(),
                    type_id: signatures::canonical_id(descriptor, import.type_index),
                }))
            })
            .collect()
    }

    /// Instantiates `descriptor` with one `Extern` per import, runs its start function,
    /// and returns the instance (boxed: its address is stored in its vmctx).
    pub fn new(
        descriptor: &'static ModuleDescriptor,
        imports: &[Extern],
        wasi: Option<WasiCtx>,
    ) -> Result<Box<Instance>, InstantiateError> {
        Instance::with_options(descriptor, imports, wasi, InstanceOptions::default())
    }

    /// [`Instance::new`] with embedder `options` (which already apply to the start
    /// function).
    pub fn with_options(
        descriptor: &'static ModuleDescriptor,
        imports: &[Extern],
        wasi: Option<WasiCtx>,
        options: InstanceOptions,
    ) -> Result<Box<Instance>, InstantiateError> {
        if descriptor.abi_version != wasi_aot_abi::descriptor::ABI_VERSION {
            return Err(link_error(
                "module was compiled for another runtime version".into(),
            ));
        }
        check_cpu(CpuFeatures(descriptor.cpu_features), cpu::detect()).map_err(link_error)?;
        crate::code_registry::register(descriptor);
        let offsets = VMOffsets::new(descriptor.counts);
        let layout = Layout::from_size_align(offsets.size() as usize, 16)
            .map_err(|e| InstantiateError::Resource(e.to_string()))?;
        // SAFETY: the layout has a nonzero size (the header).
        let vmctx = NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) })
            .ok_or_else(|| InstantiateError::Resource("out of memory for an instance".into()))?;
        let mut instance = Box::new(Instance {
            descriptor,
            offsets,
            vmctx,
            layout,
            memories: Vec::new(),
            tables: Vec::new(),
            memory_owners: Vec::new(),
            table_owners: Vec::new(),
            dropped_data: Vec::new(),
            dropped_elems: Vec::new(),
            wasi,
            options,
            state: InstanceState::Ready,
            lifecycle_started: false,
        });
        let this: *mut Instance = &mut *instance;
        // SAFETY: INSTANCE is inside the header.
        unsafe { instance.field::<*mut Instance>(INSTANCE).write(this) };
        instance.initialize(imports)?;
        Ok(instance)
    }

    /// Pointer to the vmctx field at `offset`.
    ///
    /// # Safety
    /// `offset` must be a field of type `T` in this vmctx's layout.
    unsafe fn field<T>(&self, offset: u32) -> *mut T {
        // SAFETY: guaranteed by the caller.
        unsafe { self.vmctx.as_ptr().add(offset as usize).cast() }
    }

    /// The vmctx pointer generated code receives.
    pub fn vmctx(&self) -> *mut u8 {
        self.vmctx.as_ptr()
    }

    /// Sets how much native stack wasm code may use.
    pub fn set_max_wasm_stack(&mut self, bytes: u64) {
        self.options.max_wasm_stack = bytes;
    }

    /// The embedder's options.
    pub fn options(&self) -> &InstanceOptions {
        &self.options
    }

    /// Whether the instance may still run code.
    pub fn state(&self) -> &InstanceState {
        &self.state
    }

    /// Records that the instance trapped or exited.
    pub fn set_state(&mut self, state: InstanceState) {
        self.state = state;
    }

    /// Marks `_start`/`_initialize` as run; returns whether one had run already.
    pub fn mark_lifecycle_started(&mut self) -> bool {
        std::mem::replace(&mut self.lifecycle_started, true)
    }

    /// The module this is an instance of.
    pub fn descriptor(&self) -> &'static ModuleDescriptor {
        self.descriptor
    }

    fn initialize(&mut self, imports: &[Extern]) -> Result<(), InstantiateError> {
        let d = self.descriptor;
        // SAFETY (whole function): descriptor arrays live as long as the descriptor, and
        // every vmctx offset comes from `self.offsets` for this descriptor's counts.
        let import_descs = unsafe { d.imports.as_slice() };
        if import_descs.len() != imports.len() {
            return Err(link_error(format!(
                "{} imports given for {} declared",
                imports.len(),
                import_descs.len()
            )));
        }
        let bounds_checks = BoundsChecks::from_u32(d.bounds_checks)
            .ok_or_else(|| link_error("unknown bounds-check mode".into()))?;

        for t in 0..d.counts.types {
            let id = signatures::canonical_id(d, t);
            unsafe { self.field::<u32>(self.offsets.type_id(t)).write(id as u32) };
        }

        // Imports, in order; each kind fills its own index space.
        let (mut funcs, mut memories, mut tables, mut globals) = (0u32, 0u32, 0u32, 0u32);
        for (desc, ext) in import_descs.iter().zip(imports) {
            let name = unsafe {
                format!(
                    "{}.{}",
                    String::from_utf8_lossy(desc.module.as_slice()),
                    String::from_utf8_lossy(desc.name.as_slice())
                )
            };
            match (desc.kind, ext) {
                (extern_kind::FUNC, Extern::Func(f)) => {
                    let expected = signatures::canonical_id(d, desc.type_index);
                    if f.type_id != expected {
                        return Err(link_error(format!("incompatible import type for {name}")));
                    }
                    let mut f = *f;
                    if f.vmctx.is_null() {
                        f.vmctx = self.vmctx();
                    }
                    unsafe {
                        self.field::<VMFuncRef>(self.offsets.funcref(funcs))
                            .write(f)
                    };
                    funcs += 1;
                }
                (extern_kind::MEMORY, Extern::Memory { instance, index }) => {
                    // SAFETY: exporters outlive importers (documented embedding rule).
                    let owner = unsafe { &mut **instance };
                    let def = owner.memory_definition(*index);
                    let (owner_ptr, defined) = owner.memory_owners[*index as usize];
                    let owner_memory = unsafe { &(&(*owner_ptr).memories)[defined as usize] };
                    let size_pages = unsafe { (*def).length } / WASM_PAGE_SIZE;
                    let max = owner_memory.max_pages();
                    let too_small = size_pages < desc.min;
                    let max_mismatch = desc.has_max != 0 && max > desc.max;
                    if too_small || max_mismatch {
                        return Err(link_error(format!("incompatible import type for {name}")));
                    }
                    if bounds_checks == BoundsChecks::Guard && !owner_memory.has_guard_region() {
                        return Err(link_error(format!(
                            "memory {name} has no guard region but this module relies on one"
                        )));
                    }
                    unsafe {
                        self.field::<*mut VMMemoryDefinition>(self.offsets.memory_pointer(memories))
                            .write(def)
                    };
                    self.memory_owners.push((owner_ptr, defined));
                    memories += 1;
                }
                (extern_kind::TABLE, Extern::Table { instance, index }) => {
                    let owner = unsafe { &mut **instance };
                    let def = owner.table_definition(*index);
                    let (owner_ptr, defined) = owner.table_owners[*index as usize];
                    let owner_table = unsafe { &(&(*owner_ptr).tables)[defined as usize] };
                    let elem_type = unsafe { (*owner_ptr).table_elem_type(defined) };
                    let size = unsafe { (*def).length };
                    let incompatible = size < desc.min
                        || (desc.has_max != 0 && owner_table.max > desc.max)
                        || elem_type != desc.val_type;
                    if incompatible {
                        return Err(link_error(format!("incompatible import type for {name}")));
                    }
                    unsafe {
                        self.field::<*mut VMTableDefinition>(self.offsets.table_pointer(tables))
                            .write(def)
                    };
                    self.table_owners.push((owner_ptr, defined));
                    tables += 1;
                }
                (
                    extern_kind::GLOBAL,
                    Extern::Global {
                        ptr,
                        val_type,
                        mutable,
                    },
                ) => {
                    if *val_type != desc.val_type || *mutable != (desc.mutable != 0) {
                        return Err(link_error(format!("incompatible import type for {name}")));
                    }
                    unsafe {
                        self.field::<*mut VMGlobal>(self.offsets.global_pointer(globals))
                            .write(*ptr)
                    };
                    globals += 1;
                }
                _ => return Err(link_error(format!("incompatible import type for {name}"))),
            }
        }

        // Defined memories.
        let this: *mut Instance = self;
        for (i, m) in unsafe { d.memories.as_slice() }.iter().enumerate() {
            let index = d.counts.imported_memories + i as u32;
            let mut max = (m.has_max != 0).then_some(m.max);
            if let Some(limit) = self.options.max_memory_pages {
                if m.min > limit {
                    return Err(InstantiateError::Resource(format!(
                        "the module's initial memory of {} pages ({} bytes) exceeds the \
                         limit of {limit} pages set with --max-memory",
                        m.min,
                        m.min * wasi_aot_abi::WASM_PAGE_SIZE
                    )));
                }
                max = Some(max.map_or(limit, |m| m.min(limit)));
            }
            let memory = Memory::new(m.min, max, bounds_checks)
                .map_err(|e| InstantiateError::Resource(e.0))?;
            unsafe {
                let def = self.field::<VMMemoryDefinition>(self.offsets.defined_memory(index));
                def.write(memory.definition(m.min));
                self.field::<*mut VMMemoryDefinition>(self.offsets.memory_pointer(index))
                    .write(def);
            }
            self.memories.push(memory);
            self.memory_owners.push((this, i as u32));
        }

        // Defined functions' funcrefs.
        for (i, f) in unsafe { d.functions.as_slice() }.iter().enumerate() {
            let index = d.counts.imported_funcs + i as u32;
            let funcref = VMFuncRef {
                code: f.code,
                vmctx: self.vmctx(),
                type_id: signatures::canonical_id(d, f.type_index),
            };
            unsafe {
                self.field::<VMFuncRef>(self.offsets.funcref(index))
                    .write(funcref)
            };
        }

        // Defined globals, in order (an initialiser may read earlier globals).
        for (i, g) in unsafe { d.globals.as_slice() }.iter().enumerate() {
            let index = d.counts.imported_globals + i as u32;
            let value = self.eval(unsafe { g.init.as_slice() })?;
            unsafe {
                let storage = self.field::<VMGlobal>(self.offsets.defined_global(index));
                storage.write(VMGlobal {
                    bytes: value.to_le_bytes(),
                });
                self.field::<*mut VMGlobal>(self.offsets.global_pointer(index))
                    .write(storage);
            }
        }

        // Defined tables.
        for (i, t) in unsafe { d.tables.as_slice() }.iter().enumerate() {
            let index = d.counts.imported_tables + i as u32;
            let init = unsafe { t.init.as_slice() };
            let fill = if init.is_empty() {
                0
            } else {
                self.eval(init)? as usize
            };
            let max = if t.limits.has_max != 0 {
                t.limits.max
            } else {
                u64::from(u32::MAX)
            };
            let mut elements = vec![fill; t.limits.min as usize];
            unsafe {
                let def = self.field::<VMTableDefinition>(self.offsets.defined_table(index));
                def.write(VMTableDefinition {
                    base: elements.as_mut_ptr(),
                    length: t.limits.min,
                });
                self.field::<*mut VMTableDefinition>(self.offsets.table_pointer(index))
                    .write(def);
            }
            self.tables.push(Table { elements, max });
            self.table_owners.push((this, i as u32));
        }

        let data = unsafe { d.data_segments.as_slice() };
        let elems = unsafe { d.elem_segments.as_slice() };
        self.dropped_data = vec![false; data.len()];
        self.dropped_elems = vec![false; elems.len()];

        // Element segments, then data segments, in order; a failure keeps what was
        // written before it (as the spec requires).
        for (i, e) in elems.iter().enumerate() {
            match e.mode {
                segment_mode::ACTIVE => {
                    let offset = self.eval(unsafe { e.offset.as_slice() })? as u32;
                    if self.table_init(e.table, i as u32, offset, 0, e.count) {
                        return Err(segment_trap(Trap::TableOutOfBounds));
                    }
                    self.dropped_elems[i] = true;
                }
                segment_mode::DECLARED => self.dropped_elems[i] = true,
                _ => {}
            }
        }
        for (i, s) in data.iter().enumerate() {
            if s.mode == segment_mode::ACTIVE {
                let offset = self.eval(unsafe { s.offset.as_slice() })? as u32;
                if self.memory_init(s.memory, i as u32, u64::from(offset), 0, s.bytes.len as u32) {
                    return Err(segment_trap(Trap::MemoryOutOfBounds));
                }
                self.dropped_data[i] = true;
            }
        }

        if d.start_func != u32::MAX {
            self.call_function(d.start_func, &mut [])
                .map_err(InstantiateError::Trap)?;
        }
        Ok(())
    }

    fn eval(&self, expr: &[u8]) -> Result<RawValue, InstantiateError> {
        evaluate(
            expr,
            |g| {
                // SAFETY: global pointers of earlier globals are already filled in.
                unsafe {
                    let ptr = *self.field::<*mut VMGlobal>(self.offsets.global_pointer(g));
                    RawValue::from_le_bytes((*ptr).bytes)
                }
            },
            |f| self.vmctx() as usize + self.offsets.funcref(f) as usize,
        )
        .ok_or_else(|| link_error("malformed constant expression in the descriptor".into()))
    }

    /// The definition of memory `index` (imported or defined).
    pub fn memory_definition(&self, index: u32) -> *mut VMMemoryDefinition {
        // SAFETY: memory pointers are filled in for every index during instantiation.
        unsafe { *self.field::<*mut VMMemoryDefinition>(self.offsets.memory_pointer(index)) }
    }

    /// The definition of table `index` (imported or defined).
    pub fn table_definition(&self, index: u32) -> *mut VMTableDefinition {
        // SAFETY: as for memories.
        unsafe { *self.field::<*mut VMTableDefinition>(self.offsets.table_pointer(index)) }
    }

    fn table_elem_type(&self, defined: u32) -> u8 {
        // SAFETY: descriptor arrays live as long as the descriptor.
        unsafe { self.descriptor.tables.as_slice()[defined as usize].elem_type as u8 }
    }

    /// Memory `index` as a byte slice of its current size.
    ///
    /// # Safety
    /// No wasm code of this instance may run while the slice is alive.
    pub unsafe fn memory_slice<'a>(&self, index: u32) -> &'a mut [u8] {
        let def = self.memory_definition(index);
        // SAFETY: base..base+length is committed memory owned by the memory's owner.
        unsafe { std::slice::from_raw_parts_mut((*def).base, (*def).length as usize) }
    }

    /// Grows memory `index` by `delta` pages; the old size in pages, or `None`.
    pub fn memory_grow(&mut self, index: u32, delta: u64) -> Option<u64> {
        let (owner, defined) = self.memory_owners[index as usize];
        let def = self.memory_definition(index);
        // SAFETY: the owner outlives this instance; `def` is its definition.
        unsafe { (&(*owner).memories)[defined as usize].grow(&mut *def, delta) }
    }

    /// Copies `len` bytes of data segment `segment` from `src` to `dst` in `memory`;
    /// returns `true` (trap) if either range is out of bounds.
    pub fn memory_init(&mut self, memory: u32, segment: u32, dst: u64, src: u32, len: u32) -> bool {
        // SAFETY: descriptor arrays live as long as the descriptor.
        let bytes = unsafe {
            self.descriptor.data_segments.as_slice()[segment as usize]
                .bytes
                .as_slice()
        };
        let bytes: &[u8] = if self.dropped_data[segment as usize] {
            &[]
        } else {
            bytes
        };
        // SAFETY: no wasm code runs while a builtin executes this copy.
        let mem = unsafe { self.memory_slice(memory) };
        let src_end = u64::from(src) + u64::from(len);
        let dst_end = dst + u64::from(len);
        if src_end > bytes.len() as u64 || dst_end > mem.len() as u64 {
            return true;
        }
        mem[dst as usize..dst_end as usize].copy_from_slice(&bytes[src as usize..src_end as usize]);
        false
    }

    /// Drops data segment `segment`.
    pub fn data_drop(&mut self, segment: u32) {
        self.dropped_data[segment as usize] = true;
    }

    /// Drops element segment `segment`.
    pub fn elem_drop(&mut self, segment: u32) {
        self.dropped_elems[segment as usize] = true;
    }

    /// The elements of table `index` (imported or defined).
    pub fn table_elements<'a>(&self, index: u32) -> &'a mut [usize] {
        let def = self.table_definition(index);
        // SAFETY: base..base+length is the owner's element vector.
        unsafe { std::slice::from_raw_parts_mut((*def).base, (*def).length as usize) }
    }

    /// Grows table `index` by `delta` elements set to `init`; the old size, or `None`.
    pub fn table_grow(&mut self, index: u32, init: usize, delta: u32) -> Option<u32> {
        let (owner, defined) = self.table_owners[index as usize];
        let def = self.table_definition(index);
        // SAFETY: the owner outlives this instance; `def` is its table's definition.
        unsafe {
            let table = &mut (&mut (*owner).tables)[defined as usize];
            let old = table.elements.len() as u64;
            let new = old
                .checked_add(u64::from(delta))
                .filter(|n| *n <= table.max.min(wasi_aot_abi::MAX_TABLE_ELEMENTS))?;
            table.elements.try_reserve(delta as usize).ok()?;
            table.elements.resize(new as usize, init);
            (*def).base = table.elements.as_mut_ptr();
            (*def).length = new;
            Some(old as u32)
        }
    }

    /// Writes `len` items of element segment `segment` starting at `src` into `table` at
    /// `dst`; returns `true` (trap) if either range is out of bounds.
    pub fn table_init(&mut self, table: u32, segment: u32, dst: u32, src: u32, len: u32) -> bool {
        // SAFETY: descriptor arrays live as long as the descriptor.
        let seg = unsafe { &self.descriptor.elem_segments.as_slice()[segment as usize] };
        let count = if self.dropped_elems[segment as usize] {
            0
        } else {
            seg.count
        };
        let elements = self.table_elements(table);
        let src_end = u64::from(src) + u64::from(len);
        let dst_end = u64::from(dst) + u64::from(len);
        if src_end > u64::from(count) || dst_end > elements.len() as u64 {
            return true;
        }
        // SAFETY: as above.
        let mut items = unsafe { seg.items.as_slice() };
        for i in 0..src_end as u32 {
            let (value, rest) = split_expression(items);
            items = rest;
            if i >= src {
                let value = match self.eval(value) {
                    Ok(v) => v as usize,
                    Err(_) => return true,
                };
                elements[(dst + i - src) as usize] = value;
            }
        }
        false
    }

    /// Calls function `index` with `values` holding the arguments (and receiving the
    /// results), one 16-byte slot each.
    pub fn call_function(&mut self, index: u32, values: &mut [u128]) -> Result<(), Unwind> {
        let funcref = self.funcref(index);
        let type_index = self.function_type_index(index);
        self.call_funcref(&funcref, type_index, values)
    }

    /// Calls `funcref`, whose type is this module's type `type_index`.
    pub fn call_funcref(
        &mut self,
        funcref: &VMFuncRef,
        type_index: u32,
        values: &mut [u128],
    ) -> Result<(), Unwind> {
        // SAFETY: descriptor arrays live as long as the descriptor.
        let ty = unsafe { &self.descriptor.types.as_slice()[type_index as usize] };
        assert!(values.len() as u64 >= ty.params.len.max(ty.results.len));
        // The outermost call sets the thread's limit below the current frame; a nested
        // call (wasm -> host -> wasm) shares the limit of the wasm already running.
        let limit = crate::traps::stack_limit().unwrap_or_else(|| {
            let here = &ty as *const _ as u64;
            here.saturating_sub(self.options.max_wasm_stack)
        });
        // SAFETY: STACK_LIMIT is in the header.
        unsafe { self.field::<u64>(STACK_LIMIT).write(limit) };
        // SAFETY: the trampoline matches the type; `values` is large enough (checked).
        unsafe {
            call_guarded(
                ty.array_trampoline,
                funcref.code,
                funcref.vmctx,
                values.as_mut_ptr(),
                limit,
                self.options.return_on_exit,
            )
        }
    }

    /// The funcref of function `index`.
    pub fn funcref(&self, index: u32) -> VMFuncRef {
        // SAFETY: funcrefs are filled for every function index.
        unsafe { *self.field::<VMFuncRef>(self.offsets.funcref(index)) }
    }

    /// The type index of function `index`.
    pub fn function_type_index(&self, index: u32) -> u32 {
        function_type_index(self.descriptor, index)
    }

    /// Looks up an export: its kind and index.
    pub fn export(&self, name: &str) -> Option<(u8, u32)> {
        // SAFETY: descriptor arrays live as long as the descriptor.
        unsafe {
            self.descriptor
                .exports
                .as_slice()
                .iter()
                .find(|e| e.name.as_slice() == name.as_bytes())
                .map(|e| (e.kind as u8, e.index))
        }
    }

    /// The storage of global `index` (imported or defined).
    pub fn global_pointer(&self, index: u32) -> *mut VMGlobal {
        // SAFETY: global pointers are filled for every index during instantiation.
        unsafe { *self.field::<*mut VMGlobal>(self.offsets.global_pointer(index)) }
    }

    /// The `val_type` code and mutability of global `index`.
    pub fn global_type(&self, index: u32) -> (u8, bool) {
        global_type(self.descriptor, index)
    }

    /// The export `name` as something another instance can import.
    pub fn export_extern(&mut self, name: &str) -> Option<Extern> {
        let (kind, index) = self.export(name)?;
        let this: *mut Instance = self;
        Some(match kind {
            extern_kind::FUNC => Extern::Func(self.funcref(index)),
            extern_kind::MEMORY => Extern::Memory {
                instance: this,
                index,
            },
            extern_kind::TABLE => Extern::Table {
                instance: this,
                index,
            },
            extern_kind::GLOBAL => {
                let (val_type, mutable) = self.global_type(index);
                Extern::Global {
                    ptr: self.global_pointer(index),
                    val_type,
                    mutable,
                }
            }
            _ => return None,
        })
    }

    /// Number of parameters and results of function `index`.
    pub fn function_arity(&self, index: u32) -> (usize, usize) {
        let t = self.function_type_index(index);
        // SAFETY: descriptor arrays live as long as the descriptor.
        let ty = unsafe { &self.descriptor.types.as_slice()[t as usize] };
        (ty.params.len as usize, ty.results.len as usize)
    }

    /// Whether the instance has a memory 0.
    pub fn has_memory(&self) -> bool {
        self.descriptor.counts.memories > 0
    }

    /// Whether function `index` has type `[] -> []`.
    pub fn is_nullary(&self, index: u32) -> bool {
        let t = self.function_type_index(index);
        // SAFETY: descriptor arrays live as long as the descriptor.
        let ty = unsafe { &self.descriptor.types.as_slice()[t as usize] };
        ty.params.len == 0 && ty.results.len == 0
    }

    /// The instance's WASI state, if it has one.
    pub fn wasi_mut(&mut self) -> Option<&mut WasiCtx> {
        self.wasi.as_mut()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.vmctx.as_ptr(), self.layout) };
    }
}

/// The type index of function `index` of module `d`.
pub fn function_type_index(d: &ModuleDescriptor, index: u32) -> u32 {
    // SAFETY: descriptor arrays live as long as the descriptor.
    unsafe {
        if index < d.counts.imported_funcs {
            d.imports
                .as_slice()
                .iter()
                .filter(|i| i.kind == extern_kind::FUNC)
                .nth(index as usize)
                .map(|i| i.type_index)
                .expect("validated function index")
        } else {
            d.functions.as_slice()[(index - d.counts.imported_funcs) as usize].type_index
        }
    }
}

/// The `val_type` code and mutability of global `index` of module `d`.
pub fn global_type(d: &ModuleDescriptor, index: u32) -> (u8, bool) {
    // SAFETY: descriptor arrays live as long as the descriptor.
    unsafe {
        if index < d.counts.imported_globals {
            let import = d
                .imports
                .as_slice()
                .iter()
                .filter(|i| i.kind == extern_kind::GLOBAL)
                .nth(index as usize)
                .expect("validated global index");
            (import.val_type, import.mutable != 0)
        } else {
            let g = &d.globals.as_slice()[(index - d.counts.imported_globals) as usize];
            (g.val_type, g.mutable != 0)
        }
    }
}

/// Splits the first constant expression (through its `End`) off `items`.
fn split_expression(items: &[u8]) -> (&[u8], &[u8]) {
    use wasi_aot_abi::constexpr::ConstOp;
    let mut rest = items;
    while let Some((op, r)) = ConstOp::decode(rest) {
        rest = r;
        if op == ConstOp::End {
            break;
        }
    }
    items.split_at(items.len() - rest.len())
}

/// The instance owning `vmctx`.
///
/// # Safety
/// `vmctx` must be a context passed by generated code (or from [`Instance::vmctx`]).
pub(crate) unsafe fn instance_from_vmctx<'a>(vmctx: *mut u8) -> &'a mut Instance {
    // SAFETY: every vmctx stores its instance at INSTANCE.
    unsafe { &mut **vmctx.add(INSTANCE as usize).cast::<*mut Instance>() }
}

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
    // SAFETY: guaranteed by the caller.
    let instance = unsafe { instance_from_vmctx(vmctx) };
    let memory: &'a mut [u8] = if instance.has_memory() {
        // SAFETY: wasm code is suspended in this host call.
        unsafe { instance.memory_slice(0) }
    } else {
        &mut []
    };
    let wasi = instance.wasi.as_mut()?;
    Some(HostContext { memory, wasi })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::marker::PhantomData;
    use wasi_aot_abi::descriptor::{Slice, ABI_VERSION};
    use wasi_aot_abi::vmctx::VMCounts;

    const V2: CpuFeatures = CpuLevel::X86_64V2.features();
    const V3: CpuFeatures = CpuLevel::X86_64V3.features();

    #[test]
    fn a_cpu_with_every_required_feature_passes() {
        assert_eq!(check_cpu(V3, V3), Ok(()));
        assert_eq!(check_cpu(V2, V3.union(CpuFeatures::AVX512F)), Ok(()));
        assert_eq!(check_cpu(CpuFeatures::NONE, CpuFeatures::NONE), Ok(()));
    }

    #[test]
    fn a_missing_feature_is_named_with_the_level_to_rebuild_for() {
        let v2_cpu = V2.union(CpuFeatures::AVX);
        assert_eq!(
            check_cpu(V3, v2_cpu),
            Err(
                "this program was built for x86-64-v3 (needs sse3, ssse3, sse4.1, sse4.2, \
                 popcnt, cmpxchg16b, avx, avx2, bmi1, bmi2, lzcnt, fma); this CPU lacks \
                 avx2, bmi1, bmi2, lzcnt, fma \u{2014} rebuild with --target-cpu x86-64-v2"
                    .into()
            )
        );
        let native = V3.union(CpuFeatures::AVX512F);
        assert_eq!(
            check_cpu(native, V3),
            Err(format!(
                "this program was built with --target-cpu native (needs {native}); this CPU \
                 lacks avx512f \u{2014} rebuild with --target-cpu x86-64-v3"
            ))
        );
        let old = V2.minus(CpuFeatures::SSE42);
        assert!(check_cpu(V2, old)
            .unwrap_err()
            .ends_with("this CPU lacks sse4.2 \u{2014} wasi-aot needs at least x86-64-v2"));
    }

    fn empty<T>() -> Slice<T> {
        Slice {
            ptr: std::ptr::null(),
            len: 0,
            _marker: PhantomData,
        }
    }

    /// A descriptor of an empty module whose code needs `cpu_features`.
    fn descriptor(cpu_features: CpuFeatures) -> &'static ModuleDescriptor {
        Box::leak(Box::new(ModuleDescriptor {
            abi_version: ABI_VERSION,
            bounds_checks: BoundsChecks::Guard as u32,
            counts: VMCounts::default(),
            start_func: u32::MAX,
            types: empty(),
            imports: empty(),
            functions: empty(),
            stubs: empty(),
            memories: empty(),
            tables: empty(),
            globals: empty(),
            exports: empty(),
            data_segments: empty(),
            elem_segments: empty(),
            name: empty(),
            cpu_features: cpu_features.0,
        }))
    }

    #[test]
    fn instantiation_checks_the_descriptors_features_against_this_cpu() {
        let present = cpu::detect();
        let instance = Instance::new(descriptor(present), &[], None);
        assert!(instance.is_ok(), "{:?}", instance.err());
        // A feature this CPU lacks (AVX-512 on most test machines), as a module built
        // with --target-cpu native on a newer machine would record it.
        let Some(absent) = cpu::FEATURES.iter().find(|f| !present.contains(f.bit)) else {
            eprintln!("this CPU has every feature wasi-aot knows; nothing to refuse");
            return;
        };
        let err = Instance::new(descriptor(present.union(absent.bit)), &[], None)
            .err()
            .expect("instantiation must fail");
        assert!(matches!(err, InstantiateError::Link(_)), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains(&format!("this CPU lacks {} \u{2014}", absent.name)),
            "{message}"
        );
    }
}
