//! The compilation pipeline: validate, parse, declare every symbol, translate and
//! compile defined functions in parallel, then emit helpers and the descriptor in a
//! deterministic order.

use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, Mutex, PoisonError};

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{self, UserFuncName};
use cranelift_codegen::Context;
use cranelift_codegen::{Final, MachSrcLoc};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{
    default_libcall_names, FuncId, Linkage, Module, ModuleReloc, ModuleRelocTarget,
};
use cranelift_object::object::write::StandardSection;
use cranelift_object::{ObjectBuilder, ObjectModule, ObjectProduct};
use rayon::prelude::*;
use wasi_aot_abi::builtins;
use wasi_aot_abi::descriptor::{CallRecord, TrapRecord, EXEC_CONFIG_SYMBOL};
use wasi_aot_abi::vmctx::VMOffsets;
use wasmparser::{FuncType, FunctionBody, TypeRef, Validator, WasmFeatures};

use crate::emit::{define_bytes, define_descriptor, DescriptorInputs, FunctionCode};
use crate::environ::{
    builtin_signature, trap_from_code, wasm_signature, Callee, ModuleTranslation,
};
use crate::inline::{inline_callees, SmallLeaves};
use crate::inlined_sites::InlinedSites;
use crate::module_env::ModuleEnv;
use crate::placement;
use crate::trampolines;
use crate::translate::{recognize_multi3, FuncTranslator};
use crate::{CompileError, CompileOptions, ImportBinding, ImportInfo, ObjectKind, OptLevel};

/// The largest function body compiled, in bytes (wasmparser alone allows 7,654,321).
/// Code generation takes up to about 1.4 KB of memory and 10 µs per byte of body (the
/// costliest shape measured, a body of `call_indirect`s, at this size: 2.7 GB and 28 s
/// on a busy 2-core machine).
pub const MAX_FUNCTION_BODY_BYTES: usize = 2 << 20;

/// The most locals all functions together may declare. Each costs about 0.3 µs to
/// compile however few bytes declare it (one declaration can add 50,000), so without
/// this a few megabytes of declarations would take hours.
pub const MAX_TOTAL_LOCALS: u64 = 10_000_000;

/// The most parameters and results the distinct signatures of the module's functions
/// may have in all. Each such signature gets an array-call trampoline, whose code
/// generation time grows faster than its size (about 40 ms at 1,000 parameters).
pub const MAX_TRAMPOLINE_VALUES: usize = 100_000;

/// Function bodies compile at the same time only while their sizes add up to at most
/// this many bytes, so peak memory stays that of one maximal function (see
/// [`MAX_FUNCTION_BODY_BYTES`]) whatever the number of cores.
const MAX_BODY_BYTES_IN_FLIGHT: usize = MAX_FUNCTION_BODY_BYTES;

/// The WebAssembly features this compiler accepts.
pub fn features() -> WasmFeatures {
    WasmFeatures::WASM2
}

/// The proposals the compiler rejects, with the features each needs, most specific
/// first: [`validate`] names the first whose features get validation past the error.
const UNSUPPORTED_PROPOSALS: &[(&str, WasmFeatures)] = &[
    (
        "exceptions",
        WasmFeatures::EXCEPTIONS.union(WasmFeatures::LEGACY_EXCEPTIONS),
    ),
    ("memory64", WasmFeatures::MEMORY64),
    ("threads", WasmFeatures::THREADS),
    ("multi-memory", WasmFeatures::MULTI_MEMORY),
    ("tail-call", WasmFeatures::TAIL_CALL),
    ("function-references", WasmFeatures::FUNCTION_REFERENCES),
    (
        "gc",
        WasmFeatures::GC
            .union(WasmFeatures::FUNCTION_REFERENCES)
            .union(WasmFeatures::GC_TYPES),
    ),
    ("relaxed-simd", WasmFeatures::RELAXED_SIMD),
    ("extended-const", WasmFeatures::EXTENDED_CONST),
    ("custom-page-sizes", WasmFeatures::CUSTOM_PAGE_SIZES),
    ("wide-arithmetic", WasmFeatures::WIDE_ARITHMETIC),
    ("stack-switching", WasmFeatures::STACK_SWITCHING),
    (
        "shared-everything-threads",
        WasmFeatures::SHARED_EVERYTHING_THREADS,
    ),
    ("memory-control", WasmFeatures::MEMORY_CONTROL),
];

/// Validates `wasm`, reporting the first error with its byte offset. An error that
/// goes away (or moves later) once a proposal is enabled is reported as "the NAME
/// proposal is not supported yet", followed by the validator's own message.
pub fn validate(wasm: &[u8]) -> Result<(), CompileError> {
    let Err(e) = Validator::new_with_features(features()).validate_all(wasm) else {
        return Ok(());
    };
    let needed = UNSUPPORTED_PROPOSALS.iter().find(|(_, extra)| {
        Validator::new_with_features(features().union(*extra))
            .validate_all(wasm)
            .map_or_else(|later| later.offset() > e.offset(), |_| true)
    });
    let message = match needed {
        Some((name, _)) => format!("the {name} proposal is not supported yet ({})", e.message()),
        None => e.message().to_string(),
    };
    Err(CompileError::Invalid {
        message,
        offset: e.offset(),
    })
}

/// Checks the limits on code size that keep compile time and memory linear in the
/// input: [`MAX_FUNCTION_BODY_BYTES`], [`MAX_TOTAL_LOCALS`] and
/// [`MAX_TRAMPOLINE_VALUES`]. Cheap: it reads only body sizes and local declarations.
fn check_code_limits(env: &ModuleEnv<'_>) -> Result<(), CompileError> {
    let mut locals = 0u64;
    for (i, body) in env.bodies.iter().enumerate() {
        let name = || env.func_name(env.num_imported_funcs + i as u32);
        let size = body_size(body);
        if size > MAX_FUNCTION_BODY_BYTES {
            return Err(CompileError::Limit(format!(
                "function {} has a body of {size} bytes (at most {MAX_FUNCTION_BODY_BYTES} \
                 are supported)",
                name()
            )));
        }
        let mut declarations = body.get_locals_reader().map_err(invalid)?;
        for _ in 0..declarations.get_count() {
            locals += u64::from(declarations.read().map_err(invalid)?.0);
        }
        if locals > MAX_TOTAL_LOCALS {
            return Err(CompileError::Limit(format!(
                "the functions through {} declare {locals} locals (at most \
                 {MAX_TOTAL_LOCALS} in all are supported)",
                name()
            )));
        }
    }
    let values: usize = function_signatures(env)
        .iter()
        .map(|ty| ty.params().len() + ty.results().len())
        .sum();
    if values > MAX_TRAMPOLINE_VALUES {
        return Err(CompileError::Limit(format!(
            "the distinct signatures of the functions have {values} parameters and results \
             in all (at most {MAX_TRAMPOLINE_VALUES} are supported)"
        )));
    }
    Ok(())
}

/// Defined-function indices, largest body first (ties in index order): started first,
/// the longest compiles overlap the rest instead of finishing last on one core
/// (wasi-libc's `printf_core` takes 9 of a small module's 14 ms).
fn largest_first(env: &ModuleEnv<'_>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..env.bodies.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(body_size(&env.bodies[i])));
    order
}

/// The size of a function body in bytes (local declarations and code).
fn body_size(body: &FunctionBody<'_>) -> usize {
    let range = body.range();
    (range.end - range.start) as usize
}

fn invalid(e: wasmparser::BinaryReaderError) -> CompileError {
    CompileError::Invalid {
        message: e.message().to_string(),
        offset: e.offset(),
    }
}

/// The distinct signatures of the module's functions (imported and defined), in the
/// order of their first function: the ones that need an array-call trampoline, since
/// the runtime calls a function only through its own type's trampoline.
fn function_signatures<'e>(env: &'e ModuleEnv<'_>) -> Vec<&'e FuncType> {
    let mut seen = HashSet::new();
    env.funcs
        .iter()
        .map(|&t| &env.types[t as usize])
        .filter(|ty| seen.insert(*ty))
        .collect()
}

/// The bytes of function bodies being compiled, which workers wait on to stay within
/// [`MAX_BODY_BYTES_IN_FLIGHT`].
#[derive(Default)]
struct InFlight {
    bytes: Mutex<usize>,
    finished: Condvar,
}

impl InFlight {
    /// Waits until a body of `bytes` (at most [`MAX_BODY_BYTES_IN_FLIGHT`]) may start
    /// compiling, then counts it until the returned guard drops. Cannot deadlock: the
    /// bodies counted are being compiled, which never waits.
    fn enter(&self, bytes: usize) -> InFlightGuard<'_> {
        let mut in_flight = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        while *in_flight + bytes > MAX_BODY_BYTES_IN_FLIGHT {
            in_flight = self
                .finished
                .wait(in_flight)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *in_flight += bytes;
        InFlightGuard {
            in_flight: self,
            bytes,
        }
    }
}

/// One body counted in [`InFlight`].
struct InFlightGuard<'a> {
    in_flight: &'a InFlight,
    bytes: usize,
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        let mut in_flight = self
            .in_flight
            .bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *in_flight -= self.bytes;
        self.in_flight.finished.notify_all();
    }
}

/// A defined function after code generation.
struct CompiledFunction {
    bytes: Vec<u8>,
    alignment: u64,
    relocs: Vec<ModuleReloc>,
    traps: Vec<TrapRecord>,
    calls: Vec<CallRecord>,
    /// Bytes of filler before the first instruction.
    entry_offset: u32,
}

impl CompiledFunction {
    /// The function with `pad` bytes of [`placement::filler_bytes`] before its first
    /// instruction (`id` is its own id). Relocation offsets count from the start of the
    /// bytes, so they move; trap and call offsets count from the entry, which the symbol
    /// will mark once [`move_entry_symbols`] has run, so they stay.
    fn with_entry_padding(mut self, id: FuncId, pad: u32) -> Self {
        if pad == 0 {
            return self;
        }
        let mut bytes = placement::filler_bytes(pad);
        bytes.extend_from_slice(&self.bytes);
        self.bytes = bytes;
        self.entry_offset = pad;
        for reloc in &mut self.relocs {
            reloc.offset += pad;
            // A label in the function itself: cranelift-object places it at the symbol's
            // value (the start of the bytes while the module is built) plus this offset.
            if let ModuleRelocTarget::FunctionOffset(target, offset) = &mut reloc.name {
                if *target == id {
                    *offset += pad;
                }
            }
        }
        self
    }
}

/// Moves each padded function's symbol past its filler to its first instruction, once
/// cranelift-object has placed the code and resolved in-function labels (`entries` holds
/// each function's id and filler length).
fn move_entry_symbols(product: &mut ObjectProduct, entries: &[(FuncId, u32)]) {
    for &(id, pad) in entries.iter().filter(|&&(_, pad)| pad != 0) {
        let (symbol, _) = product.functions[id].expect("defined functions have symbols");
        let symbol = product.object.symbol_mut(symbol);
        symbol.value += u64::from(pad);
        symbol.size -= u64::from(pad);
    }
}

/// The wasm offset of the instruction whose code covers `code_offset`, or `fallback`
/// where no operator set one (prologue, epilogue). `srclocs` is sorted by start and
/// its ranges do not overlap, so a binary search finds the one range that may match:
/// a linear scan per trap or call would make huge functions quadratic.
fn wasm_offset_at(srclocs: &[MachSrcLoc<Final>], code_offset: u32, fallback: u32) -> u32 {
    let i = srclocs.partition_point(|s| s.start <= code_offset);
    i.checked_sub(1)
        .map(|i| &srclocs[i])
        .filter(|s| code_offset < s.end && !s.loc.is_default())
        .map_or(fallback, |s| s.loc.bits())
}

/// Pairs each trap site with the wasm offset of the instruction that produced it (and,
/// for an instruction inlined from a callee, with its origin in `inlined`).
pub(crate) fn trap_records(
    code: &cranelift_codegen::CompiledCode,
    fallback_offset: u32,
    inlined: &InlinedSites,
) -> Vec<TrapRecord> {
    let srclocs = code.buffer.get_srclocs_sorted();
    let mut records: Vec<TrapRecord> = code
        .buffer
        .traps()
        .iter()
        .filter_map(|t| {
            let trap = trap_from_code(t.code)?;
            let location = wasm_offset_at(srclocs, t.offset, fallback_offset);
            let (inlined_callee, wasm_offset, call_offset) = inlined.trap_origin(location);
            Some(TrapRecord {
                code_offset: t.offset,
                wasm_offset,
                inlined_callee,
                call_offset,
                trap: trap as u8,
                _pad: [0; 3],
            })
        })
        .collect();
    records.sort_by_key(|r| r.code_offset);
    records
}

/// Pairs each call's return address with the wasm offset of the instruction that made
/// the call (found at the call's last byte, which lies just before the return address).
fn call_records(code: &cranelift_codegen::CompiledCode, fallback_offset: u32) -> Vec<CallRecord> {
    let srclocs = code.buffer.get_srclocs_sorted();
    let mut records: Vec<CallRecord> = code
        .buffer
        .call_sites()
        .map(|c| CallRecord {
            return_offset: c.ret_addr,
            wasm_offset: wasm_offset_at(srclocs, c.ret_addr.wrapping_sub(1), fallback_offset),
        })
        .collect();
    records.sort_by_key(|r| r.return_offset);
    records
}

fn object_err(e: cranelift_module::ModuleError) -> CompileError {
    CompileError::Object(e.to_string())
}

/// Compiles a module to an ELF object (see [`crate::compile`]).
pub fn compile(
    env: &ModuleEnv<'_>,
    options: &CompileOptions,
    bind: &dyn Fn(&ImportInfo) -> ImportBinding,
) -> Result<Vec<u8>, CompileError> {
    check_code_limits(env)?;
    let isa = crate::isa::target_isa(options.opt_level, options.target_cpu)?;
    let call_conv = isa.default_call_conv();
    let builder =
        ObjectBuilder::new(isa.clone(), "wasm", default_libcall_names()).map_err(object_err)?;
    let mut module = ObjectModule::new(builder);

    // Builtins and, for executables, the runtime entry point are imported symbols.
    let mut builtin_ids = Vec::new();
    for builtin in builtins::ALL {
        let id = module
            .declare_function(
                builtin.symbol,
                Linkage::Import,
                &builtin_signature(builtin, call_conv),
            )
            .map_err(object_err)?;
        builtin_ids.push((builtin.symbol, id));
    }

    // Imports: bound by symbol, to a trap stub, or left dynamic.
    let mut callees = Vec::with_capacity(env.funcs.len());
    let mut import_code = Vec::with_capacity(env.imports.len());
    let mut stubs = Vec::new();
    let mut local_ids = HashSet::new();
    for import in &env.imports {
        let (TypeRef::Func(type_index) | TypeRef::FuncExact(type_index)) = import.ty else {
            import_code.push(None);
            continue;
        };
        let ty = &env.types[type_index as usize];
        let info = crate::info::import_info(import, ty);
        let sig = wasm_signature(ty, call_conv);
        let code = match bind(&info) {
            ImportBinding::Symbol(symbol) => Some(
                module
                    .declare_function(&symbol, Linkage::Import, &sig)
                    .map_err(|e| {
                        CompileError::Object(format!(
                            "import {}.{} as symbol {symbol}: {e}",
                            import.module, import.name
                        ))
                    })?,
            ),
            ImportBinding::TrapStub => {
                let name = format!("{}.{} (unresolved import)", import.module, import.name);
                let id = module
                    .declare_anonymous_function(&sig)
                    .map_err(object_err)?;
                local_ids.insert(id);
                stubs.push((id, type_index, name));
                Some(id)
            }
            ImportBinding::Dynamic => None,
        };
        callees.push(code.map_or(Callee::Dynamic, Callee::Direct));
        import_code.push(code);
    }

    // Defined functions are local symbols named after the name section.
    let mut names = Vec::new();
    let mut defined_ids = Vec::new();
    // Names declared later must not be taken by wasm functions.
    let mut taken: HashSet<String> = [
        "main",
        builtins::MAIN_SYMBOL,
        EXEC_CONFIG_SYMBOL,
        options.descriptor_symbol.as_str(),
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for index in env.num_imported_funcs..env.funcs.len() as u32 {
        let mut name = env.func_name(index);
        if !taken.insert(name.clone()) || module.get_name(&name).is_some() {
            name = format!("{name}.{index}");
            taken.insert(name.clone());
        }
        let sig = wasm_signature(env.func_type(index), call_conv);
        let id = module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(object_err)?;
        local_ids.insert(id);
        callees.push(Callee::Direct(id));
        defined_ids.push(id);
        names.push(name);
    }

    let translation = ModuleTranslation {
        env,
        offsets: VMOffsets::new(env.vm_counts()),
        bounds_checks: options.bounds_checks,
        callees,
        builtins: builtin_ids,
        call_conv,
        frontend_config: isa.frontend_config(),
        local_ids,
        products: env
            .bodies
            .par_iter()
            .enumerate()
            .filter_map(|(i, body)| {
                let index = env.num_imported_funcs + i as u32;
                recognize_multi3(env.func_type(index), body).map(|stores| (index, stores))
            })
            .collect(),
    };

    // Small leaf functions, translated once more to be inlined into their callers.
    let inline_callees: HashMap<FuncId, ir::Function> = if options.opt_level == OptLevel::None {
        HashMap::new()
    } else {
        inline_callees(&env.bodies, env.num_imported_funcs)
            .into_par_iter()
            .map_init(FunctionBuilderContext::new, |fctx, i| {
                let mut func = ir::Function::new();
                func.name = UserFuncName::user(0, defined_ids[i].as_u32());
                FuncTranslator::translate(
                    &translation,
                    FunctionBuilder::new(&mut func, fctx),
                    env.num_imported_funcs + i as u32,
                    &env.bodies[i],
                )?;
                Ok((defined_ids[i], func))
            })
            .collect::<Result<_, CompileError>>()?
    };

    let in_flight = InFlight::default();
    let mut compiled: Vec<(usize, Result<CompiledFunction, CompileError>)> = largest_first(env)
        .into_par_iter()
        // One function per piece, so that an idle thread can take any waiting function.
        .with_max_len(1)
        .map_init(
            || (Context::new(), FunctionBuilderContext::new()),
            |(ctx, fctx), i| {
                let mut compile_one = || -> Result<CompiledFunction, CompileError> {
                    let _counted = in_flight.enter(body_size(&env.bodies[i]));
                    let index = env.num_imported_funcs + i as u32;
                    let id = defined_ids[i];
                    ctx.clear();
                    ctx.func.name = UserFuncName::user(0, id.as_u32());
                    let inlined = FuncTranslator::translate(
                        &translation,
                        FunctionBuilder::new(&mut ctx.func, fctx),
                        index,
                        &env.bodies[i],
                    )?;
                    if !inline_callees.is_empty() {
                        ctx.inline(SmallLeaves::new(&inline_callees)).map_err(|e| {
                            CompileError::Codegen {
                                function: names[i].clone(),
                                message: format!("inlining: {e:?}"),
                            }
                        })?;
                    }
                    ctx.compile(&*isa, &mut ControlPlane::default())
                        .map_err(|e| CompileError::Codegen {
                            function: names[i].clone(),
                            message: format!("{:?}", e.inner),
                        })?;
                    let code = ctx.compiled_code().expect("just compiled");
                    let body_offset = env.bodies[i].range().start as u32;
                    let function = CompiledFunction {
                        bytes: code.code_buffer().to_vec(),
                        // Every function's bytes (placement filler, then its code) start a
                        // 64-byte cache line, so where its loops fall within fetch/µop-cache
                        // lines depends on its own code only, not on the sizes of the
                        // functions before it (with Cranelift's
                        // preferred 32 bytes, the bench's interpreter kernel ran its
                        // dispatch loop, identical to wasmtime's, 1.3x slower than
                        // wasmtime, whose copy of the function started a line).
                        alignment: u64::from(code.buffer.alignment).max(64),
                        relocs: code
                            .buffer
                            .relocs()
                            .iter()
                            .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, id))
                            .collect(),
                        traps: trap_records(code, body_offset, &inlined),
                        calls: call_records(code, body_offset),
                        entry_offset: 0,
                    };
                    let code_len = function.bytes.len() as u32;
                    let call_returns: Vec<u32> =
                        function.calls.iter().map(|c| c.return_offset).collect();
                    let pad = placement::entry_padding(
                        &code.bb_starts,
                        &code.bb_edges,
                        &call_returns,
                        code_len,
                    );
                    Ok(function.with_entry_padding(id, pad))
                };
                (i, compile_one())
            },
        )
        .collect();
    // Back to index order; the first failing function by index is the one reported.
    compiled.sort_unstable_by_key(|(i, _)| *i);
    let compiled: Vec<CompiledFunction> = compiled
        .into_iter()
        .map(|(_, f)| f)
        .collect::<Result<_, CompileError>>()?;

    let mut functions = Vec::with_capacity(compiled.len());
    let mut entries = Vec::with_capacity(compiled.len());
    for (f, id) in compiled.into_iter().zip(&defined_ids) {
        module
            .define_function_bytes(*id, f.alignment, &f.bytes, &f.relocs)
            .map_err(object_err)?;
        entries.push((*id, f.entry_offset));
        functions.push(FunctionCode {
            id: *id,
            len: f.bytes.len() - f.entry_offset as usize,
            traps: f.traps,
            calls: f.calls,
        });
    }

    let mut ctx = Context::new();
    let mut fctx = FunctionBuilderContext::new();
    let mut stub_descs = Vec::new();
    for (id, type_index, name) in stubs {
        let (len, traps) = trampolines::define_unresolved_import_stub(
            &mut module,
            &mut ctx,
            &mut fctx,
            id,
            &env.types[type_index as usize],
        )?;
        stub_descs.push((id, len, name, traps));
    }
    // Types of no function get no trampoline; equal signatures share one.
    let mut by_signature = HashMap::new();
    for ty in function_signatures(env) {
        let id = module
            .declare_anonymous_function(&trampolines::trampoline_signature(call_conv))
            .map_err(object_err)?;
        trampolines::define_trampoline(&mut module, &mut ctx, &mut fctx, id, ty)?;
        by_signature.insert(ty, id);
    }
    let trampoline_ids: Vec<Option<FuncId>> = env
        .types
        .iter()
        .map(|ty| by_signature.get(ty).copied())
        .collect();

    let inputs = DescriptorInputs {
        functions: &functions,
        names: &names,
        stubs: &stub_descs,
        import_code: &import_code,
        trampolines: &trampoline_ids,
        bounds_checks: options.bounds_checks as u32,
    };
    let descriptor = define_descriptor(&mut module, &options.descriptor_symbol, env, &inputs)?;

    if let ObjectKind::Executable { exec_config } = &options.kind {
        let config = define_bytes(&mut module, EXEC_CONFIG_SYMBOL, exec_config)?;
        let runtime_main = module
            .declare_function(
                builtins::MAIN_SYMBOL,
                Linkage::Import,
                &trampolines::runtime_main_signature(call_conv),
            )
            .map_err(object_err)?;
        let main = module
            .declare_function(
                "main",
                Linkage::Export,
                &trampolines::main_signature(call_conv),
            )
            .map_err(object_err)?;
        trampolines::define_main(
            &mut module,
            &mut ctx,
            &mut fctx,
            main,
            runtime_main,
            descriptor,
            config,
            exec_config.len(),
        )?;
    }

    let mut product = module.finish();
    move_entry_symbols(&mut product, &entries);
    // The code section starts a 4 KiB page in the executable, so every function's
    // address within its page depends on the module alone, not on the linker's layout
    // of what precedes it: bench/c's interp kernel ran 0.31 s linked by GNU gold and
    // 0.21 s by GNU ld with identical code (its dispatch loop at 0xac0 and 0x1c0 within
    // a page), and 0.21 s with both once page-aligned.
    let text = product.object.section_id(StandardSection::Text);
    product.object.section_mut(text).append_data(&[], 4096);
    product
        .emit()
        .map_err(|e| CompileError::Object(e.to_string()))
}
