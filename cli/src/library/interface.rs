//! The C interface of one library: which C name each host import and export gets, and
//! with which C types. The header and the glue code are printed from this.
//!
//! Names: the library's lifecycle functions are `NAME_instance_*`; export `E` becomes
//! `NAME_E` (every character outside `[A-Za-z0-9_]` replaced by `_`), and a mutable
//! global's setter `NAME_E_set`. A name that is already taken (by the API or an earlier
//! export) gets the export's index appended: `NAME_E_3`.

use std::collections::{HashMap, HashSet};

use wasi_aot_abi::host::{c_name_part, host_symbol, wasi_function};
use wasi_aot_compiler::{EntityKind, ModuleInfo, ValType};

/// A host function the library's module imports (not WASI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostImport {
    /// The import's module name.
    pub module: String,
    /// The import's field name.
    pub name: String,
    /// The C symbol found by the naming rule (`M_N`).
    pub symbol: String,
    /// Parameter types (after the vmctx).
    pub params: Vec<ValType>,
    /// The result type, if any.
    pub result: Option<ValType>,
    /// The typedef of a pointer to it: `NAME_M_N_fn`.
    pub fn_type: String,
    /// The helper building its `wasi_aot_host_import`: `NAME_import_M_N`.
    pub helper: String,
}

/// What an export becomes in C.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportItem {
    /// A function wrapper `c_name(instance, params..., results*...)`.
    Func {
        /// The wrapper's name.
        c_name: String,
        /// Parameter types.
        params: Vec<ValType>,
        /// Result types.
        results: Vec<ValType>,
    },
    /// A memory accessor `c_name(instance, size*)`.
    Memory {
        /// The accessor's name.
        c_name: String,
    },
    /// A global getter, and a setter if it is mutable.
    Global {
        /// The getter's name.
        getter: String,
        /// The setter's name (mutable globals).
        setter: Option<String>,
        /// Its type.
        ty: ValType,
    },
    /// `_start` or `_initialize`: run by `NAME_instance_start` / `_initialize`.
    Lifecycle,
    /// Not reachable from C; the reason is printed in the header.
    Unsupported(String),
}

/// One export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// Its position in the module's export list (the index the runtime takes).
    pub index: usize,
    /// Its wasm name.
    pub name: String,
    /// What C sees.
    pub item: ExportItem,
}

/// The C interface of a library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// The prefix of every name (`--name`).
    pub name: String,
    /// The file the module came from (for comments).
    pub source: String,
    /// Host functions, one per distinct `(module, name)`, in import order.
    pub imports: Vec<HostImport>,
    /// Every export, in module order.
    pub exports: Vec<Export>,
}

/// The lifecycle functions every library defines (after the `NAME_` prefix).
pub const LIFECYCLE: [&str; 6] = [
    "instance",
    "instance_new",
    "instance_free",
    "instance_start",
    "instance_initialize",
    "instance_state",
];

/// Checks a `--name`: a C identifier, not in the runtime's own `wasi_aot` namespace.
///
/// # Errors
/// A message saying what is wrong with it.
pub fn check_name(name: &str) -> Result<(), String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "library name `{name}` is not a C identifier (letters, digits and `_`, not \
             starting with a digit); choose one with --name"
        ));
    }
    if name.starts_with("wasi_aot") {
        return Err(format!(
            "library name `{name}` starts with `wasi_aot`, which the runtime's own symbols use"
        ));
    }
    Ok(())
}

/// The library name for an output file when no `--name` is given: its file name
/// without directory, extension and a leading `lib`, made a C identifier.
pub fn default_name(output: &std::path::Path) -> String {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem
        .strip_prefix("lib")
        .filter(|s| !s.is_empty())
        .unwrap_or(&stem);
    let mut name = c_name_part(stem);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// Hands out unique C names.
struct Names(HashSet<String>);

impl Names {
    /// `preferred`, or `preferred_N` (N = `index`, then counting up) if it is taken.
    fn claim(&mut self, preferred: String, index: usize) -> String {
        let mut name = preferred.clone();
        let mut n = index;
        while !self.0.insert(name.clone()) {
            name = format!("{preferred}_{n}");
            n += 1;
        }
        name
    }
}

impl Interface {
    /// Names everything in `info` for the library `name` (a checked C identifier). The
    /// imports must have passed `imports::bind_library`; `globals` gives the type and
    /// mutability of each exported global by export name.
    pub fn new(
        name: &str,
        source: &str,
        info: &ModuleInfo,
        globals: &HashMap<String, (ValType, bool)>,
    ) -> Interface {
        let mut names = Names(LIFECYCLE.iter().map(|f| format!("{name}_{f}")).collect());
        let mut imports: Vec<HostImport> = Vec::new();
        for import in &info.imports {
            let EntityKind::Func { params, results } = &import.kind else {
                continue;
            };
            let seen = imports
                .iter()
                .any(|h| h.module == import.module && h.name == import.name);
            if seen || wasi_function(&import.module, &import.name).is_some() {
                continue;
            }
            let symbol = host_symbol(&import.module, &import.name);
            // The header declares the host symbol too: no export may take its name.
            names.0.insert(symbol.clone());
            imports.push(HostImport {
                module: import.module.clone(),
                name: import.name.clone(),
                params: params.clone(),
                result: results.first().copied(),
                fn_type: names.claim(format!("{name}_{symbol}_fn"), imports.len()),
                helper: names.claim(format!("{name}_import_{symbol}"), imports.len()),
                symbol,
            });
        }
        let exports = info
            .exports
            .iter()
            .enumerate()
            .map(|(index, export)| {
                let base = format!("{name}_{}", c_name_part(&export.name));
                let item = match &export.kind {
                    _ if export.name == "_start" || export.name == "_initialize" => {
                        ExportItem::Lifecycle
                    }
                    EntityKind::Func { params, results } => {
                        if params.iter().chain(results).any(|t| *t == ValType::FuncRef) {
                            ExportItem::Unsupported(
                                "a funcref parameter or result cannot cross into C".into(),
                            )
                        } else {
                            ExportItem::Func {
                                c_name: names.claim(base, index),
                                params: params.clone(),
                                results: results.clone(),
                            }
                        }
                    }
                    EntityKind::Memory => ExportItem::Memory {
                        c_name: names.claim(base, index),
                    },
                    EntityKind::Global => match globals.get(&export.name) {
                        Some((ValType::FuncRef, _)) | None => {
                            ExportItem::Unsupported("a funcref global cannot cross into C".into())
                        }
                        Some(&(ty, mutable)) => {
                            let getter = names.claim(base.clone(), index);
                            let setter =
                                mutable.then(|| names.claim(format!("{getter}_set"), index));
                            ExportItem::Global { getter, setter, ty }
                        }
                    },
                    EntityKind::Table => {
                        ExportItem::Unsupported("tables are not accessible from C".into())
                    }
                };
                Export {
                    index,
                    name: export.name.clone(),
                    item,
                }
            })
            .collect();
        Interface {
            name: name.to_string(),
            source: source.to_string(),
            imports,
            exports,
        }
    }

    /// The descriptor symbol the compiler emits for this library.
    pub fn descriptor_symbol(&self) -> String {
        format!("wasi_aot_descriptor_{}", self.name)
    }

    /// The `wasi_aot_module` object the glue defines.
    pub fn module_symbol(&self) -> String {
        format!("wasi_aot_module_{}", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use wasi_aot_compiler::{ExportInfo, ImportInfo};
    use ValType::{ExternRef, FuncRef, I32, I64};

    fn func(params: &[ValType], results: &[ValType]) -> EntityKind {
        EntityKind::Func {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }

    fn export(name: &str, kind: EntityKind) -> ExportInfo {
        ExportInfo {
            name: name.into(),
            kind,
        }
    }

    #[test]
    fn names_and_collisions() {
        let info = ModuleInfo {
            imports: vec![
                ImportInfo {
                    module: "wasi_snapshot_preview1".into(),
                    name: "fd_write".into(),
                    kind: func(&[I32, I32, I32, I32], &[I32]),
                },
                ImportInfo {
                    module: "env".into(),
                    name: "log".into(),
                    kind: func(&[I32, I32], &[]),
                },
                ImportInfo {
                    module: "env".into(),
                    name: "log".into(),
                    kind: func(&[I32, I32], &[]),
                },
            ],
            exports: vec![
                export("memory", EntityKind::Memory),
                export("_initialize", func(&[], &[])),
                export("add", func(&[I32, I32], &[I32])),
                export("a-b", func(&[], &[])),
                export("a_b", func(&[], &[I64])),
                export("instance_new", func(&[], &[])),
                export("counter", EntityKind::Global),
                export("counter_set", func(&[], &[])),
                export("table", EntityKind::Table),
                export("take", func(&[FuncRef], &[])),
                export("keep", func(&[ExternRef], &[ExternRef])),
            ],
        };
        let globals = HashMap::from([("counter".to_string(), (I32, true))]);
        let iface = Interface::new("calc", "calc.wasm", &info, &globals);
        assert_eq!(iface.imports.len(), 1);
        assert_eq!(iface.imports[0].symbol, "env_log");
        assert_eq!(iface.imports[0].fn_type, "calc_env_log_fn");
        assert_eq!(iface.imports[0].helper, "calc_import_env_log");
        let c_names: Vec<String> = iface
            .exports
            .iter()
            .map(|e| match &e.item {
                ExportItem::Func { c_name, .. } | ExportItem::Memory { c_name } => c_name.clone(),
                ExportItem::Global { getter, setter, .. } => {
                    format!("{getter}+{}", setter.as_deref().unwrap_or("-"))
                }
                ExportItem::Lifecycle => "lifecycle".into(),
                ExportItem::Unsupported(_) => "unsupported".into(),
            })
            .collect();
        assert_eq!(
            c_names,
            [
                "calc_memory",
                "lifecycle",
                "calc_add",
                "calc_a_b",
                "calc_a_b_4",
                "calc_instance_new_5",
                "calc_counter+calc_counter_set",
                "calc_counter_set_7",
                "unsupported",
                "unsupported",
                "calc_keep",
            ]
        );
        assert_eq!(iface.descriptor_symbol(), "wasi_aot_descriptor_calc");
        assert_eq!(iface.module_symbol(), "wasi_aot_module_calc");
    }

    #[test]
    fn exports_avoid_host_symbols() {
        let info = ModuleInfo {
            imports: vec![ImportInfo {
                module: "env".into(),
                name: "log".into(),
                kind: func(&[I32], &[]),
            }],
            exports: vec![export("log", func(&[], &[]))],
        };
        let iface = Interface::new("env", "env.wasm", &info, &HashMap::new());
        assert_eq!(
            iface.exports[0].item,
            ExportItem::Func {
                c_name: "env_log_0".into(),
                params: vec![],
                results: vec![]
            }
        );
    }

    #[test]
    fn library_names() {
        assert_eq!(default_name(Path::new("out/libcalc.a")), "calc");
        assert_eq!(default_name(Path::new("calc.o")), "calc");
        assert_eq!(default_name(Path::new("lib.a")), "lib");
        assert_eq!(default_name(Path::new("my-lib.v2.a")), "my_lib_v2");
        assert_eq!(default_name(Path::new("libsk\u{e5}l.a")), "sk_l");
        assert_eq!(default_name(Path::new("2d.a")), "_2d");
        assert!(check_name("calc").is_ok());
        assert!(check_name("_x9").is_ok());
        assert!(check_name("9x").is_err());
        assert!(check_name("a-b").is_err());
        assert!(check_name("").is_err());
        assert!(check_name("wasi_aot_x").is_err());
    }
}
