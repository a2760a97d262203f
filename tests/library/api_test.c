/*
 * The library-mode C API, checked call by call (run by tests/library.rs).
 *
 * Linked with six libraries built from the .wat files beside it (api, cmd, nomem,
 * badinit, startfn, plain) and one runtime. Prints "FAIL file:line: ..." for each
 * failed check and "api_test: N checks passed" at the end; exits 1 if any failed.
 *
 *   api_test DIR            every check (DIR: a scratch directory to preopen)
 *   api_test exit-process   proc_exit with return_on_exit off ends the process (9)
 */
#define _DEFAULT_SOURCE /* fileno, MAP_ANONYMOUS */

#include "api.h"
#include "badinit.h"
#include "cmd.h"
#include "nomem.h"
#include "plain.h"
#include "startfn.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int checks, failures;

#define EXPECT(cond, ...)                                                     \
    do {                                                                      \
        checks++;                                                             \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
            printf(__VA_ARGS__);                                              \
            printf(" (last error: %s)\n", wasi_aot_last_error_message());     \
        }                                                                     \
    } while (0)

static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

static const char *error(void) { return wasi_aot_last_error_message(); }

/* ---- host functions ---------------------------------------------------------- */

static int marker;                 /* user_data of the instances below */
static api_instance *expected_caller;
static int touch_saw_user_data, touch_saw_instance;

/* Found by symbol (env.add, env.scale, env.touch); env.pass and env.mix are not
 * defined as symbols: they must come from the configuration. */
int32_t env_add(void *vmctx, int32_t a, int32_t b) {
    (void)vmctx;
    return a + b;
}

double env_scale(void *vmctx, double x) {
    (void)vmctx;
    return x * 2.5;
}

void env_touch(void *vmctx, int32_t ptr) {
    size_t size;
    uint8_t *memory = wasi_aot_caller_memory(vmctx, &size);
    touch_saw_user_data = wasi_aot_caller_user_data(vmctx) == &marker;
    touch_saw_instance = wasi_aot_caller_instance(vmctx) == (wasi_aot_instance *)expected_caller;
    if (ptr >= 0 && (size_t)ptr + 4 <= size) {
        uint32_t value = 0x12345678;
        memcpy(memory + ptr, &value, 4);
    }
}

static void *pass(void *vmctx, void *ref) {
    (void)vmctx;
    return ref;
}

static int64_t mix(void *vmctx, int64_t a, float b) {
    (void)vmctx;
    return a + (int64_t)(b * 4);
}

static wasi_aot_config api_config(wasi_aot_host_import *imports) {
    imports[0] = api_import_env_pass(pass);
    imports[1] = api_import_env_mix(mix);
    wasi_aot_config config;
    wasi_aot_config_init(&config);
    config.imports = imports;
    config.imports_len = 2;
    config.user_data = &marker;
    return config;
}

static api_instance *new_api(void) {
    wasi_aot_host_import imports[2];
    wasi_aot_config config = api_config(imports);
    api_instance *instance = NULL;
    wasi_aot_status status = api_instance_new(&config, &instance);
    EXPECT(status == WASI_AOT_OK && instance != NULL, "api_instance_new: %d", (int)status);
    return instance;
}

/* ---- the checks ---------------------------------------------------------------- */

static void instantiation(void) {
    api_instance *instance = (api_instance *)&marker;
    wasi_aot_status status = api_instance_new(NULL, &instance);
    EXPECT(status == WASI_AOT_LINK, "missing host functions: status %d", (int)status);
    EXPECT(contains(error(), "env.pass") && contains(error(), "env_mix") &&
               !contains(error(), "env.add"),
           "the message lists exactly the missing ones: %s", error());
    EXPECT(instance == NULL, "out is NULL after a failure");

    wasi_aot_config config;
    wasi_aot_config_init(&config);
    EXPECT(config.stdin_fd == 0 && config.stdout_fd == 1 && config.stderr_fd == 2 &&
               config.return_on_exit && config.args_len == 0 && config.user_data == NULL,
           "config defaults");
    const char *bad_env[] = {"NO_EQUALS_SIGN"};
    config.env = bad_env;
    config.env_len = 1;
    plain_instance *p;
    status = plain_instance_new(&config, &p);
    EXPECT(status == WASI_AOT_ERROR && contains(error(), "NAME=VALUE"), "bad env: %d",
           (int)status);

    wasi_aot_config_init(&config);
    wasi_aot_preopen missing[] = {{"/no/such/directory/anywhere", "/x"}};
    config.preopens = missing;
    config.preopens_len = 1;
    status = plain_instance_new(&config, &p);
    EXPECT(status == WASI_AOT_ERROR && contains(error(), "/no/such/directory/anywhere"),
           "missing preopen: %d", (int)status);

    startfn_instance *s = NULL;
    status = startfn_instance_new(NULL, &s);
    EXPECT(status == WASI_AOT_TRAP && wasi_aot_last_trap() == WASI_AOT_TRAP_INTEGER_DIVIDE_BY_ZERO,
           "a trapping start function: %d", (int)status);
    EXPECT(s == NULL, "no instance after a trapping start function");
}

static void reactor_and_isolation(void) {
    api_instance *a = new_api(), *b = new_api();
    int32_t r = -1;
    EXPECT(api_instance_state(a, NULL) == WASI_AOT_STATE_READY, "ready");
    EXPECT(wasi_aot_instance_user_data((wasi_aot_instance *)a) == &marker, "user_data");
    EXPECT(api_instance_initialize(a) == WASI_AOT_OK, "initialize");
    EXPECT(api_ready(a, &r) == WASI_AOT_OK && r == 1, "_initialize ran: %d", r);
    EXPECT(api_ready(b, &r) == WASI_AOT_OK && r == 0, "not in b: %d", r);
    EXPECT(api_instance_initialize(a) == WASI_AOT_ERROR && contains(error(), "already"),
           "initialize runs once");
    EXPECT(api_instance_start(b, NULL) == WASI_AOT_ERROR && contains(error(), "reactor"),
           "start refuses a reactor");
    EXPECT(api_instance_initialize(b) == WASI_AOT_OK, "initialize b");

    api_bump(a, &r);
    api_bump(a, &r);
    EXPECT(r == 2, "a counted twice: %d", r);
    EXPECT(api_bump(b, &r) == WASI_AOT_OK && r == 1, "b has its own counter: %d", r);
    api_counter_set(b, 10);
    api_bump(b, &r);
    EXPECT(r == 11 && api_counter(b) == 11 && api_counter(a) == 2, "globals per instance");

    EXPECT(api_answer(a) == 42, "immutable i64 global");
    EXPECT(api_pi(a) == 3.5, "immutable f64 global");
    EXPECT(api_ratio(a) == 0.5f, "f32 global");
    api_ratio_set(a, 0.25f);
    EXPECT(api_ratio(a) == 0.25f && api_ratio(b) == 0.5f, "f32 global set");
    wasi_aot_v128 vec = api_vec(a);
    EXPECT(vec.bytes[0] == 1 && vec.bytes[4] == 2 && vec.bytes[12] == 4, "v128 global");
    vec.bytes[0] = 9;
    api_vec_set(a, vec);
    EXPECT(api_vec(a).bytes[0] == 9, "v128 global set");
    EXPECT(api_ref(a) == NULL, "externref global starts null");
    api_ref_set(a, &marker);
    EXPECT(api_ref(a) == &marker && api_ref(b) == NULL, "externref global set");

    /* Host functions: by symbol and from the configuration. */
    EXPECT(api_add_via_host(a, 40, 2, &r) == WASI_AOT_OK && r == 42, "env_add: %d", r);
    double d = 0;
    EXPECT(api_scale_via_host(a, 2.0, &d) == WASI_AOT_OK && d == 5.0, "env_scale: %g", d);
    void *ref = NULL;
    EXPECT(api_pass_via_host(a, &marker, &ref) == WASI_AOT_OK && ref == &marker,
           "externref through a configured host function");
    int64_t m = 0;
    EXPECT(api_mix_via_host(a, 100, 2.5f, &m) == WASI_AOT_OK && m == 110, "mix: %lld",
           (long long)m);
    expected_caller = a;
    EXPECT(api_touch_via_host(a, 64, &r) == WASI_AOT_OK && r == 0x12345678,
           "the host wrote into the caller's memory: %x", (unsigned)r);
    EXPECT(touch_saw_user_data && touch_saw_instance, "caller user data and instance");
    EXPECT(api_load(b, 64, &r) == WASI_AOT_OK && r == 0, "b's memory is its own: %x",
           (unsigned)r);

    /* Multi-value and v128. */
    double r0 = 0;
    float r1 = 0;
    int64_t r2 = 0;
    int32_t r3 = 0;
    EXPECT(api_swap(a, 1, 2, 3.5f, 4.25, &r0, &r1, &r2, &r3) == WASI_AOT_OK && r0 == 4.25 &&
               r1 == 3.5f && r2 == 2 && r3 == 1,
           "swap");
    EXPECT(api_swap(a, 1, 2, 3.5f, 4.25, NULL, NULL, NULL, NULL) == WASI_AOT_OK,
           "results may be discarded");
    wasi_aot_v128 x, y, sum;
    for (int i = 0; i < 16; i++) {
        x.bytes[i] = (uint8_t)i;
        y.bytes[i] = 1;
    }
    EXPECT(api_vadd(a, x, y, &sum) == WASI_AOT_OK && sum.bytes[0] == 1 && sum.bytes[4] == 5 &&
               sum.bytes[1] == 2,
           "i32x4.add");

    /* Memory. */
    size_t size = 0;
    uint8_t *base = api_memory(a, &size);
    EXPECT(base != NULL && size == 65536, "memory: %zu", size);
    EXPECT(api_memory(a, NULL) == base, "size may be NULL");
    EXPECT(api_grow(a, 1, &r) == WASI_AOT_OK && r == 1, "grow: %d", r);
    EXPECT(api_memory(a, &size) == base && size == 131072, "grown in place: %zu", size);
    base[100000] = 0x5a;
    EXPECT(api_load(a, 100000, &r) == WASI_AOT_OK && (r & 0xff) == 0x5a, "the host's write");

    /* Names that collide after mangling. */
    EXPECT(api_a_b(a, &r) == WASI_AOT_OK && r == 1, "a-b");
    EXPECT(api_a_b_25(a, &r) == WASI_AOT_OK && r == 2, "a_b");
    EXPECT(api_free(a, &r) == WASI_AOT_OK && r == 3, "free");
    EXPECT(api_instance_new_27(a, &r) == WASI_AOT_OK && r == 4, "instance_new");
    EXPECT(api_nothing(a) == WASI_AOT_OK, "no parameters, no results");

    /* A trap poisons only its instance; memory and globals stay readable. */
    wasi_aot_status status = api_load(a, 200000, &r);
    EXPECT(status == WASI_AOT_TRAP && wasi_aot_last_trap() == WASI_AOT_TRAP_MEMORY_OUT_OF_BOUNDS &&
               contains(error(), "out of bounds memory access"),
           "out of bounds: %d %s", (int)status, error());
    EXPECT(api_instance_state(a, NULL) == WASI_AOT_STATE_TRAPPED, "trapped");
    status = api_bump(a, &r);
    EXPECT(status == WASI_AOT_POISONED && contains(error(), "out of bounds memory access"),
           "poisoned: %d", (int)status);
    EXPECT(api_counter(a) == 2 && api_memory(a, NULL)[100000] == 0x5a,
           "a poisoned instance is still readable");
    EXPECT(api_bump(b, &r) == WASI_AOT_OK && r == 12, "b is unaffected");

    /* Stack exhaustion is a trap like any other. */
    status = api_recurse(b, 0, &r);
    EXPECT(status == WASI_AOT_TRAP && wasi_aot_last_trap() == WASI_AOT_TRAP_STACK_OVERFLOW,
           "stack exhaustion: %d", (int)status);

    /* proc_exit returns to the host (return_on_exit is the default). */
    api_instance *c = new_api();
    status = api_exit(c, 7);
    int32_t exit_status = -1;
    EXPECT(status == WASI_AOT_EXIT && wasi_aot_last_exit_status() == 7, "exit: %d", (int)status);
    EXPECT(api_instance_state(c, &exit_status) == WASI_AOT_STATE_EXITED && exit_status == 7,
           "exited with 7");
    EXPECT(api_nothing(c) == WASI_AOT_POISONED && contains(error(), "exited with status 7"),
           "an exited instance runs nothing");

    api_instance_free(a);
    api_instance_free(b);
    api_instance_free(c);
    api_instance_free(NULL);
}

static void generic_api(void) {
    const wasi_aot_module *module = &wasi_aot_module_api;
    EXPECT(wasi_aot_module_export_count(module) == 29, "export count");
    EXPECT(wasi_aot_module_import_count(module) == 6, "import count");
    size_t index = 0;
    EXPECT(wasi_aot_module_find_export(module, "swap", 4, &index) == WASI_AOT_OK && index == 17,
           "find swap: %zu", index);
    EXPECT(wasi_aot_module_find_export(module, "nope", 4, &index) == WASI_AOT_ERROR, "no nope");
    wasi_aot_extern_type t;
    EXPECT(wasi_aot_module_export(module, 17, &t) == WASI_AOT_OK && t.kind == WASI_AOT_EXTERN_FUNC &&
               t.module == NULL && t.name_len == 4 && memcmp(t.name, "swap", 4) == 0 &&
               t.params_len == 4 && t.params[1] == WASI_AOT_I64 && t.results_len == 4 &&
               t.results[0] == WASI_AOT_F64,
           "swap's type");
    EXPECT(wasi_aot_module_export(module, 5, &t) == WASI_AOT_OK && t.kind == WASI_AOT_EXTERN_GLOBAL &&
               t.global_type == WASI_AOT_F32 && t.global_mutable,
           "ratio's type");
    EXPECT(wasi_aot_module_import(module, 3, &t) == WASI_AOT_OK && t.module_len == 3 &&
               memcmp(t.module, "env", 3) == 0 && memcmp(t.name, "mix", 3) == 0 &&
               t.params_len == 2 && t.params[1] == WASI_AOT_F32 && t.results_len == 1,
           "mix's import type");
    EXPECT(wasi_aot_module_export(module, 99, &t) == WASI_AOT_ERROR, "no export 99");

    wasi_aot_instance *instance = (wasi_aot_instance *)new_api();
    wasi_aot_value values[2];
    memset(values, 0, sizeof values);
    values[0].i32 = 20;
    values[1].i32 = 22;
    EXPECT(wasi_aot_call_export(instance, 12, values, 2) == WASI_AOT_OK && values[0].i32 == 42,
           "generic call");
    EXPECT(wasi_aot_call_export(instance, 12, values, 1) == WASI_AOT_ERROR &&
               contains(error(), "value slots"),
           "too few slots");
    EXPECT(wasi_aot_call_export(instance, 0, values, 2) == WASI_AOT_ERROR &&
               contains(error(), "not a function"),
           "a memory is not callable");
    EXPECT(wasi_aot_export_memory(instance, 2, NULL) == NULL && contains(error(), "not a memory"),
           "a global is not a memory");
    wasi_aot_value v;
    memset(&v, 0, sizeof v);
    EXPECT(wasi_aot_export_global_set(instance, 3, &v) == WASI_AOT_ERROR &&
               contains(error(), "immutable"),
           "immutable globals cannot be set");
    EXPECT(wasi_aot_export_global_set(instance, 8, &v) == WASI_AOT_ERROR &&
               contains(error(), "funcref"),
           "funcref globals cannot be set");
    EXPECT(wasi_aot_export_global_get(instance, 3, &v) == WASI_AOT_OK && v.i64 == 42, "get");
    EXPECT(wasi_aot_instantiate(NULL, NULL, &instance) == WASI_AOT_ERROR, "NULL module");
    char buf[8];
    size_t len = wasi_aot_last_error(buf, sizeof buf);
    EXPECT(len == strlen(error()) && strlen(buf) == 7, "truncated copy: %zu", len);
    wasi_aot_instance_free(instance);
}

static void lifecycle(const char *dir) {
    /* A command with arguments, environment and captured stdout. */
    FILE *out = tmpfile();
    const char *args[] = {"cmd", "x", "y"};
    const char *env[] = {"A=1", "B=2", "C="};
    wasi_aot_config config;
    wasi_aot_config_init(&config);
    config.args = args;
    config.args_len = 3;
    config.env = env;
    config.env_len = 3;
    config.stdout_fd = fileno(out);
    config.stdin_fd = -1;
    cmd_instance *c;
    EXPECT(cmd_instance_new(&config, &c) == WASI_AOT_OK, "cmd");
    EXPECT(cmd_instance_initialize(c) == WASI_AOT_ERROR && contains(error(), "command"),
           "initialize refuses a command");
    int32_t code = -1;
    EXPECT(cmd_instance_start(c, &code) == WASI_AOT_OK && code == 3, "exit status %d", code);
    EXPECT(cmd_instance_start(c, &code) == WASI_AOT_ERROR && contains(error(), "already"),
           "start runs once");
    cmd_instance_free(c);
    char text[64] = {0};
    rewind(out);
    size_t n = fread(text, 1, sizeof text - 1, out);
    EXPECT(n == 13 && strcmp(text, "args=3 env=3\n") == 0, "captured: %s", text);
    fclose(out);

    /* _start returning is exit status 0; a closed stdout is fine. */
    wasi_aot_config_init(&config);
    config.stdout_fd = -1;
    EXPECT(cmd_instance_new(&config, &c) == WASI_AOT_OK, "cmd again");
    code = -1;
    EXPECT(cmd_instance_start(c, &code) == WASI_AOT_OK && code == 0, "returned: %d", code);
    EXPECT(cmd_instance_state(c, NULL) == WASI_AOT_STATE_READY, "still ready after returning");
    cmd_instance_free(c);

    /* A preopen that exists. */
    wasi_aot_preopen preopens[] = {{dir, "/scratch"}};
    wasi_aot_config_init(&config);
    config.preopens = preopens;
    config.preopens_len = 1;
    EXPECT(cmd_instance_new(&config, &c) == WASI_AOT_OK, "with a preopen");
    cmd_instance_free(c);

    nomem_instance *nm;
    EXPECT(nomem_instance_new(NULL, &nm) == WASI_AOT_OK, "nomem");
    EXPECT(nomem_instance_start(nm, NULL) == WASI_AOT_ERROR && contains(error(), "`memory`"),
           "start needs a memory export");
    nomem_instance_free(nm);

    badinit_instance *bi;
    EXPECT(badinit_instance_new(NULL, &bi) == WASI_AOT_OK, "badinit");
    EXPECT(badinit_instance_initialize(bi) == WASI_AOT_TRAP &&
               wasi_aot_last_trap() == WASI_AOT_TRAP_UNREACHABLE,
           "a trapping _initialize");
    int32_t r;
    EXPECT(badinit_get(bi, &r) == WASI_AOT_POISONED, "poisoned by _initialize");
    badinit_instance_free(bi);

    plain_instance *p;
    EXPECT(plain_instance_new(NULL, &p) == WASI_AOT_OK, "plain");
    EXPECT(plain_instance_start(p, NULL) == WASI_AOT_ERROR && contains(error(), "_start"),
           "start needs _start");
    EXPECT(plain_instance_initialize(p) == WASI_AOT_OK, "initialize without _initialize");
    EXPECT(plain_get(p, &r) == WASI_AOT_OK && r == 7, "plain get");
    plain_instance_free(p);
}

/* The host's own SIGSEGV handler, installed before any wasm code ran: it makes its
 * lazily committed page writable. The runtime passes it every fault that is not a
 * wasm trap, and keeps handling wasm traps afterwards. */
static void *lazy_page;
static volatile sig_atomic_t host_faults;

static void host_segv(int signal, siginfo_t *info, void *context) {
    (void)signal;
    (void)context;
    char *page = lazy_page;
    if ((char *)info->si_addr >= page && (char *)info->si_addr < page + 4096) {
        host_faults++;
        mprotect(lazy_page, 4096, PROT_READ | PROT_WRITE);
    } else {
        abort();
    }
}

static void install_host_handler(void) {
    lazy_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = host_segv;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, NULL);
}

static void signal_chaining(void) {
    api_instance *instance = new_api();
    int32_t r;
    EXPECT(api_load(instance, 1 << 30, &r) == WASI_AOT_TRAP, "a wasm trap first");
    *(volatile char *)lazy_page = 1;
    EXPECT(host_faults == 1 && *(volatile char *)lazy_page == 1, "the host's fault: %d",
           (int)host_faults);
    api_instance_free(instance);
    instance = new_api();
    EXPECT(api_load(instance, 1 << 30, &r) == WASI_AOT_TRAP, "wasm traps still work");
    api_instance_free(instance);
}

/* Instances on several threads at once, each trapping once. */
static void *thread_main(void *arg) {
    int *ok = arg;
    api_instance *instance = new_api();
    int32_t r = 0;
    *ok = api_instance_initialize(instance) == WASI_AOT_OK;
    for (int i = 0; i < 10000 && *ok; i++)
        *ok = api_bump(instance, &r) == WASI_AOT_OK;
    *ok = *ok && r == 10000;
    *ok = *ok && api_load(instance, 1 << 30, &r) == WASI_AOT_TRAP &&
          wasi_aot_last_trap() == WASI_AOT_TRAP_MEMORY_OUT_OF_BOUNDS;
    api_instance_free(instance);
    return NULL;
}

static void threads(void) {
    pthread_t t[4];
    int ok[4] = {0};
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, thread_main, &ok[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        EXPECT(ok[i], "thread %d", i);
    }
}

static int exit_process(void) {
    wasi_aot_host_import imports[2];
    wasi_aot_config config = api_config(imports);
    config.return_on_exit = false;
    api_instance *instance;
    if (api_instance_new(&config, &instance) != WASI_AOT_OK)
        return 1;
    printf("before\n");
    fflush(stdout);
    api_exit(instance, 9);
    printf("after\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "exit-process") == 0)
        return exit_process();
    if (argc != 2) {
        fprintf(stderr, "usage: api_test DIR | api_test exit-process\n");
        return 2;
    }
    install_host_handler();
    instantiation();
    reactor_and_isolation();
    generic_api();
    lifecycle(argv[1]);
    signal_chaining();
    threads();
    printf("api_test: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
