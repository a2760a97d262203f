/* Dense double-precision matrix multiply, C = A * B for 400x400 matrices (B transposed
 * first so both operands are read by rows), repeated 3 times, then an LU-free check:
 * C * x must equal A * (B * x) for a fixed vector x. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 400

static double a[N][N], b[N][N], bt[N][N], c[N][N];

int main(void) {
    unsigned x = 7;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            x = x * 1664525u + 1013904223u;
            a[i][j] = (double)(x >> 8) / 16777216.0 - 0.5;
            x = x * 1664525u + 1013904223u;
            b[i][j] = (double)(x >> 8) / 16777216.0 - 0.5;
        }
    double trace = 0;
    for (int rep = 0; rep < 3; rep++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) bt[j][i] = b[i][j] * (1.0 + rep);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                double s = 0;
                for (int k = 0; k < N; k++) s += a[i][k] * bt[j][k];
                c[i][j] = s;
            }
        for (int i = 0; i < N; i++) trace += c[i][i];
    }
    /* The last product used B * 3: check C v == A (3 B v). */
    static double v[N], bv[N], abv[N], cv[N];
    for (int i = 0; i < N; i++) v[i] = (double)(i % 7) - 3.0;
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int k = 0; k < N; k++) s += 3.0 * b[i][k] * v[k];
        bv[i] = s;
    }
    double err = 0;
    for (int i = 0; i < N; i++) {
        double s = 0, t = 0;
        for (int k = 0; k < N; k++) { s += a[i][k] * bv[k]; t += c[i][k] * v[k]; }
        abv[i] = s; cv[i] = t;
        err = fmax(err, fabs(abv[i] - cv[i]));
    }
    if (!(err < 1e-9)) { printf("FAIL: residual %g\n", err); return 1; }
    printf("matrix %dx%d x3: trace sum %.10f, residual below 1e-9\n", N, N, trace);
    return 0;
}
