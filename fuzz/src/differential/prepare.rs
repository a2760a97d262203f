//! Adjustments to a generated module before both engines see it.

use std::convert::Infallible;

use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{
    AbstractHeapType, CodeSection, ConstExpr, ExportKind, ExportSection, Function, FunctionSection,
    GlobalSection, GlobalType, Instruction, Module, RefType, TypeSection, ValType,
};
use wasmparser::{FunctionBody, Operator, Parser, ValidPayload, Validator};

use super::{FNV_OFFSET, FNV_PRIME};

/// Name of the export [`prepare`] adds: a function that refills the fuel global.
pub(super) const REFUEL: &str = "wasi-aot-differential refuel";

/// Name of the exported global [`prepare`] adds: a hash of every dropped value.
pub(super) const SINK: &str = "wasi-aot-differential sink";

/// Re-encodes a `wasm-smith` module whose fuel global (from `ensure_termination`) is
/// `fuel_global`:
///
/// - every `externref` becomes `funcref`. The `wasmtime` crate of this fuzz crate is
///   built without its `gc` feature, which `externref` needs; with no imports every
///   `externref` a module sees is null, and the module stays valid and behaves the
///   same with `funcref`s, so wasm-smith's reference-types code still runs;
/// - a function exported as [`REFUEL`] sets the fuel global back to `fuel`, so every
///   call of a session starts with full fuel instead of the first loop using up what
///   all later calls would need (they would all trap as `unreachable`);
/// - every reachable `drop` becomes a call that mixes the value into the global
///   exported as [`SINK`] (FNV-1a over its bits; a reference by whether it is null).
///   wasm-smith balances its stacks with `drop`s, so most of what a body computes
///   would otherwise be thrown away unseen (and compiled away by both engines).
///
/// A module without functions has nothing to refuel or sink and gets no functions.
pub(super) fn prepare(wasm: &[u8], fuel_global: u32, fuel: u32) -> Vec<u8> {
    let mut prepared = Prepared {
        fuel_global,
        fuel,
        drops: drop_types(wasm),
        bodies: 0,
        refuel_type: 0,
        refuel_func: None,
        sink_global: 0,
    };
    let mut module = Module::new();
    prepared
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .expect("re-encoding a wasm-smith module");
    module.finish()
}

/// The type of a dropped value, as the sink functions take it: one function each,
/// in this order.
#[derive(Clone, Copy)]
enum Sink {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref,
}

const SINKS: [Sink; 6] = [
    Sink::I32,
    Sink::I64,
    Sink::F32,
    Sink::F64,
    Sink::V128,
    Sink::Ref,
];

impl Sink {
    fn of(ty: wasmparser::ValType) -> Sink {
        match ty {
            wasmparser::ValType::I32 => Sink::I32,
            wasmparser::ValType::I64 => Sink::I64,
            wasmparser::ValType::F32 => Sink::F32,
            wasmparser::ValType::F64 => Sink::F64,
            wasmparser::ValType::V128 => Sink::V128,
            wasmparser::ValType::Ref(_) => Sink::Ref,
        }
    }

    fn param(self) -> ValType {
        match self {
            Sink::I32 => ValType::I32,
            Sink::I64 => ValType::I64,
            Sink::F32 => ValType::F32,
            Sink::F64 => ValType::F64,
            Sink::V128 => ValType::V128,
            Sink::Ref => ValType::Ref(RefType::FUNCREF),
        }
    }

    /// The body: `sink = (sink ^ word) * prime` for each 64-bit word of the value.
    fn body(self, sink_global: u32) -> Function {
        let mut f = Function::new([]);
        let words: &[&[Instruction<'static>]] = match self {
            Sink::I32 => &[&[Instruction::I64ExtendI32U]],
            Sink::I64 => &[&[]],
            Sink::F32 => &[&[Instruction::I32ReinterpretF32, Instruction::I64ExtendI32U]],
            Sink::F64 => &[&[Instruction::I64ReinterpretF64]],
            Sink::V128 => &[
                &[Instruction::I64x2ExtractLane(0)],
                &[Instruction::I64x2ExtractLane(1)],
            ],
            Sink::Ref => &[&[Instruction::RefIsNull, Instruction::I64ExtendI32U]],
        };
        f.instruction(&Instruction::GlobalGet(sink_global));
        for word in words {
            f.instruction(&Instruction::LocalGet(0));
            for i in *word {
                f.instruction(i);
            }
            f.instruction(&Instruction::I64Xor)
                .instruction(&Instruction::I64Const(FNV_PRIME as i64))
                .instruction(&Instruction::I64Mul);
        }
        f.instruction(&Instruction::GlobalSet(sink_global))
            .instruction(&Instruction::End);
        f
    }
}

/// For each function body, the type of each of its `drop`s in order (`None` in
/// unreachable code, where the operand has no type), found by validating `wasm`.
fn drop_types(wasm: &[u8]) -> Vec<Vec<Option<Sink>>> {
    let mut validator = Validator::new();
    let mut bodies = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.expect("a module wasm-smith encoded");
        let valid = validator
            .payload(&payload)
            .expect("a valid wasm-smith module");
        let ValidPayload::Func(func, body) = valid else {
            continue;
        };
        let mut func = func.into_validator(Default::default());
        let mut locals = body.get_binary_reader();
        func.read_locals(&mut locals).expect("valid locals");
        let mut drops = Vec::new();
        let mut ops = body.get_operators_reader().expect("a valid body");
        while !ops.eof() {
            let (op, offset) = ops.read_with_offset().expect("a valid body");
            if matches!(op, Operator::Drop) {
                drops.push(func.get_operand_type(0).flatten().map(Sink::of));
            }
            func.op(offset, &op).expect("a valid body");
        }
        bodies.push(drops);
    }
    bodies
}

struct Prepared {
    fuel_global: u32,
    fuel: u32,
    /// [`drop_types`] of the module.
    drops: Vec<Vec<Option<Sink>>>,
    /// Function bodies re-encoded so far.
    bodies: usize,
    /// The refuel function's type; the sink functions' types follow it.
    refuel_type: u32,
    /// The refuel function's index, once the function section has declared it; the
    /// sink functions follow it.
    refuel_func: Option<u32>,
    sink_global: u32,
}

impl Prepared {
    fn sink_func(&self, sink: Sink) -> u32 {
        self.refuel_func
            .expect("functions are declared before bodies")
            + 1
            + sink as u32
    }
}

impl Reencode for Prepared {
    type Error = Infallible;

    fn abstract_heap_type(
        &mut self,
        value: wasmparser::AbstractHeapType,
    ) -> Result<AbstractHeapType, reencode::Error<Infallible>> {
        Ok(match value {
            wasmparser::AbstractHeapType::Extern => AbstractHeapType::Func,
            other => reencode::utils::abstract_heap_type(self, other),
        })
    }

    // Sections come in the order type, function, global, export, code; each addition
    // takes the next indices of its space (no imports, and without the GC proposal
    // every type is its own recursion group). The fuel global guarantees a global
    // section.
    fn parse_type_section(
        &mut self,
        types: &mut TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        reencode::utils::parse_type_section(self, types, section)?;
        self.refuel_type = types.len();
        types.ty().function([], []);
        for sink in SINKS {
            types.ty().function([sink.param()], []);
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        reencode::utils::parse_function_section(self, functions, section)?;
        self.refuel_func = Some(functions.len());
        for i in 0..=SINKS.len() as u32 {
            functions.function(self.refuel_type + i);
        }
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        reencode::utils::parse_global_section(self, globals, section)?;
        self.sink_global = globals.len();
        let ty = GlobalType {
            val_type: ValType::I64,
            mutable: true,
            shared: false,
        };
        globals.global(ty, &ConstExpr::i64_const(FNV_OFFSET as i64));
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        reencode::utils::parse_export_section(self, exports, section)?;
        if let Some(refuel) = self.refuel_func {
            exports.export(REFUEL, ExportKind::Func, refuel);
            exports.export(SINK, ExportKind::Global, self.sink_global);
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        body: FunctionBody<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        let drops = std::mem::take(&mut self.drops[self.bodies]);
        self.bodies += 1;
        let mut f = self.new_function_with_parsed_locals(&body)?;
        let mut ops = body.get_operators_reader()?;
        let mut drops = drops.into_iter();
        while !ops.eof() {
            let op = ops.read()?;
            if matches!(op, Operator::Drop) {
                if let Some(sink) = drops.next().flatten() {
                    f.instruction(&Instruction::Call(self.sink_func(sink)));
                    continue;
                }
            }
            f.instruction(&self.instruction(op)?);
        }
        code.function(&f);
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        reencode::utils::parse_code_section(self, code, section)?;
        let mut refuel = Function::new([]);
        refuel
            .instruction(&Instruction::I32Const(self.fuel as i32))
            .instruction(&Instruction::GlobalSet(self.fuel_global))
            .instruction(&Instruction::End);
        code.function(&refuel);
        for sink in SINKS {
            code.function(&sink.body(self.sink_global));
        }
        Ok(())
    }
}
