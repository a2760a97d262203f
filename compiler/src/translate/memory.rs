//! Linear memory: loads, stores, `memory.size/grow`, and bulk memory operations.

use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Type, Value};
use wasi_aot_abi::builtins;
use wasi_aot_abi::vmctx::MEMORY_LENGTH;
use wasmparser::{MemArg, Operator};

use super::{FuncTranslator, Region};
use crate::environ::trap_code;
use crate::CompileError;

/// Flags of a guest memory access: little-endian, in the heap region, and a fault means
/// out of bounds.
pub(crate) fn heap_flags() -> MemFlagsData {
    MemFlagsData::new()
        .with_endianness(cranelift_codegen::ir::Endianness::Little)
        .with_trap_code(Some(trap_code(wasi_aot_abi::trap::Trap::MemoryOutOfBounds)))
        .with_alias_region(Some(Region::Heap.id()))
}

/// The memory a load or store accesses.
pub(crate) fn memory_index(memarg: &MemArg) -> u32 {
    match memarg.target {
        wasmparser::MemArgTarget::Memory(index) => index,
        wasmparser::MemArgTarget::Array(_) => unreachable!("GC arrays are rejected by validation"),
    }
}

/// How a load widens its result.
#[derive(Clone, Copy)]
enum Widen {
    None,
    Signed,
    Unsigned,
}

impl FuncTranslator<'_, '_> {
    /// Lowers memory operators; returns `false` if `op` is not one.
    pub(crate) fn translate_memory(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use types::{F32, F64, I16, I32, I64, I8};
        use Operator::*;
        use Widen::{None as Full, Signed, Unsigned};
        match *op {
            I32Load { memarg } => self.load(memarg, I32, I32, Full),
            I64Load { memarg } => self.load(memarg, I64, I64, Full),
            F32Load { memarg } => self.load(memarg, F32, F32, Full),
            F64Load { memarg } => self.load(memarg, F64, F64, Full),
            I32Load8S { memarg } => self.load(memarg, I8, I32, Signed),
            I32Load8U { memarg } => self.load(memarg, I8, I32, Unsigned),
            I32Load16S { memarg } => self.load(memarg, I16, I32, Signed),
            I32Load16U { memarg } => self.load(memarg, I16, I32, Unsigned),
            I64Load8S { memarg } => self.load(memarg, I8, I64, Signed),
            I64Load8U { memarg } => self.load(memarg, I8, I64, Unsigned),
            I64Load16S { memarg } => self.load(memarg, I16, I64, Signed),
            I64Load16U { memarg } => self.load(memarg, I16, I64, Unsigned),
            I64Load32S { memarg } => self.load(memarg, I32, I64, Signed),
            I64Load32U { memarg } => self.load(memarg, I32, I64, Unsigned),
            I32Store { memarg }
            | I64Store { memarg }
            | F32Store { memarg }
            | F64Store { memarg } => self.store(memarg, None),
            I32Store8 { memarg } | I64Store8 { memarg } => self.store(memarg, Some(I8)),
            I32Store16 { memarg } | I64Store16 { memarg } => self.store(memarg, Some(I16)),
            I64Store32 { memarg } => self.store(memarg, Some(I32)),
            MemorySize { mem } => {
                let (def, _) = self.memories[mem as usize];
                let length =
                    self.builder
                        .ins()
                        .load(I64, Region::Vmctx.flags(), def, MEMORY_LENGTH as i32);
                let pages = self.builder.ins().ushr_imm_u(length, 16);
                let pages = self.builder.ins().ireduce(I32, pages);
                self.push(pages);
            }
            MemoryGrow { mem } => {
                let delta = self.pop();
                let delta = self.builder.ins().uextend(I64, delta);
                let mem = self.builder.ins().iconst(I32, i64::from(mem));
                let old = self
                    .call_builtin(&builtins::MEMORY_GROW, &[mem, delta])
                    .expect("memory.grow returns a size");
                let old = self.builder.ins().ireduce(I32, old);
                self.push(old);
            }
            MemoryCopy { dst_mem, src_mem } => {
                let (dst, src, len) = self.pop3();
                let [dst, src, len] = self.widen([dst, src, len]);
                let dst = self.checked_range(dst_mem, dst, len);
                let src = self.checked_range(src_mem, src, len);
                self.call_builtin(&builtins::MEMORY_COPY, &[dst, src, len]);
            }
            MemoryFill { mem } => {
                let (dst, byte, len) = self.pop3();
                let [dst, len] = self.widen([dst, len]);
                let dst = self.checked_range(mem, dst, len);
                self.call_builtin(&builtins::MEMORY_FILL, &[dst, byte, len]);
            }
            MemoryInit { data_index, mem } => {
                let (dst, src, len) = self.pop3();
                let [dst] = self.widen([dst]);
                let mem = self.builder.ins().iconst(I32, i64::from(mem));
                let data = self.builder.ins().iconst(I32, i64::from(data_index));
                self.call_builtin(&builtins::MEMORY_INIT, &[mem, data, dst, src, len]);
            }
            DataDrop { data_index } => {
                let data = self.builder.ins().iconst(I32, i64::from(data_index));
                self.call_builtin(&builtins::DATA_DROP, &[data]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Zero-extends 32-bit memory addresses and lengths to the builtins' 64-bit form.
    fn widen<const N: usize>(&mut self, values: [Value; N]) -> [Value; N] {
        values.map(|v| self.builder.ins().uextend(types::I64, v))
    }

    fn load(&mut self, memarg: MemArg, mem_ty: Type, result_ty: Type, extend: Widen) {
        let index = self.pop();
        let (addr, offset) =
            self.heap_address(memory_index(&memarg), index, memarg.offset, mem_ty.bytes());
        let ins = self.builder.ins();
        let v = match (extend, mem_ty.bits()) {
            (Widen::None, _) => ins.load(result_ty, heap_flags(), addr, offset),
            (Widen::Signed, 8) => ins.sload8(result_ty, heap_flags(), addr, offset),
            (Widen::Unsigned, 8) => ins.uload8(result_ty, heap_flags(), addr, offset),
            (Widen::Signed, 16) => ins.sload16(result_ty, heap_flags(), addr, offset),
            (Widen::Unsigned, 16) => ins.uload16(result_ty, heap_flags(), addr, offset),
            (Widen::Signed, _) => ins.sload32(heap_flags(), addr, offset),
            (Widen::Unsigned, _) => ins.uload32(heap_flags(), addr, offset),
        };
        self.push(v);
    }

    /// Stores the top value; `narrow` truncates it to a smaller width first.
    pub(crate) fn store(&mut self, memarg: MemArg, narrow: Option<Type>) {
        let value = self.pop();
        let index = self.pop();
        let value_ty = self.builder.func.dfg.value_type(value);
        let size = narrow.unwrap_or(value_ty).bytes();
        let (addr, offset) = self.heap_address(memory_index(&memarg), index, memarg.offset, size);
        let ins = self.builder.ins();
        match narrow.map(|t| t.bits()) {
            None => ins.store(heap_flags(), value, addr, offset),
            Some(8) => ins.istore8(heap_flags(), value, addr, offset),
            Some(16) => ins.istore16(heap_flags(), value, addr, offset),
            Some(_) => ins.istore32(heap_flags(), value, addr, offset),
        };
    }
}
