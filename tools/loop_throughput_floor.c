/*
 * loop_throughput_floor.c -- how close the AVX-512 float32 loops of gelu
 * and gelu_backward run to the throughput that their instruction mix
 * allows on the CPU at hand.
 *
 * For each loop it times, on one core with the data in L1:
 *   loop: the kernel set's own loop (gelu_kernels_avx512), 2048 elements
 *         of x ~ N(0, 1) (g uniform on [-1, 1]) per call;
 *   mix:  the vector operations of one 16-lane step of that loop, by
 *         kind as `objdump -d` of the build lists them (27 for gelu, 51
 *         for gelu_backward, below), each reading only registers that
 *         nothing writes, so that none waits for another: the time the
 *         execution units need for them alone.  Register copies, which
 *         the core eliminates at rename, go before each permute, FMA and
 *         ternary-logic operation (it overwrites an input), and every
 *         permute takes its second table half from memory (the loops keep
 *         some halves in registers).
 * and prints both per 16 lanes and their ratio.  mix bounds what any
 * instruction order can reach with these operations; the gap between the
 * two is what scheduling (the compiler's or by hand) could still win, and
 * only fewer or cheaper operations go below mix.
 *
 * Build against a meson build directory (here build/), x86-64 with AVX-512:
 *   cc -O2 -Isrc/gelu/_kernels tools/loop_throughput_floor.c -Wl,--start-group \
 *      build/libgelu_array_*.a build/libgelu_scalar_*.a build/libgelu_kernels.a \
 *      -Wl,--end-group -lm -o loop_throughput_floor && ./loop_throughput_floor
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gelu_array.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One operation each, on registers 16-27 (results) from 28-31 (sources
 * nothing writes); the permutes first copy their table register (the
 * loops do, as a permute overwrites it) and read their second table half
 * from memory, as the compiled loops do. */
#define SUB(r) "vsubps %{rn-sae%}, %%zmm30, %%zmm31, %%zmm" #r "\n"
#define ADD(r) "vaddps %{rn-sae%}, %%zmm30, %%zmm31, %%zmm" #r "\n"
#define MUL(r) "vmulps %{rn-sae%}, %%zmm30, %%zmm31, %%zmm" #r "\n"
#define FMA(r) "vmovaps %%zmm29, %%zmm" #r "\n vfmadd231ps %{rn-sae%}, %%zmm30, %%zmm31, %%zmm" #r "\n"
#define PERM(r) "vmovaps %%zmm29, %%zmm" #r "\n vpermt2ps (%0), %%zmm28, %%zmm" #r "\n"
#define TERN(r) "vmovaps %%zmm29, %%zmm" #r "\n vpternlogd $0xB4, %%zmm30, %%zmm31, %%zmm" #r "\n"
#define AND(r) "vpandd %%zmm30, %%zmm31, %%zmm" #r "\n"
#define MAXP(r) "vmaxps %%zmm30, %%zmm31, %%zmm" #r "\n"
#define BLEND(r) "vblendmps %%zmm30, %%zmm31, %%zmm" #r "%{%%k1%}\n"
#define CMPU(k) "vpcmpud $1, %%zmm30, %%zmm31, %%k" #k "\n"
#define LOAD(r) "vmovups (%0), %%zmm" #r "\n"
#define STORE "vmovups %%zmm31, 64(%0)\n"

#define CLOBBER "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", \
                "xmm27", "k1", "k2", "k3", "k4", "eax", "memory"

/* exact_f32: 8 permutes, 10 multiplies or FMAs, 7 adds, subtracts or max,
 * an and, a compare, 1 load of x, 1 store (and the in-range mask's). */
__attribute__((target("avx512f"))) static void mix_forward(const float *mem, long iters) {
    for (long i = 0; i < iters; i++)
        __asm__ volatile(LOAD(16) AND(17) CMPU(1) FMA(18) FMA(19) PERM(20) PERM(21) PERM(22) SUB(23) FMA(24) PERM(25)
                         FMA(26) PERM(27) FMA(18) PERM(19) FMA(20) PERM(21) PERM(22) FMA(23) MUL(24) MAXP(25) SUB(26)
                         FMA(27) SUB(16) SUB(17) SUB(18) FMA(19) SUB(20) STORE "kmovw %%k1, 128(%0)\n"
                         : : "r"(mem) : CLOBBER);
}

/* exact_backward_f32: 8 permutes, 14 multiplies or FMAs, 18 adds or
 * subtracts, 2 ternary-logic, 2 ands, an xor and a blend (masked), 3
 * compares, a test, a sign-to-mask move, a mask or and a mask move; loads
 * of x and g, 1 store. */
__attribute__((target("avx512f"))) static void mix_backward(const float *mem, long iters) {
    for (long i = 0; i < iters; i++)
        __asm__ volatile(LOAD(16) LOAD(17) AND(18) AND(19) CMPU(1) CMPU(2) "vptestnmd %%zmm30, %%zmm30, %%k3\n"
                         "vpmovd2m %%zmm30, %%k4\n" "korw %%k1, %%k2, %%k3\n" CMPU(2) FMA(20) FMA(21)
                         "vxorps %%zmm30, %%zmm31, %%zmm22%{%%k4%}\n" PERM(23) PERM(24) PERM(25) SUB(26) FMA(27)
                         PERM(16) FMA(17) PERM(18) FMA(19) PERM(20) FMA(21) PERM(22) FMA(23) PERM(24) SUB(25) SUB(26)
                         ADD(27) SUB(16) SUB(17) BLEND(18) SUB(19) SUB(20) ADD(21) SUB(22) TERN(23) SUB(24) MUL(25)
                         SUB(26) FMA(27) FMA(16) MUL(17) FMA(18) ADD(19) FMA(20) SUB(21) SUB(22) SUB(23) SUB(24)
                         FMA(25) SUB(26) TERN(27) STORE "kmovw %%k3, %%eax\n"
                         : : "r"(mem) : CLOBBER);
}

typedef void (*mix_fn)(const float *, long);

static double best_ns_per_16(int fn, mix_fn mix, const float *x, const float *g, float *o, long n, const float *mem) {
    double best = 1e30;
    for (int rep = 0; rep < 15; rep++) {
        long calls = 4000, iters = calls * n / 16;
        double t0 = now();
        if (mix != NULL)
            mix(mem, iters);
        else
            for (long c = 0; c < calls; c++)
                gelu_kernels_avx512.f32[fn](x, g, o, n);
        double t = (now() - t0) / (double)iters * 1e9;
        if (t < best)
            best = t;
    }
    return best;
}

int main(void) {
    const long n = 2048;
    float *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g), *o = malloc(n * sizeof *o);
    static float mem[64] __attribute__((aligned(64)));
    srand(1);
    for (long i = 0; i < n; i++) {
        double u1 = (rand() + 1.0) / (RAND_MAX + 2.0), u2 = rand() / (RAND_MAX + 1.0);
        x[i] = (float)(sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
        g[i] = (float)(2 * (rand() / (RAND_MAX + 1.0)) - 1);
    }
    const struct { const char *name; int fn; mix_fn mix; } rows[] = {
        {"gelu (exact_f32)", GELU_FN_EXACT, mix_forward},
        {"gelu_backward (exact_backward_f32)", GELU_FN_EXACT_BACKWARD, mix_backward},
    };
    printf("%-36s %14s %14s %8s\n", "loop", "loop ns/16", "mix ns/16", "mix/loop");
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        double loop = best_ns_per_16(rows[r].fn, NULL, x, g, o, n, mem);
        double mix = best_ns_per_16(rows[r].fn, rows[r].mix, x, g, o, n, mem);
        printf("%-36s %8.3f (%4.2f Gelem/s) %8.3f (%4.2f Gelem/s) %6.0f %%\n", rows[r].name, loop, 16 / loop, mix,
               16 / mix, 100 * mix / loop);
    }
    free(x);
    free(g);
    free(o);
    return 0;
}
