//! The module descriptor: static data the compiler emits into every object (symbol
//! [`DESCRIPTOR_SYMBOL`]) describing everything the runtime needs to instantiate the
//! module. The compiler lays the bytes out with `offset_of!` on these `repr(C)` types and
//! the runtime reads them directly, so the layout is defined only here.

use core::marker::PhantomData;

use crate::vmctx::VMCounts;

/// Symbol of the module descriptor in an executable's object.
pub const DESCRIPTOR_SYMBOL: &str = "wasi_aot_module";
/// Symbol of the build-time capabilities blob (see [`crate::exec_config`]).
pub const EXEC_CONFIG_SYMBOL: &str = "wasi_aot_exec_config";
/// Bumped whenever any layout in this crate changes.
pub const ABI_VERSION: u32 = 0x5741_0004;

/// A pointer and a length, pointing into the object's read-only data.
#[repr(C)]
#[derive(Debug)]
pub struct Slice<T> {
    /// First element, or null when `len` is zero.
    pub ptr: *const T,
    /// Number of elements.
    pub len: u64,
    /// The element type.
    pub _marker: PhantomData<T>,
}

impl<T> Slice<T> {
    /// Views the slice.
    ///
    /// # Safety
    /// `ptr` must point to `len` valid elements that live as long as `'a` (true for
    /// descriptors emitted by the compiler, which live in the loaded object).
    pub unsafe fn as_slice<'a>(&self) -> &'a [T] {
        if self.len == 0 {
            &[]
        } else {
            // SAFETY: guaranteed by the caller.
            unsafe { core::slice::from_raw_parts(self.ptr, self.len as usize) }
        }
    }
}

/// Offset of [`Slice::ptr`].
pub const SLICE_PTR: usize = 0;
/// Offset of [`Slice::len`].
pub const SLICE_LEN: usize = 8;

/// Value types in their binary-format encoding.
pub mod val_type {
    /// `i32`
    pub const I32: u8 = 0x7f;
    /// `i64`
    pub const I64: u8 = 0x7e;
    /// `f32`
    pub const F32: u8 = 0x7d;
    /// `f64`
    pub const F64: u8 = 0x7c;
    /// `v128`
    pub const V128: u8 = 0x7b;
    /// `funcref`
    pub const FUNCREF: u8 = 0x70;
    /// `externref`
    pub const EXTERNREF: u8 = 0x6f;
}

/// Kinds of imports and exports, in their binary-format encoding.
pub mod extern_kind {
    /// A function.
    pub const FUNC: u8 = 0;
    /// A table.
    pub const TABLE: u8 = 1;
    /// A memory.
    pub const MEMORY: u8 = 2;
    /// A global.
    pub const GLOBAL: u8 = 3;
}

/// Segment modes.
pub mod segment_mode {
    /// Copied into its memory or table while instantiating.
    pub const ACTIVE: u32 = 0;
    /// Used only by `memory.init` / `table.init`.
    pub const PASSIVE: u32 = 1;
    /// Element segment that only declares functions for `ref.func`.
    pub const DECLARED: u32 = 2;
}

/// The root of the descriptor.
#[repr(C)]
#[derive(Debug)]
pub struct ModuleDescriptor {
    /// Must equal [`ABI_VERSION`].
    pub abi_version: u32,
    /// A [`crate::BoundsChecks`] value: how the code checks memory accesses.
    pub bounds_checks: u32,
    /// Entity counts, which determine the vmctx layout.
    pub counts: VMCounts,
    /// Index of the start function, or `u32::MAX`.
    pub start_func: u32,
    /// Function types, indexed by type index.
    pub types: Slice<FuncTypeDesc>,
    /// Imports in module order.
    pub imports: Slice<ImportDesc>,
    /// Defined functions (function index minus imported functions).
    pub functions: Slice<FunctionDesc>,
    /// Generated stubs for unresolved imports (for trap lookup only).
    pub stubs: Slice<FunctionDesc>,
    /// Defined memories.
    pub memories: Slice<LimitsDesc>,
    /// Defined tables.
    pub tables: Slice<TableDesc>,
    /// Defined globals.
    pub globals: Slice<GlobalDesc>,
    /// Exports in module order.
    pub exports: Slice<ExportDesc>,
    /// Data segments in module order.
    pub data_segments: Slice<DataSegmentDesc>,
    /// Element segments in module order.
    pub elem_segments: Slice<ElemSegmentDesc>,
    /// The module name from the name section (may be empty).
    pub name: Slice<u8>,
    /// The [`crate::cpu::CpuFeatures`] the code was compiled to use: the runtime
    /// refuses to instantiate on a CPU that lacks any of them.
    pub cpu_features: u64,
}

/// A function type.
#[repr(C)]
#[derive(Debug)]
pub struct FuncTypeDesc {
    /// Parameter [`val_type`]s.
    pub params: Slice<u8>,
    /// Result [`val_type`]s.
    pub results: Slice<u8>,
    /// `extern "C" fn(code, vmctx, values: *mut [u8; 16])`: calls `code` with the
    /// parameters read from `values` and writes the results back to `values`. Null for
    /// a type that no function has (the runtime calls a function only through the
    /// trampoline of its own type).
    pub array_trampoline: *const u8,
}

/// One import.
#[repr(C)]
#[derive(Debug)]
pub struct ImportDesc {
    /// Module name (UTF-8).
    pub module: Slice<u8>,
    /// Field name (UTF-8).
    pub name: Slice<u8>,
    /// An [`extern_kind`].
    pub kind: u8,
    /// Global value type or table element type.
    pub val_type: u8,
    /// Whether a global is mutable.
    pub mutable: u8,
    /// Whether `max` is present (tables and memories).
    pub has_max: u8,
    /// Type index (functions).
    pub type_index: u32,
    /// Minimum size (tables: elements, memories: pages).
    pub min: u64,
    /// Maximum size, if `has_max`.
    pub max: u64,
    /// For functions bound when the object was built: the code to call (a host symbol
    /// or a trap stub). Null when the embedder must supply the import.
    pub static_code: *const u8,
}

/// One defined function.
#[repr(C)]
#[derive(Debug)]
pub struct FunctionDesc {
    /// Native code.
    pub code: *const u8,
    /// Length of the native code in bytes.
    pub code_len: u64,
    /// Type index.
    pub type_index: u32,
    /// Offset of the function body in the wasm module.
    pub wasm_offset: u32,
    /// Name from the name section, or `wasm-function[N]`.
    pub name: Slice<u8>,
    /// Trapping instructions, sorted by `code_offset`.
    pub traps: Slice<TrapRecord>,
    /// Calls, sorted by `return_offset`: what a backtrace shows for a caller frame.
    pub calls: Slice<CallRecord>,
}

/// [`TrapRecord::inlined_callee`] of an instruction of the function's own body.
pub const NOT_INLINED: u32 = u32::MAX;

/// A trapping instruction in generated code.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrapRecord {
    /// Offset of the instruction from the start of its function's code.
    pub code_offset: u32,
    /// Offset of the wasm instruction in the module (in the callee's body, for an
    /// inlined instruction).
    pub wasm_offset: u32,
    /// For an instruction inlined from a callee, the callee's defined-function index
    /// (into [`ModuleDescriptor::functions`]); [`NOT_INLINED`] otherwise.
    pub inlined_callee: u32,
    /// For an inlined instruction, the wasm offset of the call it was inlined at.
    pub call_offset: u32,
    /// The [`crate::trap::Trap`] code.
    pub trap: u8,
    /// Padding.
    pub _pad: [u8; 3],
}

/// A call instruction in generated code, found by the return address it pushes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRecord {
    /// Offset of the instruction after the call from the start of its function's code.
    pub return_offset: u32,
    /// Offset of the wasm instruction (`call`, `call_indirect`, or one lowered to a
    /// runtime call such as `memory.grow`) in the module.
    pub wasm_offset: u32,
}

/// Memory limits in pages.
#[repr(C)]
#[derive(Debug)]
pub struct LimitsDesc {
    /// Initial size.
    pub min: u64,
    /// Maximum size, if `has_max`.
    pub max: u64,
    /// Whether a maximum was declared.
    pub has_max: u32,
    /// Padding.
    pub _pad: u32,
}

/// A defined table.
#[repr(C)]
#[derive(Debug)]
pub struct TableDesc {
    /// Size limits in elements.
    pub limits: LimitsDesc,
    /// Element [`val_type`].
    pub elem_type: u32,
    /// Padding.
    pub _pad: u32,
    /// Initial element as a constant expression (empty: null).
    pub init: Slice<u8>,
}

/// A defined global.
#[repr(C)]
#[derive(Debug)]
pub struct GlobalDesc {
    /// Its [`val_type`].
    pub val_type: u8,
    /// Whether it is mutable.
    pub mutable: u8,
    /// Padding.
    pub _pad: [u8; 6],
    /// Initial value as a constant expression ([`crate::constexpr`]).
    pub init: Slice<u8>,
}

/// One export.
#[repr(C)]
#[derive(Debug)]
pub struct ExportDesc {
    /// Export name (UTF-8).
    pub name: Slice<u8>,
    /// An [`extern_kind`].
    pub kind: u32,
    /// Index in the kind's index space.
    pub index: u32,
}

/// One data segment.
#[repr(C)]
#[derive(Debug)]
pub struct DataSegmentDesc {
    /// The bytes.
    pub bytes: Slice<u8>,
    /// Offset constant expression (active segments).
    pub offset: Slice<u8>,
    /// Target memory (active segments).
    pub memory: u32,
    /// A [`segment_mode`].
    pub mode: u32,
}

/// One element segment.
#[repr(C)]
#[derive(Debug)]
pub struct ElemSegmentDesc {
    /// `count` constant expressions, concatenated, each ending in `End`.
    pub items: Slice<u8>,
    /// Offset constant expression (active segments).
    pub offset: Slice<u8>,
    /// Number of items.
    pub count: u32,
    /// Target table (active segments).
    pub table: u32,
    /// A [`segment_mode`].
    pub mode: u32,
    /// Element [`val_type`].
    pub elem_type: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layouts_are_stable() {
        assert_eq!(size_of::<Slice<u8>>(), 16);
        assert_eq!(offset_of!(Slice<u8>, len), SLICE_LEN);
        assert_eq!(size_of::<TrapRecord>(), 20);
        assert_eq!(size_of::<FuncTypeDesc>(), 40);
        assert_eq!(size_of::<ImportDesc>(), 64);
        assert_eq!(size_of::<CallRecord>(), 8);
        assert_eq!(size_of::<FunctionDesc>(), 72);
        assert_eq!(offset_of!(ModuleDescriptor, types), 48);
        assert_eq!(offset_of!(ModuleDescriptor, cpu_features), 224);
    }
}
