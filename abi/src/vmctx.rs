//! The per-instance context (`VMContext`) that every compiled function receives as its
//! first argument, and the layout of its fields.
//!
//! ```text
//!   offset  field                       notes
//!   0       stack_limit: u64            lowest native stack pointer wasm frames may reach
//!   8       instance: *mut c_void       the runtime's instance (host calls reach it from here)
//!   16      type_ids: [u32; types]      canonical signature ids, for call_indirect
//!   ..      memories: [*mut VMMemoryDefinition; memories]   imported and defined
//!   ..      defined_memories: [VMMemoryDefinition; defined memories]
//!   ..      tables: [*mut VMTableDefinition; tables]        imported and defined
//!   ..      defined_tables: [VMTableDefinition; defined tables]
//!   ..      globals: [*mut VMGlobal; globals]               imported and defined
//!   ..      defined_globals: [VMGlobal; defined globals]    16-byte aligned
//!   ..      funcrefs: [VMFuncRef; functions]                imported and defined
//! ```
//!
//! Hot fields come first. The regions are computed from [`VMCounts`] by [`VMOffsets`],
//! which both the compiler (to emit loads) and the runtime (to fill the struct) use.
//! The runtime checks the `repr(C)` structs below against these offsets in its tests.

use core::mem::{offset_of, size_of};

/// A linear memory as generated code sees it. The base never moves after instantiation.
#[repr(C)]
#[derive(Debug)]
pub struct VMMemoryDefinition {
    /// Start of the memory's address-space reservation.
    pub base: *mut u8,
    /// Current size in bytes (a multiple of the page size).
    pub length: u64,
}

/// A table as generated code sees it. Elements are pointer-sized: `*const VMFuncRef` for
/// `funcref` tables, an opaque host word for `externref`; zero is null.
#[repr(C)]
#[derive(Debug)]
pub struct VMTableDefinition {
    /// Start of the element array (may move when the table grows).
    pub base: *mut usize,
    /// Current number of elements.
    pub length: u64,
}

/// A global's storage: 16 bytes so that `v128` fits; scalars use the low bytes.
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy, Default)]
pub struct VMGlobal {
    /// The raw little-endian bytes of the value.
    pub bytes: [u8; 16],
}

/// A callable function: what `ref.func` yields, what `funcref` tables hold a pointer to,
/// and what calls to imported functions go through.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct VMFuncRef {
    /// Native code, with the signature `(vmctx, params...) -> results` (System V).
    pub code: *const u8,
    /// The context passed as the first argument: the owning instance's, or for a host
    /// function the calling instance's.
    pub vmctx: *mut u8,
    /// The canonical signature id (see `type_ids`).
    pub type_id: u64,
}

/// Offset of `VMMemoryDefinition::base`.
pub const MEMORY_BASE: u32 = offset_of!(VMMemoryDefinition, base) as u32;
/// Offset of `VMMemoryDefinition::length`.
pub const MEMORY_LENGTH: u32 = offset_of!(VMMemoryDefinition, length) as u32;
/// Offset of `VMTableDefinition::base`.
pub const TABLE_BASE: u32 = offset_of!(VMTableDefinition, base) as u32;
/// Offset of `VMTableDefinition::length`.
pub const TABLE_LENGTH: u32 = offset_of!(VMTableDefinition, length) as u32;
/// Offset of `VMFuncRef::code`.
pub const FUNCREF_CODE: u32 = offset_of!(VMFuncRef, code) as u32;
/// Offset of `VMFuncRef::vmctx`.
pub const FUNCREF_VMCTX: u32 = offset_of!(VMFuncRef, vmctx) as u32;
/// Offset of `VMFuncRef::type_id`.
pub const FUNCREF_TYPE_ID: u32 = offset_of!(VMFuncRef, type_id) as u32;
/// Size of a table element.
pub const TABLE_ELEMENT_SIZE: u32 = size_of::<usize>() as u32;

/// Offset of the stack limit in the vmctx header.
pub const STACK_LIMIT: u32 = 0;
/// Offset of the instance pointer in the vmctx header.
pub const INSTANCE: u32 = 8;
/// Size of the fixed header.
const HEADER_SIZE: u32 = 16;

/// Entity counts of a module that determine its vmctx layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VMCounts {
    /// Function types in the type section.
    pub types: u32,
    /// Imported functions.
    pub imported_funcs: u32,
    /// All functions (imported first).
    pub funcs: u32,
    /// Imported memories.
    pub imported_memories: u32,
    /// All memories.
    pub memories: u32,
    /// Imported tables.
    pub imported_tables: u32,
    /// All tables.
    pub tables: u32,
    /// Imported globals.
    pub imported_globals: u32,
    /// All globals.
    pub globals: u32,
}

/// Byte offsets of every vmctx region for one module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VMOffsets {
    /// The counts these offsets were computed from.
    pub counts: VMCounts,
    type_ids: u32,
    memories: u32,
    defined_memories: u32,
    tables: u32,
    defined_tables: u32,
    globals: u32,
    defined_globals: u32,
    funcrefs: u32,
    size: u32,
}

fn align(n: u32, to: u32) -> u32 {
    n.div_ceil(to) * to
}

impl VMOffsets {
    /// Computes the layout. Counts are bounded by the compiler's module limits, so the
    /// arithmetic cannot overflow `u32` for any module it accepts.
    pub fn new(counts: VMCounts) -> Self {
        let ptr = size_of::<usize>() as u32;
        let type_ids = HEADER_SIZE;
        let memories = align(type_ids + 4 * counts.types, ptr);
        let defined_memories = memories + ptr * counts.memories;
        let tables = defined_memories
            + size_of::<VMMemoryDefinition>() as u32 * (counts.memories - counts.imported_memories);
        let defined_tables = tables + ptr * counts.tables;
        let globals = defined_tables
            + size_of::<VMTableDefinition>() as u32 * (counts.tables - counts.imported_tables);
        let defined_globals = align(globals + ptr * counts.globals, 16);
        let funcrefs = defined_globals
            + size_of::<VMGlobal>() as u32 * (counts.globals - counts.imported_globals);
        let size = align(funcrefs + size_of::<VMFuncRef>() as u32 * counts.funcs, 16);
        VMOffsets {
            counts,
            type_ids,
            memories,
            defined_memories,
            tables,
            defined_tables,
            globals,
            defined_globals,
            funcrefs,
            size,
        }
    }

    /// Total size of the vmctx in bytes (a multiple of 16).
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Offset of the canonical id of type `index`.
    pub fn type_id(&self, index: u32) -> u32 {
        self.type_ids + 4 * index
    }

    /// Offset of the pointer to memory `index`'s definition.
    pub fn memory_pointer(&self, index: u32) -> u32 {
        self.memories + 8 * index
    }

    /// Offset of the definition of memory `index`, which must be defined (not imported).
    pub fn defined_memory(&self, index: u32) -> u32 {
        debug_assert!(index >= self.counts.imported_memories);
        self.defined_memories
            + size_of::<VMMemoryDefinition>() as u32 * (index - self.counts.imported_memories)
    }

    /// Offset of the pointer to table `index`'s definition.
    pub fn table_pointer(&self, index: u32) -> u32 {
        self.tables + 8 * index
    }

    /// Offset of the definition of table `index`, which must be defined (not imported).
    pub fn defined_table(&self, index: u32) -> u32 {
        debug_assert!(index >= self.counts.imported_tables);
        self.defined_tables
            + size_of::<VMTableDefinition>() as u32 * (index - self.counts.imported_tables)
    }

    /// Offset of the pointer to global `index`'s storage.
    pub fn global_pointer(&self, index: u32) -> u32 {
        self.globals + 8 * index
    }

    /// Offset of the storage of global `index`, which must be defined (not imported).
    pub fn defined_global(&self, index: u32) -> u32 {
        debug_assert!(index >= self.counts.imported_globals);
        self.defined_globals + size_of::<VMGlobal>() as u32 * (index - self.counts.imported_globals)
    }

    /// Offset of the `VMFuncRef` of function `index`.
    pub fn funcref(&self, index: u32) -> u32 {
        self.funcrefs + size_of::<VMFuncRef>() as u32 * index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_do_not_overlap_and_are_aligned() {
        let counts = VMCounts {
            types: 3,
            imported_funcs: 2,
            funcs: 5,
            imported_memories: 0,
            memories: 1,
            imported_tables: 1,
            tables: 2,
            imported_globals: 1,
            globals: 4,
        };
        let o = VMOffsets::new(counts);
        assert_eq!(o.type_id(0), 16);
        assert_eq!(o.memory_pointer(0), 32);
        assert_eq!(o.defined_memory(0), 40);
        assert_eq!(o.table_pointer(0), 56);
        assert_eq!(o.defined_table(1), 72);
        assert_eq!(o.global_pointer(0), 88);
        assert_eq!(o.defined_global(1), 128);
        assert_eq!(o.defined_global(1) % 16, 0);
        assert_eq!(o.funcref(0), 176);
        assert_eq!(o.size(), 176 + 24 * 5 + 8);
        assert_eq!(o.size() % 16, 0);
    }

    #[test]
    fn empty_module_has_only_the_header() {
        assert_eq!(VMOffsets::new(VMCounts::default()).size(), 16);
    }

    #[test]
    fn struct_field_offsets() {
        assert_eq!((MEMORY_BASE, MEMORY_LENGTH), (0, 8));
        assert_eq!((TABLE_BASE, TABLE_LENGTH), (0, 8));
        assert_eq!((FUNCREF_CODE, FUNCREF_VMCTX, FUNCREF_TYPE_ID), (0, 8, 16));
        assert_eq!(size_of::<VMGlobal>(), 16);
    }
}
