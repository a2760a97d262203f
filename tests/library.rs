//! Library mode (`wasi-aot build --lib`), end to end with a real C compiler:
//!
//! - `example/host-c`: `examples/host-c/build.sh` builds the C host example (two
//!   libraries without the runtime, the runtime archive, the program); its output must
//!   match `examples/host-c/expected.stdout`.
//! - `example/host-rust and embed-api`: `examples/host-rust` built with cargo (its build
//!   script runs this `wasi-aot`), output checked against
//!   `examples/host-rust/expected.stdout`; then `tests/library/embed-api`, which checks
//!   the `wasi-aot-embed` API call by call against the modules of `tests/library`. Both
//!   build in `target/embedding-hosts`, kept between runs.
//! - `api/*`: `tests/library/api_test.c` checks the C API call by call against six
//!   libraries built from `tests/library/*.wat`, linked together with one runtime, in
//!   two layouts (all archives plus the runtime archive, guard pages; the API module as
//!   an object file and the runtime inside another library, explicit bounds checks), and
//!   that `proc_exit` without return-on-exit ends the process.
//! - `header/*`: every generated header (and `wasi_aot.h`) compiles cleanly with
//!   `-Wall -Wextra -Werror` under gcc and clang, as C99/C11 with `-pedantic`, GNU C17,
//!   and C++11/C++17, alone and all together in one file.
//!
//! Usage: `cargo test --release --test library [-- SUBSTRING...]`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use wasi_aot_tests::{
    compare_exact, repo_root, run_with_timeout, runner_main, Check, Output, BUILD_TIMEOUT,
    RUN_TIMEOUT,
};

/// The modules of `tests/library`, each built into a library of the same name.
const API_MODULES: [&str; 6] = ["api", "cmd", "nomem", "badinit", "startfn", "plain"];

fn main() -> ExitCode {
    runner_main("library", |setup| {
        let bin = Arc::new(setup.bin.clone());
        let work = setup.work.clone();
        let mut checks = Vec::new();
        let dir = |name: &str| work.join(name.replace('/', "-"));
        {
            let (bin, out) = (Arc::clone(&bin), dir("host-c"));
            checks.push(Check::new("example/host-c", move || host_c(&bin, &out)));
        }
        // Both Rust packages share a target directory: one after the other.
        {
            let bin = Arc::clone(&bin);
            checks.push(Check::new("example/host-rust and embed-api", move || {
                host_rust(&bin)?;
                embed_api(&bin)
            }));
        }
        for layout in [Layout::Archives, Layout::ObjectAndEmbeddedRuntime] {
            let (bin, out) = (Arc::clone(&bin), dir(layout.name()));
            checks.push(Check::new(layout.name(), move || api(&bin, &out, layout)));
        }
        for compiler in ["gcc", "clang"] {
            let (bin, out) = (Arc::clone(&bin), dir(&format!("header-{compiler}")));
            checks.push(Check::new(format!("header/{compiler}"), move || {
                headers(&bin, &out, compiler)
            }));
        }
        Ok(checks)
    })
}

/// Runs `cmd` (with a time limit); its output if it succeeded, else a summary.
fn succeed(cmd: &mut Command, timeout: std::time::Duration) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    let out = run_with_timeout(cmd, None, timeout)?;
    if out.status.success() && !out.timed_out {
        Ok(out)
    } else {
        Err(format!(
            "{shown} failed ({}): {}{}",
            out.describe(timeout),
            String::from_utf8_lossy(&out.stdout),
            out.stderr_text().trim_end()
        ))
    }
}

/// Checks a program's stdout against an expectation file and its stderr is empty.
fn expect_output(out: &Output, expected: &Path) -> Result<(), String> {
    let want = std::fs::read(expected).map_err(|e| format!("{}: {e}", expected.display()))?;
    if let Some(diff) = compare_exact("stdout", &want, &out.stdout) {
        return Err(diff);
    }
    if !out.stderr.is_empty() {
        return Err(format!("unexpected stderr: {}", out.stderr_text()));
    }
    Ok(())
}

fn create_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

fn host_c(bin: &Path, out: &Path) -> Result<(), String> {
    let example = repo_root().join("examples").join("host-c");
    succeed(
        Command::new("bash")
            .arg(example.join("build.sh"))
            .arg(out)
            .env("WASI_AOT", bin),
        BUILD_TIMEOUT,
    )?;
    let data = repo_root().join("examples").join("library");
    let run = run_program(&out.join("host"), &[&data])?;
    expect_output(&run, &example.join("expected.stdout"))
}

/// Environment variables passed to the nested cargo; everything cargo sets for this
/// test (`CARGO_*`, `RUSTFLAGS`, ...) is dropped so the example builds as a user's would.
const CARGO_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "TMPDIR",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "CARGO_NET_OFFLINE",
];

/// Builds the Rust package at `manifest` (its build script runs `bin`) into a target
/// directory of its own that persists between runs (the dependencies take a while to
/// build the first time); returns that directory's `release`.
fn cargo_build(bin: &Path, manifest: &Path) -> Result<PathBuf, String> {
    let target = repo_root().join("target").join("embedding-hosts");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.env_clear()
        .envs(
            CARGO_ENV
                .iter()
                .filter_map(|k| Some((k, std::env::var_os(k)?))),
        )
        .env("WASI_AOT", bin)
        .args(["build", "--release", "--offline", "--manifest-path"])
        .arg(manifest)
        .arg("--target-dir")
        .arg(&target);
    succeed(&mut cmd, BUILD_TIMEOUT)?;
    Ok(target.join("release"))
}

/// Runs `exe ARGS`, which must succeed.
fn run_program(exe: &Path, args: &[&Path]) -> Result<Output, String> {
    let run = run_with_timeout(Command::new(exe).args(args), None, RUN_TIMEOUT)?;
    if run.status.success() {
        Ok(run)
    } else {
        Err(format!(
            "{} failed ({}): {}{}",
            exe.display(),
            run.describe(RUN_TIMEOUT),
            String::from_utf8_lossy(&run.stdout),
            run.stderr_text()
        ))
    }
}

fn host_rust(bin: &Path) -> Result<(), String> {
    let example = repo_root().join("examples").join("host-rust");
    let release = cargo_build(bin, &example.join("Cargo.toml"))?;
    let data = repo_root().join("examples").join("library");
    let run = run_program(&release.join("host-rust"), &[&data])?;
    expect_output(&run, &example.join("expected.stdout"))
}

fn embed_api(bin: &Path) -> Result<(), String> {
    let manifest = repo_root()
        .join("tests")
        .join("library")
        .join("embed-api")
        .join("Cargo.toml");
    let release = cargo_build(bin, &manifest)?;
    let run = run_program(&release.join("embed-api"), &[])?;
    let stdout = String::from_utf8_lossy(&run.stdout);
    if stdout.contains(", 0 failed") && !stdout.contains("FAIL") {
        Ok(())
    } else {
        Err(stdout.into_owned())
    }
}

/// How the API test program is put together.
#[derive(Clone, Copy)]
enum Layout {
    /// Every module an archive built with `--no-runtime`, plus the runtime archive;
    /// guard-page bounds checks.
    Archives,
    /// The API module as an object file, the runtime carried by the `cmd` library;
    /// explicit bounds checks.
    ObjectAndEmbeddedRuntime,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::Archives => "api/archives",
            Layout::ObjectAndEmbeddedRuntime => "api/object-and-embedded-runtime",
        }
    }
}

/// Builds `tests/library/<module>.wat` into `out` as `lib<module>.a` (or `<module>.o`)
/// with its header `<module>.h`; returns the library's path.
fn build_library(bin: &Path, out: &Path, module: &str, extra: &[&str]) -> Result<PathBuf, String> {
    let object = extra.contains(&"--object");
    let output = if object {
        out.join(format!("{module}.o"))
    } else {
        out.join(format!("lib{module}.a"))
    };
    let source = repo_root()
        .join("tests")
        .join("library")
        .join(format!("{module}.wat"));
    let mut cmd = Command::new(bin);
    cmd.args(["build", "--lib"])
        .arg(source)
        .arg("-o")
        .arg(&output)
        .arg("--header")
        .arg(out.join(format!("{module}.h")))
        .args(extra.iter().filter(|a| **a != "--object"));
    succeed(&mut cmd, BUILD_TIMEOUT)?;
    Ok(output)
}

fn api(bin: &Path, out: &Path, layout: Layout) -> Result<(), String> {
    create_dir(out)?;
    let mut inputs = Vec::new();
    for module in API_MODULES {
        let extra: Vec<&str> = match (layout, module) {
            (Layout::Archives, _) => vec!["--no-runtime"],
            (Layout::ObjectAndEmbeddedRuntime, "api") => {
                vec!["--object", "--bounds-checks", "explicit"]
            }
            (Layout::ObjectAndEmbeddedRuntime, "cmd") => vec!["--bounds-checks", "explicit"],
            (Layout::ObjectAndEmbeddedRuntime, _) => {
                vec!["--no-runtime", "--bounds-checks", "explicit"]
            }
        };
        inputs.push(build_library(bin, out, module, &extra)?);
    }
    if let Layout::Archives = layout {
        let runtime = out.join("libwasi_aot_runtime.a");
        succeed(
            Command::new(bin).arg("runtime").arg("-o").arg(&runtime),
            BUILD_TIMEOUT,
        )?;
        inputs.push(runtime);
    }
    let exe = out.join("api_test");
    let source = repo_root().join("tests").join("library").join("api_test.c");
    succeed(
        Command::new("cc")
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread", "-I"])
            .arg(out)
            .arg("-o")
            .arg(&exe)
            .arg(source)
            .args(&inputs)
            .args(["-Wl,--gc-sections", "-lpthread", "-ldl", "-lm"]),
        BUILD_TIMEOUT,
    )?;
    let scratch = out.join("scratch");
    create_dir(&scratch)?;
    let run = run_with_timeout(Command::new(&exe).arg(&scratch), None, RUN_TIMEOUT)?;
    let stdout = String::from_utf8_lossy(&run.stdout);
    if !run.status.success() || !stdout.contains(", 0 failed") {
        return Err(format!(
            "api_test failed ({}): {}{}",
            run.describe(RUN_TIMEOUT),
            stdout,
            run.stderr_text()
        ));
    }
    // Without return-on-exit, proc_exit ends the host process with the guest's status.
    let run = run_with_timeout(Command::new(&exe).arg("exit-process"), None, RUN_TIMEOUT)?;
    if run.status.code() != Some(9) || run.stdout != b"before\n" {
        return Err(format!(
            "exit-process: expected status 9 and \"before\\n\", got {} and {:?}",
            run.describe(RUN_TIMEOUT),
            String::from_utf8_lossy(&run.stdout)
        ));
    }
    Ok(())
}

fn headers(bin: &Path, out: &Path, compiler: &str) -> Result<(), String> {
    create_dir(out)?;
    let mut names = Vec::new();
    for module in API_MODULES {
        build_library(bin, out, module, &["--no-runtime"])?;
        names.push(format!("{module}.h"));
    }
    let examples = repo_root().join("examples").join("library");
    for module in ["greet", "textstats"] {
        let mut cmd = Command::new(bin);
        cmd.args(["build", "--lib"])
            .arg(examples.join(format!("{module}.wasm")))
            .arg("-o")
            .arg(out.join(format!("lib{module}.a")))
            .arg("--header")
            .arg(out.join(format!("{module}.h")))
            .arg("--no-runtime");
        succeed(&mut cmd, BUILD_TIMEOUT)?;
        names.push(format!("{module}.h"));
    }
    succeed(
        Command::new(bin)
            .arg("runtime")
            .arg("-o")
            .arg(out.join("libwasi_aot_runtime.a"))
            .arg("--header")
            .arg(out.join("wasi_aot.h")),
        BUILD_TIMEOUT,
    )?;
    names.push("wasi_aot.h".into());

    // One file per header, and one including them all.
    let mut units = Vec::new();
    for (i, name) in names.iter().enumerate() {
        units.push((format!("one{i}"), format!("#include \"{name}\"\n")));
    }
    let all: String = names
        .iter()
        .map(|n| format!("#include \"{n}\"\n"))
        .collect();
    units.push(("all".into(), all));
    let cxx = if compiler == "gcc" { "g++" } else { "clang++" };
    let modes: [(&str, &str, &[&str]); 5] = [
        (compiler, "c", &["-std=c99", "-pedantic"]),
        (compiler, "c", &["-std=c11", "-pedantic"]),
        (compiler, "c", &["-std=gnu17"]),
        (cxx, "cpp", &["-std=c++11", "-pedantic"]),
        (cxx, "cpp", &["-std=c++17"]),
    ];
    for (unit, text) in &units {
        for (driver, ext, flags) in modes {
            let source = out.join(format!("{unit}.{ext}"));
            std::fs::write(&source, format!("{text}int main(void) {{ return 0; }}\n"))
                .map_err(|e| e.to_string())?;
            succeed(
                Command::new(driver)
                    .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
                    .args(flags)
                    .arg("-I")
                    .arg(out)
                    .arg(&source),
                BUILD_TIMEOUT,
            )?;
        }
    }
    Ok(())
}
