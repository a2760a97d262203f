//! The module environment: everything the translator and the descriptor emitter need
//! from a module's sections, gathered in one pass over the (already validated) binary.

use std::collections::HashMap;

use wasi_aot_abi::constexpr::ConstOp;
use wasi_aot_abi::descriptor::val_type;
use wasmparser::{
    ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind, FuncType, FunctionBody,
    GlobalType, KnownCustom, MemoryType, Name, Operator, Parser, Payload, RefType, TableType,
    TypeRef, ValType,
};

use crate::CompileError;

/// Limits this compiler enforces beyond wasmparser's own, so that the vmctx layout and
/// descriptor arithmetic stay within `u32`.
const MAX_ENTITIES: usize = 1_000_000;

/// A function, table, memory or global import.
#[derive(Debug, Clone)]
pub struct Import<'a> {
    /// Module name.
    pub module: &'a str,
    /// Field name.
    pub name: &'a str,
    /// What is imported.
    pub ty: TypeRef,
}

/// A data segment.
#[derive(Debug, Clone)]
pub struct DataSegment<'a> {
    /// The bytes to copy.
    pub bytes: &'a [u8],
    /// `Some((memory, offset expression))` for active segments.
    pub active: Option<(u32, Vec<u8>)>,
}

/// An element segment.
#[derive(Debug, Clone)]
pub struct ElemSegment {
    /// A `wasi_aot_abi::descriptor::segment_mode` value.
    pub mode: u32,
    /// Target table and offset expression (active segments).
    pub table: u32,
    /// Encoded offset expression (active segments).
    pub offset: Vec<u8>,
    /// Element type as a `val_type` code.
    pub elem_type: u8,
    /// Encoded item expressions, concatenated.
    pub items: Vec<u8>,
    /// Number of items.
    pub count: u32,
}

/// The parsed module.
pub struct ModuleEnv<'a> {
    /// Function types by type index.
    pub types: Vec<FuncType>,
    /// Imports in module order.
    pub imports: Vec<Import<'a>>,
    /// Type index of every function (imported first).
    pub funcs: Vec<u32>,
    /// Number of imported functions.
    pub num_imported_funcs: u32,
    /// Every table (imported first).
    pub tables: Vec<TableType>,
    /// Encoded initial-element expressions of defined tables (empty: null).
    pub table_inits: Vec<Vec<u8>>,
    /// Number of imported tables.
    pub num_imported_tables: u32,
    /// Every memory (imported first).
    pub memories: Vec<MemoryType>,
    /// Number of imported memories.
    pub num_imported_memories: u32,
    /// Every global (imported first).
    pub globals: Vec<GlobalType>,
    /// Encoded initialisers of defined globals.
    pub global_inits: Vec<Vec<u8>>,
    /// Number of imported globals.
    pub num_imported_globals: u32,
    /// Exports in module order.
    pub exports: Vec<(&'a str, ExternalKind, u32)>,
    /// The start function.
    pub start: Option<u32>,
    /// Element segments.
    pub elems: Vec<ElemSegment>,
    /// Data segments.
    pub data: Vec<DataSegment<'a>>,
    /// Bodies of defined functions.
    pub bodies: Vec<FunctionBody<'a>>,
    /// Function names from the name section.
    pub func_names: HashMap<u32, &'a str>,
    /// Module name from the name section.
    pub module_name: Option<&'a str>,
}

fn invalid(e: wasmparser::BinaryReaderError) -> CompileError {
    CompileError::Invalid {
        message: e.message().to_string(),
        offset: e.offset(),
    }
}

fn check_table(ty: &TableType) -> Result<(), CompileError> {
    let max = wasi_aot_abi::MAX_TABLE_ELEMENTS;
    if ty.initial > max {
        return Err(CompileError::Limit(format!(
            "a table of {} elements (at most {max} are supported)",
            ty.initial
        )));
    }
    Ok(())
}

fn check_count(what: &str, count: usize) -> Result<(), CompileError> {
    if count > MAX_ENTITIES {
        return Err(CompileError::Limit(format!(
            "{count} {what} (at most {MAX_ENTITIES} are supported)"
        )));
    }
    Ok(())
}

/// The `val_type` code of a value type.
pub fn val_type_code(ty: ValType) -> u8 {
    match ty {
        ValType::I32 => val_type::I32,
        ValType::I64 => val_type::I64,
        ValType::F32 => val_type::F32,
        ValType::F64 => val_type::F64,
        ValType::V128 => val_type::V128,
        ValType::Ref(r) => ref_type_code(r),
    }
}

/// The `val_type` code of a reference type (`funcref` or `externref`).
pub fn ref_type_code(r: RefType) -> u8 {
    if r.is_func_ref() {
        val_type::FUNCREF
    } else {
        val_type::EXTERNREF
    }
}

/// Encodes a constant expression in the runtime's fixed-width form.
pub fn encode_const_expr(expr: &ConstExpr<'_>) -> Result<Vec<u8>, CompileError> {
    let mut out = Vec::new();
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let (op, offset) = reader.read_with_offset().map_err(invalid)?;
        let op = match op {
            Operator::I32Const { value } => ConstOp::I32Const(value),
            Operator::I64Const { value } => ConstOp::I64Const(value),
            Operator::F32Const { value } => ConstOp::F32Const(value.bits()),
            Operator::F64Const { value } => ConstOp::F64Const(value.bits()),
            Operator::V128Const { value } => ConstOp::V128Const(*value.bytes()),
            Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            Operator::RefNull { hty } => ConstOp::RefNull(
                if matches!(
                    hty,
                    wasmparser::HeapType::Abstract {
                        ty: wasmparser::AbstractHeapType::Func,
                        ..
                    }
                ) {
                    val_type::FUNCREF
                } else {
                    val_type::EXTERNREF
                },
            ),
            Operator::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            Operator::I32Add => ConstOp::I32Add,
            Operator::I32Sub => ConstOp::I32Sub,
            Operator::I32Mul => ConstOp::I32Mul,
            Operator::I64Add => ConstOp::I64Add,
            Operator::I64Sub => ConstOp::I64Sub,
            Operator::I64Mul => ConstOp::I64Mul,
            Operator::End => ConstOp::End,
            other => {
                return Err(CompileError::Unsupported(format!(
                    "constant expression instruction {other:?} at byte offset {offset:#x}"
                )))
            }
        };
        op.encode(&mut out);
    }
    Ok(out)
}

impl<'a> ModuleEnv<'a> {
    /// Parses a module that has already passed validation.
    pub fn parse(wasm: &'a [u8]) -> Result<Self, CompileError> {
        let mut env = ModuleEnv {
            types: Vec::new(),
            imports: Vec::new(),
            funcs: Vec::new(),
            num_imported_funcs: 0,
            tables: Vec::new(),
            table_inits: Vec::new(),
            num_imported_tables: 0,
            memories: Vec::new(),
            num_imported_memories: 0,
            globals: Vec::new(),
            global_inits: Vec::new(),
            num_imported_globals: 0,
            exports: Vec::new(),
            start: None,
            elems: Vec::new(),
            data: Vec::new(),
            bodies: Vec::new(),
            func_names: HashMap::new(),
            module_name: None,
        };
        for payload in Parser::new(0).parse_all(wasm) {
            env.section(payload.map_err(invalid)?)?;
        }
        for (what, n) in [
            ("types", env.types.len()),
            ("functions", env.funcs.len()),
            ("tables", env.tables.len()),
            ("memories", env.memories.len()),
            ("globals", env.globals.len()),
        ] {
            check_count(what, n)?;
        }
        Ok(env)
    }

    fn section(&mut self, payload: Payload<'a>) -> Result<(), CompileError> {
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.map_err(invalid)?.into_types() {
                        match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => self.types.push(f.clone()),
                            _ => {
                                return Err(CompileError::Unsupported(
                                    "the GC proposal's struct and array types".into(),
                                ))
                            }
                        }
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(invalid)?;
                    match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            self.funcs.push(t);
                            self.num_imported_funcs += 1;
                        }
                        TypeRef::Table(t) => {
                            check_table(&t)?;
                            self.tables.push(t);
                            self.num_imported_tables += 1;
                        }
                        TypeRef::Memory(m) => {
                            self.memories.push(m);
                            self.num_imported_memories += 1;
                        }
                        TypeRef::Global(g) => {
                            self.globals.push(g);
                            self.num_imported_globals += 1;
                        }
                        TypeRef::Tag(_) => {
                            return Err(CompileError::Unsupported(
                                "the exceptions proposal (tag imports)".into(),
                            ))
                        }
                    }
                    self.imports.push(Import {
                        module: import.module,
                        name: import.name,
                        ty: import.ty,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    self.funcs.push(t.map_err(invalid)?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(invalid)?;
                    let init = match table.init {
                        wasmparser::TableInit::RefNull => Vec::new(),
                        wasmparser::TableInit::Expr(e) => encode_const_expr(&e)?,
                    };
                    check_table(&table.ty)?;
                    self.tables.push(table.ty);
                    self.table_inits.push(init);
                }
            }
            Payload::MemorySection(reader) => {
                for m in reader {
                    self.memories.push(m.map_err(invalid)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g.map_err(invalid)?;
                    self.globals.push(g.ty);
                    self.global_inits.push(encode_const_expr(&g.init_expr)?);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e.map_err(invalid)?;
                    self.exports.push((e.name, e.kind, e.index));
                }
            }
            Payload::StartSection { func, .. } => self.start = Some(func),
            Payload::ElementSection(reader) => {
                for elem in reader {
                    self.elems.push(self.elem_segment(elem.map_err(invalid)?)?);
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data.map_err(invalid)?;
                    let active = match data.kind {
                        DataKind::Passive => None,
                        DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => Some((memory_index, encode_const_expr(&offset_expr)?)),
                    };
                    self.data.push(DataSegment {
                        bytes: data.data,
                        active,
                    });
                }
            }
            Payload::CodeSectionEntry(body) => self.bodies.push(body),
            Payload::CustomSection(section) => {
                if let KnownCustom::Name(names) = section.as_known() {
                    // A malformed name section is not an error (the spec says so):
                    // keep the names read before the problem.
                    for name in names.into_iter().map_while(Result::ok) {
                        match name {
                            Name::Module { name, .. } => self.module_name = Some(name),
                            Name::Function(map) => {
                                for naming in map.into_iter().map_while(Result::ok) {
                                    self.func_names.insert(naming.index, naming.name);
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            Payload::TagSection(_) => {
                return Err(CompileError::Unsupported(
                    "the exceptions proposal is not supported yet".into(),
                ))
            }
            _ => {}
        }
        Ok(())
    }

    fn elem_segment(&self, elem: wasmparser::Element<'a>) -> Result<ElemSegment, CompileError> {
        use wasi_aot_abi::descriptor::segment_mode;
        let (mode, table, offset) = match elem.kind {
            ElementKind::Passive => (segment_mode::PASSIVE, 0, Vec::new()),
            ElementKind::Declared => (segment_mode::DECLARED, 0, Vec::new()),
            ElementKind::Active {
                table_index,
                offset_expr,
            } => (
                segment_mode::ACTIVE,
                table_index.unwrap_or(0),
                encode_const_expr(&offset_expr)?,
            ),
        };
        let mut items = Vec::new();
        let mut count = 0u32;
        let elem_type = match elem.items {
            ElementItems::Functions(funcs) => {
                for f in funcs {
                    ConstOp::RefFunc(f.map_err(invalid)?).encode(&mut items);
                    ConstOp::End.encode(&mut items);
                    count += 1;
                }
                val_type::FUNCREF
            }
            ElementItems::Expressions(ty, exprs) => {
                for e in exprs {
                    items.extend(encode_const_expr(&e.map_err(invalid)?)?);
                    count += 1;
                }
                ref_type_code(ty)
            }
        };
        Ok(ElemSegment {
            mode,
            table,
            offset,
            elem_type,
            items,
            count,
        })
    }

    /// The type of function `index`.
    pub fn func_type(&self, index: u32) -> &FuncType {
        &self.types[self.funcs[index as usize] as usize]
    }

    /// The counts that determine the vmctx layout.
    pub fn vm_counts(&self) -> wasi_aot_abi::vmctx::VMCounts {
        wasi_aot_abi::vmctx::VMCounts {
            types: self.types.len() as u32,
            imported_funcs: self.num_imported_funcs,
            funcs: self.funcs.len() as u32,
            imported_memories: self.num_imported_memories,
            memories: self.memories.len() as u32,
            imported_tables: self.num_imported_tables,
            tables: self.tables.len() as u32,
            imported_globals: self.num_imported_globals,
            globals: self.globals.len() as u32,
        }
    }

    /// The function's display name: from the name section, else `wasm-function[N]`.
    pub fn func_name(&self, index: u32) -> String {
        match self.func_names.get(&index) {
            Some(name) => (*name).to_string(),
            None => format!("wasm-function[{index}]"),
        }
    }
}
