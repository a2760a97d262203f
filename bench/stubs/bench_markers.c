/* bench.start and bench.end for the Sightglass modules the harness builds with
 * `wasi-aot build --link`: wasi-aot binds import (bench, start) to the C symbol
 * bench_start and calls it with the calling instance as the only argument (the
 * imports take no wasm parameters).
 *
 * They time the region between the markers, as Sightglass itself does and as
 * bench/wasmtime_runner.py and bench/node_runner.mjs do for the other engines, so
 * that every engine is measured over the same region: each bench_end adds the time
 * since the last bench_start to a total and writes the total in nanoseconds to the
 * file named by WASI_AOT_BENCH_TIME (nothing when it is unset). The clock is read
 * before the write, so the write falls outside the region. A failed write is
 * reported on stderr, which fails the harness's output check instead of leaving the
 * row silently untimed. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t started;
static uint64_t total;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_start(void *instance) {
    (void)instance;
    started = now_ns();
}

void bench_end(void *instance) {
    uint64_t end = now_ns();
    (void)instance;
    total += end - started;
    const char *path = getenv("WASI_AOT_BENCH_TIME");
    if (path == NULL) {
        return;
    }
    char line[32];
    int len = snprintf(line, sizeof line, "%llu\n", (unsigned long long)total);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)len) != len) {
        perror("bench_end: cannot write WASI_AOT_BENCH_TIME");
    }
    if (fd >= 0) {
        close(fd);
    }
}
