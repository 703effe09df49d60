/*
 * dd_exact.h -- exact GELU, x * Phi(x), and its first two derivatives, in double-double.
 *
 * Shared method (every function here):
 *   y = |x| clamped to [0, 40] (all results have under/overflowed or become
 *   exact beyond), phi(y) = exp(-y^2/2)/sqrt(2 pi) with y^2 split exactly by
 *   FMA and exp taken of the double-double argument (exp_dd.h), and the Mills
 *   ratio M(y) (mills.h).  Then, with no subtraction of nearly equal numbers:
 *     Phi(x)           = phi(y) M(y)          for x < 0,  1 - phi(y) M(y) for x >= 0
 *     Phi(x) + x phi(x) = phi(y) (M(y) - y)   for x < 0,  1 - phi(y) (M(y) - y) for x >= 0
 *     phi(x) (2 - x^2)  with 2 - x^2 exact as a double-double.
 *   The one remaining cancellation, M(y) - y at the derivative's zero
 *   x* = -0.7517915246935644..., is replaced by a root patch (root_patch.h).
 *   Everything is carried in double-double and rounded once (dd.h).
 *
 * At x = +-inf the results are their exact limits, returned as such (the
 * clamped formulas would round a tiny value to zero and raise a spurious
 * underflow flag): GELU(-inf) = -0, g grad(-inf) = g * -0 for finite g,
 * grad2(+-inf) = -0.
 *
 * Valid range: all doubles.  Error: < 0.51 ulp in double by construction
 * (pre-rounding relative error < 2^-57 per the generator's bounds); measured
 * maxima are in docs/accuracy.md.
 *
 * static inline, shared by the scalar API (gelu_exact.c) and the array loops
 * (gelu_array.c, compiled once per instruction set): one source, same bits.
 */
#ifndef GELU_DD_EXACT_H
#define GELU_DD_EXACT_H

#include "dd.h"
#include "exp_dd.h"
#include "mills.h"
#include "root_patch.h"

/* Beyond this |x|, x*Phi(x) rounds to x (Q(10) ~ 7.6e-24) and the derivative to 1. */
#define DD_EXACT_RIGHT_SATURATION 10.0
/* Below -40 every result here has underflowed to a signed zero. */
#define DD_EXACT_TAIL_CLAMP 40.0

/* |x| clamped, keeping NaN (a NaN compares false). */
static inline double dd_exact_clamp_abs(double x) {
    double y = fabs(x);
    return y > DD_EXACT_TAIL_CLAMP ? DD_EXACT_TAIL_CLAMP : y;
}

/* Below 2^-200, y^2 and M(y) - M(0) are far below 2^-60 of the results; using
 * 0 there keeps tiny inputs from raising spurious underflow flags. */
static inline double dd_exact_flush_negligible(double y) { return y < 0x1p-200 ? 0.0 : y; }

/* phi(y) = exp(-y^2/2) / sqrt(2 pi). */
static inline dd_scaled dd_exact_normal_pdf(double y) {
    dd sq = dd_two_prod(y, y);
    dd_scaled e = gelu_exp_dd(dd_make(-0.5 * sq.hi, -0.5 * sq.lo));
    e.m = dd_mul(e.m, dd_make(GELU_INV_SQRT_2PI_HI, GELU_INV_SQRT_2PI_LO));
    return e;
}

static inline double dd_gelu_exact(double x) {
    if (isnan(x)) return x + x;
    if (x == -INFINITY) return -0.0;
    if (x > DD_EXACT_RIGHT_SATURATION) return x;
    double y = dd_exact_flush_negligible(dd_exact_clamp_abs(x));
    dd_scaled q = dd_exact_normal_pdf(y);              /* becomes Q(y) = Phi(-y) */
    q.m = dd_mul(q.m, gelu_mills(y));
    if (x < 0) {
        q.m = dd_mul_d(q.m, -dd_exact_clamp_abs(x));   /* x Phi(x), x clamped so -inf gives -0 */
        return dd_scaled_round(q, 1.0);
    }
    dd phi_x = dd_add(dd_make(1.0, 0.0), dd_neg(dd_scaled_value(q)));
    dd_scaled r = {dd_mul_d(phi_x, x), 0};
    /* x * Phi(x) keeps the sign of a zero x: 0 * 0.5 = +0, -0 * 0.5 = -0 */
    return x == 0 ? x : dd_scaled_round(r, 1.0);
}

/* g * grad(x) for x < -40, where DD_EXACT_TAIL_CLAMP would give
 * g * grad(-40): right only while that underflows, |g| < about 1e23.
 * grad(-y) = phi(y) (M(y) - y) = -y phi(y) (1 - s), s = M(y)/y =
 * r (1 - r + 3r^2 - 15r^3 + 105r^4 - 945r^5), r = 1/y^2: M's asymptotic
 * series, truncation 10395 r^7 < 2^-61 for y >= 40, s in double (error
 * < 2^-62 of 1 - s), 1 - s exact as a double-double.  y is clamped at 55,
 * where |grad| < 2^-2170, so g * grad underflows for every double g (and
 * exp's reduction stays exact: k < 2^12).  g finite and nonzero. */
#define DD_EXACT_BACKWARD_TAIL_CLAMP 55.0
static inline double dd_exact_backward_tail(double x, double g) {
    double y = -x < DD_EXACT_BACKWARD_TAIL_CLAMP ? -x : DD_EXACT_BACKWARD_TAIL_CLAMP;
    double r = 1.0 / (y * y);
    double s = r * (1.0 - r * (1.0 - 3.0 * r * (1.0 - 5.0 * r * (1.0 - 7.0 * r * (1.0 - 9.0 * r)))));
    dd_scaled p = dd_exact_normal_pdf(y);
    p.m = dd_mul(p.m, dd_mul_d(dd_two_sum(1.0, -s), -y));
    return dd_scaled_round(p, g);
}

/* g * (Phi(x) + x phi(x)), rounded once. */
static inline double dd_gelu_exact_grad_times(double x, double g) {
    if (isnan(x)) return x + g;
    if (x == -INFINITY && isfinite(g)) return g * -0.0;
    if (x < -DD_EXACT_TAIL_CLAMP && isfinite(g) && g != 0.0) return dd_exact_backward_tail(x, g);
    if (gelu_in_patch(x, gelu_patch_grad_x0)) {
        dd_scaled r = {gelu_patch_eval(gelu_patch_grad_coef, gelu_patch_offset(x, gelu_patch_grad_x0)), 0};
        return dd_scaled_round(r, g);
    }
    if (x > DD_EXACT_RIGHT_SATURATION) return g;
    double y = dd_exact_flush_negligible(dd_exact_clamp_abs(x));
    dd_scaled p = dd_exact_normal_pdf(y);
    p.m = dd_mul(p.m, dd_add_d(gelu_mills(y), -y));   /* phi(y) (M(y) - y) */
    if (x < 0) return dd_scaled_round(p, g);
    dd_scaled r = {dd_add(dd_make(1.0, 0.0), dd_neg(dd_scaled_value(p))), 0};
    return dd_scaled_round(r, g);
}

static inline double dd_gelu_exact_grad2(double x) {
    if (isnan(x)) return x + x;
    if (isinf(x)) return -0.0;
    double y = dd_exact_flush_negligible(dd_exact_clamp_abs(x));
    dd_scaled p = dd_exact_normal_pdf(y);
    /* 2 - y^2 as an exact double-double (Sterbenz makes 2 - hi exact near sqrt 2) */
    dd sq = dd_two_prod(y, y);
    p.m = dd_mul(p.m, dd_add(dd_make(2.0, 0.0), dd_neg(sq)));
    return dd_scaled_round(p, 1.0);
}

#endif /* GELU_DD_EXACT_H */
