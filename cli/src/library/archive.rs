//! Writing static libraries: System V (GNU) `ar` archives with a symbol index, which is
//! what `ld`, `lld` and `gold` read. Written here rather than by running `ar`, so that
//! building a library needs nothing but the C compiler driver, and the output does not
//! depend on the host's `ar` (every timestamp, owner and mode is fixed).
//!
//! Layout: the magic, the symbol index member `/` (big-endian count, member offsets,
//! NUL-terminated names), the long-name table `//` (names longer than 15 bytes), then
//! the members, each 2-byte aligned.

use object::read::archive::ArchiveFile;
use object::{Object as _, ObjectSymbol as _};

/// One archive member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Its file name (no `/`).
    pub name: String,
    /// Its contents.
    pub data: Vec<u8>,
}

/// The members of an existing archive, in order.
///
/// # Errors
/// When `bytes` is not a regular archive.
pub fn members(bytes: &[u8]) -> Result<Vec<Member>, String> {
    let archive = ArchiveFile::parse(bytes).map_err(|e| e.to_string())?;
    archive
        .members()
        .map(|m| {
            let m = m.map_err(|e| e.to_string())?;
            Ok(Member {
                name: String::from_utf8_lossy(m.name()).into_owned(),
                data: m.data(bytes).map_err(|e| e.to_string())?.to_vec(),
            })
        })
        .collect()
}

/// The global symbols `data` defines, if it is an object file (other members, such as
/// a Rust library's metadata, define none).
fn defined_symbols(data: &[u8]) -> Vec<String> {
    let Ok(file) = object::File::parse(data) else {
        return Vec::new();
    };
    file.symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .filter_map(|s| s.name().ok().map(String::from))
        .collect()
}

/// A member header: name, then fixed timestamp/owner/mode, then the size.
fn header(out: &mut Vec<u8>, name: &str, size: usize) {
    let field = |out: &mut Vec<u8>, value: &str, width: usize| {
        out.extend_from_slice(value.as_bytes());
        out.extend(std::iter::repeat_n(b' ', width - value.len()));
    };
    field(out, name, 16);
    field(out, "0", 12);
    field(out, "0", 6);
    field(out, "0", 6);
    field(out, "644", 8);
    field(out, &size.to_string(), 10);
    out.extend_from_slice(b"`\n");
}

/// Appends `data` as a member body, padded to an even length.
fn body(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(b'\n');
    }
}

const HEADER_LEN: usize = 60;
const MAGIC: &[u8] = b"!<arch>\n";

/// Writes an archive of `members` with a symbol index of every global symbol they
/// define.
pub fn write(members: &[Member]) -> Vec<u8> {
    // Long names go to the `//` table; short ones are written `name/`.
    let mut long_names = Vec::new();
    let names: Vec<String> = members
        .iter()
        .map(|m| {
            if m.name.len() <= 15 {
                format!("{}/", m.name)
            } else {
                let at = long_names.len();
                long_names.extend_from_slice(m.name.as_bytes());
                long_names.extend_from_slice(b"/\n");
                format!("/{at}")
            }
        })
        .collect();
    let symbols: Vec<Vec<String>> = members.iter().map(|m| defined_symbols(&m.data)).collect();
    let count: usize = symbols.iter().map(Vec::len).sum();
    let string_bytes: usize = symbols.iter().flatten().map(|s| s.len() + 1).sum();
    let index_len = 4 + 4 * count + string_bytes;
    let padded = |n: usize| n + n % 2;

    // Offsets of each member's header.
    let mut offset = MAGIC.len() + HEADER_LEN + padded(index_len);
    if !long_names.is_empty() {
        offset += HEADER_LEN + padded(long_names.len());
    }
    let mut offsets = Vec::with_capacity(members.len());
    for m in members {
        offsets.push(offset);
        offset += HEADER_LEN + padded(m.data.len());
    }

    let mut out = Vec::with_capacity(offset);
    out.extend_from_slice(MAGIC);
    let mut index = Vec::with_capacity(index_len);
    index.extend_from_slice(&(count as u32).to_be_bytes());
    for (member, syms) in symbols.iter().enumerate() {
        for _ in syms {
            index.extend_from_slice(&(offsets[member] as u32).to_be_bytes());
        }
    }
    for name in symbols.iter().flatten() {
        index.extend_from_slice(name.as_bytes());
        index.push(0);
    }
    header(&mut out, "/", index.len());
    body(&mut out, &index);
    if !long_names.is_empty() {
        header(&mut out, "//", long_names.len());
        body(&mut out, &long_names);
    }
    for (m, name) in members.iter().zip(&names) {
        header(&mut out, name, m.data.len());
        body(&mut out, &m.data);
    }
    debug_assert_eq!(out.len(), offset);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn compile(dir: &std::path::Path, name: &str, source: &str) -> Vec<u8> {
        let c = dir.join(format!("{name}.c"));
        let o = dir.join(format!("{name}.o"));
        std::fs::write(&c, source).unwrap();
        let status = Command::new("cc")
            .args(["-c", "-fPIC", "-o"])
            .arg(&o)
            .arg(&c)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read(&o).unwrap()
    }

    #[test]
    fn round_trips_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let a = compile(dir.path(), "a", "int value_a(void) { return 40; }\n");
        let b = compile(
            dir.path(),
            "b",
            "int value_a(void);\nint value_b(void) { return value_a() + 2; }\n",
        );
        let members = vec![
            Member {
                name: "a_member_with_a_long_name.o".into(),
                data: a,
            },
            Member {
                name: "b.o".into(),
                data: b,
            },
            Member {
                name: "odd.txt".into(),
                data: b"odd".to_vec(),
            },
        ];
        let bytes = write(&members);
        assert_eq!(super::members(&bytes).unwrap(), members);
        let archive = ArchiveFile::parse(&*bytes).unwrap();
        let symbols: Vec<String> = archive
            .symbols()
            .unwrap()
            .unwrap()
            .map(|s| String::from_utf8_lossy(s.unwrap().name()).into_owned())
            .collect();
        assert_eq!(symbols, ["value_a", "value_b"]);

        // The linker finds both members through the index, in either order of need.
        let lib = dir.path().join("libab.a");
        std::fs::write(&lib, &bytes).unwrap();
        let main = dir.path().join("main.c");
        std::fs::write(
            &main,
            "int value_b(void);\nint main(void) { return value_b(); }\n",
        )
        .unwrap();
        let exe = dir.path().join("main");
        let status = Command::new("cc")
            .arg("-o")
            .arg(&exe)
            .arg(&main)
            .arg(&lib)
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(Command::new(&exe).status().unwrap().code(), Some(42));
    }
}
