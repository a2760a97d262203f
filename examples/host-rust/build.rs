//! Compiles the example modules (`../library/*.wasm`) into static libraries with
//! `wasi-aot build --lib --no-runtime` (the runtime comes with the `wasi-aot-embed`
//! crate) and links them. `$WASI_AOT` names the compiler (default: `wasi-aot` on the
//! PATH).

use std::env;
use std::path::PathBuf;
use std::process::{exit, Command};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let here = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let wasi_aot = env::var_os("WASI_AOT").unwrap_or_else(|| "wasi-aot".into());
    println!("cargo:rerun-if-env-changed=WASI_AOT");
    if PathBuf::from(&wasi_aot).is_file() {
        println!(
            "cargo:rerun-if-changed={}",
            PathBuf::from(&wasi_aot).display()
        );
    }
    for name in ["greet", "textstats"] {
        let wasm = here.join("..").join("library").join(format!("{name}.wasm"));
        println!("cargo:rerun-if-changed={}", wasm.display());
        let status = Command::new(&wasi_aot)
            .args(["build", "--lib", "--no-runtime"])
            .arg(&wasm)
            .arg("-o")
            .arg(out.join(format!("lib{name}.a")))
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                eprintln!(
                    "error: wasi-aot build --lib {} failed ({s})",
                    wasm.display()
                );
                exit(1);
            }
            Err(e) => {
                eprintln!(
                    "error: running {}: {e} (install wasi-aot or set WASI_AOT)",
                    PathBuf::from(&wasi_aot).display()
                );
                exit(1);
            }
        }
        println!("cargo:rustc-link-lib=static={name}");
    }
    println!("cargo:rustc-link-search=native={}", out.display());
}
