//! Spec-script values: arguments to 16-byte slots, and slots against expected results
//! (NaN patterns, per-lane `v128` patterns, references).

use wast::core::{NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// Encodes an argument; `None` for kinds this runner does not support.
pub fn encode_arg(arg: &WastArg<'_>) -> Option<u128> {
    let WastArg::Core(arg) = arg else { return None };
    Some(match arg {
        WastArgCore::I32(v) => u128::from(*v as u32),
        WastArgCore::I64(v) => u128::from(*v as u64),
        WastArgCore::F32(v) => u128::from(v.bits),
        WastArgCore::F64(v) => u128::from(v.bits),
        WastArgCore::V128(v) => u128::from_le_bytes(v.to_le_bytes()),
        WastArgCore::RefNull(_) => 0,
        // Host references are opaque words; +1 keeps 0 for null.
        WastArgCore::RefExtern(n) => u128::from(*n) + 1,
        _ => return None,
    })
}

fn f32_matches(bits: u32, pattern: &NanPattern<wast::token::F32>) -> bool {
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

fn f64_matches(bits: u64, pattern: &NanPattern<wast::token::F64>) -> bool {
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

fn v128_matches(value: u128, pattern: &V128Pattern) -> bool {
    let bytes = value.to_le_bytes();
    let lane = |i: usize, size: usize| -> u64 {
        let mut b = [0u8; 8];
        b[..size].copy_from_slice(&bytes[i * size..(i + 1) * size]);
        u64::from_le_bytes(b)
    };
    match pattern {
        V128Pattern::I8x16(l) => l
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 1) == u64::from(*v as u8)),
        V128Pattern::I16x8(l) => l
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 2) == u64::from(*v as u16)),
        V128Pattern::I32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 4) == u64::from(*v as u32)),
        V128Pattern::I64x2(l) => l.iter().enumerate().all(|(i, v)| lane(i, 8) == *v as u64),
        V128Pattern::F32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f32_matches(lane(i, 4) as u32, p)),
        V128Pattern::F64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f64_matches(lane(i, 8), p)),
    }
}

fn core_matches(value: u128, expected: &WastRetCore<'_>) -> Option<bool> {
    Some(match expected {
        WastRetCore::I32(v) => value as u32 == *v as u32,
        WastRetCore::I64(v) => value as u64 == *v as u64,
        WastRetCore::F32(p) => f32_matches(value as u32, p),
        WastRetCore::F64(p) => f64_matches(value as u64, p),
        WastRetCore::V128(p) => v128_matches(value, p),
        WastRetCore::RefNull(_) => value as u64 == 0,
        WastRetCore::RefExtern(None) => value as u64 != 0,
        WastRetCore::RefExtern(Some(n)) => value as u64 == u64::from(*n) + 1,
        WastRetCore::RefFunc(_) => value as u64 != 0,
        WastRetCore::Either(options) => {
            for option in options {
                if core_matches(value, option)? {
                    return Some(true);
                }
            }
            false
        }
        _ => return None,
    })
}

/// Whether `value` matches `expected`; `None` for kinds this runner does not support.
pub fn matches(value: u128, expected: &WastRet<'_>) -> Option<bool> {
    let WastRet::Core(expected) = expected else {
        return None;
    };
    core_matches(value, expected)
}

/// A short rendering of a raw value for failure messages.
pub fn show(value: u128) -> String {
    format!("{value:#x}")
}
