//! Locals and globals.

use cranelift_codegen::ir::{InstBuilder, Value};
use wasmparser::Operator;

use super::{readonly_flags, FuncTranslator, Region};
use crate::environ::ir_type;
use crate::CompileError;

impl FuncTranslator<'_, '_> {
    /// Lowers `local.*` and `global.*`.
    pub(crate) fn translate_variable(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        match *op {
            Operator::LocalGet { local_index } => {
                let v = self.builder.use_var(self.locals[local_index as usize].0);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                self.builder.def_var(self.locals[local_index as usize].0, v);
            }
            Operator::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.builder.def_var(self.locals[local_index as usize].0, v);
            }
            Operator::GlobalGet { global_index } => {
                let (addr, offset) = self.global_address(global_index);
                let ty = ir_type(self.module.env.globals[global_index as usize].content_type);
                let v = self
                    .builder
                    .ins()
                    .load(ty, Region::Vmctx.flags(), addr, offset);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let v = self.pop();
                let (addr, offset) = self.global_address(global_index);
                self.builder
                    .ins()
                    .store(Region::Vmctx.flags(), v, addr, offset);
            }
            _ => unreachable!("not a variable operator: {op:?}"),
        }
        Ok(())
    }

    /// Base and offset of a global's storage: inline in the vmctx for defined globals,
    /// behind a pointer for imported ones.
    fn global_address(&mut self, index: u32) -> (Value, i32) {
        let offsets = self.module.offsets;
        if index < self.module.env.num_imported_globals {
            let ptr = self.builder.ins().load(
                cranelift_codegen::ir::types::I64,
                readonly_flags(),
                self.vmctx,
                offsets.global_pointer(index) as i32,
            );
            (ptr, 0)
        } else {
            (self.vmctx, offsets.defined_global(index) as i32)
        }
    }
}
