//! Compiles the small C helper that enters wasm code under `sigsetjmp` (which cannot be
//! called safely from Rust, as it returns twice).

fn main() {
    println!("cargo:rerun-if-changed=src/trap_entry.c");
    cc::Build::new()
        .file("src/trap_entry.c")
        .opt_level(2)
        .flag_if_supported("-fno-omit-frame-pointer")
        .compile("wasi_aot_trap_entry");
}
