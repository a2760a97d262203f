//! The wasi-aot benchmark harness.
//!
//! `cargo run -p bench --release` measures, in one run on this machine:
//!
//! - execution time of every Sightglass module (19 `shootout`, `bz2`,
//!   `pulldown-cmark`) as a wasi-aot executable, under wasmtime (PyPI, precompiled) and
//!   under Node.js's `node:wasi`, each run's output checked: the time between the
//!   module's `bench.start` and `bench.end` calls, timed by each engine's host functions;
//! - the project's C programs (`bench/c`) compiled natively with `clang -O2` and to
//!   wasm, as wasi-aot executables and under wasmtime;
//! - compile time of `wasi-aot build` (and of the compiler alone) vs wasmtime's
//!   precompilation, for every module and for the largest module in the inputs;
//! - startup of a hello world (`examples/demo.wasm` vs `bench/c/hello.c` vs wasmtime);
//! - the size of the produced executables;
//!
//! prints the tables and writes them to `bench/RESULTS.md`.
//!
//! Options: `--runs N` (fixed run count), `--quick` (one run each), `--only SUBSTR`
//! (only rows whose name contains it; implies `--no-write`), `--no-write`.

mod env;
mod run;
mod stats;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use wasi_aot_compiler::{CompileOptions, ImportBinding, ObjectKind, OptLevel};

use env::{run_ok, Env};
use run::{measure, Engine, Expect, Program, RunPolicy, Sample};
use stats::{fmt_duration, fmt_ratio, fmt_size, geomean, median, ratio};

/// The C benchmark programs under `bench/c` (each `NAME.c` and `NAME.wasm`).
const C_PROGRAMS: [&str; 6] = ["sha256", "sort", "matrix", "wordfreq", "nbody", "interp"];

/// Runs for each compile-time measurement: a build takes tens of milliseconds, and with
/// 3 runs single rows moved by 30% between bench runs.
const COMPILE_RUNS: usize = 11;

/// Runs for each startup measurement.
const STARTUP_RUNS: usize = 101;

/// Runs of the Sightglass `noop` module under each engine (at most the startup run
/// count): the markers' own cost, and the process baseline for unmarked modules.
const NOOP_RUNS: usize = 15;

/// The engines of the Sightglass table, in its column order.
const SIGHTGLASS_ENGINES: [Engine; 3] = [Engine::WasiAot, Engine::Wasmtime, Engine::Node];

/// Command-line options.
struct Options {
    policy: RunPolicy,
    startup_runs: usize,
    compile_runs: usize,
    only: Option<String>,
    write: bool,
}

fn parse_options() -> Result<Options> {
    let mut options = Options {
        // Millisecond-scale rows get up to 41 runs: their region times spread over 2x
        // on a shared 2-core VM (shootout-xchacha20: 1.5 to 3.4 ms under either
        // engine), and 15 runs left their median ratios moving by 0.3 between runs.
        policy: RunPolicy {
            min: 3,
            max: 41,
            budget: Duration::from_secs(5),
        },
        startup_runs: STARTUP_RUNS,
        compile_runs: COMPILE_RUNS,
        only: None,
        write: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                let n: usize = args.next().context("--runs needs a count")?.parse()?;
                options.policy.min = n.max(1);
                options.policy.max = n.max(1);
            }
            "--quick" => {
                options.policy.min = 1;
                options.policy.max = 1;
                options.startup_runs = 11;
                options.compile_runs = 1;
                options.write = false;
            }
            "--only" => {
                options.only = Some(args.next().context("--only needs a substring")?);
                options.write = false;
            }
            "--no-write" => options.write = false,
            "-h" | "--help" => {
                println!("usage: cargo run -p bench --release [-- --runs N | --quick | --only SUBSTR | --no-write]");
                std::process::exit(0);
            }
            other => bail!("unknown option {other}"),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<()> {
    let options = parse_options()?;
    let env = Env::setup()?;
    let started = Instant::now();
    let mut report = String::new();
    writeln!(report, "# wasi-aot benchmark results\n")?;
    writeln!(
        report,
        "Produced by `cargo run -p bench --release` (see `bench/src/main.rs`); {}; in rows \
         whose slowest engine takes under {} s, each timed run right after an untimed run of \
         the same engine (`bench/src/run.rs`, `WARM_UP_BELOW`).\n",
        if options.policy.min == options.policy.max {
            format!("{} runs per row", options.policy.min)
        } else {
            format!(
                "{} to {} runs per row (as many as fit in about {} s), interleaved across engines",
                options.policy.min,
                options.policy.max,
                options.policy.budget.as_secs()
            )
        },
        run::WARM_UP_BELOW.as_secs()
    )?;
    for line in env::describe_machine(&env.root) {
        writeln!(report, "- {line}")?;
    }
    writeln!(report)?;

    let wanted = |name: &str| options.only.as_deref().is_none_or(|s| name.contains(s));
    let sightglass: Vec<Program> = sightglass_programs(&env)?
        .into_iter()
        .filter(|p| wanted(&p.name))
        .collect();
    let c_programs: Vec<Program> = c_programs(&env)?
        .into_iter()
        .filter(|p| wanted(&p.name))
        .collect();

    eprintln!("bench: compiling every module with wasi-aot and wasmtime");
    let largest = largest_module(&env)?;
    let mut compile_rows = Vec::new();
    for program in sightglass.iter().chain(&c_programs) {
        let link_stubs = program.wasm.starts_with(env.sightglass());
        compile_rows.push(compile_times(
            &env,
            program,
            link_stubs,
            options.compile_runs,
        )?);
    }
    let largest_row = if options.only.is_none() {
        Some(compile_largest(&env, &largest, options.compile_runs)?)
    } else {
        None
    };

    eprintln!("bench: sightglass execution");
    let noop = noop_program(&env)?;
    let noop_policy = RunPolicy {
        min: options.startup_runs.min(NOOP_RUNS),
        max: options.startup_runs.min(NOOP_RUNS),
        budget: Duration::ZERO,
    };
    eprintln!("bench:   noop");
    let noop_samples = measure(&env, &noop, &SIGHTGLASS_ENGINES, &noop_policy)?;
    report.push_str(&sightglass_section(
        &env,
        &sightglass,
        &noop_samples,
        &options.policy,
    )?);

    eprintln!("bench: C programs vs native");
    report.push_str(&native_section(&env, &c_programs, &options.policy)?);

    report.push_str(&compile_section(
        &compile_rows,
        largest_row.as_ref(),
        options.compile_runs,
    ));

    eprintln!("bench: startup");
    report.push_str(&startup_section(&env, options.startup_runs)?);

    report.push_str(&size_section(&env, &sightglass, &c_programs)?);

    writeln!(
        report,
        "\nThe whole run took {:.0} s.",
        started.elapsed().as_secs_f64()
    )?;
    println!("{report}");
    if options.write {
        let path = env.root.join("bench").join("RESULTS.md");
        std::fs::write(&path, &report)?;
        eprintln!("bench: wrote {}", path.display());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Programs

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn sightglass_program(env: &Env, name: String, wasm: PathBuf, prefix: &Path) -> Result<Program> {
    let file = |suffix: &str| {
        let mut p = prefix.as_os_str().to_os_string();
        p.push(suffix);
        read(Path::new(&p))
    };
    let slug = name.replace('/', "_");
    Ok(Program {
        dir: wasm
            .parent()
            .context("module without a directory")?
            .to_path_buf(),
        aot_exe: env.work.join(format!("{slug}.aot")),
        cwasm: env.work.join(format!("{slug}.cwasm")),
        native_exe: None,
        expect: Expect::Exact {
            stdout: file(".stdout.expected")?,
            stderr: file(".stderr.expected")?,
        },
        wasm,
        name,
    })
}

fn sightglass_programs(env: &Env) -> Result<Vec<Program>> {
    let suite = env.sightglass();
    let shootout = suite.join("shootout");
    let mut modules: Vec<PathBuf> = std::fs::read_dir(&shootout)
        .with_context(|| format!("{} is missing", shootout.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    modules.sort();
    if modules.len() != 19 {
        bail!("expected 19 shootout modules, found {}", modules.len());
    }
    let mut programs = Vec::new();
    for module in modules {
        let stem = module
            .file_stem()
            .context("module without a name")?
            .to_string_lossy()
            .into_owned();
        let prefix = shootout.join(&stem);
        programs.push(sightglass_program(env, stem, module, &prefix)?);
    }
    for dir in ["bz2", "pulldown-cmark"] {
        let module = suite.join(dir).join("benchmark.wasm");
        let prefix = suite.join(dir).join("benchmark");
        programs.push(sightglass_program(env, dir.to_string(), module, &prefix)?);
    }
    Ok(programs)
}

fn noop_program(env: &Env) -> Result<Program> {
    let dir = env.sightglass().join("noop");
    let program = sightglass_program(
        env,
        "noop".into(),
        dir.join("benchmark.wasm"),
        &dir.join("benchmark"),
    )?;
    aot_build(
        env,
        &program.wasm,
        &program.dir,
        &program.aot_exe,
        true,
        &[],
    )?;
    wasmtime_compile(env, &program.wasm, &program.cwasm, 1)?;
    Ok(program)
}

/// The C programs: built natively here; their expected output is the native run's.
fn c_programs(env: &Env) -> Result<Vec<Program>> {
    let dir = env.root.join("bench").join("c");
    let mut programs = Vec::new();
    for name in C_PROGRAMS {
        let native = env.work.join(format!("{name}.native"));
        run_ok(
            Command::new("clang")
                .arg("-O2")
                .arg("-o")
                .arg(&native)
                .arg(dir.join(format!("{name}.c")))
                .arg("-lm"),
        )?;
        let out = Command::new(&native).current_dir(&dir).output()?;
        if !out.status.success() {
            bail!(
                "native {name} failed its self-check: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        programs.push(Program {
            name: name.to_string(),
            wasm: dir.join(format!("{name}.wasm")),
            dir: dir.clone(),
            aot_exe: env.work.join(format!("{name}.aot")),
            cwasm: env.work.join(format!("{name}.cwasm")),
            native_exe: Some(native),
            expect: Expect::Exact {
                stdout: out.stdout,
                stderr: out.stderr,
            },
        });
    }
    Ok(programs)
}

// ---------------------------------------------------------------------------------------
// Compile time

/// What makes a module build without `--link` files: imports that nothing but such a
/// file provides (a Sightglass module's `bench.start` and `bench.end`, whatever the
/// largest input imports) become stubs. Those builds are timed, never run.
const STUB_UNKNOWN_IMPORTS: &[&str] = &["--unknown-imports", "trap"];

/// `wasi-aot build` of `wasm` into `exe`, preopening `dir` as `.`, with `--link` and the
/// bench markers if `link_stubs`.
fn aot_build(
    env: &Env,
    wasm: &Path,
    dir: &Path,
    exe: &Path,
    link_stubs: bool,
    extra: &[&str],
) -> Result<Duration> {
    let mut grant = dir.as_os_str().to_os_string();
    grant.push("::.");
    let mut cmd = Command::new(&env.wasi_aot);
    cmd.arg("build")
        .arg(wasm)
        .arg("-o")
        .arg(exe)
        .arg("--dir")
        .arg(grant);
    if link_stubs {
        cmd.arg("--link").arg(&env.stubs);
    }
    cmd.args(extra);
    let start = Instant::now();
    run_ok(&mut cmd)?;
    Ok(start.elapsed())
}

/// The compiler alone, in this process: wasm to object bytes, as `wasi-aot build`
/// compiles (default options), without linking.
fn compile_in_process(wasm: &[u8]) -> Result<Duration> {
    let options = CompileOptions {
        opt_level: OptLevel::SpeedAndSize,
        kind: ObjectKind::Executable {
            exec_config: Vec::new(),
        },
        ..CompileOptions::default()
    };
    let bind = |info: &wasi_aot_compiler::ImportInfo| {
        let symbol: String = format!("{}_{}", info.module, info.name)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        ImportBinding::Symbol(symbol)
    };
    let start = Instant::now();
    let object = wasi_aot_compiler::compile(wasm, &options, &bind)?;
    let elapsed = start.elapsed();
    std::hint::black_box(object);
    Ok(elapsed)
}

/// wasmtime's compile times for `wasm` (in its process), leaving the result in `cwasm`.
fn wasmtime_compile(env: &Env, wasm: &Path, cwasm: &Path, runs: usize) -> Result<Vec<Duration>> {
    let times = env.work.join("compile-times.txt");
    run_ok(
        Command::new(&env.python)
            .arg(&env.wasmtime_runner)
            .arg("compile")
            .arg(wasm)
            .arg(cwasm)
            .arg(&times)
            .arg(runs.to_string()),
    )?;
    run::read_nanos_lines(&times)
}

/// One row of the compile-time table.
struct CompileRow {
    name: String,
    wasm_bytes: u64,
    code_bytes: u64,
    build: Duration,
    /// The whole build with a `--link` file, which `cc` links.
    build_cc: Duration,
    compiler: Duration,
    wasmtime: Duration,
}

fn compile_times(
    env: &Env,
    program: &Program,
    link_stubs: bool,
    runs: usize,
) -> Result<CompileRow> {
    let wasm = read(&program.wasm)?;
    // The executables measured later are the last builds: with the bench markers for
    // Sightglass modules, without a linker for the C programs.
    let scratch = env.work.join(format!("{}.scratch", program.name));
    let (image_exe, cc_exe) = if link_stubs {
        (&scratch, &program.aot_exe)
    } else {
        (&program.aot_exe, &scratch)
    };
    let stub = if link_stubs {
        STUB_UNKNOWN_IMPORTS
    } else {
        &[]
    };
    let mut build = Vec::new();
    let mut build_cc = Vec::new();
    let mut compiler = Vec::new();
    for _ in 0..runs {
        build.push(aot_build(
            env,
            &program.wasm,
            &program.dir,
            image_exe,
            false,
            stub,
        )?);
        build_cc.push(aot_build(
            env,
            &program.wasm,
            &program.dir,
            cc_exe,
            true,
            &[],
        )?);
        compiler.push(compile_in_process(&wasm)?);
    }
    let wasmtime = wasmtime_compile(env, &program.wasm, &program.cwasm, runs)?;
    Ok(CompileRow {
        name: program.name.clone(),
        wasm_bytes: wasm.len() as u64,
        code_bytes: code_section_size(&wasm),
        build: median(&build),
        build_cc: median(&build_cc),
        compiler: median(&compiler),
        wasmtime: median(&wasmtime),
    })
}

fn compile_largest(env: &Env, wasm_path: &Path, runs: usize) -> Result<CompileRow> {
    let wasm = read(wasm_path)?;
    let exe = env.work.join("largest.aot");
    let cwasm = env.work.join("largest.cwasm");
    let dir = wasm_path.parent().context("module without a directory")?;
    let mut build = Vec::new();
    let mut build_cc = Vec::new();
    let mut compiler = Vec::new();
    for _ in 0..runs {
        for (link_stubs, times) in [(false, &mut build), (true, &mut build_cc)] {
            times.push(aot_build(
                env,
                wasm_path,
                dir,
                &exe,
                link_stubs,
                STUB_UNKNOWN_IMPORTS,
            )?);
        }
        compiler.push(compile_in_process(&wasm)?);
    }
    let wasmtime = wasmtime_compile(env, wasm_path, &cwasm, runs)?;
    let name = wasm_path
        .strip_prefix(&env.shared)
        .map(|p| format!("shared/{}", p.display()))
        .or_else(|_| {
            wasm_path
                .strip_prefix(&env.root)
                .map(|p| p.display().to_string())
        })
        .unwrap_or_else(|_| wasm_path.display().to_string());
    Ok(CompileRow {
        name,
        wasm_bytes: wasm.len() as u64,
        code_bytes: code_section_size(&wasm),
        build: median(&build),
        build_cc: median(&build_cc),
        compiler: median(&compiler),
        wasmtime: median(&wasmtime),
    })
}

/// The size of a module's code section (0 if it does not parse).
fn code_section_size(wasm: &[u8]) -> u64 {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(wasmparser::Payload::CodeSectionStart { size, .. }) => return u64::from(size),
            Ok(_) => {}
            Err(_) => return 0,
        }
    }
    0
}

/// The valid module with the largest code section among the repository's inputs (the
/// workspace's `.wasm` files outside `target/`, and everything under the shared dir).
fn largest_module(env: &Env) -> Result<PathBuf> {
    let mut best: Option<(u64, PathBuf)> = None;
    let mut stack = vec![env.shared.clone(), env.root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let name = entry.file_name();
                if name != "target" && name != ".git" {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|x| x == "wasm") {
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let size = code_section_size(&bytes);
                if size > best.as_ref().map_or(0, |b| b.0)
                    && wasi_aot_compiler::inspect(&bytes).is_ok()
                {
                    best = Some((size, path));
                }
            }
        }
    }
    best.map(|b| b.1).context("no .wasm inputs found")
}

fn compile_section(rows: &[CompileRow], largest: Option<&CompileRow>, runs: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Compile time\n");
    let _ = writeln!(
        s,
        "Medians of {runs} runs. *wasi-aot build* is the whole command as it runs \
         without `--link` files (validate, compile on all cores, append the module to the \
         cached runtime template: no linker runs; Sightglass modules get \
         `--unknown-imports trap` for their two bench imports); *build with `--link`* is \
         the same with the bench markers' object as a `--link` file, which makes `cc` link \
         the executable (GNU gold where installed, as here); *compiler* is the same \
         compilation in-process, without writing an executable; *wasmtime* is \
         `wasmtime.Module(engine, wasm)` (its precompilation: validate and \
         compile on all cores) timed in-process. Ratios below 1 mean wasi-aot is faster.\n"
    );
    let _ = writeln!(
        s,
        "| module | wasm size | code section | wasi-aot build | build with `--link` | compiler | wasmtime | build / wasmtime | build with `--link` / wasmtime | compiler / wasmtime |"
    );
    let _ = writeln!(
        s,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let mut build_ratios = Vec::new();
    let mut cc_ratios = Vec::new();
    let mut compiler_ratios = Vec::new();
    let (mut total_build, mut total_cc, mut total_compiler, mut total_wasmtime) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    let tagged = rows
        .iter()
        .map(|r| (r, false))
        .chain(largest.map(|r| (r, true)));
    for (row, is_largest) in tagged {
        let b = ratio(row.build, row.wasmtime);
        let l = ratio(row.build_cc, row.wasmtime);
        let c = ratio(row.compiler, row.wasmtime);
        if !is_largest {
            build_ratios.extend(b);
            cc_ratios.extend(l);
            compiler_ratios.extend(c);
            total_build += row.build;
            total_cc += row.build_cc;
            total_compiler += row.compiler;
            total_wasmtime += row.wasmtime;
        }
        let name = if is_largest {
            format!("**largest input:** {}", row.name)
        } else {
            row.name.clone()
        };
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            fmt_size(row.wasm_bytes),
            fmt_size(row.code_bytes),
            fmt_duration(row.build),
            fmt_duration(row.build_cc),
            fmt_duration(row.compiler),
            fmt_duration(row.wasmtime),
            fmt_ratio(b),
            fmt_ratio(l),
            fmt_ratio(c)
        );
    }
    let _ = writeln!(
        s,
        "| **total / geomean** (without the largest) | | | {} | {} | {} | {} | {} | {} | {} |",
        fmt_duration(total_build),
        fmt_duration(total_cc),
        fmt_duration(total_compiler),
        fmt_duration(total_wasmtime),
        fmt_ratio(geomean(&build_ratios)),
        fmt_ratio(geomean(&cc_ratios)),
        fmt_ratio(geomean(&compiler_ratios))
    );
    let _ = writeln!(s);
    s
}

// ---------------------------------------------------------------------------------------
// Execution

/// The median whole-process wall time of `samples`.
fn wall_median(samples: &[Sample]) -> Duration {
    median(&samples.iter().map(|s| s.wall).collect::<Vec<_>>())
}

/// The median time measured inside the runner's process (instantiation plus `_start`),
/// or of the whole process where the runner reported none.
fn inner_median(samples: &[Sample]) -> Duration {
    median(
        &samples
            .iter()
            .map(|s| s.inner.unwrap_or(s.wall))
            .collect::<Vec<_>>(),
    )
}

/// The median time between the Sightglass markers, if every run called them.
fn region_median(samples: &[Sample]) -> Option<Duration> {
    let regions: Option<Vec<Duration>> = samples.iter().map(|s| s.region).collect();
    regions.map(|r| median(&r))
}

/// A Sightglass row whose region is within this factor of the `noop` module's under
/// every engine holds no work to compare: its time is the markers' own cost.
/// (shootout-nestedloop: clang folded its loops into a closed form, a few multiplies
/// between the two calls.)
const EMPTY_REGION_FACTOR: u32 = 3;

/// How a Sightglass row is timed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Timing {
    /// Between the markers in every engine.
    Marked,
    /// Between the markers, but the region is empty (see [`EMPTY_REGION_FACTOR`]): shown,
    /// left out of the means.
    Empty,
    /// Some run never reached `bench.end`: the fallback, see [`fallback_times`].
    Unmarked,
}

/// The timing used before the markers were timed, for rows without a usable region (in
/// [`SIGHTGLASS_ENGINES`] order): wasi-aot's whole process minus `baseline` (the `noop`
/// executable's), the runners' instantiation plus `_start`.
fn fallback_times(samples: &[Vec<Sample>], baseline: Duration) -> Vec<Duration> {
    vec![
        wall_median(&samples[0]).saturating_sub(baseline),
        inner_median(&samples[1]),
        inner_median(&samples[2]),
    ]
}

/// A Sightglass row's execution time per engine (in [`SIGHTGLASS_ENGINES`] order) and how
/// it was timed; `noop` holds the `noop` module's samples.
fn sightglass_times(samples: &[Vec<Sample>], noop: &[Vec<Sample>]) -> (Vec<Duration>, Timing) {
    let regions: Option<Vec<Duration>> = samples.iter().map(|s| region_median(s)).collect();
    match regions {
        Some(times) => {
            let empty = times
                .iter()
                .zip(noop)
                .all(|(t, n)| region_median(n).is_some_and(|n| *t <= n * EMPTY_REGION_FACTOR));
            let timing = if empty { Timing::Empty } else { Timing::Marked };
            (times, timing)
        }
        None => (
            fallback_times(samples, wall_median(&noop[0])),
            Timing::Unmarked,
        ),
    }
}

fn sightglass_section(
    env: &Env,
    programs: &[Program],
    noop: &[Vec<Sample>],
    policy: &RunPolicy,
) -> Result<String> {
    let baseline = wall_median(&noop[0]);
    let mut s = String::new();
    writeln!(s, "## Sightglass execution\n")?;
    writeln!(
        s,
        "The same region is timed in every engine, the one Sightglass itself times: each \
         module calls the host function `bench.start` just before its workload and \
         `bench.end` just after it, and every engine's `bench` functions read the \
         monotonic clock there (wasi-aot: `bench/stubs/bench_markers.c`, linked into the \
         executable with `--link`, `clock_gettime(CLOCK_MONOTONIC)`; wasmtime: \
         `time.perf_counter_ns()` in `bench/wasmtime_runner.py`; node:wasi: \
         `process.hrtime.bigint()` in `bench/node_runner.mjs`). Process start, \
         instantiation, whatever the module does outside the markers and exit are not \
         in it, for any engine, so a millisecond-scale module is no longer measured as a \
         difference of two process times; wasmtime's module is precompiled and \
         deserialized beforehand, node compiles lazily and tiers up while running, as it \
         does for any program. The markers cost one host call each in every engine, and \
         that cost is in every row; the `noop` row (a module calling `bench.start` and \
         `bench.end` back to back) measures it: a C call under wasi-aot, a Python \
         callback under wasmtime, a JavaScript function under node. \
         *wasi-aot, whole process* is the executable's wall time from spawn \
         to exit, for comparison (it adds process start, instantiation and the work \
         outside the markers). A module that never calls the markers would be timed as \
         before and marked †: wasi-aot's whole process minus the `noop` executable's \
         (the `noop` row's last column), wasmtime and node:wasi instantiation plus `_start` inside their \
         process. Every run's stdout and stderr are checked against the `.expected` \
         files. Medians; ratios below 1 mean wasi-aot is faster.\n"
    )?;
    writeln!(
        s,
        "| module | runs | wasi-aot | wasmtime | node:wasi | wasi-aot / wasmtime | wasi-aot / node | wasi-aot, whole process |"
    )?;
    writeln!(
        s,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )?;
    let optional = |d: Option<Duration>| d.map_or_else(|| "n/a".into(), fmt_duration);
    writeln!(
        s,
        "| noop (the markers alone; not in the means) | {} | {} | {} | {} | | | {} |",
        noop[0].len(),
        optional(region_median(&noop[0])),
        optional(region_median(&noop[1])),
        optional(region_median(&noop[2])),
        fmt_duration(baseline)
    )?;
    let mut vs_wasmtime = Vec::new();
    let mut vs_node = Vec::new();
    let mut worst: Option<(f64, String)> = None;
    let mut unmarked = false;
    let mut empty = Vec::new();
    for program in programs {
        eprintln!("bench:   {}", program.name);
        let samples = measure(env, program, &SIGHTGLASS_ENGINES, policy)?;
        let (times, timing) = sightglass_times(&samples, noop);
        unmarked |= timing == Timing::Unmarked;
        let (rw, rn) = (ratio(times[0], times[1]), ratio(times[0], times[2]));
        let mark = match timing {
            Timing::Marked => "",
            Timing::Unmarked => " †",
            Timing::Empty => {
                let f = fallback_times(&samples, baseline);
                empty.push(format!(
                    "{}: {} / {} / {} ({} vs wasmtime, {} vs node)",
                    program.name,
                    fmt_duration(f[0]),
                    fmt_duration(f[1]),
                    fmt_duration(f[2]),
                    fmt_ratio(ratio(f[0], f[1])),
                    fmt_ratio(ratio(f[0], f[2]))
                ));
                writeln!(
                    s,
                    "| {} ‡ | {} | {} | {} | {} | {}, not in the means | {} | {} |",
                    program.name,
                    samples[0].len(),
                    fmt_duration(times[0]),
                    fmt_duration(times[1]),
                    fmt_duration(times[2]),
                    fmt_ratio(rw),
                    fmt_ratio(rn),
                    fmt_duration(wall_median(&samples[0]))
                )?;
                continue;
            }
        };
        vs_wasmtime.extend(rw);
        vs_node.extend(rn);
        if let Some(r) = rw {
            if worst.as_ref().is_none_or(|w| r > w.0) {
                worst = Some((r, program.name.clone()));
            }
        }
        writeln!(
            s,
            "| {}{} | {} | {} | {} | {} | {} | {} | {} |",
            program.name,
            mark,
            samples[0].len(),
            fmt_duration(times[0]),
            fmt_duration(times[1]),
            fmt_duration(times[2]),
            fmt_ratio(rw),
            fmt_ratio(rn),
            fmt_duration(wall_median(&samples[0]))
        )?;
    }
    let g = geomean(&vs_wasmtime);
    writeln!(
        s,
        "| **geometric mean** | | | | | **{}** | **{}** | |\n",
        fmt_ratio(g),
        fmt_ratio(geomean(&vs_node))
    )?;
    if unmarked {
        writeln!(
            s,
            "† The module never called `bench.start`/`bench.end`: timed by the fallback \
             described above, which includes instantiation.\n"
        )?;
    }
    if !empty.is_empty() {
        writeln!(
            s,
            "‡ No work between the markers: the region is within {EMPTY_REGION_FACTOR}× of \
             the `noop` row's under every engine, so its ratios compare the markers' own \
             cost, and the row is left out of the means and of the 1.10× check. Timed the \
             old way (wasi-aot whole process minus `noop`'s / wasmtime and node:wasi \
             instantiation plus `_start`): {}.\n",
            empty.join("; ")
        )?;
    }
    let worst_text = worst
        .as_ref()
        .map_or("n/a".into(), |(r, n)| format!("{n} at {r:.2}×"));
    writeln!(
        s,
        "Targets: geomean wasi-aot / wasmtime ≤ 0.95: **{}** ({}); no module above 1.10×: \
         **{}** (slowest relative to wasmtime: {worst_text}).\n",
        met(g.is_some_and(|g| g <= 0.95)),
        fmt_ratio(g),
        met(worst.as_ref().is_some_and(|w| w.0 <= 1.10)),
    )?;
    writeln!(
        s,
        "Code placement: the same loop runs at different speeds depending on where it falls \
         within 64-byte lines. `bench/placement/sieve-loop.c` runs shootout-sieve's hot loop \
         (the same instructions under wasi-aot and wasmtime) at every offset within a line \
         (`sh bench/placement/scan.sh`): on this machine its inner loop takes about 0.27 s \
         wherever it crosses a 64-byte boundary and 0.17-0.25 s wherever it sits inside one \
         line. wasi-aot places each function, with never-executed filler before its entry, \
         so that its small innermost loops that make no call sit inside one line \
         (`compiler/src/placement.rs`); without that, this loop crossed a \
         line and shootout-sieve took 1.59x wasmtime's time (wasmtime's copy happened not to \
         cross one).\n"
    )?;
    Ok(s)
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "not met"
    }
}

fn native_section(env: &Env, programs: &[Program], policy: &RunPolicy) -> Result<String> {
    let engines = [Engine::WasiAot, Engine::Native, Engine::Wasmtime];
    let mut s = String::new();
    writeln!(s, "## C programs: wasm vs native\n")?;
    writeln!(
        s,
        "The project's own kernels (`bench/c/*.c`, self-checking), compiled with the same \
         clang: `clang -O2` natively, `clang --target=wasm32-wasi --sysroot=/usr -O2` to \
         wasm (the committed `.wasm` files, `bench/c/build.sh`). *wasi-aot* and *native*: \
         wall time of the whole process; *wasmtime*: instantiation plus `_start` inside its \
         process. Every run's output must equal the native build's.\n"
    )?;
    writeln!(
        s,
        "| program | runs | native | wasi-aot | wasmtime | wasi-aot / native | wasmtime / native |"
    )?;
    writeln!(s, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")?;
    let mut aot_ratios = Vec::new();
    let mut wt_ratios = Vec::new();
    for program in programs {
        eprintln!("bench:   {}", program.name);
        let samples = measure(env, program, &engines, policy)?;
        let aot = wall_median(&samples[0]);
        let native = wall_median(&samples[1]);
        let wasmtime = inner_median(&samples[2]);
        let (ra, rw) = (ratio(aot, native), ratio(wasmtime, native));
        aot_ratios.extend(ra);
        wt_ratios.extend(rw);
        writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            program.name,
            samples[0].len(),
            fmt_duration(native),
            fmt_duration(aot),
            fmt_duration(wasmtime),
            fmt_ratio(ra),
            fmt_ratio(rw)
        )?;
    }
    let g = geomean(&aot_ratios);
    writeln!(
        s,
        "| **geometric mean** | | | | | **{}** | **{}** |\n",
        fmt_ratio(g),
        fmt_ratio(geomean(&wt_ratios))
    )?;
    writeln!(
        s,
        "Target: geomean wasi-aot / native ≤ 1.25: **{}** ({}).\n",
        met(g.is_some_and(|g| g <= 1.25)),
        fmt_ratio(g)
    )?;
    Ok(s)
}

// ---------------------------------------------------------------------------------------
// Startup

fn startup_section(env: &Env, runs: usize) -> Result<String> {
    let demo = env.root.join("examples").join("demo.wasm");
    let hello_c = env.root.join("bench").join("c").join("hello.c");
    let native = env.work.join("hello.native");
    run_ok(
        Command::new("clang")
            .arg("-O2")
            .arg("-o")
            .arg(&native)
            .arg(&hello_c),
    )?;
    let program = Program {
        name: "hello world".into(),
        wasm: demo.clone(),
        dir: env.work.clone(),
        aot_exe: env.work.join("hello.aot"),
        cwasm: env.work.join("hello.cwasm"),
        native_exe: Some(native.clone()),
        expect: Expect::Exact {
            stdout: b"hello world\n".to_vec(),
            stderr: Vec::new(),
        },
    };
    aot_build(env, &demo, &env.work, &program.aot_exe, false, &[])?;
    wasmtime_compile(env, &demo, &program.cwasm, 1)?;
    let engines = [Engine::WasiAot, Engine::Native, Engine::Wasmtime];
    let policy = RunPolicy {
        min: runs,
        max: runs,
        budget: Duration::ZERO,
    };
    let samples = measure(env, &program, &engines, &policy)?;
    let wall = |i: usize| median(&samples[i].iter().map(|s| s.wall).collect::<Vec<_>>());
    let (aot, native_t, wt_process) = (wall(0), wall(1), wall(2));
    let wt_inner = median(
        &samples[2]
            .iter()
            .map(|s| s.inner.unwrap_or_default() + s.load.unwrap_or_default())
            .collect::<Vec<_>>(),
    );
    let python = python_baseline(env, runs.min(31))?;

    let mut s = String::new();
    writeln!(s, "## Startup: hello world\n")?;
    writeln!(
        s,
        "`examples/demo.wasm` (the node:wasi documentation example) built by wasi-aot, \
         `bench/c/hello.c` built with `clang -O2` (dynamically linked, as usual), and the \
         same module under wasmtime. Wall time of the whole process, median of {runs} runs. \
         wasmtime has no CLI here (it comes from PyPI), so its row is given two ways: \
         the in-process cost of a precompiled module (deserialize it, instantiate it with \
         WASI, run `_start`: what a wasmtime CLI adds to its own process start), and the \
         whole Python process, next to Python's own start with `import wasmtime` ({}). \
         The fair comparison for the in-process row is wasi-aot's cost above native C's \
         process ({}).\n",
        fmt_duration(python),
        fmt_duration(aot.saturating_sub(native_t))
    )?;
    writeln!(s, "| program | time | / native C |")?;
    writeln!(s, "| --- | ---: | ---: |")?;
    writeln!(
        s,
        "| native C (clang -O2) | {} | 1.00× |",
        fmt_duration(native_t)
    )?;
    writeln!(
        s,
        "| wasi-aot executable | {} | {} |",
        fmt_duration(aot),
        fmt_ratio(ratio(aot, native_t))
    )?;
    writeln!(
        s,
        "| wasmtime, in-process deserialize + instantiate + run | {} | {} |",
        fmt_duration(wt_inner),
        fmt_ratio(ratio(wt_inner, native_t))
    )?;
    writeln!(
        s,
        "| wasmtime, whole Python process | {} | {} |\n",
        fmt_duration(wt_process),
        fmt_ratio(ratio(wt_process, native_t))
    )?;
    let overhead = aot.saturating_sub(native_t);
    writeln!(
        s,
        "Targets: hello world ≤ 2× native C: **{}** ({}); faster than wasmtime, whole \
         process: **{}** ({} vs {}); wasi-aot's cost above a native process vs wasmtime's \
         in-process work: **{}** ({} vs {}).\n",
        met(ratio(aot, native_t).is_some_and(|r| r <= 2.0)),
        fmt_ratio(ratio(aot, native_t)),
        met(aot < wt_process),
        fmt_duration(aot),
        fmt_duration(wt_process),
        met(overhead < wt_inner),
        fmt_duration(overhead),
        fmt_duration(wt_inner),
    )?;
    Ok(s)
}

/// Python's start with `import wasmtime`: the fixed cost in the whole-process row.
fn python_baseline(env: &Env, runs: usize) -> Result<Duration> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        run_ok(Command::new(&env.python).args(["-c", "import wasmtime"]))?;
        times.push(start.elapsed());
    }
    Ok(median(&times))
}

// ---------------------------------------------------------------------------------------
// Sizes

fn file_size(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .with_context(|| format!("{} is missing", path.display()))?
        .len())
}

fn size_section(env: &Env, sightglass: &[Program], c_programs: &[Program]) -> Result<String> {
    let mut s = String::new();
    writeln!(s, "## Executable sizes\n")?;
    writeln!(
        s,
        "Produced executables (symbols kept, runtime DWARF stripped, as `wasi-aot build` \
         writes them) next to the module and wasmtime's precompiled `.cwasm`; for the C \
         programs also the native `clang -O2` executable (dynamically linked to libc).\n"
    )?;
    writeln!(
        s,
        "| program | .wasm | wasi-aot executable | wasmtime .cwasm | native |"
    )?;
    writeln!(s, "| --- | ---: | ---: | ---: | ---: |")?;
    let hello = [(
        "hello world".to_string(),
        env.root.join("examples").join("demo.wasm"),
        env.work.join("hello.aot"),
        env.work.join("hello.cwasm"),
        Some(env.work.join("hello.native")),
    )];
    let rows = hello
        .into_iter()
        .chain(sightglass.iter().chain(c_programs).map(|p| {
            (
                p.name.clone(),
                p.wasm.clone(),
                p.aot_exe.clone(),
                p.cwasm.clone(),
                p.native_exe.clone(),
            )
        }));
    for (name, wasm, aot, cwasm, native) in rows {
        let native = match native {
            Some(n) => fmt_size(file_size(&n)?),
            None => String::new(),
        };
        writeln!(
            s,
            "| {name} | {} | {} | {} | {native} |",
            fmt_size(file_size(&wasm)?),
            fmt_size(file_size(&aot)?),
            fmt_size(file_size(&cwasm)?)
        )?;
    }
    writeln!(s)?;
    Ok(s)
}
