/*
 * narrow_common.h -- building blocks of the *_narrow kernels: exp, the Mills
 * ratio and root patches in plain double, relative error about 2^-33.
 *
 * The narrow kernels serve float32 and float16 results: computed in double
 * with that error and rounded once to the narrow type, the result is within
 * 0.5 + 2^-7 ulp of float32 (the measured maximum over all 2^32 inputs is in
 * docs/accuracy.md).  That, not correct rounding, is the design point: the
 * promise is 1 ulp, and degrees chosen for 2^-33 rather than 2^-45 cost
 * about 40 % fewer operations.  They avoid double-double entirely, so they
 * cost a fraction of the float64 kernels and are written without branches
 * (clamps and selects only) so that they vectorize: narrow_exact.h and
 * narrow_tanh.h hold the per-element formulas, gelu_array.c the loops.
 */
#ifndef GELU_NARROW_COMMON_H
#define GELU_NARROW_COMMON_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "gelu_coefficients.h"
#include "gelu_unroll.h"


/* exp(yh + yl) for -200 <= yh <= 0: Cody-Waite reduction, then a degree-7
 * polynomial (the Chebyshev interpolant, gelu_coefficients.h).
 * The low part of the argument (from an FMA split of a square) enters as
 * exp(yh) (1 + yl), so that x^2 is never rounded in the tail.
 * 2^k is read off the bits of `big` = 1.5 * 2^52 + k rather than converted
 * from kd: integer adds and shifts only, which vectorize on every ISA
 * (x86 has no double -> int64 vector conversion before AVX-512). */
static inline double narrow_exp(double yh, double yl) {
    const double shift = 0x1.8p52;
    double big = yh * GELU_LOG2E + shift;
    double kd = big - shift;
    double r = (yh - kd * GELU_LN2_HI) - kd * GELU_LN2_MID;
    double p = gelu_narrow_exp_coef[GELU_NARROW_EXP_DEG];
    GELU_UNROLL
    for (int i = GELU_NARROW_EXP_DEG - 1; i >= 0; i--)
        p = fma(p, r, gelu_narrow_exp_coef[i]);
    p = fma(p, yl, p);
    /* The low 12 bits of bits(big) + 1023 are k + 1023 (2^51 and the
     * exponent field are multiples of 2^12): shifted up, that is 2^k. */
    uint64_t bits;
    memcpy(&bits, &big, sizeof bits);
    bits = (bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* phi(y) = exp(-y^2/2) / sqrt(2 pi), y >= 0, y <= 20. */
static inline double narrow_normal_pdf(double y) {
    double sq = y * y;
    double sq_lo = fma(y, y, -sq);
    return narrow_exp(-0.5 * sq, -0.5 * sq_lo) * GELU_INV_SQRT_2PI_HI;
}

/* M(y) for 0 <= y <= 16, one polynomial for the whole range: in
 * u = 1/(1 + y/4), which maps [0, 16] onto [0.2, 1] and turns M's 1/y
 * decay into something a polynomial follows, M(y) = u P(2.5 u - 1.5)
 * (tools/gen_coefficients.py: degree 12, relative error < 2^-33).  No
 * pieces means no per-element table lookup, so the array loops vectorize
 * it as they stand; the division is correctly rounded on every ISA. */
static inline double narrow_mills(double y) {
    double u = GELU_NARROW_MILLS_INV_C / (GELU_NARROW_MILLS_INV_C + y);
    double t = fma(GELU_NARROW_MILLS_T_SCALE, u, -GELU_NARROW_MILLS_T_SHIFT);
    double p = gelu_narrow_mills_coef[GELU_NARROW_MILLS_DEG];
    GELU_UNROLL
    for (int j = GELU_NARROW_MILLS_DEG - 1; j >= 0; j--)
        p = fma(p, t, gelu_narrow_mills_coef[j]);
    return u * p;
}

/* f(x) = d E(d) with d = x - x0, x0 a double-double: no cancellation at the zero. */
static inline int narrow_in_patch(double x, const double x0[2]) {
    return fabs(x - x0[0]) < GELU_PATCH_R;
}

static inline double narrow_patch_eval(double x, const double x0[2], const double *c) {
    double d = (x - x0[0]) - x0[1];   /* x - x0[0] is exact (Sterbenz) */
    double p = c[GELU_NARROW_PATCH_DEG];
    GELU_UNROLL
    for (int j = GELU_NARROW_PATCH_DEG - 1; j >= 0; j--)
        p = fma(p, d, c[j]);
    return d * p;
}

#endif /* GELU_NARROW_COMMON_H */
