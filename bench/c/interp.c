/* A small stack-based bytecode interpreter (switch dispatch) running a program that
 * counts the primes below 250,000 by trial division and sums them. Self-check: the
 * interpreter's answer equals the same computation done directly in C. */
#include <stdint.h>
#include <stdio.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, LE, JZ, JMP, HALT };

/* Locals: 0 = n, 1 = i, 2 = count, 3 = sum, 4 = d, 5 = prime flag. */
static int32_t code[256];
static int len;

static int emit(int32_t op) { code[len] = op; return len++; }

static void build(void) {
    len = 0;
    emit(PUSH); emit(2); emit(STORE); emit(1);
    emit(PUSH); emit(0); emit(STORE); emit(2);
    emit(PUSH); emit(0); emit(STORE); emit(3);
    int outer = len;
    emit(LOAD); emit(1); emit(LOAD); emit(0); emit(LT); emit(JZ); int exit_patch = emit(0);
    emit(PUSH); emit(1); emit(STORE); emit(5);
    emit(PUSH); emit(2); emit(STORE); emit(4);
    int inner = len;
    emit(LOAD); emit(4); emit(LOAD); emit(4); emit(MUL); emit(LOAD); emit(1); emit(LE);
    emit(JZ); int inner_exit = emit(0);
    emit(LOAD); emit(1); emit(LOAD); emit(4); emit(MOD); emit(JZ); int composite = emit(0);
    emit(LOAD); emit(4); emit(PUSH); emit(1); emit(ADD); emit(STORE); emit(4);
    emit(JMP); emit(inner);
    code[composite] = len;
    emit(PUSH); emit(0); emit(STORE); emit(5);
    code[inner_exit] = len;
    emit(LOAD); emit(5); emit(JZ); int skip = emit(0);
    emit(LOAD); emit(2); emit(PUSH); emit(1); emit(ADD); emit(STORE); emit(2);
    emit(LOAD); emit(3); emit(LOAD); emit(1); emit(ADD); emit(STORE); emit(3);
    code[skip] = len;
    emit(LOAD); emit(1); emit(PUSH); emit(1); emit(ADD); emit(STORE); emit(1);
    emit(JMP); emit(outer);
    code[exit_patch] = len;
    emit(HALT);
}

static int64_t run(const int32_t *pc0, int64_t *locals) {
    int64_t stack[64];
    int sp = 0;
    const int32_t *pc = pc0;
    uint64_t steps = 0;
    for (;;) {
        steps++;
        switch (*pc++) {
        case PUSH: stack[sp++] = *pc++; break;
        case LOAD: stack[sp++] = locals[*pc++]; break;
        case STORE: locals[*pc++] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case LE: sp--; stack[sp - 1] = stack[sp - 1] <= stack[sp]; break;
        case JZ: { int32_t t = *pc++; if (stack[--sp] == 0) pc = pc0 + t; break; }
        case JMP: pc = pc0 + *pc; break;
        case HALT: return (int64_t)steps;
        default: return -1;
        }
    }
}

int main(void) {
    build();
    const int64_t n = 250000;
    int64_t locals[8] = {n};
    int64_t steps = run(code, locals);
    int64_t count = 0, sum = 0;
    for (int64_t i = 2; i < n; i++) {
        int prime = 1;
        for (int64_t d = 2; d * d <= i; d++)
            if (i % d == 0) { prime = 0; break; }
        if (prime) { count++; sum += i; }
    }
    if (steps < 0 || locals[2] != count || locals[3] != sum) {
        printf("FAIL: interpreter says %lld primes (sum %lld), C says %lld (sum %lld)\n",
               (long long)locals[2], (long long)locals[3], (long long)count, (long long)sum);
        return 1;
    }
    printf("%lld primes below %lld, sum %lld, %lld bytecode steps\n", (long long)count,
           (long long)n, (long long)sum, (long long)steps);
    return 0;
}
