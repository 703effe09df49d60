/*
 * f64_table.h -- exact GELU and the tanh formula in double arithmetic, for
 * float64 inputs with 2^-900 <= |x| < 4 (or x = +-0): the fast path of the
 * float64 loops.
 *
 * Formula:  GELU(x) = x (1 - Q(y)) for x >= 0, -y Q(y) for x < 0, y = |x|,
 *           with Q(y) = Phi(-y) (exact GELU) or sigma(-2 u(y)),
 *           u = sqrt(2/pi) (y + 0.044715 y^3) (the tanh formula); the same
 *           form as the float32 kernels (f32_table.h).
 * Method:   Q(y) = A + E(d) from a 16-piece table per function
 *           (gelu_f64_tables.h, made by tools/gen_f64_tables.py): A = Q(c)
 *           as a double, E(d) = e_0 + e_1 d + d^2 R2(d) of degree 12 in
 *           d = y - c (exact).  With h = y (x >= 0) or -0 (x < 0):
 *               GELU(x) = h - y A - e_1 (y d) - (e_0 + d^2 R2) y.
 *           y A and e_1 (y d) are carried exactly (FMA splits, y d split
 *           too), and both differences with h exactly (Fast2Sum); only the
 *           last term, |E - e_1 d| <= 0.10 Q, and the small remainders are
 *           rounded before the final subtraction.  Every operation is a
 *           double add, multiply or fma, so the result is the same on
 *           every ISA and in every lane.
 * Error:    tables <= 2^-57.6 relative (0.041 ulp of the result); the last
 *           term's own error (Horner, d^2 and its fma: about 3.2 2^-53 of
 *           it) and its rounding (2^-53 of it) add at most 4.2 x 0.10 ulp,
 *           so an a priori bound is 0.5 + 0.041 + 0.42 < 0.97 ulp.
 *           Measured: docs/accuracy.md.
 * Range:    2^-900 <= |x| < 4, or x = +-0 (below 2^-900 the split products
 *           would fall into the subnormals, where they are not exact).
 *           Outside (and for NaN) the loops use the double-double kernels
 *           (dd_exact.h, dd_tanh.h); f64_table_in_range says which from x
 *           alone, so each input takes the same path whatever the ISA,
 *           thread or position in the array.
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

/* GELU(x) for x in range; for other finite x a finite, meaningless value.
 *     s + err = h - y A             (p + p_lo = y A exactly, Fast2Sum)
 *     s2 + err2 = s - e_1 t         (v + v_lo = e_1 t exactly, t + t_lo = y d)
 *     GELU(x) = s2 - ((p_lo + v_lo - err - err2) + e_1 t_lo + y R),
 * R = e_0 + d^2 R2(d).  |h| >= |y A| (A <= 1/2) and |s| >= |e_1 t|
 * (|e_1 d| <= 0.7 Q over every piece) make both Fast2Sums exact. */
static inline double f64_table_value(const gelu_f64_table *t, double x) {
    double y = f64_table_in_range(x) ? fabs(x) : 0.0;   /* keeps the index in the table */
    int j = (int)(y * fma(t->beta, y, t->alpha));
    const double *centre = t->centre, *a_col = t->a, *e[GELU_F64_DEG + 1];
    GELU_UNROLL
    for (int k = 0; k <= GELU_F64_DEG; k++)
        e[k] = t->e[k];
    double d = y - centre[j];
    double r2 = e[GELU_F64_DEG][j];
    GELU_UNROLL
    for (int k = GELU_F64_DEG - 1; k >= 2; k--)
        r2 = fma(r2, d, e[k][j]);
    double r = fma(r2, d * d, e[0][j]);
    double e1 = e[1][j], a = a_col[j];
    double yd = y * d;
    double yd_lo = fma(y, d, -yd);
    double v = e1 * yd;
    double v_lo = fma(e1, yd, -v);
    double p = y * a;
    double p_lo = fma(y, a, -p);
    double h = x < 0 ? -0.0 : y;   /* not signbit: GCC 12 does not vectorize that; x = -0 is put back below */
    double s = h - p;
    double err = (h - s) - p;
    double s2 = s - v;
    double err2 = (s - s2) - v;
    double k = (p_lo + v_lo) - (err + err2);
    k = fma(e1, yd_lo, k);
    k = fma(y, r, k);
    /* +-0: GELU(x) = x; the formula would lose the sign (e_1 (y d) = -0) */
    return f64_abs_bits(x) == 0 ? x : s2 - k;
}

#endif /* GELU_F64_TABLE_H */
