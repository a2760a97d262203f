//! The interface of a module (imports and exports with their types), for tools that
//! decide how to bind imports before compiling.

use wasmparser::{ExternalKind, FuncType, TypeRef, ValType as WasmValType};

use crate::module_env::{Import, ModuleEnv};
use crate::{EntityKind, ExportInfo, ImportInfo, ModuleInfo, ValType};

fn val_type(ty: WasmValType) -> ValType {
    match ty {
        WasmValType::I32 => ValType::I32,
        WasmValType::I64 => ValType::I64,
        WasmValType::F32 => ValType::F32,
        WasmValType::F64 => ValType::F64,
        WasmValType::V128 => ValType::V128,
        WasmValType::Ref(r) if r.is_func_ref() => ValType::FuncRef,
        WasmValType::Ref(_) => ValType::ExternRef,
    }
}

fn func_kind(ty: &FuncType) -> EntityKind {
    EntityKind::Func {
        params: ty.params().iter().map(|t| val_type(*t)).collect(),
        results: ty.results().iter().map(|t| val_type(*t)).collect(),
    }
}

/// Describes an import; `func_type` is its type when it is a function.
pub fn import_info(import: &Import<'_>, func_type: &FuncType) -> ImportInfo {
    let kind = match import.ty {
        TypeRef::Func(_) | TypeRef::FuncExact(_) => func_kind(func_type),
        TypeRef::Table(_) => EntityKind::Table,
        TypeRef::Memory(_) => EntityKind::Memory,
        TypeRef::Global(_) | TypeRef::Tag(_) => EntityKind::Global,
    };
    ImportInfo {
        module: import.module.to_string(),
        name: import.name.to_string(),
        kind,
    }
}

/// Describes every import and export of `env`.
pub fn module_info(env: &ModuleEnv<'_>) -> ModuleInfo {
    let empty = FuncType::new([], []);
    let imports = env
        .imports
        .iter()
        .map(|import| {
            let ty = match import.ty {
                TypeRef::Func(t) | TypeRef::FuncExact(t) => &env.types[t as usize],
                _ => &empty,
            };
            import_info(import, ty)
        })
        .collect();
    let exports = env
        .exports
        .iter()
        .map(|(name, kind, index)| ExportInfo {
            name: name.to_string(),
            kind: match kind {
                ExternalKind::Func | ExternalKind::FuncExact => func_kind(env.func_type(*index)),
                ExternalKind::Table => EntityKind::Table,
                ExternalKind::Memory => EntityKind::Memory,
                ExternalKind::Global | ExternalKind::Tag => EntityKind::Global,
            },
        })
        .collect();
    ModuleInfo { imports, exports }
}
