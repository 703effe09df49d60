/*
 * gelu_array_f64.c -- float64 array loops over the double-double kernels;
 * compiled once per ISA, like gelu_array.c (see there for the pass scheme).
 *
 * The double-double kernels (dd_exact.h, dd_tanh.h) branch in three ways
 * that keep a compiler from vectorizing them: on the sign and size of x,
 * on a piecewise table (the Mills ratio's coefficients), and at the end,
 * where a result that is subnormal takes a slower rounding path
 * (dd_scaled_round).  Here every element runs the same straight line:
 *   - both signs' formulas are computed and the right double-double chosen
 *     before the one rounding, as the scalar code rounds the one it chose;
 *   - each element's Mills coefficients are first copied into columns
 *     (a pass of permutes, gathers or plain loads, by ISA), so that the
 *     polynomial reads them with unit stride;
 *   - the rounding takes the normal-result path, and flags the element if
 *     its result is subnormal; flagged elements and NaN inputs are then
 *     recomputed by the scalar kernel.
 * So every element goes through exactly the scalar kernel's operations.
 * Clamps (|x| to the tail limit, tiny y to 0) are applied in passes of their
 * own: a clamp followed by arithmetic in one loop lets the compiler compute
 * the arithmetic on the unclamped value too, which can raise flags the
 * scalar kernel never raises.
 */
#include "gelu_array.h"
#include "gelu_array_isa.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dd_exact.h"
#include "dd_tanh.h"
#include "f64_table.h"

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define GELU_F64_TABLE_AVX512 1
#endif

/* 32 elements: the 33 coefficient columns take 8 KiB, the buffers 15 KiB
 * of the caller's stack in all (64 took 26 KiB and were no faster:
 * docs/speed.md, "Stack"). */
#define B64 32

/* ---- the Mills ratio from coefficient columns ----------------------------- */

/* Column of cols[] holding, for each element, its piece's ...  */
enum {
    COL_HI = 0,                                /* c[j][0], j = 0 .. DEG */
    COL_LO = COL_HI + GELU_MILLS_DEG + 1,      /* c[j][1], j < DD_TERMS (the others are never read) */
    COL_CENTER = COL_LO + GELU_DD_TERMS,
    COL_INV_H,
    N_COLS
};

static double mills_entry(int64_t piece, int col) {
    if (col < COL_LO) return gelu_mills_coef[piece][col - COL_HI][0];
    if (col < COL_CENTER) return gelu_mills_coef[piece][col - COL_LO][1];
    return col == COL_CENTER ? gelu_mills_center[piece] : gelu_mills_inv_h[piece];
}

/* gelu_poly_dd (mills.h), step for step, with c[j][h] read from the columns. */
static inline dd poly_dd_cols(const double *cols, ptrdiff_t i, dd t) {
    double q = cols[(COL_HI + GELU_MILLS_DEG) * B64 + i];
    GELU_UNROLL
    for (int j = GELU_MILLS_DEG - 1; j >= GELU_DD_TERMS; j--)
        q = fma(q, t.hi, cols[(COL_HI + j) * B64 + i]);
    dd acc = dd_make(q, 0.0);
    GELU_UNROLL
    for (int j = GELU_DD_TERMS - 1; j >= 0; j--)
        acc = dd_add(dd_mul(acc, t), dd_make(cols[(COL_HI + j) * B64 + i], cols[(COL_LO + j) * B64 + i]));
    return acc;
}

/* gelu_mills(y) (mills.h) for element i. */
static inline dd mills_cols(const double *cols, ptrdiff_t i, double y) {
    double t = gelu_mills_t(y, cols[COL_CENTER * B64 + i], cols[COL_INV_H * B64 + i]);
    return poly_dd_cols(cols, i, dd_make(t, 0.0));
}

#if defined(__AVX512F__)

_Static_assert(GELU_MILLS_PIECES <= 16, "two-register permute holds 16 pieces");
typedef struct { __m512d lo[N_COLS], hi[N_COLS]; } mills_select;

static void select_prepare(mills_select *s) {
    double c[16];
    for (int col = 0; col < N_COLS; col++) {
        for (int i = 0; i < 16; i++)
            c[i] = mills_entry(i < GELU_MILLS_PIECES ? i : 0, col);
        s->lo[col] = _mm512_loadu_pd(c);
        s->hi[col] = _mm512_loadu_pd(c + 8);
    }
}

static void select_columns(const mills_select *s, const int64_t *piece, double *cols, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i += 8) {
        __mmask8 live = n - i >= 8 ? 0xff : (__mmask8)((1u << (n - i)) - 1);
        __m512i p = _mm512_maskz_loadu_epi64(live, piece + i);
        for (int col = 0; col < N_COLS; col++)
            _mm512_mask_storeu_pd(cols + col * B64 + i, live, _mm512_permutex2var_pd(s->lo[col], p, s->hi[col]));
    }
}

#elif defined(__AVX2__) && defined(__FMA__)

typedef struct { char unused; } mills_select;

static void select_prepare(mills_select *s) { (void)s; }

static void select_columns(const mills_select *s, const int64_t *piece, double *cols, ptrdiff_t n) {
    (void)s;
    enum { ROW = (GELU_MILLS_DEG + 1) * 2 };  /* doubles per piece of gelu_mills_coef */
    ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256i p = _mm256_loadu_si256((const __m256i *)(piece + i));
        __m256i row = _mm256_mul_epu32(p, _mm256_set1_epi64x(ROW));
        for (int j = 0; j <= GELU_MILLS_DEG; j++)
            _mm256_storeu_pd(cols + (COL_HI + j) * B64 + i, _mm256_i64gather_pd(&gelu_mills_coef[0][j][0], row, 8));
        for (int j = 0; j < GELU_DD_TERMS; j++)
            _mm256_storeu_pd(cols + (COL_LO + j) * B64 + i, _mm256_i64gather_pd(&gelu_mills_coef[0][j][1], row, 8));
        _mm256_storeu_pd(cols + COL_CENTER * B64 + i, _mm256_i64gather_pd(gelu_mills_center, p, 8));
        _mm256_storeu_pd(cols + COL_INV_H * B64 + i, _mm256_i64gather_pd(gelu_mills_inv_h, p, 8));
    }
    for (; i < n; i++)
        for (int col = 0; col < N_COLS; col++)
            cols[col * B64 + i] = mills_entry(piece[i], col);
}

#else

typedef struct { char unused; } mills_select;

static void select_prepare(mills_select *s) { (void)s; }

static void select_columns(const mills_select *s, const int64_t *piece, double *cols, ptrdiff_t n) {
    (void)s;
    for (int col = 0; col < N_COLS; col++)
        for (ptrdiff_t i = 0; i < n; i++)
            cols[col * B64 + i] = mills_entry(piece[i], col);
}

#endif

/* ---- rounding --------------------------------------------------------------- */

/* dd_scaled_round (dd.h) when the result is a normal number (or inf/NaN):
 * the same operations; *subnormal tells the caller to use the real one.
 * Its test, isless(|p.hi|, normal_min), is made on the bits: with
 * -fno-trapping-math the compiler may turn a quiet isless into a signaling
 * compare, which raises "invalid" for a NaN g.
 * The flag is `finite && subnormal`, but written as a select of the double
 * that is tested (normal_min itself when not finite), not as `finite & test`: with
 * a variable g, GCC 12 splits the loop body on q.finite (the multiplier is
 * g or 1) and merges the two paths' flags in a _Bool select, which it types
 * as a 64-lane byte vector and then cannot vectorize ("no optab"), so the
 * gradient loops stayed scalar.  Merging a double instead keeps them vector. */
static inline double round_normal(dd_scaled v, double g, int *subnormal) {
    dd_scaled_product q = dd_scaled_mul(v, g);
    /* |p.hi| < normal_min on the bits (both nonnegative) */
    double a = fabs(q.p.hi);
    double tested = q.finite ? a : q.normal_min;
    uint64_t bits, min_bits;
    memcpy(&bits, &tested, sizeof bits);
    memcpy(&min_bits, &q.normal_min, sizeof min_bits);
    *subnormal = bits < min_bits;
    return q.finite ? q.p.hi * q.fa * q.fb : q.plain;
}

static inline dd dd_select(int c, dd a, dd b) { return dd_make(c ? a.hi : b.hi, c ? a.lo : b.lo); }

/* ---- blocks ------------------------------------------------------------------- */

typedef struct {
    double xd[B64];      /* x as given */
    double xs[B64];      /* x, NaN replaced by 0 */
    double go[B64];      /* g as given (1 for the unary gradients) */
    double gd[B64];      /* g, inf and NaN replaced by 1 (those go to the scalar kernel) */
    double yc[B64];      /* |x| clamped to the family's tail limit */
    double y[B64];       /* yc, below 2^-200 replaced by 0 */
    double xc[B64];      /* x clamped to +-the tail limit: x itself wherever used */
    int64_t piece[B64];  /* Mills piece of y */
    int redo[B64];       /* recompute with the scalar kernel */
    double cols[N_COLS * B64];
    mills_select sel;
} f64_buffers;

/* Pass 1: copy in, sanitise NaN, clamp and flush, each in its own loop. */
static void prepare(f64_buffers *b, const double *x, const double *g, ptrdiff_t n, int exact) {
    for (ptrdiff_t i = 0; i < n; i++) {
        double v = x[i];
        b->xd[i] = v;
        b->xs[i] = isnan(v) ? 0.0 : v;
    }
    if (g != NULL) {
        for (ptrdiff_t i = 0; i < n; i++)
            b->go[i] = g[i];
        /* finite from the bits (a compare could signal on a NaN, see
         * round_normal).  An infinite or NaN g goes to the scalar kernel;
         * the value computed here in its place is discarded, and 2^600
         * keeps it normal down to the tail clamps (1 would round a tiny
         * value there and raise underflow). */
        for (ptrdiff_t i = 0; i < n; i++)
            b->gd[i] = (f64_abs_bits(b->go[i]) < UINT64_C(0x7ff0000000000000)) ? b->go[i] : 0x1p600;
    } else {
        for (ptrdiff_t i = 0; i < n; i++)
            b->go[i] = b->gd[i] = 1.0;
    }
    /* x = +-inf is computed at 0 (below) and then by the scalar kernel, and
     * a NaN x at 0 and then replaced: with g = 1 there, so that the
     * discarded value g grad(0) = g/2 cannot round a subnormal g and raise
     * underflow */
    for (ptrdiff_t i = 0; i < n; i++)
        b->gd[i] = f64_abs_bits(b->xd[i]) >= UINT64_C(0x7ff0000000000000) ? 1.0 : b->gd[i];
    /* +-inf: computed at 0 here (at the clamp, the tiny result's rounding
     * would raise underflow), then by the scalar kernel (f64_blocks) */
    if (exact) {
        for (ptrdiff_t i = 0; i < n; i++)
            b->yc[i] = isinf(b->xs[i]) ? 0.0 : dd_exact_clamp_abs(b->xs[i]);
        for (ptrdiff_t i = 0; i < n; i++)
            b->y[i] = dd_exact_flush_negligible(b->yc[i]);
    } else {
        for (ptrdiff_t i = 0; i < n; i++)
            b->yc[i] = isinf(b->xs[i]) ? 0.0 : dd_tanh_clamp_abs(b->xs[i]);
        for (ptrdiff_t i = 0; i < n; i++)
            b->y[i] = dd_tanh_flush_negligible(b->yc[i]);
    }
    for (ptrdiff_t i = 0; i < n; i++)
        b->xc[i] = copysign(b->yc[i], b->xs[i]);
}

static void mills_columns(f64_buffers *b, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++)
        b->piece[i] = gelu_mills_piece(b->y[i]);
    select_columns(&b->sel, b->piece, b->cols, n);
}

/* dd_gelu_exact (dd_exact.h) */
static void exact_block(f64_buffers *b, double *out, ptrdiff_t n) {
    mills_columns(b, n);
    for (ptrdiff_t i = 0; i < n; i++) {
        double x = b->xs[i], y = b->y[i];
        dd_scaled q = dd_exact_normal_pdf(y);
        q.m = dd_mul(q.m, mills_cols(b->cols, i, y));
        dd left = dd_mul_d(q.m, -b->yc[i]);
        dd phi_x = dd_add(dd_make(1.0, 0.0), dd_neg(dd_scaled_value(q)));
        dd right = dd_mul_d(phi_x, b->xc[i]);
        dd_scaled v = {dd_select(x < 0, left, right), x < 0 ? q.k : 0};
        int sub;
        double r = round_normal(v, 1.0, &sub);
        r = x == 0 ? x : r;
        r = x > DD_EXACT_RIGHT_SATURATION ? x : r;
        out[i] = r;
        b->redo[i] = sub & (x != 0) & !(x > DD_EXACT_RIGHT_SATURATION);
    }
}

/* dd_gelu_exact_grad_times */
static void exact_grad_block(f64_buffers *b, double *out, ptrdiff_t n) {
    mills_columns(b, n);
    for (ptrdiff_t i = 0; i < n; i++) {
        double x = b->xs[i], y = b->y[i], g = b->gd[i];
        dd patch = gelu_patch_eval(gelu_patch_grad_coef, gelu_patch_offset(b->xc[i], gelu_patch_grad_x0));
        int in_patch = gelu_in_patch(x, gelu_patch_grad_x0);
        dd_scaled p = dd_exact_normal_pdf(y);
        p.m = dd_mul(p.m, dd_add_d(mills_cols(b->cols, i, y), -y));
        dd right = dd_add(dd_make(1.0, 0.0), dd_neg(dd_scaled_value(p)));
        int left = !in_patch & (x < 0);
        dd_scaled v = {dd_select(in_patch, patch, dd_select(left, p.m, right)), left ? p.k : 0};
        int sub;
        double r = round_normal(v, g, &sub);
        out[i] = x > DD_EXACT_RIGHT_SATURATION ? g : r;
        b->redo[i] = sub & !(x > DD_EXACT_RIGHT_SATURATION);
    }
}

/* dd_gelu_exact_grad2 */
static void exact_grad2_block(f64_buffers *b, double *out, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        double y = b->y[i];
        dd_scaled p = dd_exact_normal_pdf(y);
        dd sq = dd_two_prod(y, y);
        p.m = dd_mul(p.m, dd_add(dd_make(2.0, 0.0), dd_neg(sq)));
        int sub;
        out[i] = round_normal(p, 1.0, &sub);
        b->redo[i] = sub;
    }
}

/* dd_gelu_tanh (dd_tanh.h) */
static void tanh_block(f64_buffers *b, double *out, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        double x = b->xs[i];
        dd_tanh_parts p = dd_tanh_parts_from(b->y[i]);
        dd left = dd_mul_d(dd_mul(p.e.m, p.s_big), b->xc[i]);
        dd right = dd_mul_d(p.s_big, b->xc[i]);
        dd_scaled v = {dd_select(x < 0, left, right), x < 0 ? p.e.k : 0};
        int sub;
        double r = round_normal(v, 1.0, &sub);
        r = x == 0 ? x : r;
        r = x > DD_TANH_RIGHT_SATURATION ? x : r;
        out[i] = r;
        b->redo[i] = sub & (x != 0) & !(x > DD_TANH_RIGHT_SATURATION);
    }
}

/* dd_gelu_tanh_grad_times */
static void tanh_grad_block(f64_buffers *b, double *out, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        double x = b->xs[i], g = b->gd[i];
        dd patch = gelu_patch_eval(gelu_patch_tanh_grad_coef, gelu_patch_offset(b->xc[i], gelu_patch_tanh_grad_x0));
        int in_patch = gelu_in_patch(x, gelu_patch_tanh_grad_x0);
        dd_tanh_parts p = dd_tanh_parts_from(b->y[i]);
        dd two_y_du_sbig = dd_mul(dd_mul_d(p.du, 2.0 * p.y), p.s_big);
        dd bracket = dd_add(dd_make(1.0, 0.0), dd_neg(two_y_du_sbig));
        dd left_m = dd_mul(dd_mul(p.e.m, p.s_big), bracket);
        dd s_small = dd_mul(p.e_value, p.s_big);
        dd right = dd_add(p.s_big, dd_mul(two_y_du_sbig, s_small));
        int left = !in_patch & (x < 0);
        dd_scaled v = {dd_select(in_patch, patch, dd_select(left, left_m, right)), left ? p.e.k : 0};
        int sub;
        double r = round_normal(v, g, &sub);
        out[i] = x > DD_TANH_RIGHT_SATURATION ? g : r;
        b->redo[i] = sub & !(x > DD_TANH_RIGHT_SATURATION);
    }
}

/* dd_gelu_tanh_grad2 */
static void tanh_grad2_block(f64_buffers *b, double *out, ptrdiff_t n) {
    for (ptrdiff_t i = 0; i < n; i++) {
        double yc = b->yc[i];
        dd patch = gelu_patch_eval(gelu_patch_tanh_grad2_coef, gelu_patch_offset(yc, gelu_patch_tanh_grad2_x0));
        int in_patch = gelu_in_patch(fabs(b->xs[i]), gelu_patch_tanh_grad2_x0);
        dd_tanh_parts p = dd_tanh_parts_from(b->y[i]);
        dd four_du = dd_make(4.0 * p.du.hi, 4.0 * p.du.lo);
        dd quad = dd_mul(dd_make(GELU_TANH_12AC_HI, GELU_TANH_12AC_LO), p.y2);
        dd one_minus_e = dd_add(dd_make(1.0, 0.0), dd_neg(p.e_value));
        dd cubic = dd_mul_d(dd_mul(dd_mul(dd_mul(p.du, p.du), one_minus_e), p.s_big), 4.0 * p.y);
        dd bracket = dd_add(dd_add(four_du, quad), dd_neg(cubic));
        dd m = dd_mul(dd_mul(dd_mul(p.e.m, p.s_big), p.s_big), bracket);
        dd_scaled v = {dd_select(in_patch, patch, m), in_patch ? 0 : p.e.k};
        int sub;
        out[i] = round_normal(v, 1.0, &sub);
        b->redo[i] = sub;
    }
}

/* ---- entry points ------------------------------------------------------------- */

typedef void (*f64_block_fn)(f64_buffers *b, double *out, ptrdiff_t n);

/* The scalar kernels return x + g for NaN x (x + 1 for the gradients): on
 * IEEE hardware x's NaN quieted, unless the add was compiled with g as the
 * first operand and g is a NaN too, then g's.  The build these loops
 * replaced had g first in gelu_backward only; this keeps its bits. */
static double nan_result(double x, double g, int g_first) {
    /* Both sums on values that are NaN or 0, so that computing them before
     * the choice (-fno-trapping-math allows it) cannot overflow. */
    double xn = isnan(x) ? x : 0.0, gn = isnan(g) ? g : 0.0;
    return g_first && isnan(g) ? gn + gn : xn + xn;
}

/* The sign a zero result must have (zeros come from underflow, g = +-0 or
 * limits at +-inf; the double-double loops compute their magnitude and not
 * always their sign): kind 0, GELU(x), has x's sign; kind 1, g grad(x),
 * g's sign, flipped where grad(x) < 0, that is x < -y*; kind 2, grad2(x),
 * is negative where |x| > y*.  root: y* as hi + mid (the tables'). */
static double signed_zero(int kind, const double *root, double x, double g) {
    double y = fabs(x);
    int beyond = y > root[0] || (y == root[0] && root[1] < 0);   /* |x| > y* */
    int neg = kind == 0 ? signbit(x) != 0 : kind == 1 ? (signbit(g) != 0) ^ (x < 0 && beyond) : beyond;
    return neg ? -0.0 : 0.0;
}

static void f64_blocks(f64_block_fn block, int exact, int g_first, double (*scalar)(double, double),
                       double tail, int kind, const double *root, const double *x, const double *g, double *out,
                       ptrdiff_t n) {
    f64_buffers b;
    if (exact)
        select_prepare(&b.sel);
    for (ptrdiff_t s = 0; s < n; s += B64) {
        ptrdiff_t k = n - s < B64 ? n - s : B64;
        prepare(&b, x + s, g == NULL ? NULL : g + s, k, exact);
        block(&b, out + s, k);
        /* Subnormal results, and for the gradients x below the tail clamp
         * (where only the scalar kernel follows g * grad(x) down for huge
         * g): the scalar kernel, as is (gelu_scalar_isa.c: compiled without
         * -fno-trapping-math).  NaN x: its result, x + g, written so that
         * the NaN that comes out does not depend on the operand order the
         * compiler picks (see nan_result). */
        for (ptrdiff_t i = 0; i < k; i++) {
            if (isnan(b.xd[i]))
                out[s + i] = nan_result(b.xd[i], b.go[i], g_first);
            else if (b.redo[i] || b.xd[i] < -tail || b.go[i] != b.gd[i] || isinf(b.xd[i]))   /* g inf or NaN; x +-inf */
                out[s + i] = scalar(b.xd[i], b.go[i]);
            if (out[s + i] == 0.0)
                out[s + i] = signed_zero(kind, root, b.xd[i], b.go[i]);
        }
    }
}

/* The double-double loops, as static functions name_dd; the entry points
 * at the end use them directly (second derivatives) or for the inputs the
 * table loops below hand over.  tail: the gradients' clamp (the scalar
 * kernels take over below -tail); HUGE_VAL for the others. */
#define F64_DD(name, block, exact, g_first, scalar, binary, tail, kind, table)                            \
    static void name##_dd(const void *x, const void *g, void *out, ptrdiff_t n) {                           \
        f64_blocks(block, exact, g_first, scalar, tail, kind, gelu_f64_table_##table.root, x, binary ? g : NULL, \
                   out, n);                                                                                 \
    }

F64_DD(exact, exact_block, 1, 0, GELU_SCALAR(exact), 0, HUGE_VAL, 0, exact)
F64_DD(exact_grad, exact_grad_block, 1, 0, GELU_SCALAR(exact_grad_times), 0, DD_EXACT_TAIL_CLAMP, 1, exact_grad)
F64_DD(exact_grad2, exact_grad2_block, 1, 0, GELU_SCALAR(exact_grad2), 0, HUGE_VAL, 2, exact_grad2)
F64_DD(exact_backward, exact_grad_block, 1, 1, GELU_SCALAR(exact_grad_times), 1, DD_EXACT_TAIL_CLAMP, 1, exact_grad)
F64_DD(tanh, tanh_block, 0, 0, GELU_SCALAR(tanh), 0, HUGE_VAL, 0, tanh)
F64_DD(tanh_grad, tanh_grad_block, 0, 0, GELU_SCALAR(tanh_grad_times), 0, DD_TANH_TAIL_CLAMP, 1, tanh_grad)
F64_DD(tanh_grad2, tanh_grad2_block, 0, 0, GELU_SCALAR(tanh_grad2), 0, HUGE_VAL, 2, tanh_grad2)
F64_DD(tanh_backward, tanh_grad_block, 0, 0, GELU_SCALAR(tanh_grad_times), 1, DD_TANH_TAIL_CLAMP, 1, tanh_grad)

/* ---- the table loops: float64 gelu, gelu_tanh, gradients, backward -------- */

/* Elements per block of the table loops; the out-of-range inputs of one
 * block are packed, computed by the double-double loop, and put back.
 * 1024 for the AVX-512 loop, 256 for the others, which keep six buffers
 * of a block on the stack (as TBLOCK in gelu_array.c). */
#ifdef GELU_F64_TABLE_AVX512
#define TBLOCK64 1024
#else
#define TBLOCK64 256
#endif

static inline int f64_in_range(int grad, double x, double g) {
    return grad ? f64_grad_in_range(x, g) : f64_table_in_range(x);
}

#ifdef GELU_F64_TABLE_AVX512
/* f64_table.h on 8 lanes: the same operations in the same order, each
 * lookup one two-register permute of a 16-entry column (loaded from L1: 15
 * columns are too many to keep in registers).  Every operation rounds to
 * nearest with exceptions suppressed (embedded rounding), so lanes out of
 * range are computed unclamped (their results are replaced) without
 * raising a flag. */
#define R64 (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define LUT64(col, j) _mm512_permutex2var_pd(_mm512_load_pd(col), (j), _mm512_load_pd((col) + 8))

static GELU_ALWAYS_INLINE __m512i f64_abs_bits8(__m512d x) {
    return _mm512_and_si512(_mm512_castpd_si512(x), _mm512_set1_epi64(INT64_C(0x7fffffffffffffff)));
}

/* lo <= u <= hi as unsigned, one compare */
static GELU_ALWAYS_INLINE __mmask8 f64_bits_within8(__m512i u, uint64_t lo, uint64_t hi) {
    return _mm512_cmple_epu64_mask(_mm512_sub_epi64(u, _mm512_set1_epi64((int64_t)lo)),
                                   _mm512_set1_epi64((int64_t)(hi - lo)));
}

/* f64_table_lookup */
static GELU_ALWAYS_INLINE __m512d f64_table_lookup8(const gelu_f64_table *t, __m512d y, __m512d *d, __m512d *e1,
                                                    __m512d *a) {
    __m512i j = _mm512_cvtt_roundpd_epi64(
        _mm512_mul_round_pd(y, _mm512_fmadd_round_pd(_mm512_set1_pd(t->beta), y, _mm512_set1_pd(t->alpha), R64), R64),
        _MM_FROUND_NO_EXC);
    __m512d dj = _mm512_sub_round_pd(y, LUT64(t->centre, j), R64);
    __m512d r2 = LUT64(t->e[GELU_F64_DEG], j);
    GELU_UNROLL
    for (int k = GELU_F64_DEG - 1; k >= 2; k--)
        r2 = _mm512_fmadd_round_pd(r2, dj, LUT64(t->e[k], j), R64);
    *d = dj;
    *e1 = LUT64(t->e[1], j);
    *a = LUT64(t->a, j);
    return _mm512_fmadd_round_pd(r2, _mm512_mul_round_pd(dj, dj, R64), LUT64(t->e[0], j), R64);
}

/* f64_table_combine */
static GELU_ALWAYS_INLINE __m512d f64_table_combine8(int grad, __m512d h, __m512d uh, __m512d ul, __m512d d,
                                                     __m512d e1, __m512d a, __m512d r) {
    __m512d t = _mm512_mul_round_pd(uh, d, R64);
    __m512d t_lo = _mm512_fmsub_round_pd(uh, d, t, R64);
    __m512d v = _mm512_mul_round_pd(e1, t, R64);
    __m512d v_lo = _mm512_fmsub_round_pd(e1, t, v, R64);
    __m512d p = _mm512_mul_round_pd(uh, a, R64);
    __m512d p_lo = _mm512_fmsub_round_pd(uh, a, p, R64);
    __m512d s = _mm512_sub_round_pd(h, p, R64);
    __m512d err = _mm512_sub_round_pd(_mm512_sub_round_pd(h, s, R64), p, R64);
    __m512d s2 = _mm512_sub_round_pd(s, v, R64);
    __m512d err2 = _mm512_sub_round_pd(_mm512_sub_round_pd(s, s2, R64), v, R64);
    __m512d k = _mm512_sub_round_pd(_mm512_add_round_pd(p_lo, v_lo, R64), _mm512_add_round_pd(err, err2, R64), R64);
    k = _mm512_fmadd_round_pd(e1, t_lo, k, R64);
    k = _mm512_fmadd_round_pd(uh, r, k, R64);
    if (grad)
        k = _mm512_fmadd_round_pd(ul, _mm512_add_round_pd(a, _mm512_fmadd_round_pd(e1, d, r, R64), R64), k, R64);
    return _mm512_sub_round_pd(s2, k, R64);
}

/* f64_table_value; *in_range: f64_table_in_range */
static GELU_ALWAYS_INLINE __m512d f64_table_value8(const gelu_f64_table *t, __m512d x, __mmask8 *in_range) {
    __m512i u = f64_abs_bits8(x);
    __mmask8 zero = _mm512_cmpeq_epu64_mask(u, _mm512_setzero_si512());
    *in_range = f64_bits_within8(u, GELU_F64_YMIN_BITS, GELU_F64_YMAX_BITS - 1) | zero;
    __m512d y = _mm512_castsi512_pd(u);
    __m512d d, e1, a;
    __m512d r = f64_table_lookup8(t, y, &d, &e1, &a);
    /* h = x for x >= 0, -0 for x < 0 (x = +-0 is put back below) */
    __m512d h = _mm512_max_round_pd(_mm512_set1_pd(-0.0), x, _MM_FROUND_NO_EXC);
    __m512d v = f64_table_combine8(0, h, y, y, d, e1, a, r);
    return _mm512_mask_mov_pd(v, zero, x);
}

/* f64_grad_value (grad2: f64_grad2_value, g = 1); *in_range:
 * f64_grad_in_range */
static GELU_ALWAYS_INLINE __m512d f64_grad_value8(const gelu_f64_table *t, int grad2, __m512d x, __m512d g,
                                                  __mmask8 *in_range) {
    const __m512d neg0 = _mm512_set1_pd(-0.0);
    __m512i u = f64_abs_bits8(x);
    __m512i ug = f64_abs_bits8(g);
    __mmask8 g_zero = _mm512_cmpeq_epu64_mask(ug, _mm512_setzero_si512());
    *in_range = _mm512_cmplt_epu64_mask(u, _mm512_set1_epi64((int64_t)GELU_F64_YMAX_BITS))
              & (f64_bits_within8(ug, GELU_F64_G_MIN_BITS, GELU_F64_G_MAX_BITS) | g_zero);
    __m512d y = _mm512_castsi512_pd(u);
    __m512d d, e1, a;
    __m512d r = f64_table_lookup8(t, y, &d, &e1, &a);
    const __m512d root_hi = _mm512_set1_pd(t->root[0]);
    __m512d s = _mm512_sub_round_pd(y, root_hi, R64);
    __m512d bb = _mm512_sub_round_pd(s, y, R64);
    __m512d e = _mm512_add_round_pd(_mm512_sub_round_pd(y, _mm512_sub_round_pd(s, bb, R64), R64),
                                    _mm512_sub_round_pd(_mm512_xor_pd(root_hi, neg0), bb, R64), R64);
    __m512d tt = _mm512_sub_round_pd(e, _mm512_set1_pd(t->root[1]), R64);
    __m512d dh = _mm512_add_round_pd(s, tt, R64);
    __m512d dl = _mm512_sub_round_pd(_mm512_sub_round_pd(tt, _mm512_sub_round_pd(dh, s, R64), R64),
                                     _mm512_set1_pd(t->root[2]), R64);
    /* x < 0, as the scalar code tests it (-0 counts as x >= 0) */
    __mmask8 neg = grad2 ? 0xFF : _mm512_cmp_round_pd_mask(x, _mm512_setzero_pd(), _CMP_LT_OQ, _MM_FROUND_NO_EXC);
    __m512d m = _mm512_mask_xor_pd(g, neg, g, neg0);
    __m512d h = _mm512_mask_mov_pd(g, neg, neg0);
    __m512d uh = _mm512_mul_round_pd(m, dh, R64);
    __m512d ul = _mm512_fmadd_round_pd(m, dl, _mm512_fmsub_round_pd(m, dh, uh, R64), R64);
    __m512d v = f64_table_combine8(1, h, uh, ul, d, e1, a, r);
    __mmask8 flip = neg & _mm512_cmp_round_pd_mask(dh, _mm512_setzero_pd(), _CMP_GT_OQ, _MM_FROUND_NO_EXC);
    __m512d z = _mm512_mask_xor_pd(g, flip, g, neg0);
    return _mm512_mask_mov_pd(v, g_zero, z);
}

/* Per block: the table formula on 8 lanes at a time, stored whole, with
 * the out-of-range inputs packed into bad_x (and bad_g) before the store
 * (so an in-place call loses nothing); then the double-double loop on
 * those, and its results expanded back over their lanes.  grad: g grad(x)
 * from a gradient table (g NULL: g = 1), else GELU(x); a constant wherever
 * this is inlined. */
/* The function's value on 8 lanes (grad as in f64_table_loop); *in_range:
 * the lanes the table serves. */
static GELU_ALWAYS_INLINE __m512d f64_value8(const gelu_f64_table *t, int grad, __m512d x, __m512d g,
                                             __mmask8 *in_range) {
    return grad ? f64_grad_value8(t, grad == 2, x, g, in_range) : f64_table_value8(t, x, in_range);
}

/* The lanes of x (and g) out of range (not in `ok`) appended to bad_x
 * (bad_g) at nbad; returns the new count. */
static GELU_ALWAYS_INLINE ptrdiff_t f64_pack_bad(int grad, __mmask8 ok, __m512d x, __m512d g, double *bad_x,
                                                 double *bad_g, ptrdiff_t nbad) {
    if (ok == 0xFF)
        return nbad;
    __mmask8 off = (__mmask8)~ok;
    _mm512_storeu_pd(bad_x + nbad, _mm512_maskz_compress_pd(off, x));
    if (grad)
        _mm512_storeu_pd(bad_g + nbad, _mm512_maskz_compress_pd(off, g));
    return nbad + __builtin_popcount(off);
}

static GELU_ALWAYS_INLINE void f64_table_loop(const gelu_f64_table *t, int grad, gelu_array_fn dd_loop,
                                              const double *x, const double *g, double *out, ptrdiff_t n) {
    __mmask8 ok[TBLOCK64 / 8];
    double bad_x[TBLOCK64 + 8], bad_g[TBLOCK64 + 8], res[TBLOCK64];
    const __m512d one = _mm512_set1_pd(1.0);
    ptrdiff_t b = 0;
    while (b < n) {
        ptrdiff_t k = n - b < TBLOCK64 ? n - b : TBLOCK64;
        ptrdiff_t nv = k / 8, nbad = 0;
        /* Two vectors at a time, both computed before either is stored: one
         * basic block with two independent chains, which the compiler
         * interleaves (meson.build schedules this file before register
         * allocation), as in the float32 loop (docs/speed.md). */
        ptrdiff_t v = 0;
        for (; v + 1 < nv; v += 2) {
            __m512d xv0 = _mm512_loadu_pd(x + b + 8 * v), xv1 = _mm512_loadu_pd(x + b + 8 * v + 8);
            __m512d gv0 = grad == 1 && g != NULL ? _mm512_loadu_pd(g + b + 8 * v) : one;
            __m512d gv1 = grad == 1 && g != NULL ? _mm512_loadu_pd(g + b + 8 * v + 8) : one;
            __m512d r0 = f64_value8(t, grad, xv0, gv0, &ok[v]);
            __m512d r1 = f64_value8(t, grad, xv1, gv1, &ok[v + 1]);
            _mm512_storeu_pd(out + b + 8 * v, r0);
            _mm512_storeu_pd(out + b + 8 * v + 8, r1);
            if ((ok[v] & ok[v + 1]) != 0xFF) {
                nbad = f64_pack_bad(grad, ok[v], xv0, gv0, bad_x, bad_g, nbad);
                nbad = f64_pack_bad(grad, ok[v + 1], xv1, gv1, bad_x, bad_g, nbad);
            }
        }
        if (v < nv) {
            __m512d xv = _mm512_loadu_pd(x + b + 8 * v);
            __m512d gv = grad == 1 && g != NULL ? _mm512_loadu_pd(g + b + 8 * v) : one;
            _mm512_storeu_pd(out + b + 8 * v, f64_value8(t, grad, xv, gv, &ok[v]));
            nbad = f64_pack_bad(grad, ok[v], xv, gv, bad_x, bad_g, nbad);
        }
        unsigned char tail_in[8];   /* in place, x is gone once out is written */
        int underflow = gelu_table_flags_save();
        for (ptrdiff_t i = 8 * nv; i < k; i++) {     /* the last few, one by one */
            double xi = x[b + i], gi = grad == 1 && g != NULL ? g[b + i] : 1.0;
            tail_in[i - 8 * nv] = (unsigned char)f64_in_range(grad, xi, gi);
            if (tail_in[i - 8 * nv]) {
                out[b + i] = grad == 2 ? f64_grad2_value(t, xi) : grad ? f64_grad_value(t, xi, gi) : f64_table_value(t, xi);
            } else {
                bad_x[nbad] = xi;
                bad_g[nbad++] = gi;
            }
        }
        gelu_table_flags_restore(underflow);
        if (nbad > 0) {
            dd_loop(bad_x, grad == 1 && g != NULL ? bad_g : NULL, res, nbad);
            ptrdiff_t pos = 0;
            for (ptrdiff_t v = 0; v < nv; v++) {
                if (ok[v] != 0xFF) {
                    __mmask8 off = (__mmask8)~ok[v];
                    _mm512_mask_storeu_pd(out + b + 8 * v, off, _mm512_maskz_expandloadu_pd(off, res + pos));
                    pos += __builtin_popcount(off);
                }
            }
            for (ptrdiff_t i = 8 * nv; i < k; i++)
                if (!tail_in[i - 8 * nv])
                    out[b + i] = res[pos++];
        }
        b += k;
    }
}
#else
#if !(defined(__AVX2__) && defined(__FMA__))
/* The table formula over a buffer.  restrict is what lets GCC 12 vectorize
 * it with gathers: without it, it cannot rule out that the stores alias the
 * table (and f64_table.h avoids signbit, which it does not vectorize); and
 * noinline keeps restrict in force (once inlined into the caller, GCC
 * loses it for the gradient loop). */
GELU_NOINLINE static void f64_table_values(const gelu_f64_table *restrict t, const double *restrict xs, double *restrict r,
                             ptrdiff_t k) {
    for (ptrdiff_t i = 0; i < k; i++)
        r[i] = f64_table_value(t, xs[i]);
}

GELU_NOINLINE static void f64_grad_values(const gelu_f64_table *restrict t, const double *restrict xs,
                            const double *restrict gs, double *restrict r, ptrdiff_t k) {
    for (ptrdiff_t i = 0; i < k; i++)
        r[i] = f64_grad_value(t, xs[i], gs[i]);
}

GELU_NOINLINE static void f64_grad2_values(const gelu_f64_table *restrict t, const double *restrict xs,
                                           double *restrict r, ptrdiff_t k) {
    for (ptrdiff_t i = 0; i < k; i++)
        r[i] = f64_grad2_value(t, xs[i]);
}

#endif

#if defined(__AVX2__) && defined(__FMA__)
/* A table's pieces as rows of 16 doubles, [centre, a, e[0..12], unused]:
 * one 128-byte row per piece, so that the AVX2 loop reads a lane's piece
 * with plain loads (GCC turns the C loop's table reads into scalar loads
 * and inserts, four per column, 15 columns). */
#define F64_ROW 16
_Static_assert(GELU_F64_DEG + 3 <= F64_ROW, "a piece fits in a row");
typedef struct {
    _Alignas(32) double row[GELU_F64_PIECES][F64_ROW];
} f64_table_rows;

static void f64_rows_from_table(const gelu_f64_table *t, f64_table_rows *rows) {
    for (int j = 0; j < GELU_F64_PIECES; j++) {
        rows->row[j][0] = t->centre[j];
        rows->row[j][1] = t->a[j];
        for (int k = 0; k <= GELU_F64_DEG; k++)
            rows->row[j][2 + k] = t->e[k][j];
        rows->row[j][F64_ROW - 1] = 0.0;
    }
}

/* Columns c and c + 1 of the rows r[0..3] (c even): two 16-byte loads into
 * the halves of each of two registers, and an unpack each. */
static GELU_ALWAYS_INLINE void f64_col_pair4(const double *const r[4], int c, __m256d *lo, __m256d *hi) {
    __m256d q0 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_load_pd(r[0] + c)), _mm_load_pd(r[2] + c), 1);
    __m256d q1 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_load_pd(r[1] + c)), _mm_load_pd(r[3] + c), 1);
    *lo = _mm256_unpacklo_pd(q0, q1);
    *hi = _mm256_unpackhi_pd(q0, q1);
}

/* f64_table_lookup on 4 lanes, the pieces j[0..3] read from their rows. */
static GELU_ALWAYS_INLINE __m256d f64_table_lookup4(const f64_table_rows *rows, const int32_t j[4], __m256d y,
                                                    __m256d *d, __m256d *e1, __m256d *a) {
    const double *r[4] = {rows->row[j[0]], rows->row[j[1]], rows->row[j[2]], rows->row[j[3]]};
    __m256d col[F64_ROW];
    GELU_UNROLL
    for (int c = 0; c < GELU_F64_DEG + 3; c += 2)
        f64_col_pair4(r, c, &col[c], &col[c + 1]);
    __m256d dj = _mm256_sub_pd(y, col[0]);
    __m256d r2 = col[2 + GELU_F64_DEG];
    GELU_UNROLL
    for (int k = GELU_F64_DEG - 1; k >= 2; k--)
        r2 = _mm256_fmadd_pd(r2, dj, col[2 + k]);
    *d = dj;
    *e1 = col[3];
    *a = col[1];
    return _mm256_fmadd_pd(r2, _mm256_mul_pd(dj, dj), col[2]);
}

/* f64_table_combine on 4 lanes: the same operations in the same order. */
static GELU_ALWAYS_INLINE __m256d f64_table_combine4(int grad, __m256d h, __m256d uh, __m256d ul, __m256d d,
                                                     __m256d e1, __m256d a, __m256d r) {
    __m256d t = _mm256_mul_pd(uh, d);
    __m256d t_lo = _mm256_fmsub_pd(uh, d, t);
    __m256d v = _mm256_mul_pd(e1, t);
    __m256d v_lo = _mm256_fmsub_pd(e1, t, v);
    __m256d p = _mm256_mul_pd(uh, a);
    __m256d p_lo = _mm256_fmsub_pd(uh, a, p);
    __m256d s = _mm256_sub_pd(h, p);
    __m256d err = _mm256_sub_pd(_mm256_sub_pd(h, s), p);
    __m256d s2 = _mm256_sub_pd(s, v);
    __m256d err2 = _mm256_sub_pd(_mm256_sub_pd(s, s2), v);
    __m256d k = _mm256_sub_pd(_mm256_add_pd(p_lo, v_lo), _mm256_add_pd(err, err2));
    k = _mm256_fmadd_pd(e1, t_lo, k);
    k = _mm256_fmadd_pd(uh, r, k);
    if (grad)
        k = _mm256_fmadd_pd(ul, _mm256_add_pd(a, _mm256_fmadd_pd(e1, d, r)), k);
    return _mm256_sub_pd(s2, k);
}

/* f64_table_value (grad 0), f64_grad_value (grad 1) and f64_grad2_value
 * (grad 2) on 4 lanes of inputs in range (the caller has replaced the
 * others by 0): the same operations in the same order.  Rounding as the C
 * formula's: the caller's mode, to nearest in practice. */
static GELU_ALWAYS_INLINE __m256d f64_value4(const gelu_f64_table *t, const f64_table_rows *rows, int grad,
                                             const int32_t j[4], __m256d x, __m256d g) {
    const __m256d neg0 = _mm256_set1_pd(-0.0), zero = _mm256_setzero_pd();
    __m256d y = _mm256_andnot_pd(neg0, x);
    __m256d d, e1, a;
    __m256d r = f64_table_lookup4(rows, j, y, &d, &e1, &a);
    __m256d neg = grad == 2 ? _mm256_castsi256_pd(_mm256_set1_epi64x(-1)) : _mm256_cmp_pd(x, zero, _CMP_LT_OQ);
    if (!grad) {
        __m256d h = _mm256_blendv_pd(y, neg0, neg);
        __m256d v = f64_table_combine4(0, h, y, zero, d, e1, a, r);
        return _mm256_blendv_pd(v, x, _mm256_cmp_pd(y, zero, _CMP_EQ_OQ));   /* +-0: x */
    }
    if (grad == 2)
        g = _mm256_set1_pd(1.0);
    const __m256d root_hi = _mm256_set1_pd(t->root[0]);
    __m256d s = _mm256_sub_pd(y, root_hi);
    __m256d bb = _mm256_sub_pd(s, y);
    __m256d e = _mm256_add_pd(_mm256_sub_pd(y, _mm256_sub_pd(s, bb)), _mm256_sub_pd(_mm256_xor_pd(root_hi, neg0), bb));
    __m256d tt = _mm256_sub_pd(e, _mm256_set1_pd(t->root[1]));
    __m256d dh = _mm256_add_pd(s, tt);
    __m256d dl = _mm256_sub_pd(_mm256_sub_pd(tt, _mm256_sub_pd(dh, s)), _mm256_set1_pd(t->root[2]));
    __m256d m = _mm256_blendv_pd(g, _mm256_xor_pd(g, neg0), neg);
    __m256d h = _mm256_blendv_pd(g, neg0, neg);
    __m256d uh = _mm256_mul_pd(m, dh);
    __m256d ul = _mm256_fmadd_pd(m, dl, _mm256_fmsub_pd(m, dh, uh));
    __m256d v = f64_table_combine4(1, h, uh, ul, d, e1, a, r);
    __m256d flip = _mm256_and_pd(neg, _mm256_cmp_pd(dh, zero, _CMP_GT_OQ));
    __m256d z = _mm256_xor_pd(g, _mm256_and_pd(flip, neg0));
    return _mm256_blendv_pd(v, z, _mm256_cmp_pd(_mm256_andnot_pd(neg0, g), zero, _CMP_EQ_OQ));
}

/* The formula on xs[0, k) (and gs), k <= TBLOCK64, every element in range
 * (the others replaced by 0): the pieces' indices first, in a loop of
 * their own, so that each row's address is ready before its lane's
 * formula needs it; then 4 lanes at a time; the last few by the C formula. */
static GELU_ALWAYS_INLINE void f64_values_avx2(const gelu_f64_table *t, const f64_table_rows *rows, int grad,
                                               const double *xs, const double *gs, double *r, ptrdiff_t k) {
    _Alignas(32) int32_t j[TBLOCK64];
    for (ptrdiff_t i = 0; i < k; i++)
        j[i] = f64_table_index(t, fabs(xs[i]));
    ptrdiff_t i = 0;
    for (; i + 4 <= k; i += 4)
        _mm256_storeu_pd(r + i, f64_value4(t, rows, grad, j + i, _mm256_loadu_pd(xs + i),
                                           grad == 1 ? _mm256_loadu_pd(gs + i) : _mm256_setzero_pd()));
    for (; i < k; i++)
        r[i] = grad == 2 ? f64_grad2_value(t, xs[i]) : grad ? f64_grad_value(t, xs[i], gs[i]) : f64_table_value(t, xs[i]);
}
#endif

/* Blocks: x and g read in full and the out-of-range inputs replaced by 0
 * (and, in the blocks that have any, packed with their positions) before
 * anything is written, so in-place calls are safe; then the table formula
 * for every element straight into `out` (the avx2 set's rows and
 * registers, or a loop the compiler vectorizes); then the packed inputs'
 * results from the double-double loop, put at their positions. */
static GELU_ALWAYS_INLINE void f64_table_loop(const gelu_f64_table *t, int grad, gelu_array_fn dd_loop,
                                              const double *x, const double *g, double *out, ptrdiff_t n) {
    double gb[TBLOCK64], xs[TBLOCK64], gs[TBLOCK64], bad_x[TBLOCK64], bad_g[TBLOCK64], res[TBLOCK64];
    int32_t bad_at[TBLOCK64];
#if defined(__AVX2__) && defined(__FMA__)
    f64_table_rows rows;
    f64_rows_from_table(t, &rows);
#endif
    for (ptrdiff_t b = 0; b < n; b += TBLOCK64) {
        ptrdiff_t k = n - b < TBLOCK64 ? n - b : TBLOCK64;
        for (ptrdiff_t i = 0; i < k; i++)
            gb[i] = grad == 1 && g != NULL ? g[b + i] : 1.0;
        /* Out-of-range x and g replaced by 0 in a pass of their own, so
         * that the formula never sees them (no flag from a discarded lane). */
        int all_in = 1;
        for (ptrdiff_t i = 0; i < k; i++) {
            int in = f64_in_range(grad, x[b + i], gb[i]);
            xs[i] = in ? x[b + i] : 0.0;
            gs[i] = in ? gb[i] : 0.0;
            all_in &= in;
        }
        ptrdiff_t nbad = 0;
        if (!all_in)
            for (ptrdiff_t i = 0; i < k; i++)
                if (!f64_in_range(grad, x[b + i], gb[i])) {
                    bad_g[nbad] = gb[i];
                    bad_at[nbad] = (int32_t)i;
                    bad_x[nbad++] = x[b + i];
                }
        double *r = out + b;
        int underflow = gelu_table_flags_save();
#if defined(__AVX2__) && defined(__FMA__)
        f64_values_avx2(t, &rows, grad, xs, gs, r, k);
#else
        if (grad == 2)
            f64_grad2_values(t, xs, r, k);
        else if (grad)
            f64_grad_values(t, xs, gs, r, k);
        else
            f64_table_values(t, xs, r, k);
#endif
        gelu_table_flags_restore(underflow);
        if (nbad > 0) {
            dd_loop(bad_x, grad == 1 && g != NULL ? bad_g : NULL, res, nbad);
            for (ptrdiff_t p = 0; p < nbad; p++)
                r[bad_at[p]] = res[p];
        }
    }
}
#endif

/* The entry points: table loops, double-double for what they hand over.
 * grad: 0 GELU, 1 g grad(x), 2 grad2(x) (a constant in each). */
#define F64_TABLE(name, table, grad, binary)                                                \
    GELU_F64_DECLARE(name) {                                                                \
        f64_table_loop(&gelu_f64_table_##table, grad, name##_dd, x, binary ? g : NULL, out, n); \
    }

F64_TABLE(exact, exact, 0, 0)
F64_TABLE(exact_grad, exact_grad, 1, 0)
F64_TABLE(exact_backward, exact_grad, 1, 1)
F64_TABLE(tanh, tanh, 0, 0)
F64_TABLE(tanh_grad, tanh_grad, 1, 0)
F64_TABLE(tanh_backward, tanh_grad, 1, 1)
F64_TABLE(exact_grad2, exact_grad2, 2, 0)
F64_TABLE(tanh_grad2, tanh_grad2, 2, 0)
