/* Entering and leaving wasm code.
 *
 * wasi_aot_call_guarded() records a return point with sigsetjmp and calls an array-call
 * trampoline; a trap (from the signal handler or from a host function such as proc_exit
 * in return-on-exit mode) comes back to that point through wasi_aot_unwind(). Only C
 * frames and generated code lie between the two, so no Rust destructor is skipped. */

#include <setjmp.h>
#include <stddef.h>

typedef void (*wasi_aot_trampoline)(const void *code, void *vmctx, void *values);

static __thread sigjmp_buf *current_return_point = NULL;

/* Returns 0 if the call returned normally, or the nonzero reason given to
 * wasi_aot_unwind(). Nested calls (wasm -> host -> wasm) each get their own point. */
int wasi_aot_call_guarded(wasi_aot_trampoline trampoline, const void *code, void *vmctx,
                          void *values) {
    sigjmp_buf return_point;
    sigjmp_buf *previous = current_return_point;
    /* Saving the signal mask lets a jump out of a signal handler unblock the signal. */
    int reason = sigsetjmp(return_point, 1);
    if (reason == 0) {
        current_return_point = &return_point;
        trampoline(code, vmctx, values);
    }
    current_return_point = previous;
    return reason;
}

/* Whether a return point exists on this thread (i.e. wasm code is running). */
int wasi_aot_in_guarded_call(void) {
    return current_return_point != NULL;
}

/* Jumps back to the innermost return point; `reason` must be nonzero. */
void wasi_aot_unwind(int reason) {
    siglongjmp(*current_return_point, reason);
}
