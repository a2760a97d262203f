//! The official WASI testsuite's programs and their specs:
//! `$WASI_AOT_SHARED/wasi-testsuite/{c,rust,assemblyscript}/NAME.wasm`, each with an
//! optional `NAME.json` (defaults when there is none):
//!
//! | key | meaning |
//! | --- | --- |
//! | `args` | guest arguments after `argv[0]`, which is the program name `NAME` |
//! | `env` | an object of variables given to the program with `--env K=V` |
//! | `root` | a directory, relative to the spec, preopened as the guest's `/` |
//! | `exit_code` | the expected exit status (default 0) |
//! | `stdout` / `stderr` | the expected output, exact; not checked when the key is absent |
//!
//! Any other key fails the program's checks rather than being ignored. Used by
//! `wasi_testsuite.rs` and `node_differential.rs`.

use crate::copy_tree;
use crate::json::{self, Value};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// The suite's directories and how many modules each holds.
pub const SUITES: [(&str, usize); 3] = [("c", 14), ("rust", 46), ("assemblyscript", 12)];

/// A test program's `NAME.json`, with the defaults filled in.
#[derive(Debug, Default)]
pub struct Spec {
    /// Arguments after `argv[0]`.
    pub args: Vec<String>,
    /// Environment variables, in spec order.
    pub env: Vec<(String, String)>,
    /// The directory to preopen as `/`, relative to the spec's directory.
    pub root: Option<String>,
    /// The expected exit status.
    pub exit_code: i32,
    /// The expected stdout, when checked.
    pub stdout: Option<String>,
    /// The expected stderr, when checked.
    pub stderr: Option<String>,
}

/// One test program.
pub struct Program {
    /// `suite/NAME`, e.g. `rust/fd_readdir`.
    pub id: String,
    /// `NAME`, the module's file stem: `argv[0]` and the executable's file name.
    pub stem: String,
    /// The `.wasm` file.
    pub module: PathBuf,
    /// The suite directory the spec's `root` is relative to.
    pub suite_dir: PathBuf,
    /// The spec, or why it could not be read.
    pub spec: Result<Spec, String>,
}

/// Lists the programs of every suite, in name order, with their specs; fails when a
/// suite is missing or does not hold the expected number of modules.
pub fn find_programs(suite: &Path) -> Result<Vec<Program>, String> {
    let mut programs = Vec::new();
    for (name, count) in SUITES {
        let dir = suite.join(name);
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            format!(
                "cannot read {}: {e}: the WASI testsuite must be in ../shared \
                 (or $WASI_AOT_SHARED)",
                dir.display()
            )
        })?;
        let mut modules: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        modules.sort();
        if modules.len() != count {
            return Err(format!(
                "expected {count} modules in {}, found {}",
                dir.display(),
                modules.len()
            ));
        }
        for module in modules {
            let stem = module
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let spec = read_spec(&module.with_extension("json"), &dir);
            programs.push(Program {
                id: format!("{name}/{stem}"),
                stem,
                module,
                suite_dir: dir.clone(),
                spec,
            });
        }
    }
    Ok(programs)
}

/// Reads a spec file (the defaults when it does not exist) and checks that its `root`
/// names a directory inside `suite_dir`.
fn read_spec(path: &Path, suite_dir: &Path) -> Result<Spec, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Spec::default()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let spec = parse_spec(&text).map_err(|why| format!("{}: {why}", path.display()))?;
    if let Some(root) = &spec.root {
        let plain = Path::new(root)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if root.is_empty() || !plain {
            return Err(format!(
                "{}: `root` {root:?} must be a relative path without `..`",
                path.display()
            ));
        }
        if !suite_dir.join(root).is_dir() {
            return Err(format!(
                "{}: `root` {root:?} is not a directory",
                path.display()
            ));
        }
    }
    Ok(spec)
}

/// Interprets the text of a spec file.
fn parse_spec(text: &str) -> Result<Spec, String> {
    let Value::Object(members) = json::parse(text)? else {
        return Err("the spec is not a JSON object".into());
    };
    let string = |key: &str, value: Value| match value {
        Value::String(s) => Ok(s),
        other => Err(format!("`{key}` must hold strings, not {}", other.kind())),
    };
    let mut spec = Spec::default();
    for (key, value) in members {
        match (key.as_str(), value) {
            ("args", Value::Array(items)) => {
                spec.args = items
                    .into_iter()
                    .map(|v| string("args", v))
                    .collect::<Result<_, _>>()?;
            }
            ("env", Value::Object(vars)) => {
                spec.env = vars
                    .into_iter()
                    .map(|(k, v)| {
                        if k.is_empty() || k.contains('=') {
                            return Err(format!("`env` name {k:?} is empty or holds `=`"));
                        }
                        Ok((k, string("env", v)?))
                    })
                    .collect::<Result<_, _>>()?;
            }
            ("root", v) => spec.root = Some(string("root", v)?),
            ("exit_code", Value::Number(n)) => {
                if n.fract() != 0.0 || !(0.0..=255.0).contains(&n) {
                    return Err(format!("`exit_code` {n} is not an exit status (0 to 255)"));
                }
                // Exact: an integer from 0 to 255.
                spec.exit_code = n as i32;
            }
            ("stdout", v) => spec.stdout = Some(string("stdout", v)?),
            ("stderr", v) => spec.stderr = Some(string("stderr", v)?),
            (key @ ("args" | "env" | "exit_code"), v) => {
                return Err(format!("`{key}` cannot be {}", v.kind()));
            }
            (key, _) => return Err(format!("unknown key `{key}`")),
        }
    }
    Ok(spec)
}

/// Whether a suite entry is a `*.cleanup` leftover, which copies leave out.
pub fn is_cleanup(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "cleanup")
}

impl Program {
    /// Prepares the fresh work directory `dir` for a run of the program under `spec`:
    /// creates it, copies the spec's `root` there as `dir/root` (leaving out `*.cleanup`
    /// entries), and returns the options that give the program its capabilities, in
    /// `wasi-aot build`'s syntax: `--dir DIR/root::/` and `--env K=V` per variable.
    ///
    /// # Errors
    /// When the directory cannot be created or the copy fails.
    pub fn prepare(&self, spec: &Spec, dir: &Path) -> Result<Vec<OsString>, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut flags = Vec::new();
        if let Some(root) = &spec.root {
            let copy = dir.join("root");
            copy_tree(&self.suite_dir.join(root), &copy, &is_cleanup)?;
            let mut grant = OsString::from(copy);
            grant.push("::/");
            flags.extend([OsString::from("--dir"), grant]);
        }
        for (key, value) in &spec.env {
            flags.extend([OsString::from("--env"), format!("{key}={value}").into()]);
        }
        Ok(flags)
    }
}
