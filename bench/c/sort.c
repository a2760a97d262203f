/* Sorting 2 million 32-bit keys three ways (quicksort with insertion sort for small
 * ranges, bottom-up merge sort, LSD radix sort); self-check: every result sorted and
 * identical, and the key sum preserved. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 2000000

static void insertion(uint32_t *a, long lo, long hi) {
    for (long i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        long j = i - 1;
        while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

static void quicksort(uint32_t *a, long lo, long hi) {
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2;
        uint32_t x = a[lo], y = a[mid], z = a[hi];
        uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) { uint32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
        else { quicksort(a, i, hi); hi = j; }
    }
    insertion(a, lo, hi);
}

static void mergesort(uint32_t *a, uint32_t *tmp, long n) {
    for (long width = 1; width < n; width *= 2) {
        for (long lo = 0; lo < n; lo += 2 * width) {
            long mid = lo + width < n ? lo + width : n;
            long hi = lo + 2 * width < n ? lo + 2 * width : n;
            long i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
            while (i < mid) tmp[k++] = a[i++];
            while (j < hi) tmp[k++] = a[j++];
        }
        uint32_t *t = a; a = tmp; tmp = t;
        if (width * 2 >= n && a != tmp) { /* result is in `a` */ }
    }
}

static void radix(uint32_t *a, uint32_t *tmp, long n) {
    for (int shift = 0; shift < 32; shift += 8) {
        long count[257] = {0};
        for (long i = 0; i < n; i++) count[((a[i] >> shift) & 255) + 1]++;
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (long i = 0; i < n; i++) tmp[count[(a[i] >> shift) & 255]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
}

static int sorted(const uint32_t *a, long n) {
    for (long i = 1; i < n; i++)
        if (a[i - 1] > a[i]) return 0;
    return 1;
}

int main(void) {
    uint32_t *keys = malloc(N * sizeof *keys), *q = malloc(N * sizeof *q);
    uint32_t *m = malloc(N * sizeof *m), *r = malloc(N * sizeof *r), *tmp = malloc(N * sizeof *tmp);
    if (!keys || !q || !m || !r || !tmp) { puts("FAIL: out of memory"); return 1; }
    uint64_t x = 88172645463325252ull, sum = 0;
    for (long i = 0; i < N; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        keys[i] = (uint32_t)(x >> 16);
        sum += keys[i];
    }
    memcpy(q, keys, N * sizeof *q);
    memcpy(m, keys, N * sizeof *m);
    memcpy(r, keys, N * sizeof *r);
    quicksort(q, 0, N - 1);
    /* log2(N) rounds out of an even count land back in `m` only if the round count is
       even; copy back from `tmp` otherwise. */
    mergesort(m, tmp, N);
    int rounds = 0;
    for (long w = 1; w < N; w *= 2) rounds++;
    if (rounds % 2) memcpy(m, tmp, N * sizeof *m);
    radix(r, tmp, N);
    uint64_t check = 0;
    for (long i = 0; i < N; i++) check += q[i];
    if (!sorted(q, N) || memcmp(q, m, N * sizeof *q) || memcmp(q, r, N * sizeof *q) || check != sum) {
        puts("FAIL: sorts disagree");
        return 1;
    }
    printf("sorted %d keys three ways: min %u median %u max %u sum %llu\n", N, q[0], q[N / 2],
           q[N - 1], (unsigned long long)sum);
    return 0;
}
