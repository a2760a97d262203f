/* shootout-sieve's hot loop, as wasi-aot and wasmtime both compile it (the same
 * instructions, copied from the executable), placed PAD bytes after a 64-byte boundary.
 * Built and timed for every PAD by scan.sh: the same bytes run fast or slow depending
 * only on where they sit within 64-byte lines: the inner loop (label 2) is slow wherever
 * it crosses a line. This is what made wasi-aot's sieve 1.59x slower than wasmtime's
 * before compiler/src/placement.rs kept such loops inside one line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#ifndef PAD
#define PAD 0
#endif
#define STR(x) #x
#define XSTR(x) STR(x)

/* Sieves 8192 flags 17000 times; r14 is the linear memory base, as in wasm code. */
__attribute__((noinline, aligned(64))) static int run(unsigned char *base) {
    int total = 0;
    for (int rep = 0; rep < 17000; rep++) {
        memset(base + 0xea2, 1, 0x1fff);
        int count;
        __asm__ volatile(
            "mov %1, %%r14\n"
            "jmp 9f\n"
            ".p2align 6\n"
            ".fill " XSTR(PAD) ",1,0x90\n"
            "9: mov $2, %%edx\n"
            "xor %%ecx, %%ecx\n"
            "1: lea 0xea0(%%rdx), %%eax\n"
            "movzbq (%%r14,%%rax,1), %%rax\n"
            "test %%eax, %%eax\n"
            "je 3f\n"
            "cmp $0x1000, %%edx\n"
            "ja 4f\n"
            "mov %%rdx, %%rsi\n"
            "shl %%esi\n"
            "2: xor %%edi, %%edi\n"
            "lea 0xea0(%%rsi), %%r8d\n"
            "mov %%dil, (%%r14,%%r8,1)\n"
            "add %%edx, %%esi\n"
            "cmp $0x2001, %%esi\n"
            "jb 2b\n"
            "4: add $1, %%ecx\n"
            "3: lea 1(%%rdx), %%r9d\n"
            "cmp $0x2000, %%edx\n"
            "je 5f\n"
            "mov %%r9, %%rdx\n"
            "jmp 1b\n"
            "5: mov %%ecx, %0\n"
            : "=r"(count)
            : "r"(base)
            : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r14", "memory");
        total += count;
    }
    return total;
}

int main(void) {
    /* A guard-page style reservation, as a wasi-aot linear memory has. */
    unsigned char *base = mmap(0, 6UL << 30, PROT_NONE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED || mprotect(base, 2 << 16, PROT_READ | PROT_WRITE) != 0) {
        perror("mmap");
        return 1;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int r = run(base);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%d %.3f\n", r, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
