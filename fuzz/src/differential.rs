//! Target (3): differential execution of `wasm-smith` modules, wasi-aot against the
//! `wasmtime` crate.
//!
//! An input becomes a module restricted to what wasi-aot supports (Wasm 2.0, no
//! imports, everything exported, NaNs canonicalised, every loop and call paying from
//! a fuel global so that nothing runs forever) and a list of calls with arguments.
//! `wasmtime` runs the session first ([`oracle`]) and records every outcome: results
//! bit for bit, trap reasons, and afterwards every exported global, the bytes of every
//! exported memory and the null slots of every exported table. That session is then
//! written as a spec script ([`script`]) whose assertions are wasmtime's outcomes, and
//! the real `wasi-aot wast` runs it (compile, link with `cc`, load, call through the
//! C ABI). Any failed assertion is a disagreement between the engines and panics, so
//! libFuzzer keeps the input.

mod oracle;
mod prepare;
mod script;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use arbitrary::Unstructured;
use wasm_smith::{InstructionKind, InstructionKinds};

/// Fuel of the global `wasm-smith` inserts, refilled before every call: every
/// function entry, loop iteration and bulk-operation element costs one. Small enough
/// that fuel-bounded recursion stays far below either engine's stack limit.
const FUEL: u32 = 1_000;

/// Fuel of one module in eight: unbounded recursion then goes past either engine's
/// 1 MiB stack (100,000 frames of at least 16 bytes), so stack exhaustion is compared
/// too.
const DEEP_FUEL: u32 = 100_000;

/// Upper bound on the calls of one session, so one input stays fast.
const MAX_CALLS: usize = 60;

/// How long `wasi-aot wast` may take on one script before it counts as hung.
const RUNNER_TIMEOUT: Duration = Duration::from_secs(120);

/// A wasm value, as raw bits (references only by whether they are null).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    /// `i32`.
    I32(u32),
    /// `i64`.
    I64(u64),
    /// `f32`, as bits.
    F32(u32),
    /// `f64`, as bits.
    F64(u64),
    /// `v128`, lanes little-endian.
    V128(u128),
    /// `funcref`: whether it is non-null.
    FuncRef(bool),
}

/// What one call (or the instantiation) did under wasmtime.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// Returned these results.
    Return(Vec<Value>),
    /// Trapped with this spec message.
    Trap(&'static str),
    /// Ran out of stack ("call stack exhausted").
    Exhausted,
}

/// One call of an exported function.
#[derive(Clone, Debug)]
struct Call {
    /// The export name.
    name: String,
    /// The arguments.
    args: Vec<Value>,
    /// What wasmtime did.
    outcome: Outcome,
}

/// Final state of the instance, compared after the calls.
#[derive(Clone, Debug, Default)]
struct FinalState {
    /// Every exported global: name and value.
    globals: Vec<(String, Value)>,
    /// Every exported memory: name, size in pages and [`memory_hash`] of its bytes.
    memories: Vec<(String, u32, u64)>,
    /// Every exported table: name, size and [`table_hash`] of its null slots.
    tables: Vec<(String, u32, u64)>,
}

/// Everything wasmtime did with one module.
#[derive(Clone, Debug)]
struct Session {
    /// `Some(trap)` when instantiation (the start function or a segment) trapped.
    instantiation_trap: Option<Outcome>,
    /// The calls, in order; the list stops after a stack exhaustion, whose depth
    /// differs between engines.
    calls: Vec<Call>,
    /// `None` after a trap in instantiation or a stack exhaustion.
    final_state: Option<FinalState>,
}

/// Runs one input; `false` if it makes no module (libFuzzer drops it); panics on a disagreement.
pub fn run(data: &[u8]) -> bool {
    // The last quarter of the input draws the calls and arguments, so mutations there
    // change the calls without changing the module.
    let split = data.len() - data.len() / 4;
    let (module_bytes, call_bytes) = data.split_at(split);
    let mut u = Unstructured::new(module_bytes);
    let explicit_bounds = u.arbitrary::<bool>().unwrap_or(false);
    let Ok(wasm) = generate(&mut u) else {
        return false;
    };
    let session = oracle::run(&wasm, &mut Unstructured::new(call_bytes));
    let script = script::write(&wasm, &session);
    compare(&wasm, &script, &session, explicit_bounds);
    true
}

/// The `wasm-smith` configuration: Wasm 2.0 as wasi-aot supports it.
fn config() -> wasm_smith::Config {
    wasm_smith::Config {
        // Wasm 2.0 proposals.
        simd_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        // Everything later is rejected by wasi-aot's validation.
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        memory64_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        tail_call_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_descriptors_enabled: false,
        compact_imports_enabled: false,
        max_memories: 1,
        // Self-contained modules whose every entity the session can reach.
        max_imports: 0,
        export_everything: true,
        canonicalize_nans: true,
        // Bounded sizes: limits keep `memory.grow` and `table.grow` deterministic (both
        // engines refuse beyond the declared maximum) and the final hashes cheap.
        max_memory32_bytes: 64 << 16,
        memory_max_size_required: true,
        max_table_elements: 1_000,
        table_max_size_required: true,
        max_tables: 3,
        max_funcs: 20,
        max_instructions: 200,
        // Fewer declarations leave more of the input to function bodies.
        max_types: 20,
        max_globals: 20,
        max_data_segments: 10,
        max_element_segments: 10,
        max_elements: 20,
        ..wasm_smith::Config::default()
    }
}

/// Generates a module from `u` with termination ensured and [`prepare::prepare`]d.
fn generate(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let fuel = if u.ratio(1, 8)? { DEEP_FUEL } else { FUEL };
    let mut config = config();
    config.allowed_instructions = swarm(u)?;
    let mut module = wasm_smith::Module::new(config, u)?;
    let fuel_global = module
        .ensure_termination(fuel)
        .expect("wasm-smith generated every function body, so it can add fuel checks");
    Ok(prepare::prepare(&module.to_bytes(), fuel_global, fuel))
}

/// Swarm testing: half the time a module draws from a random subset of instruction
/// kinds, which makes modules dense in, say, SIMD or table operations; otherwise from
/// all of them.
fn swarm(u: &mut Unstructured<'_>) -> arbitrary::Result<InstructionKinds> {
    use InstructionKind::*;
    let all = [
        Numeric, Vector, Reference, Parametric, Variable, Table, Memory, Control,
    ];
    let mask: u16 = u.arbitrary()?;
    let chosen: Vec<InstructionKind> = all
        .into_iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, kind)| kind)
        .collect();
    Ok(if mask & 0x100 == 0 || chosen.is_empty() {
        InstructionKinds::new(&all)
    } else {
        InstructionKinds::new(&chosen)
    })
}

/// Runs the script under `wasi-aot wast` and panics unless every assertion held.
fn compare(wasm: &[u8], script: &script::Script, session: &Session, explicit_bounds: bool) {
    let dir = tempfile::Builder::new()
        .prefix("wasi-aot-differential-")
        .tempdir()
        .expect("temporary directory");
    let module_path = dir.path().join("module.wasm");
    let script_path = dir.path().join("session.wast");
    std::fs::write(&module_path, wasm).expect("writing the module");
    std::fs::write(&script_path, &script.text).expect("writing the script");
    let mode = if explicit_bounds { "explicit" } else { "guard" };
    let (status, output) = run_runner(&script_path, mode);
    let expected = format!("{} passed, 0 failed", script.directives);
    let agreed = status == Some(0)
        && output
            .lines()
            .any(|l| l.starts_with("ok ") && l.ends_with(&format!(": {expected}")))
        && output.lines().last() == Some(expected.as_str());
    if !agreed {
        // Keep the files for the report; libFuzzer saves the input itself.
        let kept = dir.keep();
        panic!(
            "wasi-aot disagrees with wasmtime (--bounds-checks {mode})\n\
             module: {}\nscript: {}\nwasmtime: {session:#?}\n\
             wasi-aot wast exit status {status:?}, expected `{expected}`:\n{output}",
            kept.join("module.wasm").display(),
            kept.join("session.wast").display(),
        );
    }
}

/// Runs `wasi-aot wast --verbose` on a script; the exit code (`None` if killed by a
/// signal) and stdout and stderr together. Panics if the runner hangs.
fn run_runner(script: &Path, mode: &str) -> (Option<i32>, String) {
    let finished = crate::process::run(
        Command::new(crate::wasi_aot_binary())
            .args(["wast", "--verbose", "--bounds-checks", mode])
            .arg(script),
        RUNNER_TIMEOUT,
    );
    let Some(status) = finished.status else {
        panic!(
            "wasi-aot wast hung on {} (killed after {RUNNER_TIMEOUT:?})",
            script.display()
        );
    };
    let mut output = String::from_utf8_lossy(&finished.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&finished.stderr));
    (status.code(), output)
}

/// FNV-1a-style hash of memory contents, 8 bytes (little-endian) at a time, as the
/// checker module in the script computes it.
fn memory_hash(bytes: &[u8]) -> u64 {
    bytes.chunks(8).fold(FNV_OFFSET, |h, chunk| {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        (h ^ u64::from_le_bytes(word)).wrapping_mul(FNV_PRIME)
    })
}

/// FNV-1a-style hash of a table's null slots (1 for null), as the checker computes it.
fn table_hash(nulls: impl IntoIterator<Item = bool>) -> u64 {
    nulls.into_iter().fold(FNV_OFFSET, |h, null| {
        (h ^ u64::from(null)).wrapping_mul(FNV_PRIME)
    })
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x100_0000_01b3;
