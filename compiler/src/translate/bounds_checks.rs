//! Bounds checks for linear-memory accesses.
//!
//! Changes here decide whether guest code can touch host memory: review them twice.
//!
//! - Guard mode: every memory reserves 4 GiB plus `GUARD_REGION_BYTES` of address space
//!   with only the accessible pages mapped, so `base + zext(index) + offset + size` stays
//!   inside the reservation whenever `offset + size <= GUARD_REGION_BYTES`; such accesses
//!   need no compare and a fault is turned into a trap by the runtime. Larger static
//!   offsets fall back to an explicit check.
//! - Explicit mode: `zext(index) + offset + size` is computed in 64 bits (it cannot
//!   overflow) and compared with the current length before the access.
//! - Bulk operations (`memory.copy`, `memory.fill`) compare `zext(start) + zext(len)`
//!   with the current length in both modes, before the runtime touches a byte.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use wasi_aot_abi::trap::Trap;
use wasi_aot_abi::vmctx::MEMORY_LENGTH;
use wasi_aot_abi::{BoundsChecks, GUARD_REGION_BYTES};

use super::{FuncTranslator, Region};

impl FuncTranslator<'_, '_> {
    /// The native address of a `size`-byte access at wasm address `index + offset` in
    /// `memory`, as a base value and an immediate offset, after any needed check.
    pub(crate) fn heap_address(
        &mut self,
        memory: u32,
        index: Value,
        offset: u64,
        size: u32,
    ) -> (Value, i32) {
        let (def, base) = self.memories[memory as usize];
        let index = self.builder.ins().uextend(types::I64, index);
        let end = offset + u64::from(size);
        let needs_check = match self.module.bounds_checks {
            BoundsChecks::Guard => end > GUARD_REGION_BYTES,
            BoundsChecks::Explicit => true,
        };
        if needs_check {
            let access_end = self.builder.ins().iadd_imm_s(index, end as i64);
            self.trap_past_end(def, access_end);
        }
        let addr = self.builder.ins().iadd(base, index);
        match i32::try_from(offset) {
            Ok(imm) => (addr, imm),
            Err(_) => (self.builder.ins().iadd_imm_s(addr, offset as i64), 0),
        }
    }

    /// The native address of the `len`-byte range at wasm address `start` in
    /// `memory` (both zero-extended to 64 bits), after trapping unless all of it is
    /// in bounds (an empty range may start at the memory's end).
    pub(crate) fn checked_range(&mut self, memory: u32, start: Value, len: Value) -> Value {
        let (def, base) = self.memories[memory as usize];
        // Both are below 2^32, so the sum cannot wrap.
        let end = self.builder.ins().iadd(start, len);
        self.trap_past_end(def, end);
        self.builder.ins().iadd(base, start)
    }

    /// Traps with out-of-bounds if `end` (an exclusive 64-bit wasm address) lies past the
    /// current length of the memory whose definition is at `def`.
    fn trap_past_end(&mut self, def: Value, end: Value) {
        let length =
            self.builder
                .ins()
                .load(types::I64, Region::Vmctx.flags(), def, MEMORY_LENGTH as i32);
        let out_of_bounds = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, end, length);
        self.trap_if(out_of_bounds, Trap::MemoryOutOfBounds);
    }
}
