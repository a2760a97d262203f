//! Differential check against Node.js's `node:wasi`: the same programs, given the same
//! arguments, environment, preopened directories and stdin, must print the same stdout
//! and exit with the same status as a `wasi-aot` executable and under Node.
//!
//! The programs are the golden cases (`tests/golden/*/cases.toml`, which include every
//! example in `examples/`) and the official WASI testsuite
//! (`$WASI_AOT_SHARED/wasi-testsuite/{c,rust,assemblyscript}`). Each runs twice, in two
//! fresh copies of its directories: built with `wasi-aot build` (default options plus
//! the case's own) and executed, and under `node tests/node_wasi.mjs`, which sets up
//! `new WASI({version: 'preview1', args, env, preopens, returnOnExit: true})` from the
//! same options (`version: 'unstable'` for `wasi_unstable` modules) and maps a trap to
//! exit status 134 as `wasi-aot` does. Stderr is not compared (messages differ).
//!
//! Left out, because node:wasi cannot run them as `wasi-aot` does:
//! - golden cases that build with `--link` or `--unknown-imports` (the `host` group):
//!   they import host functions, and node:wasi provides only WASI;
//! - the `traps` group: a trap is an exception in Node, so its exit status would only
//!   compare this runner's convention (134) with itself; the trap reasons are checked
//!   against wasmtime by `tests/golden/reference.py`;
//! - the `limits` group: `--max-memory`, `--max-stack` and `--timeout` have no
//!   node:wasi counterpart;
//! - cases that expect a build error (nothing runs).
//!
//! [`KNOWN_DIFFERENCES`] lists the programs whose results differ for a documented reason
//! (Node's sandbox can be escaped, and some of its preview1 answers are not the spec's).
//! They still run on both sides and must still differ: one that starts agreeing fails,
//! so the list cannot go stale.
//!
//! Node is required (`node`, or `$WASI_AOT_NODE`; version 20 or later): without it the
//! check fails rather than passing vacuously.
//!
//! Usage: `cargo test --release --test node_differential [-- SUBSTRING...]` runs the
//! programs whose name contains any SUBSTRING (all when none is given).
//! `WASI_AOT_SHARED` locates the testsuite, `WASI_AOT_BIN` picks the binary,
//! `WASI_AOT_KEEP_WORK=1` keeps the work files, `WASI_AOT_TEST_THREADS` sets the
//! parallelism.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use wasi_aot_tests::golden_cases::{golden_dir, load_groups};
use wasi_aot_tests::testsuite::find_programs;
use wasi_aot_tests::{
    build_executable, compare_exact, describe_status, excerpt, repo_root, run_with_timeout,
    runner_main, shared_dir, Check, Output, RUN_TIMEOUT,
};

/// Why golden cases that import host functions are left out.
const HOST_FUNCTIONS: &str =
    "host functions (--link, --unknown-imports): node:wasi provides only WASI";

/// Golden groups left out, with the reason (see the module documentation).
const EXCLUDED_GROUPS: [(&str, &str); 3] = [
    ("host", HOST_FUNCTIONS),
    (
        "limits",
        "--max-memory, --max-stack and --timeout have no node:wasi counterpart",
    ),
    (
        "traps",
        "a trap is an exception in Node, its status only this runner's convention",
    ),
];

/// Programs whose stdout or exit status differ under Node, each with the reason. Every
/// one must still differ.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "golden/sandbox/escape-raw",
        "node:wasi follows symbolic links out of the preopen (reads, creates, unlinks \
         and renames outside it), answers NOTCAPABLE where wasmtime and wasi-aot answer \
         PERM, and refuses to create links whose target has `..`",
    ),
    (
        "golden/sandbox/escape-libc",
        "node:wasi follows symbolic links out of the preopen",
    ),
    (
        "golden/sandbox/escape-libc-root",
        "node:wasi follows symbolic links out of the preopen",
    ),
    (
        "golden/sandbox/unstable",
        "node:wasi follows symbolic links out of the preopen, and answers NOTCAPABLE (76) \
         to `..` where wasi-aot answers PERM (63)",
    ),
    (
        "golden/sandbox/guest-pointers",
        "node:wasi answers OVERFLOW (61) to guest pointers outside linear memory, where \
         preview1's errno is FAULT (21)",
    ),
    (
        "golden/wasi/env-none",
        "node:wasi's environ_get answers INVAL when the environment is empty",
    ),
    (
        "golden/wasi/read-absolute-path",
        "node:wasi answers NOTCAPABLE (76) to an absolute path where wasmtime and wasi-aot \
         answer PERM (63)",
    ),
    (
        "golden/wasi/read-outside-preopen",
        "node:wasi answers NOTCAPABLE (76) to `..` out of the preopen where wasmtime and \
         wasi-aot answer PERM (63)",
    ),
    (
        "wasi-testsuite/rust/path_open_preopen",
        "the program prints the rights of the preopened directory, which are each \
         runtime's choice",
    ),
    (
        "wasi-testsuite/c/sock_shutdown-invalid_fd",
        "node:wasi's sock_shutdown answers NOTSUP to SHUT_RD before checking the \
         descriptor; the test expects BADF",
    ),
    (
        "wasi-testsuite/c/sock_shutdown-not_sock",
        "node:wasi's sock_shutdown answers NOTSUP to SHUT_RD; the test expects NOTSOCK",
    ),
    (
        "wasi-testsuite/rust/dangling_symlink",
        "node:wasi answers NOENT to opening a dangling symlink as a directory; the test \
         expects NOTDIR or LOOP",
    ),
    (
        "wasi-testsuite/rust/dir_fd_op_failures",
        "node:wasi answers NOBUFS where the test expects INVAL or NAMETOOLONG",
    ),
    (
        "wasi-testsuite/rust/fd_filestat_set",
        "node:wasi sets file times to whole seconds; the test expects nanoseconds",
    ),
    (
        "wasi-testsuite/rust/fd_readdir",
        "node:wasi's fd_readdir leaves out `.` and `..`",
    ),
    (
        "wasi-testsuite/rust/interesting_paths",
        "node:wasi opens a path with a trailing NUL byte; the test expects an error",
    ),
    (
        "wasi-testsuite/rust/nofollow_errors",
        "node:wasi opens a symlink to a directory as a directory without SYMLINK_FOLLOW",
    ),
    (
        "wasi-testsuite/rust/path_filestat",
        "node:wasi's fd_fdstat_get does not report the APPEND flag the file was opened \
         with",
    ),
    (
        "wasi-testsuite/rust/poll_oneoff_stdio",
        "node:wasi's poll_oneoff answers PERM for stdio readiness",
    ),
    (
        "wasi-testsuite/rust/readlink",
        "node:wasi's path_readlink answers NOBUFS to a buffer shorter than the link \
         instead of truncating",
    ),
    (
        "wasi-testsuite/rust/symlink_filestat",
        "node:wasi sets symlink times to whole seconds; the test expects nanoseconds",
    ),
    (
        "wasi-testsuite/rust/truncation_rights",
        "node:wasi's fd_fdstat_get reports a host open flag (0x8000) in a directory's \
         fs_flags",
    ),
];

/// The oldest Node.js major version whose `node:wasi` takes `version: 'preview1'`.
const NODE_MAJOR: u32 = 20;

/// Prepares a fresh work directory for one run; returns the module and the capability
/// options (`--dir`, `--env`, `--inherit-env`) in the syntax `wasi-aot build` and
/// `node_wasi.mjs` share.
type Prepare = Box<dyn Fn(&Path) -> Result<(PathBuf, Vec<OsString>), String> + Send + Sync>;

/// One program to run on both sides.
struct Program {
    /// `golden/GROUP/NAME` or `wasi-testsuite/SUITE/NAME`.
    id: String,
    /// `argv[0]`.
    argv0: String,
    /// The arguments after `argv[0]`.
    args: Vec<String>,
    /// The environment of the executable and of the Node process (otherwise empty);
    /// the guest sees it only with `--inherit-env`.
    host_env: Vec<(String, String)>,
    /// Build options other than capabilities (for example `-O 0`).
    build_flags: Vec<String>,
    /// The program's input (`None`: `/dev/null`).
    stdin: Option<String>,
    /// Why the results differ, for a known difference.
    known_difference: Option<&'static str>,
    /// Prepares a work directory for it.
    prepare: Prepare,
}

fn main() -> ExitCode {
    runner_main("node-differential", |setup| {
        let node = node_binary()?;
        let harness = repo_root().join("tests").join("node_wasi.mjs");
        let mut programs = golden_programs()?;
        programs.extend(testsuite_programs()?);
        for (id, _) in KNOWN_DIFFERENCES {
            if !programs.iter().any(|p| p.id == *id) {
                return Err(format!(
                    "KNOWN_DIFFERENCES names {id}, which is not a program"
                ));
            }
        }
        let node = Arc::new((node, harness));
        Ok(programs
            .into_iter()
            .map(|program| {
                let name = match program.known_difference {
                    Some(_) => format!("{} [known difference]", program.id),
                    None => program.id.clone(),
                };
                let dir = setup.work.join(&program.id);
                let (bin, node) = (setup.bin.clone(), Arc::clone(&node));
                Check::new(name, move || {
                    compare(&bin, &node.0, &node.1, &program, &dir)
                })
            })
            .collect())
    })
}

/// The Node.js binary (`$WASI_AOT_NODE`, else `node`), after checking that it runs and
/// is recent enough.
fn node_binary() -> Result<PathBuf, String> {
    let node =
        std::env::var_os("WASI_AOT_NODE").map_or_else(|| PathBuf::from("node"), PathBuf::from);
    let out = run_with_timeout(Command::new(&node).arg("--version"), None, RUN_TIMEOUT).map_err(
        |why| {
            format!(
                "{why}: the differential check needs Node.js {NODE_MAJOR} or later \
                 (`node` on PATH, or $WASI_AOT_NODE)"
            )
        },
    )?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let major = version
        .strip_prefix('v')
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(major) if out.status.success() && major >= NODE_MAJOR => {
            println!("node {version}");
            Ok(node)
        }
        _ => Err(format!(
            "{} --version answered {version:?}: the differential check needs Node.js \
             {NODE_MAJOR} or later",
            node.display()
        )),
    }
}

/// The reason listed for `id` in [`KNOWN_DIFFERENCES`], if any.
fn known_difference(id: &str) -> Option<&'static str> {
    KNOWN_DIFFERENCES
        .iter()
        .find(|(known, _)| *known == id)
        .map(|(_, why)| *why)
}

/// The golden cases that run a program, less the excluded groups and cases.
fn golden_programs() -> Result<Vec<Program>, String> {
    let mut programs = Vec::new();
    for (group, loaded) in load_groups(&golden_dir()) {
        let cases = loaded?;
        if let Some((_, why)) = EXCLUDED_GROUPS.iter().find(|(g, _)| *g == group) {
            let runs = cases
                .iter()
                .filter(|c| c.case.build_error.is_none())
                .count();
            println!("left out: golden/{group} ({runs} programs): {why}");
            continue;
        }
        for loaded in cases {
            let case = &loaded.case;
            if case.build_error.is_some() {
                continue;
            }
            let id = format!("golden/{}", loaded.id);
            if !case.link.is_empty() || case.flags.iter().any(|f| f == "--unknown-imports") {
                println!("left out: {id}: {HOST_FUNCTIONS}");
                continue;
            }
            let host_env = case
                .host_env
                .iter()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            programs.push(Program {
                known_difference: known_difference(&id),
                id,
                argv0: "prog".to_string(),
                args: case.args.clone(),
                host_env,
                build_flags: case.flags.clone(),
                stdin: case.stdin.clone(),
                prepare: Box::new(move |dir| {
                    let input = loaded.prepare(dir)?;
                    let flags = loaded.case.capability_flags();
                    Ok((input, flags.into_iter().map(OsString::from).collect()))
                }),
            });
        }
    }
    Ok(programs)
}

/// Every program of the WASI testsuite.
fn testsuite_programs() -> Result<Vec<Program>, String> {
    let suite = shared_dir().join("wasi-testsuite");
    find_programs(&suite)?
        .into_iter()
        .map(|program| {
            let spec = program
                .spec
                .as_ref()
                .map_err(|why| format!("{}: {why}", program.id))?;
            let id = format!("wasi-testsuite/{}", program.id);
            Ok(Program {
                known_difference: known_difference(&id),
                id,
                argv0: program.stem.clone(),
                args: spec.args.clone(),
                host_env: Vec::new(),
                build_flags: Vec::new(),
                stdin: None,
                prepare: Box::new(move |dir| {
                    let spec = program.spec.as_ref().map_err(String::clone)?;
                    Ok((program.module.clone(), program.prepare(spec, dir)?))
                }),
            })
        })
        .collect()
}

/// Runs `program` as a wasi-aot executable in `dir/aot` and, at the same time, under
/// Node in `dir/node`, and compares stdout and exit status.
fn compare(
    bin: &Path,
    node: &Path,
    harness: &Path,
    program: &Program,
    dir: &Path,
) -> Result<(), String> {
    let (aot, under_node) = std::thread::scope(|s| {
        let under_node = s.spawn(|| run_node(node, harness, program, &dir.join("node")));
        let aot = run_aot(bin, program, &dir.join("aot"));
        let under_node = under_node
            .join()
            .unwrap_or_else(|_| Err("the Node side panicked".to_string()));
        (aot, under_node)
    });
    let (aot, under_node) = (aot?, under_node?);

    let mut differences = Vec::new();
    if aot.status.code() != under_node.status.code() {
        differences.push(format!(
            "wasi-aot {}, node {}",
            describe_status(aot.status),
            describe_status(under_node.status)
        ));
    }
    differences.extend(compare_exact("stdout", &aot.stdout, &under_node.stdout));
    match (program.known_difference, differences.is_empty()) {
        (None, true) | (Some(_), false) => Ok(()),
        (None, false) => Err(format!(
            "{} (wasi-aot is \"expected\", node \"got\"); node's stderr: {}",
            differences.join("; "),
            excerpt(&under_node.stderr_text())
        )),
        (Some(why), true) => Err(format!(
            "node now agrees: take it out of KNOWN_DIFFERENCES (it said: {why})"
        )),
    }
}

/// Builds `program` with `wasi-aot build` in the fresh work directory `dir` and runs it.
fn run_aot(bin: &Path, program: &Program, dir: &Path) -> Result<Output, String> {
    let (input, mut flags) = (program.prepare)(dir)?;
    flags.extend(program.build_flags.iter().map(OsString::from));
    let exe = dir.join("prog");
    build_executable(bin, &input, &exe, &flags, dir)?;
    let mut cmd = Command::new(&exe);
    cmd.arg0(&program.argv0).args(&program.args);
    run_in(&mut cmd, dir, program)
}

/// Runs `program` under Node through `harness` (`node_wasi.mjs`) in the fresh work
/// directory `dir`.
fn run_node(node: &Path, harness: &Path, program: &Program, dir: &Path) -> Result<Output, String> {
    let (input, flags) = (program.prepare)(dir)?;
    let module = binary_module(&input, dir)?;
    let mut cmd = Command::new(node);
    cmd.arg("--no-warnings")
        .arg(harness)
        .arg(&module)
        .args(&flags)
        .arg("--")
        .arg(&program.argv0)
        .args(&program.args);
    run_in(&mut cmd, dir, program)
}

/// Runs `cmd` in `dir` with the program's environment and input, failing on a timeout.
fn run_in(cmd: &mut Command, dir: &Path, program: &Program) -> Result<Output, String> {
    cmd.current_dir(dir)
        .env_clear()
        .envs(program.host_env.iter().map(|(k, v)| (k, v)));
    let stdin = program.stdin.as_deref().map(str::as_bytes);
    let out = run_with_timeout(cmd, stdin, RUN_TIMEOUT)?;
    if out.timed_out {
        return Err(format!(
            "{:?} {}; stderr: {}",
            cmd.get_program(),
            out.describe(RUN_TIMEOUT),
            excerpt(&out.stderr_text())
        ));
    }
    Ok(out)
}

/// The module as a binary file Node can load: `input` itself when it is one, else its
/// text converted to `dir/module.wasm`.
fn binary_module(input: &Path, dir: &Path) -> Result<PathBuf, String> {
    let bytes =
        std::fs::read(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    if bytes.starts_with(b"\0asm") {
        return Ok(input.to_path_buf());
    }
    let binary = wat::parse_bytes(&bytes).map_err(|e| format!("{}: {e}", input.display()))?;
    let path = dir.join("module.wasm");
    std::fs::write(&path, &binary).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
