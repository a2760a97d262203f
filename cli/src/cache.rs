//! The cache behind `wasi-aot run`: executables stored under a key that covers
//! everything their bytes depend on, so an unchanged module runs without recompiling.
//!
//! Layout, under [`cache_dir`]:
//!
//! ```text
//! exe/<key>                                  executables (key: 64 hex digits of SHA-256)
//! runtime/libwasi_aot_runtime-<sha256>.a     the embedded runtime archive (see `link`)
//! ```
//!
//! Files appear atomically (written elsewhere in the same directory, then renamed), so
//! concurrent runs never see half a file; two runs that build the same key at once both
//! produce identical files and the last rename wins. Nothing is ever evicted: deleting
//! the directory is always safe.

use crate::executable::{self, Settings};
use crate::link::RUNTIME_SHA256;
use anyhow::{anyhow, Context as _};
use sha2::{Digest, Sha256};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, Write as _};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::UNIX_EPOCH;

/// Version of the key derivation and layout; bump it when either changes.
const KEY_SCHEME: &str = "wasi-aot-cache-1";

/// The cache directory: `$WASI_AOT_CACHE_DIR`, else `$XDG_CACHE_HOME/wasi-aot` (if that
/// is an absolute path, as the XDG spec requires), else `$HOME/.cache/wasi-aot`. Empty
/// variables count as unset.
///
/// # Errors
///
/// If none of these variables is usable.
pub fn cache_dir() -> anyhow::Result<PathBuf> {
    cache_dir_from(|name| std::env::var_os(name)).ok_or_else(|| {
        anyhow!("no cache directory: set WASI_AOT_CACHE_DIR (or XDG_CACHE_HOME or HOME)")
    })
}

fn cache_dir_from(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("WASI_AOT_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(dir) = var("XDG_CACHE_HOME").filter(|d| d.is_absolute()) {
        return Some(dir.join("wasi-aot"));
    }
    var("HOME").map(|home| home.join(".cache").join("wasi-aot"))
}

/// Returns the cached executable for `wasm` built with `settings`, building it first if
/// the cache does not have it. `input` names the module in messages.
///
/// # Errors
///
/// No cache directory or one that cannot be written, unreadable `--link` files, and
/// everything [`executable::build`] reports.
pub fn cached_executable(
    input: &Path,
    wasm: &[u8],
    settings: &Settings,
) -> anyhow::Result<PathBuf> {
    let root = cache_dir()?;
    let key = cache_key(wasm, settings)?;
    let dir = root.join("exe");
    let path = dir.join(&key);
    if path.is_file() {
        return Ok(path);
    }
    create_dir(&root)?;
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // Linked inside a temporary directory next to the final place, then renamed: the
    // rename is atomic, and the directory is removed whatever happens.
    let staging = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempdir_in(&dir)
        .with_context(|| format!("creating a temporary directory in {}", dir.display()))?;
    let staged = staging.path().join("exe");
    executable::build(input, wasm, settings, &staged)?;
    fs::rename(&staged, &path)
        .with_context(|| format!("moving the executable to {}", path.display()))?;
    Ok(path)
}

/// Replaces this process with `exe`, run with `argv[0]` = `argv0` and then `args`. Only
/// returns on failure.
pub fn exec(exe: &Path, argv0: &OsStr, args: &[OsString]) -> io::Error {
    Command::new(exe).arg0(argv0).args(args).exec()
}

/// Writes `bytes` to `path` atomically: into a temporary file in the same directory,
/// then renamed over `path`. Creates the parent directories.
///
/// # Errors
///
/// Any I/O error on the way.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut file = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Creates the cache root, tagged with a `CACHEDIR.TAG` so backup tools skip it.
fn create_dir(root: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
    let tag = root.join("CACHEDIR.TAG");
    if !tag.exists() {
        // Best effort: the cache works without it.
        let _ = write_atomically(
            &tag,
            b"Signature: 8a477f597d28d172789f06886806bc55\n\
              # This file is a cache directory tag created by wasi-aot.\n",
        );
    }
    Ok(())
}

/// Everything an executable's bytes depend on.
#[derive(Debug)]
struct KeyInputs<'a> {
    /// The binary module.
    wasm: &'a [u8],
    /// The build settings (link files are represented by `link_hashes`).
    settings: &'a Settings,
    /// SHA-256 of each `--link` file's contents, in order.
    link_hashes: Vec<[u8; 32]>,
    /// The linker driver ([`crate::link::link_driver`]).
    cc: OsString,
    /// Identifies the `wasi-aot` that builds: its version, and the size and modification
    /// time of its executable (so that a rebuilt compiler never reuses stale results
    /// while its version number stays the same).
    tool: String,
    /// SHA-256 of the runtime archive linked in.
    runtime: &'a str,
}

/// The cache key for `wasm` built with `settings` by this `wasi-aot`.
///
/// # Errors
///
/// A `--link` file that cannot be read.
fn cache_key(wasm: &[u8], settings: &Settings) -> anyhow::Result<String> {
    let link_hashes = settings
        .link
        .iter()
        .map(|path| {
            let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Ok(Sha256::digest(bytes).into())
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(compute_key(&KeyInputs {
        wasm,
        settings,
        link_hashes,
        cc: crate::link::link_driver(),
        tool: tool_identity(),
        runtime: RUNTIME_SHA256,
    }))
}

fn tool_identity() -> String {
    let exe = std::env::current_exe().and_then(fs::metadata).ok();
    let stamp = exe.map(|m| {
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok());
        format!("{}:{:?}", m.len(), mtime.map(|d| d.as_nanos()))
    });
    format!(
        "{} {}",
        env!("CARGO_PKG_VERSION"),
        stamp.unwrap_or_default()
    )
}

/// Hashes the key inputs. Every field goes in with a label and a length, so no two
/// different inputs can produce the same byte stream.
fn compute_key(inputs: &KeyInputs<'_>) -> String {
    struct Hasher(Sha256);
    impl Hasher {
        fn field(&mut self, label: &str, bytes: &[u8]) {
            for part in [label.as_bytes(), bytes] {
                self.0.update((part.len() as u64).to_le_bytes());
                self.0.update(part);
            }
        }
    }
    let s = inputs.settings;
    let options = s.compile_options();
    let mut h = Hasher(Sha256::new());
    h.field("scheme", KEY_SCHEME.as_bytes());
    h.field("tool", inputs.tool.as_bytes());
    h.field("runtime", inputs.runtime.as_bytes());
    h.field("wasm", &Sha256::digest(inputs.wasm));
    h.field("exec-config", &s.exec_config.encode());
    h.field(
        "bounds-checks",
        &(options.bounds_checks as u32).to_le_bytes(),
    );
    h.field("opt-level", format!("{:?}", options.opt_level).as_bytes());
    // The features, not the level's name: `native` is a different set on another
    // machine sharing the cache directory, and the same code as its level where equal.
    h.field(
        "cpu-features",
        format!("{:?}", options.target_cpu.features()).as_bytes(),
    );
    h.field("descriptor-symbol", options.descriptor_symbol.as_bytes());
    h.field(
        "unknown-imports",
        format!("{:?}", s.unknown_imports).as_bytes(),
    );
    h.field(
        "link-count",
        &(inputs.link_hashes.len() as u64).to_le_bytes(),
    );
    for hash in &inputs.link_hashes {
        h.field("link", hash);
    }
    h.field("cc", inputs.cc.as_bytes());
    hex(&h.0.finalize())
}

/// `bytes` in lowercase hex (as `build.rs` writes the runtime's hash).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::UnknownImports;
    use wasi_aot_abi::exec_config::ExecConfig;
    use wasi_aot_abi::BoundsChecks;
    use wasi_aot_compiler::{CpuLevel, OptLevel, TargetCpu};

    fn settings() -> Settings {
        Settings {
            exec_config: ExecConfig {
                dirs: vec![(".".into(), ".".into())],
                env: vec![("A".into(), "1".into())],
                inherit_env: false,
                max_wasm_stack: wasi_aot_abi::DEFAULT_MAX_WASM_STACK,
                max_memory_pages: 0,
                timeout_secs: 0,
            },
            link: vec![],
            unknown_imports: UnknownImports::Error,
            bounds_checks: BoundsChecks::Guard,
            opt_level: OptLevel::SpeedAndSize,
            target_cpu: TargetCpu::Level(CpuLevel::X86_64V3),
        }
    }

    const WASM: &[u8] = b"\0asm\x01\0\0\0";

    /// Owned versions of the key inputs, for tests to change one at a time.
    struct Parts {
        wasm: Vec<u8>,
        settings: Settings,
        link_hashes: Vec<[u8; 32]>,
        cc: OsString,
        tool: String,
        runtime: String,
    }

    fn key_with(change: impl FnOnce(&mut Parts)) -> String {
        let mut p = Parts {
            wasm: WASM.to_vec(),
            settings: settings(),
            link_hashes: vec![],
            cc: "cc".into(),
            tool: "0.1.0 x".into(),
            runtime: "abc".into(),
        };
        change(&mut p);
        compute_key(&KeyInputs {
            wasm: &p.wasm,
            settings: &p.settings,
            link_hashes: p.link_hashes,
            cc: p.cc,
            tool: p.tool,
            runtime: &p.runtime,
        })
    }

    #[test]
    fn key_is_stable() {
        let a = key_with(|_| {});
        assert_eq!(a, key_with(|_| {}));
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        // Within one process the real key is stable too.
        let s = settings();
        assert_eq!(cache_key(WASM, &s).unwrap(), cache_key(WASM, &s).unwrap());
    }

    #[test]
    fn key_changes_with_every_input() {
        let base = key_with(|_| {});
        let variants: Vec<(&str, String)> = vec![
            ("wasm", key_with(|p| p.wasm.push(0))),
            ("tool", key_with(|p| p.tool = "0.2.0 x".into())),
            ("runtime", key_with(|p| p.runtime = "abd".into())),
            ("cc", key_with(|p| p.cc = "clang".into())),
            ("linker", key_with(|p| p.cc = "cc -fuse-ld=gold".into())),
            ("link", key_with(|p| p.link_hashes = vec![[0; 32]])),
            (
                "link order",
                key_with(|p| p.link_hashes = vec![[1; 32], [0; 32]]),
            ),
            (
                "dir",
                key_with(|p| p.settings.exec_config.dirs[0].1 = "/".into()),
            ),
            ("no dir", key_with(|p| p.settings.exec_config.dirs.clear())),
            (
                "env",
                key_with(|p| p.settings.exec_config.env[0].1 = "2".into()),
            ),
            (
                "inherit",
                key_with(|p| p.settings.exec_config.inherit_env = true),
            ),
            (
                "stack",
                key_with(|p| p.settings.exec_config.max_wasm_stack += 1),
            ),
            (
                "unknown",
                key_with(|p| p.settings.unknown_imports = UnknownImports::Trap),
            ),
            (
                "bounds",
                key_with(|p| p.settings.bounds_checks = BoundsChecks::Explicit),
            ),
            ("opt 0", key_with(|p| p.settings.opt_level = OptLevel::None)),
            (
                "opt 1",
                key_with(|p| p.settings.opt_level = OptLevel::Speed),
            ),
            (
                "target cpu",
                key_with(|p| p.settings.target_cpu = TargetCpu::Level(CpuLevel::X86_64V2)),
            ),
        ];
        let mut seen = std::collections::HashSet::from([base.clone()]);
        for (what, key) in &variants {
            assert!(
                seen.insert(key.clone()),
                "changing {what} left the key as before"
            );
        }
        // Two link hashes in the other order differ from this order.
        assert_ne!(
            key_with(|p| p.link_hashes = vec![[0; 32], [1; 32]]),
            key_with(|p| p.link_hashes = vec![[1; 32], [0; 32]])
        );
    }

    #[test]
    fn key_covers_link_file_contents_not_names() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.o"), dir.path().join("b.o"));
        fs::write(&a, "one").unwrap();
        fs::write(&b, "one").unwrap();
        let with = |paths: &[&Path]| {
            let mut s = settings();
            s.link = paths.iter().map(|p| p.to_path_buf()).collect();
            cache_key(WASM, &s).unwrap()
        };
        let first = with(&[&a]);
        assert_eq!(first, with(&[&b]), "same contents under another name");
        fs::write(&a, "two").unwrap();
        assert_ne!(first, with(&[&a]), "edited link file");
        assert_ne!(with(&[&a]), with(&[&a, &b]));

        let missing = dir.path().join("missing.o");
        let mut s = settings();
        s.link = vec![missing.clone()];
        let err = cache_key(WASM, &s).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            format!(
                "reading {}: No such file or directory (os error 2)",
                missing.display()
            )
        );
    }

    #[test]
    fn cache_dir_precedence() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let all = env(&[
            ("WASI_AOT_CACHE_DIR", "/w"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ]);
        assert_eq!(cache_dir_from(all), Some(PathBuf::from("/w")));
        let xdg = env(&[
            ("WASI_AOT_CACHE_DIR", ""),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ]);
        assert_eq!(cache_dir_from(xdg), Some(PathBuf::from("/x/wasi-aot")));
        let relative_xdg = env(&[("XDG_CACHE_HOME", "rel"), ("HOME", "/h")]);
        assert_eq!(
            cache_dir_from(relative_xdg),
            Some(PathBuf::from("/h/.cache/wasi-aot"))
        );
        assert_eq!(cache_dir_from(env(&[("HOME", "")])), None);
        assert_eq!(cache_dir_from(env(&[])), None);
    }

    #[test]
    fn atomic_writes_replace_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("file");
        write_atomically(&path, b"first").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"first");
        write_atomically(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [OsString::from("file")]);
    }

    #[test]
    fn cache_root_is_tagged() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        create_dir(&root).unwrap();
        let tag = fs::read_to_string(root.join("CACHEDIR.TAG")).unwrap();
        assert!(tag.starts_with("Signature: 8a477f597d28d172789f06886806bc55"));
    }
}
