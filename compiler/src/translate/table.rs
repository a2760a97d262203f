//! Tables and references: `table.*`, `elem.drop`, `ref.null`, `ref.is_null`, `ref.func`.
//!
//! Table elements are pointer-sized: a `*const VMFuncRef` for `funcref`, an opaque host
//! word for `externref`, zero for null. Element accesses are bounds-checked inline;
//! operations on ranges go to runtime builtins that check the whole range first.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use wasi_aot_abi::builtins;
use wasi_aot_abi::trap::Trap;
use wasi_aot_abi::vmctx::{TABLE_BASE, TABLE_ELEMENT_SIZE, TABLE_LENGTH};
use wasmparser::Operator;

use super::{FuncTranslator, Region};
use crate::CompileError;

impl FuncTranslator<'_, '_> {
    /// Lowers table and reference operators.
    pub(crate) fn translate_table(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        match *op {
            Operator::TableGet { table } => {
                let index = self.pop();
                let slot = self.table_element_address(table, index, Trap::TableOutOfBounds);
                let v = self
                    .builder
                    .ins()
                    .load(types::I64, Region::Table.flags(), slot, 0);
                self.push(v);
            }
            Operator::TableSet { table } => {
                let (index, value) = self.pop2();
                let slot = self.table_element_address(table, index, Trap::TableOutOfBounds);
                self.builder
                    .ins()
                    .store(Region::Table.flags(), value, slot, 0);
            }
            Operator::TableSize { table } => {
                let def = self.table_definition(table);
                let len = self.builder.ins().load(
                    types::I64,
                    Region::Vmctx.flags(),
                    def,
                    TABLE_LENGTH as i32,
                );
                let len = self.builder.ins().ireduce(types::I32, len);
                self.push(len);
            }
            Operator::TableGrow { table } => {
                let (init, delta) = self.pop2();
                let table = self.builder.ins().iconst(types::I32, i64::from(table));
                let old = self
                    .call_builtin(&builtins::TABLE_GROW, &[table, init, delta])
                    .expect("table.grow returns a size");
                self.push(old);
            }
            Operator::TableFill { table } => {
                let (dst, value, len) = self.pop3();
                let table = self.builder.ins().iconst(types::I32, i64::from(table));
                self.call_builtin(&builtins::TABLE_FILL, &[table, dst, value, len]);
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let (dst, src, len) = self.pop3();
                let dst_table = self.builder.ins().iconst(types::I32, i64::from(dst_table));
                let src_table = self.builder.ins().iconst(types::I32, i64::from(src_table));
                self.call_builtin(
                    &builtins::TABLE_COPY,
                    &[dst_table, src_table, dst, src, len],
                );
            }
            Operator::TableInit { elem_index, table } => {
                let (dst, src, len) = self.pop3();
                let table = self.builder.ins().iconst(types::I32, i64::from(table));
                let elem = self.builder.ins().iconst(types::I32, i64::from(elem_index));
                self.call_builtin(&builtins::TABLE_INIT, &[table, elem, dst, src, len]);
            }
            Operator::ElemDrop { elem_index } => {
                let elem = self.builder.ins().iconst(types::I32, i64::from(elem_index));
                self.call_builtin(&builtins::ELEM_DROP, &[elem]);
            }
            Operator::RefNull { .. } => {
                let null = self.builder.ins().iconst(types::I64, 0);
                self.push(null);
            }
            Operator::RefIsNull => {
                let r = self.pop();
                let is_null = self.builder.ins().icmp_imm_s(IntCC::Equal, r, 0);
                let is_null = self.builder.ins().uextend(types::I32, is_null);
                self.push(is_null);
            }
            Operator::RefFunc { function_index } => {
                let offset = self.module.offsets.funcref(function_index);
                let r = self.builder.ins().iadd_imm_s(self.vmctx, i64::from(offset));
                self.push(r);
            }
            _ => unreachable!("not a table operator: {op:?}"),
        }
        Ok(())
    }

    /// Pointer to table `index`'s `VMTableDefinition`.
    pub(crate) fn table_definition(&mut self, index: u32) -> Value {
        let offsets = self.module.offsets;
        if index < self.module.env.num_imported_tables {
            self.load_vmctx_readonly(types::I64, offsets.table_pointer(index))
        } else {
            self.builder
                .ins()
                .iadd_imm_s(self.vmctx, i64::from(offsets.defined_table(index)))
        }
    }

    /// Address of element `index` (an `i32`) of `table`, trapping with `trap` when the
    /// index is out of bounds.
    pub(crate) fn table_element_address(&mut self, table: u32, index: Value, trap: Trap) -> Value {
        let def = self.table_definition(table);
        let len =
            self.builder
                .ins()
                .load(types::I64, Region::Vmctx.flags(), def, TABLE_LENGTH as i32);
        let index = self.builder.ins().uextend(types::I64, index);
        let out_of_bounds = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trap_if(out_of_bounds, trap);
        let base =
            self.builder
                .ins()
                .load(types::I64, Region::Vmctx.flags(), def, TABLE_BASE as i32);
        let byte_offset = self
            .builder
            .ins()
            .imul_imm_s(index, i64::from(TABLE_ELEMENT_SIZE));
        self.builder.ins().iadd(base, byte_offset)
    }
}
