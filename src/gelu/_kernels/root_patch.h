/*
 * root_patch.h -- evaluating a function near a simple zero without cancellation.
 *
 * Near a zero x0 of f, the usual formula is a difference of two nearly equal
 * terms and loses the relative accuracy of its result (every framework is off
 * by 10^3 ulp or more near the zero of GELU's derivative).  Instead:
 *   f(x0 + d) = d * E(d),  |d| < GELU_PATCH_R,
 * with E a polynomial fitted by tools/gen_coefficients.py (error bound printed
 * there) and x0 a triple-double, so that d = x - x0 is known to ~2^-150
 * relative and f keeps full relative accuracy right up to the zero.
 */
#ifndef GELU_ROOT_PATCH_H
#define GELU_ROOT_PATCH_H

#include "dd.h"
#include "mills.h"  /* gelu_poly_dd */

/* d = x - x0 as a double-double.  x - x0[0] is exact (Sterbenz) because the
 * patch radius is below |x0|/2. */
static inline dd gelu_patch_offset(double x, const double x0[3]) {
    dd d = dd_two_sum(x - x0[0], -x0[1]);
    return dd_fast_two_sum(d.hi, d.lo - x0[2]);
}

static inline int gelu_in_patch(double x, const double x0[3]) {
    return fabs(x - x0[0]) < GELU_PATCH_R;
}

static inline dd gelu_patch_eval(const double (*coef)[2], dd d) {
    return dd_mul(d, gelu_poly_dd(coef, GELU_PATCH_DEG, d));
}

#endif /* GELU_ROOT_PATCH_H */
