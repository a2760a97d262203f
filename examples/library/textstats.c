/*
 * textstats: a WASI reactor for the library-mode examples (examples/host-c, host-rust).
 * It exports _initialize (wasi-libc's constructors) and functions working on text the
 * host places in its memory:
 *
 *   alloc(size) -> ptr          malloc in the guest, for the host to write into
 *   dealloc(ptr)                free
 *   count_words(ptr, len) -> n  words (runs of non-space bytes); adds to the total
 *   total_words() -> i64        words counted so far by this instance
 *   shout(ptr, len)             uppercases the text in place
 *   average(ptr, len) -> f64    average word length
 *   ratio(a, b) -> i32          a / b: traps with "integer divide by zero" when b is 0
 *   quit(code)                  exit(code): proc_exit, after flushing stdio
 *   report()                    tells the host the total through the host function
 *                               host.log(ptr, len)
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define EXPORT(name) __attribute__((export_name(name)))

__attribute__((import_module("host"), import_name("log"))) void host_log(const char *text,
                                                                         size_t len);

static int64_t total;

EXPORT("alloc") void *alloc(size_t size) { return malloc(size); }

EXPORT("dealloc") void dealloc(void *ptr) { free(ptr); }

static int words(const char *text, size_t len, size_t *letters) {
    int n = 0;
    int in_word = 0;
    *letters = 0;
    for (size_t i = 0; i < len; i++) {
        if (isspace((unsigned char)text[i])) {
            in_word = 0;
        } else {
            ++*letters;
            if (!in_word)
                n++;
            in_word = 1;
        }
    }
    return n;
}

EXPORT("count_words") int count_words(const char *text, size_t len) {
    size_t letters;
    int n = words(text, len, &letters);
    total += n;
    return n;
}

EXPORT("total_words") int64_t total_words(void) { return total; }

EXPORT("shout") void shout(char *text, size_t len) {
    for (size_t i = 0; i < len; i++)
        text[i] = (char)toupper((unsigned char)text[i]);
}

EXPORT("average") double average(const char *text, size_t len) {
    size_t letters;
    int n = words(text, len, &letters);
    return n == 0 ? 0.0 : (double)letters / n;
}

EXPORT("ratio") __attribute__((noinline)) int ratio(int a, int b) { return a / b; }

EXPORT("quit") void quit(int code) {
    printf("textstats: quitting with %d after %lld words\n", code, (long long)total);
    exit(code);
}

EXPORT("report") void report(void) {
    char message[64];
    int n = snprintf(message, sizeof message, "%lld words so far", (long long)total);
    host_log(message, (size_t)n);
}
