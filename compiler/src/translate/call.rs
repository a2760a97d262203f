//! Direct and indirect calls.

use cranelift_codegen::ir::{types, InstBuilder, Value};
use wasi_aot_abi::trap::Trap;
use wasi_aot_abi::vmctx::{FUNCREF_CODE, FUNCREF_TYPE_ID, FUNCREF_VMCTX};
use wasmparser::Operator;

use super::{readonly_flags, FuncTranslator, Region};
use crate::environ::{wasm_signature, Callee};
use crate::CompileError;

impl FuncTranslator<'_, '_> {
    /// Lowers `call` and `call_indirect`.
    pub(crate) fn translate_call(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        let results = match *op {
            Operator::Call { function_index } => self.call_function(function_index),
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index),
            _ => unreachable!("not a call: {op:?}"),
        };
        self.stack.extend(results);
        Ok(())
    }

    fn call_function(&mut self, function_index: u32) -> Vec<Value> {
        if let Some(stores) = self.module.products.get(&function_index) {
            self.call_multi3(function_index, stores);
            return Vec::new();
        }
        let env = self.module.env;
        let type_index = env.funcs[function_index as usize];
        let arity = env.types[type_index as usize].params().len();
        let params = self.popn(arity);
        self.emit_call(function_index, &params)
    }

    /// Calls function `function_index` with `params` (vmctx is added), returning its
    /// results.
    pub(crate) fn emit_call(&mut self, function_index: u32, params: &[Value]) -> Vec<Value> {
        let env = self.module.env;
        let type_index = env.funcs[function_index as usize];
        let mut args = vec![self.vmctx];
        args.extend_from_slice(params);
        let call = match self.module.callees[function_index as usize] {
            Callee::Direct(id) => {
                let sig = wasm_signature(env.func_type(function_index), self.module.call_conv);
                let f = self.func_ref(id, sig);
                self.builder.ins().call(f, &args)
            }
            Callee::Dynamic => {
                let funcref = self.module.offsets.funcref(function_index);
                let code = self.load_vmctx_readonly(types::I64, funcref + FUNCREF_CODE);
                args[0] = self.load_vmctx_readonly(types::I64, funcref + FUNCREF_VMCTX);
                let sig = self.sig_ref(type_index);
                self.builder.ins().call_indirect(sig, code, &args)
            }
        };
        self.builder.inst_results(call).to_vec()
    }

    fn call_indirect(&mut self, type_index: u32, table_index: u32) -> Vec<Value> {
        let arity = self.module.env.types[type_index as usize].params().len();
        let index = self.pop();
        let params = self.popn(arity);
        let slot = self.table_element_address(table_index, index, Trap::UndefinedElement);
        let funcref = self
            .builder
            .ins()
            .load(types::I64, Region::Table.flags(), slot, 0);
        self.builder.ins().trapz(
            funcref,
            crate::environ::trap_code(Trap::UninitializedElement),
        );
        // A funcref never changes once created, so its fields are read-only.
        let actual = self.builder.ins().load(
            types::I64,
            readonly_flags(),
            funcref,
            FUNCREF_TYPE_ID as i32,
        );
        let expected =
            self.load_vmctx_readonly(types::I32, self.module.offsets.type_id(type_index));
        let expected = self.builder.ins().uextend(types::I64, expected);
        let mismatch = self.builder.ins().icmp(
            cranelift_codegen::ir::condcodes::IntCC::NotEqual,
            actual,
            expected,
        );
        self.trap_if(mismatch, Trap::IndirectCallTypeMismatch);
        let code =
            self.builder
                .ins()
                .load(types::I64, readonly_flags(), funcref, FUNCREF_CODE as i32);
        let callee_vmctx =
            self.builder
                .ins()
                .load(types::I64, readonly_flags(), funcref, FUNCREF_VMCTX as i32);
        let mut args = vec![callee_vmctx];
        args.extend(params);
        let sig = self.sig_ref(type_index);
        let call = self.builder.ins().call_indirect(sig, code, &args);
        self.builder.inst_results(call).to_vec()
    }
}
