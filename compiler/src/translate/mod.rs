//! Translation of one wasm function body to Cranelift IR.
//!
//! The translator keeps the wasm value stack as a `Vec<Value>`, wasm locals as
//! Cranelift `Variable`s and a stack of control frames. Operators are lowered by group:
//! [`control`] (blocks, branches, calls' neighbours `drop`/`select`), [`call`],
//! [`variables`] (locals and globals), [`memory`] (with [`bounds_checks`]), [`table`]
//! (tables and references), [`numeric`] (arithmetic, comparisons, conversions) and
//! [`simd`] (every `v128` instruction).
//! Code after an unconditional branch is skipped until its enclosing block ends.

mod bounds_checks;
mod call;
mod control;
mod memory;
mod numeric;
mod simd;
mod table;
mod variables;
mod wide_multiply;

use std::collections::HashMap;

use cranelift_codegen::ir::{
    self, types, AliasRegion, AliasRegionData, ExtFuncData, ExternalName, FuncRef, InstBuilder,
    MemFlagsData, SigRef, SourceLoc, UserExternalName, Value,
};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_module::FuncId;
use wasi_aot_abi::builtins::Builtin;
use wasi_aot_abi::trap::Trap;
use wasmparser::{FunctionBody, Operator, ValType};

use crate::environ::{builtin_signature, ir_type, trap_code, wasm_signature, ModuleTranslation};
use crate::inlined_sites::InlinedSites;
use crate::CompileError;

pub(crate) use control::Frame;
pub(crate) use wide_multiply::{recognize_multi3, ProductStore};

/// Translates wasm function bodies into Cranelift functions.
pub struct FuncTranslator<'a, 'f> {
    /// The function being built.
    pub(crate) builder: FunctionBuilder<'f>,
    /// Module-level facts.
    pub(crate) module: &'a ModuleTranslation<'a>,
    /// The wasm operand stack.
    pub(crate) stack: Vec<Value>,
    /// Origins of the instructions copied from callees.
    pub(crate) inlined: InlinedSites,
    /// Open blocks, loops and ifs; the function body is the outermost frame.
    pub(crate) control: Vec<Frame>,
    /// Wasm locals (parameters first) and their types.
    pub(crate) locals: Vec<(Variable, ValType)>,
    /// Whether the current position can be reached.
    pub(crate) reachable: bool,
    /// Nesting depth of blocks opened inside unreachable code.
    pub(crate) unreachable_depth: u32,
    /// The vmctx parameter.
    pub(crate) vmctx: Value,
    /// Per memory: its definition pointer and its base (the base never moves).
    pub(crate) memories: Vec<(Value, Value)>,
    func_refs: HashMap<FuncId, FuncRef>,
    sig_refs: HashMap<u32, SigRef>,
}

/// Flags for loads of vmctx fields that never change after instantiation.
pub(crate) fn readonly_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// Flags for loads and stores of runtime-owned memory that no wasm-visible region
/// covers (trampoline argument buffers).
pub(crate) fn trusted_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// The disjoint kinds of memory generated code touches, as Cranelift alias regions:
/// accesses in different regions never overlap, so a store to one does not stop
/// redundant-load elimination and store-to-load forwarding in the others (a store
/// without a region is a barrier for all of them). Every function declares them first,
/// in this order, so each has the same `AliasRegion` in every function.
#[derive(Clone, Copy)]
#[repr(u32)]
pub(crate) enum Region {
    /// Linear memories.
    Heap,
    /// vmctx fields and the runtime structures they point to: globals, memory and
    /// table definitions (lengths, bases).
    Vmctx,
    /// Table elements.
    Table,
}

impl Region {
    const ALL: [Region; 3] = [Region::Heap, Region::Vmctx, Region::Table];

    /// The region's name in CLIF text.
    fn description(self) -> &'static str {
        match self {
            Region::Heap => "heap",
            Region::Vmctx => "vmctx",
            Region::Table => "table elements",
        }
    }

    /// Declares every region in `func`, in the order that makes [`Region::id`] valid.
    fn declare_all(func: &mut ir::Function) {
        for region in Region::ALL {
            let id = func.dfg.alias_regions.insert(AliasRegionData {
                user_id: region as u32,
                description: region.description().into(),
            });
            debug_assert!(id == region.id());
        }
    }

    fn id(self) -> AliasRegion {
        AliasRegion::from_u32(self as u32)
    }

    /// Flags for loads and stores of fields in this region that may change.
    pub(crate) fn flags(self) -> MemFlagsData {
        MemFlagsData::trusted().with_alias_region(Some(self.id()))
    }
}

impl<'a, 'f> FuncTranslator<'a, 'f> {
    /// Translates defined function `func_index` with `body` into `builder`'s function;
    /// returns where its instructions inlined from callees came from.
    pub fn translate(
        module: &'a ModuleTranslation<'a>,
        mut builder: FunctionBuilder<'f>,
        func_index: u32,
        body: &FunctionBody<'_>,
    ) -> Result<InlinedSites, CompileError> {
        let invalid = |e: wasmparser::BinaryReaderError| CompileError::Invalid {
            message: e.message().to_string(),
            offset: e.offset(),
        };
        let func_type = module.env.func_type(func_index);
        builder.func.signature = wasm_signature(func_type, module.call_conv);
        Region::declare_all(builder.func);
        let vmctx_gv = builder
            .func
            .create_global_value(ir::GlobalValueData::VMContext);
        let flags = builder
            .func
            .dfg
            .mem_flags
            .insert_unchecked(readonly_flags());
        let stack_limit = builder.func.create_global_value(ir::GlobalValueData::Load {
            base: vmctx_gv,
            offset: (wasi_aot_abi::vmctx::STACK_LIMIT as i32).into(),
            global_type: types::I64,
            flags,
        });
        builder.func.stack_limit = Some(stack_limit);

        let entry = builder.create_block();
        builder.append_block_params_for_function_params(entry);
        builder.switch_to_block(entry);
        builder.seal_block(entry);
        builder.set_srcloc(SourceLoc::new(body.range().start as u32));
        let params = builder.block_params(entry).to_vec();
        let vmctx = params[0];

        let mut locals = Vec::new();
        for (value, ty) in params[1..].iter().zip(func_type.params()) {
            let var = builder.declare_var(ir_type(*ty));
            builder.def_var(var, *value);
            locals.push((var, *ty));
        }
        let mut locals_reader = body.get_locals_reader().map_err(invalid)?;
        for _ in 0..locals_reader.get_count() {
            let (count, ty) = locals_reader.read().map_err(invalid)?;
            if locals.len() + count as usize > 50_000 {
                return Err(CompileError::Limit(format!(
                    "function {} declares more than 50000 locals",
                    module.env.func_name(func_index)
                )));
            }
            // One zero per run of locals, not per local: a function may declare
            // 50,000 of them, and each constant is an instruction to compile.
            let zero = zero_value(&mut builder, ty);
            for _ in 0..count {
                let var = builder.declare_var(ir_type(ty));
                builder.def_var(var, zero);
                locals.push((var, ty));
            }
        }

        let mut t = FuncTranslator {
            builder,
            module,
            stack: Vec::new(),
            inlined: InlinedSites::new(module.env),
            control: Vec::new(),
            locals,
            reachable: true,
            unreachable_depth: 0,
            vmctx,
            memories: Vec::new(),
            func_refs: HashMap::new(),
            sig_refs: HashMap::new(),
        };
        t.load_memory_bases();
        let results: Vec<ir::Type> = func_type.results().iter().map(|t| ir_type(*t)).collect();
        let exit = t.builder.create_block();
        for ty in &results {
            t.builder.append_block_param(exit, *ty);
        }
        t.control.push(Frame::function(exit, results.len()));

        if let Some(stores) = module.products.get(&func_index) {
            t.translate_multi3(stores);
            t.builder.ins().jump(exit, &[]);
        } else {
            let mut ops = body.get_operators_reader().map_err(invalid)?;
            while !ops.eof() {
                let (op, offset) = ops.read_with_offset().map_err(invalid)?;
                t.builder.set_srcloc(SourceLoc::new(offset as u32));
                t.translate_operator(&op).map_err(|e| match e {
                    CompileError::Unsupported(what) => CompileError::Unsupported(format!(
                        "{what} (in function {} at byte offset {offset:#x})",
                        module.env.func_name(func_index)
                    )),
                    other => other,
                })?;
            }
        }
        // The final `end` switched to the exit block if anything reaches it; otherwise
        // the exit block is dead but still needs its return.
        if t.builder.current_block() != Some(exit) {
            t.builder.switch_to_block(exit);
        }
        let returns = t.builder.block_params(exit).to_vec();
        t.builder.ins().return_(&returns);
        // Blocks are sealed as soon as all their predecessors are known (see
        // `control.rs`), so variables resolve without speculative block parameters; this
        // seals what is left (the exit block and unreachable continuations).
        t.builder.seal_all_blocks();
        t.builder.finalize(module.frontend_config);
        Ok(t.inlined)
    }

    fn translate_operator(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        if !self.reachable {
            return self.translate_unreachable_operator(op);
        }
        use Operator::*;
        match op {
            Nop
            | Unreachable
            | Block { .. }
            | Loop { .. }
            | If { .. }
            | Else
            | End
            | Br { .. }
            | BrIf { .. }
            | BrTable { .. }
            | Return
            | Drop
            | Select
            | TypedSelect { .. } => self.translate_control(op),
            Call { .. } | CallIndirect { .. } => self.translate_call(op),
            LocalGet { .. }
            | LocalSet { .. }
            | LocalTee { .. }
            | GlobalGet { .. }
            | GlobalSet { .. } => self.translate_variable(op),
            TableGet { .. }
            | TableSet { .. }
            | TableSize { .. }
            | TableGrow { .. }
            | TableFill { .. }
            | TableCopy { .. }
            | TableInit { .. }
            | ElemDrop { .. }
            | RefNull { .. }
            | RefIsNull
            | RefFunc { .. } => self.translate_table(op),
            _ => {
                if self.translate_memory(op)?
                    || self.translate_numeric(op)?
                    || self.translate_simd(op)?
                {
                    Ok(())
                } else {
                    Err(CompileError::Unsupported(format!("instruction {op:?}")))
                }
            }
        }
    }

    /// Pops one value.
    pub(crate) fn pop(&mut self) -> Value {
        self.stack.pop().expect("validated code never underflows")
    }

    /// Pops two values, returning them in push order.
    pub(crate) fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    /// Pops three values, returning them in push order.
    pub(crate) fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    /// Pops `n` values, returning them in push order.
    pub(crate) fn popn(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    /// Pushes a value.
    pub(crate) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    /// The signature reference for wasm type `type_index` in this function.
    pub(crate) fn sig_ref(&mut self, type_index: u32) -> SigRef {
        if let Some(sig) = self.sig_refs.get(&type_index) {
            return *sig;
        }
        let sig = wasm_signature(
            &self.module.env.types[type_index as usize],
            self.module.call_conv,
        );
        let sig = self.builder.import_signature(sig);
        self.sig_refs.insert(type_index, sig);
        sig
    }

    /// A reference to module function `id` (declared on the main thread) with `sig`.
    pub(crate) fn func_ref(&mut self, id: FuncId, sig: ir::Signature) -> FuncRef {
        if let Some(f) = self.func_refs.get(&id) {
            return *f;
        }
        let signature = self.builder.import_signature(sig);
        let name = self
            .builder
            .func
            .declare_imported_user_function(UserExternalName::new(0, id.as_u32()));
        let f = self.builder.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            // Every target is in the same object or reached through the GOT by the
            // linker; `colocated` lets local calls be PC-relative.
            colocated: self.module.callee_is_local(id),
            patchable: false,
        });
        self.func_refs.insert(id, f);
        f
    }

    /// Calls a runtime builtin with the vmctx and `args`; if the builtin can fail, traps
    /// with its trap when it returns nonzero. Returns the result, if any.
    pub(crate) fn call_builtin(&mut self, builtin: &Builtin, args: &[Value]) -> Option<Value> {
        let id = self.module.builtin(builtin);
        let f = self.func_ref(id, builtin_signature(builtin, self.module.call_conv));
        let mut all = vec![self.vmctx];
        all.extend_from_slice(args);
        let call = self.builder.ins().call(f, &all);
        let result = self.builder.inst_results(call).first().copied();
        if let (Some(trap), Some(status)) = (builtin.trap_on_nonzero, result) {
            self.builder.ins().trapnz(status, trap_code(trap));
        }
        result
    }

    /// Traps with `trap` if `cond` is nonzero.
    pub(crate) fn trap_if(&mut self, cond: Value, trap: Trap) {
        self.builder.ins().trapnz(cond, trap_code(trap));
    }

    /// Loads a vmctx field that is fixed after instantiation.
    pub(crate) fn load_vmctx_readonly(&mut self, ty: ir::Type, offset: u32) -> Value {
        self.builder
            .ins()
            .load(ty, readonly_flags(), self.vmctx, offset as i32)
    }

    fn load_memory_bases(&mut self) {
        let env = self.module.env;
        let offsets = self.module.offsets;
        for index in 0..env.memories.len() as u32 {
            let def = if index < env.num_imported_memories {
                self.load_vmctx_readonly(types::I64, offsets.memory_pointer(index))
            } else {
                self.builder
                    .ins()
                    .iadd_imm_s(self.vmctx, i64::from(offsets.defined_memory(index)))
            };
            let base = self.builder.ins().load(
                types::I64,
                readonly_flags(),
                def,
                wasi_aot_abi::vmctx::MEMORY_BASE as i32,
            );
            self.memories.push((def, base));
        }
    }
}

/// The zero value of a wasm type (the initial value of non-parameter locals).
pub(crate) fn zero_value(builder: &mut FunctionBuilder<'_>, ty: ValType) -> Value {
    match ty {
        ValType::I32 => builder.ins().iconst(types::I32, 0),
        ValType::I64 | ValType::Ref(_) => builder.ins().iconst(types::I64, 0),
        ValType::F32 => builder.ins().f32const(0.0),
        ValType::F64 => builder.ins().f64const(0.0),
        ValType::V128 => {
            let c = builder
                .func
                .dfg
                .constants
                .insert(ir::ConstantData::from(&[0u8; 16][..]));
            builder.ins().vconst(types::I8X16, c)
        }
    }
}
