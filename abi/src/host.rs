//! Host imports: the naming rule that binds an import to a C symbol, and the WASI
//! functions the runtime itself defines under that rule.

/// Core types of host function signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostType {
    /// `int32_t`
    I32,
    /// `int64_t`
    I64,
}

/// The C symbol an import `(module, name)` binds to: `module_name` with every character
/// outside `[A-Za-z0-9_]` replaced by `_`.
pub fn host_symbol(module: &str, name: &str) -> String {
    format!("{}_{}", c_name_part(module), c_name_part(name))
}

/// `s` with every character outside `[A-Za-z0-9_]` replaced by `_` (a part of a C name).
pub fn c_name_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The WASI preview1 module name.
pub const WASI_PREVIEW1: &str = "wasi_snapshot_preview1";
/// The legacy WASI snapshot 0 module name.
pub const WASI_UNSTABLE: &str = "wasi_unstable";

use HostType::{I32, I64};

/// A WASI function: name, parameters, and whether it returns an errno (all but `proc_exit`).
pub type WasiFunction = (&'static str, &'static [HostType], bool);

/// Every WASI function the runtime defines, with its core signature. The runtime defines
/// `wasi_snapshot_preview1_NAME` for each, and `wasi_unstable_NAME` for each listed in
/// [`WASI_UNSTABLE_FUNCTIONS`]; its tests check both lists against its symbols.
pub const WASI_FUNCTIONS: &[WasiFunction] = &[
    ("args_get", &[I32, I32], true),
    ("args_sizes_get", &[I32, I32], true),
    ("environ_get", &[I32, I32], true),
    ("environ_sizes_get", &[I32, I32], true),
    ("clock_res_get", &[I32, I32], true),
    ("clock_time_get", &[I32, I64, I32], true),
    ("fd_advise", &[I32, I64, I64, I32], true),
    ("fd_allocate", &[I32, I64, I64], true),
    ("fd_close", &[I32], true),
    ("fd_datasync", &[I32], true),
    ("fd_fdstat_get", &[I32, I32], true),
    ("fd_fdstat_set_flags", &[I32, I32], true),
    ("fd_fdstat_set_rights", &[I32, I64, I64], true),
    ("fd_filestat_get", &[I32, I32], true),
    ("fd_filestat_set_size", &[I32, I64], true),
    ("fd_filestat_set_times", &[I32, I64, I64, I32], true),
    ("fd_pread", &[I32, I32, I32, I64, I32], true),
    ("fd_prestat_get", &[I32, I32], true),
    ("fd_prestat_dir_name", &[I32, I32, I32], true),
    ("fd_pwrite", &[I32, I32, I32, I64, I32], true),
    ("fd_read", &[I32, I32, I32, I32], true),
    ("fd_readdir", &[I32, I32, I32, I64, I32], true),
    ("fd_renumber", &[I32, I32], true),
    ("fd_seek", &[I32, I64, I32, I32], true),
    ("fd_sync", &[I32], true),
    ("fd_tell", &[I32, I32], true),
    ("fd_write", &[I32, I32, I32, I32], true),
    ("path_create_directory", &[I32, I32, I32], true),
    ("path_filestat_get", &[I32, I32, I32, I32, I32], true),
    (
        "path_filestat_set_times",
        &[I32, I32, I32, I32, I64, I64, I32],
        true,
    ),
    ("path_link", &[I32, I32, I32, I32, I32, I32, I32], true),
    (
        "path_open",
        &[I32, I32, I32, I32, I32, I64, I64, I32, I32],
        true,
    ),
    ("path_readlink", &[I32, I32, I32, I32, I32, I32], true),
    ("path_remove_directory", &[I32, I32, I32], true),
    ("path_rename", &[I32, I32, I32, I32, I32, I32], true),
    ("path_symlink", &[I32, I32, I32, I32, I32], true),
    ("path_unlink_file", &[I32, I32, I32], true),
    ("poll_oneoff", &[I32, I32, I32, I32], true),
    ("proc_exit", &[I32], false),
    ("proc_raise", &[I32], true),
    ("random_get", &[I32, I32], true),
    ("sched_yield", &[], true),
    ("sock_accept", &[I32, I32, I32], true),
    ("sock_recv", &[I32, I32, I32, I32, I32, I32], true),
    ("sock_send", &[I32, I32, I32, I32, I32], true),
    ("sock_shutdown", &[I32, I32], true),
];

/// The names from [`WASI_FUNCTIONS`] that `wasi_unstable` (snapshot 0) also has.
pub const WASI_UNSTABLE_FUNCTIONS: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "random_get",
    "sched_yield",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

/// Looks up a WASI import: its signature if the runtime provides `module.name`.
pub fn wasi_function(module: &str, name: &str) -> Option<&'static WasiFunction> {
    let f = WASI_FUNCTIONS.iter().find(|f| f.0 == name)?;
    match module {
        WASI_PREVIEW1 => Some(f),
        WASI_UNSTABLE if WASI_UNSTABLE_FUNCTIONS.contains(&name) => Some(f),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_replace_odd_characters() {
        assert_eq!(host_symbol("env", "print_i32"), "env_print_i32");
        assert_eq!(host_symbol("my-mod", "a.b c"), "my_mod_a_b_c");
        assert_eq!(host_symbol("é", "x"), "__x");
    }

    #[test]
    fn wasi_lookup() {
        assert!(wasi_function(WASI_PREVIEW1, "sock_accept").is_some());
        assert!(wasi_function(WASI_UNSTABLE, "sock_accept").is_none());
        assert!(wasi_function(WASI_UNSTABLE, "fd_write").is_some());
        assert!(wasi_function("env", "fd_write").is_none());
    }
}
