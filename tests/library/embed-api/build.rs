//! Compiles the test modules (`../*.wat`) into static libraries with `wasi-aot build
//! --lib --no-runtime` (`$WASI_AOT`, default `wasi-aot`) and links them.

use std::env;
use std::path::PathBuf;
use std::process::{exit, Command};

const MODULES: [&str; 6] = ["api", "cmd", "nomem", "badinit", "startfn", "plain"];

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let here = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let wasi_aot = PathBuf::from(env::var_os("WASI_AOT").unwrap_or_else(|| "wasi-aot".into()));
    println!("cargo:rerun-if-env-changed=WASI_AOT");
    if wasi_aot.is_file() {
        println!("cargo:rerun-if-changed={}", wasi_aot.display());
    }
    for name in MODULES {
        let wat = here.join("..").join(format!("{name}.wat"));
        println!("cargo:rerun-if-changed={}", wat.display());
        let status = Command::new(&wasi_aot)
            .args(["build", "--lib", "--no-runtime"])
            .arg(&wat)
            .arg("-o")
            .arg(out.join(format!("lib{name}.a")))
            .status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!(
                "error: {} build --lib {} failed",
                wasi_aot.display(),
                wat.display()
            );
            exit(1);
        }
        println!("cargo:rustc-link-lib=static={name}");
    }
    println!("cargo:rustc-link-search=native={}", out.display());
}
