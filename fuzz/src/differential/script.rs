//! Writes a wasmtime session as a spec script: the module, one assertion per call
//! holding wasmtime's outcome, and the final state read through checker modules.

use std::fmt::Write as _;

use super::{Outcome, Session, Value};

/// A spec script and how many directives it has (the runner counts each one).
pub(super) struct Script {
    /// The `.wast` text.
    pub(super) text: String,
    /// Directives in `text`.
    pub(super) directives: usize,
}

/// The script asserting `session` for the module `wasm`.
pub(super) fn write(wasm: &[u8], session: &Session) -> Script {
    let mut s = Script {
        text: String::from(
            ";; wasmtime's outcomes for a wasm-smith module (fuzz target `differential`)\n",
        ),
        directives: 0,
    };
    let binary = binary_strings(wasm);
    if let Some(outcome) = &session.instantiation_trap {
        s.push(format!(
            "(assert_trap (module binary{binary}) {})",
            quote(trap_message(outcome).as_bytes())
        ));
        return s;
    }
    s.push(format!("(module $m binary{binary})"));
    for call in &session.calls {
        let args: String = call
            .args
            .iter()
            .map(|v| format!(" {}", value(*v)))
            .collect();
        let invoke = format!("(invoke $m {}{args})", quote(call.name.as_bytes()));
        s.push(match &call.outcome {
            Outcome::Return(results) => {
                let results: String = results.iter().map(|v| format!(" {}", value(*v))).collect();
                format!("(assert_return {invoke}{results})")
            }
            Outcome::Trap(message) => {
                format!("(assert_trap {invoke} {})", quote(message.as_bytes()))
            }
            Outcome::Exhausted => {
                format!("(assert_exhaustion {invoke} \"call stack exhausted\")")
            }
        });
    }
    let Some(state) = &session.final_state else {
        return s;
    };
    for (name, v) in &state.globals {
        s.push(format!(
            "(assert_return (get $m {}) {})",
            quote(name.as_bytes()),
            value(*v)
        ));
    }
    if state.memories.is_empty() && state.tables.is_empty() {
        return s;
    }
    s.push("(register \"m\" $m)".to_string());
    for (i, (name, pages, hash)) in state.memories.iter().enumerate() {
        s.push(format!(
            "(module $mem{i} (import \"m\" {}{MEMORY_CHECKER}",
            quote(name.as_bytes())
        ));
        s.push(format!(
            "(assert_return (invoke $mem{i} \"size\") (i32.const {pages}))"
        ));
        s.push(format!(
            "(assert_return (invoke $mem{i} \"hash\") (i64.const {hash:#x}))"
        ));
    }
    for (i, (name, size, hash)) in state.tables.iter().enumerate() {
        s.push(format!(
            "(module $table{i} (import \"m\" {}{TABLE_CHECKER}",
            quote(name.as_bytes())
        ));
        s.push(format!(
            "(assert_return (invoke $table{i} \"size\") (i32.const {size}))"
        ));
        s.push(format!(
            "(assert_return (invoke $table{i} \"hash\") (i64.const {hash:#x}))"
        ));
    }
    s
}

impl Script {
    fn push(&mut self, directive: String) {
        self.text.push_str(&directive);
        self.text.push('\n');
        self.directives += 1;
    }
}

/// The rest of a module importing a memory: `size` in pages and `hash`, the same hash
/// as [`super::memory_hash`] over all of it.
const MEMORY_CHECKER: &str = r#" (memory 0))
  (func (export "size") (result i32) (memory.size))
  (func (export "hash") (result i64) (local $i i32) (local $end i32) (local $h i64)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (local.set $end (i32.shl (memory.size) (i32.const 16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $h
          (i64.mul (i64.xor (local.get $h) (i64.load (local.get $i))) (i64.const 0x100000001b3)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (local.get $h)))"#;

/// The rest of a module importing a `funcref` table: `size` and `hash`, the same hash
/// as [`super::table_hash`] over its null slots.
const TABLE_CHECKER: &str = r#" (table 0 funcref))
  (func (export "size") (result i32) (table.size 0))
  (func (export "hash") (result i64) (local $i i32) (local $h i64)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (table.size 0)))
        (local.set $h
          (i64.mul
            (i64.xor (local.get $h) (i64.extend_i32_u (ref.is_null (table.get 0 (local.get $i)))))
            (i64.const 0x100000001b3)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $h)))"#;

/// The spec message wasi-aot must report for a trap outcome.
fn trap_message(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Trap(message) => message,
        Outcome::Exhausted => "call stack exhausted",
        Outcome::Return(_) => unreachable!("only traps are messages"),
    }
}

/// A module binary as quoted strings, 32 bytes a line.
fn binary_strings(wasm: &[u8]) -> String {
    wasm.chunks(32)
        .map(|chunk| format!("\n  {}", quote(chunk)))
        .collect()
}

/// A wast string: printable ASCII as is, every other byte as `\hh`.
fn quote(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in bytes {
        if b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ' {
            s.push(char::from(b));
        } else {
            let _ = write!(s, "\\{b:02x}");
        }
    }
    s.push('"');
    s
}

/// A value as a constant whose text gives exactly its bits.
fn value(v: Value) -> String {
    match v {
        Value::I32(x) => format!("(i32.const {x:#x})"),
        Value::I64(x) => format!("(i64.const {x:#x})"),
        Value::F32(bits) => format!(
            "(f32.const {})",
            float(
                u64::from(bits >> 31),
                u64::from(bits >> 23 & 0xff),
                u64::from(bits & 0x7f_ffff),
                8,
                23
            )
        ),
        Value::F64(bits) => format!(
            "(f64.const {})",
            float(
                bits >> 63,
                bits >> 52 & 0x7ff,
                bits & 0xf_ffff_ffff_ffff,
                11,
                52
            )
        ),
        Value::V128(x) => {
            let lanes: String = (0..4)
                .map(|i| format!(" {:#x}", (x >> (32 * i)) as u32))
                .collect();
            format!("(v128.const i32x4{lanes})")
        }
        Value::FuncRef(false) => "(ref.null func)".to_string(),
        Value::FuncRef(true) => "(ref.func)".to_string(),
    }
}

/// Exact text of an IEEE float from its fields: a hexadecimal float, `inf`, or
/// `nan:0x...` with its payload.
fn float(
    sign: u64,
    exponent: u64,
    mantissa: u64,
    exponent_bits: u32,
    mantissa_bits: u32,
) -> String {
    let sign = if sign == 1 { "-" } else { "" };
    let max = (1 << exponent_bits) - 1;
    let bias = (1i64 << (exponent_bits - 1)) - 1;
    // The fraction as whole hex digits: pad the mantissa to a multiple of 4 bits.
    let pad = (4 - mantissa_bits % 4) % 4;
    let digits = mantissa_bits.div_ceil(4) as usize;
    let fraction = mantissa << pad;
    match exponent {
        e if e == max && mantissa == 0 => format!("{sign}inf"),
        e if e == max => format!("{sign}nan:{mantissa:#x}"),
        0 => format!("{sign}0x0.{fraction:0digits$x}p{}", 1 - bias),
        e => format!("{sign}0x1.{fraction:0digits$x}p{}", e as i64 - bias),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_exactly() {
        assert_eq!(value(Value::F32(0x3f80_0000)), "(f32.const 0x1.000000p0)");
        assert_eq!(
            value(Value::F32(0x8000_0001)),
            "(f32.const -0x0.000002p-126)"
        );
        assert_eq!(value(Value::F32(0x7fc0_0000)), "(f32.const nan:0x400000)");
        assert_eq!(value(Value::F64(0xfff0_0000_0000_0000)), "(f64.const -inf)");
        assert_eq!(
            value(Value::F64(0x3ff8_0000_0000_0001)),
            "(f64.const 0x1.8000000000001p0)"
        );
    }
}
