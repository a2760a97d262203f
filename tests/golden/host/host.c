/* Host functions for host.wat, bound by wasi-aot's naming rule: import (M, N) calls
 * the C symbol M_N (characters outside [A-Za-z0-9_] become '_') with the instance
 * pointer first and the wasm parameters as int32_t/int64_t/float/double. */
#include <stdint.h>

int32_t env_add(void *instance, int32_t a, int32_t b) {
    (void)instance;
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

double env_scale(void *instance, double x) {
    (void)instance;
    return x * 2.5;
}

int64_t env_mix(void *instance, int32_t a, int64_t b, float c, double d) {
    (void)instance;
    return (int64_t)a + b + (int64_t)c + (int64_t)d;
}

/* Eight integer parameters after the instance pointer: two of them on the stack. */
int32_t env_weighted(void *instance, int32_t a, int32_t b, int32_t c, int32_t d,
                     int32_t e, int32_t f, int32_t g, int32_t h) {
    (void)instance;
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

/* import ("my-mod" "odd.name") */
int32_t my_mod_odd_name(void *instance) {
    (void)instance;
    return 0x1234;
}

int32_t env_has_instance(void *instance) {
    return instance != 0;
}
