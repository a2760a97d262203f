//! The target: x86_64 Linux, System V calls, position-independent code.
//!
//! The CPU baseline is x86-64-v3 (x86-64-v2's SSE4.2 and POPCNT, plus AVX, AVX2, BMI1,
//! BMI2, LZCNT and FMA: Intel since Haswell, 2013, AMD since Excavator, 2015): float
//! rounding and SIMD need no libcalls, and three-operand forms (`rorx`, `shlx`, VEX
//! encodings) save register copies, which is what wasmtime gets by compiling for the
//! host (shootout-seqhash 3.93 -> 3.60 s, as fast as wasmtime). The runtime refuses
//! to instantiate on a CPU without these features (`runtime/src/instance.rs`,
//! `missing_cpu_feature`) instead of crashing on the first such instruction.

use std::sync::Arc;

use cranelift_codegen::isa::{self, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};

use crate::{CompileError, OptLevel};

/// Builds the target ISA for `opt_level`.
pub fn target_isa(opt_level: OptLevel) -> Result<Arc<dyn TargetIsa>, CompileError> {
    let err = |e: &dyn std::fmt::Display| CompileError::Unsupported(format!("target setup: {e}"));
    let mut flags = settings::builder();
    let level = match opt_level {
        OptLevel::None => "none",
        OptLevel::Speed => "speed",
        OptLevel::SpeedAndSize => "speed_and_size",
    };
    let settings: [(&str, &str); 7] = [
        ("opt_level", level),
        // Executables are PIE: calls to runtime symbols go through the GOT.
        ("is_pic", "true"),
        (
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        ),
        // Multi-value functions return extra results through a hidden pointer.
        ("enable_multi_ret_implicit_sret", "true"),
        // Frame pointers let perf, gdb and the trap backtrace walk wasm frames.
        ("preserve_frame_pointers", "true"),
        ("unwind_info", "false"),
        // The stack limit check in every prologue replaces stack probes.
        ("enable_probestack", "false"),
    ];
    for (name, value) in settings {
        flags.set(name, value).map_err(|e| err(&e))?;
    }
    let mut builder = isa::lookup_by_name("x86_64-unknown-linux-gnu").map_err(|e| err(&e))?;
    for feature in [
        "has_sse3",
        "has_ssse3",
        "has_sse41",
        "has_sse42",
        "has_popcnt",
        "has_avx",
        "has_avx2",
        "has_bmi1",
        "has_bmi2",
        "has_lzcnt",
        "has_fma",
    ] {
        builder.enable(feature).map_err(|e| err(&e))?;
    }
    builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| err(&e))
}
