/*
 * time_kernel.c -- nanoseconds per element of one float32 (or float64)
 * array function of one kernel set, called directly (no NumPy, no threads),
 * on 65,536 inputs that stay in L2: "a C timing of the kernel alone" in
 * docs/speed.md.
 *
 *   time_kernel SET FUNCTION LO HI [CALLS [float32|float64]]
 *
 * SET is avx512, avx2 or baseline (the CPU must support it); FUNCTION is an
 * index into the kernel set's f32 table (0 gelu, 1 gelu_grad, 2 gelu_grad2,
 * 3 gelu_backward, 4 gelu_tanh, 5 gelu_tanh_grad, 6 gelu_tanh_grad2,
 * 7 gelu_tanh_backward: gelu_array.h; the f64 table for float64); x is
 * uniform on [LO, HI], or normal
 * with standard deviation -LO when HI is 0 and LO negative; g is uniform on
 * [-1, 1].  Prints the best of 7 rounds of CALLS calls (default 200).  To
 * compare two builds, link one binary against each and run them in
 * alternation: a single timing moves by several per cent between runs.
 *
 * Build against a meson build directory (here build/), x86-64:
 *   cc -O2 -Isrc/gelu/_kernels tools/time_kernel.c -Wl,--start-group \
 *      build/libgelu_array_*.a build/libgelu_scalar_*.a build/libgelu_kernels.a \
 *      -Wl,--end-group -lm -o time_kernel && ./time_kernel avx512 0 -1 0
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gelu_array.h"

enum { N = 65536, ROUNDS = 7 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A deterministic uniform on [0, 1): the inputs are the same in every run. */
static double uniform(unsigned long long *state) {
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*state >> 11) * 0x1p-53;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s avx512|avx2|baseline FUNCTION(0-%d) LO HI [CALLS [float32|float64]]\n", argv[0],
                GELU_N_FUNCS - 1);
        return 2;
    }
    const gelu_kernel_set *set = strcmp(argv[1], "avx512") == 0 ? &gelu_kernels_avx512
                               : strcmp(argv[1], "avx2") == 0   ? &gelu_kernels_avx2
                               : strcmp(argv[1], "baseline") == 0 ? &gelu_kernels_baseline
                                                                  : NULL;
    int fn = atoi(argv[2]);
    double lo = atof(argv[3]), hi = atof(argv[4]);
    int calls = argc > 5 ? atoi(argv[5]) : 200;
    if (set == NULL || fn < 0 || fn >= GELU_N_FUNCS || calls < 1) {
        fprintf(stderr, "%s: unknown kernel set, function or call count\n", argv[0]);
        return 2;
    }
    int f64 = argc > 6 && strcmp(argv[6], "float64") == 0;
    if (argc > 6 && !f64 && strcmp(argv[6], "float32") != 0) {
        fprintf(stderr, "%s: the dtype is float32 or float64\n", argv[0]);
        return 2;
    }
    float *x = malloc(N * sizeof *x), *g = malloc(N * sizeof *g), *out = malloc(N * sizeof *out);
    double *xd = malloc(N * sizeof *xd), *gd = malloc(N * sizeof *gd), *outd = malloc(N * sizeof *outd);
    if (x == NULL || g == NULL || out == NULL || xd == NULL || gd == NULL || outd == NULL)
        return 1;
    unsigned long long state = 1;
    for (int i = 0; i < N; i++) {
        if (hi == 0 && lo < 0) {   /* Box-Muller */
            double u1 = 1.0 - uniform(&state), u2 = uniform(&state);
            x[i] = (float)(-lo * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
        } else {
            x[i] = (float)(lo + (hi - lo) * uniform(&state));
        }
        g[i] = (float)(2.0 * uniform(&state) - 1.0);
        xd[i] = x[i];   /* float64: the same values */
        gd[i] = g[i];
    }
    double best = INFINITY;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        for (int c = 0; c < calls; c++) {
            if (f64)
                set->f64[fn](xd, gd, outd, N);
            else
                set->f32[fn](x, g, out, N);
        }
        double t = (now() - t0) / calls;
        best = t < best ? t : best;
    }
    const char *table = f64 ? "f64" : "f32";
    if (hi == 0 && lo < 0)
        printf("%s %s[%d], x normal with sd %g: %.3f ns an element\n", argv[1], table, fn, -lo, best / N * 1e9);
    else
        printf("%s %s[%d], x uniform on [%g, %g]: %.3f ns an element\n", argv[1], table, fn, lo, hi, best / N * 1e9);
    free(x);
    free(g);
    free(out);
    free(xd);
    free(gd);
    free(outd);
    return 0;
}
