//! The target: x86_64 Linux, System V calls, position-independent code, for the CPU
//! level `--target-cpu` names.
//!
//! The default level is x86-64-v3 (x86-64-v2's SSE4.2 and POPCNT, plus AVX, AVX2, BMI1,
//! BMI2, LZCNT and FMA: Intel since Haswell, 2013, AMD since Excavator, 2015): float
//! rounding and SIMD need no libcalls, and three-operand forms (`rorx`, `shlx`, VEX
//! encodings) save register copies, which is what wasmtime gets by compiling for the
//! host (shootout-seqhash 3.93 -> 3.60 s, as fast as wasmtime). x86-64-v2 runs on every
//! x86_64 Linux machine of the last dozen years. The descriptor records the features
//! the ISA enables (`crate::emit::isa_cpu_features`) and the runtime refuses to
//! instantiate on a CPU without them instead of crashing on the first such instruction.

use std::sync::Arc;

use cranelift_codegen::isa::{self, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};

use crate::{CompileError, OptLevel, TargetCpu};

/// Builds the target ISA for `opt_level` and `target_cpu`.
pub fn target_isa(
    opt_level: OptLevel,
    target_cpu: TargetCpu,
) -> Result<Arc<dyn TargetIsa>, CompileError> {
    let err = |e: &dyn std::fmt::Display| CompileError::Unsupported(format!("target setup: {e}"));
    let mut flags = settings::builder();
    let level = match opt_level {
        OptLevel::None => "none",
        OptLevel::Speed => "speed",
        OptLevel::SpeedAndSize => "speed_and_size",
    };
    let settings: [(&str, &str); 8] = [
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
        // Block offsets and edges, from which `crate::placement` finds the loops.
        ("machine_code_cfg_info", "true"),
    ];
    for (name, value) in settings {
        flags.set(name, value).map_err(|e| err(&e))?;
    }
    let mut builder = isa::lookup_by_name("x86_64-unknown-linux-gnu").map_err(|e| err(&e))?;
    for feature in target_cpu.features()?.features() {
        builder
            .enable(feature.cranelift_flag)
            .map_err(|e| err(&e))?;
    }
    builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| err(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::CpuLevel;

    #[test]
    fn the_descriptor_records_exactly_the_target_features() {
        for target in [
            TargetCpu::Level(CpuLevel::X86_64V2),
            TargetCpu::Level(CpuLevel::X86_64V3),
            TargetCpu::Native,
        ] {
            let isa = target_isa(OptLevel::Speed, target).unwrap();
            assert_eq!(
                crate::emit::isa_cpu_features(&*isa),
                target.features().unwrap(),
                "{target:?}"
            );
        }
        assert_eq!(
            TargetCpu::Native.features().unwrap(),
            wasi_aot_abi::cpu::detect()
        );
    }
}
