//! The module-level facts every function translation needs (vmctx offsets, how each
//! callee is reached, declared runtime builtins) and the mapping from wasm to Cranelift
//! types and signatures. Built once on the main thread, shared read-only by the
//! parallel function compilers.

use cranelift_codegen::ir::{self, types, AbiParam, ArgumentPurpose, Signature};
use cranelift_codegen::isa::CallConv;
use cranelift_module::FuncId;
use wasi_aot_abi::builtins::{AbiType, Builtin};
use wasi_aot_abi::trap::Trap;
use wasi_aot_abi::vmctx::VMOffsets;
use wasi_aot_abi::BoundsChecks;
use wasmparser::{FuncType, ValType};

use crate::module_env::ModuleEnv;
use crate::translate::ProductStore;

/// How a call to a function index is made.
#[derive(Clone, Copy, Debug)]
pub enum Callee {
    /// A direct call to a symbol in the object (a defined function, a trap stub, or a
    /// host/WASI function bound by symbol). The caller's vmctx is passed.
    Direct(FuncId),
    /// An indirect call through the vmctx funcref filled in at instantiation.
    Dynamic,
}

/// Everything shared by the translations of one module's functions.
pub struct ModuleTranslation<'a> {
    /// The parsed module.
    pub env: &'a ModuleEnv<'a>,
    /// The vmctx layout.
    pub offsets: VMOffsets,
    /// How memory accesses are checked.
    pub bounds_checks: BoundsChecks,
    /// How each function index is called.
    pub callees: Vec<Callee>,
    /// Declared builtins, by symbol.
    pub builtins: Vec<(&'static str, FuncId)>,
    /// Calling convention of all generated functions.
    pub call_conv: CallConv,
    /// Target facts the function builder needs.
    pub frontend_config: cranelift_codegen::isa::TargetFrontendConfig,
    /// Functions defined in this object (called PC-relative).
    pub local_ids: std::collections::HashSet<FuncId>,
    /// Defined functions that compute `__multi3`, by function index, with their stores
    /// (`crate::translate::recognize_multi3`).
    pub products: std::collections::HashMap<u32, [ProductStore; 2]>,
}

/// The Cranelift type of a wasm value type (`v128` is `i8x16`; references are pointers).
pub fn ir_type(ty: ValType) -> ir::Type {
    match ty {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
        ValType::Ref(_) => types::I64,
    }
}

/// The native signature of a wasm function type: `(vmctx, params...) -> results`.
pub fn wasm_signature(ty: &FuncType, call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params
        .push(AbiParam::special(types::I64, ArgumentPurpose::VMContext));
    sig.params
        .extend(ty.params().iter().map(|t| AbiParam::new(ir_type(*t))));
    sig.returns
        .extend(ty.results().iter().map(|t| AbiParam::new(ir_type(*t))));
    sig
}

/// The native signature of a runtime builtin.
pub fn builtin_signature(builtin: &Builtin, call_conv: CallConv) -> Signature {
    let abi = |t: &AbiType| {
        AbiParam::new(match t {
            AbiType::I32 => types::I32,
            AbiType::I64 | AbiType::Ptr => types::I64,
        })
    };
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::new(types::I64));
    sig.params.extend(builtin.params.iter().map(abi));
    sig.returns.extend(builtin.result.iter().map(abi));
    sig
}

/// The Cranelift trap code recorded for a wasm trap.
pub fn trap_code(trap: Trap) -> ir::TrapCode {
    match trap {
        Trap::StackOverflow => ir::TrapCode::STACK_OVERFLOW,
        Trap::IntegerOverflow => ir::TrapCode::INTEGER_OVERFLOW,
        Trap::MemoryOutOfBounds => ir::TrapCode::HEAP_OUT_OF_BOUNDS,
        Trap::IntegerDivideByZero => ir::TrapCode::INTEGER_DIVISION_BY_ZERO,
        Trap::InvalidConversionToInteger => ir::TrapCode::BAD_CONVERSION_TO_INTEGER,
        other => ir::TrapCode::unwrap_user(other as u8),
    }
}

/// The wasm trap a recorded Cranelift trap code stands for.
pub fn trap_from_code(code: ir::TrapCode) -> Option<Trap> {
    Trap::ALL.into_iter().find(|t| trap_code(*t) == code)
}

impl ModuleTranslation<'_> {
    /// Whether `id` is defined in this object rather than imported from another.
    pub fn callee_is_local(&self, id: FuncId) -> bool {
        self.local_ids.contains(&id)
    }

    /// The declared id of a builtin.
    pub fn builtin(&self, builtin: &Builtin) -> FuncId {
        self.builtins
            .iter()
            .find(|(symbol, _)| *symbol == builtin.symbol)
            .map(|(_, id)| *id)
            .expect("every builtin is declared before translation")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trap_has_a_distinct_code() {
        for trap in Trap::ALL {
            assert_eq!(trap_from_code(trap_code(trap)), Some(trap));
        }
    }
}
