//! Small generated functions around the wasm code: array-call trampolines (one per
//! function type, through which the runtime calls any function of that type), stubs
//! for imports left unresolved with `--unknown-imports trap`, and an executable's `main`.

use cranelift_codegen::ir::{types, AbiParam, InstBuilder, Signature, UserFuncName};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataId, FuncId, Module};
use cranelift_object::ObjectModule;
use wasi_aot_abi::descriptor::TrapRecord;
use wasi_aot_abi::trap::Trap;
use wasmparser::FuncType;

use crate::compile::trap_records;
use crate::environ::{ir_type, trap_code, wasm_signature};
use crate::inlined_sites::InlinedSites;
use crate::translate::trusted_flags;
use crate::CompileError;

/// Size of one slot of the values array passed to trampolines.
const VALUE_SLOT: i32 = 16;

/// Compiles and defines `ctx`'s function as `id`, returning its code size and traps.
fn define(
    module: &mut ObjectModule,
    ctx: &mut Context,
    id: FuncId,
    what: &str,
) -> Result<(usize, Vec<TrapRecord>), CompileError> {
    module
        .define_function(id, ctx)
        .map_err(|e| CompileError::Codegen {
            function: what.to_string(),
            message: e.to_string(),
        })?;
    let code = ctx.compiled_code().expect("just compiled");
    let result = (
        code.code_buffer().len(),
        trap_records(code, 0, &InlinedSites::default()),
    );
    ctx.clear();
    Ok(result)
}

/// Signature of an array-call trampoline: `(code, vmctx, values)`.
pub fn trampoline_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(types::I64); 3]);
    sig
}

/// Defines the trampoline `id` for functions of type `ty`.
pub fn define_trampoline(
    module: &mut ObjectModule,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    id: FuncId,
    ty: &FuncType,
) -> Result<(), CompileError> {
    let call_conv = module.isa().default_call_conv();
    ctx.func.signature = trampoline_signature(call_conv);
    ctx.func.name = UserFuncName::user(0, id.as_u32());
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let [code, vmctx, values] = b.block_params(entry).try_into().expect("three params");
    let mut args = vec![vmctx];
    for (i, param) in ty.params().iter().enumerate() {
        let v = b.ins().load(
            ir_type(*param),
            trusted_flags(),
            values,
            i as i32 * VALUE_SLOT,
        );
        args.push(v);
    }
    let sig = b.import_signature(wasm_signature(ty, call_conv));
    let call = b.ins().call_indirect(sig, code, &args);
    let results = b.inst_results(call).to_vec();
    for (i, result) in results.into_iter().enumerate() {
        b.ins()
            .store(trusted_flags(), result, values, i as i32 * VALUE_SLOT);
    }
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(module.isa().frontend_config());
    define(module, ctx, id, "an array-call trampoline").map(|_| ())
}

/// Defines `id` as a function of type `ty` that traps with "call to an unresolved
/// import" (its symbol name says which import).
pub fn define_unresolved_import_stub(
    module: &mut ObjectModule,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    id: FuncId,
    ty: &FuncType,
) -> Result<(usize, Vec<TrapRecord>), CompileError> {
    ctx.func.signature = wasm_signature(ty, module.isa().default_call_conv());
    ctx.func.name = UserFuncName::user(0, id.as_u32());
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.ins().trap(trap_code(Trap::UnresolvedImport));
    b.seal_all_blocks();
    b.finalize(module.isa().frontend_config());
    define(module, ctx, id, "an unresolved-import stub")
}

/// The signature of C's `main` and of the runtime's `wasi_aot_main` prefix.
pub fn main_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params
        .extend([AbiParam::new(types::I32), AbiParam::new(types::I64)]);
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

/// The signature of `wasi_aot_main(argc, argv, descriptor, config, config_len)`.
pub fn runtime_main_signature(call_conv: CallConv) -> Signature {
    let mut sig = main_signature(call_conv);
    sig.params.extend([AbiParam::new(types::I64); 3]);
    sig
}

/// Defines `main(argc, argv)` as a call to the runtime's entry point with this object's
/// descriptor and capabilities.
#[allow(clippy::too_many_arguments)]
pub fn define_main(
    module: &mut ObjectModule,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    main: FuncId,
    runtime_main: FuncId,
    descriptor: DataId,
    config: DataId,
    config_len: usize,
) -> Result<(), CompileError> {
    let call_conv = module.isa().default_call_conv();
    ctx.func.signature = main_signature(call_conv);
    ctx.func.name = UserFuncName::user(0, main.as_u32());
    let callee = module.declare_func_in_func(runtime_main, &mut ctx.func);
    let descriptor = module.declare_data_in_func(descriptor, &mut ctx.func);
    let config = module.declare_data_in_func(config, &mut ctx.func);
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let [argc, argv] = b.block_params(entry).try_into().expect("two params");
    let descriptor = b.ins().symbol_value(types::I64, descriptor);
    let config = b.ins().symbol_value(types::I64, config);
    let len = b.ins().iconst(types::I64, config_len as i64);
    let call = b.ins().call(callee, &[argc, argv, descriptor, config, len]);
    let status = b.inst_results(call)[0];
    b.ins().return_(&[status]);
    b.seal_all_blocks();
    b.finalize(module.isa().frontend_config());
    define(module, ctx, main, "main").map(|_| ())
}
