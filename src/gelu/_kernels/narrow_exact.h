/*
 * narrow_exact.h -- per-element formulas of the exact-GELU narrow kernels.
 *
 * Shared by the scalar kernels (gelu_exact_narrow.c) and the array loops
 * (gelu_array.c), so that both run the same floating-point operations in the
 * same order and give the same bits.  Written without branches: every
 * candidate result is computed and the right one selected, which lets the
 * compiler vectorize a loop over these.  The candidates not selected are
 * computed on clamped arguments, so that they raise no overflow or invalid
 * flag.  The caller handles NaN x (these assume x is not NaN) and computes
 * y = narrow_exact_y(x), phi(y) and M(y), which array code does in passes.
 * At x = +-inf the results are exact limits (signed zeros, x, g), selected
 * as such: the clamped formulas would give a tiny value there, whose
 * rounding to float32 raises a spurious underflow flag.
 */
#ifndef GELU_NARROW_EXACT_H
#define GELU_NARROW_EXACT_H

#include "narrow_common.h"

/* Beyond 10, x * Phi(x) rounds to x in float32 and the derivative to 1. */
#define NARROW_EXACT_RIGHT_SATURATION 10.0
/* Beyond |x| = 16 every float32 result is an exact limit (x, 1 or a signed
 * zero), so y is clamped there; it keeps every intermediate finite. */
#define NARROW_EXACT_TAIL_CLAMP 16.0

/* Array code computes y in a pass of its own, for the reason given at
 * narrow_tanh_y. */
static inline double narrow_exact_y(double x) {
    double y = fabs(x);
    return y > NARROW_EXACT_TAIL_CLAMP ? NARROW_EXACT_TAIL_CLAMP : y;
}

/* x * Phi(x); y = narrow_exact_y(x), pdf = phi(y), m = M(y). */
static inline double narrow_exact_value(double x, double y, double pdf, double m) {
    double q = pdf * m;                  /* Phi(-y) */
    double xc = copysign(y, x);          /* x itself wherever it is used */
    double left = -y * q;
    double right = fma(-xc, q, xc);
    double r = x == 0 ? x : right;       /* keeps the sign of a zero x */
    r = x < 0 ? left : r;
    r = x == -INFINITY ? -0.0 : r;       /* exact: no underflow */
    return x > NARROW_EXACT_RIGHT_SATURATION ? x : r;
}

/* g * (Phi(x) + x phi(x)), one rounding of the product.  Near the zero of
 * the derivative, the root patch.  For x > 10 the result is g itself (not
 * g * 1.0, which would quiet a signaling NaN g).  Below -16 the callers use
 * narrow_exact_backward_tail; array code computes this formula there too
 * (then overwrites it), so it gives 0 there rather than a value whose
 * rounding to float32 could raise underflow. */
static inline double narrow_exact_grad_times(double x, double g, double y, double pdf, double m) {
    double xc = copysign(y, x);
    double patch = narrow_patch_eval(xc, gelu_narrow_patch_grad_x0, gelu_narrow_patch_grad_coef);
    double p = pdf * (m - y);
    double s = x < 0 ? p : 1.0 - p;
    s = narrow_in_patch(x, gelu_narrow_patch_grad_x0) ? patch : s;
    s = x == 0.0 ? 0.5 : s;   /* grad(+-0) = 1/2 exactly: g/2, exact where representable */
    double r = g * s;
    r = x < -NARROW_EXACT_TAIL_CLAMP ? 0.0 : r;
    return x > NARROW_EXACT_RIGHT_SATURATION ? g : r;
}

/* phi(x) (2 - x^2), with 2 - y^2 exact enough through the FMA remainder;
 * y = narrow_exact_y(x), pdf = phi(y); -0 at x = +-inf. */
static inline double narrow_exact_grad2(double x, double y, double pdf) {
    double sq = y * y;
    double r = pdf * ((2.0 - sq) - fma(y, y, -sq));
    return isinf(x) ? -0.0 : r;
}

/* The scalar kernels, NaN included (gelu_exact_narrow.c exports them). */
static inline double narrow_exact_scalar(double x) {
    if (isnan(x)) return x + x;
    double y = narrow_exact_y(x);
    return narrow_exact_value(x, y, narrow_normal_pdf(y), narrow_mills(y));
}

/* g * grad(x) for x < -16, where narrow_exact_y's clamp would give
 * g * grad(-16): right only while that underflows, |g| < 2^33.  Here
 * grad(x) = phi(y) (M(y) - y), y = -x, with five terms of M's asymptotic
 * series (truncation < 945 / y^11, relative 2^-33 of M - y at y = 16); y is
 * clamped at 20, where |grad| < 2^-285, so g * grad underflows for every
 * float32 g.  At x = -inf, grad = -0 exactly: g * -0 for finite g (a signed
 * zero, no flag), the limit -g * inf for infinite g (docs/accuracy.md).
 * Scalar only (array loops call it for those elements). */
#define NARROW_EXACT_BACKWARD_TAIL_CLAMP 20.0
static inline double narrow_exact_backward_tail(double x, double g) {
    if (x == -INFINITY && isfinite(g)) return g * -0.0;
    double y = -x < NARROW_EXACT_BACKWARD_TAIL_CLAMP ? -x : NARROW_EXACT_BACKWARD_TAIL_CLAMP;
    double r = 1.0 / (y * y);
    double m = (1.0 - r * (1.0 - r * (3.0 - r * (15.0 - 105.0 * r)))) / y;
    return g * (narrow_normal_pdf(y) * (m - y));
}

/* For NaN x the result is x + g, which on IEEE hardware is x's NaN, quieted
 * (the first operand's, if both are NaN).  Written x + x so that it stays
 * x's whatever operand order the compiler picks for a commutative add. */
static inline double narrow_exact_grad_times_scalar(double x, double g) {
    if (isnan(x)) return x + x;
    if (x < -NARROW_EXACT_TAIL_CLAMP) return narrow_exact_backward_tail(x, g);
    double y = narrow_exact_y(x);
    return narrow_exact_grad_times(x, g, y, narrow_normal_pdf(y), narrow_mills(y));
}

static inline double narrow_exact_grad2_scalar(double x) {
    if (isnan(x)) return x + x;
    double y = narrow_exact_y(x);
    return narrow_exact_grad2(x, y, narrow_normal_pdf(y));
}

#endif /* GELU_NARROW_EXACT_H */
