//! Running one benchmark program under one engine, checking its output and timing it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::env::Env;

/// How a program is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// A `wasi-aot build` executable.
    WasiAot,
    /// wasmtime (PyPI) on the precompiled module, timed inside the process.
    Wasmtime,
    /// Node.js's `node:wasi`, timed inside the process.
    Node,
    /// The program's C source compiled natively with `clang -O2`.
    Native,
}

impl Engine {
    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Engine::WasiAot => "wasi-aot",
            Engine::Wasmtime => "wasmtime",
            Engine::Node => "node:wasi",
            Engine::Native => "native",
        }
    }
}

/// What a program must print.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Exactly these stdout and stderr bytes.
    Exact {
        /// The expected standard output.
        stdout: Vec<u8>,
        /// The expected standard error.
        stderr: Vec<u8>,
    },
}

/// One program and the artefacts each engine runs.
#[derive(Clone, Debug)]
pub struct Program {
    /// Row name.
    pub name: String,
    /// The module.
    pub wasm: PathBuf,
    /// The working directory (preopened as `.`).
    pub dir: PathBuf,
    /// The wasi-aot executable.
    pub aot_exe: PathBuf,
    /// wasmtime's precompiled module.
    pub cwasm: PathBuf,
    /// The native executable, for the C programs.
    pub native_exe: Option<PathBuf>,
    /// The output every run must produce.
    pub expect: Expect,
}

/// The environment variable naming the file where `bench.end` writes the time spent
/// between the Sightglass markers, read by every engine's markers
/// (`bench/stubs/bench_markers.c`, `bench/wasmtime_runner.py`, `bench/node_runner.mjs`).
/// It is the host process's environment: none of them passes it to the guest.
pub const MARKER_TIME_VAR: &str = "WASI_AOT_BENCH_TIME";

/// One run's timings.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Wall time of the whole process, spawn to exit.
    pub wall: Duration,
    /// Time between the module's `bench.start` and `bench.end` calls (summed over the
    /// pairs), if it called them.
    pub region: Option<Duration>,
    /// Time measured inside the process (wasmtime and node: instantiation plus `_start`).
    pub inner: Option<Duration>,
    /// wasmtime: the time it took to deserialize the precompiled module.
    pub load: Option<Duration>,
}

fn timing_file(env: &Env) -> PathBuf {
    env.work.join("inner-time.txt")
}

fn region_file(env: &Env) -> PathBuf {
    env.work.join("region-time.txt")
}

/// The command running `program` under `engine`.
pub fn command(env: &Env, engine: Engine, program: &Program) -> Result<Command> {
    let mut cmd = match engine {
        Engine::WasiAot => Command::new(&program.aot_exe),
        Engine::Native => Command::new(
            program
                .native_exe
                .as_ref()
                .context("no native build for this program")?,
        ),
        Engine::Wasmtime => {
            let mut c = Command::new(&env.python);
            c.arg(&env.wasmtime_runner)
                .arg("run")
                .arg(&program.cwasm)
                .arg(timing_file(env));
            c
        }
        Engine::Node => {
            let mut c = Command::new("node");
            c.arg("--no-warnings")
                .arg(&env.node_runner)
                .arg(&program.wasm)
                .arg(timing_file(env));
            c
        }
    };
    cmd.current_dir(&program.dir)
        .env(MARKER_TIME_VAR, region_file(env))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Ok(cmd)
}

/// Runs `program` once under `engine`, checks its exit status and output, and returns
/// its timings.
pub fn run_once(env: &Env, engine: Engine, program: &Program) -> Result<Sample> {
    let mut cmd = command(env, engine, program)?;
    let inner_file = timing_file(env);
    let region_file = region_file(env);
    let _ = std::fs::remove_file(&inner_file);
    let _ = std::fs::remove_file(&region_file);
    let start = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    let wall = start.elapsed();
    check_output(&out, &program.expect)
        .with_context(|| format!("{} under {}", program.name, engine.label()))?;
    let (inner, load) = match engine {
        Engine::Wasmtime | Engine::Node => {
            let times = read_nanos_lines(&inner_file).with_context(|| {
                format!("the runner wrote no timing to {}", inner_file.display())
            })?;
            (times.first().copied(), times.get(1).copied())
        }
        Engine::WasiAot | Engine::Native => (None, None),
    };
    // No file means the program never reached `bench.end`.
    let region = if region_file.exists() {
        read_nanos_lines(&region_file)
            .with_context(|| format!("{} under {}", program.name, engine.label()))?
            .first()
            .copied()
    } else {
        None
    };
    Ok(Sample {
        wall,
        region,
        inner,
        load,
    })
}

/// Reads one nanosecond count per line.
pub fn read_nanos_lines(path: &Path) -> Result<Vec<Duration>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .map(|l| Ok(Duration::from_nanos(l.trim().parse()?)))
        .collect()
}

/// Fails unless the run exited 0 with exactly the expected output.
pub fn check_output(out: &Output, expect: &Expect) -> Result<()> {
    if !out.status.success() {
        bail!(
            "exited with {}; stderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    let Expect::Exact { stdout, stderr } = expect;
    if &out.stdout != stdout {
        bail!(
            "stdout differs from the expected output ({} bytes, expected {})",
            out.stdout.len(),
            stdout.len()
        );
    }
    if &out.stderr != stderr {
        bail!(
            "stderr differs: {:?}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(())
}

/// How many runs to make of each program under each engine.
#[derive(Clone, Copy, Debug)]
pub struct RunPolicy {
    /// Fewest runs.
    pub min: usize,
    /// Most runs.
    pub max: usize,
    /// Roughly how long to spend per program and engine.
    pub budget: Duration,
}

impl RunPolicy {
    /// The run count after a first run that took `first`.
    pub fn count(&self, first: Duration) -> usize {
        if first.is_zero() {
            return self.max;
        }
        let fit = (self.budget.as_secs_f64() / first.as_secs_f64()).ceil() as usize;
        fit.clamp(self.min, self.max.max(self.min))
    }
}

/// Programs whose slowest engine's first run takes less than this get a warm-up before
/// every timed run: one untimed run under the same engine, right before it. A process
/// that follows another program's runs a short region slower than one that follows its
/// own: shootout-xblabla20's region took a median 1.43 ms under wasi-aot right after a
/// node:wasi run and 1.04 ms right after a wasi-aot run (1.03 and 1.00 ms under
/// wasmtime, whose region starts some 80 ms into its process), so interleaving alone
/// measured a millisecond-scale row by what ran before it. Long rows are unaffected.
pub const WARM_UP_BELOW: Duration = Duration::from_secs(1);

/// Runs `program` under every engine, interleaving the engines run by run so that drift
/// in the machine's speed affects them alike; returns each engine's samples. Below
/// [`WARM_UP_BELOW`], each timed run follows an untimed one of the same engine, and the
/// first round (each run following another engine's) only decides the run count.
pub fn measure(
    env: &Env,
    program: &Program,
    engines: &[Engine],
    policy: &RunPolicy,
) -> Result<Vec<Vec<Sample>>> {
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); engines.len()];
    for (i, engine) in engines.iter().enumerate() {
        samples[i].push(run_once(env, *engine, program)?);
    }
    let slowest = samples.iter().map(|s| s[0].wall).max().unwrap_or_default();
    let count = policy.count(slowest);
    let warm_up = slowest < WARM_UP_BELOW;
    if warm_up {
        samples.iter_mut().for_each(Vec::clear);
    }
    while samples[0].len() < count {
        for (i, engine) in engines.iter().enumerate() {
            if warm_up {
                run_once(env, *engine, program)?;
            }
            samples[i].push(run_once(env, *engine, program)?);
        }
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_count_fits_the_budget_within_bounds() {
        let policy = RunPolicy {
            min: 3,
            max: 15,
            budget: Duration::from_secs(2),
        };
        assert_eq!(policy.count(Duration::from_secs(10)), 3);
        assert_eq!(policy.count(Duration::from_millis(400)), 5);
        assert_eq!(policy.count(Duration::from_micros(10)), 15);
        assert_eq!(policy.count(Duration::ZERO), 15);
    }
}
