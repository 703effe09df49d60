/*
 * gelu_array.c -- array loops over the kernels; compiled once per ISA.
 *
 * meson.build compiles this file with -DGELU_ISA=baseline, avx2 or avx512
 * and the matching -m flags; each build exports gelu_kernels_<ISA>
 * (gelu_array.h).  Every build runs the same per-element formulas
 * (f32_table.h, narrow_*.h, dd_*.h), so they give the same bits; the ISA
 * flags only change how many elements go through at once.
 *
 * Every float32 function uses the float32-arithmetic table kernels
 * (f32_table.h) where its inputs are in range, through f32_table_loop:
 * AVX-512 intrinsics (two-register permutes for the table lookups) in the
 * avx512 build; the C formula elsewhere, its lookups done first by
 * four-register permutes in the avx2 build.  Inputs outside the main
 * tables (|x| >= 4) are packed and go to f32_outside: the same formula on
 * the tail tables where 4 <= |x| < 6 (5.5 for the tanh formula), the
 * double loops below for the rest.
 *
 * The double loops (for the out-of-range inputs above) work in blocks of BLOCK elements, in passes over small
 * local buffers, so that each pass is a simple loop the compiler vectorizes:
 *   1. widen x (and g) to double into local buffers.  The caller's arrays
 *      are read only here and `out` is written only in the last pass, so
 *      no pass has a possible alias between its loads and stores (in-place
 *      calls included) and no runtime overlap check.  A NaN x is replaced
 *      by 0 for the arithmetic, so no comparison sees a NaN (an ordered
 *      compare of a NaN raises "invalid"); its result, the scalar
 *      kernels' (see nan_or), is selected at the end.
 *   2. for the exact family, |x| clamped, phi(|x|) and the Mills ratio
 *      M(|x|), each a pass of its own (see narrow_tanh_y for why the clamp
 *      is apart).
 *   3. the formula of narrow_exact.h / narrow_tanh.h, then one rounding
 *      to float32.
 * float64 loops are in gelu_array_f64.c.
 *
 * float16 and bfloat16 go through the float32 loops (float16 only where
 * one rounding of the float32 result is sure to be correctly rounded: the
 * caller computes the rest with this ISA's build of the scalar kernels,
 * gelu_scalar_isa.c); the kernel set at the end lists it all.
 *
 * Needs -fno-trapping-math to vectorize (GCC will not if-convert the selects
 * otherwise); that flag changes no result: every candidate is computed on
 * clamped, finite arguments, so speculation raises no flag either.
 */
#include "gelu_array.h"
#include "gelu_array_isa.h"

#include <fenv.h>
#include <math.h>
#include <stdint.h>

#include "f32_table.h"
#include "narrow_exact.h"
#include "narrow_tanh.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define GELU_F32_TABLE_AVX512 1
#endif

#define GELU_KERNEL_SET GELU_CAT2(gelu_kernels, GELU_ISA)

/* 64 doubles per buffer: the six buffers take 3 KiB of the caller's stack
 * (256 took 12 KiB and were no faster: docs/speed.md, "Stack"). */
#define BLOCK 64

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

/* m[i] = M(y[i]): one polynomial and a division, vectorized as it stands. */
static void mills(const double *y, double *m, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++)
        m[i] = narrow_mills(y[i]);
}

/* ---- float32 loops -------------------------------------------------------- */

/* Local buffers of one block, on the stack (no allocation, thread-safe). */
typedef struct {
    double xd[BLOCK], xs[BLOCK], gd[BLOCK], y[BLOCK], pdf[BLOCK], m[BLOCK];
} f32_buffers;

/* One block of k elements: pass 1 is done (xd, xs, gd); store into out. */
typedef void (*f32_block_fn)(f32_buffers *buf, float *out, ptrdiff_t k);

/* out may be x itself: each block is read in full before it is written. */
static void f32_blocks(f32_block_fn block, const float *x, const float *g, float *out, ptrdiff_t n) {
    f32_buffers buf;
    for (ptrdiff_t b = 0; b < n; b += BLOCK) {
        ptrdiff_t k = n - b < BLOCK ? n - b : BLOCK;
        widen(x + b, buf.xd, buf.xs, k);
        widen_g(g == NULL ? NULL : g + b, buf.gd, k);
        block(&buf, out + b, k);
    }
}

static void exact_grad_times_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    exact_y(buf->xs, buf->y, k);
    normal_pdf(buf->y, buf->pdf, k);
    mills(buf->y, buf->m, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double r = narrow_exact_grad_times(buf->xs[i], buf->gd[i], buf->y[i], buf->pdf[i], buf->m[i]);
        out[i] = (float)nan_or(buf->xd[i], r);
    }
    /* x < -16: the scalar kernel's tail (narrow_exact_backward_tail), which
     * differs from the clamped value only for huge |g|.  A call, so that the
     * compiler does not run the tail formula on other lanes. */
    for (ptrdiff_t i = 0; i < k; i++)
        if (buf->xs[i] < -NARROW_EXACT_TAIL_CLAMP)
            out[i] = (float)GELU_SCALAR(exact_backward_narrow)(buf->xs[i], buf->gd[i]);
}

static void exact_grad2_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    exact_y(buf->xs, buf->y, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double y = buf->y[i];
        double r = narrow_exact_grad2(buf->xs[i], y, narrow_normal_pdf(y));
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
    /* x < -12: the scalar kernel's tail, as in exact_grad_times_block. */
    for (ptrdiff_t i = 0; i < k; i++)
        if (buf->xs[i] < -NARROW_TANH_TAIL_CLAMP)
            out[i] = (float)GELU_SCALAR(tanh_backward_narrow)(buf->xs[i], buf->gd[i]);
}

static void tanh_grad2_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    tanh_y(buf->xs, buf->y, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double xs = buf->xs[i];
        double r = narrow_tanh_grad2(xs, narrow_tanh_parts_of(buf->y[i]));
        out[i] = (float)nan_or(buf->xd[i], r);
    }
}

/* ---- float32 GELU, exact and tanh: float32 arithmetic (f32_table.h) ------ */

/* The double-based loops above, for the inputs outside f32_table_in_range
 * (|x| >= 4, NaN): they get those inputs gathered into a buffer of their
 * own, so that many of them (wide-range data) still go through vectorized
 * code, and give the same bits as the scalar kernels. */
static void exact_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    exact_y(buf->xs, buf->y, k);
    normal_pdf(buf->y, buf->pdf, k);
    mills(buf->y, buf->m, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double r = narrow_exact_value(buf->xs[i], buf->y[i], buf->pdf[i], buf->m[i]);
        out[i] = (float)nan_or(buf->xd[i], r);
    }
}

static void tanh_block(f32_buffers *buf, float *out, ptrdiff_t k) {
    tanh_y(buf->xs, buf->y, k);
    for (ptrdiff_t i = 0; i < k; i++) {
        double r = narrow_tanh_value(buf->xs[i], narrow_tanh_parts_of(buf->y[i]));
        out[i] = (float)nan_or(buf->xd[i], r);
    }
}

/* Elements per block of the table loops; the out-of-range inputs of one
 * block are gathered, computed by the double loop, and put back.  The
 * loops keep their buffers on the caller's stack, which can be small (a
 * thread's: 128 KiB under musl, less where a program asks): the AVX-512
 * loops take 1024 (blocks of 256 or 512 cost them 2-40 %, the most for
 * wide inputs, on the per-block work of pass 2), the others 256, which
 * costs them nothing measurable and a quarter of the stack. */
#ifdef GELU_F32_TABLE_AVX512
#define TBLOCK 1024
#else
#define TBLOCK 256
#endif

/* Elements per block of the AVX-512 loop where it must copy its inputs
 * (an output that partly overlaps them): rare, so small copies. */
#define TBLOCK_COPY 256

/* Elements per call from which the AVX-512 float32 loop streams its
 * output (16 MiB: half the L3 of the machine measured, docs/speed.md). */
#define F32_STREAM_MIN ((ptrdiff_t)1 << 22)

#ifdef GELU_F32_TABLE_AVX512
/* A table held in registers: each 32-entry column as two halves, so that
 * a lookup of 16 indices is one two-register permute (no memory gather),
 * and the loop loads nothing but x. */
typedef struct {
    __m512 lo[GELU_F32_DEG + 3], hi[GELU_F32_DEG + 3];   /* centre, a, e[0..DEG] */
    __m512 alpha, beta, root_hi, root_mid, root_lo;
    __m512 y0;          /* the tail tables' index origin (0 for the main ones) */
    __m512i ymax_bits;
} f32_table_regs;

static GELU_ALWAYS_INLINE void f32_table_load(const gelu_f32_table *t, f32_table_regs *r) {
    const float *cols[GELU_F32_DEG + 3];
    cols[0] = t->centre;
    cols[1] = t->a;
    for (int k = 0; k <= GELU_F32_DEG; k++)
        cols[2 + k] = t->e[k];
    GELU_UNROLL
    for (int c = 0; c < GELU_F32_DEG + 3; c++) {
        r->lo[c] = _mm512_loadu_ps(cols[c]);
        r->hi[c] = _mm512_loadu_ps(cols[c] + 16);
        /* Opaque to the optimiser: otherwise GCC folds the (constant) table
         * back into memory operands and reloads all of it every iteration,
         * which makes the loop load-bound. */
        __asm__("" : "+v"(r->lo[c]), "+v"(r->hi[c]));
    }
    r->alpha = _mm512_set1_ps(t->alpha);
    r->beta = _mm512_set1_ps(t->beta);
    r->root_hi = _mm512_set1_ps(t->root[0]);
    r->root_mid = _mm512_set1_ps(t->root[1]);
    r->root_lo = _mm512_set1_ps(t->root[2]);
    r->y0 = _mm512_set1_ps(t->y0);
    r->ymax_bits = _mm512_set1_epi32((int)t->ymax_bits);
}

/* The lanes of |x| (bits u) in a table's range: |x| < 4, or for a tail
 * table (tail: a constant) 4 <= |x| < its ymax. */
static GELU_ALWAYS_INLINE __mmask16 f32_range16(const f32_table_regs *t, int tail, __m512i u) {
    __mmask16 below = _mm512_cmplt_epu32_mask(u, tail ? t->ymax_bits : _mm512_set1_epi32(GELU_F32_YMAX_BITS));
    return tail ? below & _mm512_cmpge_epu32_mask(u, _mm512_set1_epi32(GELU_F32_YMAX_BITS)) : below;
}

#define LUT(r, c, j) _mm512_permutex2var_ps((r)->lo[c], (j), (r)->hi[c])

/* f32_table_piece and f32_piece_eval on 16 lanes: the same operations in the same order. */
static GELU_ALWAYS_INLINE __m512 f32_table_lookup16(const f32_table_regs *t, int tail, __m512 y, __m512 *a) {
    const int R = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    /* f32_table_index: the low five bits of 2^23 + z s rounded toward zero
     * are floor(z s), and the permutes read only those (z = y - y0: y
     * itself for the main tables) */
    __m512 z = tail ? _mm512_sub_round_ps(y, t->y0, R) : y;
    __m512i j = _mm512_castps_si512(_mm512_fmadd_round_ps(z, _mm512_fmadd_round_ps(t->beta, z, t->alpha, R),
                                                          _mm512_set1_ps(0x1p23f), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC));
    __m512 d = _mm512_sub_round_ps(y, LUT(t, 0, j), R);
    __m512 e = LUT(t, 2 + GELU_F32_DEG, j);
    GELU_UNROLL
    for (int k = GELU_F32_DEG - 1; k >= 0; k--)
        e = _mm512_fmadd_round_ps(e, d, LUT(t, 2 + k, j), R);
    *a = LUT(t, 1, j);
    return e;
}

/* f32_table_value on 16 lanes: the same operations in the same order.
 * *in_range gets f32_table_in_range of each lane.  Every operation rounds
 * to nearest with exceptions suppressed (AVX-512 embedded rounding): the
 * lanes out of range are computed unclamped (their results are replaced)
 * without raising a flag, which saves the clamps; the formulas assume
 * round-to-nearest anyway, whatever the caller's rounding mode. */
static GELU_ALWAYS_INLINE __m512 f32_table_value16(const f32_table_regs *t, int tail, __m512 x, __mmask16 *in_range) {
    const int R = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    __m512i u = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff));
    *in_range = f32_range16(t, tail, u);
    __m512 y = _mm512_castsi512_ps(u);
    __m512 a;
    __m512 e = f32_table_lookup16(t, tail, y, &a);
    __m512 p = _mm512_mul_round_ps(y, a, R);
    __m512 p_lo = _mm512_fmsub_round_ps(y, a, p, R);
    /* h = x for x >= 0 (+0 included), -0 for x < 0 */
    __m512 h = _mm512_max_round_ps(_mm512_set1_ps(-0.0f), x, _MM_FROUND_NO_EXC);
    __m512 s = _mm512_sub_round_ps(h, p, R);
    __m512 err = _mm512_sub_round_ps(_mm512_sub_round_ps(h, s, R), p, R);
    return _mm512_sub_round_ps(s, _mm512_fmadd_round_ps(y, e, _mm512_sub_round_ps(p_lo, err, R), R), R);
}

/* f32_grad_g_ok (tail: the tail tables' range of g, f32_grad_tail_in_range) */
static GELU_ALWAYS_INLINE __mmask16 f32_grad_g_ok16(int tail, __m512 g) {
    __m512i u = _mm512_and_si512(_mm512_castps_si512(g), _mm512_set1_epi32(0x7fffffff));
    __mmask16 mid = _mm512_cmpge_epu32_mask(u, _mm512_set1_epi32(tail ? GELU_F32_TAIL_G_MIN_BITS : GELU_F32_G_MIN_BITS))
                  & _mm512_cmple_epu32_mask(u, _mm512_set1_epi32(GELU_F32_G_MAX_BITS));
    return mid | _mm512_cmpeq_epu32_mask(u, _mm512_setzero_si512());
}

/* f32_grad_value on 16 lanes: the same values in the same order (see
 * f32_table_value16 for the rounding controls), with two rewrites that
 * give the same bits in fewer operations and registers (marked below;
 * two vector operations fewer per 16 lanes, 3-4 % faster on one thread
 * in an interleaved timing of the two builds). */
static GELU_ALWAYS_INLINE __m512 f32_grad_value16(const f32_table_regs *t, int tail, __m512 x, __m512 g,
                                                  __mmask16 *in_range) {
    const int R = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    const __m512 neg0 = _mm512_set1_ps(-0.0f);
    __m512i u = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff));
    __mmask16 g_ok = f32_grad_g_ok16(tail, g);
    *in_range = f32_range16(t, tail, u) & g_ok;
    __m512 y = _mm512_castsi512_ps(u);
    __m512 a;
    __m512 e = f32_table_lookup16(t, tail, y, &a);
    __m512 s = _mm512_sub_round_ps(y, t->root_hi, R);
    __m512 bb = _mm512_sub_round_ps(s, y, R);
    /* -root_hi - bb of the C formula as -(root_hi + bb): the same value
     * under round to nearest, without a register for -root_hi */
    __m512 e1 = _mm512_sub_round_ps(_mm512_sub_round_ps(y, _mm512_sub_round_ps(s, bb, R), R),
                                    _mm512_add_round_ps(t->root_hi, bb, R), R);
    __m512 tt = _mm512_sub_round_ps(e1, t->root_mid, R);
    __m512 dh = _mm512_add_round_ps(s, tt, R);
    __m512 dl = _mm512_sub_round_ps(_mm512_sub_round_ps(tt, _mm512_sub_round_ps(dh, s, R), R), t->root_lo, R);
    __mmask16 neg = _mm512_movepi32_mask(_mm512_castps_si512(x));
    __m512 m = _mm512_mask_xor_ps(g, neg, g, neg0);
    __m512 h = _mm512_mask_mov_ps(g, neg, neg0);
    __m512 uh = _mm512_mul_round_ps(m, dh, R);
    __m512 ul = _mm512_fmadd_round_ps(m, dl, _mm512_fmsub_round_ps(m, dh, uh, R), R);
    __m512 p = _mm512_mul_round_ps(uh, a, R);
    __m512 p_lo = _mm512_fmsub_round_ps(uh, a, p, R);
    __m512 c = _mm512_fmadd_round_ps(ul, _mm512_add_round_ps(a, e, R), p_lo, R);
    __m512 s2 = _mm512_sub_round_ps(h, p, R);
    __m512 err = _mm512_sub_round_ps(_mm512_sub_round_ps(h, s2, R), p, R);
    __m512 r = _mm512_sub_round_ps(s2, _mm512_fmadd_round_ps(uh, e, _mm512_sub_round_ps(c, err, R), R), R);
    /* g = +-0: r is +-0 there, and its sign must be g's, flipped where
     * grad(x) < 0 (x < 0 and dh > 0; dh is never 0).  In range and g != 0,
     * r is normal and within an ulp, so it has that sign already: the sign
     * bit of g ^ (x & ~dh), one ternary-logic operation, goes on every lane. */
    __m512i sign = _mm512_ternarylogic_epi32(_mm512_castps_si512(g), _mm512_castps_si512(x), _mm512_castps_si512(dh),
                                             0xB4);
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(r), sign, _mm512_set1_epi32(INT32_MIN),
                                                         0xD8));
}

/* The function's value on 16 lanes from a table held in registers: GELU
 * (grad 0), g grad(x) (grad 1) or grad2(x), the gradient kernel at -|x|
 * with g = 1 (grad 2); *in_range as f32_table_value16 gives it. */
static GELU_ALWAYS_INLINE __m512 f32_value16(const f32_table_regs *t, int tail, int grad, __m512 x, __m512 g,
                                            __mmask16 *in_range) {
    if (!grad)
        return f32_table_value16(t, tail, x, in_range);
    return f32_grad_value16(t, tail, grad == 2 ? _mm512_or_ps(x, _mm512_set1_ps(-0.0f)) : x, g, in_range);
}

/* f32_saturated on 16 lanes (sat: the table's sat_bits). */
static GELU_ALWAYS_INLINE __mmask16 f32_saturated16(__m512i sat, int grad, __m512 x, __m512 g) {
    const __m512i inf = _mm512_set1_epi32((int)GELU_F32_INF_BITS);
    __m512i u = _mm512_castps_si512(x);
    __mmask16 right = _mm512_cmpge_epu32_mask(u, sat) & _mm512_cmple_epu32_mask(u, inf);
    if (!grad)
        return right;
    __m512i gu = _mm512_and_si512(_mm512_castps_si512(g), _mm512_set1_epi32(0x7fffffff));
    return right & ((_mm512_cmpge_epu32_mask(gu, _mm512_set1_epi32((int)GELU_F32_MIN_NORMAL_BITS))
                     & _mm512_cmple_epu32_mask(gu, inf))
                    | _mm512_cmpeq_epu32_mask(gu, _mm512_setzero_si512()));
}

/* Packed lanes from which f32_far looks for saturated ones: with fewer,
 * that pass and the expansions cost more than the double loop saves (its
 * cost is mostly per call), and each result is put back by its index.
 * x uniform on [-8, 8] packs about 256 of 1024, x normal with a standard
 * deviation of 3 about 47. */
#define F32_FAR_DENSE 128

/* The second half of f32_outside, for its nfar > 0 packed lanes far_x and
 * far_g (far_at: their positions in res; far_lanes: which lanes of each 16
 * of res they came from).  Where there are many, the lanes where the
 * function saturates (f32_saturated) get its limit, and only the rest go
 * to the double loop `narrow`, packed again in place at the front of far_x
 * and far_g (each store lands on positions already read); both are
 * expanded back over their lanes.  Not inlined: a call, only when some
 * lane needs it, keeps f32_table_loop's own loops as lean as they were. */
static GELU_NOINLINE void f32_far(uint32_t sat_bits, int grad, f32_block_fn narrow, int has_g, float *far_x,
                                  float *far_g, const int32_t *far_at, const __mmask16 *far_lanes, ptrdiff_t nfar,
                                  float *res, ptrdiff_t n) {
    if (nfar < F32_FAR_DENSE) {
        f32_blocks(narrow, far_x, has_g ? far_g : NULL, far_x, nfar);   /* in place */
        for (ptrdiff_t k = 0; k < nfar; k++)
            res[far_at[k]] = far_x[k];
        return;
    }
    float far_res[TBLOCK + 32];   /* read 16 at a time from positions up to nfar <= TBLOCK + 16 */
    __mmask16 rest_lanes[(TBLOCK + 32) / 16];
    const __m512i sat = _mm512_set1_epi32((int)sat_bits);
    ptrdiff_t nrest = 0;
    for (ptrdiff_t k = 0; k < nfar; k += 16) {
        __mmask16 live = nfar - k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (nfar - k)) - 1u);
        __m512 xv = _mm512_loadu_ps(far_x + k), gv = _mm512_loadu_ps(far_g + k);
        /* the second derivatives do not saturate */
        __mmask16 limit = grad == 2 ? 0 : live & f32_saturated16(sat, grad, xv, gv);
        _mm512_storeu_ps(far_res + k, grad ? gv : xv);   /* the limit, kept where saturated */
        __mmask16 rest = live & (__mmask16)~limit;
        _mm512_storeu_ps(far_x + nrest, _mm512_maskz_compress_ps(rest, xv));
        _mm512_storeu_ps(far_g + nrest, _mm512_maskz_compress_ps(rest, gv));
        rest_lanes[k / 16] = rest;
        nrest += __builtin_popcount(rest);
    }
    if (nrest > 0) {
        f32_blocks(narrow, far_x, has_g ? far_g : NULL, far_x, nrest);   /* in place */
        for (ptrdiff_t k = 0, pos = 0; k < nfar; k += 16) {
            __mmask16 rest = rest_lanes[k / 16];
            _mm512_mask_storeu_ps(far_res + k, rest, _mm512_maskz_expand_ps(rest, _mm512_loadu_ps(far_x + pos)));
            pos += __builtin_popcount(rest);
        }
    }
    for (ptrdiff_t i = 0, pos = 0; i < n; i += 16) {
        __mmask16 far = far_lanes[i / 16];
        _mm512_mask_storeu_ps(res + i, far, _mm512_maskz_expand_ps(far, _mm512_loadu_ps(far_res + pos)));
        pos += __builtin_popcount(far);
    }
}

/* Results for n <= TBLOCK + 16 inputs outside the main tables' range, as
 * f32_table_loop packs them: those in the tail table's range by its
 * formula, 16 lanes at a time with no branch on the data; the others are
 * packed for f32_far.  (Testing for saturation there, on the packed lanes
 * only, keeps it off the tail formula's loop, where it cost 6 %.)  g NULL:
 * g = 1; grad as in f32_table_loop. */
static GELU_ALWAYS_INLINE void f32_outside(const gelu_f32_table *tail, int grad, f32_block_fn narrow,
                                           const float *x, const float *g, float *res, ptrdiff_t n) {
    /* f32_far reads 16 at a time from positions below n <= TBLOCK + 16 */
    float far_x[TBLOCK + 32], far_g[TBLOCK + 32];
    /* positions, read only where nfar < F32_FAR_DENSE: later ones are
     * written over the last 16 */
    int32_t far_at[F32_FAR_DENSE + 16];
    __mmask16 far_lanes[(TBLOCK + 32) / 16];
    f32_table_regs regs;
    f32_table_load(tail, &regs);
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    ptrdiff_t nfar = 0;
    for (ptrdiff_t i = 0; i < n; i += 16) {
        __mmask16 live = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1u);
        __m512 xv = _mm512_maskz_loadu_ps(live, x + i);
        __m512 gv = g != NULL ? _mm512_mask_loadu_ps(one, live, g + i) : one;
        __mmask16 in;
        __m512 r = f32_value16(&regs, 1, grad, xv, gv, &in);
        _mm512_mask_storeu_ps(res + i, live, r);
        __mmask16 far = live & (__mmask16)~in;
        _mm512_storeu_ps(far_x + nfar, _mm512_maskz_compress_ps(far, xv));
        _mm512_storeu_ps(far_g + nfar, _mm512_maskz_compress_ps(far, gv));
        _mm512_storeu_si512(far_at + (nfar < F32_FAR_DENSE ? nfar : F32_FAR_DENSE),
                            _mm512_maskz_compress_epi32(far, _mm512_add_epi32(lanes, _mm512_set1_epi32((int32_t)i))));
        far_lanes[i / 16] = far;
        nfar += __builtin_popcount(far);
    }
    if (nfar > 0)
        f32_far(tail->sat_bits, grad, narrow, g != NULL, far_x, far_g, far_at, far_lanes, nfar, res, n);
}

/* Whether n-element float arrays at a and b share memory without being
 * the same elements (out = x exactly is in place). */
static inline int f32_partial_overlap(const float *a, const float *b, ptrdiff_t n) {
    return a != b && (uintptr_t)a < (uintptr_t)(b + n) && (uintptr_t)b < (uintptr_t)(a + n);
}

/* Pass 1 of f32_table_loop for one vector v of a block (its inputs xv, gv,
 * results r, in-range lanes in): the results stored, and the block's
 * record of which lanes pass 2 must do. */
typedef struct {
    float *out;                /* the block's first output */
    float *bad_x, *bad_g;      /* dense blocks: the lanes out of range, packed */
    __mmask16 *ok;             /* per vector, its lanes in range */
    ptrdiff_t nbad;            /* packed so far */
    uint64_t bad_vectors;      /* bit v: vector v has a lane out of range */
    int dense, stream, keep_g, has_g;
} f32_pass1;

static GELU_ALWAYS_INLINE void f32_pass1_store(f32_pass1 *p, ptrdiff_t v, __m512 xv, __m512 gv, __m512 r,
                                               __mmask16 in) {
    float *o = p->out + 16 * v;
    if (p->dense) {   /* the same for the whole block: a predictable branch */
        __mmask16 off = (__mmask16)~in;
        _mm512_storeu_ps(p->bad_x + p->nbad, _mm512_maskz_compress_ps(off, xv));
        if (p->has_g)
            _mm512_storeu_ps(p->bad_g + p->nbad, _mm512_maskz_compress_ps(off, gv));
        p->nbad += __builtin_popcount(off);
        /* after the packing: in place, x is gone */
        if (p->stream)
            _mm512_stream_ps(o, r);
        else
            _mm512_storeu_ps(o, r);
    } else if (p->stream) {
        _mm512_stream_ps(o, _mm512_mask_mov_ps(p->keep_g ? gv : xv, in, r));
    } else {
        _mm512_mask_storeu_ps(o, in, r);
    }
    p->ok[v] = in;
    p->bad_vectors |= (uint64_t)(in != 0xFFFF) << v;
}

/* Per block, two passes with no branch that depends on the data inside the
 * block (a branch per 16 lanes on whether any input is out of range costs
 * more than the formula itself when that is about an even bet, as for
 * x with a standard deviation of 2):
 *   1. the fast formula on 16 lanes at a time, stored on the lanes in
 *      range by a masked store (or, for large outputs, as whole vectors
 *      by a non-temporal store, which has no masked form), the in-range
 *      masks kept;
 *   2. only if some lane was out of range: those lanes' x (and g) packed
 *      from the inputs, the double loop on them, and its results expanded
 *      back over their lanes, again for every vector whatever its mask.
 * Pass 1 leaves the lanes out of range as they were, or stores their
 * input's value there (g's where out is g, else x's), so an in-place call
 * (out = x or out = g) still finds its inputs in pass 2; an output that
 * partly overlaps an input (NumPy passes out = y[:-1] with x = y[1:]
 * uncopied) could overwrite them, so then the block's inputs are copied
 * first.  No call in the first pass, so the table stays in registers.
 * grad: 1 for g * grad(x) from a gradient table (g NULL: g = 1), 2 for
 * grad2(x) from a second-derivative table (the gradient kernel at -|x|,
 * g = 1), 0 for GELU(x); a constant wherever this is inlined. */
static GELU_ALWAYS_INLINE void f32_table_loop(const gelu_f32_table *t, const gelu_f32_table *tail, int grad,
                                              f32_block_fn narrow, const float *x, const float *g, float *out,
                                              ptrdiff_t n) {
    __mmask16 ok[TBLOCK / 16];
    float bad_x[TBLOCK + 16], bad_g[TBLOCK + 16], res[TBLOCK + 16];
    float x_copy[TBLOCK_COPY], g_copy[TBLOCK_COPY];
    f32_table_regs regs;
    f32_table_load(t, &regs);
    const __m512 one = _mm512_set1_ps(1.0f);
    int copy = f32_partial_overlap(x, out, n) || (grad == 1 && g != NULL && f32_partial_overlap(g, out, n));
    int dense = 0;
    ptrdiff_t b = 0;
    /* Up to 15 elements one by one so that `out` is 64-byte aligned:
     * stores that straddle two cache lines cost two (NumPy aligns to 16). */
    ptrdiff_t head = 0;
    while (head < n && head < 15 && ((uintptr_t)(out + head) & 63) != 0)
        head++;
    /* Where pass 1 streams whole vectors, the lanes out of range get what
     * pass 2 must still find there in an in-place call: g's value where out
     * is g, else x's (out is x, or the lane is overwritten anyway). */
    const int keep_g = grad == 1 && g != NULL && out == g;
    /* Large outputs (per call: per thread) go out by non-temporal stores,
     * which skip reading each line of `out` into the cache before writing
     * it: at 1e7 elements on two threads the loops are bound by memory
     * traffic, of which that read is a third for GELU (x read, the result
     * written) and a quarter for a backward pass (x and g).  Only with
     * `out` 64-byte aligned from `head` on (NumPy may pass unaligned data). */
    const int stream = n >= F32_STREAM_MIN && ((uintptr_t)(out + head) & 63) == 0;
    while (b < n) {
        ptrdiff_t kmax = copy ? TBLOCK_COPY : TBLOCK;
        ptrdiff_t k = b == 0 && head > 0 ? head : (n - b < kmax ? n - b : kmax);
        ptrdiff_t nv = k / 16;
        const float *xb = x + b, *gb = g != NULL ? g + b : NULL;
        if (copy) {
            xb = memcpy(x_copy, xb, (size_t)k * sizeof *xb);
            if (grad == 1 && g != NULL)
                gb = memcpy(g_copy, gb, (size_t)k * sizeof *gb);
        }
        f32_pass1 p1 = {out + b, bad_x, bad_g, ok, 0, 0, dense, stream, keep_g, grad == 1 && g != NULL};
        ptrdiff_t v = 0;
        /* Two vectors at a time, both computed before either is stored:
         * one basic block with two independent chains, which the compiler
         * interleaves (meson.build schedules this file's instructions
         * before register allocation), so the core finds more work to
         * overlap (10-13 % faster gradients and backward passes, 3 %
         * faster GELU, docs/speed.md). */
        for (; v + 1 < nv; v += 2) {
            __m512 xv0 = _mm512_loadu_ps(xb + 16 * v), xv1 = _mm512_loadu_ps(xb + 16 * v + 16);
            __m512 gv0 = p1.has_g ? _mm512_loadu_ps(gb + 16 * v) : one;
            __m512 gv1 = p1.has_g ? _mm512_loadu_ps(gb + 16 * v + 16) : one;
            __mmask16 in0, in1;
            __m512 r0 = f32_value16(&regs, 0, grad, xv0, gv0, &in0);
            __m512 r1 = f32_value16(&regs, 0, grad, xv1, gv1, &in1);
            f32_pass1_store(&p1, v, xv0, gv0, r0, in0);
            f32_pass1_store(&p1, v + 1, xv1, gv1, r1, in1);
        }
        if (v < nv) {
            __m512 xv = _mm512_loadu_ps(xb + 16 * v);
            __m512 gv = p1.has_g ? _mm512_loadu_ps(gb + 16 * v) : one;
            __mmask16 in;
            __m512 r = f32_value16(&regs, 0, grad, xv, gv, &in);
            f32_pass1_store(&p1, v, xv, gv, r, in);
        }
        uint64_t bad_vectors = p1.bad_vectors;
        ptrdiff_t nbad = p1.nbad;
        int tail_bad = 0;
        unsigned char tail_in[16];
        int underflow = gelu_table_flags_save();
        for (ptrdiff_t i = 16 * nv; i < k; i++) {    /* the last few, one by one */
            float xi = xb[i], gi = grad == 1 && g != NULL ? gb[i] : 1.0f;
            float xk = grad == 2 ? -fabsf(xi) : xi;
            tail_in[i - 16 * nv] = (unsigned char)(grad ? f32_grad_in_range(xk, gi) : f32_table_in_range(xi));
            if (tail_in[i - 16 * nv])
                out[b + i] = grad ? f32_grad_value(t, xk, gi) : f32_table_value(t, xi);
            else
                tail_bad = 1;
        }
        gelu_table_flags_restore(underflow);
        if (bad_vectors != 0 || tail_bad) {
            for (uint64_t m = dense ? 0 : bad_vectors; m != 0; m &= m - 1) {
                ptrdiff_t v = __builtin_ctzll(m);
                __mmask16 off = (__mmask16)~ok[v];
                _mm512_storeu_ps(bad_x + nbad, _mm512_maskz_compress_ps(off, _mm512_loadu_ps(xb + 16 * v)));
                if (grad == 1 && g != NULL)
                    _mm512_storeu_ps(bad_g + nbad, _mm512_maskz_compress_ps(off, _mm512_loadu_ps(gb + 16 * v)));
                nbad += __builtin_popcount(off);
            }
            for (ptrdiff_t i = 16 * nv; i < k; i++)
                if (!tail_in[i - 16 * nv]) {
                    bad_x[nbad] = xb[i];
                    bad_g[nbad++] = grad == 1 && g != NULL ? gb[i] : 1.0f;
                }
            f32_outside(tail, grad, narrow, bad_x, grad == 1 && g != NULL ? bad_g : NULL, res, nbad);
            f32_table_load(t, &regs);
            ptrdiff_t pos = 0;
            for (uint64_t m = bad_vectors; m != 0; m &= m - 1) {
                ptrdiff_t v = __builtin_ctzll(m);
                __mmask16 off = (__mmask16)~ok[v];
                _mm512_mask_storeu_ps(out + b + 16 * v, off, _mm512_maskz_expand_ps(off, _mm512_loadu_ps(res + pos)));
                pos += __builtin_popcount(off);
            }
            for (ptrdiff_t i = 16 * nv; i < k; i++)
                if (!tail_in[i - 16 * nv])
                    out[b + i] = res[pos++];
        }
        /* Dense blocks (most vectors with a lane out of range, as for x of
         * standard deviation 3): there the branch of a packing in pass 1
         * is predictable and cheaper than pass 2's second look at the
         * inputs, so the next block packs in pass 1. */
        dense = 4 * __builtin_popcountll(bad_vectors) >= 3 * nv && nv > 0;
        b += k;
    }
    if (stream)
        _mm_sfence();   /* the streamed stores visible before the caller (or pool) goes on */
}
#else
#if defined(__AVX2__)
#include <immintrin.h>

/* A table's pieces as rows of 8 floats, [centre, a, e[0..5]]: one
 * 32-byte row per piece, so that the AVX2 loops read a lane's whole piece
 * from one place (transposed from the columns, four 8 x 8 blocks). */
typedef struct {
    _Alignas(32) float row[GELU_F32_PIECES][GELU_F32_DEG + 3];
} f32_table_rows;

/* The 8 x 8 transpose of r[0..7] in place (AVX: unpacks, shuffles and
 * 128-bit swaps). */
static GELU_ALWAYS_INLINE void f32_transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int k = 0; k < 4; k++) {
        t[2 * k] = _mm256_unpacklo_ps(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm256_unpackhi_ps(r[2 * k], r[2 * k + 1]);
    }
    for (int k = 0; k < 2; k++) {
        u[4 * k] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
        u[4 * k + 1] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
        u[4 * k + 2] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
        u[4 * k + 3] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
    }
    for (int k = 0; k < 4; k++) {
        r[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
        r[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
    }
}

static void f32_rows_from_table(const gelu_f32_table *t, f32_table_rows *rows) {
    const float *cols[GELU_F32_DEG + 3] = {t->centre, t->a};
    for (int c = 0; c <= GELU_F32_DEG; c++)
        cols[2 + c] = t->e[c];
    for (int b = 0; b < GELU_F32_PIECES; b += 8) {
        __m256 r[8];
        for (int c = 0; c < 8; c++)
            r[c] = _mm256_loadu_ps(cols[c] + b);
        f32_transpose8(r);
        for (int k = 0; k < 8; k++)
            _mm256_store_ps(rows->row[b + k], r[k]);
    }
}

/* The columns of 8 lanes' pieces j[0..7] (avx2 set): col[0] centre,
 * col[1] a, col[2 + k] e[k].  Each row is read as two 16-byte halves into
 * the halves of 256-bit registers and transposed in the 128-bit lanes (16
 * shuffles for 64 values).  The table reads of the plain C loop become
 * gathers, which are slow on some CPUs (Zen 4), and a lookup by register
 * permutes (four vpermps and three blends a column) costs more. */
static GELU_ALWAYS_INLINE void f32_rows_lookup8(const f32_table_rows *rows, const int32_t j[8], __m256 col[8]) {
    __m256 q[8];   /* q[k]: columns 0-3 of rows k | k + 4; q[4 + k]: columns 4-7 */
    GELU_UNROLL
    for (int k = 0; k < 4; k++) {
        const float *r0 = rows->row[j[k]], *r1 = rows->row[j[k + 4]];
        q[k] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_load_ps(r0)), _mm_load_ps(r1), 1);
        q[4 + k] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_load_ps(r0 + 4)), _mm_load_ps(r1 + 4), 1);
    }
    GELU_UNROLL
    for (int h = 0; h < 8; h += 4) {
        __m256 t0 = _mm256_unpacklo_ps(q[h], q[h + 1]), t1 = _mm256_unpackhi_ps(q[h], q[h + 1]);
        __m256 t2 = _mm256_unpacklo_ps(q[h + 2], q[h + 3]), t3 = _mm256_unpackhi_ps(q[h + 2], q[h + 3]);
        col[h] = _mm256_shuffle_ps(t0, t2, 0x44);
        col[h + 1] = _mm256_shuffle_ps(t0, t2, 0xEE);
        col[h + 2] = _mm256_shuffle_ps(t1, t3, 0x44);
        col[h + 3] = _mm256_shuffle_ps(t1, t3, 0xEE);
    }
}

/* f32_table_value and f32_grad_value (grad 1, g; grad 2, g = 1 at x
 * already -|x|) on 8 lanes, for x (and g) in the main table's range:
 * f32_table.h's operations in the same order, with the piece of each lane
 * from its row.  Rounding as the C formula's: the caller's mode, to
 * nearest in practice. */
static GELU_ALWAYS_INLINE __m256 f32_value8(const gelu_f32_table *t, const f32_table_rows *rows, int grad,
                                            const int32_t j[8], __m256 x, __m256 g) {
    const __m256 neg0 = _mm256_set1_ps(-0.0f);
    __m256 y = _mm256_andnot_ps(neg0, x);
    __m256 col[8];
    f32_rows_lookup8(rows, j, col);
    /* f32_piece_eval */
    __m256 d = _mm256_sub_ps(y, col[0]);
    __m256 e = col[2 + GELU_F32_DEG];
    GELU_UNROLL
    for (int k = GELU_F32_DEG - 1; k >= 0; k--)
        e = _mm256_fmadd_ps(e, d, col[2 + k]);
    __m256 a = col[1];
    if (!grad) {   /* f32_table_value_at */
        __m256 p = _mm256_mul_ps(y, a);
        __m256 p_lo = _mm256_fmsub_ps(y, a, p);
        __m256 h = _mm256_blendv_ps(y, neg0, x);   /* -0 where x's sign bit is set */
        __m256 s = _mm256_sub_ps(h, p);
        __m256 err = _mm256_sub_ps(_mm256_sub_ps(h, s), p);
        return _mm256_sub_ps(s, _mm256_fmadd_ps(y, e, _mm256_sub_ps(p_lo, err)));
    }
    /* f32_grad_value_at */
    __m256 r0 = _mm256_set1_ps(t->root[0]);
    __m256 s = _mm256_sub_ps(y, r0);
    __m256 bb = _mm256_sub_ps(s, y);
    __m256 e1 = _mm256_add_ps(_mm256_sub_ps(y, _mm256_sub_ps(s, bb)), _mm256_sub_ps(_mm256_xor_ps(r0, neg0), bb));
    __m256 tt = _mm256_sub_ps(e1, _mm256_set1_ps(t->root[1]));
    __m256 dh = _mm256_add_ps(s, tt);
    __m256 dl = _mm256_sub_ps(_mm256_sub_ps(tt, _mm256_sub_ps(dh, s)), _mm256_set1_ps(t->root[2]));
    __m256 m = _mm256_blendv_ps(g, _mm256_xor_ps(g, neg0), x);
    __m256 h = _mm256_blendv_ps(g, neg0, x);
    __m256 uh = _mm256_mul_ps(m, dh);
    __m256 ul = _mm256_fmadd_ps(m, dl, _mm256_fmsub_ps(m, dh, uh));
    __m256 p = _mm256_mul_ps(uh, a);
    __m256 p_lo = _mm256_fmsub_ps(uh, a, p);
    __m256 c = _mm256_fmadd_ps(ul, _mm256_add_ps(a, e), p_lo);
    __m256 s2 = _mm256_sub_ps(h, p);
    __m256 err = _mm256_sub_ps(_mm256_sub_ps(h, s2), p);
    __m256 r = _mm256_sub_ps(s2, _mm256_fmadd_ps(uh, e, _mm256_sub_ps(c, err)));
    /* g = +-0: g, its sign flipped where x < 0 and dh > 0 */
    __m256 flip = _mm256_and_ps(_mm256_and_ps(x, neg0), _mm256_cmp_ps(dh, _mm256_setzero_ps(), _CMP_GT_OQ));
    __m256 zr = _mm256_xor_ps(g, _mm256_and_ps(flip, neg0));
    __m256 g_zero = _mm256_cmp_ps(_mm256_andnot_ps(neg0, g), _mm256_setzero_ps(), _CMP_EQ_OQ);
    return _mm256_blendv_ps(r, zr, g_zero);
}

/* The formula on xs[0, n) (and gs), n <= TBLOCK, every element in the
 * main table's range (the caller has replaced the others by 0): the
 * pieces' indices first, in a loop of their own (f32_table_index, which
 * the compiler vectorizes), so that each row's address is ready before
 * its lane's formula needs it; then the rows and the formula, 8 at a time;
 * the last few by the C formula. */
static GELU_ALWAYS_INLINE void f32_table_avx2(const gelu_f32_table *t, const f32_table_rows *rows, int grad,
                                              const float *xs, const float *gs, float *r, ptrdiff_t n) {
    _Alignas(32) int32_t j[TBLOCK];
    for (ptrdiff_t i = 0; i < n; i++)
        j[i] = f32_table_index(t, f32_table_y(t, xs[i]));
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(r + i, f32_value8(t, rows, grad, j + i, _mm256_loadu_ps(xs + i),
                                           grad ? _mm256_loadu_ps(gs + i) : _mm256_setzero_ps()));
    for (; i < n; i++)
        r[i] = grad ? f32_grad_value(t, xs[i], gs[i]) : f32_table_value(t, xs[i]);
}
#endif

/* Results for n <= TBLOCK inputs outside the main tables' range, as
 * f32_table_loop packs them: those in the tail table's range by its
 * formula, those where the function saturates by its limit, the rest by
 * the double loop `narrow`.  g NULL: g = 1; grad as in f32_table_loop. */
static GELU_ALWAYS_INLINE void f32_outside(const gelu_f32_table *tail, int grad, f32_block_fn narrow,
                                           const float *x, const float *g, float *res, ptrdiff_t n) {
    float far_x[TBLOCK], far_g[TBLOCK], far_res[TBLOCK];
    ptrdiff_t far_at[TBLOCK];
    ptrdiff_t nfar = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        float xi = x[i], gi = g != NULL ? g[i] : 1.0f;
        if (grad ? f32_grad_tail_in_range(tail, xi, gi) : f32_table_covers(tail, xi)) {
            res[i] = grad ? f32_grad_value(tail, grad == 2 ? -fabsf(xi) : xi, gi) : f32_table_value(tail, xi);
        } else if (f32_saturated(tail, grad, xi, gi)) {
            res[i] = grad ? gi : xi;
        } else {
            far_x[nfar] = xi;
            far_g[nfar] = gi;
            far_at[nfar++] = i;
        }
    }
    if (nfar > 0) {
        f32_blocks(narrow, far_x, g != NULL ? far_g : NULL, far_res, nfar);
        for (ptrdiff_t k = 0; k < nfar; k++)
            res[far_at[k]] = far_res[k];
    }
}

/* Blocks: x and g read in full and the out-of-range inputs replaced by 0
 * (and, in the few blocks that have any, packed with their positions)
 * before anything is written, so in-place calls are safe; then the fast
 * formula for every element straight into `out` (the avx2 set's rows and
 * registers, or a loop the compiler vectorizes); then the packed inputs'
 * results from the tail table and the double loop, put at their positions. */
static GELU_ALWAYS_INLINE void f32_table_loop(const gelu_f32_table *t, const gelu_f32_table *tail, int grad,
                                              f32_block_fn narrow, const float *x, const float *g, float *out,
                                              ptrdiff_t n) {
    float gb[TBLOCK], xs[TBLOCK], gs[TBLOCK], bad_x[TBLOCK], bad_g[TBLOCK], res[TBLOCK];
    int32_t bad_at[TBLOCK];
#if defined(__AVX2__)
    f32_table_rows rows;
    f32_rows_from_table(t, &rows);
#endif
    for (ptrdiff_t b = 0; b < n; b += TBLOCK) {
        ptrdiff_t k = n - b < TBLOCK ? n - b : TBLOCK;
        if (grad)
            for (ptrdiff_t i = 0; i < k; i++)
                gb[i] = grad == 1 && g != NULL ? g[b + i] : 1.0f;
        /* Out-of-range x and g replaced by 0 in a pass of their own: in the
         * same loop as the formula, the compiler may compute the formula on
         * the unclamped values and select afterwards, raising flags
         * (inf - inf) for lanes whose result is discarded. */
        int all_in = 1;
        for (ptrdiff_t i = 0; i < k; i++) {
            int in = grad ? f32_grad_in_range(x[b + i], gb[i]) : f32_table_in_range(x[b + i]);
            xs[i] = in ? (grad == 2 ? -fabsf(x[b + i]) : x[b + i]) : 0.0f;   /* grad2: at -|x| */
            if (grad)
                gs[i] = in ? gb[i] : 0.0f;
            all_in &= in;
        }
        ptrdiff_t nbad = 0;
        if (!all_in)
            for (ptrdiff_t i = 0; i < k; i++)
                if (!(grad ? f32_grad_in_range(x[b + i], gb[i]) : f32_table_in_range(x[b + i]))) {
                    if (grad)
                        bad_g[nbad] = gb[i];
                    bad_at[nbad] = (int32_t)i;
                    bad_x[nbad++] = x[b + i];
                }
        float *r = out + b;
        int underflow = gelu_table_flags_save();
#if defined(__AVX2__)
        f32_table_avx2(t, &rows, grad, xs, gs, r, k);
#else
        for (ptrdiff_t i = 0; i < k; i++)
            r[i] = grad ? f32_grad_value(t, xs[i], gs[i]) : f32_table_value(t, xs[i]);
#endif
        gelu_table_flags_restore(underflow);
        if (nbad > 0) {
            f32_outside(tail, grad, narrow, bad_x, grad == 1 ? bad_g : NULL, res, nbad);
            for (ptrdiff_t p = 0; p < nbad; p++)
                r[bad_at[p]] = res[p];
        }
    }
}
#endif

/* The eight functions, one line each: X(name, table, grad, block, binary).
 * table: the f32_table.h table; grad: 0 GELU, 1 g grad(x), 2 grad2(x) (the
 * gradient kernel at -|x| with g = 1 on the second derivatives' own
 * tables); block: the double loop for the inputs the table loop hands
 * over; binary: whether g is an input.  Each dtype's entry points are made
 * from this list (name##_f32, name##_bf16, name##_f16). */
#define GELU_FUNCTIONS(X)                                                        \
    X(exact, exact, 0, exact_block, 0)                                           \
    X(exact_grad, exact_grad, 1, exact_grad_times_block, 0)                      \
    X(exact_grad2, exact_grad2, 2, exact_grad2_block, 0)                         \
    X(exact_backward, exact_grad, 1, exact_grad_times_block, 1)                  \
    X(tanh, tanh, 0, tanh_block, 0)                                              \
    X(tanh_grad, tanh_grad, 1, tanh_grad_times_block, 0)                         \
    X(tanh_grad2, tanh_grad2, 2, tanh_grad2_block, 0)                            \
    X(tanh_backward, tanh_grad, 1, tanh_grad_times_block, 1)

/* The float32 entry points: table loops, the double loops for what they hand over. */
#define F32_ENTRY(name, table, grad, block, binary)                                           \
    static void name##_f32(const void *x, const void *g, void *out, ptrdiff_t n) {            \
        f32_table_loop(&gelu_f32_table_##table, &gelu_f32_table_##table##_tail, grad, block, x, \
                       binary ? g : NULL, out, n);                                             \
    }
GELU_FUNCTIONS(F32_ENTRY)

/* ---- bfloat16 loops: through the float32 functions ----------------------- */

static inline float bf16_widen(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* float32 -> bfloat16, round to nearest even, on the bits: no flag raised.
 * A NaN keeps its sign and top payload bits and is made quiet. */
static inline uint16_t bf16_round(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

/* k elements of x (and g, unless NULL), 16-bit patterns, widened to
 * float32 by `widen` (exact) into xb (and gb).  Inlined with a constant
 * `widen`, so each loop vectorizes. */
static GELU_ALWAYS_INLINE void widen16(float (*widen)(uint16_t), const uint16_t *x, const uint16_t *g,
                                       float *xb, float *gb, ptrdiff_t k) {
    for (ptrdiff_t i = 0; i < k; i++)
        xb[i] = widen(x[i]);
    if (g != NULL)
        for (ptrdiff_t i = 0; i < k; i++)
            gb[i] = widen(g[i]);
}

/* Blocks of BLOCK: widen x (and g) into local float32 buffers, run the
 * float32 function there, round into out.  Every read of x and g happens
 * before the block's writes, so in-place calls are safe. */
static void bf16_blocks(gelu_array_fn f32fn, const uint16_t *x, const uint16_t *g, uint16_t *out, ptrdiff_t n) {
    float xb[BLOCK], gb[BLOCK];
    for (ptrdiff_t b = 0; b < n; b += BLOCK) {
        ptrdiff_t k = n - b < BLOCK ? n - b : BLOCK;
        widen16(bf16_widen, x + b, g != NULL ? g + b : NULL, xb, gb, k);
        f32fn(xb, g != NULL ? gb : NULL, xb, k);
        for (ptrdiff_t i = 0; i < k; i++)
            out[b + i] = bf16_round(xb[i]);
    }
}

#define BF16_ENTRY(name, table, grad, block, binary)                                    \
    static void name##_bf16(const void *x, const void *g, void *out, ptrdiff_t n) {   \
        bf16_blocks(name##_f32, x, binary ? g : NULL, out, n);                         \
    }
GELU_FUNCTIONS(BF16_ENTRY)

/* ---- float16 loops: through the float32 functions, checked ----------------- */

/* float16 -> float32 on the bits, exact; integer operations only (no
 * subnormal operand, so flush-to-zero modes cannot change it). */
static inline float f16_widen(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    uint32_t u = sign | ((e + 112u) << 23) | (m << 13);          /* normal */
    u = e == 31u ? (sign | 0x7f800000u | (m << 13)) : u;         /* inf, NaN */
    float sub = (float)m * 0x1p-24f;                            /* subnormal: m 2^-24, exact */
    uint32_t us;
    memcpy(&us, &sub, sizeof us);
    u = e == 0u ? (sign | us) : u;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The float16 nearest (ties to even) to the float32 magnitude with bits m,
 * as bits: right only where the result is a normal float16 (0x0400 to
 * 0x7bff); anything else lands outside that range (no wrap lands inside). */
static inline uint32_t f16_round_mag(uint32_t m) {
    return (m + 0x0fffu + ((m >> 13) & 1u) - 0x38000000u) >> 13;
}

/* Whether rounding r (bits rbits) to float16 (magnitude bits mag, as
 * f16_round_mag gives them: NaN and overflow beyond 0x7bff) is sure to give the
 * correctly rounded float16 of the value r approximates, and a normal
 * number above the smallest (a value just below 2^-14 rounds up to it, and
 * NumPy's conversion reports that as underflow: f16_tiny_check does those).  r
 * is within 1.06 ulp of that value (f32_table.h; the double paths: 0.5).
 * For a normal float16 result the conversion drops r's low 13 bits and
 * rounds at 0x1000 in them; unless that boundary lies within 2 float32
 * ulps of r (low bits 0x0ffe to 0x1002), r and the value round alike. */
static inline int f16_round_sure(uint32_t rbits, uint32_t mag) {
    return (rbits & 0x1fffu) - 0x0ffeu > 4u && mag >= 0x0401u && mag <= 0x7bffu;
}

/* Results below 2^-14 in magnitude (float16 subnormals, zeros and the
 * smallest normal reached from below).  NumPy's conversion of the exact
 * result raises "underflow" for these unless it is exact: the float16
 * loops return F16_TINY for them, and raise the flag themselves.
 *
 * With s = |r| 2^24 (exact) and k = s rounded to nearest even, the float16
 * magnitude is k 2^-24 (k = 1024: the smallest normal).  The value r
 * approximates is within 1.06 float32 ulps of r, at most 2^-12.9 in units
 * of s (s < 2^10); so it rounds to the same k unless s is within
 * F16_TINY_TOL of a half-way point, and it is inexact unless s is within
 * F16_TINY_TOL of a nonzero k (k = 0: r != 0, and r has the value's sign
 * and its magnitude within a factor 2).  r = 0 is the exact 0 only where
 * the input was in the float32 tables' range (x = +-0, or g = +-0: no
 * other input of theirs gives a result below 2^-149); elsewhere a 0 may be
 * an underflowed float32, whose flags the caller's exact path keeps. */
#define F16_TINY_BITS 0x38800000u   /* 2^-14 */
#define F16_TINY_TOL 0x1p-12f
enum { F16_REDO, F16_SURE, F16_TINY };

static inline int f16_tiny_check(float r, int in_range, uint32_t *mag) {
    float s = fabsf(r) * 0x1p24f;
    float k = (s + 0x1p23f) - 0x1p23f;       /* to nearest even: 0 <= s < 2^23 */
    float diff = fabsf(s - k);               /* exact */
    *mag = (uint32_t)k;                      /* k <= 1024: the float16 bits */
    if (r == 0.0f)
        return in_range ? F16_SURE : F16_REDO;
    return diff <= 0.5f - F16_TINY_TOL && (k == 0.0f || diff >= F16_TINY_TOL) ? F16_TINY : F16_REDO;
}

/* r rounded to float16 into *h; F16_SURE or F16_TINY where that is sure to
 * be right (F16_TINY: a nonzero result below 2^-14, which raises NumPy's
 * underflow flag), F16_REDO where the caller must compute it exactly.
 * in_range: whether the input was in the float32 tables' range
 * (f16_tiny_check). */
static inline int f16_round_checked(float r, int in_range, uint16_t *h) {
    uint32_t u;
    memcpy(&u, &r, sizeof u);
    uint32_t mag = f16_round_mag(u & 0x7fffffffu);
    int verdict = f16_round_sure(u, mag) ? F16_SURE : F16_REDO;
    if ((u & 0x7fffffffu) < F16_TINY_BITS)
        verdict = f16_tiny_check(r, in_range, &mag);
    *h = (uint16_t)(((u >> 16) & 0x8000u) | (mag & 0x7fffu));
    return verdict;
}

#ifdef GELU_F32_TABLE_AVX512
/* f16_round_checked on the lanes of `valid` (vcvtps2ph, rounding to
 * nearest even; it suppresses only the inexact flag, and masked-off lanes
 * raise none): the float16 bits into *h, the lanes where they are sure and
 * at least 2^-14 as the mask.  The results below 2^-14 are left to
 * f16_tiny_checked16 (rare: its work would slow the common loop). */
static GELU_ALWAYS_INLINE __mmask16 f16_round_checked16(__mmask16 valid, __m512 r, __m256i *h) {
    *h = _mm512_maskz_cvt_roundps_ph(valid, r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512i low = _mm512_and_si512(_mm512_castps_si512(r), _mm512_set1_epi32(0x1fff));
    __m256i mag = _mm256_and_si256(*h, _mm256_set1_epi16(0x7fff));
    return valid & _mm512_cmpgt_epu32_mask(_mm512_sub_epi32(low, _mm512_set1_epi32(0x0ffe)), _mm512_set1_epi32(4))
         & _mm256_cmpge_epu16_mask(mag, _mm256_set1_epi16(0x0401))
         & _mm256_cmple_epu16_mask(mag, _mm256_set1_epi16(0x7bff));
}

/* f16_tiny_check on the lanes of `valid` (in the tables' range) whose r is
 * below 2^-14: the float16 bits into *h (vcvtps2ph rounds onto the
 * subnormal grid), the lanes where they are sure as the mask, the
 * F16_TINY ones into *tiny. */
static GELU_ALWAYS_INLINE __mmask16 f16_tiny_checked16(__mmask16 valid, __m512 r, __m256i *h, __mmask16 *tiny) {
    const int R = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    __m512i a = _mm512_and_si512(_mm512_castps_si512(r), _mm512_set1_epi32(0x7fffffff));
    __mmask16 small = valid & _mm512_cmplt_epu32_mask(a, _mm512_set1_epi32(F16_TINY_BITS));
    *h = _mm512_maskz_cvt_roundps_ph(small, r, R);
    __m512 s = _mm512_mul_round_ps(_mm512_castsi512_ps(a), _mm512_set1_ps(0x1p24f), R);
    __m512 k = _mm512_roundscale_round_ps(s, _MM_FROUND_TO_NEAREST_INT, _MM_FROUND_NO_EXC);
    __m512 diff = _mm512_abs_ps(_mm512_sub_round_ps(s, k, R));
    __mmask16 ok = _mm512_cmp_ps_mask(diff, _mm512_set1_ps(0.5f - F16_TINY_TOL), _CMP_LE_OQ)
                 & (_mm512_cmp_ps_mask(k, _mm512_setzero_ps(), _CMP_EQ_OQ)
                    | _mm512_cmp_ps_mask(diff, _mm512_set1_ps(F16_TINY_TOL), _CMP_GE_OQ));
    __mmask16 zero = _mm512_cmpeq_epu32_mask(a, _mm512_setzero_si512());
    *tiny = small & ok & ~zero;
    return small & (ok | zero);
}
#endif

/* The float16 functions of the avx2 and baseline sets.
 * Blocks of TBLOCK: widen x (and g) into local float32 buffers, run the
 * float32 function there, round into out where f16_round_checked allows,
 * list the rest in redo.  Every read of x and g happens before the block's
 * writes, and the listed elements keep what out held (in place: their x),
 * so the caller still finds their inputs.  The float32 function's
 * floating-point flags are dropped: the caller's conversions raise the
 * flags of the results it computes, and this raises underflow for the
 * F16_TINY ones, as NumPy's conversion of the exact result would. */
#ifndef GELU_F32_TABLE_AVX512
static ptrdiff_t f16_blocks(gelu_array_fn f32fn, const uint16_t *x, const uint16_t *g, uint16_t *out,
                            ptrdiff_t n, int32_t *redo) {
    _Alignas(64) float xb[TBLOCK];
    _Alignas(64) float gb[TBLOCK];
    _Alignas(64) float rb[TBLOCK];
    uint16_t hb[TBLOCK];
    unsigned char ok[TBLOCK];
    ptrdiff_t nredo = 0;
    int tiny = 0;
    fexcept_t flags;
    fegetexceptflag(&flags, FE_ALL_EXCEPT);
    for (ptrdiff_t b = 0; b < n; b += TBLOCK) {
        ptrdiff_t k = n - b < TBLOCK ? n - b : TBLOCK;
        widen16(f16_widen, x + b, g != NULL ? g + b : NULL, xb, gb, k);
        f32fn(xb, g != NULL ? gb : NULL, rb, k);
        unsigned all_ok = 1;
        for (ptrdiff_t i = 0; i < k; i++) {
            /* the tables' range, as the float32 loops decide it (grad2 is
             * even, so |x| decides there too) */
            int in_range = f32_table_in_range(xb[i]) && (g == NULL || f32_grad_g_ok(gb[i]));
            ok[i] = (unsigned char)f16_round_checked(rb[i], in_range, &hb[i]);
            all_ok &= ok[i] != F16_REDO;
            tiny |= ok[i] == F16_TINY;
        }
        /* a select, not a branch, so that it vectorizes: out[i] keeps its
         * value where the element is left to the caller */
        for (ptrdiff_t i = 0; i < k; i++)
            out[b + i] = ok[i] != F16_REDO ? hb[i] : out[b + i];
        if (!all_ok)
            for (ptrdiff_t i = 0; i < k; i++)
                if (ok[i] == F16_REDO)
                    redo[nredo++] = (int32_t)(b + i);
    }
    fesetexceptflag(&flags, FE_ALL_EXCEPT);
    if (tiny)
        feraiseexcept(FE_UNDERFLOW);
    return nredo;
}

#endif

#ifdef GELU_F32_TABLE_AVX512
/* 16 float16 at p widened to float32 (exact; vcvtph2ps raises no flag). */
static GELU_ALWAYS_INLINE __m512 f16_load16(const uint16_t *p) {
    return _mm512_cvt_roundph_ps(_mm256_loadu_si256((const __m256i *)p), _MM_FROUND_NO_EXC);
}

/* float16 with the conversions in registers (the avx512 set): the body of
 * f32_table_loop on 16 float16 lanes widened by vcvtph2ps, each result
 * rounded by f16_round_checked16 and stored where that is sure.  Lanes out
 * of the tables' range are packed as float32 (as there), computed by
 * f32_outside as the float32 entry point f32fn would (its tail table, the
 * limits, the double loop `narrow`) and rounded by the same check.  Every
 * lane whose rounding is not sure is listed in redo with out not written,
 * as f16_blocks does; f16_blocks (with f32fn) also takes the last n % 16
 * elements.  Same results as f16_blocks, lane for lane. */
/* Pass 1 of f16_table_loop for vector v of a block (results r, in-range
 * lanes in): the lanes sure to round right stored, both masks kept;
 * returns bit v set if some lane is left for pass 2. */
static GELU_ALWAYS_INLINE uint64_t f16_pass1_store(uint16_t *out, ptrdiff_t v, __m512 r, __mmask16 in,
                                                   __mmask16 *in_range, __mmask16 *sure_at) {
    __m256i h;
    __mmask16 sure = f16_round_checked16(in, r, &h);
    _mm256_mask_storeu_epi16(out + 16 * v, sure, h);
    in_range[v] = in;
    sure_at[v] = sure;
    return (uint64_t)(sure != 0xFFFF) << v;
}

static GELU_ALWAYS_INLINE ptrdiff_t f16_table_loop(const gelu_f32_table *t, const gelu_f32_table *tail, int grad,
                                                   f32_block_fn narrow, gelu_array_fn f32fn, const uint16_t *x,
                                                   const uint16_t *g, uint16_t *out, ptrdiff_t n, int32_t *redo) {
    float res[TBLOCK];
    float bad_x[TBLOCK + 16], bad_g[TBLOCK + 16];
    uint16_t res_h[TBLOCK + 16];
    __mmask16 res_sure[TBLOCK / 16 + 1];
    int32_t bad_at[TBLOCK + 16];
    f32_table_regs regs;
    f32_table_load(t, &regs);
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    ptrdiff_t nredo = 0, n16 = n / 16 * 16;
    /* The flags this raises are dropped, as in f16_blocks: the float16
     * conversion raises underflow for tiny results, f32fn whatever its
     * double paths do.  Restoring them costs more than a block's work, so
     * only when they changed. */
    fexcept_t flags;
    fegetexceptflag(&flags, FE_ALL_EXCEPT);
    int raised = fetestexcept(FE_ALL_EXCEPT);
    int tiny = 0;   /* an F16_TINY result: raise underflow at the end */
    __mmask16 in_range[TBLOCK / 16], sure_at[TBLOCK / 16];
    for (ptrdiff_t b = 0; b < n16; b += TBLOCK) {
        ptrdiff_t k = n16 - b < TBLOCK ? n16 - b : TBLOCK, nbad = 0;
        /* Two passes, as in f32_table_loop: no branch per 16 lanes.  The
         * lanes not stored keep their input (in place), and the caller
         * copied any input that partly overlaps out. */
        uint64_t unsure_vectors = 0;   /* bit v: vector v has a lane not stored */
        /* two vectors at a time, as in f32_table_loop (8-18 % faster) */
        ptrdiff_t v = 0, nv = k / 16;
        for (; v + 1 < nv; v += 2) {
            __m512 xv0 = f16_load16(x + b + 16 * v), xv1 = f16_load16(x + b + 16 * v + 16);
            __m512 gv0 = grad == 1 && g != NULL ? f16_load16(g + b + 16 * v) : one;
            __m512 gv1 = grad == 1 && g != NULL ? f16_load16(g + b + 16 * v + 16) : one;
            __mmask16 in0, in1;
            __m512 r0 = f32_value16(&regs, 0, grad, xv0, gv0, &in0);
            __m512 r1 = f32_value16(&regs, 0, grad, xv1, gv1, &in1);
            unsure_vectors |= f16_pass1_store(out + b, v, r0, in0, in_range, sure_at)
                            | f16_pass1_store(out + b, v + 1, r1, in1, in_range, sure_at);
        }
        if (v < nv) {
            __m512 xv = f16_load16(x + b + 16 * v);
            __m512 gv = grad == 1 && g != NULL ? f16_load16(g + b + 16 * v) : one;
            __mmask16 in;
            __m512 r = f32_value16(&regs, 0, grad, xv, gv, &in);
            unsure_vectors |= f16_pass1_store(out + b, v, r, in, in_range, sure_at);
        }
        for (uint64_t m = unsure_vectors; m != 0; m &= m - 1) {
            ptrdiff_t v = __builtin_ctzll(m);
            __mmask16 off = (__mmask16)~in_range[v];
            __m512 xv = f16_load16(x + b + 16 * v);
            __m512 gv = grad == 1 && g != NULL ? f16_load16(g + b + 16 * v) : one;
            _mm512_storeu_ps(bad_x + nbad, _mm512_maskz_compress_ps(off, xv));
            _mm512_storeu_ps(bad_g + nbad, _mm512_maskz_compress_ps(off, gv));
            __m512i at = _mm512_add_epi32(lanes, _mm512_set1_epi32((int32_t)(b + 16 * v)));
            _mm512_storeu_si512(bad_at + nbad, _mm512_maskz_compress_epi32(off, at));
            nbad += __builtin_popcount(off);
            __mmask16 left = in_range[v] & ~sure_at[v];
            if (left) {
                /* the formula again on this vector, for its results below 2^-14 */
                __mmask16 in;
                __m512 r = f32_value16(&regs, 0, grad, xv, gv, &in);
                __m256i h;
                __mmask16 tiny16;
                __mmask16 sure = f16_tiny_checked16(left, r, &h, &tiny16);
                _mm256_mask_storeu_epi16(out + b + 16 * v, sure, h);
                tiny |= tiny16;
                left &= ~sure;
            }
            for (unsigned u = (unsigned)left & 0xFFFFu; u != 0; u &= u - 1)
                redo[nredo++] = (int32_t)(b + 16 * v + __builtin_ctz(u));
        }
        if (nbad > 0) {
            /* out of the main tables' range, all of them: f32fn would find
             * that again before calling f32_outside */
            f32_outside(tail, grad, narrow, bad_x, grad == 1 && g != NULL ? bad_g : NULL, res, nbad);
            f32_table_load(t, &regs);
            /* f16_round_checked (in_range = 0) on 16 lanes at a time: a
             * branch per element on its verdict would be an even bet for
             * tails that straddle 2^-14, and cost more than the rest */
            for (ptrdiff_t i = 0; i < nbad; i += 16) {
                __mmask16 live = nbad - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (nbad - i)) - 1u);
                __m512 rv = _mm512_maskz_loadu_ps(live, res + i);
                __m256i h, h_tiny;
                __mmask16 tiny16;
                __mmask16 nonzero = _mm512_test_epi32_mask(_mm512_castps_si512(rv), _mm512_set1_epi32(0x7fffffff));
                __mmask16 sure = f16_round_checked16(live, rv, &h)
                               | f16_tiny_checked16(live & nonzero, rv, &h_tiny, &tiny16);
                tiny |= tiny16;
                _mm256_storeu_si256((__m256i *)(res_h + i), h);   /* vcvtps2ph: subnormals too */
                res_sure[i / 16] = sure;
            }
            for (ptrdiff_t i = 0; i < nbad; i++) {
                if ((res_sure[i / 16] >> (i % 16)) & 1u)
                    out[bad_at[i]] = res_h[i];
                else
                    redo[nredo++] = bad_at[i];
            }
        }
    }
    if (fetestexcept(FE_ALL_EXCEPT) != raised)
        fesetexceptflag(&flags, FE_ALL_EXCEPT);
    if (tiny)
        feraiseexcept(FE_UNDERFLOW);
    /* The last n % 16 are left to the caller, which computes them one by
     * one (the glue hands this whole vectors and pads the rest to one:
     * half_f16 in _ufuncs.c).  Calling f32fn for them from here would put
     * its frame on top of this one, 24 KiB more stack (docs/speed.md, "Stack"). */
    for (ptrdiff_t i = n16; i < n; i++)
        redo[nredo++] = (int32_t)i;
    return nredo;
}

#define F16_ENTRY(name, table, grad, block, binary)                                                     \
    static ptrdiff_t name##_f16(const void *x, const void *g, void *out, ptrdiff_t n, int32_t *redo) { \
        return f16_table_loop(&gelu_f32_table_##table, &gelu_f32_table_##table##_tail, grad, block, name##_f32, \
                              x, binary ? g : NULL, out, n, redo);                                       \
    }
#else
#define F16_ENTRY(name, table, grad, block, binary)                                                     \
    static ptrdiff_t name##_f16(const void *x, const void *g, void *out, ptrdiff_t n, int32_t *redo) { \
        return f16_blocks(name##_f32, x, binary ? g : NULL, out, n, redo);                               \
    }
#endif
GELU_FUNCTIONS(F16_ENTRY)

const gelu_kernel_set GELU_KERNEL_SET = {
#define GELU_STR2(s) #s
#define GELU_STR(s) GELU_STR2(s)
    .isa = GELU_STR(GELU_ISA),
    .f32 = {exact_f32, exact_grad_f32, exact_grad2_f32, exact_backward_f32,
            tanh_f32, tanh_grad_f32, tanh_grad2_f32, tanh_backward_f32},
    .bf16 = {exact_bf16, exact_grad_bf16, exact_grad2_bf16, exact_backward_bf16,
             tanh_bf16, tanh_grad_bf16, tanh_grad2_bf16, tanh_backward_bf16},
    .f16 = {exact_f16, exact_grad_f16, exact_grad2_f16, exact_backward_f16,
            tanh_f16, tanh_grad_f16, tanh_grad2_f16, tanh_backward_f16},
    .f64 = {GELU_F64(exact), GELU_F64(exact_grad), GELU_F64(exact_grad2), GELU_F64(exact_backward),
            GELU_F64(tanh), GELU_F64(tanh_grad), GELU_F64(tanh_grad2), GELU_F64(tanh_backward)},
    .narrow_unary = {GELU_SCALAR(exact_narrow), GELU_SCALAR(exact_grad_narrow), GELU_SCALAR(exact_grad2_narrow), NULL,
                     GELU_SCALAR(tanh_narrow), GELU_SCALAR(tanh_grad_narrow), GELU_SCALAR(tanh_grad2_narrow), NULL},
    .narrow_binary = {NULL, NULL, NULL, GELU_SCALAR(exact_backward_narrow),
                      NULL, NULL, NULL, GELU_SCALAR(tanh_backward_narrow)},
};
