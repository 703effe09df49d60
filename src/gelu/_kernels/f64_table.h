/*
 * f64_table.h -- exact GELU, the tanh formula and their backward passes in
 * double arithmetic, for float64 inputs with |x| < 4: the fast path of the
 * float64 loops.
 *
 * Formula:  GELU(x) = x (1 - Q(y)) for x >= 0, -y Q(y) for x < 0, y = |x|,
 *           with Q(y) = Phi(-y) (exact GELU) or sigma(-2 u(y)),
 *           u = sqrt(2/pi) (y + 0.044715 y^3) (the tanh formula); the same
 *           form as the float32 kernels (f32_table.h).
 *           g grad(x) = g (1 - G(y)) for x >= 0, g G(y) for x < 0, with
 *           G(y) = grad(-y) = (y - y*) H(y), y* the gradient's zero;
 *           grad2(x) = (y - y*) H2(y), y* its zero (grad2 is even): the
 *           x < 0 branch with g = 1 on a table of its own.
 * Method:   Q(y) (or H(y)) = A + E(d) from a 16-piece table per function
 *           (gelu_f64_tables.h, made by tools/gen_f64_tables.py): A = Q(c)
 *           as a double, E(d) = e_1 d + R(d), R = e_0 + d^2 R2(d), of
 *           degree 12 in d = y - c (exact).  With u = y (GELU) or
 *           m (y - y*) (the gradient; m = -g for x < 0, g for x >= 0, and
 *           y - y* carried in two doubles) and h = y (or g) for x >= 0, -0
 *           for x < 0:
 *               result = h - u A - e_1 (u d) - u R.
 *           u A and e_1 (u d) are carried exactly (FMA splits, u d split
 *           too), and both differences with h exactly (Fast2Sum; the
 *           generator checks their condition on every piece); only the last
 *           term, |R| <= 0.105 Q, and the small remainders are rounded
 *           before the final subtraction.  Every operation is a double add,
 *           multiply or fma, so the result is the same on every ISA and in
 *           every lane.
 * Error:    tables <= 2^-57.2 relative (0.054 ulp of the result); the last
 *           term's own error (Horner, d^2 and its fma: about 3.2 2^-53 of
 *           it) and its rounding (2^-53 of it) add at most 4.2 x 0.105 ulp,
 *           so an a priori bound is 0.5 + 0.054 + 0.44 < 1 ulp.  y* is
 *           held in three doubles: next to the zero |y - y*| is as small as
 *           2^-56, and a double-double y* left up to 1.13 ulp there (for
 *           some g).  Measured: docs/accuracy.md.
 * Range:    GELU: 2^-900 <= |x| < 4, or x = +-0 (below 2^-900 the split
 *           products would fall into the subnormals, where they are not
 *           exact).  Backward: |x| < 4 and 2^-800 <= |g| <= 2^800 or g = 0.
 *           Second derivatives: |x| < 4.
 *           Outside (and for NaN) the loops use the double-double kernels
 *           (dd_exact.h, dd_tanh.h); the *_in_range functions say which from
 *           the inputs alone, so each input takes the same path whatever
 *           the ISA, thread or position in the array.
 */
#ifndef GELU_F64_TABLE_H
#define GELU_F64_TABLE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gelu_f64_tables.h"
#include "gelu_unroll.h"

#define GELU_F64_YMIN_BITS UINT64_C(0x07b0000000000000)   /* 2^-900 */

/* |x| as bits: range tests on integers raise no floating-point flag for a
 * NaN. */
static inline uint64_t f64_abs_bits(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u & UINT64_C(0x7fffffffffffffff);
}

/* The fast path's domain.  False for NaN and infinities. */
static inline int f64_table_in_range(double x) {
    uint64_t u = f64_abs_bits(x);
    return u - GELU_F64_YMIN_BITS < GELU_F64_YMAX_BITS - GELU_F64_YMIN_BITS || u == 0;
}

/* The piece of 0 <= y < 4: j = floor(y (alpha + beta y)). */
static inline int f64_table_index(const gelu_f64_table *t, double y) {
    return (int)(y * fma(t->beta, y, t->alpha));
}

/* The table at 0 <= y < 4: returns R = e_0 + d^2 R2(d), and sets *d = y - c,
 * *e1 and *a of the piece j = floor(y (alpha + beta y)). */
static inline double f64_table_lookup(const gelu_f64_table *t, double y, double *d, double *e1, double *a) {
    /* The columns as plain pointers: with t->e[k][j] in the loop, GCC 12
     * does not vectorize the portable loops (gelu_array_f64.c). */
    const double *centre = t->centre, *a_col = t->a, *e[GELU_F64_DEG + 1];
    GELU_UNROLL
    for (int k = 0; k <= GELU_F64_DEG; k++)
        e[k] = t->e[k];
    int j = f64_table_index(t, y);
    double dj = y - centre[j];
    double r2 = e[GELU_F64_DEG][j];
    GELU_UNROLL
    for (int k = GELU_F64_DEG - 1; k >= 2; k--)
        r2 = fma(r2, dj, e[k][j]);
    *d = dj;
    *e1 = e[1][j];
    *a = a_col[j];
    return fma(r2, dj * dj, e[0][j]);
}

/* h - u (a + e1 d + r) for the Fast2Sum conditions above, u = uh + ul
 * (grad = 0: u = uh, ul unused; a constant wherever this is inlined):
 *     s + err = h - uh a              (p + p_lo = uh a exactly)
 *     s2 + err2 = s - e1 t            (v + v_lo = e1 t exactly, t + t_lo = uh d)
 *     result = s2 - ((p_lo + v_lo - err - err2) + e1 t_lo + uh r + ul (a + e1 d + r)). */
static GELU_ALWAYS_INLINE double f64_table_combine(int grad, double h, double uh, double ul, double d, double e1,
                                                  double a, double r) {
    double t = uh * d;
    double t_lo = fma(uh, d, -t);
    double v = e1 * t;
    double v_lo = fma(e1, t, -v);
    double p = uh * a;
    double p_lo = fma(uh, a, -p);
    double s = h - p;
    double err = (h - s) - p;
    double s2 = s - v;
    double err2 = (s - s2) - v;
    double k = (p_lo + v_lo) - (err + err2);
    k = fma(e1, t_lo, k);
    k = fma(uh, r, k);
    if (grad)
        k = fma(ul, a + fma(e1, d, r), k);
    return s2 - k;
}

/* GELU(x) for x in range; for other finite x a finite, meaningless value. */
static inline double f64_table_value(const gelu_f64_table *t, double x) {
    double y = f64_table_in_range(x) ? fabs(x) : 0.0;   /* keeps the index in the table */
    double d, e1, a;
    double r = f64_table_lookup(t, y, &d, &e1, &a);
    double h = x < 0 ? -0.0 : y;   /* not signbit: GCC 12 does not vectorize that; x = -0 is put back below */
    double v = f64_table_combine(0, h, y, 0.0, d, e1, a, r);
    /* +-0: GELU(x) = x; the formula would lose the sign (e_1 (y d) = -0) */
    return f64_abs_bits(x) == 0 ? x : v;
}

/* ---- gradients: g * grad(x), from the gradient tables ------------------- */

#define GELU_F64_G_MIN_BITS UINT64_C(0x0df0000000000000)   /* 2^-800 */
#define GELU_F64_G_MAX_BITS UINT64_C(0x71f0000000000000)   /* 2^800 */

static inline int f64_grad_g_ok(double g) {
    uint64_t u = f64_abs_bits(g);
    return u - GELU_F64_G_MIN_BITS <= GELU_F64_G_MAX_BITS - GELU_F64_G_MIN_BITS || u == 0;
}

static inline int f64_grad_in_range(double x, double g) {
    return f64_abs_bits(x) < GELU_F64_YMAX_BITS && f64_grad_g_ok(g);
}

/* g grad(x) from y = |x| and neg = (x < 0), for (x, g) in range.
 * y - y* = dh + dl: TwoSum of y and -y*_hi, then -y*_mid added (next to
 * the zero y - y*_hi is exact and larger than y*_mid, so that step is a
 * Fast2Sum), then -y*_lo into dl: y* in three doubles, as next to the zero
 * y - y* is as small as 2^-56 and two would leave about an ulp of error.  g = +-0: the result is g with the sign of grad(x), as
 * g * grad rounds; grad(x) < 0 exactly where x < -y*. */
static GELU_ALWAYS_INLINE double f64_grad_core(const gelu_f64_table *t, double y, int neg, double g) {
    double d, e1, a;
    double r = f64_table_lookup(t, y, &d, &e1, &a);
    double s = y - t->root[0];
    double bb = s - y;
    double e = (y - (s - bb)) + (-t->root[0] - bb);
    double tt = e - t->root[1];
    double dh = s + tt;
    double dl = (tt - (dh - s)) - t->root[2];
    double m = neg ? -g : g;
    double h = neg ? -0.0 : g;
    double uh = m * dh;
    double ul = fma(m, dl, fma(m, dh, -uh));
    double v = f64_table_combine(1, h, uh, ul, d, e1, a, r);
    double z = neg && dh > 0 ? -g : g;
    return f64_abs_bits(g) == 0 ? z : v;
}

/* g grad(x) for (x, g) in range; for others a finite, meaningless value. */
static inline double f64_grad_value(const gelu_f64_table *t, double x, double g) {
    double y = f64_abs_bits(x) < GELU_F64_YMAX_BITS ? fabs(x) : 0.0;
    double gs = f64_grad_g_ok(g) ? g : 0.0;           /* finite for every g */
    return f64_grad_core(t, y, x < 0, gs);
}

/* grad2(x) for |x| < 4 from a second-derivative table, which holds
 * grad2(y) / (y - y*): grad2 is even, and equals the gradient formula's
 * g G(y) branch (x < 0) with g = 1. */
static inline double f64_grad2_value(const gelu_f64_table *t, double x) {
    double y = f64_abs_bits(x) < GELU_F64_YMAX_BITS ? fabs(x) : 0.0;
    return f64_grad_core(t, y, 1, 1.0);
}

#endif /* GELU_F64_TABLE_H */
