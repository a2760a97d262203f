//! Shared helpers for the test runners (`golden`, `sightglass`, `wasi_testsuite`,
//! `node_differential`): locating the `wasi-aot` binary and the shared suites, running
//! commands with a time limit, building executables, compiling C helpers, copying and
//! fingerprinting directory trees, reading JSON, comparing outputs, and running cases
//! on worker threads with a closing `N passed, N failed` line. The golden cases' data
//! and the WASI testsuite's specs are read by [`golden_cases`] and [`testsuite`].

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

pub mod golden_cases;
pub mod testsuite;

/// How long a build (`wasi-aot build` or `cc -c`) may take before it is killed.
pub const BUILD_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a compiled program may run before it is killed.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The repository root (the parent of this crate's directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the repository")
        .to_path_buf()
}

/// The `wasi-aot` binary: `$WASI_AOT_BIN`, or else `target/<profile>/wasi-aot` next to
/// the running test executable (which lives in `target/<profile>/deps/`).
///
/// # Errors
/// A message telling how to build the binary when it does not exist.
pub fn wasi_aot_bin() -> Result<PathBuf, String> {
    let path = match std::env::var_os("WASI_AOT_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let exe = std::env::current_exe()
                .map_err(|e| format!("cannot locate the test executable: {e}"))?;
            let profile_dir = exe
                .parent()
                .and_then(Path::parent)
                .ok_or_else(|| format!("unexpected test executable path {}", exe.display()))?;
            profile_dir.join("wasi-aot")
        }
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "wasi-aot binary not found at {}: run `cargo build --release` first \
             (or set WASI_AOT_BIN)",
            path.display()
        ))
    }
}

/// The shared suites directory: `$WASI_AOT_SHARED`, or `<repo>/../shared`.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("WASI_AOT_SHARED") {
        Some(p) => PathBuf::from(p),
        None => repo_root().join("..").join("shared"),
    }
}

/// A fresh temporary directory for one runner's work files, removed when dropped
/// unless `WASI_AOT_KEEP_WORK` is set (then its path is printed and it is kept).
pub struct WorkDir {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl WorkDir {
    /// Creates the directory under the system temporary directory.
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn new(prefix: &str) -> Result<WorkDir, String> {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let path = dir.path().to_path_buf();
        if std::env::var_os("WASI_AOT_KEEP_WORK").is_some() {
            println!("work files kept in {}", path.display());
            Ok(WorkDir {
                dir: None,
                path: dir.keep(),
            })
        } else {
            Ok(WorkDir {
                dir: Some(dir),
                path,
            })
        }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            // A failure to clean up must not turn a finished run into a panic.
            let _ = dir.close();
        }
    }
}

/// What a finished (or killed) command produced.
#[derive(Debug)]
pub struct Output {
    /// How the process ended.
    pub status: ExitStatus,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
    /// Whether it was killed for running past its time limit.
    pub timed_out: bool,
}

impl Output {
    /// A one-line description of how the process ended: `exit 3`, `signal 11`, or
    /// `timed out after 60 s`.
    pub fn describe(&self, timeout: Duration) -> String {
        if self.timed_out {
            format!("timed out after {} s", timeout.as_secs())
        } else {
            describe_status(self.status)
        }
    }

    /// Stderr as text, for messages.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// `exit N` for a normal exit, `signal N` for a death by signal.
pub fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(sig)) => format!("signal {sig}"),
        (None, None) => format!("{status}"),
    }
}

/// Runs `cmd` with `stdin` as its input (or `/dev/null`), capturing stdout and
/// stderr. The command runs in its own process group; when it runs past `timeout` the
/// whole group is killed and [`Output::timed_out`] is set.
///
/// # Errors
/// When the command cannot be started.
pub fn run_with_timeout(
    cmd: &mut Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<Output, String> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let stdin_writer = match (stdin, child.stdin.take()) {
        (Some(bytes), Some(mut pipe)) => {
            let bytes = bytes.to_vec();
            // A program that exits without reading its input makes this fail with EPIPE,
            // which is not an error of the test.
            Some(thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            }))
        }
        _ => None,
    };
    let stdout_reader = spawn_reader(child.stdout.take());
    let stderr_reader = spawn_reader(child.stderr.take());
    let (status, timed_out) = wait_with_deadline(&mut child, timeout)?;
    if let Some(writer) = stdin_writer {
        let _ = writer.join();
    }
    Ok(Output {
        status,
        stdout: stdout_reader.join().unwrap_or_default(),
        stderr: stderr_reader.join().unwrap_or_default(),
        timed_out,
    })
}

fn spawn_reader<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

fn wait_with_deadline(child: &mut Child, timeout: Duration) -> Result<(ExitStatus, bool), String> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("wait failed: {e}"))? {
            return Ok((status, false));
        }
        if Instant::now() >= deadline {
            let pgid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
            // SAFETY: kill(2) with a negative pid signals the process group the child
            // leads (it was started with `process_group(0)`); no memory is involved.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            let status = child.wait().map_err(|e| format!("wait failed: {e}"))?;
            return Ok((status, true));
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Builds the module `input` into the executable `exe` with
/// `wasi-aot build INPUT -o EXE FLAGS...`, working in `dir`.
///
/// # Errors
/// When the build fails or runs past [`BUILD_TIMEOUT`]: how it ended and the start of
/// its stderr.
pub fn build_executable(
    bin: &Path,
    input: &Path,
    exe: &Path,
    flags: &[std::ffi::OsString],
    dir: &Path,
) -> Result<(), String> {
    let mut cmd = Command::new(bin);
    cmd.arg("build")
        .arg(input)
        .arg("-o")
        .arg(exe)
        .args(flags)
        .current_dir(dir);
    let built = run_with_timeout(&mut cmd, None, BUILD_TIMEOUT)?;
    if built.timed_out || !built.status.success() {
        return Err(format!(
            "build failed ({}): {}",
            built.describe(BUILD_TIMEOUT),
            excerpt(&built.stderr_text())
        ));
    }
    Ok(())
}

/// Compiles a C file to an object with `cc -c -O2`.
///
/// # Errors
/// The compiler's diagnostics when it fails.
pub fn compile_c(source: &Path, object: &Path) -> Result<(), String> {
    let mut cmd = Command::new("cc");
    cmd.arg("-c").arg("-O2").arg(source).arg("-o").arg(object);
    let out = run_with_timeout(&mut cmd, None, BUILD_TIMEOUT)?;
    if out.status.success() && !out.timed_out {
        Ok(())
    } else {
        Err(format!(
            "cc -c {} failed ({}): {}",
            source.display(),
            out.describe(BUILD_TIMEOUT),
            out.stderr_text().trim_end()
        ))
    }
}

/// Compares an output stream with its expected bytes. Returns `None` when equal, else
/// a short summary: the first differing line of each, and both lengths.
pub fn compare_exact(stream: &str, expected: &[u8], actual: &[u8]) -> Option<String> {
    if expected == actual {
        return None;
    }
    let exp = String::from_utf8_lossy(expected);
    let act = String::from_utf8_lossy(actual);
    let mut exp_lines = exp.split_inclusive('\n');
    let mut act_lines = act.split_inclusive('\n');
    let mut line = 1;
    loop {
        match (exp_lines.next(), act_lines.next()) {
            (Some(e), Some(a)) if e == a => line += 1,
            (e, a) => {
                return Some(format!(
                    "{stream} differs at line {line}: expected {:?}, got {:?} \
                     ({} bytes expected, {} bytes got)",
                    e.unwrap_or("<end>"),
                    a.unwrap_or("<end>"),
                    expected.len(),
                    actual.len()
                ))
            }
        }
    }
}

/// Copies the directory tree `from` to `to` (created if needed): directories, regular
/// files, and symbolic links (recreated with the same target). Entries for which
/// `skip(path)` is true are left out, with everything under them. Every copy is
/// writable by its owner whatever the source's permissions, so a read-only source
/// still gives a tree that a program can modify and that can be removed afterwards.
///
/// # Errors
/// On an entry of another kind (a socket, a device), or when reading or writing fails.
pub fn copy_tree(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(from)
        .map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", from.display()));
    }
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if skip(&src) {
            continue;
        }
        let kind = entry
            .file_type()
            .map_err(|e| format!("cannot read {}: {e}", src.display()))?;
        if kind.is_dir() {
            copy_tree(&src, &dst, skip)?;
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&src)
                .map_err(|e| format!("cannot read the link {}: {e}", src.display()))?;
            std::os::unix::fs::symlink(&target, &dst)
                .map_err(|e| format!("cannot create the link {}: {e}", dst.display()))?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).map_err(|e| format!("cannot copy {}: {e}", src.display()))?;
            add_owner_permissions(&dst, 0o600)?;
        } else {
            return Err(format!(
                "{} is neither a file, a directory nor a symbolic link",
                src.display()
            ));
        }
    }
    add_owner_permissions(to, 0o700)
}

/// Adds the permission bits `bits` to `path` (not following a symbolic link).
fn add_owner_permissions(path: &Path, bits: u32) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mode = meta.permissions().mode();
    if mode & bits != bits {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode | bits))
            .map_err(|e| format!("cannot change the permissions of {}: {e}", path.display()))?;
    }
    Ok(())
}

/// A fingerprint of a directory tree: every entry's path (relative to the root), kind,
/// size, permission bits and modification time. Two snapshots of the same tree differ
/// when anything in it was added, removed or modified in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeSnapshot {
    entries: BTreeMap<PathBuf, EntryStamp>,
}

/// What a [`TreeSnapshot`] records of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EntryStamp {
    kind: char,
    len: u64,
    mode: u32,
    mtime: (i64, i64),
}

impl TreeSnapshot {
    /// Walks the tree under `root` (symbolic links are recorded, not followed).
    ///
    /// # Errors
    /// When `root` or an entry under it cannot be read.
    pub fn take(root: &Path) -> Result<TreeSnapshot, String> {
        let mut entries = BTreeMap::new();
        let mut pending = vec![PathBuf::new()];
        while let Some(rel) = pending.pop() {
            let path = root.join(&rel);
            let meta = std::fs::symlink_metadata(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let kind = match meta.file_type() {
                t if t.is_dir() => 'd',
                t if t.is_file() => 'f',
                t if t.is_symlink() => 'l',
                _ => '?',
            };
            if kind == 'd' {
                let listing = std::fs::read_dir(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                for entry in listing {
                    let entry =
                        entry.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    pending.push(rel.join(entry.file_name()));
                }
            }
            let stamp = EntryStamp {
                kind,
                len: meta.len(),
                mode: meta.mode(),
                mtime: (meta.mtime(), meta.mtime_nsec()),
            };
            entries.insert(rel, stamp);
        }
        Ok(TreeSnapshot { entries })
    }

    /// This snapshot without the entries whose path (relative to the root) `excluded`
    /// is true for, as if they did not exist.
    pub fn without(mut self, excluded: impl Fn(&Path) -> bool) -> TreeSnapshot {
        self.entries.retain(|path, _| !excluded(path));
        self
    }

    /// The paths of all entries, relative to the root (the root itself is the empty
    /// path), in order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.entries.keys().map(PathBuf::as_path)
    }

    /// How this snapshot differs from the `earlier` one, one `added P`, `removed P` or
    /// `changed P` per entry in path order (the root itself is `.`); empty when nothing
    /// changed.
    pub fn changes_since(&self, earlier: &TreeSnapshot) -> Vec<String> {
        let mut changes: Vec<(&Path, &str)> = Vec::new();
        for (path, stamp) in &self.entries {
            match earlier.entries.get(path) {
                None => changes.push((path, "added")),
                Some(old) if old != stamp => changes.push((path, "changed")),
                Some(_) => {}
            }
        }
        for path in earlier.entries.keys() {
            if !self.entries.contains_key(path) {
                changes.push((path, "removed"));
            }
        }
        changes.sort();
        changes
            .into_iter()
            .map(|(path, what)| {
                let shown = if path.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    path
                };
                format!("{what} {}", shown.display())
            })
            .collect()
    }
}

/// A small, strict JSON reader (RFC 8259) for test specifications.
pub mod json {
    /// A JSON value. Object members keep their order; a repeated key is an error.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Value {
        /// `null`.
        Null,
        /// `true` or `false`.
        Bool(bool),
        /// A number.
        Number(f64),
        /// A string.
        String(String),
        /// An array.
        Array(Vec<Value>),
        /// An object: its members in order.
        Object(Vec<(String, Value)>),
    }

    impl Value {
        /// What kind of value this is, for messages: `null`, `a boolean`, ...
        pub fn kind(&self) -> &'static str {
            match self {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                Value::Array(_) => "an array",
                Value::Object(_) => "an object",
            }
        }
    }

    /// Parses one JSON text (surrounding whitespace allowed).
    ///
    /// # Errors
    /// A message with the line and column of the first syntax error.
    pub fn parse(text: &str) -> Result<Value, String> {
        let mut parser = Parser { text, pos: 0 };
        parser.skip_space();
        let value = parser.value(0)?;
        parser.skip_space();
        if parser.pos < text.len() {
            return Err(parser.error("unexpected text after the value"));
        }
        Ok(value)
    }

    /// Arrays and objects nested deeper than this are refused.
    const MAX_DEPTH: usize = 128;

    struct Parser<'a> {
        text: &'a str,
        pos: usize,
    }

    impl Parser<'_> {
        fn error(&self, what: &str) -> String {
            let before = &self.text[..self.pos];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("JSON error at line {line}, column {column}: {what}")
        }

        fn peek(&self) -> Option<u8> {
            self.text.as_bytes().get(self.pos).copied()
        }

        fn skip_space(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.pos += 1;
            }
        }

        fn expect(&mut self, byte: u8) -> Result<(), String> {
            if self.peek() == Some(byte) {
                self.pos += 1;
                Ok(())
            } else {
                Err(self.error(&format!("expected `{}`", char::from(byte))))
            }
        }

        fn value(&mut self, depth: usize) -> Result<Value, String> {
            if depth > MAX_DEPTH {
                return Err(self.error("too deeply nested"));
            }
            match self.peek() {
                Some(b'{') => self.object(depth),
                Some(b'[') => self.array(depth),
                Some(b'"') => self.string().map(Value::String),
                Some(b'-' | b'0'..=b'9') => self.number(),
                _ => {
                    for (word, value) in [
                        ("null", Value::Null),
                        ("true", Value::Bool(true)),
                        ("false", Value::Bool(false)),
                    ] {
                        if self.text[self.pos..].starts_with(word) {
                            self.pos += word.len();
                            return Ok(value);
                        }
                    }
                    Err(self.error("expected a value"))
                }
            }
        }

        fn object(&mut self, depth: usize) -> Result<Value, String> {
            self.expect(b'{')?;
            let mut members: Vec<(String, Value)> = Vec::new();
            self.skip_space();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Value::Object(members));
            }
            loop {
                self.skip_space();
                let key_pos = self.pos;
                let key = self.string()?;
                if members.iter().any(|(k, _)| *k == key) {
                    self.pos = key_pos;
                    return Err(self.error(&format!("repeated key {key:?}")));
                }
                self.skip_space();
                self.expect(b':')?;
                self.skip_space();
                let value = self.value(depth + 1)?;
                members.push((key, value));
                self.skip_space();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        return Ok(Value::Object(members));
                    }
                    _ => return Err(self.error("expected `,` or `}`")),
                }
            }
        }

        fn array(&mut self, depth: usize) -> Result<Value, String> {
            self.expect(b'[')?;
            let mut items = Vec::new();
            self.skip_space();
            if self.peek() == Some(b']') {
                self.pos += 1;
                return Ok(Value::Array(items));
            }
            loop {
                self.skip_space();
                items.push(self.value(depth + 1)?);
                self.skip_space();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        return Ok(Value::Array(items));
                    }
                    _ => return Err(self.error("expected `,` or `]`")),
                }
            }
        }

        fn string(&mut self) -> Result<String, String> {
            self.expect(b'"')?;
            let mut out = String::new();
            loop {
                let Some(c) = self.text[self.pos..].chars().next() else {
                    return Err(self.error("unterminated string"));
                };
                match c {
                    '"' => {
                        self.pos += 1;
                        return Ok(out);
                    }
                    '\\' => {
                        self.pos += 1;
                        let escape = self
                            .peek()
                            .ok_or_else(|| self.error("unterminated string"))?;
                        self.pos += 1;
                        match escape {
                            b'"' => out.push('"'),
                            b'\\' => out.push('\\'),
                            b'/' => out.push('/'),
                            b'b' => out.push('\u{8}'),
                            b'f' => out.push('\u{c}'),
                            b'n' => out.push('\n'),
                            b'r' => out.push('\r'),
                            b't' => out.push('\t'),
                            b'u' => out.push(self.unicode_escape()?),
                            _ => {
                                self.pos -= 2;
                                return Err(self.error("invalid escape"));
                            }
                        }
                    }
                    c if u32::from(c) < 0x20 => {
                        return Err(self.error("control character in a string"));
                    }
                    c => {
                        out.push(c);
                        self.pos += c.len_utf8();
                    }
                }
            }
        }

        /// The code point of a `\uXXXX` escape whose `\u` was just read, with the
        /// second half of a surrogate pair when the first is a high surrogate.
        fn unicode_escape(&mut self) -> Result<char, String> {
            let first = self.hex4()?;
            let code = if (0xD800..0xDC00).contains(&first) {
                if !self.text[self.pos..].starts_with("\\u") {
                    return Err(self.error("unpaired surrogate in a \\u escape"));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..0xE000).contains(&second) {
                    return Err(self.error("unpaired surrogate in a \\u escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            } else {
                first
            };
            char::from_u32(code).ok_or_else(|| self.error("unpaired surrogate in a \\u escape"))
        }

        fn hex4(&mut self) -> Result<u32, String> {
            let digits = self
                .text
                .get(self.pos..self.pos + 4)
                .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(|| self.error("expected four hex digits"))?;
            self.pos += 4;
            u32::from_str_radix(digits, 16).map_err(|e| self.error(&e.to_string()))
        }

        fn number(&mut self) -> Result<Value, String> {
            let start = self.pos;
            let digits = |p: &mut Self| {
                let from = p.pos;
                while matches!(p.peek(), Some(b'0'..=b'9')) {
                    p.pos += 1;
                }
                p.pos > from
            };
            if self.peek() == Some(b'-') {
                self.pos += 1;
            }
            if self.peek() == Some(b'0') {
                self.pos += 1;
            } else if !digits(self) {
                return Err(self.error("expected a digit"));
            }
            if self.peek() == Some(b'.') {
                self.pos += 1;
                if !digits(self) {
                    return Err(self.error("expected a digit after `.`"));
                }
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.pos += 1;
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.pos += 1;
                }
                if !digits(self) {
                    return Err(self.error("expected a digit in the exponent"));
                }
            }
            self.text[start..self.pos]
                .parse()
                .map(Value::Number)
                .map_err(|e| self.error(&format!("bad number: {e}")))
        }
    }
}

/// The start of a long text (up to 300 characters), quoted, for a one-line message.
pub fn excerpt(text: &str) -> String {
    const LIMIT: usize = 300;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{:?}...", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// One named check: a closure that returns `Err(summary)` when the check fails.
pub struct Check {
    /// The name printed on the result line.
    pub name: String,
    /// The work; runs on a worker thread.
    pub run: Box<dyn FnOnce() -> Result<(), String> + Send>,
}

impl Check {
    /// Wraps a closure as a named check.
    pub fn new(
        name: impl Into<String>,
        run: impl FnOnce() -> Result<(), String> + Send + 'static,
    ) -> Check {
        Check {
            name: name.into(),
            run: Box::new(run),
        }
    }
}

/// Number of worker threads: `$WASI_AOT_TEST_THREADS`, or the available parallelism.
fn worker_count() -> usize {
    std::env::var("WASI_AOT_TEST_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .or_else(|| thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(2)
}

/// What a runner's checks need: the `wasi-aot` binary and a private work directory.
pub struct Setup {
    /// The `wasi-aot` binary (see [`wasi_aot_bin`]).
    pub bin: PathBuf,
    /// A fresh directory for work files, removed after the run (see [`WorkDir`]).
    pub work: PathBuf,
}

/// The `main` of a runner: locates the binary, creates the work directory, asks `list`
/// for the checks, keeps those whose name contains one of the command-line arguments
/// (all when there are none; arguments starting with `-` are ignored) and runs them
/// with [`run_checks`]. A failure before any check can run is reported as one failed
/// check named `setup`.
pub fn runner_main(
    name: &str,
    list: impl FnOnce(&Setup) -> Result<Vec<Check>, String>,
) -> ExitCode {
    runner_main_then(name, |setup| {
        list(setup).map(|checks| Plan {
            checks,
            after: Vec::new(),
        })
    })
}

/// What a runner runs: [`Plan::checks`] on worker threads, then [`Plan::after`].
pub struct Plan {
    /// The checks proper; the command-line name filters apply to these.
    pub checks: Vec<Check>,
    /// Checks that run one by one once every check in [`Plan::checks`] has finished,
    /// whatever the name filters (for example: the run left a shared directory as it
    /// found it). They count in the closing line like the others.
    pub after: Vec<Check>,
}

/// [`runner_main`] for a runner that also has checks to run after all the others (see
/// [`Plan`]).
pub fn runner_main_then(name: &str, list: impl FnOnce(&Setup) -> Result<Plan, String>) -> ExitCode {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let bin = match wasi_aot_bin() {
        Ok(bin) => bin,
        Err(why) => return fail_setup(&why),
    };
    let work = match WorkDir::new(&format!("wasi-aot-{name}-")) {
        Ok(work) => work,
        Err(why) => return fail_setup(&why),
    };
    let setup = Setup {
        bin,
        work: work.path().to_path_buf(),
    };
    let plan = match list(&setup) {
        Ok(plan) => plan,
        Err(why) => return fail_setup(&why),
    };
    let checks = plan
        .checks
        .into_iter()
        .filter(|c| filters.is_empty() || filters.iter().any(|f| c.name.contains(f.as_str())))
        .collect();
    // `work` lives until every check has finished.
    run_checks_then(checks, plan.after)
}

/// Runs every check on worker threads, printing `ok NAME` or `FAIL NAME: summary` as
/// each finishes, then the failures again in name order and the closing
/// `N passed, N failed` line. A check that panics counts as failed.
///
/// Returns the process exit code: failure when any check failed or there were none.
pub fn run_checks(checks: Vec<Check>) -> ExitCode {
    run_checks_then(checks, Vec::new())
}

/// [`run_checks`], then the `after` checks one by one on this thread, reported and
/// counted the same way. An empty `checks` still counts as a failure.
pub fn run_checks_then(checks: Vec<Check>, after: Vec<Check>) -> ExitCode {
    let total = checks.len();
    let queue = Mutex::new(checks.into_iter());
    let failures = Mutex::new(Vec::<(String, String)>::new());
    let passed = AtomicUsize::new(0);
    let workers = worker_count().min(total.max(1));
    let run_one = |check: Check| {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check.run))
            .unwrap_or_else(|_| Err("the check panicked".to_string()));
        let mut failures = failures.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(()) => {
                passed.fetch_add(1, Ordering::Relaxed);
                println!("ok   {}", check.name);
            }
            Err(why) => {
                println!("FAIL {}: {why}", check.name);
                failures.push((check.name, why));
            }
        }
    };
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some(check) = next else { break };
                run_one(check);
            });
        }
    });
    for check in after {
        run_one(check);
    }
    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort();
    if !failures.is_empty() {
        println!("\nfailures:");
        for (name, why) in &failures {
            println!("  {name}: {why}");
        }
    }
    finish(
        passed.into_inner(),
        failures.len() + usize::from(total == 0),
    )
}

/// Reports a failure that stops a runner before any check can run (a missing binary or
/// suite) in the same format as [`run_checks`].
fn fail_setup(why: &str) -> ExitCode {
    println!("FAIL setup: {why}");
    finish(0, 1)
}

fn finish(passed: usize, failed: usize) -> ExitCode {
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_reports_first_differing_line() {
        assert_eq!(compare_exact("stdout", b"a\nb\n", b"a\nb\n"), None);
        let diff = compare_exact("stdout", b"a\nb\nc\n", b"a\nx\nc\n").unwrap();
        assert!(
            diff.starts_with("stdout differs at line 2: expected \"b\\n\", got \"x\\n\""),
            "{diff}"
        );
        let diff = compare_exact("stderr", b"a\n", b"a\nmore\n").unwrap();
        assert!(
            diff.contains("line 2: expected \"<end>\", got \"more\\n\""),
            "{diff}"
        );
    }

    #[test]
    fn timeout_kills_the_process_group() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 30 & sleep 30"]);
        let start = Instant::now();
        let out = run_with_timeout(&mut cmd, None, Duration::from_millis(200)).unwrap();
        assert!(out.timed_out);
        // The grandchild `sleep` held the pipes open; killing the group closes them.
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn json_parses_the_spec_shapes() {
        use json::Value;
        let v = json::parse(
            "{ \"args\": [\"a\", \"the \\\"b\\\" \\u00e9\\ud83d\\ude00\"], \"n\": -1.5e2,\n\
             \"env\": {\"c\": \"new\\nline\"}, \"t\": true, \"z\": null }",
        )
        .unwrap();
        assert_eq!(
            v,
            Value::Object(vec![
                (
                    "args".into(),
                    Value::Array(vec![
                        Value::String("a".into()),
                        Value::String("the \"b\" \u{e9}\u{1f600}".into()),
                    ])
                ),
                ("n".into(), Value::Number(-150.0)),
                (
                    "env".into(),
                    Value::Object(vec![("c".into(), Value::String("new\nline".into()))])
                ),
                ("t".into(), Value::Bool(true)),
                ("z".into(), Value::Null),
            ])
        );
        assert_eq!(json::parse(" [ ] ").unwrap(), Value::Array(vec![]));
        assert_eq!(json::parse("0").unwrap(), Value::Number(0.0));
    }

    #[test]
    fn json_rejects_malformed_text() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "\"x",
            "\"\\q\"",
            "\"\\ud800\"",
            "{\"a\":1,\"a\":2}",
            "nul",
            "[1] 2",
            "\"tab\there\"",
            "{a:1}",
        ] {
            assert!(json::parse(bad).is_err(), "accepted {bad:?}");
        }
        let err = json::parse("{\n  \"a\": ?}").unwrap_err();
        assert!(err.contains("line 2, column 8"), "{err}");
    }

    #[test]
    fn copy_tree_makes_writable_copies_and_snapshots_see_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::write(src.join("sub").join("f"), b"data").unwrap();
        std::fs::write(src.join("x.cleanup"), b"").unwrap();
        std::os::unix::fs::symlink("sub/f", src.join("link")).unwrap();
        let read_only = |p: &Path, mode| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        read_only(&src.join("sub").join("f"), 0o444);
        read_only(&src.join("sub"), 0o555);
        let before = TreeSnapshot::take(&src).unwrap();
        assert_eq!(before.paths().count(), 5);

        let dst = tmp.path().join("dst");
        let skip = |p: &Path| p.extension().is_some_and(|e| e == "cleanup");
        copy_tree(&src, &dst, &skip).unwrap();
        assert_eq!(std::fs::read(dst.join("sub").join("f")).unwrap(), b"data");
        assert_eq!(
            std::fs::read_link(dst.join("link")).unwrap(),
            Path::new("sub/f")
        );
        assert!(!dst.join("x.cleanup").exists());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&dst.join("sub").join("f")) & 0o200, 0o200);
        assert_eq!(mode(&dst.join("sub")) & 0o700, 0o700);

        assert_eq!(
            TreeSnapshot::take(&src).unwrap().changes_since(&before),
            Vec::<String>::new()
        );
        std::fs::remove_file(src.join("x.cleanup")).unwrap();
        std::fs::write(src.join("new"), b"").unwrap();
        assert_eq!(
            TreeSnapshot::take(&src).unwrap().changes_since(&before),
            ["changed .", "added new", "removed x.cleanup"]
        );
        let root_or_new = |p: &Path| p == Path::new("") || p == Path::new("new");
        assert_eq!(
            TreeSnapshot::take(&src)
                .unwrap()
                .without(root_or_new)
                .changes_since(&before.clone().without(root_or_new)),
            ["removed x.cleanup"]
        );
        read_only(&src.join("sub"), 0o755);
    }

    #[test]
    fn stdin_is_passed_and_outputs_captured() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "cat; echo err >&2; exit 3"]);
        let out = run_with_timeout(&mut cmd, Some(b"in\n"), RUN_TIMEOUT).unwrap();
        assert_eq!(out.stdout, b"in\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.describe(RUN_TIMEOUT), "exit 3");
    }
}
