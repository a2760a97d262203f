//! Hostile inputs for the compiler: each case hands `wasi-aot build` a malformed,
//! invalid, unsupported or oversized module (generated here, nothing large is
//! committed) and checks that the build fails the way a user can act on: exit status
//! 1, an `error: ` line naming the problem, no panic, no signal, and within a time
//! bound. Run with `cargo test --release --test hostile_inputs [NAME...]`.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use wasi_aot_tests::{excerpt, run_with_timeout, runner_main, Check};

/// How long one rejected build may take (the slowest, the deep nesting and huge
/// function cases, take well under a second in release builds).
const TIME_BOUND: Duration = Duration::from_secs(30);

/// One hostile input and the text its error message must contain.
struct Case {
    name: &'static str,
    module: Vec<u8>,
    /// The text the error must contain; `None` for an extreme but valid module that
    /// must build (within the same time bound).
    expected: Option<&'static str>,
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

fn cases() -> Vec<Case> {
    let valid = command("");
    let mut cases = vec![
        Case {
            name: "truncated-header",
            module: b"\0asm\x01\0".to_vec(),
            expected: Some("unexpected end"),
        },
        Case {
            name: "truncated-section",
            module: valid[..valid.len() - 3].to_vec(),
            expected: Some("unexpected end"),
        },
        Case {
            name: "bad-magic",
            module: b"\0asX\x01\0\0\0".to_vec(),
            expected: Some("magic"),
        },
        Case {
            name: "bad-version",
            module: b"\0asm\x02\0\0\0".to_vec(),
            expected: Some("unknown binary version"),
        },
        Case {
            name: "malformed-leb128",
            module: {
                let mut m = header();
                m.extend_from_slice(&[1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
                m
            },
            expected: Some("invalid var_u32"),
        },
        Case {
            name: "oversized-section-size",
            module: {
                let mut m = header();
                m.push(1);
                leb(&mut m, u64::from(u32::MAX));
                m.extend_from_slice(&[1, 0x60, 0, 0]);
                m
            },
            expected: Some("unexpected end"),
        },
        Case {
            name: "oversized-count",
            module: {
                let mut contents = Vec::new();
                leb(&mut contents, u64::from(u32::MAX));
                contents.extend_from_slice(&[0x60, 0, 0]);
                with_section(1, &contents)
            },
            expected: Some("count"),
        },
        Case {
            name: "invalid-utf8-name",
            module: with_section(7, &[1, 2, 0xff, 0xfe, 0, 0]),
            expected: Some("UTF-8"),
        },
        Case {
            name: "type-error",
            module: wat("(module (func (result i32) i64.const 0))"),
            expected: Some("type mismatch"),
        },
        Case {
            name: "unbalanced-stack",
            module: command("i32.const 1"),
            expected: Some("type mismatch"),
        },
        Case {
            name: "exceptions-proposal",
            module: wat("(module (tag $e) (func (throw $e)))"),
            expected: Some("the exceptions proposal is not supported yet"),
        },
        Case {
            name: "memory64-proposal",
            module: wat("(module (memory i64 1))"),
            expected: Some("the memory64 proposal is not supported yet"),
        },
        Case {
            name: "threads-proposal",
            module: wat("(module (memory 1 1 shared))"),
            expected: Some("the threads proposal is not supported yet"),
        },
        Case {
            name: "multi-memory-proposal",
            module: wat("(module (memory 1) (memory 1))"),
            expected: Some("the multi-memory proposal is not supported yet"),
        },
        Case {
            name: "tail-call-proposal",
            module: wat("(module (func $f (return_call $f)))"),
            expected: Some("the tail-call proposal is not supported yet"),
        },
        Case {
            name: "gc-proposal",
            module: wat("(module (type (struct)))"),
            expected: Some("the gc proposal is not supported yet"),
        },
        Case {
            name: "too-many-locals",
            module: {
                // Five million locals in one declaration.
                let mut body = vec![1];
                leb(&mut body, 5_000_000);
                body.extend_from_slice(&[0x7f, 0x0b]);
                raw_command(&body)
            },
            expected: Some("too many locals"),
        },
        Case {
            name: "function-too-large",
            module: {
                // 8 MiB of `nop`: beyond the 7,654,321-byte function size limit.
                let mut body = vec![0];
                body.resize(8 << 20, 0x01);
                body.push(0x0b);
                raw_command(&body)
            },
            expected: Some("function body"),
        },
        Case {
            name: "memory-beyond-4gib",
            module: wat("(module (memory 65537))"),
            expected: Some("memory size must be at most"),
        },
        Case {
            name: "table-beyond-limit",
            module: wat(
                "(module (memory (export \"memory\") 1) (table 10000001 funcref) \
                 (func (export \"_start\")))",
            ),
            expected: Some("a table of 10000001 elements (at most 10000000 are supported)"),
        },
        Case {
            name: "table-of-4g-elements",
            module: wat(
                "(module (memory (export \"memory\") 1) (table 4000000000 funcref) \
                 (func (export \"_start\")))",
            ),
            expected: Some("limit exceeded: a table of 4000000000 elements"),
        },
        Case {
            name: "giant-data-segment",
            module: {
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
        },
        Case {
            name: "deep-nesting-unbalanced",
            module: {
                // 100,000 nested blocks that are never closed.
                let mut body = vec![0];
                for _ in 0..100_000 {
                    body.extend_from_slice(&[0x02, 0x40]);
                }
                body.push(0x0b);
                raw_command(&body)
            },
            expected: Some("control frames remain"),
        },
    ];
    cases.push(Case {
        name: "deep-nesting",
        module: {
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
    });
    cases.push(Case {
        name: "deep-nesting-valid",
        module: {
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
    });
    cases.push(Case {
        name: "huge-function-valid",
        module: {
            // One function of a million instructions (`i32.const 1`, `drop`).
            let mut body = vec![0];
            for _ in 0..500_000 {
                body.extend_from_slice(&[0x41, 1, 0x1a]);
            }
            body.push(0x0b);
            raw_command(&body)
        },
        expected: None,
    });
    cases
}

/// Builds one case and checks how the build ended.
fn check(bin: &Path, work: &Path, case: &Case) -> Result<(), String> {
    let input = work.join(format!("{}.wasm", case.name));
    std::fs::write(&input, &case.module).map_err(|e| format!("cannot write input: {e}"))?;
    let mut cmd = Command::new(bin);
    cmd.arg("build")
        .arg(&input)
        .arg("-o")
        .arg(work.join(case.name))
        .current_dir(work);
    let started = Instant::now();
    let out = run_with_timeout(&mut cmd, None, TIME_BOUND)?;
    let elapsed = started.elapsed();
    let stderr = out.stderr_text();
    if out.timed_out {
        return Err(format!("still running after {TIME_BOUND:?}"));
    }
    if stderr.contains("panicked") {
        return Err(format!("the compiler panicked: {}", excerpt(&stderr)));
    }
    let Some(expected) = case.expected else {
        return match out.status.success() {
            true if elapsed <= TIME_BOUND => Ok(()),
            true => Err(format!("took {elapsed:?}")),
            false => Err(format!(
                "the build failed ({}): {}",
                out.describe(TIME_BOUND),
                excerpt(&stderr)
            )),
        };
    };
    if out.status.code() != Some(1) {
        return Err(format!(
            "expected exit status 1, got {}: {}",
            out.describe(TIME_BOUND),
            excerpt(&stderr)
        ));
    }
    let Some(line) = stderr.lines().find(|l| l.starts_with("error: ")) else {
        return Err(format!("no `error: ` line: {}", excerpt(&stderr)));
    };
    if !stderr.contains(expected) {
        return Err(format!(
            "the error does not mention {expected:?}: {}",
            excerpt(line)
        ));
    }
    if elapsed > TIME_BOUND {
        return Err(format!("took {elapsed:?}"));
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
