//! Numeric instructions: constants, integer and float arithmetic, comparisons and
//! conversions. Cranelift's instructions already have wasm's semantics where it
//! matters: `sdiv`/`udiv`/`srem`/`urem` trap on zero and `sdiv` on overflow (while
//! `srem` of `INT_MIN % -1` is 0), shifts mask their amount, `fmin`/`fmax` propagate NaN
//! and order -0 below +0, `fcvt_to_*int` trap on NaN ("invalid conversion") and out of
//! range ("integer overflow"), and `fneg`/`fabs`/`fcopysign` only touch the sign bit.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Type, Value};
use wasmparser::Operator;

use super::FuncTranslator;
use crate::CompileError;

impl FuncTranslator<'_, '_> {
    fn binary(&mut self, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (a, b) = self.pop2();
        let v = f(self, a, b);
        self.push(v);
    }

    fn unary(&mut self, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.pop();
        let v = f(self, a);
        self.push(v);
    }

    /// Pushes a boolean (Cranelift's `i8` comparison result) as an `i32`.
    fn push_bool(&mut self, b: Value) {
        let v = self.builder.ins().uextend(types::I32, b);
        self.push(v);
    }

    fn icmp(&mut self, cc: IntCC) {
        let (a, b) = self.pop2();
        let c = self.builder.ins().icmp(cc, a, b);
        self.push_bool(c);
    }

    fn fcmp(&mut self, cc: FloatCC) {
        let (a, b) = self.pop2();
        let c = self.builder.ins().fcmp(cc, a, b);
        self.push_bool(c);
    }

    fn eqz(&mut self) {
        let a = self.pop();
        let c = self.builder.ins().icmp_imm_s(IntCC::Equal, a, 0);
        self.push_bool(c);
    }

    /// Sign-extends the low `from` bits of the top value within its own type.
    fn extend_in_place(&mut self, from: Type) {
        self.unary(|t, a| {
            let ty = t.builder.func.dfg.value_type(a);
            let narrow = t.builder.ins().ireduce(from, a);
            t.builder.ins().sextend(ty, narrow)
        });
    }

    fn bitcast(&mut self, to: Type) {
        self.unary(|t, a| t.builder.ins().bitcast(to, MemFlagsData::new(), a));
    }

    /// Lowers numeric operators; returns `false` if `op` is not one.
    pub(crate) fn translate_numeric(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use types::{F32, F64, I16, I32, I64, I8};
        use Operator::*;
        match *op {
            I32Const { value } => {
                let v = self.builder.ins().iconst(I32, i64::from(value));
                self.push(v);
            }
            I64Const { value } => {
                let v = self.builder.ins().iconst(I64, value);
                self.push(v);
            }
            F32Const { value } => {
                let v = self.builder.ins().f32const(
                    cranelift_codegen::ir::immediates::Ieee32::with_bits(value.bits()),
                );
                self.push(v);
            }
            F64Const { value } => {
                let v = self.builder.ins().f64const(
                    cranelift_codegen::ir::immediates::Ieee64::with_bits(value.bits()),
                );
                self.push(v);
            }

            // Integer arithmetic.
            I32Add | I64Add => self.binary(|t, a, b| t.builder.ins().iadd(a, b)),
            I32Sub | I64Sub => self.binary(|t, a, b| t.builder.ins().isub(a, b)),
            I32Mul | I64Mul => self.binary(|t, a, b| t.builder.ins().imul(a, b)),
            I32DivS | I64DivS => self.binary(|t, a, b| t.builder.ins().sdiv(a, b)),
            I32DivU | I64DivU => self.binary(|t, a, b| t.builder.ins().udiv(a, b)),
            I32RemS | I64RemS => self.binary(|t, a, b| t.builder.ins().srem(a, b)),
            I32RemU | I64RemU => self.binary(|t, a, b| t.builder.ins().urem(a, b)),
            I32And | I64And => self.binary(|t, a, b| t.builder.ins().band(a, b)),
            I32Or | I64Or => self.binary(|t, a, b| t.builder.ins().bor(a, b)),
            I32Xor | I64Xor => self.binary(|t, a, b| t.builder.ins().bxor(a, b)),
            I32Shl | I64Shl => self.binary(|t, a, b| t.builder.ins().ishl(a, b)),
            I32ShrS | I64ShrS => self.binary(|t, a, b| t.builder.ins().sshr(a, b)),
            I32ShrU | I64ShrU => self.binary(|t, a, b| t.builder.ins().ushr(a, b)),
            I32Rotl | I64Rotl => self.binary(|t, a, b| t.builder.ins().rotl(a, b)),
            I32Rotr | I64Rotr => self.binary(|t, a, b| t.builder.ins().rotr(a, b)),
            I32Clz | I64Clz => self.unary(|t, a| t.builder.ins().clz(a)),
            I32Ctz | I64Ctz => self.unary(|t, a| t.builder.ins().ctz(a)),
            I32Popcnt | I64Popcnt => self.unary(|t, a| t.builder.ins().popcnt(a)),
            I32Extend8S | I64Extend8S => self.extend_in_place(I8),
            I32Extend16S | I64Extend16S => self.extend_in_place(I16),
            I64Extend32S => self.extend_in_place(I32),

            // Integer comparisons.
            I32Eqz | I64Eqz => self.eqz(),
            I32Eq | I64Eq => self.icmp(IntCC::Equal),
            I32Ne | I64Ne => self.icmp(IntCC::NotEqual),
            I32LtS | I64LtS => self.icmp(IntCC::SignedLessThan),
            I32LtU | I64LtU => self.icmp(IntCC::UnsignedLessThan),
            I32GtS | I64GtS => self.icmp(IntCC::SignedGreaterThan),
            I32GtU | I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            I32LeS | I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            I32LeU | I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            I32GeS | I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            I32GeU | I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),

            // Float arithmetic.
            F32Add | F64Add => self.binary(|t, a, b| t.builder.ins().fadd(a, b)),
            F32Sub | F64Sub => self.binary(|t, a, b| t.builder.ins().fsub(a, b)),
            F32Mul | F64Mul => self.binary(|t, a, b| t.builder.ins().fmul(a, b)),
            F32Div | F64Div => self.binary(|t, a, b| t.builder.ins().fdiv(a, b)),
            F32Min | F64Min => self.binary(|t, a, b| t.builder.ins().fmin(a, b)),
            F32Max | F64Max => self.binary(|t, a, b| t.builder.ins().fmax(a, b)),
            F32Copysign | F64Copysign => self.binary(|t, a, b| t.builder.ins().fcopysign(a, b)),
            F32Abs | F64Abs => self.unary(|t, a| t.builder.ins().fabs(a)),
            F32Neg | F64Neg => self.unary(|t, a| t.builder.ins().fneg(a)),
            F32Sqrt | F64Sqrt => self.unary(|t, a| t.builder.ins().sqrt(a)),
            F32Ceil | F64Ceil => self.unary(|t, a| t.builder.ins().ceil(a)),
            F32Floor | F64Floor => self.unary(|t, a| t.builder.ins().floor(a)),
            F32Trunc | F64Trunc => self.unary(|t, a| t.builder.ins().trunc(a)),
            F32Nearest | F64Nearest => self.unary(|t, a| t.builder.ins().nearest(a)),

            // Float comparisons (`ne` is true for unordered operands).
            F32Eq | F64Eq => self.fcmp(FloatCC::Equal),
            F32Ne | F64Ne => self.fcmp(FloatCC::NotEqual),
            F32Lt | F64Lt => self.fcmp(FloatCC::LessThan),
            F32Gt | F64Gt => self.fcmp(FloatCC::GreaterThan),
            F32Le | F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            F32Ge | F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),

            // Conversions.
            I32WrapI64 => self.unary(|t, a| t.builder.ins().ireduce(I32, a)),
            I64ExtendI32S => self.unary(|t, a| t.builder.ins().sextend(I64, a)),
            I64ExtendI32U => self.unary(|t, a| t.builder.ins().uextend(I64, a)),
            I32TruncF32S | I32TruncF64S => self.unary(|t, a| t.builder.ins().fcvt_to_sint(I32, a)),
            I32TruncF32U | I32TruncF64U => self.unary(|t, a| t.builder.ins().fcvt_to_uint(I32, a)),
            I64TruncF32S | I64TruncF64S => self.unary(|t, a| t.builder.ins().fcvt_to_sint(I64, a)),
            I64TruncF32U | I64TruncF64U => self.unary(|t, a| t.builder.ins().fcvt_to_uint(I64, a)),
            I32TruncSatF32S | I32TruncSatF64S => {
                self.unary(|t, a| t.builder.ins().fcvt_to_sint_sat(I32, a))
            }
            I32TruncSatF32U | I32TruncSatF64U => {
                self.unary(|t, a| t.builder.ins().fcvt_to_uint_sat(I32, a))
            }
            I64TruncSatF32S | I64TruncSatF64S => {
                self.unary(|t, a| t.builder.ins().fcvt_to_sint_sat(I64, a))
            }
            I64TruncSatF32U | I64TruncSatF64U => {
                self.unary(|t, a| t.builder.ins().fcvt_to_uint_sat(I64, a))
            }
            F32ConvertI32S | F32ConvertI64S => {
                self.unary(|t, a| t.builder.ins().fcvt_from_sint(F32, a))
            }
            F32ConvertI32U | F32ConvertI64U => {
                self.unary(|t, a| t.builder.ins().fcvt_from_uint(F32, a))
            }
            F64ConvertI32S | F64ConvertI64S => {
                self.unary(|t, a| t.builder.ins().fcvt_from_sint(F64, a))
            }
            F64ConvertI32U | F64ConvertI64U => {
                self.unary(|t, a| t.builder.ins().fcvt_from_uint(F64, a))
            }
            F32DemoteF64 => self.unary(|t, a| t.builder.ins().fdemote(F32, a)),
            F64PromoteF32 => self.unary(|t, a| t.builder.ins().fpromote(F64, a)),
            I32ReinterpretF32 => self.bitcast(I32),
            I64ReinterpretF64 => self.bitcast(I64),
            F32ReinterpretI32 => self.bitcast(F32),
            F64ReinterpretI64 => self.bitcast(F64),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
