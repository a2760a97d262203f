//! dirstat: lists a directory with sizes and content hashes, writes the listing to
//! `summary.txt` in that directory, and reads it back.
//!
//! usage: dirstat DIR
//!
//! Environment: `DIRSTAT_LABEL` names the run in the summary (default "dirstat").
//! Exit status: 0 on success, 1 when DIR cannot be listed or written, 2 on a usage error.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

/// 64-bit FNV-1a hash of `bytes`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Builds the listing of `dir`: one line per entry, sorted by name, then a total.
fn listing(dir: &Path, label: &str) -> std::io::Result<String> {
    let mut entries = fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    let mut out = format!("# {label}: {} entries\n", entries.len());
    let mut total = 0u64;
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.metadata()?;
        if meta.is_dir() {
            let children = fs::read_dir(entry.path())?.count();
            out += &format!("dir  {name:<16} {children} entries\n");
        } else {
            let data = fs::read(entry.path())?;
            total += data.len() as u64;
            out += &format!("file {name:<16} {:>6} bytes  fnv1a {:016x}\n", data.len(), fnv1a(&data));
        }
    }
    out += &format!("# {total} bytes in files\n");
    Ok(out)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: dirstat DIR");
        return ExitCode::from(2);
    }
    let dir = Path::new(&args[1]);
    let label = std::env::var("DIRSTAT_LABEL").unwrap_or_else(|_| "dirstat".to_string());
    let text = match listing(dir, &label) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("dirstat: cannot list {}: {e}", dir.display());
            return ExitCode::from(1);
        }
    };
    print!("{text}");
    let summary = dir.join("summary.txt");
    if let Err(e) = fs::write(&summary, &text) {
        eprintln!("dirstat: cannot write {}: {e}", summary.display());
        return ExitCode::from(1);
    }
    match fs::read_to_string(&summary) {
        Ok(back) if back == text => println!("wrote {} ({} bytes)", summary.display(), back.len()),
        Ok(_) => {
            eprintln!("dirstat: {} reads back differently", summary.display());
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("dirstat: cannot read {}: {e}", summary.display());
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
