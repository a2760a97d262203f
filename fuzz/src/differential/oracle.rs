//! The reference side: a module's session under the `wasmtime` crate.

use std::sync::OnceLock;

use arbitrary::Unstructured;
use wasmparser::{Operator, Parser, Payload};
use wasmtime::{
    Config, Engine, Error, ExternType, Instance, Module, Store, Trap, Val, ValType, WasmBacktrace,
};

use super::prepare::REFUEL;
use super::{memory_hash, table_hash, Call, FinalState, Outcome, Session, Value, MAX_CALLS};

/// The engine, configured once: wasi-aot's default `--max-stack` as the wasm stack.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.max_wasm_stack(1 << 20);
        Engine::new(&config).expect("a wasmtime engine with the default configuration")
    })
}

/// Instantiates `wasm` and calls its exported functions in export order (one to three
/// calls each, each after a call of [`REFUEL`], at most [`MAX_CALLS`] in all) with
/// arguments drawn from `u`, then reads the final state of every exported global,
/// memory and table.
pub(super) fn run(wasm: &[u8], u: &mut Unstructured<'_>) -> Session {
    let module = Module::new(engine(), wasm)
        .unwrap_or_else(|e| panic!("wasmtime rejects a wasm-smith module: {e:?}"));
    let mut store = Store::new(engine(), ());
    let instance = match Instance::new(&mut store, &module, &[]) {
        Ok(instance) => instance,
        Err(e) => {
            return Session {
                instantiation_trap: Some(outcome_of_error(&e, wasm)),
                calls: Vec::new(),
                final_state: None,
            }
        }
    };
    let exports: Vec<(String, ExternType)> = module
        .exports()
        .map(|e| (e.name().to_string(), e.ty()))
        .collect();
    let refuel = instance.get_func(&mut store, REFUEL);
    let mut calls = Vec::new();
    for (name, ty) in &exports {
        let ExternType::Func(func_type) = ty else {
            continue;
        };
        if name == REFUEL {
            continue;
        }
        let func = instance
            .get_func(&mut store, name)
            .expect("an exported function");
        let times = 1 + u.int_in_range(0..=2).unwrap_or(0);
        for _ in 0..times {
            if calls.len() + 2 > MAX_CALLS {
                break;
            }
            if let Some(refuel) = refuel {
                refuel
                    .call(&mut store, &[], &mut [])
                    .expect("refuelling cannot trap");
                calls.push(Call {
                    name: REFUEL.to_string(),
                    args: Vec::new(),
                    outcome: Outcome::Return(Vec::new()),
                });
            }
            let args: Vec<Value> = func_type
                .params()
                .map(|ty| arbitrary_value(u, &ty))
                .collect();
            let params: Vec<Val> = args.iter().map(|v| to_val(*v)).collect();
            let mut results = vec![Val::I32(0); func_type.results().len()];
            let outcome = match func.call(&mut store, &params, &mut results) {
                Ok(()) => Outcome::Return(results.iter().map(from_val).collect()),
                Err(e) => outcome_of_error(&e, wasm),
            };
            let exhausted = outcome == Outcome::Exhausted;
            calls.push(Call {
                name: name.clone(),
                args,
                outcome,
            });
            // How deep each engine gets differs, and so does what the frames that ran
            // left in memory and globals: nothing after this compares.
            if exhausted {
                return Session {
                    instantiation_trap: None,
                    calls,
                    final_state: None,
                };
            }
        }
    }
    let mut state = FinalState::default();
    for (name, ty) in &exports {
        match ty {
            ExternType::Global(_) => {
                let global = instance.get_global(&mut store, name).expect("a global");
                state
                    .globals
                    .push((name.clone(), from_val(&global.get(&mut store))));
            }
            ExternType::Memory(_) => {
                let memory = instance.get_memory(&mut store, name).expect("a memory");
                let data = memory.data(&store);
                let pages = u32::try_from(data.len() >> 16).expect("a 32-bit memory");
                state
                    .memories
                    .push((name.clone(), pages, memory_hash(data)));
            }
            ExternType::Table(_) => {
                let table = instance.get_table(&mut store, name).expect("a table");
                let size = table.size(&store);
                let nulls: Vec<bool> = (0..size)
                    .map(|i| table.get(&mut store, i).is_none_or(|r| r.is_null()))
                    .collect();
                let size = u32::try_from(size).expect("a 32-bit table");
                state.tables.push((name.clone(), size, table_hash(nulls)));
            }
            _ => {}
        }
    }
    Session {
        instantiation_trap: None,
        calls,
        final_state: Some(state),
    }
}

/// The spec outcome of a failed call or instantiation. Anything but a wasm trap is a
/// failure of the harness or of wasmtime, not a result to compare.
fn outcome_of_error(e: &Error, wasm: &[u8]) -> Outcome {
    let Some(trap) = e.downcast_ref::<Trap>() else {
        panic!("wasmtime failed without a trap: {e:?}");
    };
    Outcome::Trap(match trap {
        Trap::StackOverflow => return Outcome::Exhausted,
        Trap::MemoryOutOfBounds => "out of bounds memory access",
        // wasmtime has one code for both spec messages: the instruction decides.
        Trap::TableOutOfBounds if trapped_in_call_indirect(e, wasm) => "undefined element",
        Trap::TableOutOfBounds => "out of bounds table access",
        Trap::IndirectCallToNull => "uninitialized element",
        Trap::BadSignature => "indirect call type mismatch",
        Trap::IntegerOverflow => "integer overflow",
        Trap::IntegerDivisionByZero => "integer divide by zero",
        Trap::BadConversionToInteger => "invalid conversion to integer",
        Trap::UnreachableCodeReached => "unreachable",
        Trap::NullReference => "null reference",
        other => panic!("wasmtime trap outside Wasm 2.0: {other:?} ({e:?})"),
    })
}

/// Whether the innermost wasm frame of a trap is at a `call_indirect` (a trap in a
/// segment initialisation has no frame).
fn trapped_in_call_indirect(e: &Error, wasm: &[u8]) -> bool {
    let offset = e
        .downcast_ref::<WasmBacktrace>()
        .and_then(|bt| bt.frames().first())
        .and_then(|frame| frame.module_offset())
        .and_then(|offset| u64::try_from(offset).ok());
    let Some(offset) = offset else {
        return false;
    };
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(Payload::CodeSectionEntry(body)) = payload else {
            continue;
        };
        if !body.range().contains(&offset) {
            continue;
        }
        let mut ops = body
            .get_operators_reader()
            .expect("a body wasmtime compiled");
        while !ops.eof() {
            let (op, at) = ops.read_with_offset().expect("a body wasmtime compiled");
            if at == offset {
                return matches!(op, Operator::CallIndirect { .. });
            }
        }
    }
    false
}

/// An argument of type `ty`: half the time a value at an edge (zero, ±1, extremes,
/// infinities, NaNs, conversion limits), otherwise arbitrary bits. References are
/// null: the session has no host references and no way to name a function.
fn arbitrary_value(u: &mut Unstructured<'_>, ty: &ValType) -> Value {
    let edge = u.arbitrary::<bool>().unwrap_or(true);
    match ty {
        ValType::I32 => Value::I32(pick(u, edge, I32_EDGES) as u32),
        ValType::I64 => Value::I64(pick(u, edge, I64_EDGES)),
        ValType::F32 => Value::F32(pick(u, edge, F32_EDGES) as u32),
        ValType::F64 => Value::F64(pick(u, edge, F64_EDGES)),
        ValType::V128 if edge => {
            // Each 32-bit lane its own pick among the edges.
            let lanes = [(); 4].map(|_| *u.choose(V128_LANE_EDGES).unwrap_or(&0));
            Value::V128(
                lanes
                    .iter()
                    .rev()
                    .fold(0, |v, lane| v << 32 | u128::from(*lane)),
            )
        }
        ValType::V128 => Value::V128(u.arbitrary().unwrap_or(0)),
        ValType::Ref(_) => Value::FuncRef(false),
    }
}

/// One of `edges` if `edge`, otherwise arbitrary bits (truncated by the caller to
/// the value's width).
fn pick(u: &mut Unstructured<'_>, edge: bool, edges: &[u64]) -> u64 {
    if edge {
        *u.choose(edges).unwrap_or(&0)
    } else {
        u.arbitrary().unwrap_or(0)
    }
}

const I32_EDGES: &[u64] = &[
    0,
    1,
    2,
    7,
    31,
    32,
    0x80,
    0xff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
];
const I64_EDGES: &[u64] = &[
    0,
    1,
    63,
    64,
    0xffff_ffff,
    0x1_0000_0000,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    0xffff_ffff_ffff_fffe,
    0xffff_ffff_ffff_ffff,
];
const F32_EDGES: &[u64] = &[
    0x0000_0000, // 0
    0x8000_0000, // -0
    0x3f80_0000, // 1
    0xbf80_0000, // -1
    0x3f00_0000, // 0.5
    0x7f80_0000, // inf
    0xff80_0000, // -inf
    0x7fc0_0000, // canonical NaN
    0xffc0_0000, // negative canonical NaN
    0x7fa0_0001, // signalling NaN with a payload
    0x0000_0001, // smallest subnormal
    0x0080_0000, // smallest normal
    0x7f7f_ffff, // largest finite
    0x4f00_0000, // 2^31
    0xcf00_0000, // -2^31
    0x4f80_0000, // 2^32
    0x5f00_0000, // 2^63
];
const F64_EDGES: &[u64] = &[
    0x0000_0000_0000_0000,
    0x8000_0000_0000_0000,
    0x3ff0_0000_0000_0000,
    0xbff0_0000_0000_0000,
    0x3fe0_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x7ff8_0000_0000_0000,
    0xfff8_0000_0000_0000,
    0x7ff4_0000_0000_0001,
    0x0000_0000_0000_0001,
    0x0010_0000_0000_0000,
    0x7fef_ffff_ffff_ffff,
    0x41e0_0000_0000_0000, // 2^31
    0xc1e0_0000_0000_0000, // -2^31
    0x41f0_0000_0000_0000, // 2^32
    0x43e0_0000_0000_0000, // 2^63
    0xc3e0_0000_0000_0000, // -2^63
    0x43f0_0000_0000_0000, // 2^64
];
const V128_LANE_EDGES: &[u32] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0x8000,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x3f80_0000,
    0x7f80_0000,
    0x7fc0_0000,
    0xffc0_0000,
    0x4f00_0000,
];

fn to_val(value: Value) -> Val {
    match value {
        Value::I32(v) => Val::I32(v as i32),
        Value::I64(v) => Val::I64(v as i64),
        Value::F32(v) => Val::F32(v),
        Value::F64(v) => Val::F64(v),
        Value::V128(v) => Val::V128(v.into()),
        Value::FuncRef(false) => Val::FuncRef(None),
        Value::FuncRef(true) => unreachable!("arguments are null references"),
    }
}

fn from_val(val: &Val) -> Value {
    match val {
        Val::I32(v) => Value::I32(*v as u32),
        Val::I64(v) => Value::I64(*v as u64),
        Val::F32(v) => Value::F32(*v),
        Val::F64(v) => Value::F64(*v),
        Val::V128(v) => Value::V128(v.as_u128()),
        Val::FuncRef(f) => Value::FuncRef(f.is_some()),
        other => panic!("a value outside Wasm 2.0 without externref: {other:?}"),
    }
}
