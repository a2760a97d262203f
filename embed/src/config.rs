//! The configuration of one instance: WASI capabilities and host functions.

use std::ffi::{CString, OsStr};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use wasi_aot_runtime::embed::config::{self as raw, HostFunc};

use crate::{Error, FuncType, HostFunction, Result};

/// What one of the guest's stdio descriptors is.
#[derive(Debug, Default)]
pub enum Stdio {
    /// The host process's own descriptor (0, 1 or 2).
    #[default]
    Inherit,
    /// None: the guest's descriptor is closed.
    Closed,
    /// This descriptor (the instance gets a duplicate of it).
    Fd(OwnedFd),
}

impl Stdio {
    /// A duplicate of `fd` (for example a `File` or one end of a pipe).
    ///
    /// # Errors
    /// When the descriptor cannot be duplicated.
    pub fn from_fd(fd: impl AsFd) -> std::io::Result<Stdio> {
        Ok(Stdio::Fd(fd.as_fd().try_clone_to_owned()?))
    }

    fn raw(&self, inherited: i32) -> i32 {
        match self {
            Stdio::Inherit => inherited,
            Stdio::Closed => -1,
            Stdio::Fd(fd) => fd.as_raw_fd(),
        }
    }
}

/// A host function given to [`Config::host_func`].
#[derive(Clone, Debug)]
pub(crate) struct HostImport {
    pub module: CString,
    pub name: CString,
    pub ty: FuncType,
    pub func: HostFunc,
}

/// How to set up an instance (node:wasi's options, plus host functions). The default
/// grants nothing: no arguments, environment or directories; the host's stdio;
/// `proc_exit` returns to the host.
#[derive(Debug)]
pub struct Config {
    args: Vec<CString>,
    env: Vec<CString>,
    preopens: Vec<(CString, CString)>,
    stdio: [Stdio; 3],
    return_on_exit: bool,
    max_wasm_stack: u64,
    pub(crate) imports: Vec<HostImport>,
    /// The first invalid value given (a string with a NUL byte), reported by
    /// [`Instance::new`](crate::Instance::new).
    invalid: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config::new()
    }
}

/// The C strings the runtime reads during instantiation, kept alive by the caller.
pub(crate) struct RawConfig<'a> {
    pub config: raw::Config,
    _args: Vec<*const std::ffi::c_char>,
    _env: Vec<*const std::ffi::c_char>,
    _preopens: Vec<raw::Preopen>,
    _imports: Vec<raw::HostImport>,
    _borrow: std::marker::PhantomData<&'a Config>,
}

impl Config {
    /// The default configuration.
    pub fn new() -> Config {
        Config {
            args: Vec::new(),
            env: Vec::new(),
            preopens: Vec::new(),
            stdio: Default::default(),
            return_on_exit: true,
            max_wasm_stack: 0,
            imports: Vec::new(),
            invalid: None,
        }
    }

    fn c_string(&mut self, bytes: &[u8], what: &str) -> CString {
        CString::new(bytes).unwrap_or_else(|_| {
            self.invalid.get_or_insert_with(|| {
                format!(
                    "{what} {:?} contains a NUL byte",
                    String::from_utf8_lossy(bytes)
                )
            });
            CString::default()
        })
    }

    /// Appends a command-line argument (the first is the program name, `argv[0]`).
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Config {
        let arg = self.c_string(arg.as_ref().as_bytes(), "argument");
        self.args.push(arg);
        self
    }

    /// Appends command-line arguments.
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(&mut self, args: I) -> &mut Config {
        for arg in args {
            self.arg(arg);
        }
        self
    }

    /// Gives the guest the environment variable `name=value`.
    pub fn env(&mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Config {
        let name = name.as_ref().as_bytes();
        if name.is_empty() || name.contains(&b'=') {
            self.invalid.get_or_insert_with(|| {
                format!(
                    "environment variable name {:?} is empty or contains `=`",
                    String::from_utf8_lossy(name)
                )
            });
        }
        let entry = [name, b"=", value.as_ref().as_bytes()].concat();
        let entry = self.c_string(&entry, "environment entry");
        self.env.push(entry);
        self
    }

    /// Lets the guest use the host directory `host` under the name `guest` (guest fds
    /// 3, 4, ... in order). The directory is opened when the instance is created.
    pub fn preopen(&mut self, host: impl AsRef<Path>, guest: &str) -> &mut Config {
        let host = self.c_string(host.as_ref().as_os_str().as_bytes(), "preopened directory");
        let guest = self.c_string(guest.as_bytes(), "guest path");
        self.preopens.push((host, guest));
        self
    }

    /// What the guest's stdin (fd 0) is.
    pub fn stdin(&mut self, stdio: Stdio) -> &mut Config {
        self.stdio[0] = stdio;
        self
    }

    /// What the guest's stdout (fd 1) is.
    pub fn stdout(&mut self, stdio: Stdio) -> &mut Config {
        self.stdio[1] = stdio;
        self
    }

    /// What the guest's stderr (fd 2) is.
    pub fn stderr(&mut self, stdio: Stdio) -> &mut Config {
        self.stdio[2] = stdio;
        self
    }

    /// Whether `proc_exit` ends the call with [`Error::Exit`] (the default) or ends the
    /// whole process.
    pub fn return_on_exit(&mut self, enabled: bool) -> &mut Config {
        self.return_on_exit = enabled;
        self
    }

    /// Native stack bytes wasm code may use before it traps with "call stack
    /// exhausted" (default 1 MiB; the calling thread's stack must be larger).
    pub fn max_wasm_stack(&mut self, bytes: u64) -> &mut Config {
        self.max_wasm_stack = bytes;
        self
    }

    /// Provides the import `(module, name)` with a host function; its type must match
    /// the import's (checked by [`Instance::new`](crate::Instance::new)). A function for
    /// an import the module does not have is ignored.
    pub fn host_func<F: HostFunction>(&mut self, module: &str, name: &str, func: F) -> &mut Config {
        let module = self.c_string(module.as_bytes(), "import module name");
        let name = self.c_string(name.as_bytes(), "import name");
        self.imports
            .retain(|i| i.module != module || i.name != name);
        self.imports.push(HostImport {
            module,
            name,
            ty: F::ty(),
            func: func.into_raw(),
        });
        self
    }

    /// The C configuration, pointing into `self` and the returned vectors.
    ///
    /// # Errors
    /// The first invalid value given.
    pub(crate) fn to_raw(&self, user_data: *mut std::ffi::c_void) -> Result<RawConfig<'_>> {
        if let Some(invalid) = &self.invalid {
            return Err(Error::Invalid(invalid.clone()));
        }
        let args: Vec<_> = self.args.iter().map(|a| a.as_ptr()).collect();
        let env: Vec<_> = self.env.iter().map(|e| e.as_ptr()).collect();
        let preopens: Vec<_> = self
            .preopens
            .iter()
            .map(|(host, guest)| raw::Preopen {
                host_path: host.as_ptr(),
                guest_path: guest.as_ptr(),
            })
            .collect();
        let imports: Vec<_> = self
            .imports
            .iter()
            .map(|i| raw::HostImport {
                module: i.module.as_ptr(),
                name: i.name.as_ptr(),
                func: Some(i.func),
            })
            .collect();
        let config = raw::Config {
            args: args.as_ptr(),
            args_len: args.len(),
            env: env.as_ptr(),
            env_len: env.len(),
            preopens: preopens.as_ptr(),
            preopens_len: preopens.len(),
            stdin_fd: self.stdio[0].raw(0),
            stdout_fd: self.stdio[1].raw(1),
            stderr_fd: self.stdio[2].raw(2),
            return_on_exit: self.return_on_exit,
            max_wasm_stack: self.max_wasm_stack,
            imports: imports.as_ptr(),
            imports_len: imports.len(),
            user_data,
        };
        Ok(RawConfig {
            config,
            _args: args,
            _env: env,
            _preopens: preopens,
            _imports: imports,
            _borrow: std::marker::PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_c_configuration() {
        let mut config = Config::new();
        config
            .arg("prog")
            .args(["a", "b"])
            .env("K", "V=1")
            .preopen("/tmp", "/t")
            .stdin(Stdio::Closed)
            .return_on_exit(false)
            .max_wasm_stack(1 << 16);
        let raw = config.to_raw(std::ptr::null_mut()).unwrap();
        let c = &raw.config;
        assert_eq!(
            (c.args_len, c.env_len, c.preopens_len, c.imports_len),
            (3, 1, 1, 0)
        );
        assert_eq!((c.stdin_fd, c.stdout_fd, c.stderr_fd), (-1, 1, 2));
        assert!(!c.return_on_exit);
        assert_eq!(c.max_wasm_stack, 1 << 16);
        // SAFETY: the pointers point into `config`, alive here.
        let env = unsafe { std::ffi::CStr::from_ptr(*c.env) };
        assert_eq!(env.to_bytes(), b"K=V=1");
    }

    #[test]
    fn invalid_values_are_reported_at_instantiation() {
        let mut config = Config::new();
        config.arg("a\0b");
        let err = config.to_raw(std::ptr::null_mut()).err().unwrap();
        assert!(
            matches!(&err, Error::Invalid(m) if m.contains("NUL")),
            "{err}"
        );
        let mut config = Config::new();
        config.env("A=B", "c");
        assert!(config.to_raw(std::ptr::null_mut()).is_err());
    }
}
