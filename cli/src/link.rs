//! Linking with the system C compiler driver and the runtime archive this binary carries.
//!
//! `build.rs` builds `libwasi_aot_runtime.a` (the runtime crate as a `staticlib`, release
//! profile), which library mode ships, and pre-links it into `wasi_aot_runtime.o` (only
//! the code the runtime's C symbols reach), which executables link; this module embeds
//! both. At link time the object is written once per version to the cache directory
//! (`<cache>/runtime/wasi_aot_runtime-<sha256>.o`), or into the link's temporary
//! directory if there is no usable cache directory.
//!
//! Executables without `--link` files need one link per cache directory and linker,
//! of the runtime template ([`runtime_template`], `<cache>/runtime/template-<hash>`):
//!
//! ```text
//! $CC [-fuse-ld=gold] -o TEMPLATE RUNTIME.o -Wl,--defsym=main=wasi_aot_image_main -Wl,--strip-debug -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
//! ```
//!
//! and `crate::image` writes each executable from it and the compiled object. The
//! others are linked whole:
//!
//! ```text
//! $CC [-fuse-ld=gold] -o OUT module.o [--link FILES...] RUNTIME.o -Wl,--gc-sections -Wl,--strip-debug -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
//! ```
//!
//! `CC` defaults to `cc` and may carry arguments (`CC="ccache gcc"`). Without `CC`, links
//! use GNU gold where it is installed (faster than GNU ld here; see [`uses_gold`]), and
//! fall back to the toolchain's default linker if gold fails. The compiled object
//! comes first so that the archives after it resolve its undefined symbols; `--link`
//! files precede the runtime so that they may use its symbols too. The output is a
//! position-independent executable (the toolchain's default): the compiled object and
//! the runtime are both position-independent code.

use crate::{cache, image};
use anyhow::{bail, Context as _};
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use wasi_aot_abi::image::IMAGE_MAIN_SYMBOL;

/// The runtime static library, built by `build.rs`.
static RUNTIME_ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libwasi_aot_runtime.a"));

/// SHA-256 (hex) of [`RUNTIME_ARCHIVE`], computed by `build.rs`.
pub const RUNTIME_SHA256: &str = env!("WASI_AOT_RUNTIME_SHA256");

/// The runtime pre-linked into one relocatable object, built by `build.rs` (the archive
/// itself on machines where that is not possible).
static RUNTIME_OBJECT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/wasi_aot_runtime.o"));

/// SHA-256 (hex) of [`RUNTIME_OBJECT`], computed by `build.rs`.
const RUNTIME_OBJECT_SHA256: &str = env!("WASI_AOT_RUNTIME_OBJECT_SHA256");

/// Flags after the inputs: drop the runtime's DWARF (generated code has none; symbols
/// stay, so perf and gdb still name wasm functions: 4.3 MB -> 0.5 MB for hello world),
/// then the system libraries Rust's `std` needs in a static library on glibc (`rustc
/// --print native-static-libs`; on glibc 2.34 and later `util`, `rt`, `pthread` and `dl`
/// are empty stubs, still accepted).
const LINK_FLAGS: &[&str] = &[
    "-Wl,--strip-debug",
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// Drops the runtime code a module linked by `cc` does not reach.
const GC_SECTIONS: &str = "-Wl,--gc-sections";

/// Makes the executable `output` from the compiled `object` and the `link` files.
///
/// Without `link` files the executable is the runtime template with the module
/// appended (`crate::image`): no linker runs once the template is in the cache. With
/// them, or where the writer cannot handle the template or the object, `cc` links
/// the object, the files and the runtime.
///
/// # Errors
///
/// No C compiler, temporary files that cannot be written, or a failed link (the message
/// carries the command line and the linker's output).
pub fn link_executable(object: &[u8], link: &[PathBuf], output: &Path) -> anyhow::Result<()> {
    let cache = cache::cache_dir().ok();
    if link.is_empty() {
        if let Ok(mut template) = runtime_template(cache.as_deref()) {
            let executable = image::write_executable(&object::ReadCache::new(&template), object);
            if let Ok(executable) = executable {
                return write_executable_file(output, &executable, &mut template);
            }
        }
    }
    link_with(object, link, output, cache.as_deref())
}

/// [`link_executable`] by `cc`, with the runtime object kept in `cache` (if given).
fn link_with(
    object: &[u8],
    link: &[PathBuf],
    output: &Path,
    cache: Option<&Path>,
) -> anyhow::Result<()> {
    let tmp = tempfile::Builder::new()
        .prefix("wasi-aot-")
        .tempdir()
        .context("creating a temporary directory")?;
    let object_path = tmp.path().join("module.o");
    fs::write(&object_path, object)
        .with_context(|| format!("writing {}", object_path.display()))?;
    let runtime = runtime_object(cache, tmp.path())?;
    let inputs: Vec<PathBuf> = std::iter::once(object_path)
        .chain(link.iter().map(|file| not_an_option(file)))
        .chain([runtime])
        .collect();
    run_link(output, &inputs, &[GC_SECTIONS]).map(|_gold| ())
}

/// Links `inputs` with `flags`, then [`LINK_FLAGS`], into `output`, with GNU gold where
/// [`uses_gold`] says so. Returns whether gold linked it.
fn run_link(output: &Path, inputs: &[PathBuf], flags: &[&str]) -> anyhow::Result<bool> {
    let link_command = |gold: bool| {
        let (program, mut command) = cc_command();
        if gold {
            command.arg(USE_GOLD);
        }
        command
            .arg("-o")
            .arg(not_an_option(output))
            .args(inputs)
            .args(flags)
            .args(LINK_FLAGS);
        (program, command)
    };
    let gold = uses_gold();
    let (program, command) = link_command(gold);
    match run_cc(&program, command, "linking") {
        // A gold that cannot link this is no reason to fail: the toolchain's own linker
        // decides, and its error is the one reported.
        Err(_) if gold => {
            let (program, command) = link_command(false);
            run_cc(&program, command, "linking").map(|()| false)
        }
        result => result.map(|()| gold),
    }
}

/// The runtime template: the whole runtime object linked by `cc` into an executable
/// whose `main` is the runtime's image entry point (`wasi_aot_abi::image`), without
/// `--gc-sections` so that it defines every runtime symbol a module may call (it is
/// the size of a linked hello world all the same: the object holds only what the
/// runtime's C symbols reach). Kept in the `cache` directory under a name derived from
/// the runtime object and the linker that linked it (see [`link_driver`]); linked now if
/// it is not there.
pub fn runtime_template(cache: Option<&Path>) -> anyhow::Result<fs::File> {
    let cached = |driver: OsString| {
        use sha2::Digest as _;
        let key = sha2::Sha256::new()
            .chain_update(RUNTIME_OBJECT_SHA256)
            .chain_update([0])
            .chain_update(driver.as_encoded_bytes())
            .finalize();
        cache.map(|dir| {
            dir.join("runtime")
                .join(format!("template-{}", &cache::hex(&key)[..32]))
        })
    };
    if let Some(file) = cached(link_driver()).and_then(|path| fs::File::open(path).ok()) {
        return Ok(file);
    }
    let tmp = tempfile::Builder::new()
        .prefix("wasi-aot-")
        .tempdir()
        .context("creating a temporary directory")?;
    let runtime = runtime_object(cache, tmp.path())?;
    let output = tmp.path().join("template");
    let entry = format!("-Wl,--defsym=main={IMAGE_MAIN_SYMBOL}");
    let gold = run_link(&output, &[runtime], &[&entry])?;
    // Under the name of the linker that made it (not gold, if gold failed).
    if let Some(path) = cached(driver(gold)) {
        // Best effort: without the cache the next build links the template again.
        let _ = fs::read(&output).and_then(|bytes| cache::write_atomically(&path, &bytes));
    }
    fs::File::open(&output).with_context(|| format!("reading {}", output.display()))
}

/// Writes `executable` (made from the `template` file) to `path` (mode 755) as a
/// linker would: a regular file or a symbolic link at `path` is replaced (by renaming a
/// complete file over it, so a running copy is never overwritten), anything else
/// (`/dev/null`) is written to.
fn write_executable_file(
    path: &Path,
    executable: &image::Executable,
    template: &mut fs::File,
) -> anyhow::Result<()> {
    use std::io::{Read as _, Seek as _, Write as _};
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let context = || format!("writing {}", path.display());
    let special = fs::symlink_metadata(path)
        .is_ok_and(|m| !m.file_type().is_file() && !m.file_type().is_symlink());
    if special {
        let mut bytes = Vec::new();
        template.seek(io::SeekFrom::Start(0))?;
        template
            .read_to_end(&mut bytes)
            .context("reading the runtime template")?;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .mode(0o755)
            .open(path)
            .with_context(context)?;
        return file
            .write_all(&executable.to_bytes(&bytes))
            .with_context(context);
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".wasi-aot-")
        .permissions(fs::Permissions::from_mode(0o755))
        .tempfile_in(dir)
        .with_context(context)?;
    executable
        .write(template, file.as_file_mut())
        .with_context(context)?;
    file.persist(path)
        .map_err(|e| e.error)
        .with_context(context)?;
    Ok(())
}

/// The driver flag selecting GNU gold.
const USE_GOLD: &str = "-fuse-ld=gold";

/// Whether links add [`USE_GOLD`]: when `CC` is not set (a set `CC` chooses the driver
/// and its linker) and `ld.gold` is an executable on `PATH`. With the pre-linked runtime,
/// gold links an executable in 13 ms where the toolchain's default GNU ld takes 20 and
/// LLD more (shootout-gimli, on the benchmark machine): whole builds of small modules
/// take 4 to 11 ms less.
fn uses_gold() -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    if cc_from_env().is_some() {
        return false;
    }
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        fs::metadata(dir.join("ld.gold"))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// The linker driver as executables' bytes depend on it (for cache keys): `$CC` when
/// set, else `cc`, with [`USE_GOLD`] when links use gold.
pub fn link_driver() -> OsString {
    driver(uses_gold())
}

/// The linker driver of a link with or without [`USE_GOLD`], as [`link_driver`] names it.
fn driver(gold: bool) -> OsString {
    match cc_from_env() {
        Some(cc) => cc,
        None if gold => format!("cc {USE_GOLD}").into(),
        None => "cc".into(),
    }
}

/// Runs the C compiler driver `command` (`program` names it in messages) for `what`
/// (`linking`, `compiling the glue code`, ...).
///
/// # Errors
/// The driver cannot be started, or fails: the message carries the command line and
/// the driver's output.
pub fn run_cc(program: &OsString, mut command: Command, what: &str) -> anyhow::Result<()> {
    let shown = show_command(&command);
    let result = command.output().map_err(|e| {
        let hint = if e.kind() == io::ErrorKind::NotFound {
            " (wasi-aot links with the system C compiler driver: install gcc or clang, or set CC)"
        } else {
            ""
        };
        anyhow::anyhow!("running `{}`: {e}{hint}", program.to_string_lossy())
    })?;
    if !result.status.success() {
        let how = match result.status.code() {
            Some(code) => format!("exited with status {code}"),
            None => format!("was stopped ({})", result.status),
        };
        let mut message = format!("{what} failed: `{shown}` {how}");
        for output in [&result.stderr, &result.stdout] {
            let text = String::from_utf8_lossy(output);
            if !text.trim().is_empty() {
                message.push('\n');
                message.push_str(text.trim_end());
            }
        }
        bail!(message);
    }
    Ok(())
}

/// The runtime static library this binary carries.
pub fn runtime_archive_bytes() -> &'static [u8] {
    RUNTIME_ARCHIVE
}

/// The C compiler driver: `$CC` split at whitespace (a program and its arguments), or
/// `cc`. Returns the program name (for messages) and a command running it.
pub fn cc_command() -> (OsString, Command) {
    let cc = cc_from_env();
    let words: Vec<OsString> = match cc.as_ref().and_then(|cc| cc.to_str()) {
        Some(cc) => cc.split_whitespace().map(OsString::from).collect(),
        // A non-UTF-8 `CC` is used whole, as a program path.
        None => vec![cc.unwrap_or_else(|| "cc".into())],
    };
    let (program, args) = match words.split_first() {
        Some((program, args)) => (program.clone(), args),
        None => (OsString::from("cc"), &[][..]),
    };
    let mut command = Command::new(&program);
    command.args(args);
    (program, command)
}

/// `$CC`, if set and not empty.
fn cc_from_env() -> Option<OsString> {
    std::env::var_os("CC").filter(|cc| !cc.is_empty())
}

/// `path`, written so that the C compiler cannot take it for an option (`-x.o` becomes
/// `./-x.o`).
pub fn not_an_option(path: &Path) -> PathBuf {
    if path.as_os_str().as_encoded_bytes().starts_with(b"-") {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

/// The command line as a shell would show it (without quoting).
fn show_command(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where the pre-linked runtime object is on disk: its copy in the `cache` directory
/// (written now if missing), else a fresh copy in `fallback_dir`.
fn runtime_object(cache: Option<&Path>, fallback_dir: &Path) -> anyhow::Result<PathBuf> {
    let name = format!("wasi_aot_runtime-{RUNTIME_OBJECT_SHA256}.o");
    if let Some(dir) = cache {
        let path = dir.join("runtime").join(&name);
        let present = fs::metadata(&path)
            .is_ok_and(|m| m.is_file() && m.len() == RUNTIME_OBJECT.len() as u64);
        if present || cache::write_atomically(&path, RUNTIME_OBJECT).is_ok() {
            return Ok(path);
        }
    }
    let path = fallback_dir.join(name);
    fs::write(&path, RUNTIME_OBJECT).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_runtime_is_an_archive_with_the_recorded_hash() {
        use sha2::Digest as _;
        assert!(RUNTIME_ARCHIVE.starts_with(b"!<arch>\n"));
        let hash = cache::hex(&sha2::Sha256::digest(RUNTIME_ARCHIVE));
        assert_eq!(hash, RUNTIME_SHA256);
    }

    #[test]
    fn embedded_runtime_is_a_readable_static_library() {
        // (The runtime's own tests check that it defines every symbol of the contract.)
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runtime.a");
        fs::write(&path, RUNTIME_ARCHIVE).unwrap();
        let defined = crate::imports::DefinedSymbols::scan(&[path]).unwrap();
        // Every Rust staticlib carries `std` and compiler-builtins.
        assert!(
            defined.contains("__udivti3"),
            "compiler-builtins is missing"
        );
    }

    #[test]
    fn embedded_runtime_object_is_prelinked_and_exports_only_c_symbols() {
        use object::{Object as _, ObjectSymbol as _};
        use sha2::Digest as _;
        assert_eq!(
            cache::hex(&sha2::Sha256::digest(RUNTIME_OBJECT)),
            RUNTIME_OBJECT_SHA256
        );
        // The archive fallback is for machines without GNU ld and objcopy; this one has them.
        let file = object::File::parse(RUNTIME_OBJECT).expect("a relocatable object");
        assert!(RUNTIME_OBJECT.len() * 4 < RUNTIME_ARCHIVE.len());
        let exported: Vec<&str> = file
            .symbols()
            .filter(|s| s.is_definition() && s.is_global())
            .map(|s| s.name().unwrap())
            .collect();
        for builtin in wasi_aot_abi::builtins::ALL {
            assert!(exported.contains(&builtin.symbol), "{}", builtin.symbol);
        }
        assert!(exported.contains(&wasi_aot_abi::builtins::MAIN_SYMBOL));
        assert!(exported.contains(&"wasi_snapshot_preview1_fd_write"));
        assert!(exported.contains(&"wasi_aot_caller_memory"));
        let stray = exported.iter().find(|name| {
            !name.starts_with("wasi_aot_")
                && !name.starts_with("wasi_snapshot_preview1_")
                && !name.starts_with("wasi_unstable_")
        });
        assert_eq!(stray, None, "only the runtime's C symbols stay global");
        assert!(file.section_by_name(".llvmbc").is_none());
        assert!(file.section_by_name(".debug_info").is_none());
    }

    #[test]
    fn failed_links_show_the_command_and_the_linker_output() {
        let dir = tempfile::tempdir().unwrap();
        // Not an object: the linker rejects it and says why.
        let err = link_with(b"garbage", &[], &dir.path().join("out"), None).unwrap_err();
        let msg = format!("{err:#}");
        let first = msg.lines().next().unwrap();
        assert!(first.starts_with("linking failed: `"), "{msg}");
        assert!(first.contains(" -o "), "{msg}");
        assert!(first.contains("-Wl,--gc-sections"), "{msg}");
        assert!(
            msg.lines().count() > 1,
            "the linker's output follows: {msg}"
        );
        assert!(!dir.path().join("out").exists());
    }

    #[test]
    fn links_a_c_main_against_the_runtime() {
        // The compiled module's object defines `main`; a C stand-in checks the command
        // line, the flags and the embedded archive without the compiler.
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("main.c");
        let o = dir.path().join("main.o");
        fs::write(
            &c,
            "#include <stdio.h>\nint host_value(void);\n\
             int main(void) { printf(\"ok %d\\n\", host_value()); return 7; }\n",
        )
        .unwrap();
        let host_c = dir.path().join("host.c");
        let host_o = dir.path().join("host.o");
        fs::write(&host_c, "int host_value(void) { return 42; }\n").unwrap();
        for (src, obj) in [(&c, &o), (&host_c, &host_o)] {
            let status = Command::new("cc")
                .args(["-c", "-o"])
                .arg(obj)
                .arg(src)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let exe = dir.path().join("prog");
        let cache = dir.path().join("cache");
        link_with(&fs::read(&o).unwrap(), &[host_o], &exe, Some(&cache)).unwrap();
        let out = Command::new(&exe).output().unwrap();
        assert_eq!(out.status.code(), Some(7));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "ok 42\n");
        // The runtime object was kept in the cache, under its hash.
        let kept = cache
            .join("runtime")
            .join(format!("wasi_aot_runtime-{RUNTIME_OBJECT_SHA256}.o"));
        assert_eq!(fs::read(&kept).unwrap(), RUNTIME_OBJECT);
    }

    #[test]
    fn paths_never_look_like_options() {
        assert_eq!(not_an_option(Path::new("-x.o")), Path::new("./-x.o"));
        assert_eq!(not_an_option(Path::new("x-.o")), Path::new("x-.o"));
        assert_eq!(not_an_option(Path::new("/tmp/-x")), Path::new("/tmp/-x"));
    }

    #[test]
    fn command_display() {
        let mut c = Command::new("cc");
        c.args(["-o", "out", "a.o"]);
        assert_eq!(show_command(&c), "cc -o out a.o");
    }
}
