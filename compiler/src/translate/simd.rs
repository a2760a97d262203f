//! Fixed-width SIMD: every `v128` instruction of Wasm 2.0.
//!
//! Wasm has one `v128` type while Cranelift types a vector by its lanes. Every `v128` on
//! the operand stack, in locals, globals and block parameters is an `i8x16`; each
//! operator reinterprets its operands as the shape it works on (`bitcast`, which costs
//! no code) and pushes its result back as `i8x16`.
//!
//! Cranelift's vector instructions already have wasm's semantics where it matters:
//! shifts take their amount modulo the lane width, `swizzle` yields 0 for indices of 16
//! and above, `fmin`/`fmax` propagate NaN and order -0 below +0, `fcvt_to_*int_sat`
//! saturate and map NaN to 0, and `snarrow`/`unarrow` saturate. The x86 backend lowers
//! `i32x4.trunc_sat_f64x2_*_zero` only in the exact shape built by
//! [`FuncTranslator::trunc_sat_f64x2_zero`] (a narrow of the conversion and a zero
//! constant), which needs nothing beyond the SSE4.1 baseline.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I16, I16X8, I32, I32X4, I64X2, I8, I8X16};
use cranelift_codegen::ir::{ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{MemArg, Operator};

use super::memory::{heap_flags, memory_index};
use super::FuncTranslator;
use crate::CompileError;

/// Flags for bitcasts between vector shapes: lanes are laid out little-endian, as wasm
/// defines them.
fn lane_cast_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// Which half of a vector is widened to twice the lane width, and how.
#[derive(Clone, Copy)]
enum Widen {
    /// Low half, sign-extended.
    LowS,
    /// High half, sign-extended.
    HighS,
    /// Low half, zero-extended.
    LowU,
    /// High half, zero-extended.
    HighU,
}

/// Widens half of `v` as `how` says (`i8x16` to `i16x8`, and so on).
fn widen(b: &mut FunctionBuilder<'_>, v: Value, how: Widen) -> Value {
    match how {
        Widen::LowS => b.ins().swiden_low(v),
        Widen::HighS => b.ins().swiden_high(v),
        Widen::LowU => b.ins().uwiden_low(v),
        Widen::HighU => b.ins().uwiden_high(v),
    }
}

impl FuncTranslator<'_, '_> {
    /// Lowers SIMD operators; returns `false` if `op` is not one.
    pub(crate) fn translate_simd(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator::*;
        use Widen::{HighS, HighU, LowS, LowU};
        match *op {
            // ---------------------------------------------------------------------------
            // Loads and stores.
            // ---------------------------------------------------------------------------
            V128Load { memarg } => self.load_vector(memarg, 16, |b, p, o| {
                b.ins().load(I8X16, heap_flags(), p, o)
            }),
            V128Load8x8S { memarg } => {
                self.load_vector(memarg, 8, |b, p, o| b.ins().sload8x8(heap_flags(), p, o))
            }
            V128Load8x8U { memarg } => {
                self.load_vector(memarg, 8, |b, p, o| b.ins().uload8x8(heap_flags(), p, o))
            }
            V128Load16x4S { memarg } => {
                self.load_vector(memarg, 8, |b, p, o| b.ins().sload16x4(heap_flags(), p, o))
            }
            V128Load16x4U { memarg } => {
                self.load_vector(memarg, 8, |b, p, o| b.ins().uload16x4(heap_flags(), p, o))
            }
            V128Load32x2S { memarg } => {
                self.load_vector(memarg, 8, |b, p, o| b.ins().sload32x2(heap_flags(), p, o))
            }
            V128Load32x2U { memarg } => {
                self.load_vector(memarg, 8, |b, p, o| b.ins().uload32x2(heap_flags(), p, o))
            }
            V128Load8Splat { memarg } => self.load_splat(memarg, I8X16),
            V128Load16Splat { memarg } => self.load_splat(memarg, I16X8),
            V128Load32Splat { memarg } => self.load_splat(memarg, I32X4),
            V128Load64Splat { memarg } => self.load_splat(memarg, I64X2),
            V128Load32Zero { memarg } => self.load_zero(memarg, I32X4),
            V128Load64Zero { memarg } => self.load_zero(memarg, I64X2),
            V128Load8Lane { memarg, lane } => self.load_lane(memarg, I8X16, lane),
            V128Load16Lane { memarg, lane } => self.load_lane(memarg, I16X8, lane),
            V128Load32Lane { memarg, lane } => self.load_lane(memarg, I32X4, lane),
            V128Load64Lane { memarg, lane } => self.load_lane(memarg, I64X2, lane),
            V128Store { memarg } => {
                let v = self.pop();
                let (p, o) = self.simd_heap_address(memarg, 16);
                self.builder.ins().store(heap_flags(), v, p, o);
            }
            V128Store8Lane { memarg, lane } => self.store_lane(memarg, I8X16, lane),
            V128Store16Lane { memarg, lane } => self.store_lane(memarg, I16X8, lane),
            V128Store32Lane { memarg, lane } => self.store_lane(memarg, I32X4, lane),
            V128Store64Lane { memarg, lane } => self.store_lane(memarg, I64X2, lane),

            // ---------------------------------------------------------------------------
            // Constants, lanes, splats and shuffles.
            // ---------------------------------------------------------------------------
            V128Const { value } => {
                let c = self.vector_constant(value.bytes());
                let v = self.builder.ins().vconst(I8X16, c);
                self.push(v);
            }
            I8x16Splat => self.splat(I8X16),
            I16x8Splat => self.splat(I16X8),
            I32x4Splat => self.splat(I32X4),
            I64x2Splat => self.splat(I64X2),
            F32x4Splat => self.splat(F32X4),
            F64x2Splat => self.splat(F64X2),
            I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, lane, Some(true)),
            I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, lane, Some(false)),
            I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, lane, Some(true)),
            I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, lane, Some(false)),
            I32x4ExtractLane { lane } => self.extract_lane(I32X4, lane, None),
            I64x2ExtractLane { lane } => self.extract_lane(I64X2, lane, None),
            F32x4ExtractLane { lane } => self.extract_lane(F32X4, lane, None),
            F64x2ExtractLane { lane } => self.extract_lane(F64X2, lane, None),
            I8x16ReplaceLane { lane } => self.replace_lane(I8X16, lane),
            I16x8ReplaceLane { lane } => self.replace_lane(I16X8, lane),
            I32x4ReplaceLane { lane } => self.replace_lane(I32X4, lane),
            I64x2ReplaceLane { lane } => self.replace_lane(I64X2, lane),
            F32x4ReplaceLane { lane } => self.replace_lane(F32X4, lane),
            F64x2ReplaceLane { lane } => self.replace_lane(F64X2, lane),
            I8x16Shuffle { lanes } => {
                let (a, b) = self.pop2();
                let mask = self
                    .builder
                    .func
                    .dfg
                    .immediates
                    .push(ConstantData::from(&lanes[..]));
                let v = self.builder.ins().shuffle(a, b, mask);
                self.push(v);
            }
            I8x16Swizzle => self.simd_binary(I8X16, |b, x, s| b.ins().swizzle(x, s)),

            // ---------------------------------------------------------------------------
            // Bitwise operations and lane tests.
            // ---------------------------------------------------------------------------
            V128Not => self.simd_unary(I8X16, |b, a| b.ins().bnot(a)),
            V128And => self.simd_binary(I8X16, |b, x, y| b.ins().band(x, y)),
            V128AndNot => self.simd_binary(I8X16, |b, x, y| b.ins().band_not(x, y)),
            V128Or => self.simd_binary(I8X16, |b, x, y| b.ins().bor(x, y)),
            V128Xor => self.simd_binary(I8X16, |b, x, y| b.ins().bxor(x, y)),
            V128Bitselect => {
                let (x, y, mask) = self.pop3();
                let v = self.builder.ins().bitselect(mask, x, y);
                self.push(v);
            }
            V128AnyTrue => self.lane_test(I8X16, |b, a| b.ins().vany_true(a)),
            I8x16AllTrue => self.lane_test(I8X16, |b, a| b.ins().vall_true(a)),
            I16x8AllTrue => self.lane_test(I16X8, |b, a| b.ins().vall_true(a)),
            I32x4AllTrue => self.lane_test(I32X4, |b, a| b.ins().vall_true(a)),
            I64x2AllTrue => self.lane_test(I64X2, |b, a| b.ins().vall_true(a)),
            I8x16Bitmask => self.bitmask(I8X16),
            I16x8Bitmask => self.bitmask(I16X8),
            I32x4Bitmask => self.bitmask(I32X4),
            I64x2Bitmask => self.bitmask(I64X2),

            // ---------------------------------------------------------------------------
            // Integer arithmetic.
            // ---------------------------------------------------------------------------
            I8x16Add => self.simd_binary(I8X16, |b, x, y| b.ins().iadd(x, y)),
            I16x8Add => self.simd_binary(I16X8, |b, x, y| b.ins().iadd(x, y)),
            I32x4Add => self.simd_binary(I32X4, |b, x, y| b.ins().iadd(x, y)),
            I64x2Add => self.simd_binary(I64X2, |b, x, y| b.ins().iadd(x, y)),
            I8x16Sub => self.simd_binary(I8X16, |b, x, y| b.ins().isub(x, y)),
            I16x8Sub => self.simd_binary(I16X8, |b, x, y| b.ins().isub(x, y)),
            I32x4Sub => self.simd_binary(I32X4, |b, x, y| b.ins().isub(x, y)),
            I64x2Sub => self.simd_binary(I64X2, |b, x, y| b.ins().isub(x, y)),
            I16x8Mul => self.simd_binary(I16X8, |b, x, y| b.ins().imul(x, y)),
            I32x4Mul => self.simd_binary(I32X4, |b, x, y| b.ins().imul(x, y)),
            I64x2Mul => self.simd_binary(I64X2, |b, x, y| b.ins().imul(x, y)),
            I8x16AddSatS => self.simd_binary(I8X16, |b, x, y| b.ins().sadd_sat(x, y)),
            I8x16AddSatU => self.simd_binary(I8X16, |b, x, y| b.ins().uadd_sat(x, y)),
            I16x8AddSatS => self.simd_binary(I16X8, |b, x, y| b.ins().sadd_sat(x, y)),
            I16x8AddSatU => self.simd_binary(I16X8, |b, x, y| b.ins().uadd_sat(x, y)),
            I8x16SubSatS => self.simd_binary(I8X16, |b, x, y| b.ins().ssub_sat(x, y)),
            I8x16SubSatU => self.simd_binary(I8X16, |b, x, y| b.ins().usub_sat(x, y)),
            I16x8SubSatS => self.simd_binary(I16X8, |b, x, y| b.ins().ssub_sat(x, y)),
            I16x8SubSatU => self.simd_binary(I16X8, |b, x, y| b.ins().usub_sat(x, y)),
            I8x16MinS => self.simd_binary(I8X16, |b, x, y| b.ins().smin(x, y)),
            I8x16MinU => self.simd_binary(I8X16, |b, x, y| b.ins().umin(x, y)),
            I8x16MaxS => self.simd_binary(I8X16, |b, x, y| b.ins().smax(x, y)),
            I8x16MaxU => self.simd_binary(I8X16, |b, x, y| b.ins().umax(x, y)),
            I16x8MinS => self.simd_binary(I16X8, |b, x, y| b.ins().smin(x, y)),
            I16x8MinU => self.simd_binary(I16X8, |b, x, y| b.ins().umin(x, y)),
            I16x8MaxS => self.simd_binary(I16X8, |b, x, y| b.ins().smax(x, y)),
            I16x8MaxU => self.simd_binary(I16X8, |b, x, y| b.ins().umax(x, y)),
            I32x4MinS => self.simd_binary(I32X4, |b, x, y| b.ins().smin(x, y)),
            I32x4MinU => self.simd_binary(I32X4, |b, x, y| b.ins().umin(x, y)),
            I32x4MaxS => self.simd_binary(I32X4, |b, x, y| b.ins().smax(x, y)),
            I32x4MaxU => self.simd_binary(I32X4, |b, x, y| b.ins().umax(x, y)),
            I8x16AvgrU => self.simd_binary(I8X16, |b, x, y| b.ins().avg_round(x, y)),
            I16x8AvgrU => self.simd_binary(I16X8, |b, x, y| b.ins().avg_round(x, y)),
            I16x8Q15MulrSatS => self.simd_binary(I16X8, |b, x, y| b.ins().sqmul_round_sat(x, y)),
            I8x16Neg => self.simd_unary(I8X16, |b, a| b.ins().ineg(a)),
            I16x8Neg => self.simd_unary(I16X8, |b, a| b.ins().ineg(a)),
            I32x4Neg => self.simd_unary(I32X4, |b, a| b.ins().ineg(a)),
            I64x2Neg => self.simd_unary(I64X2, |b, a| b.ins().ineg(a)),
            I8x16Abs => self.simd_unary(I8X16, |b, a| b.ins().iabs(a)),
            I16x8Abs => self.simd_unary(I16X8, |b, a| b.ins().iabs(a)),
            I32x4Abs => self.simd_unary(I32X4, |b, a| b.ins().iabs(a)),
            I64x2Abs => self.simd_unary(I64X2, |b, a| b.ins().iabs(a)),
            I8x16Popcnt => self.simd_unary(I8X16, |b, a| b.ins().popcnt(a)),
            I8x16Shl => self.shift(I8X16, |b, a, n| b.ins().ishl(a, n)),
            I16x8Shl => self.shift(I16X8, |b, a, n| b.ins().ishl(a, n)),
            I32x4Shl => self.shift(I32X4, |b, a, n| b.ins().ishl(a, n)),
            I64x2Shl => self.shift(I64X2, |b, a, n| b.ins().ishl(a, n)),
            I8x16ShrS => self.shift(I8X16, |b, a, n| b.ins().sshr(a, n)),
            I16x8ShrS => self.shift(I16X8, |b, a, n| b.ins().sshr(a, n)),
            I32x4ShrS => self.shift(I32X4, |b, a, n| b.ins().sshr(a, n)),
            I64x2ShrS => self.shift(I64X2, |b, a, n| b.ins().sshr(a, n)),
            I8x16ShrU => self.shift(I8X16, |b, a, n| b.ins().ushr(a, n)),
            I16x8ShrU => self.shift(I16X8, |b, a, n| b.ins().ushr(a, n)),
            I32x4ShrU => self.shift(I32X4, |b, a, n| b.ins().ushr(a, n)),
            I64x2ShrU => self.shift(I64X2, |b, a, n| b.ins().ushr(a, n)),

            // Widening, narrowing and the operations built on them.
            I16x8ExtendLowI8x16S => self.simd_unary(I8X16, |b, a| widen(b, a, LowS)),
            I16x8ExtendHighI8x16S => self.simd_unary(I8X16, |b, a| widen(b, a, HighS)),
            I16x8ExtendLowI8x16U => self.simd_unary(I8X16, |b, a| widen(b, a, LowU)),
            I16x8ExtendHighI8x16U => self.simd_unary(I8X16, |b, a| widen(b, a, HighU)),
            I32x4ExtendLowI16x8S => self.simd_unary(I16X8, |b, a| widen(b, a, LowS)),
            I32x4ExtendHighI16x8S => self.simd_unary(I16X8, |b, a| widen(b, a, HighS)),
            I32x4ExtendLowI16x8U => self.simd_unary(I16X8, |b, a| widen(b, a, LowU)),
            I32x4ExtendHighI16x8U => self.simd_unary(I16X8, |b, a| widen(b, a, HighU)),
            I64x2ExtendLowI32x4S => self.simd_unary(I32X4, |b, a| widen(b, a, LowS)),
            I64x2ExtendHighI32x4S => self.simd_unary(I32X4, |b, a| widen(b, a, HighS)),
            I64x2ExtendLowI32x4U => self.simd_unary(I32X4, |b, a| widen(b, a, LowU)),
            I64x2ExtendHighI32x4U => self.simd_unary(I32X4, |b, a| widen(b, a, HighU)),
            I8x16NarrowI16x8S => self.simd_binary(I16X8, |b, x, y| b.ins().snarrow(x, y)),
            I8x16NarrowI16x8U => self.simd_binary(I16X8, |b, x, y| b.ins().unarrow(x, y)),
            I16x8NarrowI32x4S => self.simd_binary(I32X4, |b, x, y| b.ins().snarrow(x, y)),
            I16x8NarrowI32x4U => self.simd_binary(I32X4, |b, x, y| b.ins().unarrow(x, y)),
            I16x8ExtMulLowI8x16S => self.ext_mul(I8X16, LowS),
            I16x8ExtMulHighI8x16S => self.ext_mul(I8X16, HighS),
            I16x8ExtMulLowI8x16U => self.ext_mul(I8X16, LowU),
            I16x8ExtMulHighI8x16U => self.ext_mul(I8X16, HighU),
            I32x4ExtMulLowI16x8S => self.ext_mul(I16X8, LowS),
            I32x4ExtMulHighI16x8S => self.ext_mul(I16X8, HighS),
            I32x4ExtMulLowI16x8U => self.ext_mul(I16X8, LowU),
            I32x4ExtMulHighI16x8U => self.ext_mul(I16X8, HighU),
            I64x2ExtMulLowI32x4S => self.ext_mul(I32X4, LowS),
            I64x2ExtMulHighI32x4S => self.ext_mul(I32X4, HighS),
            I64x2ExtMulLowI32x4U => self.ext_mul(I32X4, LowU),
            I64x2ExtMulHighI32x4U => self.ext_mul(I32X4, HighU),
            I16x8ExtAddPairwiseI8x16S => self.ext_add_pairwise(I8X16, LowS, HighS),
            I16x8ExtAddPairwiseI8x16U => self.ext_add_pairwise(I8X16, LowU, HighU),
            I32x4ExtAddPairwiseI16x8S => self.ext_add_pairwise(I16X8, LowS, HighS),
            I32x4ExtAddPairwiseI16x8U => self.ext_add_pairwise(I16X8, LowU, HighU),
            I32x4DotI16x8S => self.simd_binary(I16X8, |b, x, y| {
                let products = [LowS, HighS].map(|half| {
                    let x = widen(b, x, half);
                    let y = widen(b, y, half);
                    b.ins().imul(x, y)
                });
                b.ins().iadd_pairwise(products[0], products[1])
            }),

            // ---------------------------------------------------------------------------
            // Comparisons: each lane becomes all ones or all zeros.
            // ---------------------------------------------------------------------------
            I8x16Eq => self.simd_icmp(I8X16, IntCC::Equal),
            I8x16Ne => self.simd_icmp(I8X16, IntCC::NotEqual),
            I8x16LtS => self.simd_icmp(I8X16, IntCC::SignedLessThan),
            I8x16LtU => self.simd_icmp(I8X16, IntCC::UnsignedLessThan),
            I8x16GtS => self.simd_icmp(I8X16, IntCC::SignedGreaterThan),
            I8x16GtU => self.simd_icmp(I8X16, IntCC::UnsignedGreaterThan),
            I8x16LeS => self.simd_icmp(I8X16, IntCC::SignedLessThanOrEqual),
            I8x16LeU => self.simd_icmp(I8X16, IntCC::UnsignedLessThanOrEqual),
            I8x16GeS => self.simd_icmp(I8X16, IntCC::SignedGreaterThanOrEqual),
            I8x16GeU => self.simd_icmp(I8X16, IntCC::UnsignedGreaterThanOrEqual),
            I16x8Eq => self.simd_icmp(I16X8, IntCC::Equal),
            I16x8Ne => self.simd_icmp(I16X8, IntCC::NotEqual),
            I16x8LtS => self.simd_icmp(I16X8, IntCC::SignedLessThan),
            I16x8LtU => self.simd_icmp(I16X8, IntCC::UnsignedLessThan),
            I16x8GtS => self.simd_icmp(I16X8, IntCC::SignedGreaterThan),
            I16x8GtU => self.simd_icmp(I16X8, IntCC::UnsignedGreaterThan),
            I16x8LeS => self.simd_icmp(I16X8, IntCC::SignedLessThanOrEqual),
            I16x8LeU => self.simd_icmp(I16X8, IntCC::UnsignedLessThanOrEqual),
            I16x8GeS => self.simd_icmp(I16X8, IntCC::SignedGreaterThanOrEqual),
            I16x8GeU => self.simd_icmp(I16X8, IntCC::UnsignedGreaterThanOrEqual),
            I32x4Eq => self.simd_icmp(I32X4, IntCC::Equal),
            I32x4Ne => self.simd_icmp(I32X4, IntCC::NotEqual),
            I32x4LtS => self.simd_icmp(I32X4, IntCC::SignedLessThan),
            I32x4LtU => self.simd_icmp(I32X4, IntCC::UnsignedLessThan),
            I32x4GtS => self.simd_icmp(I32X4, IntCC::SignedGreaterThan),
            I32x4GtU => self.simd_icmp(I32X4, IntCC::UnsignedGreaterThan),
            I32x4LeS => self.simd_icmp(I32X4, IntCC::SignedLessThanOrEqual),
            I32x4LeU => self.simd_icmp(I32X4, IntCC::UnsignedLessThanOrEqual),
            I32x4GeS => self.simd_icmp(I32X4, IntCC::SignedGreaterThanOrEqual),
            I32x4GeU => self.simd_icmp(I32X4, IntCC::UnsignedGreaterThanOrEqual),
            I64x2Eq => self.simd_icmp(I64X2, IntCC::Equal),
            I64x2Ne => self.simd_icmp(I64X2, IntCC::NotEqual),
            I64x2LtS => self.simd_icmp(I64X2, IntCC::SignedLessThan),
            I64x2GtS => self.simd_icmp(I64X2, IntCC::SignedGreaterThan),
            I64x2LeS => self.simd_icmp(I64X2, IntCC::SignedLessThanOrEqual),
            I64x2GeS => self.simd_icmp(I64X2, IntCC::SignedGreaterThanOrEqual),
            // Float `ne` is true for unordered lanes, the others false.
            F32x4Eq => self.simd_fcmp(F32X4, FloatCC::Equal),
            F32x4Ne => self.simd_fcmp(F32X4, FloatCC::NotEqual),
            F32x4Lt => self.simd_fcmp(F32X4, FloatCC::LessThan),
            F32x4Gt => self.simd_fcmp(F32X4, FloatCC::GreaterThan),
            F32x4Le => self.simd_fcmp(F32X4, FloatCC::LessThanOrEqual),
            F32x4Ge => self.simd_fcmp(F32X4, FloatCC::GreaterThanOrEqual),
            F64x2Eq => self.simd_fcmp(F64X2, FloatCC::Equal),
            F64x2Ne => self.simd_fcmp(F64X2, FloatCC::NotEqual),
            F64x2Lt => self.simd_fcmp(F64X2, FloatCC::LessThan),
            F64x2Gt => self.simd_fcmp(F64X2, FloatCC::GreaterThan),
            F64x2Le => self.simd_fcmp(F64X2, FloatCC::LessThanOrEqual),
            F64x2Ge => self.simd_fcmp(F64X2, FloatCC::GreaterThanOrEqual),

            // ---------------------------------------------------------------------------
            // Float arithmetic.
            // ---------------------------------------------------------------------------
            F32x4Add => self.simd_binary(F32X4, |b, x, y| b.ins().fadd(x, y)),
            F64x2Add => self.simd_binary(F64X2, |b, x, y| b.ins().fadd(x, y)),
            F32x4Sub => self.simd_binary(F32X4, |b, x, y| b.ins().fsub(x, y)),
            F64x2Sub => self.simd_binary(F64X2, |b, x, y| b.ins().fsub(x, y)),
            F32x4Mul => self.simd_binary(F32X4, |b, x, y| b.ins().fmul(x, y)),
            F64x2Mul => self.simd_binary(F64X2, |b, x, y| b.ins().fmul(x, y)),
            F32x4Div => self.simd_binary(F32X4, |b, x, y| b.ins().fdiv(x, y)),
            F64x2Div => self.simd_binary(F64X2, |b, x, y| b.ins().fdiv(x, y)),
            F32x4Min => self.simd_binary(F32X4, |b, x, y| b.ins().fmin(x, y)),
            F64x2Min => self.simd_binary(F64X2, |b, x, y| b.ins().fmin(x, y)),
            F32x4Max => self.simd_binary(F32X4, |b, x, y| b.ins().fmax(x, y)),
            F64x2Max => self.simd_binary(F64X2, |b, x, y| b.ins().fmax(x, y)),
            F32x4PMin => self.pseudo_min_max(F32X4, false),
            F64x2PMin => self.pseudo_min_max(F64X2, false),
            F32x4PMax => self.pseudo_min_max(F32X4, true),
            F64x2PMax => self.pseudo_min_max(F64X2, true),
            F32x4Abs => self.simd_unary(F32X4, |b, a| b.ins().fabs(a)),
            F64x2Abs => self.simd_unary(F64X2, |b, a| b.ins().fabs(a)),
            F32x4Neg => self.simd_unary(F32X4, |b, a| b.ins().fneg(a)),
            F64x2Neg => self.simd_unary(F64X2, |b, a| b.ins().fneg(a)),
            F32x4Sqrt => self.simd_unary(F32X4, |b, a| b.ins().sqrt(a)),
            F64x2Sqrt => self.simd_unary(F64X2, |b, a| b.ins().sqrt(a)),
            F32x4Ceil => self.simd_unary(F32X4, |b, a| b.ins().ceil(a)),
            F64x2Ceil => self.simd_unary(F64X2, |b, a| b.ins().ceil(a)),
            F32x4Floor => self.simd_unary(F32X4, |b, a| b.ins().floor(a)),
            F64x2Floor => self.simd_unary(F64X2, |b, a| b.ins().floor(a)),
            F32x4Trunc => self.simd_unary(F32X4, |b, a| b.ins().trunc(a)),
            F64x2Trunc => self.simd_unary(F64X2, |b, a| b.ins().trunc(a)),
            F32x4Nearest => self.simd_unary(F32X4, |b, a| b.ins().nearest(a)),
            F64x2Nearest => self.simd_unary(F64X2, |b, a| b.ins().nearest(a)),

            // ---------------------------------------------------------------------------
            // Conversions.
            // ---------------------------------------------------------------------------
            I32x4TruncSatF32x4S => {
                self.simd_unary(F32X4, |b, a| b.ins().fcvt_to_sint_sat(I32X4, a))
            }
            I32x4TruncSatF32x4U => {
                self.simd_unary(F32X4, |b, a| b.ins().fcvt_to_uint_sat(I32X4, a))
            }
            I32x4TruncSatF64x2SZero => self.trunc_sat_f64x2_zero(true),
            I32x4TruncSatF64x2UZero => self.trunc_sat_f64x2_zero(false),
            F32x4ConvertI32x4S => self.simd_unary(I32X4, |b, a| b.ins().fcvt_from_sint(F32X4, a)),
            F32x4ConvertI32x4U => self.simd_unary(I32X4, |b, a| b.ins().fcvt_from_uint(F32X4, a)),
            F64x2ConvertLowI32x4S => self.simd_unary(I32X4, |b, a| {
                let wide = widen(b, a, LowS);
                b.ins().fcvt_from_sint(F64X2, wide)
            }),
            F64x2ConvertLowI32x4U => self.simd_unary(I32X4, |b, a| {
                let wide = widen(b, a, LowU);
                b.ins().fcvt_from_uint(F64X2, wide)
            }),
            F32x4DemoteF64x2Zero => self.simd_unary(F64X2, |b, a| b.ins().fvdemote(a)),
            F64x2PromoteLowF32x4 => self.simd_unary(F32X4, |b, a| b.ins().fvpromote_low(a)),

            _ => return Ok(false),
        }
        Ok(true)
    }

    // -------------------------------------------------------------------------------
    // Operand helpers.
    // -------------------------------------------------------------------------------

    /// Reinterprets vector `v` as shape `ty`; no code is generated if it already has it.
    fn vector_as(&mut self, v: Value, ty: Type) -> Value {
        if self.builder.func.dfg.value_type(v) == ty {
            v
        } else {
            self.builder.ins().bitcast(ty, lane_cast_flags(), v)
        }
    }

    /// Pushes a vector result in the canonical `i8x16` shape.
    fn push_v128(&mut self, v: Value) {
        let v = self.vector_as(v, I8X16);
        self.push(v);
    }

    /// Pops a `v128` as shape `ty`.
    fn pop_vector(&mut self, ty: Type) -> Value {
        let v = self.pop();
        self.vector_as(v, ty)
    }

    /// Pops a `v128` as `ty`, applies `f` and pushes its vector result.
    fn simd_unary(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value) {
        let a = self.pop_vector(ty);
        let v = f(&mut self.builder, a);
        self.push_v128(v);
    }

    /// Pops two `v128`s as `ty`, applies `f` to them in push order and pushes its vector
    /// result.
    fn simd_binary(
        &mut self,
        ty: Type,
        f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
    ) {
        let y = self.pop_vector(ty);
        let x = self.pop_vector(ty);
        let v = f(&mut self.builder, x, y);
        self.push_v128(v);
    }

    /// A constant-pool entry holding `bytes`.
    fn vector_constant(&mut self, bytes: &[u8]) -> cranelift_codegen::ir::Constant {
        self.builder
            .func
            .dfg
            .constants
            .insert(ConstantData::from(bytes))
    }

    // -------------------------------------------------------------------------------
    // Memory helpers.
    // -------------------------------------------------------------------------------

    /// Pops the address operand of a `size`-byte access and returns the checked native
    /// base and immediate offset.
    fn simd_heap_address(&mut self, memarg: MemArg, size: u32) -> (Value, i32) {
        let index = self.pop();
        self.heap_address(memory_index(&memarg), index, memarg.offset, size)
    }

    /// A load of `size` bytes producing a whole vector with `load`.
    fn load_vector(
        &mut self,
        memarg: MemArg,
        size: u32,
        load: impl FnOnce(&mut FunctionBuilder<'_>, Value, i32) -> Value,
    ) {
        let (p, o) = self.simd_heap_address(memarg, size);
        let v = load(&mut self.builder, p, o);
        self.push_v128(v);
    }

    /// `v128.loadN_splat`: one lane of shape `ty` loaded and copied to every lane.
    fn load_splat(&mut self, memarg: MemArg, ty: Type) {
        let lane = ty.lane_type();
        self.load_vector(memarg, lane.bytes(), |b, p, o| {
            let x = b.ins().load(lane, heap_flags(), p, o);
            b.ins().splat(ty, x)
        });
    }

    /// `v128.loadN_zero`: one lane of shape `ty` loaded into lane 0, the rest zero.
    fn load_zero(&mut self, memarg: MemArg, ty: Type) {
        let lane = ty.lane_type();
        self.load_vector(memarg, lane.bytes(), |b, p, o| {
            let x = b.ins().load(lane, heap_flags(), p, o);
            b.ins().scalar_to_vector(ty, x)
        });
    }

    /// `v128.loadN_lane`: replaces lane `lane` of the vector operand (shape `ty`) with
    /// a value loaded from memory.
    fn load_lane(&mut self, memarg: MemArg, ty: Type, lane: u8) {
        let vector = self.pop_vector(ty);
        let lane_ty = ty.lane_type();
        self.load_vector(memarg, lane_ty.bytes(), |b, p, o| {
            let x = b.ins().load(lane_ty, heap_flags(), p, o);
            b.ins().insertlane(vector, x, lane)
        });
    }

    /// `v128.storeN_lane`: stores lane `lane` of the vector operand (shape `ty`).
    fn store_lane(&mut self, memarg: MemArg, ty: Type, lane: u8) {
        let vector = self.pop_vector(ty);
        let lane_ty = ty.lane_type();
        let (p, o) = self.simd_heap_address(memarg, lane_ty.bytes());
        let x = self.builder.ins().extractlane(vector, lane);
        self.builder.ins().store(heap_flags(), x, p, o);
    }

    // -------------------------------------------------------------------------------
    // Lane helpers.
    // -------------------------------------------------------------------------------

    /// The scalar stored into lanes of shape `ty`: wasm passes 8- and 16-bit lanes as
    /// `i32`, which is truncated.
    fn lane_scalar(&mut self, ty: Type, scalar: Value) -> Value {
        let lane = ty.lane_type();
        if lane == I8 || lane == I16 {
            self.builder.ins().ireduce(lane, scalar)
        } else {
            scalar
        }
    }

    /// `*.splat`: the scalar operand copied to every lane of shape `ty`.
    fn splat(&mut self, ty: Type) {
        let scalar = self.pop();
        let scalar = self.lane_scalar(ty, scalar);
        let v = self.builder.ins().splat(ty, scalar);
        self.push_v128(v);
    }

    /// `*.extract_lane`: lane `lane` of shape `ty`; `signed` says how an 8- or 16-bit
    /// lane is extended to `i32` (`None` for lanes that are already a wasm type).
    fn extract_lane(&mut self, ty: Type, lane: u8, signed: Option<bool>) {
        let vector = self.pop_vector(ty);
        let x = self.builder.ins().extractlane(vector, lane);
        let x = match signed {
            Some(true) => self.builder.ins().sextend(I32, x),
            Some(false) => self.builder.ins().uextend(I32, x),
            None => x,
        };
        self.push(x);
    }

    /// `*.replace_lane`: the vector operand (shape `ty`) with lane `lane` replaced by the
    /// scalar operand.
    fn replace_lane(&mut self, ty: Type, lane: u8) {
        let scalar = self.pop();
        let scalar = self.lane_scalar(ty, scalar);
        let vector = self.pop_vector(ty);
        let v = self.builder.ins().insertlane(vector, scalar, lane);
        self.push_v128(v);
    }

    /// `any_true`/`all_true`: `test` reduces the operand (shape `ty`) to an `i8`
    /// boolean, pushed as `i32`.
    fn lane_test(&mut self, ty: Type, test: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value) {
        let a = self.pop_vector(ty);
        let t = test(&mut self.builder, a);
        let t = self.builder.ins().uextend(I32, t);
        self.push(t);
    }

    /// `*.bitmask`: the top bit of each lane of shape `ty`, lane 0 in bit 0.
    fn bitmask(&mut self, ty: Type) {
        let a = self.pop_vector(ty);
        let mask = self.builder.ins().vhigh_bits(I32, a);
        self.push(mask);
    }

    // -------------------------------------------------------------------------------
    // Integer helpers.
    // -------------------------------------------------------------------------------

    /// A shift of each lane of shape `ty` by the `i32` operand; Cranelift takes the
    /// amount modulo the lane width, as wasm does.
    fn shift(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value) {
        let amount = self.pop();
        let a = self.pop_vector(ty);
        let v = f(&mut self.builder, a, amount);
        self.push_v128(v);
    }

    /// `*.extmul_{low,high}_*`: both operands (shape `ty`) widened as `half` says, then
    /// multiplied at the doubled width (which cannot overflow).
    fn ext_mul(&mut self, ty: Type, half: Widen) {
        self.simd_binary(ty, |b, x, y| {
            let x = widen(b, x, half);
            let y = widen(b, y, half);
            b.ins().imul(x, y)
        });
    }

    /// `*.extadd_pairwise_*`: adjacent lanes of shape `ty` widened (`low` and `high`
    /// give the extension) and summed in pairs.
    fn ext_add_pairwise(&mut self, ty: Type, low: Widen, high: Widen) {
        self.simd_unary(ty, |b, a| {
            let lo = widen(b, a, low);
            let hi = widen(b, a, high);
            b.ins().iadd_pairwise(lo, hi)
        });
    }

    /// A lane-wise integer comparison of shape `ty`.
    fn simd_icmp(&mut self, ty: Type, cc: IntCC) {
        self.simd_binary(ty, |b, x, y| b.ins().icmp(cc, x, y));
    }

    // -------------------------------------------------------------------------------
    // Float helpers.
    // -------------------------------------------------------------------------------

    /// A lane-wise float comparison of shape `ty`.
    fn simd_fcmp(&mut self, ty: Type, cc: FloatCC) {
        self.simd_binary(ty, |b, x, y| b.ins().fcmp(cc, x, y));
    }

    /// `pmin` (`y < x ? y : x`) or `pmax` (`x < y ? y : x`) of shape `ty`: no NaN
    /// propagation, the first operand wins ties and unordered lanes.
    fn pseudo_min_max(&mut self, ty: Type, max: bool) {
        self.simd_binary(ty, |b, x, y| {
            let (lhs, rhs) = if max { (x, y) } else { (y, x) };
            let take_y = b.ins().fcmp(FloatCC::LessThan, lhs, rhs);
            let take_y = b.ins().bitcast(ty, lane_cast_flags(), take_y);
            b.ins().bitselect(take_y, y, x)
        });
    }

    // -------------------------------------------------------------------------------
    // Conversion helpers.
    // -------------------------------------------------------------------------------

    /// `i32x4.trunc_sat_f64x2_{s,u}_zero`: both lanes converted with saturation into
    /// the low two `i32` lanes, the high two zero. Built as a narrow of a 64-bit
    /// conversion with a zero constant, the only form the x86 backend lowers.
    fn trunc_sat_f64x2_zero(&mut self, signed: bool) {
        let zero = self.vector_constant(&[0; 16]);
        self.simd_unary(F64X2, |b, a| {
            let zero = b.ins().vconst(I64X2, zero);
            if signed {
                let wide = b.ins().fcvt_to_sint_sat(I64X2, a);
                b.ins().snarrow(wide, zero)
            } else {
                let wide = b.ins().fcvt_to_uint_sat(I64X2, a);
                b.ins().uunarrow(wide, zero)
            }
        });
    }
}
