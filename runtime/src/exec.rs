//! The entry point of produced executables: `main` (generated) calls `wasi_aot_main`
//! with the module descriptor and the capabilities fixed at build time.

use std::ffi::{c_char, c_int, CStr};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use wasi_aot_abi::descriptor::{extern_kind, ModuleDescriptor};
use wasi_aot_abi::exec_config::ExecConfig;
use wasi_aot_abi::trap::TRAP_EXIT_STATUS;

use crate::instance::{Instance, InstanceOptions, InstantiateError};
use crate::traps::Unwind;
use crate::wasi::{WasiConfig, WasiCtx};

/// Stack kept free for host code below the wasm stack limit.
const HOST_STACK_RESERVE: u64 = 256 * 1024;

fn fail(message: impl std::fmt::Display) -> c_int {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    1
}

/// Runs the module as a WASI command: instantiate, call `_start`, exit with its status.
///
/// # Safety
/// `argv` must hold `argc` C strings; `descriptor` and `config` must come from the
/// object generated for this executable.
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_main(
    argc: c_int,
    argv: *const *const c_char,
    descriptor: *const ModuleDescriptor,
    config: *const u8,
    config_len: u64,
) -> c_int {
    // SAFETY: guaranteed by the caller.
    let (descriptor, config, args) = unsafe {
        let args: Vec<Vec<u8>> = (0..argc.max(0) as usize)
            .map(|i| CStr::from_ptr(*argv.add(i)).to_bytes().to_vec())
            .collect();
        (
            &*descriptor,
            std::slice::from_raw_parts(config, config_len as usize),
            args,
        )
    };
    let Some(config) = ExecConfig::decode(config) else {
        return fail("this executable's configuration is corrupt");
    };
    match run_command(descriptor, &config, args) {
        Ok(status) => status,
        Err(status) => status,
    }
}

fn run_command(
    descriptor: &'static ModuleDescriptor,
    config: &ExecConfig,
    args: Vec<Vec<u8>>,
) -> Result<c_int, c_int> {
    let mut env: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    if config.inherit_env {
        env.extend(
            std::env::vars_os().map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())),
        );
    }
    for (key, value) in &config.env {
        env.retain(|(k, _)| k != key.as_bytes());
        env.push((key.as_bytes().to_vec(), value.as_bytes().to_vec()));
    }
    let wasi = WasiCtx::new(WasiConfig {
        args,
        env,
        preopens: config
            .dirs
            .iter()
            .map(|(host, guest)| (host.into(), guest.clone()))
            .collect(),
        ..WasiConfig::default()
    })
    .map_err(fail)?;
    let imports = Instance::static_imports(descriptor).map_err(fail)?;
    crate::limits::ignore_sigpipe();
    crate::limits::start_timeout(config.timeout_secs).map_err(fail)?;
    let options = InstanceOptions {
        max_wasm_stack: usable_stack(config.max_wasm_stack),
        max_memory_pages: (config.max_memory_pages != 0).then_some(config.max_memory_pages),
        ..InstanceOptions::default()
    };
    let mut instance = match Instance::with_options(descriptor, &imports, Some(wasi), options) {
        Ok(instance) => instance,
        Err(InstantiateError::Trap(unwind)) => return Ok(report(unwind)),
        Err(e) => return Err(fail(e)),
    };
    let start = match instance.export("_start") {
        Some((kind, index))
            if u32::from(kind) == u32::from(extern_kind::FUNC) && instance.is_nullary(index) =>
        {
            index
        }
        _ => {
            return Err(fail(
                "module has no `_start` function export of type [] -> []",
            ))
        }
    };
    Ok(match instance.call_function(start, &mut []) {
        Ok(()) => 0,
        Err(unwind) => report(unwind),
    })
}

/// Prints a trap and gives the exit status for `unwind`.
fn report(unwind: Unwind) -> c_int {
    match unwind {
        Unwind::Exit(code) => code,
        Unwind::Trap(trap) => {
            let _ = writeln!(std::io::stderr(), "error: {trap}");
            TRAP_EXIT_STATUS
        }
    }
}

/// The wasm stack budget, shrunk if the thread's stack cannot hold it plus host code.
fn usable_stack(requested: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into `limit`.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } == 0;
    if !ok || limit.rlim_cur == libc::RLIM_INFINITY {
        return requested;
    }
    requested.min(limit.rlim_cur.saturating_sub(HOST_STACK_RESERVE))
}
