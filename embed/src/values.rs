//! Wasm values and types, and the traits that turn Rust values and tuples into call
//! parameters and results.
//!
//! Values travel in 16-byte slots, little-endian, the value in the low bytes (the
//! runtime's array-call convention).

use wasi_aot_abi::descriptor::val_type;

/// A wasm value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `v128`
    V128,
    /// `funcref` (cannot be passed to or from the host)
    FuncRef,
    /// `externref`
    ExternRef,
}

impl ValType {
    /// Decodes a binary-format type code.
    pub(crate) fn from_code(code: u8) -> Option<ValType> {
        Some(match code {
            val_type::I32 => ValType::I32,
            val_type::I64 => ValType::I64,
            val_type::F32 => ValType::F32,
            val_type::F64 => ValType::F64,
            val_type::V128 => ValType::V128,
            val_type::FUNCREF => ValType::FuncRef,
            val_type::EXTERNREF => ValType::ExternRef,
            _ => return None,
        })
    }
}

impl std::fmt::Display for ValType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        })
    }
}

/// An `externref`: any word the host chooses, which wasm code can only hold and hand
/// back; 0 is `ref.null extern`.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ExternRef(pub usize);

impl ExternRef {
    /// `ref.null extern`.
    pub const NULL: ExternRef = ExternRef(0);
}

/// A wasm value the host can pass and receive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`.
    F32(f32),
    /// An `f64`.
    F64(f64),
    /// A `v128`, lanes little-endian.
    V128(u128),
    /// An `externref`.
    ExternRef(ExternRef),
}

impl Val {
    /// Its type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// The value in a slot.
    pub(crate) fn to_slot(self) -> u128 {
        match self {
            Val::I32(v) => v.to_slot(),
            Val::I64(v) => v.to_slot(),
            Val::F32(v) => v.to_slot(),
            Val::F64(v) => v.to_slot(),
            Val::V128(v) => v.to_slot(),
            Val::ExternRef(v) => v.to_slot(),
        }
    }

    /// A value of type `ty` read from a slot (`None` for `funcref`).
    pub(crate) fn from_slot(ty: ValType, slot: u128) -> Option<Val> {
        Some(match ty {
            ValType::I32 => Val::I32(i32::from_slot(slot)),
            ValType::I64 => Val::I64(i64::from_slot(slot)),
            ValType::F32 => Val::F32(f32::from_slot(slot)),
            ValType::F64 => Val::F64(f64::from_slot(slot)),
            ValType::V128 => Val::V128(slot),
            ValType::ExternRef => Val::ExternRef(ExternRef::from_slot(slot)),
            ValType::FuncRef => return None,
        })
    }
}

/// A Rust type that is a wasm value: `i32`, `i64`, `f32`, `f64`, `u128` (`v128`) and
/// [`ExternRef`].
pub trait WasmTy: Copy + sealed::Sealed {
    /// Its wasm type.
    const TYPE: ValType;
    /// The value in a 16-byte slot.
    fn to_slot(self) -> u128;
    /// The value read from a slot.
    fn from_slot(slot: u128) -> Self;
}

pub(crate) mod sealed {
    /// Only this crate implements the value and host-function traits.
    pub trait Sealed {}
}

macro_rules! wasm_ty {
    ($($ty:ty => $val:ident, |$v:ident| $to:expr, |$s:ident| $from:expr;)*) => {$(
        impl sealed::Sealed for $ty {}
        impl WasmTy for $ty {
            const TYPE: ValType = ValType::$val;
            fn to_slot(self) -> u128 {
                let $v = self;
                $to
            }
            fn from_slot($s: u128) -> Self {
                $from
            }
        }
    )*};
}

wasm_ty! {
    i32 => I32, |v| u128::from(v as u32), |s| s as u32 as i32;
    i64 => I64, |v| u128::from(v as u64), |s| s as u64 as i64;
    f32 => F32, |v| u128::from(v.to_bits()), |s| f32::from_bits(s as u32);
    f64 => F64, |v| u128::from(v.to_bits()), |s| f64::from_bits(s as u64);
    u128 => V128, |v| v, |s| s;
    ExternRef => ExternRef, |v| v.0 as u128, |s| ExternRef(s as usize);
}

/// Parameters of a typed call: `()`, one [`WasmTy`], or a tuple of up to eight.
pub trait WasmParams: sealed::Sealed {
    /// Their types, in order.
    fn types() -> Vec<ValType>;
    /// Stores them in the first slots.
    fn store(self, slots: &mut [u128]);
}

/// Results of a typed call: `()`, one [`WasmTy`], or a tuple of up to eight.
pub trait WasmResults: Sized + sealed::Sealed {
    /// Their types, in order.
    fn types() -> Vec<ValType>;
    /// Reads them from the first slots.
    fn load(slots: &[u128]) -> Self;
}

impl<T: WasmTy> WasmParams for T {
    fn types() -> Vec<ValType> {
        vec![T::TYPE]
    }
    fn store(self, slots: &mut [u128]) {
        slots[0] = self.to_slot();
    }
}

impl<T: WasmTy> WasmResults for T {
    fn types() -> Vec<ValType> {
        vec![T::TYPE]
    }
    fn load(slots: &[u128]) -> Self {
        T::from_slot(slots[0])
    }
}

macro_rules! tuples {
    ($(($($t:ident $i:tt),*);)*) => {$(
        impl<$($t: WasmTy),*> sealed::Sealed for ($($t,)*) {}
        impl<$($t: WasmTy),*> WasmParams for ($($t,)*) {
            fn types() -> Vec<ValType> {
                vec![$($t::TYPE),*]
            }
            #[allow(unused_variables)]
            fn store(self, slots: &mut [u128]) {
                $(slots[$i] = self.$i.to_slot();)*
            }
        }
        impl<$($t: WasmTy),*> WasmResults for ($($t,)*) {
            fn types() -> Vec<ValType> {
                vec![$($t::TYPE),*]
            }
            #[allow(unused_variables, clippy::unused_unit)]
            fn load(slots: &[u128]) -> Self {
                ($($t::from_slot(slots[$i]),)*)
            }
        }
    )*};
}

tuples! {
    ();
    (A 0);
    (A 0, B 1);
    (A 0, B 1, C 2);
    (A 0, B 1, C 2, D 3);
    (A 0, B 1, C 2, D 3, E 4);
    (A 0, B 1, C 2, D 3, E 4, F 5);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6);
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_round_trip() {
        assert_eq!((-1i32).to_slot(), 0xffff_ffff);
        assert_eq!(i32::from_slot(0x1_ffff_fffe), -2);
        assert_eq!(f64::from_slot(2.5f64.to_slot()), 2.5);
        assert_eq!(
            f32::from_slot((-0.0f32).to_slot()).to_bits(),
            (-0.0f32).to_bits()
        );
        assert_eq!(ExternRef::from_slot(ExternRef(77).to_slot()), ExternRef(77));
        for v in [
            Val::I64(-5),
            Val::F32(1.5),
            Val::V128(u128::MAX),
            Val::ExternRef(ExternRef(3)),
        ] {
            assert_eq!(Val::from_slot(v.ty(), v.to_slot()), Some(v));
        }
        assert_eq!(Val::from_slot(ValType::FuncRef, 0), None);
    }

    #[test]
    fn tuples_store_and_load_in_order() {
        let mut slots = [0u128; 3];
        (1i32, 2i64, 3.0f32).store(&mut slots);
        assert_eq!(<(i32, i64, f32)>::load(&slots), (1, 2, 3.0));
        assert_eq!(
            <(i32, i64, f32) as WasmParams>::types(),
            [ValType::I32, ValType::I64, ValType::F32]
        );
        assert_eq!(<() as WasmResults>::types(), []);
        assert_eq!(<f64 as WasmParams>::types(), [ValType::F64]);
        assert_eq!(ValType::from_code(0x6f), Some(ValType::ExternRef));
        assert_eq!(ValType::from_code(0), None);
        assert_eq!(ValType::V128.to_string(), "v128");
    }
}
