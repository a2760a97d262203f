//! Evaluation of constant expressions (global initialisers, segment offsets, element
//! items) encoded by the compiler with `wasi_aot_abi::constexpr`.

use wasi_aot_abi::constexpr::ConstOp;

/// A raw wasm value: the low bytes hold the scalar, little-endian.
pub type RawValue = u128;

/// Evaluates `expr`; `global` reads global `i` and `func_ref` gives the address of
/// function `i`'s `VMFuncRef`. Returns `None` if the encoding is malformed.
pub fn evaluate(
    mut expr: &[u8],
    global: impl Fn(u32) -> RawValue,
    func_ref: impl Fn(u32) -> usize,
) -> Option<RawValue> {
    let mut stack: Vec<RawValue> = Vec::with_capacity(4);
    loop {
        let (op, rest) = ConstOp::decode(expr)?;
        expr = rest;
        let value = match op {
            ConstOp::End => return stack.pop(),
            ConstOp::I32Const(v) => RawValue::from(v as u32),
            ConstOp::I64Const(v) => RawValue::from(v as u64),
            ConstOp::F32Const(bits) => RawValue::from(bits),
            ConstOp::F64Const(bits) => RawValue::from(bits),
            ConstOp::V128Const(bytes) => RawValue::from_le_bytes(bytes),
            ConstOp::GlobalGet(i) => global(i),
            ConstOp::RefNull(_) => 0,
            ConstOp::RefFunc(i) => func_ref(i) as RawValue,
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let b = stack.pop()? as u32;
                let a = stack.pop()? as u32;
                RawValue::from(match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let b = stack.pop()? as u64;
                let a = stack.pop()? as u64;
                RawValue::from(match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
        };
        stack.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(ops: &[ConstOp]) -> Vec<u8> {
        let mut out = Vec::new();
        for op in ops {
            op.encode(&mut out);
        }
        out
    }

    #[test]
    fn evaluates_extended_constants() {
        let expr = encode(&[
            ConstOp::GlobalGet(0),
            ConstOp::I32Const(-2),
            ConstOp::I32Add,
            ConstOp::End,
        ]);
        assert_eq!(evaluate(&expr, |_| 10, |_| 0), Some(8));
        let expr = encode(&[ConstOp::RefFunc(3), ConstOp::End]);
        assert_eq!(
            evaluate(&expr, |_| 0, |i| 0x1000 + i as usize),
            Some(0x1003)
        );
        assert_eq!(evaluate(&[0x41], |_| 0, |_| 0), None);
    }
}
