//! Builds the runtime static library (`libwasi_aot_runtime.a`) with a nested `cargo build`
//! and leaves it in `OUT_DIR` for `src/link.rs` to embed with `include_bytes!`, so that an
//! installed `wasi-aot` needs nothing but a C compiler driver (`cc`) to link executables.
//!
//! The runtime is always built with `--release` (the workspace's release profile has
//! `panic = "abort"` and optimisation on), whatever profile the CLI itself is built with.
//! It gets its own target directory under `OUT_DIR`, so the nested cargo never waits for
//! the lock that the outer build holds on its target directory.
//!
//! Executables do not link that archive: its 385 members (std, compiler-builtins, and
//! every dependency, with their bitcode and DWARF) made GNU ld spend 85 ms per
//! link (41 ms of CPU time with the pre-linked object below, 33 ms with its sections
//! merged; LLD: 52 -> 38 ms). The script pre-links it once into one relocatable object,
//! `wasi_aot_runtime.o`: only what the runtime's C symbols reach (`ld -r
//! --gc-sections` rooted at them), a few large sections, no debug or bitcode sections,
//! and every other symbol made local so that no `--link` file can collide with the
//! runtime's copy of `std`. Where that needs tools the machine lacks (GNU ld's `-r --gc-sections`,
//! `objcopy`), the object is the archive itself (the linker reads either) and cargo
//! prints a warning.
//!
//! Also exported to the crate: `WASI_AOT_RUNTIME_SHA256`, the archive's SHA-256 (hex),
//! which names the archive's on-disk copy and is part of the `run` cache key, and
//! `WASI_AOT_RUNTIME_OBJECT_SHA256`, the same for the pre-linked object.

use object::read::archive::ArchiveFile;
use object::{Object as _, ObjectSymbol as _};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
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

/// The pre-linked runtime object that executables link.
const OBJECT_NAME: &str = "wasi_aot_runtime.o";

/// Prefix of the runtime's own C symbols: builtins, the entry point, the embedding API.
const RUNTIME_PREFIX: &str = "wasi_aot_";

/// Linker script for the pre-link. It merges the per-function sections into one per kind
/// once garbage collection has run (3,600 sections made each executable's link 11 ms
/// slower with GNU ld; executables grow by about 190 KiB of runtime code their module
/// does not call), keeps `.eh_frame` (which `--gc-sections` would drop in a script
/// without it) and drops the bitcode rustc embeds in `std`'s objects (marked
/// `SHF_EXCLUDE`, which a final link drops but `ld -r` keeps).
const PRELINK_SCRIPT: &str = "SECTIONS {
  .text 0 : { *(.text .text.*) }
  .rodata 0 : { *(.rodata .rodata.*) }
  .data.rel.ro 0 : { *(.data.rel.ro .data.rel.ro.*) }
  .data 0 : { *(.data .data.*) }
  .bss 0 : { *(.bss .bss.*) }
  .tdata 0 : { *(.tdata .tdata.*) }
  .tbss 0 : { *(.tbss .tbss.*) }
  .gcc_except_table 0 : { *(.gcc_except_table .gcc_except_table.*) }
  .eh_frame 0 : { KEEP (*(.eh_frame)) }
  /DISCARD/ : { *(.llvmbc) *(.llvmcmd) }
}
";

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
    write_if_changed(&out_dir.join(ARCHIVE_NAME), &bytes)?;
    println!("cargo:rustc-env=WASI_AOT_RUNTIME_SHA256={}", sha256(&bytes));

    let object = match prelink(&built, &bytes, &out_dir) {
        Ok(object) => object,
        Err(message) => {
            println!(
                "cargo:warning=executables link the whole runtime archive (slower): {message}"
            );
            bytes
        }
    };
    write_if_changed(&out_dir.join(OBJECT_NAME), &object)?;
    println!(
        "cargo:rustc-env=WASI_AOT_RUNTIME_OBJECT_SHA256={}",
        sha256(&object)
    );
    Ok(())
}

/// Writes `bytes` to `path` unless it holds them already, so that `include_bytes!` does
/// not force a recompilation of the CLI for nothing.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if fs::read(path).ok().as_deref() != Some(bytes) {
        fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(())
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Pre-links the runtime `archive` (whose contents are `bytes`) into one relocatable
/// object, as the module documentation describes, and returns it.
fn prelink(archive: &Path, bytes: &[u8], out_dir: &Path) -> Result<Vec<u8>, String> {
    let roots = runtime_symbols(bytes)?;
    let required = wasi_aot_abi::builtins::ALL
        .iter()
        .map(|b| b.symbol.to_string())
        .chain([wasi_aot_abi::builtins::MAIN_SYMBOL.to_string()])
        .chain(wasi_symbols());
    if let Some(missing) = required.into_iter().find(|s| !roots.contains(s)) {
        return Err(format!("the runtime archive does not define {missing}"));
    }
    let script = out_dir.join("prelink.ld");
    let roots_file = out_dir.join("prelink-roots.txt");
    let linked = out_dir.join("prelink-runtime.o");
    let object = out_dir.join(OBJECT_NAME);
    fs::write(&script, PRELINK_SCRIPT).map_err(|e| format!("writing {}: {e}", script.display()))?;
    let list: String = roots.iter().map(|s| format!("{s}\n")).collect();
    fs::write(&roots_file, list).map_err(|e| format!("writing {}: {e}", roots_file.display()))?;

    let mut ld = Command::new("cc");
    ld.args(["-r", "-nostdlib", "-Wl,--gc-sections", "-Wl,--strip-debug"])
        .arg(format!("-Wl,-T,{}", script.display()))
        .args(roots.iter().map(|s| format!("-Wl,-u,{s}")))
        .arg(archive)
        .arg("-o")
        .arg(&linked);
    run_tool(ld)?;
    let mut objcopy = Command::new("objcopy");
    objcopy
        .arg(format!("--keep-global-symbols={}", roots_file.display()))
        .arg(&linked)
        .arg(&object);
    run_tool(objcopy)?;
    let result = fs::read(&object).map_err(|e| format!("reading {}: {e}", object.display()))?;
    // `ld -r` keeps every section when it cannot collect garbage (as LLD and gold do).
    if result.len() * 4 > bytes.len() {
        return Err(format!(
            "the pre-linked object is {} bytes, not much smaller than the archive ({} bytes)",
            result.len(),
            bytes.len()
        ));
    }
    Ok(result)
}

/// Runs a tool of the pre-link, with its output in the error.
fn run_tool(mut command: Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("running `{command:?}`: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "`{command:?}` failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim_end()
    ))
}

/// The runtime's C symbols that the archive defines: everything named `wasi_aot_*` and
/// the WASI functions. Generated code, the C entry and `--link` host code use only these.
fn runtime_symbols(archive: &[u8]) -> Result<BTreeSet<String>, String> {
    let wasi_prefixes = [
        format!("{}_", wasi_aot_abi::host::WASI_PREVIEW1),
        format!("{}_", wasi_aot_abi::host::WASI_UNSTABLE),
    ];
    let wanted = |name: &str| {
        name.starts_with(RUNTIME_PREFIX) || wasi_prefixes.iter().any(|p| name.starts_with(p))
    };
    let err = |e: object::Error| format!("reading the runtime archive: {e}");
    let mut symbols = BTreeSet::new();
    for member in ArchiveFile::parse(archive).map_err(err)?.members() {
        let data = member.map_err(err)?.data(archive).map_err(err)?;
        // Members that are not objects (none in a Rust staticlib today) define nothing.
        let Ok(file) = object::File::parse(data) else {
            continue;
        };
        for symbol in file.symbols() {
            if symbol.is_definition() && symbol.is_global() {
                if let Ok(name) = symbol.name() {
                    if wanted(name) {
                        symbols.insert(name.to_string());
                    }
                }
            }
        }
    }
    Ok(symbols)
}

/// The symbol of every WASI function the runtime must define.
fn wasi_symbols() -> impl Iterator<Item = String> {
    use wasi_aot_abi::host::{host_symbol, WASI_FUNCTIONS, WASI_PREVIEW1, WASI_UNSTABLE};
    let preview1 = WASI_FUNCTIONS
        .iter()
        .map(|f| host_symbol(WASI_PREVIEW1, f.0));
    let unstable = wasi_aot_abi::host::WASI_UNSTABLE_FUNCTIONS
        .iter()
        .map(|name| host_symbol(WASI_UNSTABLE, name));
    preview1.chain(unstable)
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
