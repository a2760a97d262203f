//! Compiled modules linked into the program, and their import and export types.

use std::ffi::CStr;

use wasi_aot_abi::descriptor::extern_kind;
use wasi_aot_runtime::embed::library::{self, ExternType, LibraryModule};
use wasi_aot_runtime::embed::Status;

use crate::{Error, Result, ValType};

/// A compiled module linked into this program (see [`module!`](crate::module)).
#[derive(Clone, Copy)]
pub struct Module {
    raw: &'static LibraryModule,
}

// SAFETY: a module object is immutable static data (its pointers lead to more static
// data and to functions), so any thread may read it.
unsafe impl Send for Module {}
// SAFETY: as above.
unsafe impl Sync for Module {}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.name())
            .finish()
    }
}

impl PartialEq for Module {
    fn eq(&self, other: &Module) -> bool {
        std::ptr::eq(self.raw, other.raw)
    }
}

impl Eq for Module {}

/// A function type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncType {
    /// Parameter types.
    pub params: Vec<ValType>,
    /// Result types.
    pub results: Vec<ValType>,
}

impl std::fmt::Display for FuncType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |types: &[ValType]| {
            types
                .iter()
                .map(ValType::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        };
        write!(f, "[{}] -> [{}]", list(&self.params), list(&self.results))
    }
}

/// A global's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalType {
    /// Its value type.
    pub content: ValType,
    /// Whether it is mutable.
    pub mutable: bool,
}

/// What an import or export is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternKind {
    /// A function.
    Func(FuncType),
    /// A table.
    Table,
    /// A memory.
    Memory,
    /// A global.
    Global(GlobalType),
}

/// One export of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportType {
    /// Its position in the module's export list.
    pub index: usize,
    /// Its name.
    pub name: &'static str,
    /// What it is.
    pub kind: ExternKind,
}

/// One import of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportType {
    /// The module name.
    pub module: &'static str,
    /// The field name.
    pub name: &'static str,
    /// What it is.
    pub kind: ExternKind,
}

/// A `len`-byte name in the module's static data (lossy for non-UTF-8, which
/// validation rules out).
///
/// # Safety
/// `ptr` must point to `len` bytes of static data (or `len` be 0).
unsafe fn static_str(ptr: *const u8, len: usize) -> &'static str {
    if len == 0 {
        return "";
    }
    // SAFETY: guaranteed by the caller.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).unwrap_or("<invalid UTF-8>")
}

/// The value types at `ptr` (`len` codes of static data).
///
/// # Safety
/// As for [`static_str`].
unsafe fn types(ptr: *const u8, len: usize) -> Vec<ValType> {
    if len == 0 {
        return Vec::new();
    }
    // SAFETY: guaranteed by the caller.
    let codes = unsafe { std::slice::from_raw_parts(ptr, len) };
    codes
        .iter()
        .filter_map(|&c| ValType::from_code(c))
        .collect()
}

/// The kind described by `t`.
fn kind(t: &ExternType) -> ExternKind {
    match u8::try_from(t.kind) {
        // SAFETY: the runtime fills these from the module's static data.
        Ok(extern_kind::FUNC) => ExternKind::Func(unsafe {
            FuncType {
                params: types(t.params, t.params_len),
                results: types(t.results, t.results_len),
            }
        }),
        Ok(extern_kind::GLOBAL) => ExternKind::Global(GlobalType {
            content: ValType::from_code(t.global_type).unwrap_or(ValType::I32),
            mutable: t.global_mutable,
        }),
        Ok(extern_kind::MEMORY) => ExternKind::Memory,
        _ => ExternKind::Table,
    }
}

impl Module {
    /// Wraps a module object.
    ///
    /// # Safety
    /// `raw` must be a `wasi_aot_module_NAME` object defined by a library wasi-aot
    /// built (static data).
    pub unsafe fn from_raw(raw: *const LibraryModule) -> Module {
        Module {
            // SAFETY: guaranteed by the caller.
            raw: unsafe { &*raw },
        }
    }

    /// The runtime's module object.
    pub(crate) fn raw(&self) -> *const LibraryModule {
        self.raw
    }

    /// The library's name (`--name`).
    pub fn name(&self) -> &'static str {
        if self.raw.name.is_null() {
            return "";
        }
        // SAFETY: the name is a static NUL-terminated string of the module object.
        unsafe { CStr::from_ptr(self.raw.name) }
            .to_str()
            .unwrap_or("")
    }

    /// The module's exports, in module order.
    pub fn exports(&self) -> Vec<ExportType> {
        // SAFETY: `raw` is a module object (constructor's contract).
        let count = unsafe { library::wasi_aot_module_export_count(self.raw) };
        (0..count)
            .filter_map(|index| {
                let mut t = ExternType::default();
                // SAFETY: `index` is in range; `t` is writable.
                let status = unsafe { library::wasi_aot_module_export(self.raw, index, &mut t) };
                (status == Status::Ok).then(|| ExportType {
                    index,
                    // SAFETY: export names are static data of the module.
                    name: unsafe { static_str(t.name, t.name_len) },
                    kind: kind(&t),
                })
            })
            .collect()
    }

    /// The module's imports, in module order.
    pub fn imports(&self) -> Vec<ImportType> {
        // SAFETY: `raw` is a module object (constructor's contract).
        let count = unsafe { library::wasi_aot_module_import_count(self.raw) };
        (0..count)
            .filter_map(|index| {
                let mut t = ExternType::default();
                // SAFETY: `index` is in range; `t` is writable.
                let status = unsafe { library::wasi_aot_module_import(self.raw, index, &mut t) };
                (status == Status::Ok).then(|| ImportType {
                    // SAFETY: import names are static data of the module.
                    module: unsafe { static_str(t.module, t.module_len) },
                    // SAFETY: as above.
                    name: unsafe { static_str(t.name, t.name_len) },
                    kind: kind(&t),
                })
            })
            .collect()
    }

    /// The export called `name`.
    ///
    /// # Errors
    /// [`Error::Invalid`] if there is none.
    pub fn export(&self, name: &str) -> Result<ExportType> {
        let mut index = 0;
        // SAFETY: `raw` is a module object; `name` is readable for its length; `index`
        // is writable.
        let status = unsafe {
            library::wasi_aot_module_find_export(self.raw, name.as_ptr(), name.len(), &mut index)
        };
        if status != Status::Ok {
            return Err(Error::Invalid(format!(
                "module `{}` has no export named {name:?}",
                self.name()
            )));
        }
        let mut t = ExternType::default();
        // SAFETY: `index` is in range; `t` is writable.
        Error::check(unsafe { library::wasi_aot_module_export(self.raw, index, &mut t) })?;
        Ok(ExportType {
            index,
            // SAFETY: export names are static data of the module.
            name: unsafe { static_str(t.name, t.name_len) },
            kind: kind(&t),
        })
    }
}
