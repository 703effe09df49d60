/*
 * gelu_array.c -- array loops over the kernels; compiled once per ISA.
 *
 * meson.build compiles this file with -DGELU_ISA=baseline, avx2 or avx512
 * and the matching -m flags; each build exports gelu_kernels_<ISA>
 * (gelu_array.h).  Every build runs the same per-element formulas
 * (narrow_*.h, dd_*.h), so they give the same bits; the ISA flags only
 * change how many elements go through at once.
 *
 * float32 loops work in blocks of BLOCK elements, in passes over small
 * local buffers, so that each pass is a simple loop the compiler vectorizes:
 *   1. widen x (and g) to double into local buffers.  The caller's arrays
 *      are read only here and `out` is written only in the last pass, so
 *      no pass has a possible alias between its loads and stores (in-place
 *      calls included) and no runtime overlap check.  A NaN x is replaced
 *      by 0 for the arithmetic, so no comparison sees a NaN (an ordered
 *      compare of a NaN raises "invalid"); its result, the scalar
 *      kernels' (see nan_or), is selected at the end.
 *   2. for the exact family, the Mills ratio M(y): a polynomial whose
 *      coefficients depend on the piece y falls in.  That per-element
 *      table lookup is the one thing compilers vectorize badly (gathers,
 *      often disabled by the cost model), so it has its own pass:
 *      AVX-512 selects the coefficients with two-table permutes, AVX2 with
 *      one-table permutes and blends, baseline in plain C.  Same
 *      operations in every case.
 *   3. the formula of narrow_exact.h / narrow_tanh.h, then one rounding
 *      to float32.
 * float64 loops are in gelu_array_f64.c.
 *
 * float16 goes element by element through this ISA's build of the scalar
 * kernels (gelu_scalar_isa.c); the kernel set at the end lists it all.
 *
 * Needs -fno-trapping-math to vectorize (GCC will not if-convert the selects
 * otherwise); that flag changes no result: every candidate is computed on
 * clamped, finite arguments, so speculation raises no flag either.
 */
#include "gelu_array.h"
#include "gelu_array_isa.h"

#include <math.h>
#include <stdint.h>

#include "narrow_exact.h"
#include "narrow_tanh.h"

#define GELU_KERNEL_SET GELU_CAT2(gelu_kernels, GELU_ISA)

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

/* 256 doubles per buffer: the six buffers (12 KiB) stay inside a 32 KiB L1. */
#define BLOCK 256

/* ---- pass 1 ------------------------------------------------------------ */

/* xd = x widened; xs = the same with NaN replaced by 0.  Later passes do
 * their arithmetic on xs (loaded from memory, so the compiler cannot
 * specialise a path where it is the constant 0, which defeats the
 * vectorizer) and use xd only to select the NaN result. */
static void widen(const float *x, double *xd, double *xs, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        double v = x[i];
        xd[i] = v;
        xs[i] = isnan(v) ? 0.0 : v;
    }
}

static void widen_g(const float *g, double *gd, ptrdiff_t n) {
    if (g == NULL) {            /* the unary gradient: g = 1 */
        for (ptrdiff_t i = 0; i < n; i++)
            gd[i] = 1.0;
        return;
    }
    for (ptrdiff_t i = 0; i < n; i++)
        gd[i] = g[i];
}

/* The scalar kernels' NaN result, x + x (x + g for the backward passes),
 * selected without computing it for other lanes (x + x could overflow
 * there).  For NaN x, x + g is x + x: IEEE hardware returns the first
 * operand's NaN, quieted, when both are NaN (x86 always; Arm too when
 * neither is signaling, and widening from float32 has quieted both).
 * Writing x + x keeps that exact NaN even where the vectorizer swaps the
 * operands of a commutative add. */
static inline double nan_or(double x, double r) {
    double xn = isnan(x) ? x : 0.0;
    return isnan(x) ? xn + xn : r;
}

/* The clamped |x| of either family, alone in its loop (see narrow_tanh_y). */
static void exact_y(const double *xs, double *y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++)
        y[i] = narrow_exact_y(xs[i]);
}

static void tanh_y(const double *xs, double *y, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++)
        y[i] = narrow_tanh_y(xs[i]);
}

static void normal_pdf(const double *y, double *pdf, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++)
        pdf[i] = narrow_normal_pdf(y[i]);
}

/* ---- pass 2: m[i] = M(y[i]), 0 <= y[i] <= 16 ----------------------------- */

#if defined(__AVX512F__)

/* Coefficient j of every piece laid out across lanes, so that one permute
 * (vpermt2pd, 16 entries from two registers) picks each lane's coefficient. */
#define MILLS_NC (GELU_NARROW_MILLS_DEG + 1)
_Static_assert(GELU_NARROW_MILLS_PIECES <= 16, "two-register permute holds 16 pieces");
typedef struct {
    __m512d coef[MILLS_NC][2], center[2], inv_h[2];
} mills_table;

static void mills_prepare(mills_table *tab) {
    double c[16];
    for (int j = 0; j < MILLS_NC; j++) {
        for (int i = 0; i < 16; i++)
            c[i] = gelu_narrow_mills_coef[i < GELU_NARROW_MILLS_PIECES ? i : 0][j];
        tab->coef[j][0] = _mm512_loadu_pd(c);
        tab->coef[j][1] = _mm512_loadu_pd(c + 8);
    }
    for (int i = 0; i < 16; i++)
        c[i] = gelu_mills_center[i < GELU_NARROW_MILLS_PIECES ? i : 0];
    tab->center[0] = _mm512_loadu_pd(c);
    tab->center[1] = _mm512_loadu_pd(c + 8);
    for (int i = 0; i < 16; i++)
        c[i] = gelu_mills_inv_h[i < GELU_NARROW_MILLS_PIECES ? i : 0];
    tab->inv_h[0] = _mm512_loadu_pd(c);
    tab->inv_h[1] = _mm512_loadu_pd(c + 8);
}

static void mills_block(const mills_table *tab, const double *y, double *m, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i += 8) {
        __mmask8 live = n - i >= 8 ? 0xff : (__mmask8)((1u << (n - i)) - 1);
        __m512d v = _mm512_maskz_loadu_pd(live, y + i);
        /* piece = number of breakpoints <= y, as in narrow_mills_piece */
        __m512i piece = _mm512_setzero_si512();
        for (int j = 0; j < GELU_NARROW_MILLS_PIECES - 1; j++) {
            __mmask8 ge = _mm512_cmp_pd_mask(v, _mm512_set1_pd(narrow_mills_breaks[j]), _CMP_GE_OQ);
            piece = _mm512_mask_add_epi64(piece, ge, piece, _mm512_set1_epi64(1));
        }
        __m512d center = _mm512_permutex2var_pd(tab->center[0], piece, tab->center[1]);
        __m512d inv_h = _mm512_permutex2var_pd(tab->inv_h[0], piece, tab->inv_h[1]);
        __m512d t = _mm512_mul_pd(_mm512_sub_pd(v, center), inv_h);
        const __m512d(*c)[2] = tab->coef;
        __m512d p = _mm512_permutex2var_pd(c[MILLS_NC - 1][0], piece, c[MILLS_NC - 1][1]);
        for (int j = MILLS_NC - 2; j >= 0; j--)
            p = _mm512_fmadd_pd(p, t, _mm512_permutex2var_pd(c[j][0], piece, c[j][1]));
        _mm512_mask_storeu_pd(m + i, live, p);
    }
}

#elif defined(__AVX2__) && defined(__FMA__)

/* AVX2 has no two-table permute of doubles, and gathers are slow on many
 * CPUs (AMD, and Intel since the 2023 "Downfall" microcode).  Instead, the
 * pieces go in groups of four, one register per coefficient and group, and
 * a lane's coefficient is picked from its group's register by vpermps (a
 * double is two floats: indices 2s and 2s + 1 for slot s), then from the
 * right group by blends. */
#define MILLS_NC (GELU_NARROW_MILLS_DEG + 1)
#define MILLS_GROUPS ((GELU_NARROW_MILLS_PIECES + 3) / 4)
typedef struct {
    __m256d coef[MILLS_NC][MILLS_GROUPS], center[MILLS_GROUPS], inv_h[MILLS_GROUPS];
} mills_table;

static __m256d mills_group(const double *column, ptrdiff_t stride, int group) {
    double c[4];
    for (int s = 0; s < 4; s++) {
        int piece = 4 * group + s;
        c[s] = column[(piece < GELU_NARROW_MILLS_PIECES ? piece : 0) * stride];
    }
    return _mm256_loadu_pd(c);
}

static void mills_prepare(mills_table *tab) {
    for (int g = 0; g < MILLS_GROUPS; g++) {
        for (int j = 0; j < MILLS_NC; j++)
            tab->coef[j][g] = mills_group(&gelu_narrow_mills_coef[0][j], MILLS_NC, g);
        tab->center[g] = mills_group(gelu_mills_center, 1, g);
        tab->inv_h[g] = mills_group(gelu_mills_inv_h, 1, g);
    }
}

/* Each lane's entry of a table of MILLS_GROUPS registers. */
static inline __m256d mills_pick(const __m256d *groups, __m256i slot, const __m256d *in_group) {
    __m256d r = _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(groups[0]), slot));
    for (int g = 1; g < MILLS_GROUPS; g++) {
        __m256d e = _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(groups[g]), slot));
        r = _mm256_blendv_pd(r, e, in_group[g]);
    }
    return r;
}

static void mills_block(const mills_table *tab, const double *y, double *m, ptrdiff_t n) {
    ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d v = _mm256_loadu_pd(y + i);
        __m256i piece = _mm256_setzero_si256();
        __m256d in_group[MILLS_GROUPS];  /* in_group[g]: piece >= 4 g (all ones) */
        for (int j = 0; j < GELU_NARROW_MILLS_PIECES - 1; j++) {
            __m256d ge = _mm256_cmp_pd(v, _mm256_set1_pd(narrow_mills_breaks[j]), _CMP_GE_OQ);
            piece = _mm256_sub_epi64(piece, _mm256_castpd_si256(ge));   /* true is -1 */
            if ((j + 1) % 4 == 0)
                in_group[(j + 1) / 4] = ge;
        }
        /* float indices 2s, 2s + 1 of slot s = piece mod 4, per 64-bit lane */
        __m256i s2 = _mm256_slli_epi64(_mm256_and_si256(piece, _mm256_set1_epi64x(3)), 1);
        __m256i slot = _mm256_or_si256(s2, _mm256_slli_epi64(_mm256_add_epi64(s2, _mm256_set1_epi64x(1)), 32));
        __m256d center = mills_pick(tab->center, slot, in_group);
        __m256d inv_h = mills_pick(tab->inv_h, slot, in_group);
        __m256d t = _mm256_mul_pd(_mm256_sub_pd(v, center), inv_h);
        __m256d p = mills_pick(tab->coef[MILLS_NC - 1], slot, in_group);
        for (int j = MILLS_NC - 2; j >= 0; j--)
            p = _mm256_fmadd_pd(p, t, mills_pick(tab->coef[j], slot, in_group));
        _mm256_storeu_pd(m + i, p);
    }
    for (; i < n; i++)
        m[i] = narrow_mills(y[i]);
}

#else

typedef struct { char unused; } mills_table;

static void mills_prepare(mills_table *tab) { (void)tab; }

static void mills_block(const mills_table *tab, const double *y, double *m, ptrdiff_t n) {
    (void)tab;
    for (ptrdiff_t i = 0; i < n; i++)
        m[i] = narrow_mills(y[i]);
}

#endif

/* ---- float32 loops -------------------------------------------------------- */

/* Local buffers of one block, on the stack (no allocation, thread-safe). */
typedef struct {
    double xd[BLOCK], xs[BLOCK], gd[BLOCK], y[BLOCK], pdf[BLOCK], m[BLOCK];
    mills_table tab;
} f32_buffers;

/* One block of k elements: pass 1 is done (xd, xs, gd); store into out. */
typedef void (*f32_block_fn)(f32_buffers *buf, float *out, ptrdiff_t k);

static void f32_blocks(f32_block_fn block, const float *x, const float *g, float *out, ptrdiff_t n) {
    f32_buffers buf;
    mills_prepare(&buf.tab);
    for (ptrdiff_t b = 0; b < n; b += BLOCK) {
        ptrdiff_t k = n - b < BLOCK ? n - b : BLOCK;
        widen(x + b, buf.xd, buf.xs, k);
        widen_g(g == NULL ? NULL : g + b, buf.gd, k);
        block(&buf, out + b, k);
    }
}

static void exact_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    exact_y(buf->xs, buf->y, k);
    normal_pdf(buf->y, buf->pdf, k);
    mills_block(&buf->tab, buf->y, buf->m, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double r = narrow_exact_value(buf->xs[i], buf->y[i], buf->pdf[i], buf->m[i]);
        out[i] = (float)nan_or(buf->xd[i], r);
    }
}

static void exact_grad_times_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    exact_y(buf->xs, buf->y, k);
    normal_pdf(buf->y, buf->pdf, k);
    mills_block(&buf->tab, buf->y, buf->m, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double r = narrow_exact_grad_times(buf->xs[i], buf->gd[i], buf->y[i], buf->pdf[i], buf->m[i]);
        out[i] = (float)nan_or(buf->xd[i], r);
    }
}

static void exact_grad2_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    exact_y(buf->xs, buf->y, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double y = buf->y[i];
        double r = narrow_exact_grad2(y, narrow_normal_pdf(y));
        out[i] = (float)nan_or(buf->xd[i], r);
    }
}

static void tanh_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    tanh_y(buf->xs, buf->y, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double xs = buf->xs[i];
        double r = narrow_tanh_value(xs, narrow_tanh_parts_of(buf->y[i]));
        out[i] = (float)nan_or(buf->xd[i], r);
    }
}

static void tanh_grad_times_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    tanh_y(buf->xs, buf->y, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double xs = buf->xs[i];
        double r = narrow_tanh_grad_times(xs, buf->gd[i], narrow_tanh_parts_of(buf->y[i]));
        out[i] = (float)nan_or(buf->xd[i], r);
    }
}

static void tanh_grad2_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    tanh_y(buf->xs, buf->y, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double xs = buf->xs[i];
        double r = narrow_tanh_grad2(xs, narrow_tanh_parts_of(buf->y[i]));
        out[i] = (float)nan_or(buf->xd[i], r);
    }
}

#define F32_ENTRY(name, block, binary)                                           \
    static void name(const void *x, const void *g, void *out, ptrdiff_t n) {    \
        f32_blocks(block, x, binary ? g : NULL, out, n);                         \
    }

F32_ENTRY(exact_f32, exact_block, 0)
F32_ENTRY(exact_grad_f32, exact_grad_times_block, 0)
F32_ENTRY(exact_grad2_f32, exact_grad2_block, 0)
F32_ENTRY(exact_backward_f32, exact_grad_times_block, 1)
F32_ENTRY(tanh_f32, tanh_block, 0)
F32_ENTRY(tanh_grad_f32, tanh_grad_times_block, 0)
F32_ENTRY(tanh_grad2_f32, tanh_grad2_block, 0)
F32_ENTRY(tanh_backward_f32, tanh_grad_times_block, 1)

const gelu_kernel_set GELU_KERNEL_SET = {
#define GELU_STR2(s) #s
#define GELU_STR(s) GELU_STR2(s)
    .isa = GELU_STR(GELU_ISA),
    .f32 = {exact_f32, exact_grad_f32, exact_grad2_f32, exact_backward_f32,
            tanh_f32, tanh_grad_f32, tanh_grad2_f32, tanh_backward_f32},
    .f64 = {GELU_F64(exact), GELU_F64(exact_grad), GELU_F64(exact_grad2), GELU_F64(exact_backward),
            GELU_F64(tanh), GELU_F64(tanh_grad), GELU_F64(tanh_grad2), GELU_F64(tanh_backward)},
    .narrow_unary = {GELU_SCALAR(exact_narrow), GELU_SCALAR(exact_grad_narrow), GELU_SCALAR(exact_grad2_narrow), NULL,
                     GELU_SCALAR(tanh_narrow), GELU_SCALAR(tanh_grad_narrow), GELU_SCALAR(tanh_grad2_narrow), NULL},
    .narrow_binary = {NULL, NULL, NULL, GELU_SCALAR(exact_backward_narrow),
                      NULL, NULL, NULL, GELU_SCALAR(tanh_backward_narrow)},
};
