/*
 * host-c: a C program embedding two wasm modules compiled by wasi-aot --lib.
 *
 *   greet      a WASI command (../library/greet.c): run once with start(), with its
 *              arguments, environment, a preopened directory, and its stdout captured
 *              in a file; its exit status comes back to the host.
 *   textstats  a WASI reactor (../library/textstats.c): initialized, then called many
 *              times with text the host writes into its memory; two instances keep
 *              separate state; it calls the host back through the import host.log.
 *
 *   usage: host DATA_DIR   DATA_DIR holds names.txt (../library does); it is preopened
 *                          as /data
 *
 * Build: see build.sh (libraries built with --no-runtime, plus the runtime archive).
 */
#define _POSIX_C_SOURCE 200809L /* fileno */

#include "greet.h"
#include "textstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exits with the runtime's message when a call did not succeed. */
static void check(wasi_aot_status status, const char *what) {
    if (status != WASI_AOT_OK) {
        fprintf(stderr, "host: %s failed (%d): %s\n", what, (int)status,
                wasi_aot_last_error_message());
        exit(1);
    }
}

/* The text at guest offsets [ptr, ptr + len) of the calling instance, or NULL if that
 * range is outside its memory (never trust offsets coming from the guest). */
static const char *guest_text(void *vmctx, int32_t ptr, int32_t len) {
    size_t size;
    const uint8_t *memory = wasi_aot_caller_memory(vmctx, &size);
    if (memory == NULL || ptr < 0 || len < 0 || (size_t)ptr > size ||
        (size_t)len > size - (size_t)ptr)
        return NULL;
    return (const char *)memory + ptr;
}

/* textstats imports host.log: this definition is found by its symbol, host_log. */
void host_log(void *vmctx, int32_t ptr, int32_t len) {
    const char *text = guest_text(vmctx, ptr, len);
    printf("  [host_log] %.*s\n", text ? (int)len : 7, text ? text : "(bad range)");
}

/* Another host.log, given to one instance through its configuration; it finds the
 * instance's label through the configuration's user_data. */
static void labelled_log(void *vmctx, int32_t ptr, int32_t len) {
    const char *label = wasi_aot_caller_user_data(vmctx);
    const char *text = guest_text(vmctx, ptr, len);
    printf("  [%s] %.*s\n", label, text ? (int)len : 7, text ? text : "(bad range)");
}

static void run_greet(const char *data_dir) {
    printf("== greet (a command)\n");
    const char *args[] = {"greet", "Ada", "--file", "/data/names.txt"};
    const char *env[] = {"GREETING=Hi"};
    wasi_aot_preopen preopens[] = {{data_dir, "/data"}};
    FILE *captured = tmpfile();
    if (captured == NULL) {
        perror("tmpfile");
        exit(1);
    }
    wasi_aot_config config;
    wasi_aot_config_init(&config);
    config.args = args;
    config.args_len = 4;
    config.env = env;
    config.env_len = 1;
    config.preopens = preopens;
    config.preopens_len = 1;
    config.stdout_fd = fileno(captured);

    greet_instance *greet;
    check(greet_instance_new(&config, &greet), "greet_instance_new");
    int32_t exit_code = -1;
    check(greet_instance_start(greet, &exit_code), "greet_instance_start");
    printf("greet returned exit status %d; its stdout:\n", (int)exit_code);
    rewind(captured);
    char line[256];
    while (fgets(line, sizeof line, captured) != NULL)
        printf("  | %s", line);
    fclose(captured);

    /* A command runs once per instance. */
    wasi_aot_status again = greet_instance_start(greet, &exit_code);
    printf("starting it again: status %d: %s\n", (int)again, wasi_aot_last_error_message());
    greet_instance_free(greet);
}

/* Copies `text` into a buffer the guest allocates; returns its guest offset. */
static int32_t put_text(textstats_instance *instance, const char *text) {
    int32_t len = (int32_t)strlen(text);
    int32_t ptr;
    check(textstats_alloc(instance, len, &ptr), "alloc");
    size_t size;
    uint8_t *memory = textstats_memory(instance, &size);
    if (ptr == 0 || (size_t)ptr + (size_t)len > size) {
        fprintf(stderr, "host: the guest's allocation is out of range\n");
        exit(1);
    }
    memcpy(memory + ptr, text, (size_t)len);
    return ptr;
}

static int32_t count(textstats_instance *instance, const char *text) {
    int32_t ptr = put_text(instance, text);
    int32_t words;
    check(textstats_count_words(instance, ptr, (int32_t)strlen(text), &words), "count_words");
    check(textstats_dealloc(instance, ptr), "dealloc");
    return words;
}

static void run_textstats(void) {
    printf("== textstats (a reactor)\n");
    /* a: default configuration, host.log found by symbol. */
    textstats_instance *a;
    check(textstats_instance_new(NULL, &a), "textstats_instance_new a");
    /* b: host.log from the configuration, with a label as user data. */
    wasi_aot_host_import imports[] = {textstats_import_host_log(labelled_log)};
    wasi_aot_config config;
    wasi_aot_config_init(&config);
    config.imports = imports;
    config.imports_len = 1;
    config.user_data = "b's log";
    textstats_instance *b;
    check(textstats_instance_new(&config, &b), "textstats_instance_new b");
    check(textstats_instance_initialize(a), "initialize a");
    check(textstats_instance_initialize(b), "initialize b");

    printf("a counts %d words\n", (int)count(a, "the quick brown fox"));
    printf("b counts %d words\n", (int)count(b, "jumps over"));
    printf("a counts %d words\n", (int)count(a, "the lazy dog"));
    int64_t total_a, total_b;
    check(textstats_total_words(a, &total_a), "total_words a");
    check(textstats_total_words(b, &total_b), "total_words b");
    printf("totals: a %lld, b %lld (separate instances, separate state)\n",
           (long long)total_a, (long long)total_b);
    check(textstats_report(a), "report a");
    check(textstats_report(b), "report b");

    const char *text = "shout this";
    int32_t ptr = put_text(a, text);
    check(textstats_shout(a, ptr, (int32_t)strlen(text)), "shout");
    double average;
    check(textstats_average(a, ptr, (int32_t)strlen(text), &average), "average");
    printf("shouted in a's memory: \"%.*s\", average word length %.2f\n",
           (int)strlen(text), (const char *)textstats_memory(a, NULL) + ptr, average);

    /* A trap returns to the host and poisons that instance only. */
    int32_t quotient;
    check(textstats_ratio(a, 84, 2, &quotient), "ratio");
    printf("ratio(84, 2) = %d\n", (int)quotient);
    wasi_aot_status status = textstats_ratio(a, 1, 0, &quotient);
    printf("ratio(1, 0): status %d (trap code %u): %s\n", (int)status,
           (unsigned)wasi_aot_last_trap(), wasi_aot_last_error_message());
    status = textstats_total_words(a, &total_a);
    printf("a afterwards: status %d: %s\n", (int)status, wasi_aot_last_error_message());
    printf("a's state is %u (trapped), its memory still reads \"%.5s\"\n",
           (unsigned)textstats_instance_state(a, NULL),
           (const char *)textstats_memory(a, NULL) + ptr);

    /* proc_exit returns to the host too (return_on_exit is the default). */
    fflush(stdout);
    status = textstats_quit(b, 3);
    int32_t exit_status = -1;
    uint32_t state = textstats_instance_state(b, &exit_status);
    printf("quit(3): status %d, exit status %d, state %u (exited)\n", (int)status,
           (int)wasi_aot_last_exit_status(), (unsigned)state);
    printf("b's exit status from its state: %d\n", (int)exit_status);

    textstats_instance_free(a);
    textstats_instance_free(b);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: host DATA_DIR\n");
        return 2;
    }
    /* The guests write to the same stdout through their own descriptors. */
    setvbuf(stdout, NULL, _IONBF, 0);
    run_greet(argv[1]);
    run_textstats();
    printf("the host is still running\n");
    return 0;
}
