//! Builds the runtime static library (`libwasi_aot_runtime.a`) with a nested `cargo build`
//! and leaves it in `OUT_DIR` for `src/link.rs` to embed with `include_bytes!`, so that an
//! installed `wasi-aot` needs nothing but a C compiler driver (`cc`) to link executables.
//!
//! The runtime is always built with `--release` (the workspace's release profile has
//! `panic = "abort"` and optimisation on), whatever profile the CLI itself is built with.
//! It gets its own target directory under `OUT_DIR`, so the nested cargo never waits for
//! the lock that the outer build holds on its target directory.
//!
//! Also exported to the crate: `WASI_AOT_RUNTIME_SHA256`, the archive's SHA-256 (hex),
//! which names the archive's on-disk copy and is part of the `run` cache key.

use sha2::{Digest, Sha256};
use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Environment variables handed to the nested cargo; everything else is dropped so that
/// nothing cargo sets for build scripts (`TARGET`, `OPT_LEVEL`, `PROFILE`, `RUSTC`,
/// `CARGO_FEATURE_*`, `CARGO_MAKEFLAGS`, `RUSTFLAGS`, `RUSTC_WRAPPER`, ...) leaks into it.
const PASSED_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "TMPDIR",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "CARGO_NET_OFFLINE",
    "CARGO_HTTP_PROXY",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// The runtime's library name as cargo writes it.
const ARCHIVE_NAME: &str = "libwasi_aot_runtime.a";

fn main() {
    // `wasi-aot wast` loads compiled modules as shared libraries whose calls to runtime
    // builtins must resolve against the runtime linked into this binary.
    println!("cargo:rustc-link-arg-bins=-rdynamic");
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(env_var("OUT_DIR")?);
    let target = env_var("TARGET")?;
    let workspace = manifest_dir
        .parent()
        .ok_or("the cli package has no parent directory")?
        .to_path_buf();
    let runtime = workspace.join("runtime");
    if !runtime.join("Cargo.toml").is_file() {
        return Err(format!(
            "{} not found: wasi-aot must be built from its workspace (for example \
             `cargo install --path cli`)",
            runtime.join("Cargo.toml").display()
        ));
    }

    watch_inputs(&workspace).map_err(|e| format!("listing the runtime's sources: {e}"))?;

    let target_dir = out_dir.join("runtime-target");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .env_clear()
        .envs(PASSED_ENV.iter().filter_map(|k| Some((k, env::var_os(k)?))))
        .arg("build")
        .arg("--release")
        .args(["-p", "wasi-aot-runtime"])
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .args(["--target", &target])
        // Cargo reads the build script's stdout for directives: keep the nested
        // build's output on stderr, which cargo shows if this script fails.
        .stdout(Stdio::from(io::stderr()));
    let status = command
        .status()
        .map_err(|e| format!("running {}: {e}", Path::new(&cargo).display()))?;
    if !status.success() {
        return Err(format!(
            "building the runtime with `{command:?}` failed ({status})"
        ));
    }

    let built = target_dir.join(&target).join("release").join(ARCHIVE_NAME);
    let bytes = fs::read(&built).map_err(|e| format!("reading {}: {e}", built.display()))?;
    let copy = out_dir.join(ARCHIVE_NAME);
    // Only rewrite an identical archive's copy when it changed, so `include_bytes!`
    // does not force a recompilation of the CLI for nothing.
    if fs::read(&copy).ok().as_deref() != Some(&bytes[..]) {
        fs::write(&copy, &bytes).map_err(|e| format!("writing {}: {e}", copy.display()))?;
    }
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("cargo:rustc-env=WASI_AOT_RUNTIME_SHA256={hash}");
    Ok(())
}

fn env_var(name: &str) -> Result<String, String> {
    env::var(name).map_err(|e| format!("${name}: {e}"))
}

/// Asks cargo to rerun this script when anything the runtime archive is built from
/// changes: the runtime and abi packages (manifests, build scripts, sources) and the
/// workspace manifest and lock file (profiles, dependency versions).
///
/// Only existing paths are named (cargo treats a missing one as changed on every build).
/// Each package directory is named as well as every file in it: current cargo scans a
/// named directory recursively, which also catches files added later (a new
/// `build.rs`); older versions compared only the directory's own mtime.
fn watch_inputs(workspace: &Path) -> io::Result<()> {
    let mut paths = vec![workspace.join("Cargo.toml"), workspace.join("Cargo.lock")];
    for package in ["runtime", "abi"] {
        let dir = workspace.join(package);
        paths.push(dir.clone());
        list_files(&dir, &mut paths)?;
    }
    for path in paths.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    Ok(())
}

/// Appends every file and directory under `dir`, skipping hidden entries and build
/// output (`target`).
fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries = fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') || name == "target" {
            continue;
        }
        let path = entry.path();
        let is_dir = entry.file_type()?.is_dir();
        out.push(path.clone());
        if is_dir {
            list_files(&path, out)?;
        }
    }
    Ok(())
}
