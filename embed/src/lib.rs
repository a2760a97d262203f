//! Safe Rust API for wasm modules compiled by `wasi-aot build --lib`.
//!
//! A Rust program links the library (built with `--no-runtime`: the runtime comes
//! with this crate) and names its module with [`module!`]:
//!
//! ```text
//! // build.rs: wasi-aot build --lib textstats.wasm --no-runtime -o $OUT_DIR/libtextstats.a
//! //           println!("cargo:rustc-link-search=native={out_dir}");
//! //           println!("cargo:rustc-link-lib=static=textstats");
//! use wasi_aot_embed::{Caller, Config, Instance};
//!
//! extern "C" fn log(caller: Caller<'_>, ptr: i32, len: i32) {
//!     if let Some(text) = caller.memory().get(ptr as usize..).and_then(|m| m.get(..len as usize)) {
//!         println!("{}", String::from_utf8_lossy(text));
//!     }
//! }
//!
//! let module = wasi_aot_embed::module!(textstats);
//! let mut config = Config::new();
//! config.host_func("host", "log", log as extern "C" fn(Caller<'_>, i32, i32));
//! let mut instance = Instance::new(module, &config)?;
//! instance.initialize()?;
//! let words: i32 = instance.call("count_words", (ptr, len))?;
//! ```
//!
//! `examples/host-rust` in the repository is a complete program.
//!
//! - [`Module`]: a compiled module linked into the program, with its import and export
//!   types.
//! - [`Config`]: one instance's WASI setup (arguments, environment, preopened
//!   directories, stdio, `proc_exit` behaviour) and host functions.
//! - [`Instance`]: calls (typed with [`Instance::call`] and [`TypedFunc`], or with
//!   [`Val`]s), `start`/`initialize`, memories as slices borrowed from the instance (so
//!   no call can run while one is held), globals, and host data.
//! - [`Caller`]: what a host function sees of the instance that called it.
//! - [`Error`]: traps, exits, poisoned instances, link and usage errors.
//!
//! Everything goes through the runtime's C ABI (`wasi_aot_runtime::embed`), the same
//! functions C hosts call; the unsafe code is in `module.rs`, `instance.rs` and
//! `host.rs`, each block with its reason.

mod config;
mod error;
mod host;
mod instance;
mod module;
mod values;

pub use config::{Config, Stdio};
pub use error::{Error, Result};
pub use host::{Caller, HostFunction, HostParam, HostResult};
pub use instance::{Instance, State, TypedFunc};
pub use module::{ExportType, ExternKind, FuncType, GlobalType, ImportType, Module};
pub use values::{ExternRef, Val, ValType, WasmParams, WasmResults, WasmTy};
pub use wasi_aot_abi::trap::Trap as TrapCode;

/// The runtime's module object (`wasi_aot_module_NAME`), for [`module!`].
#[doc(hidden)]
pub use wasi_aot_runtime::embed::library::LibraryModule as RawModule;

/// The [`Module`] of the library built with `wasi-aot build --lib ... --name NAME`
/// (by default NAME is the output file's name without `lib` and extension), which the
/// program must link.
///
/// ```text
/// let module: wasi_aot_embed::Module = wasi_aot_embed::module!(textstats);
/// ```
#[macro_export]
macro_rules! module {
    ($name:ident) => {{
        extern "C" {
            #[link_name = concat!("wasi_aot_module_", stringify!($name))]
            static MODULE: $crate::RawModule;
        }
        // SAFETY: `wasi_aot_module_NAME` is the module object of the library wasi-aot
        // built under that name (the prefix is reserved for it), static data that lives
        // as long as the program.
        unsafe { $crate::Module::from_raw(&raw const MODULE) }
    }};
}
