//! Emission of the module descriptor: one read-only data object laid out with the
//! `repr(C)` types of `wasi_aot_abi::descriptor`, pointing into itself and at code.

use std::mem::{align_of, offset_of, size_of};

use cranelift_codegen::isa::TargetIsa;
use cranelift_module::{DataDescription, DataId, FuncId, Linkage, Module};
use cranelift_object::ObjectModule;
use wasi_aot_abi::cpu::{CpuFeatures, FEATURES};
use wasi_aot_abi::descriptor::{
    extern_kind, segment_mode, CallRecord, DataSegmentDesc, ElemSegmentDesc, ExportDesc,
    FuncTypeDesc, FunctionDesc, GlobalDesc, ImportDesc, LimitsDesc, ModuleDescriptor, TableDesc,
    TrapRecord, ABI_VERSION,
};
use wasmparser::{ExternalKind, TypeRef};

use crate::module_env::{ref_type_code, val_type_code, ModuleEnv};
use crate::CompileError;

/// Bytes of the descriptor plus the relocations that make its pointers real.
#[derive(Default)]
struct Blob {
    bytes: Vec<u8>,
    /// (where, target offset within the blob)
    self_relocs: Vec<(usize, usize)>,
    /// (where, function)
    func_relocs: Vec<(usize, FuncId)>,
}

impl Blob {
    /// Reserves `count` zeroed elements of `T`, returning the offset of the first.
    fn reserve<T>(&mut self, count: usize) -> usize {
        let at = self.bytes.len().next_multiple_of(align_of::<T>().max(8));
        self.bytes.resize(at + size_of::<T>() * count, 0);
        at
    }

    /// Appends raw bytes, returning their offset.
    fn append(&mut self, data: &[u8], align: usize) -> usize {
        let at = self.bytes.len().next_multiple_of(align);
        self.bytes.resize(at, 0);
        self.bytes.extend_from_slice(data);
        at
    }

    fn put(&mut self, at: usize, data: &[u8]) {
        self.bytes[at..at + data.len()].copy_from_slice(data);
    }

    fn put_u8(&mut self, at: usize, v: u8) {
        self.put(at, &[v]);
    }

    fn put_u32(&mut self, at: usize, v: u32) {
        self.put(at, &v.to_le_bytes());
    }

    fn put_u64(&mut self, at: usize, v: u64) {
        self.put(at, &v.to_le_bytes());
    }

    /// Writes a `Slice` at `at` pointing to `len` elements at blob offset `target`.
    fn put_slice(&mut self, at: usize, target: usize, len: usize) {
        if len > 0 {
            self.self_relocs.push((at, target));
        }
        self.put_u64(at + 8, len as u64);
    }

    /// Appends `data` and writes a `Slice` of it at `at`.
    fn put_bytes(&mut self, at: usize, data: &[u8]) {
        let target = self.append(data, 1);
        self.put_slice(at, target, data.len());
    }

    fn put_func(&mut self, at: usize, id: FuncId) {
        self.func_relocs.push((at, id));
    }
}

/// A defined function's code as the descriptor describes it.
pub struct FunctionCode {
    /// Its symbol.
    pub id: FuncId,
    /// Code size in bytes.
    pub len: usize,
    /// Trap sites, sorted by code offset.
    pub traps: Vec<TrapRecord>,
    /// Call sites, sorted by return offset.
    pub calls: Vec<CallRecord>,
}

/// What the descriptor needs besides the module environment.
pub struct DescriptorInputs<'a> {
    /// Per defined function: its code.
    pub functions: &'a [FunctionCode],
    /// Per defined function: display name.
    pub names: &'a [String],
    /// Unresolved-import stubs: id, code size, name, trap records.
    pub stubs: &'a [(FuncId, usize, String, Vec<TrapRecord>)],
    /// Per import (function imports only): the statically bound code.
    pub import_code: &'a [Option<FuncId>],
    /// Per type: its array-call trampoline, if some function has the type.
    pub trampolines: &'a [Option<FuncId>],
    /// The bounds-check mode the code was compiled with.
    pub bounds_checks: u32,
}

fn function_desc(
    blob: &mut Blob,
    at: usize,
    id: FuncId,
    len: usize,
    name: &str,
    traps: &[TrapRecord],
    calls: &[CallRecord],
) {
    blob.put_func(at + offset_of!(FunctionDesc, code), id);
    blob.put_u64(at + offset_of!(FunctionDesc, code_len), len as u64);
    blob.put_bytes(at + offset_of!(FunctionDesc, name), name.as_bytes());
    let records = blob.reserve::<TrapRecord>(traps.len());
    for (i, t) in traps.iter().enumerate() {
        let r = records + i * size_of::<TrapRecord>();
        blob.put_u32(r + offset_of!(TrapRecord, code_offset), t.code_offset);
        blob.put_u32(r + offset_of!(TrapRecord, wasm_offset), t.wasm_offset);
        blob.put_u32(r + offset_of!(TrapRecord, inlined_callee), t.inlined_callee);
        blob.put_u32(r + offset_of!(TrapRecord, call_offset), t.call_offset);
        blob.put_u8(r + offset_of!(TrapRecord, trap), t.trap);
    }
    blob.put_slice(at + offset_of!(FunctionDesc, traps), records, traps.len());
    let records = blob.reserve::<CallRecord>(calls.len());
    for (i, c) in calls.iter().enumerate() {
        let r = records + i * size_of::<CallRecord>();
        blob.put_u32(r + offset_of!(CallRecord, return_offset), c.return_offset);
        blob.put_u32(r + offset_of!(CallRecord, wasm_offset), c.wasm_offset);
    }
    blob.put_slice(at + offset_of!(FunctionDesc, calls), records, calls.len());
}

fn limits(blob: &mut Blob, at: usize, min: u64, max: Option<u64>) {
    blob.put_u64(at + offset_of!(LimitsDesc, min), min);
    blob.put_u64(at + offset_of!(LimitsDesc, max), max.unwrap_or(0));
    blob.put_u32(
        at + offset_of!(LimitsDesc, has_max),
        u32::from(max.is_some()),
    );
}

/// Reserves an array of `count` `T`s and points the root's `field` (a `Slice<T>`) at it.
fn array<T>(blob: &mut Blob, field: usize, count: usize) -> usize {
    let at = blob.reserve::<T>(count);
    blob.put_slice(field, at, count);
    at
}

/// The CPU features `isa` lets generated code use, read back from its flags so that the
/// descriptor records exactly what the code was compiled with.
pub fn isa_cpu_features(isa: &dyn TargetIsa) -> CpuFeatures {
    isa.isa_flags()
        .iter()
        .filter(|flag| flag.as_bool() == Some(true))
        .filter_map(|flag| FEATURES.iter().find(|f| f.cranelift_flag == flag.name))
        .fold(CpuFeatures::NONE, |set, f| set.union(f.bit))
}

fn build(env: &ModuleEnv<'_>, inputs: &DescriptorInputs<'_>, cpu_features: CpuFeatures) -> Blob {
    let mut blob = Blob::default();
    let root = blob.reserve::<ModuleDescriptor>(1);
    blob.put_u32(
        root + offset_of!(ModuleDescriptor, abi_version),
        ABI_VERSION,
    );
    blob.put_u32(
        root + offset_of!(ModuleDescriptor, bounds_checks),
        inputs.bounds_checks,
    );
    let counts = env.vm_counts();
    let c = root + offset_of!(ModuleDescriptor, counts);
    for (i, v) in [
        counts.types,
        counts.imported_funcs,
        counts.funcs,
        counts.imported_memories,
        counts.memories,
        counts.imported_tables,
        counts.tables,
        counts.imported_globals,
        counts.globals,
    ]
    .into_iter()
    .enumerate()
    {
        blob.put_u32(c + 4 * i, v);
    }
    blob.put_u64(
        root + offset_of!(ModuleDescriptor, cpu_features),
        cpu_features.0,
    );
    blob.put_u32(
        root + offset_of!(ModuleDescriptor, start_func),
        env.start.unwrap_or(u32::MAX),
    );
    if let Some(name) = env.module_name {
        blob.put_bytes(root + offset_of!(ModuleDescriptor, name), name.as_bytes());
    }

    let types = array::<FuncTypeDesc>(
        &mut blob,
        root + offset_of!(ModuleDescriptor, types),
        env.types.len(),
    );
    for (i, ty) in env.types.iter().enumerate() {
        let at = types + i * size_of::<FuncTypeDesc>();
        let params: Vec<u8> = ty.params().iter().map(|t| val_type_code(*t)).collect();
        let results: Vec<u8> = ty.results().iter().map(|t| val_type_code(*t)).collect();
        blob.put_bytes(at + offset_of!(FuncTypeDesc, params), &params);
        blob.put_bytes(at + offset_of!(FuncTypeDesc, results), &results);
        if let Some(trampoline) = inputs.trampolines[i] {
            blob.put_func(at + offset_of!(FuncTypeDesc, array_trampoline), trampoline);
        }
    }

    let imports = array::<ImportDesc>(
        &mut blob,
        root + offset_of!(ModuleDescriptor, imports),
        env.imports.len(),
    );
    for (i, import) in env.imports.iter().enumerate() {
        let at = imports + i * size_of::<ImportDesc>();
        blob.put_bytes(
            at + offset_of!(ImportDesc, module),
            import.module.as_bytes(),
        );
        blob.put_bytes(at + offset_of!(ImportDesc, name), import.name.as_bytes());
        let (kind, val_type, mutable, limits) = match import.ty {
            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                blob.put_u32(at + offset_of!(ImportDesc, type_index), t);
                if let Some(id) = inputs.import_code[i] {
                    blob.put_func(at + offset_of!(ImportDesc, static_code), id);
                }
                (extern_kind::FUNC, 0, false, None)
            }
            TypeRef::Table(t) => (
                extern_kind::TABLE,
                ref_type_code(t.element_type),
                false,
                Some((t.initial, t.maximum)),
            ),
            TypeRef::Memory(m) => (extern_kind::MEMORY, 0, false, Some((m.initial, m.maximum))),
            TypeRef::Global(g) => (
                extern_kind::GLOBAL,
                val_type_code(g.content_type),
                g.mutable,
                None,
            ),
            TypeRef::Tag(_) => unreachable!("rejected while parsing"),
        };
        blob.put_u8(at + offset_of!(ImportDesc, kind), kind);
        blob.put_u8(at + offset_of!(ImportDesc, val_type), val_type);
        blob.put_u8(at + offset_of!(ImportDesc, mutable), u8::from(mutable));
        if let Some((min, max)) = limits {
            blob.put_u8(
                at + offset_of!(ImportDesc, has_max),
                u8::from(max.is_some()),
            );
            blob.put_u64(at + offset_of!(ImportDesc, min), min);
            blob.put_u64(at + offset_of!(ImportDesc, max), max.unwrap_or(0));
        }
    }

    let functions = array::<FunctionDesc>(
        &mut blob,
        root + offset_of!(ModuleDescriptor, functions),
        inputs.functions.len(),
    );
    for (i, code) in inputs.functions.iter().enumerate() {
        let at = functions + i * size_of::<FunctionDesc>();
        let index = env.num_imported_funcs as usize + i;
        blob.put_u32(at + offset_of!(FunctionDesc, type_index), env.funcs[index]);
        blob.put_u32(
            at + offset_of!(FunctionDesc, wasm_offset),
            env.bodies[i].range().start as u32,
        );
        function_desc(
            &mut blob,
            at,
            code.id,
            code.len,
            &inputs.names[i],
            &code.traps,
            &code.calls,
        );
    }
    let stubs = array::<FunctionDesc>(
        &mut blob,
        root + offset_of!(ModuleDescriptor, stubs),
        inputs.stubs.len(),
    );
    for (i, (id, len, name, traps)) in inputs.stubs.iter().enumerate() {
        function_desc(
            &mut blob,
            stubs + i * size_of::<FunctionDesc>(),
            *id,
            *len,
            name,
            traps,
            &[],
        );
    }

    let defined_memories = &env.memories[env.num_imported_memories as usize..];
    let memories = array::<LimitsDesc>(
        &mut blob,
        root + offset_of!(ModuleDescriptor, memories),
        defined_memories.len(),
    );
    for (i, m) in defined_memories.iter().enumerate() {
        limits(
            &mut blob,
            memories + i * size_of::<LimitsDesc>(),
            m.initial,
            m.maximum,
        );
    }

    let defined_tables = &env.tables[env.num_imported_tables as usize..];
    let tables = array::<TableDesc>(
        &mut blob,
        root + offset_of!(ModuleDescriptor, tables),
        defined_tables.len(),
    );
    for (i, t) in defined_tables.iter().enumerate() {
        let at = tables + i * size_of::<TableDesc>();
        limits(
            &mut blob,
            at + offset_of!(TableDesc, limits),
            t.initial,
            t.maximum,
        );
        blob.put_u32(
            at + offset_of!(TableDesc, elem_type),
            u32::from(ref_type_code(t.element_type)),
        );
        blob.put_bytes(at + offset_of!(TableDesc, init), &env.table_inits[i]);
    }

    let defined_globals = &env.globals[env.num_imported_globals as usize..];
    let globals = array::<GlobalDesc>(
        &mut blob,
        root + offset_of!(ModuleDescriptor, globals),
        defined_globals.len(),
    );
    for (i, g) in defined_globals.iter().enumerate() {
        let at = globals + i * size_of::<GlobalDesc>();
        blob.put_u8(
            at + offset_of!(GlobalDesc, val_type),
            val_type_code(g.content_type),
        );
        blob.put_u8(at + offset_of!(GlobalDesc, mutable), u8::from(g.mutable));
        blob.put_bytes(at + offset_of!(GlobalDesc, init), &env.global_inits[i]);
    }

    let exports = array::<ExportDesc>(
        &mut blob,
        root + offset_of!(ModuleDescriptor, exports),
        env.exports.len(),
    );
    for (i, (name, kind, index)) in env.exports.iter().enumerate() {
        let at = exports + i * size_of::<ExportDesc>();
        blob.put_bytes(at + offset_of!(ExportDesc, name), name.as_bytes());
        let kind = match kind {
            ExternalKind::Func | ExternalKind::FuncExact => extern_kind::FUNC,
            ExternalKind::Table => extern_kind::TABLE,
            ExternalKind::Memory => extern_kind::MEMORY,
            ExternalKind::Global => extern_kind::GLOBAL,
            ExternalKind::Tag => u8::MAX,
        };
        blob.put_u32(at + offset_of!(ExportDesc, kind), u32::from(kind));
        blob.put_u32(at + offset_of!(ExportDesc, index), *index);
    }

    let data = array::<DataSegmentDesc>(
        &mut blob,
        root + offset_of!(ModuleDescriptor, data_segments),
        env.data.len(),
    );
    for (i, segment) in env.data.iter().enumerate() {
        let at = data + i * size_of::<DataSegmentDesc>();
        let target = blob.append(segment.bytes, 16);
        blob.put_slice(
            at + offset_of!(DataSegmentDesc, bytes),
            target,
            segment.bytes.len(),
        );
        match &segment.active {
            Some((memory, offset)) => {
                blob.put_u32(at + offset_of!(DataSegmentDesc, memory), *memory);
                blob.put_u32(at + offset_of!(DataSegmentDesc, mode), segment_mode::ACTIVE);
                blob.put_bytes(at + offset_of!(DataSegmentDesc, offset), offset);
            }
            None => blob.put_u32(
                at + offset_of!(DataSegmentDesc, mode),
                segment_mode::PASSIVE,
            ),
        }
    }

    let elems = array::<ElemSegmentDesc>(
        &mut blob,
        root + offset_of!(ModuleDescriptor, elem_segments),
        env.elems.len(),
    );
    for (i, segment) in env.elems.iter().enumerate() {
        let at = elems + i * size_of::<ElemSegmentDesc>();
        blob.put_bytes(at + offset_of!(ElemSegmentDesc, items), &segment.items);
        blob.put_bytes(at + offset_of!(ElemSegmentDesc, offset), &segment.offset);
        blob.put_u32(at + offset_of!(ElemSegmentDesc, count), segment.count);
        blob.put_u32(at + offset_of!(ElemSegmentDesc, table), segment.table);
        blob.put_u32(at + offset_of!(ElemSegmentDesc, mode), segment.mode);
        blob.put_u32(
            at + offset_of!(ElemSegmentDesc, elem_type),
            u32::from(segment.elem_type),
        );
    }
    blob
}

/// Declares and defines the descriptor as the exported data symbol `symbol`.
pub fn define_descriptor(
    module: &mut ObjectModule,
    symbol: &str,
    env: &ModuleEnv<'_>,
    inputs: &DescriptorInputs<'_>,
) -> Result<DataId, CompileError> {
    let object_err = |e: cranelift_module::ModuleError| CompileError::Object(e.to_string());
    let blob = build(env, inputs, isa_cpu_features(module.isa()));
    let id = module
        .declare_data(symbol, Linkage::Export, false, false)
        .map_err(object_err)?;
    let mut desc = DataDescription::new();
    desc.define(blob.bytes.into_boxed_slice());
    desc.set_align(16);
    let this = module.declare_data_in_data(id, &mut desc);
    for (at, target) in blob.self_relocs {
        desc.write_data_addr(at as u32, this, target as i64);
    }
    for (at, func) in blob.func_relocs {
        let f = module.declare_func_in_data(func, &mut desc);
        desc.write_function_addr(at as u32, f);
    }
    module.define_data(id, &desc).map_err(object_err)?;
    Ok(id)
}

/// Declares and defines a read-only exported data symbol holding `bytes`.
pub fn define_bytes(
    module: &mut ObjectModule,
    symbol: &str,
    bytes: &[u8],
) -> Result<DataId, CompileError> {
    let object_err = |e: cranelift_module::ModuleError| CompileError::Object(e.to_string());
    let id = module
        .declare_data(symbol, Linkage::Export, false, false)
        .map_err(object_err)?;
    let mut desc = DataDescription::new();
    // A zero-length object would share its address with the next symbol; keep one byte.
    desc.define(if bytes.is_empty() {
        vec![0].into_boxed_slice()
    } else {
        bytes.into()
    });
    module.define_data(id, &desc).map_err(object_err)?;
    Ok(id)
}
