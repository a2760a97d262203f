//! The C text of a library: the shared API declarations ([`common`], also written by
//! `wasi-aot runtime --header`), one module's header ([`module_header`]), and the glue
//! code compiled into the library ([`glue`]), which defines the typed functions the
//! header declares on top of the runtime's generic ones (`runtime/src/embed/library.rs`).

use std::fmt::Write as _;

use wasi_aot_abi::descriptor::{extern_kind, val_type};
use wasi_aot_abi::trap::Trap;
use wasi_aot_compiler::ValType;
use wasi_aot_runtime::embed::library::state;

use super::interface::{ExportItem, HostImport, Interface};
use crate::imports::func_type;

/// The shared declarations before the generated enums.
const COMMON_HEAD: &str = r#"/*
 * wasi-aot library-mode C API, shared by every library `wasi-aot build --lib` makes
 * (each generated header carries this part under the WASI_AOT_H guard).
 *
 * Lifecycle: a library defines one `wasi_aot_module_NAME` object; create instances of
 * it with wasi_aot_instantiate (or the typed NAME_instance_new), free each with
 * wasi_aot_instance_free. Instances are fully isolated: each has its own memory,
 * globals, tables and WASI state (arguments, environment, descriptors).
 *
 * Errors: every function returning wasi_aot_status returns WASI_AOT_OK on success;
 * otherwise wasi_aot_last_error_message() describes the failure. Error state is per
 * thread: it describes the last failed call made on the calling thread.
 *
 * Traps and exits never end the host: a trap makes the call return WASI_AOT_TRAP
 * (wasi_aot_last_trap() gives the wasi_aot_trap code, the message names the wasm
 * function and offset), and, when the configuration asks for return_on_exit (the
 * default), proc_exit makes it return WASI_AOT_EXIT (wasi_aot_last_exit_status()).
 * Either one poisons the instance: a trap can leave its memory half updated and an
 * exit ends the program, so every later call that would run wasm code returns
 * WASI_AOT_POISONED. Memories and globals stay readable; free the instance and
 * create a new one to run again.
 *
 * Threads: an instance is used by one thread at a time (it may move between threads);
 * different instances may run on different threads at once. The runtime installs
 * handlers for SIGSEGV, SIGBUS, SIGILL and SIGFPE the first time wasm code runs
 * (faults outside wasm code go to the handlers installed before; install yours
 * before that, or chain to the runtime's), and gives each thread that runs wasm code
 * an alternate signal stack of 256 KiB unless it has one.
 *
 * Memory: pointers returned for linear memories stay valid for the life of the
 * instance (the base never moves); the size may grow during calls, so read it again
 * after each call. Strings and arrays passed in a wasi_aot_config are copied when
 * the instance is created.
 */
#ifndef WASI_AOT_H
#define WASI_AOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a call did. */
typedef enum wasi_aot_status {
    WASI_AOT_OK = 0,       /* success */
    WASI_AOT_LINK = 1,     /* a host function is missing (instantiation) */
    WASI_AOT_TRAP = 2,     /* wasm code trapped; the instance is poisoned */
    WASI_AOT_ERROR = 3,    /* bad argument, bad configuration, or missing resource */
    WASI_AOT_EXIT = 4,     /* the guest called proc_exit; the instance is poisoned */
    WASI_AOT_POISONED = 5  /* the instance trapped or exited earlier: nothing ran */
} wasi_aot_status;
"#;

/// The shared declarations after the generated enums.
const COMMON_TAIL: &str = r#"
/* An instance of a compiled module. */
typedef struct wasi_aot_instance wasi_aot_instance;

/* Any host function, cast to this type; it is called as
 *     ret f(void *vmctx, params...)
 * with the wasm parameters as int32_t, int64_t, float, double or void * (externref)
 * and at most one result of those types. vmctx identifies the calling instance
 * (see wasi_aot_caller_memory). */
typedef void (*wasi_aot_host_func)(void);

/* A host function for the import (module, name). */
typedef struct wasi_aot_host_import {
    const char *module;
    const char *name;
    wasi_aot_host_func func;
} wasi_aot_host_import;

/* A directory the guest may use: host_path (relative paths resolve against the
 * working directory when the instance is created) seen as guest_path. */
typedef struct wasi_aot_preopen {
    const char *host_path;
    const char *guest_path;
} wasi_aot_preopen;

/* How to set up one instance. Fill it with wasi_aot_config_init first. Arrays are a
 * pointer and a length (NULL is fine with length 0); everything is copied by
 * wasi_aot_instantiate, so it may be freed right after. */
typedef struct wasi_aot_config {
    const char *const *args;            /* argv, argv[0] included (default: none) */
    size_t args_len;
    const char *const *env;             /* "NAME=VALUE" entries (default: none) */
    size_t env_len;
    const wasi_aot_preopen *preopens;   /* guest fds 3, 4, ... in order */
    size_t preopens_len;
    int stdin_fd;                       /* host fds behind guest fds 0, 1, 2, */
    int stdout_fd;                      /* duplicated (default 0, 1, 2); -1 */
    int stderr_fd;                      /* leaves the guest fd closed */
    bool return_on_exit;                /* proc_exit returns WASI_AOT_EXIT (default
                                           true); false: it ends the process */
    uint64_t max_wasm_stack;            /* native stack for wasm code in bytes
                                           (0: 1 MiB); more traps as stack exhaustion */
    const wasi_aot_host_import *imports;/* host functions; they win over symbols */
    size_t imports_len;
    void *user_data;                    /* handed back to host functions */
} wasi_aot_config;

/* A compiled module in this program; a library defines wasi_aot_module_NAME. */
typedef struct wasi_aot_module {
    const void *descriptor;                 /* the compiled module */
    const wasi_aot_host_import *imports;    /* host functions found by symbol */
    size_t imports_len;
    const char *name;                       /* the library's name */
} wasi_aot_module;

/* A wasm value in a 16-byte slot (the generic call interface). */
typedef union __attribute__((aligned(16))) wasi_aot_value {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    uint8_t v128[16];   /* little-endian lanes */
    void *ref;          /* externref: any host pointer; NULL is ref.null */
} wasi_aot_value;

/* A v128 value, lanes little-endian. */
typedef struct wasi_aot_v128 {
    uint8_t bytes[16];
} wasi_aot_v128;

/* The type of an import or export. Names are not NUL-terminated. */
typedef struct wasi_aot_extern_type {
    const char *module;          /* imports: the module name; exports: NULL */
    size_t module_len;
    const char *name;
    size_t name_len;
    uint32_t kind;               /* a wasi_aot_extern_kind */
    const uint8_t *params;       /* functions: wasi_aot_val_type codes */
    size_t params_len;
    const uint8_t *results;
    size_t results_len;
    uint8_t global_type;         /* globals: a wasi_aot_val_type code */
    bool global_mutable;
} wasi_aot_extern_type;

/* Fills *config with the defaults: no arguments, environment or preopens; the host's
 * stdin, stdout and stderr; return_on_exit; no host functions. */
void wasi_aot_config_init(wasi_aot_config *config);

/* Creates an instance of module as config says (NULL: the defaults) and runs its
 * wasm start function, if any. WASI_AOT_LINK: a host function is missing (the message
 * lists them); WASI_AOT_ERROR: bad configuration or a preopen cannot be opened;
 * WASI_AOT_TRAP / WASI_AOT_EXIT: the start function ended so. Only on WASI_AOT_OK is
 * *out set; free it with wasi_aot_instance_free. */
wasi_aot_status wasi_aot_instantiate(const wasi_aot_module *module,
                                     const wasi_aot_config *config,
                                     wasi_aot_instance **out);

/* Frees an instance: its memory, tables, and WASI descriptors. NULL is ignored. */
void wasi_aot_instance_free(wasi_aot_instance *instance);

/* WASI_AOT_STATE_READY, _TRAPPED or _EXITED (then *exit_status, if not NULL, is set). */
uint32_t wasi_aot_instance_state(const wasi_aot_instance *instance, int32_t *exit_status);

/* The config's user_data. */
void *wasi_aot_instance_user_data(const wasi_aot_instance *instance);

/* Runs a command (node:wasi's start()): calls _start, at most once per instance.
 * WASI_AOT_OK when _start returns (*exit_code = 0) or calls proc_exit (*exit_code =
 * its status; the instance is then exited); exit_code may be NULL. WASI_AOT_ERROR
 * if the module exports _initialize, has no _start, does not export "memory", or
 * start/initialize ran before. */
wasi_aot_status wasi_aot_start(wasi_aot_instance *instance, int32_t *exit_code);

/* Initializes a reactor (node:wasi's initialize()): calls _initialize if the module
 * has it, at most once per instance. WASI_AOT_ERROR if the module exports _start,
 * does not export "memory", or start/initialize ran before. Call it before any other
 * export of a reactor. */
wasi_aot_status wasi_aot_initialize(wasi_aot_instance *instance);

/* Calls function export number export_index (module order) with its parameters in
 * values[0..]; on WASI_AOT_OK the results replace them. count covers both. */
wasi_aot_status wasi_aot_call_export(wasi_aot_instance *instance, size_t export_index,
                                     wasi_aot_value *values, size_t count);

/* Memory export number export_index: its base, and its size in bytes in *size (size
 * may be NULL); NULL if that export is not a memory. */
uint8_t *wasi_aot_export_memory(wasi_aot_instance *instance, size_t export_index,
                                size_t *size);

/* Reads or writes global export number export_index (set: mutable, not funcref). */
wasi_aot_status wasi_aot_export_global_get(wasi_aot_instance *instance,
                                           size_t export_index, wasi_aot_value *value);
wasi_aot_status wasi_aot_export_global_set(wasi_aot_instance *instance,
                                           size_t export_index,
                                           const wasi_aot_value *value);

/* The imports and exports of a module, in module order. */
size_t wasi_aot_module_import_count(const wasi_aot_module *module);
wasi_aot_status wasi_aot_module_import(const wasi_aot_module *module, size_t index,
                                       wasi_aot_extern_type *out);
size_t wasi_aot_module_export_count(const wasi_aot_module *module);
wasi_aot_status wasi_aot_module_export(const wasi_aot_module *module, size_t index,
                                       wasi_aot_extern_type *out);
/* The export index of the export called name (len bytes). */
wasi_aot_status wasi_aot_module_find_export(const wasi_aot_module *module,
                                            const char *name, size_t len,
                                            size_t *index);

/* In a host function, with the vmctx it received: the calling instance's memory 0
 * (base, and its size in bytes in *size if size is not NULL; NULL and 0 if it has
 * none), its user_data, and the instance itself (to call its exports; a trap in such
 * a call poisons it). Check guest offsets against the size before using them. */
uint8_t *wasi_aot_caller_memory(void *vmctx, size_t *size);
void *wasi_aot_caller_user_data(void *vmctx);
wasi_aot_instance *wasi_aot_caller_instance(void *vmctx);

/* The last error of this thread: a NUL-terminated message valid until the next
 * failing call on this thread; or copied into buf (truncated to len - 1 bytes and
 * NUL-terminated), returning its full length. */
const char *wasi_aot_last_error_message(void);
size_t wasi_aot_last_error(char *buf, size_t len);
/* The wasi_aot_trap code of this thread's last WASI_AOT_TRAP. */
uint32_t wasi_aot_last_trap(void);
/* The exit status of this thread's last WASI_AOT_EXIT (or exited start). */
int32_t wasi_aot_last_exit_status(void);

#ifdef __cplusplus
}
#endif

#endif /* WASI_AOT_H */
"#;

/// `StackOverflow` -> `STACK_OVERFLOW`.
fn screaming(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Prints a C enum `name` with `(constant, value, comment)` entries.
fn c_enum(out: &mut String, name: &str, comment: &str, entries: &[(String, String, String)]) {
    let _ = writeln!(out, "\n/* {comment} */\ntypedef enum {name} {{");
    for (i, (constant, value, note)) in entries.iter().enumerate() {
        let comma = if i + 1 < entries.len() { "," } else { "" };
        let note = if note.is_empty() {
            String::new()
        } else {
            format!(" /* {note} */")
        };
        let _ = writeln!(out, "    {constant} = {value}{comma}{note}");
    }
    let _ = writeln!(out, "}} {name};");
}

/// The shared API declarations (guarded by `WASI_AOT_H`).
pub fn common() -> String {
    let mut out = COMMON_HEAD.to_string();
    let traps: Vec<_> = Trap::ALL
        .iter()
        .map(|t| {
            (
                format!("WASI_AOT_TRAP_{}", screaming(&format!("{t:?}"))),
                (*t as u8).to_string(),
                t.message().to_string(),
            )
        })
        .collect();
    c_enum(
        &mut out,
        "wasi_aot_trap",
        "Why wasm code trapped (wasi_aot_last_trap).",
        &traps,
    );
    let states = [
        ("READY", state::READY, "may run code"),
        ("TRAPPED", state::TRAPPED, "a call trapped"),
        ("EXITED", state::EXITED, "the guest called proc_exit"),
    ]
    .map(|(n, v, c)| (format!("WASI_AOT_STATE_{n}"), v.to_string(), c.to_string()));
    c_enum(
        &mut out,
        "wasi_aot_state",
        "Instance states (wasi_aot_instance_state).",
        &states,
    );
    let types = [
        ("I32", val_type::I32),
        ("I64", val_type::I64),
        ("F32", val_type::F32),
        ("F64", val_type::F64),
        ("V128", val_type::V128),
        ("FUNCREF", val_type::FUNCREF),
        ("EXTERNREF", val_type::EXTERNREF),
    ]
    .map(|(n, v)| (format!("WASI_AOT_{n}"), format!("{v:#04x}"), String::new()));
    c_enum(
        &mut out,
        "wasi_aot_val_type",
        "Value types (binary-format codes).",
        &types,
    );
    let kinds = [
        ("FUNC", extern_kind::FUNC),
        ("TABLE", extern_kind::TABLE),
        ("MEMORY", extern_kind::MEMORY),
        ("GLOBAL", extern_kind::GLOBAL),
    ]
    .map(|(n, v)| (format!("WASI_AOT_EXTERN_{n}"), v.to_string(), String::new()));
    c_enum(
        &mut out,
        "wasi_aot_extern_kind",
        "Import and export kinds.",
        &kinds,
    );
    out.push_str(COMMON_TAIL);
    out
}

/// The C type of a value type (`None` for `funcref`, which C cannot hold).
fn c_type(t: ValType) -> Option<&'static str> {
    Some(match t {
        ValType::I32 => "int32_t",
        ValType::I64 => "int64_t",
        ValType::F32 => "float",
        ValType::F64 => "double",
        ValType::V128 => "wasi_aot_v128",
        ValType::ExternRef => "void *",
        ValType::FuncRef => return None,
    })
}

/// `type name`, without a space after a `*`.
fn declare(t: ValType, name: &str) -> String {
    let ty = c_type(t).unwrap_or("void *");
    if ty.ends_with('*') {
        format!("{ty}{name}")
    } else {
        format!("{ty} {name}")
    }
}

/// The `wasi_aot_value` member holding a value type.
fn member(t: ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::FuncRef | ValType::ExternRef => "ref",
    }
}

/// `bytes` as a C string literal (anything but plain ASCII escaped in octal).
fn c_string(bytes: &str) -> String {
    let mut out = String::from("\"");
    for b in bytes.bytes() {
        if b.is_ascii_alphanumeric() || b"_-. /:@".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "\\{b:03o}");
        }
    }
    out.push('"');
    out
}

/// `s` made safe to put inside a C comment.
fn comment_text(s: &str) -> String {
    s.escape_debug().to_string().replace("*/", "*\\/")
}

/// A function wrapper's parameter list (after the instance).
fn wrapper_params(params: &[ValType], results: &[ValType]) -> String {
    let mut list: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, &t)| declare(t, &format!("p{i}")))
        .collect();
    let single = results.len() == 1;
    for (i, &t) in results.iter().enumerate() {
        let name = if single {
            "result".to_string()
        } else {
            format!("result{i}")
        };
        list.push(declare(t, &format!("*{name}")));
    }
    list.iter().map(|p| format!(", {p}")).collect()
}

/// The prototype of a host import's C function (`name` is the symbol or `(*fn)`).
fn host_prototype(import: &HostImport, name: &str) -> String {
    let result = import.result.map_or("void".to_string(), |t| {
        c_type(t).unwrap_or("void *").to_string()
    });
    let sep = if result.ends_with('*') { "" } else { " " };
    let params: String = import
        .params
        .iter()
        .enumerate()
        .map(|(i, &t)| format!(", {}", declare(t, &format!("p{i}"))))
        .collect();
    format!("{result}{sep}{name}(void *vmctx{params})")
}

/// The header of one library: the shared API, then the module's own declarations.
pub fn module_header(iface: &Interface) -> String {
    let n = &iface.name;
    let guard = format!("WASI_AOT_{}_H", n.to_ascii_uppercase());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "/* {n}: the C interface of {}, generated by wasi-aot {}.\n *\n \
         * Link the program with the library (and, if it was built with --no-runtime, the\n \
         * runtime archive from `wasi-aot runtime`) and -lpthread -ldl -lm. */\n\
         #ifndef {guard}\n#define {guard}\n",
        comment_text(&iface.source),
        env!("CARGO_PKG_VERSION"),
    );
    out.push_str(&common());
    let _ = writeln!(
        out,
        "\n#ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n\
         /* The module, for the generic wasi_aot_* functions. */\n\
         extern const wasi_aot_module {module};\n\n\
         /* An instance of {n}; a {n}_instance * may be cast to wasi_aot_instance *. */\n\
         typedef struct {n}_instance {n}_instance;\n\n\
         /* wasi_aot_instantiate, wasi_aot_instance_free, wasi_aot_start,\n \
         * wasi_aot_initialize and wasi_aot_instance_state for {n}. */\n\
         wasi_aot_status {n}_instance_new(const wasi_aot_config *config, {n}_instance **out);\n\
         void {n}_instance_free({n}_instance *instance);\n\
         wasi_aot_status {n}_instance_start({n}_instance *instance, int32_t *exit_code);\n\
         wasi_aot_status {n}_instance_initialize({n}_instance *instance);\n\
         uint32_t {n}_instance_state({n}_instance *instance, int32_t *exit_status);",
        module = iface.module_symbol(),
    );
    if !iface.imports.is_empty() {
        let _ = writeln!(
            out,
            "\n/* Host functions. Each instance takes an import from its config's imports\n \
             * (the NAME_import_* helpers below build type-checked entries) or else from the\n \
             * C function of that name, if the program defines one (it is a weak reference:\n \
             * define it in one of the program's object files, as an archive member is not\n \
             * pulled in for it). */"
        );
        for import in &iface.imports {
            let _ = writeln!(
                out,
                "\n/* import {}.{}: {} */\n{};\ntypedef {};\nwasi_aot_host_import {}({} func);",
                comment_text(&import.module),
                comment_text(&import.name),
                func_type(&import.params, import.result.as_slice()),
                host_prototype(import, &import.symbol),
                host_prototype(import, &format!("(*{})", import.fn_type)),
                import.helper,
                import.fn_type,
            );
        }
    }
    let _ = writeln!(
        out,
        "\n/* Exports. Functions return a wasi_aot_status and store their results through\n \
         * the pointers after the parameters (NULL discards a result). Memories return\n \
         * their base and store their size in bytes in *size (may be NULL). */"
    );
    for export in &iface.exports {
        let name = comment_text(&export.name);
        match &export.item {
            ExportItem::Func {
                c_name,
                params,
                results,
            } => {
                let _ = writeln!(
                    out,
                    "\n/* export \"{name}\": {} */\nwasi_aot_status {c_name}({n}_instance *instance{});",
                    func_type(params, results),
                    wrapper_params(params, results),
                );
            }
            ExportItem::Memory { c_name } => {
                let _ = writeln!(
                    out,
                    "\n/* export \"{name}\": memory */\nuint8_t *{c_name}({n}_instance *instance, size_t *size);"
                );
            }
            ExportItem::Global { getter, setter, ty } => {
                let ty_c = c_type(*ty).unwrap_or("void *");
                let sep = if ty_c.ends_with('*') { "" } else { " " };
                let mutability = if setter.is_some() {
                    "mutable"
                } else {
                    "immutable"
                };
                let _ = writeln!(
                    out,
                    "\n/* export \"{name}\": {mutability} global {} */\n{ty_c}{sep}{getter}({n}_instance *instance);",
                    crate::imports::val_type_name(*ty),
                );
                if let Some(setter) = setter {
                    let _ = writeln!(
                        out,
                        "void {setter}({n}_instance *instance, {});",
                        declare(*ty, "value")
                    );
                }
            }
            ExportItem::Lifecycle => {
                let _ = writeln!(
                    out,
                    "\n/* export \"{name}\": run by {n}_instance_start / {n}_instance_initialize */"
                );
            }
            ExportItem::Unsupported(why) => {
                let _ = writeln!(out, "\n/* export \"{name}\": not available ({why}) */");
            }
        }
    }
    let _ = writeln!(
        out,
        "\n#ifdef __cplusplus\n}}\n#endif\n\n#endif /* {guard} */"
    );
    out
}

/// The glue code: the module object and the typed functions, over the generic API.
pub fn glue(iface: &Interface, header_name: &str) -> String {
    let n = &iface.name;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "/* Generated by wasi-aot: the typed interface of {n} over the generic API. */\n\
         #include \"{header_name}\"\n\n#include <string.h>\n\n\
         extern const char {descriptor}[];",
        descriptor = iface.descriptor_symbol(),
    );
    let table = if iface.imports.is_empty() {
        "NULL".to_string()
    } else {
        let _ = writeln!(
            out,
            "\n/* Host functions by symbol: weak references, NULL unless the program defines them. */"
        );
        for import in &iface.imports {
            let _ = writeln!(out, "#pragma weak {}", import.symbol);
        }
        let _ = writeln!(
            out,
            "\nstatic const wasi_aot_host_import {n}_symbols[] = {{"
        );
        for import in &iface.imports {
            let _ = writeln!(
                out,
                "    {{{}, {}, (wasi_aot_host_func){}}},",
                c_string(&import.module),
                c_string(&import.name),
                import.symbol
            );
        }
        let _ = writeln!(out, "}};");
        format!("{n}_symbols")
    };
    let _ = writeln!(
        out,
        "\nconst wasi_aot_module {module} = {{{descriptor}, {table}, {count}, \"{n}\"}};\n\n\
         wasi_aot_status {n}_instance_new(const wasi_aot_config *config, {n}_instance **out) {{\n    \
             wasi_aot_instance *instance = NULL;\n    \
             wasi_aot_status status = wasi_aot_instantiate(&{module}, config, &instance);\n    \
             if (out != NULL) {{\n        *out = ({n}_instance *)instance;\n    }}\n    \
             return status;\n}}\n\n\
         void {n}_instance_free({n}_instance *instance) {{\n    \
             wasi_aot_instance_free((wasi_aot_instance *)instance);\n}}\n\n\
         wasi_aot_status {n}_instance_start({n}_instance *instance, int32_t *exit_code) {{\n    \
             return wasi_aot_start((wasi_aot_instance *)instance, exit_code);\n}}\n\n\
         wasi_aot_status {n}_instance_initialize({n}_instance *instance) {{\n    \
             return wasi_aot_initialize((wasi_aot_instance *)instance);\n}}\n\n\
         uint32_t {n}_instance_state({n}_instance *instance, int32_t *exit_status) {{\n    \
             return wasi_aot_instance_state((const wasi_aot_instance *)instance, exit_status);\n}}",
        module = iface.module_symbol(),
        descriptor = iface.descriptor_symbol(),
        count = iface.imports.len(),
    );
    for import in &iface.imports {
        let _ = writeln!(
            out,
            "\nwasi_aot_host_import {}({} func) {{\n    \
                 wasi_aot_host_import import = {{{}, {}, (wasi_aot_host_func)func}};\n    \
                 return import;\n}}",
            import.helper,
            import.fn_type,
            c_string(&import.module),
            c_string(&import.name),
        );
    }
    for export in &iface.exports {
        let index = export.index;
        match &export.item {
            ExportItem::Func {
                c_name,
                params,
                results,
            } => {
                let slots = params.len().max(results.len());
                let _ = writeln!(
                    out,
                    "\nwasi_aot_status {c_name}({n}_instance *instance{}) {{",
                    wrapper_params(params, results)
                );
                if slots == 0 {
                    let _ = writeln!(
                        out,
                        "    return wasi_aot_call_export((wasi_aot_instance *)instance, {index}, NULL, 0);\n}}"
                    );
                    continue;
                }
                let _ = writeln!(
                    out,
                    "    wasi_aot_value v[{slots}];\n    memset(v, 0, sizeof v);"
                );
                for (i, &t) in params.iter().enumerate() {
                    let _ = match t {
                        ValType::V128 => {
                            writeln!(out, "    memcpy(v[{i}].v128, p{i}.bytes, 16);")
                        }
                        _ => writeln!(out, "    v[{i}].{} = p{i};", member(t)),
                    };
                }
                let _ = writeln!(
                    out,
                    "    wasi_aot_status status = wasi_aot_call_export((wasi_aot_instance *)instance, {index}, v, {slots});"
                );
                let single = results.len() == 1;
                for (i, &t) in results.iter().enumerate() {
                    let name = if single {
                        "result".to_string()
                    } else {
                        format!("result{i}")
                    };
                    let store = match t {
                        ValType::V128 => format!("memcpy({name}->bytes, v[{i}].v128, 16);"),
                        _ => format!("*{name} = v[{i}].{};", member(t)),
                    };
                    let _ = writeln!(
                        out,
                        "    if (status == WASI_AOT_OK && {name} != NULL) {{\n        {store}\n    }}"
                    );
                }
                let _ = writeln!(out, "    return status;\n}}");
            }
            ExportItem::Memory { c_name } => {
                let _ = writeln!(
                    out,
                    "\nuint8_t *{c_name}({n}_instance *instance, size_t *size) {{\n    \
                         return wasi_aot_export_memory((wasi_aot_instance *)instance, {index}, size);\n}}"
                );
            }
            ExportItem::Global { getter, setter, ty } => {
                let ty_c = c_type(*ty).unwrap_or("void *");
                let sep = if ty_c.ends_with('*') { "" } else { " " };
                let read = match ty {
                    ValType::V128 => {
                        "    wasi_aot_v128 result;\n    memcpy(result.bytes, v.v128, 16);\n    return result;"
                            .to_string()
                    }
                    _ => format!("    return v.{};", member(*ty)),
                };
                let _ = writeln!(
                    out,
                    "\n{ty_c}{sep}{getter}({n}_instance *instance) {{\n    \
                         wasi_aot_value v;\n    memset(&v, 0, sizeof v);\n    \
                         (void)wasi_aot_export_global_get((wasi_aot_instance *)instance, {index}, &v);\n\
                     {read}\n}}"
                );
                if let Some(setter) = setter {
                    let write = match ty {
                        ValType::V128 => "memcpy(v.v128, value.bytes, 16);".to_string(),
                        _ => format!("v.{} = value;", member(*ty)),
                    };
                    let _ = writeln!(
                        out,
                        "\nvoid {setter}({n}_instance *instance, {}) {{\n    \
                             wasi_aot_value v;\n    memset(&v, 0, sizeof v);\n    {write}\n    \
                             (void)wasi_aot_export_global_set((wasi_aot_instance *)instance, {index}, &v);\n}}",
                        declare(*ty, "value"),
                    );
                }
            }
            ExportItem::Lifecycle | ExportItem::Unsupported(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_constants_follow_the_runtime() {
        use wasi_aot_runtime::embed::Status;
        let text = common();
        for (name, status) in [
            ("OK", Status::Ok),
            ("LINK", Status::Link),
            ("TRAP", Status::Trap),
            ("ERROR", Status::Error),
            ("EXIT", Status::Exit),
            ("POISONED", Status::Poisoned),
        ] {
            let line = format!("    WASI_AOT_{name} = {}", status as i32);
            assert!(text.contains(&line), "{line}");
        }
    }

    #[test]
    fn trap_constants_follow_the_abi() {
        let text = common();
        assert!(text.contains("    WASI_AOT_TRAP_STACK_OVERFLOW = 1, /* call stack exhausted */"));
        assert!(text.contains("WASI_AOT_TRAP_INTEGER_DIVIDE_BY_ZERO = 8,"));
        assert!(text.contains("    WASI_AOT_EXTERNREF = 0x6f\n"));
        assert!(text.contains("WASI_AOT_STATE_EXITED = 2"));
    }

    #[test]
    fn c_spellings() {
        assert_eq!(c_string("env"), "\"env\"");
        assert_eq!(
            c_string("a\"b\\c?\u{e9}"),
            "\"a\\042b\\134c\\077\\303\\251\""
        );
        assert_eq!(declare(ValType::ExternRef, "p0"), "void *p0");
        assert_eq!(
            wrapper_params(
                &[ValType::I32, ValType::ExternRef],
                &[ValType::F64, ValType::ExternRef]
            ),
            ", int32_t p0, void *p1, double *result0, void **result1"
        );
        assert_eq!(comment_text("a*/b\n"), "a*\\/b\\n");
    }
}
