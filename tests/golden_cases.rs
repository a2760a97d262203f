//! The golden cases' data: `tests/golden/<group>/cases.toml`, read and checked for
//! mistakes, for the runners that execute them (`golden.rs`, and `node_differential.rs`
//! for the cases node:wasi can run).
//!
//! # Case format
//! Each `cases.toml` holds `[[case]]` tables. Paths are relative to the group directory.
//!
//! | key | meaning |
//! | --- | --- |
//! | `name` | the case name (unique in its group) |
//! | `module` / `wat` | a `.wat`/`.wasm` file, or the module text inline (exactly one) |
//! | `run` | use `wasi-aot run ... INPUT -- ARGS` instead of `build` and executing |
//! | `args` | guest arguments after `argv[0]`, which is `prog` |
//! | `env` | `K=V` pairs passed as `--env` |
//! | `inherit_env` | pass `--inherit-env` |
//! | `host_env` | the executable's own environment (otherwise empty) |
//! | `dirs` | `HOST::GUEST` grants passed as `--dir`; HOST is copied afresh (symbolic links as links) into the work directory for each run, which is the working directory of the build and the run |
//! | `outside` | directories copied into the work directory like `dirs` but not granted, for a program to try to reach; after the run nothing in the work directory outside the granted directories may have been added, removed or modified (kind, size, permissions, modification time); not with `run` |
//! | `link` | C files compiled with `cc -c` and passed as `--link` |
//! | `flags` | other build flags |
//! | `stdin` | the program's input (default: none, `/dev/null`) |
//! | `stdout` | expected stdout, exact (default: empty, unless `stdout_contains` is given) |
//! | `stdout_contains` | substrings stdout must contain |
//! | `stderr` | expected stderr, exact (default: empty, unless `trap` or `stderr_contains` is given) |
//! | `stderr_contains` | substrings stderr must contain |
//! | `status` | expected exit status (default 0, or 134 with `trap`) |
//! | `trap` | expected trap reason: stderr's first line is `error: wasm trap: REASON` |
//! | `trap_function` | a later stderr line names this wasm function |
//! | `files` | `{ "PATH" = "CONTENT" }`: files in the work directory after the run |
//! | `build_error` | the build must fail with exit 1 and an `error:` message containing these substrings (and no panic) |

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::copy_tree;

/// The directory holding the groups: `tests/golden`.
pub fn golden_dir() -> PathBuf {
    crate::repo_root().join("tests").join("golden")
}

/// One `cases.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// The cases, in file order.
    case: Vec<Case>,
}

/// One case; see the module documentation for the meaning of each key.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Case {
    /// The case name, unique in its group.
    pub name: String,
    /// A `.wat` or `.wasm` file.
    pub module: Option<String>,
    /// The module text, inline.
    pub wat: Option<String>,
    /// Use `wasi-aot run` instead of `build` and executing.
    pub run: bool,
    /// Guest arguments after `argv[0]`, which is `prog`.
    pub args: Vec<String>,
    /// `K=V` pairs passed as `--env`.
    pub env: Vec<String>,
    /// Pass `--inherit-env`.
    pub inherit_env: bool,
    /// `K=V` pairs: the executable's own environment (otherwise empty).
    pub host_env: Vec<String>,
    /// `HOST::GUEST` grants passed as `--dir`.
    pub dirs: Vec<String>,
    /// Directories copied into the work directory but not granted.
    pub outside: Vec<String>,
    /// C files compiled with `cc -c` and passed as `--link`.
    pub link: Vec<String>,
    /// Other build flags.
    pub flags: Vec<String>,
    /// The program's input (`None`: `/dev/null`).
    pub stdin: Option<String>,
    /// Expected stdout, exact.
    pub stdout: Option<String>,
    /// Substrings stdout must contain.
    pub stdout_contains: Vec<String>,
    /// Expected stderr, exact.
    pub stderr: Option<String>,
    /// Substrings stderr must contain.
    pub stderr_contains: Vec<String>,
    /// Expected exit status.
    pub status: Option<i32>,
    /// Expected trap reason.
    pub trap: Option<String>,
    /// A later stderr line names this wasm function.
    pub trap_function: Option<String>,
    /// Files in the work directory after the run, with their contents.
    pub files: BTreeMap<String, String>,
    /// The build must fail with these substrings in its message.
    pub build_error: Option<Vec<String>>,
}

/// A case with the context its checks need.
pub struct Loaded {
    /// `group/name`.
    pub id: String,
    /// The group directory the case's paths are relative to.
    pub group_dir: PathBuf,
    /// The case as written.
    pub case: Case,
}

/// Reads every `tests/golden/<group>/cases.toml`, in group order, checking the case
/// data for mistakes that would make a case meaningless.
pub fn load_groups(golden: &Path) -> Vec<(String, Result<Vec<Loaded>, String>)> {
    let mut groups: Vec<PathBuf> = match std::fs::read_dir(golden) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("cases.toml").is_file())
            .collect(),
        Err(e) => {
            return vec![(
                "golden".to_string(),
                Err(format!("cannot read {}: {e}", golden.display())),
            )]
        }
    };
    groups.sort();
    if groups.is_empty() {
        return vec![(
            "golden".to_string(),
            Err(format!("no */cases.toml under {}", golden.display())),
        )];
    }
    groups
        .into_iter()
        .map(|dir| {
            let group = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let cases = load_group(&group, &dir);
            (group, cases)
        })
        .collect()
}

fn load_group(group: &str, dir: &Path) -> Result<Vec<Loaded>, String> {
    let path = dir.join("cases.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file: CaseFile = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut seen = std::collections::HashSet::new();
    file.case
        .into_iter()
        .map(|case| {
            let id = format!("{group}/{}", case.name);
            if !seen.insert(case.name.clone()) {
                return Err(format!("{id}: duplicate case name"));
            }
            validate(&case, dir).map_err(|why| format!("{id}: {why}"))?;
            Ok(Loaded {
                id,
                group_dir: dir.to_path_buf(),
                case,
            })
        })
        .collect()
}

/// Rejects case data that is inconsistent, names missing files, or (for cases that are
/// meant to build) holds a module that is not valid WebAssembly.
fn validate(case: &Case, dir: &Path) -> Result<(), String> {
    if case.name.is_empty()
        || !case
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "case name {:?} must be non-empty [A-Za-z0-9_-]",
            case.name
        ));
    }
    if case.module.is_some() == case.wat.is_some() {
        return Err("give exactly one of `module` and `wat`".into());
    }
    if case.trap.is_some() && (case.status.is_some() || case.stderr.is_some()) {
        return Err(
            "`trap` fixes the status and stderr; do not also give `status` or `stderr`".into(),
        );
    }
    if case.trap_function.is_some() && case.trap.is_none() {
        return Err("`trap_function` needs `trap`".into());
    }
    if case.run && case.inherit_env {
        return Err("`run` with `inherit_env` would expose the test's own environment".into());
    }
    if case.run && !case.outside.is_empty() {
        return Err(
            "`run` writes its cache into the work directory, which `outside` checks".into(),
        );
    }
    for path in case
        .dirs
        .iter()
        .map(|d| dir_host(d))
        .chain(case.outside.iter().map(String::as_str))
        .chain(case.files.keys().map(String::as_str))
    {
        if !is_plain_relative(path) {
            return Err(format!("{path:?} must be a relative path without `..`"));
        }
    }
    for host in case
        .dirs
        .iter()
        .map(|d| dir_host(d))
        .chain(case.outside.iter().map(String::as_str))
    {
        if !dir.join(host).is_dir() {
            return Err(format!("directory {host:?} does not exist"));
        }
    }
    for c in &case.link {
        if !dir.join(c).is_file() {
            return Err(format!("C file {c:?} does not exist"));
        }
    }
    for kv in case.env.iter().chain(&case.host_env) {
        if !kv.contains('=') {
            return Err(format!("environment entry {kv:?} is not K=V"));
        }
    }
    if let Some(build_error) = &case.build_error {
        let runs = case.stdin.is_some()
            || case.stdout.is_some()
            || !case.stdout_contains.is_empty()
            || case.stderr.is_some()
            || case.status.is_some()
            || case.trap.is_some()
            || !case.files.is_empty()
            || !case.outside.is_empty();
        if runs {
            return Err("a `build_error` case has no run expectations".into());
        }
        if build_error.is_empty() {
            return Err("`build_error` needs at least one expected substring".into());
        }
        return Ok(());
    }
    let bytes = match (&case.module, &case.wat) {
        (Some(module), _) => {
            let path = dir.join(module);
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            wat::parse_bytes(&bytes)
                .map(|b| b.into_owned())
                .map_err(|e| format!("{module}: {e}"))?
        }
        (None, Some(text)) => wat::parse_str(text).map_err(|e| format!("inline wat: {e}"))?,
        (None, None) => unreachable!("checked above"),
    };
    wasmparser::Validator::new()
        .validate_all(&bytes)
        .map_err(|e| format!("the module is not valid: {e}"))?;
    Ok(())
}

/// The host part of a `HOST::GUEST` directory grant.
pub fn dir_host(spec: &str) -> &str {
    spec.split("::").next().unwrap_or(spec)
}

fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

impl Case {
    /// The build options that give the program its capabilities: `--dir` for each
    /// grant, `--env` for each variable, and `--inherit-env`.
    pub fn capability_flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        for spec in &self.dirs {
            flags.extend(["--dir".to_string(), spec.clone()]);
        }
        for kv in &self.env {
            flags.extend(["--env".to_string(), kv.clone()]);
        }
        if self.inherit_env {
            flags.push("--inherit-env".to_string());
        }
        flags
    }
}

impl Loaded {
    /// Prepares the fresh work directory `dir` for a run: creates it, copies the
    /// granted (`dirs`) and `outside` trees into it, and returns the module to build
    /// (an inline `wat` is written to `dir/module.wat`).
    ///
    /// # Errors
    /// When a directory cannot be created or copied, or the module cannot be written.
    pub fn prepare(&self, dir: &Path) -> Result<PathBuf, String> {
        let case = &self.case;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for host in case
            .dirs
            .iter()
            .map(|d| dir_host(d))
            .chain(case.outside.iter().map(String::as_str))
        {
            copy_tree(&self.group_dir.join(host), &dir.join(host), &|_| false)?;
        }
        match (&case.module, &case.wat) {
            (Some(module), _) => Ok(self.group_dir.join(module)),
            (None, Some(text)) => {
                let path = dir.join("module.wat");
                std::fs::write(&path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Ok(path)
            }
            (None, None) => unreachable!("validated"),
        }
    }
}
