//! Inlining of small leaf functions into their direct callers (`-O1` and `-O2`).
//!
//! wasi-libc's `isalnum`, `tolower` and the like are a handful of arithmetic
//! instructions behind a call, prologue, stack-limit check and epilogue each
//! (shootout-ctype spends 100 million calls on them). Only functions that cannot trap
//! and call nothing are inlined: Cranelift's inliner drops the callee's source
//! locations, so an inlined instruction that trapped or called would report the
//! wrong wasm offset and lose its frame in the backtrace. Such a callee never
//! appears in a backtrace, so trap reports stay exact. Decisions depend only on the
//! callee's body, so output stays deterministic. (Calls to a recognized `__multi3`,
//! whose stores can trap, are expanded by the translator instead, which records the
//! stores' origin: `crate::inlined_sites`.)

use std::borrow::Cow;
use std::collections::HashMap;

use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, ExternalName};
use cranelift_module::FuncId;
use rayon::prelude::*;
use wasmparser::{FunctionBody, Operator};

/// The largest body, in bytes (locals declarations included), that is inlined: a few
/// dozen instructions, so a caller grows by little more than the call it loses.
pub const MAX_INLINED_BODY_BYTES: u64 = 48;

/// The most functions kept for inlining: their translated bodies stay in memory while
/// the module compiles (a module of 1,000,000 tiny functions would otherwise hold a
/// million Cranelift functions at once).
pub const MAX_INLINE_CALLEES: usize = 10_000;

/// The most calls inlined into one function: Cranelift splits the caller's block at
/// each inlined call, moving the rest of the block, so a block of 300,000 calls took
/// minutes when every call was inlined.
pub const MAX_INLINED_CALLS_PER_FUNCTION: usize = 1_000;

/// The defined functions to inline, as indices into `bodies`: the candidates
/// ([`is_inline_candidate`]) that some function calls directly, at most
/// [`MAX_INLINE_CALLEES`] of them, lowest index first. `num_imported` is the number of
/// imported functions (the index of the first body).
pub fn inline_callees(bodies: &[FunctionBody<'_>], num_imported: u32) -> Vec<usize> {
    let targets: Vec<Vec<u32>> = bodies.par_iter().map(direct_call_targets).collect();
    let mut called = vec![false; bodies.len()];
    for index in targets.into_iter().flatten() {
        if let Some(defined) = index.checked_sub(num_imported) {
            called[defined as usize] = true;
        }
    }
    (0..bodies.len())
        .filter(|&i| called[i] && is_inline_candidate(&bodies[i]))
        .take(MAX_INLINE_CALLEES)
        .collect()
}

/// The functions `body` calls with `call` (validated, so every index exists).
fn direct_call_targets(body: &FunctionBody<'_>) -> Vec<u32> {
    let mut targets = Vec::new();
    if let Ok(mut ops) = body.get_operators_reader() {
        while let Ok(op) = ops.read() {
            if let Operator::Call { function_index } = op {
                targets.push(function_index);
            }
        }
    }
    targets
}

/// Whether `body` may be inlined: small, and made only of operators that neither
/// trap nor call (locals, globals, constants, control flow inside the function,
/// non-trapping integer and float arithmetic and conversions).
pub fn is_inline_candidate(body: &FunctionBody<'_>) -> bool {
    let range = body.range();
    if range.end - range.start > MAX_INLINED_BODY_BYTES {
        return false;
    }
    let Ok(mut ops) = body.get_operators_reader() else {
        return false;
    };
    while !ops.eof() {
        match ops.read() {
            Ok(op) if cannot_trap_or_call(&op) => {}
            _ => return false,
        }
    }
    true
}

/// Operators whose lowering contains no trap, call or memory access.
fn cannot_trap_or_call(op: &Operator<'_>) -> bool {
    use Operator::*;
    matches!(
        op,
        Nop | Block { .. }
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
            | TypedSelect { .. }
            | LocalGet { .. }
            | LocalSet { .. }
            | LocalTee { .. }
            | GlobalGet { .. }
            | GlobalSet { .. }
            | I32Const { .. }
            | I64Const { .. }
            | F32Const { .. }
            | F64Const { .. }
            | I32Eqz
            | I32Eq
            | I32Ne
            | I32LtS
            | I32LtU
            | I32GtS
            | I32GtU
            | I32LeS
            | I32LeU
            | I32GeS
            | I32GeU
            | I64Eqz
            | I64Eq
            | I64Ne
            | I64LtS
            | I64LtU
            | I64GtS
            | I64GtU
            | I64LeS
            | I64LeU
            | I64GeS
            | I64GeU
            | F32Eq
            | F32Ne
            | F32Lt
            | F32Gt
            | F32Le
            | F32Ge
            | F64Eq
            | F64Ne
            | F64Lt
            | F64Gt
            | F64Le
            | F64Ge
            | I32Clz
            | I32Ctz
            | I32Popcnt
            | I32Add
            | I32Sub
            | I32Mul
            | I32And
            | I32Or
            | I32Xor
            | I32Shl
            | I32ShrS
            | I32ShrU
            | I32Rotl
            | I32Rotr
            | I64Clz
            | I64Ctz
            | I64Popcnt
            | I64Add
            | I64Sub
            | I64Mul
            | I64And
            | I64Or
            | I64Xor
            | I64Shl
            | I64ShrS
            | I64ShrU
            | I64Rotl
            | I64Rotr
            | F32Abs
            | F32Neg
            | F32Ceil
            | F32Floor
            | F32Trunc
            | F32Nearest
            | F32Sqrt
            | F32Add
            | F32Sub
            | F32Mul
            | F32Div
            | F32Min
            | F32Max
            | F32Copysign
            | F64Abs
            | F64Neg
            | F64Ceil
            | F64Floor
            | F64Trunc
            | F64Nearest
            | F64Sqrt
            | F64Add
            | F64Sub
            | F64Mul
            | F64Div
            | F64Min
            | F64Max
            | F64Copysign
            | I32WrapI64
            | I64ExtendI32S
            | I64ExtendI32U
            | I32Extend8S
            | I32Extend16S
            | I64Extend8S
            | I64Extend16S
            | I64Extend32S
            | F32ConvertI32S
            | F32ConvertI32U
            | F32ConvertI64S
            | F32ConvertI64U
            | F32DemoteF64
            | F64ConvertI32S
            | F64ConvertI32U
            | F64ConvertI64S
            | F64ConvertI64U
            | F64PromoteF32
            | I32ReinterpretF32
            | I64ReinterpretF64
            | F32ReinterpretI32
            | F64ReinterpretI64
            | I32TruncSatF32S
            | I32TruncSatF32U
            | I32TruncSatF64S
            | I32TruncSatF64U
            | I64TruncSatF32S
            | I64TruncSatF32U
            | I64TruncSatF64S
            | I64TruncSatF64U
    )
}

/// Directs Cranelift to inline direct calls to the functions in `callees`, the
/// translated bodies of the inline candidates, keyed by their symbol, into one caller.
pub struct SmallLeaves<'a> {
    callees: &'a HashMap<FuncId, ir::Function>,
    /// How many more calls may be inlined into this caller.
    remaining: usize,
}

impl<'a> SmallLeaves<'a> {
    /// An inliner for one caller, with `callees` as translated (not yet optimised).
    pub fn new(callees: &'a HashMap<FuncId, ir::Function>) -> Self {
        SmallLeaves {
            callees,
            remaining: MAX_INLINED_CALLS_PER_FUNCTION,
        }
    }
}

impl Inline for SmallLeaves<'_> {
    fn inline(
        &mut self,
        caller: &ir::Function,
        _call_inst: ir::Inst,
        _call_opcode: ir::Opcode,
        callee: ir::FuncRef,
        _call_args: &[ir::Value],
    ) -> InlineCommand<'_> {
        let ExternalName::User(name) = caller.dfg.ext_funcs[callee].name else {
            return InlineCommand::KeepCall;
        };
        let name = &caller.params.user_named_funcs()[name];
        // Namespace 0 holds module functions; a candidate is always a defined one.
        match self.callees.get(&FuncId::from_u32(name.index)) {
            Some(body) if name.namespace == 0 && self.remaining > 0 => {
                self.remaining -= 1;
                InlineCommand::Inline {
                    callee: Cow::Borrowed(body),
                    visit_callee: false,
                }
            }
            _ => InlineCommand::KeepCall,
        }
    }
}
