//! Constant expressions (global initialisers, segment offsets, element items) in a
//! fixed-width encoding: one opcode byte (the wasm opcode) followed by a little-endian
//! immediate of the size the opcode implies. The compiler encodes, the runtime evaluates.

/// One instruction of a constant expression.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ConstOp {
    /// `i32.const`
    I32Const(i32),
    /// `i64.const`
    I64Const(i64),
    /// `f32.const` (raw bits)
    F32Const(u32),
    /// `f64.const` (raw bits)
    F64Const(u64),
    /// `v128.const` (raw bytes, little-endian)
    V128Const([u8; 16]),
    /// `global.get` of an imported (or, in Wasm 3.0, earlier) global
    GlobalGet(u32),
    /// `ref.null` of the given [`crate::descriptor::val_type`]
    RefNull(u8),
    /// `ref.func`
    RefFunc(u32),
    /// `i32.add`
    I32Add,
    /// `i32.sub`
    I32Sub,
    /// `i32.mul`
    I32Mul,
    /// `i64.add`
    I64Add,
    /// `i64.sub`
    I64Sub,
    /// `i64.mul`
    I64Mul,
    /// End of the expression.
    End,
}

const I32_CONST: u8 = 0x41;
const I64_CONST: u8 = 0x42;
const F32_CONST: u8 = 0x43;
const F64_CONST: u8 = 0x44;
const V128_CONST: u8 = 0xfd;
const GLOBAL_GET: u8 = 0x23;
const REF_NULL: u8 = 0xd0;
const REF_FUNC: u8 = 0xd2;
const I32_ADD: u8 = 0x6a;
const I32_SUB: u8 = 0x6b;
const I32_MUL: u8 = 0x6c;
const I64_ADD: u8 = 0x7c;
const I64_SUB: u8 = 0x7d;
const I64_MUL: u8 = 0x7e;
const END: u8 = 0x0b;

impl ConstOp {
    /// Appends the encoding of `self` to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            ConstOp::I32Const(v) => {
                out.push(I32_CONST);
                out.extend_from_slice(&v.to_le_bytes());
            }
            ConstOp::I64Const(v) => {
                out.push(I64_CONST);
                out.extend_from_slice(&v.to_le_bytes());
            }
            ConstOp::F32Const(v) => {
                out.push(F32_CONST);
                out.extend_from_slice(&v.to_le_bytes());
            }
            ConstOp::F64Const(v) => {
                out.push(F64_CONST);
                out.extend_from_slice(&v.to_le_bytes());
            }
            ConstOp::V128Const(v) => {
                out.push(V128_CONST);
                out.extend_from_slice(&v);
            }
            ConstOp::GlobalGet(i) => {
                out.push(GLOBAL_GET);
                out.extend_from_slice(&i.to_le_bytes());
            }
            ConstOp::RefNull(t) => out.extend_from_slice(&[REF_NULL, t]),
            ConstOp::RefFunc(i) => {
                out.push(REF_FUNC);
                out.extend_from_slice(&i.to_le_bytes());
            }
            ConstOp::I32Add => out.push(I32_ADD),
            ConstOp::I32Sub => out.push(I32_SUB),
            ConstOp::I32Mul => out.push(I32_MUL),
            ConstOp::I64Add => out.push(I64_ADD),
            ConstOp::I64Sub => out.push(I64_SUB),
            ConstOp::I64Mul => out.push(I64_MUL),
            ConstOp::End => out.push(END),
        }
    }

    /// Decodes one instruction from the front of `bytes`, returning it and the rest.
    pub fn decode(bytes: &[u8]) -> Option<(ConstOp, &[u8])> {
        let (&op, rest) = bytes.split_first()?;
        fn take<const N: usize>(rest: &[u8]) -> Option<([u8; N], &[u8])> {
            let (head, tail) = rest.split_at_checked(N)?;
            Some((head.try_into().ok()?, tail))
        }
        Some(match op {
            I32_CONST => {
                let (b, r) = take::<4>(rest)?;
                (ConstOp::I32Const(i32::from_le_bytes(b)), r)
            }
            I64_CONST => {
                let (b, r) = take::<8>(rest)?;
                (ConstOp::I64Const(i64::from_le_bytes(b)), r)
            }
            F32_CONST => {
                let (b, r) = take::<4>(rest)?;
                (ConstOp::F32Const(u32::from_le_bytes(b)), r)
            }
            F64_CONST => {
                let (b, r) = take::<8>(rest)?;
                (ConstOp::F64Const(u64::from_le_bytes(b)), r)
            }
            V128_CONST => {
                let (b, r) = take::<16>(rest)?;
                (ConstOp::V128Const(b), r)
            }
            GLOBAL_GET => {
                let (b, r) = take::<4>(rest)?;
                (ConstOp::GlobalGet(u32::from_le_bytes(b)), r)
            }
            REF_NULL => {
                let (b, r) = take::<1>(rest)?;
                (ConstOp::RefNull(b[0]), r)
            }
            REF_FUNC => {
                let (b, r) = take::<4>(rest)?;
                (ConstOp::RefFunc(u32::from_le_bytes(b)), r)
            }
            I32_ADD => (ConstOp::I32Add, rest),
            I32_SUB => (ConstOp::I32Sub, rest),
            I32_MUL => (ConstOp::I32Mul, rest),
            I64_ADD => (ConstOp::I64Add, rest),
            I64_SUB => (ConstOp::I64Sub, rest),
            I64_MUL => (ConstOp::I64Mul, rest),
            END => (ConstOp::End, rest),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let ops = [
            ConstOp::I32Const(-5),
            ConstOp::I64Const(i64::MIN),
            ConstOp::F32Const(0x7fc0_0001),
            ConstOp::F64Const(1),
            ConstOp::V128Const([7; 16]),
            ConstOp::GlobalGet(3),
            ConstOp::RefNull(0x70),
            ConstOp::RefFunc(9),
            ConstOp::I32Add,
            ConstOp::I64Mul,
            ConstOp::End,
        ];
        let mut bytes = Vec::new();
        for op in &ops {
            op.encode(&mut bytes);
        }
        let mut rest = &bytes[..];
        for op in &ops {
            let (decoded, r) = ConstOp::decode(rest).unwrap();
            assert_eq!(&decoded, op);
            rest = r;
        }
        assert!(rest.is_empty());
        assert_eq!(ConstOp::decode(&[0x41, 1]), None);
    }
}
