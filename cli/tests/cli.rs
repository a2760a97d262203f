//! End-to-end tests of the `wasi-aot` binary: exit statuses and messages of its own,
//! and what `run` promises (the cache, `argv[0]`, the program's exit status and
//! signals). What the compiled programs do is the golden tests' business (`tests/`).

use std::fs;
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::{Command, Output};

/// A scratch directory with its own cache directory.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cache(&self) -> PathBuf {
        self.path("cache")
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// `wasi-aot ARGS` in the scratch directory, with the scratch cache.
    fn wasi_aot(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_wasi-aot"))
            .args(args)
            .current_dir(self.dir.path())
            .env("WASI_AOT_CACHE_DIR", self.cache())
            .output()
            .unwrap()
    }

    /// The executables in the run cache.
    fn cached(&self) -> Vec<PathBuf> {
        match fs::read_dir(self.cache().join("exe")) {
            Ok(entries) => {
                let mut v: Vec<PathBuf> = entries
                    .map(|e| e.unwrap().path())
                    .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
                    .collect();
                v.sort();
                v
            }
            Err(_) => vec![],
        }
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Prints its arguments (`argv[0]` included), one per line, and exits with the number of
/// arguments.
const ECHO_ARGS: &str = r#"
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $i i32) (local $p i32) (local $end i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 1024) (i32.const 4096)))
    ;; Turn the NULs that end the strings into newlines and write the whole buffer.
    (local.set $p (i32.const 4096))
    (local.set $end (i32.add (i32.const 4096) (i32.load (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (if (i32.eqz (i32.load8_u (local.get $p)))
          (then (i32.store8 (local.get $p) (i32.const 10))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 8) (i32.const 4096))
    (i32.store (i32.const 12) (i32.load (i32.const 4)))
    (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))
    (call $exit (i32.load (i32.const 0)))))
"#;

#[test]
fn missing_input_is_an_error_of_ours() {
    let s = Scratch::new();
    for args in [
        &["build", "demo.wasm", "-o", "demo"][..],
        &["run", "demo.wasm", "x"],
    ] {
        let out = s.wasi_aot(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            stderr(&out),
            "error: reading demo.wasm: No such file or directory (os error 2)\n"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn usage_errors_exit_with_2() {
    let s = Scratch::new();
    for args in [
        &["build", "demo.wasm"][..],
        &["build", "demo.wasm", "-o", "x", "-O", "7"],
        &["build", "demo.wasm", "-o", "x", "--env", "NOVALUE"],
        &["frobnicate"],
        &[],
    ] {
        let out = s.wasi_aot(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        // clap's own messages: an `error:` line or, with no arguments, the usage.
        let err = stderr(&out);
        assert!(
            err.starts_with("error: ") || err.contains("Usage:"),
            "{args:?}: {err}"
        );
    }
    let out = s.wasi_aot(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("build"));
}

#[test]
fn import_problems_are_reported_together() {
    let s = Scratch::new();
    s.write(
        "bad.wat",
        r#"(module
             (import "env" "missing" (func))
             (import "wasi_snapshot_preview1" "fd_close" (func (param i64) (result i32)))
             (memory (export "memory") 1))"#,
    );
    let out = s.wasi_aot(&["build", "bad.wat", "-o", "bad"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: module has no `_start` export"),
        "{err}"
    );
    assert!(err.contains("\nerror: import `wasi_snapshot_preview1.fd_close` has type (func (param i64) (result i32))"), "{err}");
    assert!(
        err.contains("\nerror: unresolved imports:\n  env.missing (symbol env_missing)\n"),
        "{err}"
    );
    assert!(!s.path("bad").exists());
}

#[test]
fn build_writes_an_executable() {
    let s = Scratch::new();
    s.write("echo.wat", ECHO_ARGS);
    let out = s.wasi_aot(&["build", "echo.wat", "-o", "echo", "-O0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exe = s.path("echo");
    assert_ne!(fs::metadata(&exe).unwrap().mode() & 0o111, 0);
    let out = Command::new(&exe).args(["a", "b c"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\na\nb c\n", exe.display())
    );
}

/// `wasi-aot build echo.wat -o NAME` in `s` with `CC` unset and `path_prefix` before
/// `PATH`; returns the executable's bytes after checking that it runs.
fn build_with_default_linker(s: &Scratch, path_prefix: &std::path::Path, name: &str) -> Vec<u8> {
    let path = std::env::join_paths(
        std::iter::once(path_prefix.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wasi-aot"))
        .args(["build", "echo.wat", "-o", name, "-O0"])
        .current_dir(s.dir.path())
        .env("WASI_AOT_CACHE_DIR", s.cache())
        .env("PATH", path)
        .env_remove("CC")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let run = Command::new(s.path(name)).arg("x").output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    fs::read(s.path(name)).unwrap()
}

#[test]
fn links_with_gold_where_installed_and_falls_back_to_the_default_linker() {
    use std::os::unix::fs::PermissionsExt as _;
    let s = Scratch::new();
    s.write("echo.wat", ECHO_ARGS);
    // GNU gold marks its output with this note section.
    let gold_note = b".note.gnu.gold-version";
    let linked_by_gold = |exe: &[u8]| exe.windows(gold_note.len()).any(|w| w == gold_note);

    // An `ld.gold` that always fails: the build still succeeds, with the default linker.
    let fake = s.path("fake-bin");
    fs::create_dir(&fake).unwrap();
    let marker = s.path("gold-was-tried");
    let script = fake.join("ld.gold");
    fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let exe = build_with_default_linker(&s, &fake, "echo-fallback");
    assert!(marker.exists(), "gold on PATH is tried first");
    assert!(!linked_by_gold(&exe));

    // The machine's own gold, where there is one.
    let real_gold = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .any(|dir| dir.join("ld.gold").is_file());
    let exe = build_with_default_linker(&s, &s.path("no-such-dir"), "echo-default");
    assert_eq!(linked_by_gold(&exe), real_gold);
}

/// Writes `ready` and waits for input on stdin, so that a test can look at the running
/// process; exits 0 when stdin closes.
const READY_THEN_WAIT: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "ready\n")
  (func $ready_then_wait (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))))
"#;

#[test]
fn builds_without_a_linker_once_the_runtime_template_is_cached() {
    use object::{Object as _, ObjectSection as _, ObjectSymbol as _};
    use std::io::{BufRead as _, Write as _};
    use std::os::unix::fs::PermissionsExt as _;
    let s = Scratch::new();
    s.write("echo.wat", ECHO_ARGS);
    s.write("wait.wat", READY_THEN_WAIT);
    // A `CC` that records its runs.
    let log = s.path("cc-runs");
    let cc = s.path("logging-cc");
    fs::write(
        &cc,
        format!(
            "#!/bin/sh\necho run >> '{}'\nexec cc \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&cc, fs::Permissions::from_mode(0o755)).unwrap();
    let build = |input: &str, output: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_wasi-aot"))
            .args(["build", input, "-o", output])
            .current_dir(s.dir.path())
            .env("WASI_AOT_CACHE_DIR", s.cache())
            .env("CC", &cc)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    let cc_runs = || fs::read_to_string(&log).unwrap_or_default().lines().count();
    build("echo.wat", "echo");
    assert_eq!(cc_runs(), 1, "the first build links the runtime template");
    build("wait.wat", "wait");
    assert_eq!(cc_runs(), 1, "later builds run no linker");

    let out = Command::new(s.path("echo"))
        .args(["a", "b c"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\na\nb c\n", s.path("echo").display())
    );

    // Each executable has a build ID of its own: perf's cache and debuginfod key on it.
    let build_id = |name: &str| {
        let bytes = fs::read(s.path(name)).unwrap();
        let file = object::File::parse(&*bytes).unwrap();
        file.build_id().unwrap().expect("a build ID").to_vec()
    };
    assert_ne!(build_id("echo"), build_id("wait"));

    // The module's code and data are sections of their own, and its functions have
    // symbols there, for perf and gdb.
    let exe = s.path("wait");
    let bytes = fs::read(&exe).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let section_addr = |name: &str| file.section_by_name(name).unwrap().address();
    let (text, image) = (section_addr(".wasm.text"), section_addr(".wasm.image"));
    let function = file
        .symbols()
        .find(|sym| sym.name().is_ok_and(|n| n.contains("ready_then_wait")))
        .expect("a symbol for the wasm function");
    assert!(function.address() >= text && function.address() < image);

    // While it runs, its code is read-and-execute and its relocated data read-only;
    // nothing is writable and executable.
    let mut child = Command::new(&exe)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    let maps = fs::read_to_string(format!("/proc/{}/maps", child.id())).unwrap();
    child.stdin.as_mut().unwrap().write_all(b"\n").unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    let exe_path = exe.to_string_lossy().into_owned();
    let mappings: Vec<(u64, u64, &str, u64)> = maps
        .lines()
        .filter(|l| l.ends_with(&*exe_path))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            let (start, end) = fields[0].split_once('-').unwrap();
            let hex = |v: &str| u64::from_str_radix(v, 16).unwrap();
            (hex(start), hex(end), fields[1], hex(fields[2]))
        })
        .collect();
    let bias = mappings
        .iter()
        .find(|m| m.3 == 0)
        .expect("the first page")
        .0;
    let perms_at = |addr: u64| {
        mappings
            .iter()
            .find(|m| m.0 <= bias + addr && bias + addr < m.1)
            .map(|m| m.2)
    };
    assert_eq!(perms_at(text), Some("r-xp"), "{maps}");
    assert_eq!(perms_at(image), Some("r--p"), "{maps}");
    assert!(
        mappings
            .iter()
            .all(|m| !(m.2.contains('w') && m.2.contains('x'))),
        "{maps}"
    );
}

#[test]
fn run_builds_once_and_hands_over_the_process() {
    let s = Scratch::new();
    s.write("echo.wat", ECHO_ARGS);
    let run = |args: &[&str]| {
        let mut full = vec!["run", "echo.wat"];
        full.extend_from_slice(args);
        s.wasi_aot(&full)
    };

    let out = run(&["--", "--help", "-O0", ""]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    // argv[0] is INPUT as given; every later argument is the program's.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "echo.wat\n--help\n-O0\n\n"
    );
    let cached = s.cached();
    assert_eq!(cached.len(), 1);
    let before = fs::metadata(&cached[0]).unwrap();

    // Same module and options: the cached executable runs as it is.
    let out = run(&["x"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "echo.wat\nx\n");
    assert_eq!(s.cached(), cached);
    let after = fs::metadata(&cached[0]).unwrap();
    assert_eq!(
        (before.ino(), before.mtime(), before.mtime_nsec()),
        (after.ino(), after.mtime(), after.mtime_nsec())
    );

    // Another option is another executable.
    let out = s.wasi_aot(&["run", "--env", "A=1", "echo.wat"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(s.cached().len(), 2);
    // No temporary files are left in the cache.
    assert!(fs::read_dir(s.cache().join("exe")).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with('.')));
}

#[test]
fn run_passes_on_traps_and_signals() {
    let s = Scratch::new();
    s.write(
        "trap.wat",
        r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#,
    );
    let out = s.wasi_aot(&["run", "trap.wat"]);
    assert_eq!(
        out.status.code(),
        Some(wasi_aot_abi::trap::TRAP_EXIT_STATUS),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("unreachable"), "{}", stderr(&out));

    s.write(
        "loop.wat",
        r#"(module (memory (export "memory") 1) (func (export "_start") (loop (br 0))))"#,
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasi-aot"))
        .args(["run", "loop.wat"])
        .current_dir(s.dir.path())
        .env("WASI_AOT_CACHE_DIR", s.cache())
        .spawn()
        .unwrap();
    // Once the process has become the program, the signal is the program's.
    let became_program = (0..600).any(|_| {
        let cmdline = fs::read(format!("/proc/{}/cmdline", child.id()));
        if cmdline.is_ok_and(|c| c == b"loop.wat\0") {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        false
    });
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert!(
        became_program,
        "`run` did not exec the program within a minute"
    );
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "{status:?}");
}

#[test]
fn library_problems_are_reported() {
    let s = Scratch::new();
    s.write(
        "bad.wat",
        r#"(module
             (import "env" "mem" (memory 1))
             (import "env" "vec" (func (param v128)))
             (import "env" "two" (func (result i32 i32)))
             (import "wasi_snapshot_preview1" "fd_close" (func (param i64) (result i32))))"#,
    );
    let out = s.wasi_aot(&["build", "--lib", "bad.wat", "-o", "libbad.a"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: a library cannot import memories, tables or globals"),
        "{err}"
    );
    assert!(err.contains("\n  env.mem (memory)\n"), "{err}");
    assert!(
        err.contains("\nerror: import `env.vec` has type (func (param v128)): host functions take"),
        "{err}"
    );
    assert!(
        err.contains("\nerror: import `env.two` has type (func (result i32 i32))"),
        "{err}"
    );
    assert!(
        err.contains("\nerror: import `wasi_snapshot_preview1.fd_close` has type"),
        "{err}"
    );
    assert!(!s.path("libbad.a").exists());

    s.write("ok.wat", r#"(module (memory (export "memory") 1))"#);
    for (args, message) in [
        (
            &["-o", "libok.a", "--dir", ".", "--env", "A=1"][..],
            "error: --dir, --env cannot be used with --lib",
        ),
        (&["-o", "libok.a", "--link", "x.o"], "error: --link cannot be used with --lib"),
        (
            &["-o", "libok.a", "--unknown-imports", "trap"],
            "error: --unknown-imports cannot be used with --lib",
        ),
        (&["-o", "libok.so"], "error: libok.so: a library is written as a static library (`.a`) or an object file (`.o`)"),
        (&["-o", "libok.a", "--name", "9x"], "error: library name `9x` is not a C identifier"),
        (&["-o", "libok.a", "--name", "wasi_aot_x"], "error: library name `wasi_aot_x` starts with `wasi_aot`"),
    ] {
        let mut full = vec!["build", "--lib", "ok.wat"];
        full.extend_from_slice(args);
        let out = s.wasi_aot(&full);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).starts_with(message), "{args:?}: {}", stderr(&out));
    }
    // Library options without --lib are usage errors.
    for args in [
        &["--header", "x.h"][..],
        &["--name", "x"],
        &["--no-runtime"],
    ] {
        let mut full = vec!["build", "ok.wat", "-o", "ok"];
        full.extend_from_slice(args);
        assert_eq!(s.wasi_aot(&full).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn library_outputs() {
    let s = Scratch::new();
    s.write(
        "m.wat",
        r#"(module (memory (export "memory") 1) (func (export "get") (result i32) (i32.const 5)))"#,
    );
    let out = s.wasi_aot(&[
        "build", "--lib", "m.wat", "-o", "libm2.a", "--header", "m2.h",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let header = fs::read_to_string(s.path("m2.h")).unwrap();
    assert!(
        header.contains("wasi_aot_status m2_get(m2_instance *instance, int32_t *result);"),
        "{header}"
    );
    assert!(header.contains("extern const wasi_aot_module wasi_aot_module_m2;"));
    let with_runtime = fs::metadata(s.path("libm2.a")).unwrap().len();

    let out = s.wasi_aot(&[
        "build",
        "--lib",
        "m.wat",
        "-o",
        "libm3.a",
        "--no-runtime",
        "--name",
        "m3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let without = fs::metadata(s.path("libm3.a")).unwrap().len();
    assert!(without * 100 < with_runtime, "{without} vs {with_runtime}");
    assert!(!s.path("m3.h").exists(), "no header unless asked for");

    let out = s.wasi_aot(&["build", "--lib", "m.wat", "-o", "m4.o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fs::read(s.path("m4.o")).unwrap().starts_with(b"\x7fELF"));

    let out = s.wasi_aot(&["runtime", "-o", "librt.a", "--header", "wasi_aot.h"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fs::read(s.path("librt.a"))
        .unwrap()
        .starts_with(b"!<arch>\n"));
    let common = fs::read_to_string(s.path("wasi_aot.h")).unwrap();
    assert!(common.contains("#ifndef WASI_AOT_H") && !common.contains("m2_"));
    assert!(
        header.contains(&common),
        "a module header carries the common part"
    );
}
