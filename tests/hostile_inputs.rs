//! Hostile inputs for the compiler: each case hands `wasi-aot build` a malformed,
//! invalid, unsupported or oversized module (generated here, nothing large is
//! committed) and checks that the build fails the way a user can act on: exit status
//! 1, an `error: ` line naming the problem, no panic, no signal, within a time bound
//! and a bound on the compiler's peak memory. Extreme but valid modules (the largest
//! of each kind the compiler's limits let through, or the costliest shape of code
//! measured) must build within the same bounds. Run with
//! `cargo test --release --test hostile_inputs [NAME...]`.

use std::fs::File;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use wasi_aot_tests::{describe_status, excerpt, runner_main, Check};

/// How long one build may take (the slowest cases take a few seconds in release
/// builds on a busy 2-core machine).
const TIME_BOUND: Duration = Duration::from_secs(30);

/// The peak resident memory a build may use unless its case says otherwise.
const MEMORY_BOUND_MIB: u64 = 512;

/// One hostile input and the text its error message must contain.
struct Case {
    name: &'static str,
    /// Generates the input when the case runs: the test process stays small, since
    /// each build's measured peak memory starts from its parent's at the fork.
    module: fn() -> Vec<u8>,
    /// The text the error must contain; `None` for an extreme but valid module that
    /// must build (within the same bounds).
    expected: Option<&'static str>,
    /// The peak resident memory the build may use, in MiB.
    memory_mib: u64,
}

/// Appends `value` as unsigned LEB128.
fn leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The 8-byte module header.
fn header() -> Vec<u8> {
    b"\0asm\x01\0\0\0".to_vec()
}

/// A module header followed by one section with the given id and contents.
fn with_section(id: u8, contents: &[u8]) -> Vec<u8> {
    let mut module = header();
    module.push(id);
    leb(&mut module, contents.len() as u64);
    module.extend_from_slice(contents);
    module
}

/// The binary form of a text module.
fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("the test's text modules parse")
}

/// A command module (exports `memory` and `_start`) whose `_start` body is `body`.
fn command(body: &str) -> Vec<u8> {
    wat(&format!(
        "(module (memory (export \"memory\") 1) (func (export \"_start\") {body}))"
    ))
}

/// A command module whose code section is written by hand: one function of type
/// `[] -> []` exported as `_start`, with the given raw body (locals and code).
fn raw_command(body: &[u8]) -> Vec<u8> {
    let mut module = header();
    let mut section = |id: u8, contents: &[u8]| {
        module.push(id);
        leb(&mut module, contents.len() as u64);
        module.extend_from_slice(contents);
    };
    section(1, &[1, 0x60, 0, 0]); // type: one [] -> []
    section(3, &[1, 0]); // function: one of type 0
    section(5, &[1, 0, 1]); // memory: min 1
    let mut exports = vec![2];
    exports.extend_from_slice(b"\x06memory\x02\x00");
    exports.extend_from_slice(b"\x06_start\x00\x00");
    section(7, &exports);
    let mut code = vec![1];
    leb(&mut code, body.len() as u64);
    code.extend_from_slice(body);
    section(10, &code);
    module
}

/// `items` as a wasm vector: their count, then each one.
fn vector<T: AsRef<[u8]>>(items: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    leb(&mut out, items.len() as u64);
    for item in items {
        out.extend_from_slice(item.as_ref());
    }
    out
}

/// A command module assembled from parts: `types[0]` must be `[] -> []`, function 0 is
/// exported as `_start`, and there is one memory. `funcs` gives each function's type,
/// `bodies` each one's body (local declarations and code, without the size).
#[derive(Default)]
struct Assembled {
    types: Vec<Vec<u8>>,
    funcs: Vec<u32>,
    table: Option<Vec<u8>>,
    elems: Vec<Vec<u8>>,
    bodies: Vec<Vec<u8>>,
    datas: Vec<Vec<u8>>,
}

impl Assembled {
    fn encode(&self) -> Vec<u8> {
        let mut module = header();
        let mut section = |id: u8, contents: &[u8]| {
            module.push(id);
            leb(&mut module, contents.len() as u64);
            module.extend_from_slice(contents);
        };
        section(1, &vector(&self.types));
        let funcs: Vec<Vec<u8>> = self.funcs.iter().map(|t| uleb(u64::from(*t))).collect();
        section(3, &vector(&funcs));
        if let Some(table) = &self.table {
            section(4, &vector(&[table]));
        }
        section(5, &[1, 0, 1]); // memory: min 1
        let mut exports = vec![2];
        exports.extend_from_slice(b"\x06memory\x02\x00");
        exports.extend_from_slice(b"\x06_start\x00\x00");
        section(7, &exports);
        if !self.elems.is_empty() {
            section(9, &vector(&self.elems));
        }
        let bodies: Vec<Vec<u8>> = self
            .bodies
            .iter()
            .map(|body| {
                let mut sized = uleb(body.len() as u64);
                sized.extend_from_slice(body);
                sized
            })
            .collect();
        section(10, &vector(&bodies));
        if !self.datas.is_empty() {
            section(11, &vector(&self.datas));
        }
        module
    }
}

/// `value` as unsigned LEB128.
fn uleb(value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    leb(&mut out, value);
    out
}

/// The type `[] -> []`.
const EMPTY_TYPE: [u8; 3] = [0x60, 0, 0];

/// `_start` with the body `code` (and no locals) plus `count` more empty functions.
fn start_and_empty(code: &[u8], count: usize) -> Assembled {
    let mut body = vec![0];
    body.extend_from_slice(code);
    body.push(0x0b);
    Assembled {
        types: vec![EMPTY_TYPE.to_vec()],
        funcs: vec![0; count + 1],
        bodies: [vec![body], vec![vec![0, 0x0b]; count]].concat(),
        ..Assembled::default()
    }
}

/// `functions` functions that each declare 50,000 `i32` locals (wasmparser's most per
/// function) in one 5-byte declaration.
fn many_locals(functions: usize) -> Vec<u8> {
    let mut body = vec![1];
    leb(&mut body, 50_000);
    body.extend_from_slice(&[0x7f, 0x0b]);
    Assembled {
        types: vec![EMPTY_TYPE.to_vec()],
        funcs: vec![0; functions],
        bodies: vec![body; functions],
        ..Assembled::default()
    }
    .encode()
}

/// `count` distinct function types of 1,000 parameters each (wasmparser's most), with
/// one function of each: `count` array-call trampolines of the costliest kind.
fn distinct_signatures(count: usize) -> Vec<u8> {
    let mut module = start_and_empty(&[], 0);
    for i in 0..count {
        let mut ty = vec![0x60];
        leb(&mut ty, 1000);
        ty.extend((0..1000).map(|p| if p == i { 0x7e } else { 0x7f }));
        ty.push(0);
        module.types.push(ty);
        module.funcs.push(i as u32 + 1);
        module.bodies.push(vec![0, 0x0b]);
    }
    module.encode()
}

/// A `_start` of `count` nested blocks (3 bytes each).
fn nested_blocks(count: usize) -> Vec<u8> {
    let mut code = Vec::with_capacity(3 * count);
    for _ in 0..count {
        code.extend_from_slice(&[0x02, 0x40]);
    }
    code.resize(3 * count, 0x0b);
    start_and_empty(&code, 0).encode()
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        Case {
            name: "truncated-header",
            module: || b"\0asm\x01\0".to_vec(),
            expected: Some("unexpected end"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "truncated-section",
            module: || {
                let valid = command("");
                valid[..valid.len() - 3].to_vec()
            },
            expected: Some("unexpected end"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "bad-magic",
            module: || b"\0asX\x01\0\0\0".to_vec(),
            expected: Some("magic"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "bad-version",
            module: || b"\0asm\x02\0\0\0".to_vec(),
            expected: Some("unknown binary version"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "malformed-leb128",
            module: || {
                let mut m = header();
                m.extend_from_slice(&[1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
                m
            },
            expected: Some("invalid var_u32"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "oversized-section-size",
            module: || {
                let mut m = header();
                m.push(1);
                leb(&mut m, u64::from(u32::MAX));
                m.extend_from_slice(&[1, 0x60, 0, 0]);
                m
            },
            expected: Some("unexpected end"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "oversized-count",
            module: || {
                let mut contents = Vec::new();
                leb(&mut contents, u64::from(u32::MAX));
                contents.extend_from_slice(&[0x60, 0, 0]);
                with_section(1, &contents)
            },
            expected: Some("count"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "invalid-utf8-name",
            module: || with_section(7, &[1, 2, 0xff, 0xfe, 0, 0]),
            expected: Some("UTF-8"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "type-error",
            module: || wat("(module (func (result i32) i64.const 0))"),
            expected: Some("type mismatch"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "unbalanced-stack",
            module: || command("i32.const 1"),
            expected: Some("type mismatch"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "exceptions-proposal",
            module: || wat("(module (tag $e) (func (throw $e)))"),
            expected: Some("the exceptions proposal is not supported yet"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "memory64-proposal",
            module: || wat("(module (memory i64 1))"),
            expected: Some("the memory64 proposal is not supported yet"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "threads-proposal",
            module: || wat("(module (memory 1 1 shared))"),
            expected: Some("the threads proposal is not supported yet"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "multi-memory-proposal",
            module: || wat("(module (memory 1) (memory 1))"),
            expected: Some("the multi-memory proposal is not supported yet"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "tail-call-proposal",
            module: || wat("(module (func $f (return_call $f)))"),
            expected: Some("the tail-call proposal is not supported yet"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "gc-proposal",
            module: || wat("(module (type (struct)))"),
            expected: Some("the gc proposal is not supported yet"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "too-many-locals",
            module: || {
                // Five million locals in one declaration.
                let mut body = vec![1];
                leb(&mut body, 5_000_000);
                body.extend_from_slice(&[0x7f, 0x0b]);
                raw_command(&body)
            },
            expected: Some("too many locals"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "function-too-large",
            module: || {
                // 8 MiB of `nop`: beyond the 7,654,321-byte function size limit.
                let mut body = vec![0];
                body.resize(8 << 20, 0x01);
                body.push(0x0b);
                raw_command(&body)
            },
            expected: Some("function body"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "memory-beyond-4gib",
            module: || wat("(module (memory 65537))"),
            expected: Some("memory size must be at most"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "table-beyond-limit",
            module: || {
                wat(
                    "(module (memory (export \"memory\") 1) (table 10000001 funcref) \
                 (func (export \"_start\")))",
                )
            },
            expected: Some("a table of 10000001 elements (at most 10000000 are supported)"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "table-of-4g-elements",
            module: || {
                wat(
                    "(module (memory (export \"memory\") 1) (table 4000000000 funcref) \
                 (func (export \"_start\")))",
                )
            },
            expected: Some("limit exceeded: a table of 4000000000 elements"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "giant-data-segment",
            module: || {
                // A data segment that claims 1 GiB but ends after 16 bytes.
                let mut contents = vec![1, 0, 0x41, 0, 0x0b];
                leb(&mut contents, 1 << 30);
                contents.extend_from_slice(&[0; 16]);
                let mut m = wat("(module (memory 1))");
                m.push(11);
                leb(&mut m, contents.len() as u64);
                m.extend_from_slice(&contents);
                m
            },
            expected: Some("unexpected end"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "deep-nesting-unbalanced",
            module: || {
                // 100,000 nested blocks that are never closed.
                let mut body = vec![0];
                for _ in 0..100_000 {
                    body.extend_from_slice(&[0x02, 0x40]);
                }
                body.push(0x0b);
                raw_command(&body)
            },
            expected: Some("control frames remain"),
            memory_mib: MEMORY_BOUND_MIB,
        },
    ];
    cases.push(Case {
        name: "deep-nesting",
        module: || {
            // 100,000 nested blocks whose innermost holds a type error, so the
            // validator walks the whole depth before failing.
            let mut body = vec![0];
            for _ in 0..100_000 {
                body.extend_from_slice(&[0x02, 0x40]);
            }
            body.extend_from_slice(&[0x41, 0]); // i32.const 0 left on a [] block
            body.resize(body.len() + 100_001, 0x0b);
            raw_command(&body)
        },
        expected: Some("type mismatch"),
        memory_mib: MEMORY_BOUND_MIB,
    });
    cases.push(Case {
        name: "deep-nesting-valid",
        module: || {
            // 100,000 nested blocks, closed: compiles without exhausting the
            // compiler's stack or taking quadratic time.
            let mut body = vec![0];
            for _ in 0..100_000 {
                body.extend_from_slice(&[0x02, 0x40]);
            }
            body.resize(body.len() + 100_001, 0x0b);
            raw_command(&body)
        },
        expected: None,
        memory_mib: MEMORY_BOUND_MIB,
    });
    cases.push(Case {
        name: "huge-function-valid",
        module: || {
            // One function of a million instructions (`i32.const 1`, `drop`).
            let mut body = vec![0];
            for _ in 0..500_000 {
                body.extend_from_slice(&[0x41, 1, 0x1a]);
            }
            body.push(0x0b);
            raw_command(&body)
        },
        expected: None,
        memory_mib: MEMORY_BOUND_MIB,
    });
    cases.extend(code_limit_cases());
    cases
}

/// The compiler's own limits on code (`MAX_FUNCTION_BODY_BYTES`, `MAX_TOTAL_LOCALS`,
/// `MAX_TRAMPOLINE_VALUES` in `wasi_aot_compiler`): the first input past each is
/// rejected, the largest one allowed builds. Then the costliest code measured, and the
/// largest counts of other entities.
fn code_limit_cases() -> Vec<Case> {
    const MAX_BODY: usize = 2 << 20;
    vec![
        Case {
            name: "function-body-over-limit",
            module: || {
                let mut body = vec![0];
                body.resize(MAX_BODY, 0x01); // `nop`s
                body.push(0x0b);
                raw_command(&body)
            },
            expected: Some("has a body of 2097153 bytes (at most 2097152 are supported)"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "nested-blocks-7mb",
            // 2.5 million nested blocks, the most wasmparser's function size allows:
            // 16 s and 2.1 GB to compile without the body limit.
            module: || nested_blocks(7_654_300 / 3),
            expected: Some("(at most 2097152 are supported)"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "nested-blocks-2mib-valid",
            module: || nested_blocks((MAX_BODY - 10) / 3),
            expected: None,
            memory_mib: 1024,
        },
        Case {
            name: "call-indirect-250kb-valid",
            // The costliest code per byte measured (about 1.4 KB of memory and 10 µs per
            // byte): `call_indirect` of a constant table slot, 5 bytes each.
            module: || {
                let mut module = start_and_empty(&[0x41, 0, 0x11, 0, 0].repeat(50_000), 1);
                module.table = Some(vec![0x70, 0, 1]);
                module.elems.push(vec![0, 0x41, 0, 0x0b, 1, 1]);
                module.encode()
            },
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "stores-2mib-valid",
            // 250,000 stores, each a trap site: looking up their wasm offsets was
            // quadratic once (28 s for this module; 0.7 s since).
            module: || {
                let mut body = vec![1, 1, 0x7f]; // one i32 local
                for i in 0..250_000 {
                    body.extend_from_slice(&[0x20, 0, 0x20, 0, 0x36, 2]);
                    leb(&mut body, i % 16384);
                }
                body.push(0x0b);
                raw_command(&body)
            },
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "locals-over-limit",
            // 201 functions of 50,000 locals: 10,050,000 locals from 1.6 KB of input
            // (before the limit, every 1,000 such functions took 14 s).
            module: || many_locals(201),
            expected: Some("locals (at most 10000000 in all are supported)"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "locals-10m-valid",
            module: || many_locals(200),
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "trampoline-values-over-limit",
            module: || distinct_signatures(101),
            expected: Some("101000 parameters and results in all (at most 100000"),
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "trampoline-values-valid",
            module: || distinct_signatures(100),
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "types-1m-valid",
            // A million equal types share one trampoline (one each took 44 s).
            module: || {
                let mut module = start_and_empty(&[], 0);
                module.types = vec![EMPTY_TYPE.to_vec(); 1_000_000];
                module.encode()
            },
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "functions-100k-valid",
            // A million (the limit) take about 45 s and 1.4 GB: 45 µs and 1.4 KB each.
            module: || start_and_empty(&[], 100_000).encode(),
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "inlined-calls-100k-valid",
            // 100,000 calls to one empty function, an inline candidate: inlining every
            // call took 34 s (Cranelift splits the caller's block at each); at most
            // 1,000 calls are inlined into one function now: 2 s, 170 MB.
            module: || start_and_empty(&[0x10, 1].repeat(100_000), 1).encode(),
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "inline-callees-100k-valid",
            // 100,000 empty functions, each called once: keeping and inlining them all
            // took 45 s and 720 MB; at most 10,000 callees are kept now: 4.4 s, 350 MB.
            module: || {
                let mut code = Vec::new();
                for callee in 1..=100_000 {
                    code.push(0x10);
                    leb(&mut code, callee);
                }
                start_and_empty(&code, 100_000).encode()
            },
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "br-table-1m-valid",
            module: || {
                let mut code = vec![0x02, 0x40, 0x41, 0, 0x0e];
                leb(&mut code, 1_000_000);
                code.resize(code.len() + 1_000_001, 0);
                code.push(0x0b);
                start_and_empty(&code, 0).encode()
            },
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "data-segments-100k-valid",
            // wasmparser's most data segments, 70 bytes each.
            module: || {
                let mut module = start_and_empty(&[], 0);
                let mut segment = vec![0, 0x41, 0, 0x0b, 70];
                segment.extend_from_slice(&[b'x'; 70]);
                module.datas = vec![segment; 100_000];
                module.encode()
            },
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
        Case {
            name: "elem-10m-valid",
            // One element segment filling a table of the most elements supported.
            module: || {
                let mut module = start_and_empty(&[], 0);
                let mut table = vec![0x70, 0];
                leb(&mut table, 10_000_000);
                module.table = Some(table);
                let mut segment = vec![0, 0x41, 0, 0x0b];
                leb(&mut segment, 10_000_000);
                segment.resize(segment.len() + 10_000_000, 0);
                module.elems.push(segment);
                module.encode()
            },
            expected: None,
            memory_mib: MEMORY_BOUND_MIB,
        },
    ]
}

/// How a build ended.
struct Finished {
    status: ExitStatus,
    stderr: String,
    elapsed: Duration,
    timed_out: bool,
    /// The compiler's own peak resident memory (not its linker's), in KiB.
    max_rss_kib: u64,
}

/// Runs `cmd` with stderr to the file `stderr_path` and waits for it with `wait4`, which
/// reports the child's peak memory; kills its process group past [`TIME_BOUND`].
fn run_measured(cmd: &mut Command, stderr_path: &Path) -> Result<Finished, String> {
    let stderr = File::create(stderr_path).map_err(|e| format!("cannot create a file: {e}"))?;
    let started = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let pid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
    let mut timed_out = false;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is valid plain data.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let flags = if timed_out { 0 } else { libc::WNOHANG };
        // SAFETY: waits for our own unreaped child, writing only the two locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if reaped == pid {
            break (ExitStatus::from_raw(status), usage);
        }
        if reaped < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(format!("wait4 failed: {e}"));
            }
        } else if started.elapsed() > TIME_BOUND {
            // SAFETY: signals the process group the child leads; the child is not reaped
            // yet, so its id is still ours. No memory is involved.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            timed_out = true;
        } else {
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let elapsed = started.elapsed();
    let stderr = std::fs::read(stderr_path).map_err(|e| format!("cannot read stderr: {e}"))?;
    Ok(Finished {
        status,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed,
        timed_out,
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    })
}

/// Builds one case and checks how the build ended.
fn check(bin: &Path, work: &Path, case: &Case) -> Result<(), String> {
    let input = work.join(format!("{}.wasm", case.name));
    std::fs::write(&input, (case.module)()).map_err(|e| format!("cannot write input: {e}"))?;
    let mut cmd = Command::new(bin);
    cmd.arg("build")
        .arg(&input)
        .arg("-o")
        .arg(work.join(case.name))
        .current_dir(work);
    let out = run_measured(&mut cmd, &work.join(format!("{}.stderr", case.name)))?;
    // Inputs can be large; the work directory is shared by every case.
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(work.join(case.name));
    let stderr = &out.stderr;
    if out.timed_out {
        return Err(format!("still running after {TIME_BOUND:?}"));
    }
    if stderr.contains("panicked") {
        return Err(format!("the compiler panicked: {}", excerpt(stderr)));
    }
    let memory_mib = out.max_rss_kib / 1024;
    if memory_mib > case.memory_mib {
        return Err(format!(
            "used {memory_mib} MiB of memory (at most {} allowed)",
            case.memory_mib
        ));
    }
    if out.elapsed > TIME_BOUND {
        return Err(format!("took {:?}", out.elapsed));
    }
    let Some(expected) = case.expected else {
        return match out.status.success() {
            true => Ok(()),
            false => Err(format!(
                "the build failed ({}): {}",
                describe_status(out.status),
                excerpt(stderr)
            )),
        };
    };
    if out.status.code() != Some(1) {
        return Err(format!(
            "expected exit status 1, got {}: {}",
            describe_status(out.status),
            excerpt(stderr)
        ));
    }
    let Some(line) = stderr.lines().find(|l| l.starts_with("error: ")) else {
        return Err(format!("no `error: ` line: {}", excerpt(stderr)));
    };
    if !stderr.contains(expected) {
        return Err(format!(
            "the error does not mention {expected:?}: {}",
            excerpt(line)
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    runner_main("hostile", |setup| {
        Ok(cases()
            .into_iter()
            .map(|case| {
                let (bin, work) = (setup.bin.clone(), setup.work.clone());
                Check::new(case.name, move || check(&bin, &work, &case))
            })
            .collect())
    })
}
