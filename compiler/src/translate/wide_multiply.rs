//! Recognition of compiler-rt's `__multi3` (the low 128 bits of a 128-bit product) and
//! its lowering to the native 64x64->128 multiply.
//!
//! Wasm has no widening multiply, so clang and Rust compile `unsigned __int128` and
//! `u128` products to a call to `__multi3(ret, a_lo, a_hi, b_lo, b_hi)`, whose body
//! rebuilds the product from 32-bit halves: ten `i64.mul`s and a dozen shifts and masks.
//! Curve25519 code spends most of its time there (shootout-ed25519: 57% of the run).
//! A function is recognized by what it computes, not by its name or bytes: its body is
//! evaluated symbolically into expressions over its parameters, put in a canonical form
//! (sums, products, `and`s and `or`s flattened and their operands sorted, which only
//! uses commutativity and associativity, exact in wrapping 64-bit arithmetic), and
//! compared with the schoolbook formula. Different clang versions' orderings of the
//! same formula match; anything else, down to one changed constant, compiles as usual
//! (so does Rust's `compiler_builtins` version, which detects carries with `i64.lt_u`:
//! another formula, which this canonical form cannot prove equal).
//! The recognized body keeps its stores, in order and with their offsets, so traps and
//! their wasm offsets are those of the original.
//!
//! Direct calls to a recognized function compute the product in the caller
//! ([`FuncTranslator::call_multi3`]): the call, the callee's prologue and stack check
//! cost more than the multiply (ed25519 spent 46% of its time in the 15-instruction
//! body). The stores stay `__multi3`'s in the trap table (`crate::inlined_sites`), so a
//! trap in one is reported at its offset in `__multi3`, with the caller's frame below.

use cranelift_codegen::ir::{InstBuilder, SourceLoc, Value};
use wasmparser::{FuncType, FunctionBody, MemArg, Operator, ValType};

use super::FuncTranslator;
use crate::inlined_sites::InlinedSite;

/// The most operators a recognized body may have (compiler-rt's has 60): larger bodies
/// are not evaluated at all.
const MAX_OPERATORS: usize = 200;

/// The longest canonical form kept for one expression: shared subexpressions are
/// spelled out in it, so a hostile body of nested reuses could grow it exponentially.
const MAX_FORM_BYTES: usize = 4096;

/// One store of a recognized body: its immediate, its byte offset in the module, and
/// which half of the product it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProductStore {
    /// The store's alignment, offset and memory, as written.
    pub memarg: MemArg,
    /// Where the `i64.store` is in the module (its traps are reported there).
    pub wasm_offset: u32,
    /// `true` for the high 64 bits of the product, `false` for the low 64.
    pub high: bool,
}

/// A symbolic value: a parameter, a constant, or an operation on earlier values.
enum Symbol {
    Param(u32),
    Const(u64),
    Binary(&'static str, usize, usize),
}

/// The expressions built so far, each with its canonical form.
#[derive(Default)]
struct Expressions {
    forms: Vec<String>,
}

impl Expressions {
    /// Adds `symbol`, returning its index; `None` if its form grows too long.
    fn add(&mut self, symbol: Symbol) -> Option<usize> {
        let form = match symbol {
            Symbol::Param(index) => format!("p{index}"),
            Symbol::Const(value) => format!("{value}"),
            Symbol::Binary(op, a, b) if matches!(op, "add" | "mul" | "and" | "or") => {
                // Flatten nested uses of the same associative, commutative operator.
                let mut operands = Vec::new();
                for operand in [a, b] {
                    let form = &self.forms[operand];
                    match form
                        .strip_prefix(op)
                        .and_then(|rest| rest.strip_prefix('('))
                        .and_then(|rest| rest.strip_suffix(')'))
                    {
                        Some(inner) => operands.extend(split_top_level(inner)),
                        None => operands.push(form.clone()),
                    }
                }
                operands.sort();
                format!("{op}({})", operands.join(","))
            }
            Symbol::Binary(op, a, b) => format!("{op}({},{})", self.forms[a], self.forms[b]),
        };
        if form.len() > MAX_FORM_BYTES {
            return None;
        }
        self.forms.push(form);
        Some(self.forms.len() - 1)
    }

    fn binary(&mut self, op: &'static str, a: usize, b: usize) -> Option<usize> {
        self.add(Symbol::Binary(op, a, b))
    }
}

/// The comma-separated operands of a canonical form's argument list, split at its top
/// level only.
fn split_top_level(list: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in list.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(list[start..i].to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(list[start..].to_string());
    parts
}

/// The canonical forms of the high and low halves of `(p2:p1) * (p4:p3)` as compiler-rt
/// computes them from 32-bit halves.
fn reference_forms() -> (String, String) {
    let mut e = Expressions::default();
    let build = |e: &mut Expressions| -> Option<(usize, usize)> {
        let [a_lo, a_hi, b_lo, b_hi] = [1, 2, 3, 4].map(|i| e.add(Symbol::Param(i)));
        let (a_lo, a_hi, b_lo, b_hi) = (a_lo?, a_hi?, b_lo?, b_hi?);
        let mask = e.add(Symbol::Const(0xffff_ffff))?;
        let thirty_two = e.add(Symbol::Const(32))?;
        let a0 = e.binary("and", a_lo, mask)?;
        let a1 = e.binary("shr_u", a_lo, thirty_two)?;
        let b0 = e.binary("and", b_lo, mask)?;
        let b1 = e.binary("shr_u", b_lo, thirty_two)?;
        let low_product = e.binary("mul", a0, b0)?;
        let low_carry = e.binary("shr_u", low_product, thirty_two)?;
        let middle = e.binary("mul", a1, b0)?;
        let t = e.binary("add", low_carry, middle)?;
        let t_low = e.binary("and", t, mask)?;
        let middle2 = e.binary("mul", a0, b1)?;
        let u = e.binary("add", t_low, middle2)?;
        let u_shifted = e.binary("shl", u, thirty_two)?;
        let low_bits = e.binary("and", low_product, mask)?;
        let low = e.binary("or", u_shifted, low_bits)?;
        let cross_a = e.binary("mul", a_lo, b_hi)?;
        let cross_b = e.binary("mul", a_hi, b_lo)?;
        let top = e.binary("mul", a1, b1)?;
        let t_high = e.binary("shr_u", t, thirty_two)?;
        let u_high = e.binary("shr_u", u, thirty_two)?;
        let sum = e.binary("add", cross_a, cross_b)?;
        let sum = e.binary("add", sum, top)?;
        let sum = e.binary("add", sum, t_high)?;
        let high = e.binary("add", sum, u_high)?;
        Some((high, low))
    };
    let (high, low) = build(&mut e).expect("the reference is small");
    (e.forms[high].clone(), e.forms[low].clone())
}

/// The stores of `body` if it computes `__multi3`: type `(i32, i64, i64, i64, i64) ->
/// ()`, and nothing but the two halves of the product of parameters 1-2 and 3-4 stored
/// at parameter 0.
pub(crate) fn recognize_multi3(
    ty: &FuncType,
    body: &FunctionBody<'_>,
) -> Option<[ProductStore; 2]> {
    use ValType::{I32, I64};
    if ty.params() != [I32, I64, I64, I64, I64] || !ty.results().is_empty() {
        return None;
    }
    let mut e = Expressions::default();
    let mut locals: Vec<usize> = Vec::new();
    for index in 0..5 {
        locals.push(e.add(Symbol::Param(index))?);
    }
    let mut reader = body.get_locals_reader().ok()?;
    for _ in 0..reader.get_count() {
        let (count, ty) = reader.read().ok()?;
        if ty != I64 || locals.len() + count as usize > 16 {
            return None;
        }
        for _ in 0..count {
            locals.push(e.add(Symbol::Const(0))?);
        }
    }
    let address = locals[0];

    let mut stack: Vec<usize> = Vec::new();
    let mut stores: Vec<(MemArg, u32, usize)> = Vec::new();
    let mut ops = body.get_operators_reader().ok()?;
    let mut count = 0;
    while !ops.eof() {
        count += 1;
        if count > MAX_OPERATORS {
            return None;
        }
        let (op, offset) = ops.read_with_offset().ok()?;
        let binary = match op {
            Operator::I64Add => "add",
            Operator::I64Mul => "mul",
            Operator::I64And => "and",
            Operator::I64Or => "or",
            Operator::I64Shl => "shl",
            Operator::I64ShrU => "shr_u",
            Operator::LocalGet { local_index } => {
                stack.push(*locals.get(local_index as usize)?);
                continue;
            }
            Operator::LocalSet { local_index } | Operator::LocalTee { local_index } => {
                // Parameter 0 is the only i32 local; it must keep its value.
                if local_index == 0 {
                    return None;
                }
                let value = *stack.last()?;
                *locals.get_mut(local_index as usize)? = value;
                if matches!(op, Operator::LocalSet { .. }) {
                    stack.pop();
                }
                continue;
            }
            Operator::I64Const { value } => {
                stack.push(e.add(Symbol::Const(value as u64))?);
                continue;
            }
            Operator::I64Store { memarg } => {
                let value = stack.pop()?;
                let at = stack.pop()?;
                if at != address {
                    return None;
                }
                stores.push((memarg, offset as u32, value));
                continue;
            }
            Operator::End if ops.eof() && stack.is_empty() => break,
            _ => return None,
        };
        let b = stack.pop()?;
        let a = stack.pop()?;
        // Only i64 values: parameter 0 (the i32) may appear only as a store address.
        if a == address || b == address {
            return None;
        }
        stack.push(e.binary(binary, a, b)?);
    }
    let [(m0, o0, v0), (m1, o1, v1)] = <[_; 2]>::try_from(stores).ok()?;
    let (high, low) = reference_forms();
    let half = |value: usize| {
        let form = &e.forms[value];
        if *form == high {
            Some(true)
        } else if *form == low {
            Some(false)
        } else {
            None
        }
    };
    let (h0, h1) = (half(v0)?, half(v1)?);
    (h0 != h1).then_some([
        ProductStore {
            memarg: m0,
            wasm_offset: o0,
            high: h0,
        },
        ProductStore {
            memarg: m1,
            wasm_offset: o1,
            high: h1,
        },
    ])
}

impl FuncTranslator<'_, '_> {
    /// Emits a recognized `__multi3` body: the product and the body's two stores in
    /// their order, each at its own wasm offset.
    pub(crate) fn translate_multi3(&mut self, stores: &[ProductStore; 2]) {
        let [ret, a_lo, a_hi, b_lo, b_hi] =
            [0, 1, 2, 3, 4].map(|i| self.builder.use_var(self.locals[i].0));
        let (low, high) = self.product(a_lo, a_hi, b_lo, b_hi);
        for store in stores {
            self.builder.set_srcloc(SourceLoc::new(store.wasm_offset));
            self.store_half(ret, store, low, high);
        }
    }

    /// Emits a direct call to `function`, recognized as `__multi3` with `stores`, in
    /// place: the product, then the stores, each recorded as `__multi3`'s own
    /// instruction inlined at this call ([`crate::inlined_sites`]), so that a trap is
    /// reported in `__multi3` as the real call's would be.
    pub(crate) fn call_multi3(&mut self, function: u32, stores: &[ProductStore; 2]) {
        let params = self.popn(5);
        let call = self.builder.srcloc();
        let callee = function - self.module.env.num_imported_funcs;
        let locations = stores.map(|store| {
            self.inlined.location(InlinedSite {
                callee,
                wasm_offset: store.wasm_offset,
                call_offset: call.bits(),
            })
        });
        let [Some(first), Some(second)] = locations else {
            self.emit_call(function, &params);
            return;
        };
        let [ret, a_lo, a_hi, b_lo, b_hi] = [0, 1, 2, 3, 4].map(|i| params[i]);
        let (low, high) = self.product(a_lo, a_hi, b_lo, b_hi);
        for (store, location) in stores.iter().zip([first, second]) {
            self.builder.set_srcloc(location);
            self.store_half(ret, store, low, high);
        }
        self.builder.set_srcloc(call);
    }

    /// The low and high 64 bits of the product of `a` and `b`, given as 64-bit halves.
    fn product(&mut self, a_lo: Value, a_hi: Value, b_lo: Value, b_hi: Value) -> (Value, Value) {
        let b = &mut self.builder;
        let low = b.ins().imul(a_lo, b_lo);
        let carry = b.ins().umulhi(a_lo, b_lo);
        let cross_a = b.ins().imul(a_lo, b_hi);
        let cross_b = b.ins().imul(a_hi, b_lo);
        let cross = b.ins().iadd(cross_a, cross_b);
        (low, b.ins().iadd(carry, cross))
    }

    /// Stores the half of the product `store` writes at wasm address `ret`.
    fn store_half(&mut self, ret: Value, store: &ProductStore, low: Value, high: Value) {
        self.push(ret);
        self.push(if store.high { high } else { low });
        self.store(store.memarg, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The golden module with both clang orderings, other offsets and a near miss.
    const GOLDEN: &str = include_str!("../../../tests/golden/numeric/wide_multiply.wat");

    /// What [`recognize_multi3`] says of each defined function of `wat`, by name.
    fn recognized(wat: &str) -> Vec<(String, Option<[ProductStore; 2]>)> {
        let wasm = crate::read_input(wat.as_bytes(), std::path::Path::new("t.wat")).unwrap();
        let env = crate::module_env::ModuleEnv::parse(&wasm).unwrap();
        (env.num_imported_funcs..)
            .zip(&env.bodies)
            .map(|(index, body)| {
                let stores = recognize_multi3(env.func_type(index), body);
                (env.func_name(index), stores)
            })
            .collect()
    }

    fn halves(stores: Option<[ProductStore; 2]>) -> Option<[(u64, bool); 2]> {
        stores.map(|s| s.map(|s| (s.memarg.offset, s.high)))
    }

    #[test]
    fn both_clang_orderings_and_other_offsets_are_recognized_and_the_near_miss_is_not() {
        let found = recognized(GOLDEN);
        let get = |name: &str| {
            found
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("no function {name}"))
                .1
        };
        assert_eq!(
            halves(get("multi3_sightglass")),
            Some([(8, true), (0, false)])
        );
        assert_eq!(halves(get("multi3_clang14")), Some([(8, true), (0, false)]));
        assert_eq!(
            halves(get("multi3_other_offsets")),
            Some([(0x10, true), (0x18, false)])
        );
        assert_eq!(get("near_miss"), None);
        assert_eq!(get("check64"), None);
    }

    /// The Sightglass body with `from` replaced by `to` (which must occur).
    fn variant(from: &str, to: &str) -> String {
        let golden = GOLDEN.replace("$multi3_sightglass", "$m");
        let start = golden.find("  (func $m ").unwrap();
        let end = start + golden[start..].find("\n  (func").unwrap();
        let func = &golden[start..end];
        assert!(func.contains(from), "{from} is not in the golden function");
        format!("(module (memory 1)\n{})", func.replacen(from, to, 1))
    }

    #[test]
    fn changed_bodies_are_not_recognized() {
        let recognized_m = |wat: &str| {
            recognized(wat)
                .into_iter()
                .find(|(n, _)| n == "m")
                .unwrap()
                .1
        };
        assert!(recognized_m(&variant("", "")).is_some());
        for (from, to) in [
            // Another constant, operator or operand.
            ("i64.const 4294967295", "i64.const 4294967294"),
            ("i64.const 32\n    i64.shl", "i64.const 31\n    i64.shl"),
            ("i64.mul\n    i64.add", "i64.add\n    i64.add"),
            (
                "local.get 2\n    local.get 1\n    i64.mul",
                "local.get 2\n    local.get 2\n    i64.mul",
            ),
            // Both halves the same, a store elsewhere, a narrower store, an extra effect.
            (
                "i64.or\n    i64.store",
                "i64.or\n    drop\n    local.get 5\n    i64.store",
            ),
            ("i64.store offset=8", "i64.store32 offset=8"),
            ("(local i64)", "(local i64 i32)"),
            (
                "(local i64)",
                "(local i64)\n    i32.const 0\n    local.set 0",
            ),
            (
                "(param i32 i64 i64 i64 i64)",
                "(param i32 i64 i64 i64 i64 i32)",
            ),
        ] {
            assert_eq!(recognized_m(&variant(from, to)), None, "{from} -> {to}");
        }
    }
}
