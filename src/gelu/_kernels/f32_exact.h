/*
 * f32_exact.h -- exact GELU in float32 arithmetic, for float32 inputs with
 * 2^-25 <= |x| < 4 (and x = +-0): the fast path of the float32 loops.
 *
 * Formula:  GELU(x) = x Phi(x).  With y = |x| and Q(y) = Phi(-y):
 *             x < 0:  GELU(x) = -y Q(y)
 *             x > 0:  GELU(x) = x - y Q(y)
 * Method:   Q(y) = A + E(d) from a 32-piece table (gelu_f32_tables.h, made by
 *           tools/gen_f32_tables.py): A = Q(c) as a float32, E a degree-7
 *           polynomial in d = y - c (exact).  y A is split exactly with an
 *           FMA (p + p_lo); only the small term y E (|E| <= 0.215 Q) and
 *           p_lo are rounded before the last operation, and for x > 0 the
 *           difference x - p is carried exactly (Fast2Sum, |x| >= |p|).
 *           Every operation is a float32 add, multiply or fmaf, so the
 *           result is the same on every ISA and in every lane.
 * Error:    table 2^-29 relative; the rounding of E's Horner steps and of
 *           fma(y, E, p_lo) each add at most 2^-24 |y E| <= 0.30 * 2^-24 of
 *           the result, so before the final rounding the error is below
 *           0.61 ulp in the worst case, and after it below 1.11 ulp as an
 *           a priori bound.  Measured over every float32 input of the range
 *           (docs/accuracy.md): see GELU_F32_EXACT_MAX_ULP_MEASURED there.
 * Range:    2^-25 <= |x| < 4, and +-0.  Outside it (and for NaN) the loops
 *           use the double-based narrow kernel (narrow_exact.h) instead;
 *           f32_exact_in_range says which, from x alone, so each input
 *           always takes the same path.
 */
#ifndef GELU_F32_EXACT_H
#define GELU_F32_EXACT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gelu_f32_tables.h"
#include "gelu_unroll.h"


/* |x| as bits: range tests on integers raise no floating-point flag for a
 * NaN (compilers may turn even isless() into a signaling compare under
 * -fno-trapping-math, which the array loops need). */
static inline uint32_t f32_abs_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u & 0x7fffffffu;
}

#define GELU_F32_YMAX_BITS 0x40800000u   /* 4.0f */
#define GELU_F32_TINY_BITS 0x33000000u   /* 0x1p-25f */

/* The fast path's domain.  False for NaN. */
static inline int f32_exact_in_range(float x) {
    uint32_t u = f32_abs_bits(x);
    return (u < GELU_F32_YMAX_BITS && u >= GELU_F32_TINY_BITS) || u == 0;
}

/* GELU(x) for x in range; for other finite x a finite, meaningless value.
 * One formula for both signs: with h = x for x >= 0 and h = -0 for x < 0,
 *     GELU(x) = h - y Q(y) = (s + err) - (p_lo + y E),   s + err = h - p,
 * which is -(p + (y E + p_lo)) for x < 0 (err = 0), and keeps the sign of
 * a zero x (s - (+0) with s = h - 0 = h). */
static inline float f32_exact_value(float x) {
    float y = f32_abs_bits(x) < GELU_F32_YMAX_BITS ? fabsf(x) : 0.0f;  /* index in the table */
    /* y (ALPHA + BETA y) is monotone in y and below 32 for every y < 4 */
    int j = (int)(y * fmaf(GELU_F32_INDEX_BETA, y, GELU_F32_INDEX_ALPHA));
    float d = y - gelu_f32_centre[j];
    float e = gelu_f32_e[GELU_F32_DEG][j];
    GELU_UNROLL
    for (int k = GELU_F32_DEG - 1; k >= 0; k--)
        e = fmaf(e, d, gelu_f32_e[k][j]);
    float a = gelu_f32_a[j];
    float p = y * a;
    float p_lo = fmaf(y, a, -p);
    float h = signbit(x) ? -0.0f : y;     /* y, not x: finite for every x */
    float s = h - p;
    float err = (h - s) - p;              /* exact: Fast2Sum, |h| >= |p| or h = -0 */
    return s - fmaf(y, e, p_lo - err);
}

#endif /* GELU_F32_EXACT_H */
