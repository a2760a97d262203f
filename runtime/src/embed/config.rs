//! `wasi_aot_config`: what a library-mode host gives each instance (arguments,
//! environment, preopened directories, the host descriptors behind the guest's stdio,
//! `proc_exit` behaviour, host functions and a pointer of its own), as a plain C struct
//! the host fills after [`wasi_aot_config_init`], and its conversion into the runtime's
//! [`WasiConfig`] and [`InstanceOptions`].
//!
//! The runtime copies everything it needs while instantiating (strings, and duplicates
//! of the stdio descriptors), so the host may free or close them afterwards.

use std::ffi::{c_char, c_int, c_void, CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use wasi_aot_abi::DEFAULT_MAX_WASM_STACK;

use crate::instance::InstanceOptions;
use crate::wasi::WasiConfig;

/// A host function as C sees it: any function pointer, cast to `void (*)(void)`. It is
/// called as `ret f(void *vmctx, params...)` with the signature the module's import has.
pub type HostFunc = unsafe extern "C" fn();

/// One host function for an import `(module, name)` (`wasi_aot_host_import`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct HostImport {
    /// The import's module name (NUL-terminated UTF-8).
    pub module: *const c_char,
    /// The import's field name (NUL-terminated UTF-8).
    pub name: *const c_char,
    /// The function; null means "not provided here".
    pub func: Option<HostFunc>,
}

/// One preopened directory (`wasi_aot_preopen`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Preopen {
    /// The host directory (relative paths resolve against the working directory when
    /// the instance is created).
    pub host_path: *const c_char,
    /// The name the guest sees it under (UTF-8).
    pub guest_path: *const c_char,
}

/// The configuration of one instance (`wasi_aot_config`); see the generated header for
/// the C declaration. Every array is a pointer and a length; a null pointer is allowed
/// with length 0.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Command-line arguments (`argv[0]` included), NUL-terminated bytes.
    pub args: *const *const c_char,
    /// Number of `args`.
    pub args_len: usize,
    /// Environment entries `NAME=VALUE`, NUL-terminated bytes.
    pub env: *const *const c_char,
    /// Number of `env` entries.
    pub env_len: usize,
    /// Preopened directories; guest fds 3.. in order.
    pub preopens: *const Preopen,
    /// Number of `preopens`.
    pub preopens_len: usize,
    /// Host descriptor behind guest fd 0 (duplicated; -1: the guest has no fd 0).
    pub stdin_fd: c_int,
    /// Host descriptor behind guest fd 1 (duplicated; -1: none).
    pub stdout_fd: c_int,
    /// Host descriptor behind guest fd 2 (duplicated; -1: none).
    pub stderr_fd: c_int,
    /// Whether `proc_exit` returns to the host (the call ends with `WASI_AOT_EXIT`) instead
    /// of ending the process.
    pub return_on_exit: bool,
    /// Native stack bytes wasm code may use (0: the default, 1 MiB).
    pub max_wasm_stack: u64,
    /// Host functions for this instance; they take precedence over the functions the
    /// library found by symbol.
    pub imports: *const HostImport,
    /// Number of `imports`.
    pub imports_len: usize,
    /// The host's pointer, returned by `wasi_aot_caller_user_data` and
    /// `wasi_aot_instance_user_data`; never dereferenced by the runtime.
    pub user_data: *mut c_void,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            args: std::ptr::null(),
            args_len: 0,
            env: std::ptr::null(),
            env_len: 0,
            preopens: std::ptr::null(),
            preopens_len: 0,
            stdin_fd: 0,
            stdout_fd: 1,
            stderr_fd: 2,
            return_on_exit: true,
            max_wasm_stack: 0,
            imports: std::ptr::null(),
            imports_len: 0,
            user_data: std::ptr::null_mut(),
        }
    }
}

/// Fills `*config` with the defaults: no arguments, no environment, no preopens, the
/// host's own stdin/stdout/stderr, `proc_exit` returning to the host, the default wasm
/// stack, no host functions, a null user pointer.
///
/// # Safety
/// `config` must be writable (or null, which does nothing).
#[no_mangle]
pub unsafe extern "C" fn wasi_aot_config_init(config: *mut Config) {
    if !config.is_null() {
        // SAFETY: guaranteed by the caller.
        unsafe { config.write(Config::default()) };
    }
}

/// A configuration read into owned values.
pub(crate) struct ParsedConfig {
    /// The WASI part.
    pub wasi: WasiConfig,
    /// The instance options.
    pub options: InstanceOptions,
    /// Host functions by `(module, name)`.
    pub imports: Vec<(Vec<u8>, Vec<u8>, HostFunc)>,
}

/// Views a C array of `len` elements; an error naming `what` if it is null but not empty.
///
/// # Safety
/// A non-null `ptr` must point to `len` readable elements that outlive `'a`.
unsafe fn array<'a, T>(ptr: *const T, len: usize, what: &str) -> Result<&'a [T], String> {
    match (ptr.is_null(), len) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(format!("config.{what} is null but its length is {len}")),
        // SAFETY: guaranteed by the caller.
        (false, _) => Ok(unsafe { std::slice::from_raw_parts(ptr, len) }),
    }
}

/// Reads a NUL-terminated string; an error naming `what` if it is null.
///
/// # Safety
/// A non-null `ptr` must point to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn c_str<'a>(ptr: *const c_char, what: &str) -> Result<&'a [u8], String> {
    if ptr.is_null() {
        return Err(format!("{what} is null"));
    }
    // SAFETY: guaranteed by the caller.
    Ok(unsafe { CStr::from_ptr(ptr) }.to_bytes())
}

/// Reads `config` (null: the defaults).
///
/// # Safety
/// `config` must be null or point to a configuration whose arrays and strings are
/// valid as documented on [`Config`].
pub(crate) unsafe fn parse(config: *const Config) -> Result<ParsedConfig, String> {
    let default = Config::default();
    // SAFETY: guaranteed by the caller.
    let c = unsafe { config.as_ref() }.unwrap_or(&default);
    // SAFETY: the arrays and strings of `c` are valid, as the caller guarantees; they
    // are only read, and copied before returning (this holds for each read below).
    let args = unsafe { array(c.args, c.args_len, "args")? };
    let args = args
        .iter()
        .enumerate()
        // SAFETY: as above.
        .map(|(i, &a)| unsafe { c_str(a, &format!("config.args[{i}]")) }.map(<[u8]>::to_vec))
        .collect::<Result<Vec<_>, _>>()?;
    let mut env = Vec::new();
    // SAFETY: as above.
    let entries = unsafe { array(c.env, c.env_len, "env")? };
    for (i, &entry) in entries.iter().enumerate() {
        // SAFETY: as above.
        let entry = unsafe { c_str(entry, &format!("config.env[{i}]"))? };
        let Some(eq) = entry.iter().position(|&b| b == b'=') else {
            return Err(format!(
                "config.env[{i}] ({:?}) is not of the form NAME=VALUE",
                String::from_utf8_lossy(entry)
            ));
        };
        env.push((entry[..eq].to_vec(), entry[eq + 1..].to_vec()));
    }
    let mut preopens = Vec::new();
    // SAFETY: as above.
    let dirs = unsafe { array(c.preopens, c.preopens_len, "preopens")? };
    for (i, p) in dirs.iter().enumerate() {
        // SAFETY: as above.
        let host = unsafe { c_str(p.host_path, &format!("config.preopens[{i}].host_path"))? };
        // SAFETY: as above.
        let guest = unsafe { c_str(p.guest_path, &format!("config.preopens[{i}].guest_path"))? };
        let guest = std::str::from_utf8(guest)
            .map_err(|_| format!("config.preopens[{i}].guest_path is not UTF-8"))?;
        preopens.push((PathBuf::from(OsStr::from_bytes(host)), guest.to_string()));
    }
    let mut imports = Vec::new();
    // SAFETY: as above.
    let functions = unsafe { array(c.imports, c.imports_len, "imports")? };
    for (i, import) in functions.iter().enumerate() {
        // SAFETY: as above.
        let module = unsafe { c_str(import.module, &format!("config.imports[{i}].module"))? };
        // SAFETY: as above.
        let name = unsafe { c_str(import.name, &format!("config.imports[{i}].name"))? };
        let func = import
            .func
            .ok_or_else(|| format!("config.imports[{i}].func is null"))?;
        imports.push((module.to_vec(), name.to_vec(), func));
    }
    Ok(ParsedConfig {
        wasi: WasiConfig {
            args,
            env,
            preopens,
            stdin: c.stdin_fd,
            stdout: c.stdout_fd,
            stderr: c.stderr_fd,
        },
        options: InstanceOptions {
            return_on_exit: c.return_on_exit,
            max_wasm_stack: if c.max_wasm_stack == 0 {
                DEFAULT_MAX_WASM_STACK
            } else {
                c.max_wasm_stack
            },
            max_memory_pages: None,
            user_data: c.user_data,
        },
        imports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn nothing() {}

    #[test]
    fn defaults() {
        let mut c = Config {
            stdin_fd: 9,
            ..Config::default()
        };
        // SAFETY: `c` is writable.
        unsafe { wasi_aot_config_init(&mut c) };
        assert_eq!((c.stdin_fd, c.stdout_fd, c.stderr_fd), (0, 1, 2));
        assert!(c.return_on_exit);
        // SAFETY: null means the defaults.
        let parsed = unsafe { parse(std::ptr::null()) }.unwrap();
        assert!(parsed.wasi.args.is_empty() && parsed.imports.is_empty());
        assert!(parsed.options.return_on_exit);
        assert_eq!(parsed.options.max_wasm_stack, DEFAULT_MAX_WASM_STACK);
    }

    #[test]
    fn reads_every_field() {
        let args = [c"prog".as_ptr(), c"a b".as_ptr()];
        let env = [c"K=V=W".as_ptr(), c"EMPTY=".as_ptr()];
        let preopens = [Preopen {
            host_path: c"/tmp".as_ptr(),
            guest_path: c"/t".as_ptr(),
        }];
        let imports = [HostImport {
            module: c"env".as_ptr(),
            name: c"log".as_ptr(),
            func: Some(nothing),
        }];
        let c = Config {
            args: args.as_ptr(),
            args_len: 2,
            env: env.as_ptr(),
            env_len: 2,
            preopens: preopens.as_ptr(),
            preopens_len: 1,
            stdin_fd: -1,
            return_on_exit: false,
            max_wasm_stack: 4096,
            imports: imports.as_ptr(),
            imports_len: 1,
            ..Config::default()
        };
        // SAFETY: every array above is valid.
        let p = unsafe { parse(&c) }.unwrap();
        assert_eq!(p.wasi.args, [b"prog".to_vec(), b"a b".to_vec()]);
        assert_eq!(
            p.wasi.env,
            [
                (b"K".to_vec(), b"V=W".to_vec()),
                (b"EMPTY".to_vec(), Vec::new())
            ]
        );
        assert_eq!(p.wasi.preopens, [(PathBuf::from("/tmp"), "/t".to_string())]);
        assert_eq!(p.wasi.stdin, -1);
        assert!(!p.options.return_on_exit);
        assert_eq!(p.options.max_wasm_stack, 4096);
        assert_eq!(p.imports.len(), 1);
        assert_eq!(
            (&p.imports[0].0[..], &p.imports[0].1[..]),
            (&b"env"[..], &b"log"[..])
        );
    }

    #[test]
    fn rejects_malformed_fields() {
        let env = [c"NOEQUALS".as_ptr()];
        let c = Config {
            env: env.as_ptr(),
            env_len: 1,
            ..Config::default()
        };
        // SAFETY: the array is valid.
        let err = unsafe { parse(&c) }.err().unwrap();
        assert!(
            err.contains("config.env[0]") && err.contains("NAME=VALUE"),
            "{err}"
        );
        let c = Config {
            args_len: 3,
            ..Config::default()
        };
        // SAFETY: a null array with a length is reported, not read.
        let err = unsafe { parse(&c) }.err().unwrap();
        assert_eq!(err, "config.args is null but its length is 3");
        let imports = [HostImport {
            module: c"env".as_ptr(),
            name: std::ptr::null(),
            func: Some(nothing),
        }];
        let c = Config {
            imports: imports.as_ptr(),
            imports_len: 1,
            ..Config::default()
        };
        // SAFETY: the array is valid; the null name is reported.
        let err = unsafe { parse(&c) }.err().unwrap();
        assert_eq!(err, "config.imports[0].name is null");
    }
}
