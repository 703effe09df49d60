/*
 * exp_dd.h -- exp of a double-double argument, as a scaled double-double.
 *
 * Contract: for y = yh + yl with -900 <= yh <= 1 (finite), returns m, k with
 * exp(y) = (m.hi + m.lo) * 2^k * (1 + e), |e| < 2^-66, m in [0.7, 1.42].
 * Method: Cody-Waite reduction y = k ln2 + r with ln2 in three parts (k*LN2_HI
 * is exact), |r| <= ln2/2; then the Taylor polynomial of degree
 * GELU_EXP_DEG (truncation 2^-73.8): terms of degree >= 6 in double Horner,
 * which contributes < 2^-70, the leading six in double-double.  The low part
 * of r enters as exp(rh) * (1 + rl).  No table lookups, no libm calls.
 * Why double-double: exp(-x^2/2) in the far tail and exp(-2u) for the tanh
 * formula multiply an argument of up to ~900 whose last bits matter.
 */
#ifndef GELU_EXP_DD_H
#define GELU_EXP_DD_H

#include "dd.h"
#include "gelu_coefficients.h"
#include "gelu_unroll.h"

static inline dd_scaled gelu_exp_dd(dd y) {
    const double shift = 0x1.8p52;  /* adding it rounds to an integer */
    double kd = (y.hi * GELU_LOG2E + shift) - shift;
    /* yh - k*LN2_HI is exact (Sterbenz, or k == 0). */
    double r0 = y.hi - kd * GELU_LN2_HI;
    dd kmid = dd_two_prod(kd, GELU_LN2_MID);
    dd r = dd_two_sum(r0, -kmid.hi);
    r = dd_fast_two_sum(r.hi, r.lo + (y.lo - kmid.lo - kd * GELU_LN2_LO));

    double q = gelu_exp_coef[GELU_EXP_DEG][0];
    GELU_UNROLL
    for (int i = GELU_EXP_DEG - 1; i >= GELU_DD_TERMS; i--)
        q = fma(q, r.hi, gelu_exp_coef[i][0]);
    dd acc = dd_make(q, 0.0);
    GELU_UNROLL
    for (int i = GELU_DD_TERMS - 1; i >= 0; i--)
        acc = dd_add(dd_mul_d(acc, r.hi), dd_make(gelu_exp_coef[i][0], gelu_exp_coef[i][1]));
    acc = dd_fast_two_sum(acc.hi, fma(acc.hi, r.lo, acc.lo));

    dd_scaled out = {acc, (int)kd};
    return out;
}

#endif /* GELU_EXP_DD_H */
