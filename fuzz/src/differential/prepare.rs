//! Adjustments to a generated module before both engines see it.

use std::convert::Infallible;

use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{
    AbstractHeapType, CodeSection, ExportKind, ExportSection, Function, FunctionSection,
    Instruction, Module, TypeSection,
};
use wasmparser::Parser;

/// Name of the export [`prepare`] adds: a function that refills the fuel global.
pub const REFUEL: &str = "wasi-aot-differential refuel";

/// Re-encodes a `wasm-smith` module whose fuel global (from `ensure_termination`) is
/// `fuel_global`:
///
/// - every `externref` becomes `funcref`. The `wasmtime` crate of this fuzz crate is
///   built without its `gc` feature, which `externref` needs; with no imports every
///   `externref` a module sees is null, and the module stays valid and behaves the
///   same with `funcref`s, so wasm-smith's reference-types code still runs;
/// - a function exported as [`REFUEL`] sets the fuel global back to `fuel`, so every
///   call of a session starts with full fuel instead of the first loop using up what
///   all later calls would need (they would all trap as `unreachable`).
///
/// A module without functions has nothing to refuel and gets no such export.
pub fn prepare(wasm: &[u8], fuel_global: u32, fuel: u32) -> Vec<u8> {
    let mut prepared = Prepared {
        fuel_global,
        fuel,
        refuel_type: 0,
        refuel_func: None,
    };
    let mut module = Module::new();
    prepared
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .expect("re-encoding a wasm-smith module");
    module.finish()
}

struct Prepared {
    fuel_global: u32,
    fuel: u32,
    refuel_type: u32,
    /// The refuel function's index, once the function section has declared it.
    refuel_func: Option<u32>,
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

    // Sections come in the order type, function, export, code; each addition takes
    // the next index of its space (no imports, and without the GC proposal every
    // type is its own recursion group).
    fn parse_type_section(
        &mut self,
        types: &mut TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        reencode::utils::parse_type_section(self, types, section)?;
        self.refuel_type = types.len();
        types.ty().function([], []);
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        reencode::utils::parse_function_section(self, functions, section)?;
        self.refuel_func = Some(functions.len());
        functions.function(self.refuel_type);
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
        }
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
        Ok(())
    }
}
