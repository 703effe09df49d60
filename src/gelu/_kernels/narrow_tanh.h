/*
 * narrow_tanh.h -- per-element formulas of the tanh-formula narrow kernels.
 *
 * Shared by the scalar kernels (gelu_tanh_narrow.c) and the array loops
 * (gelu_array.c): same operations in the same order, so the same bits.
 * Branch-free like narrow_exact.h (candidates computed on clamped, finite
 * arguments, then selected); x is never NaN here.
 *
 * With E = exp(-2|u|): s_big = 1/(1+E), s_small = E/(1+E) = 1 - s_big, so
 * neither is formed by a cancelling subtraction (see gelu_tanh.c).
 * At x = +-inf the results are exact limits, selected as in narrow_exact.h.
 */
#ifndef GELU_NARROW_TANH_H
#define GELU_NARROW_TANH_H

#include "narrow_common.h"

/* Beyond 10, E < 2^-120: gelu_tanh(x) rounds to x and its derivative to 1. */
#define NARROW_TANH_RIGHT_SATURATION 10.0
/* Beyond |x| = 12 every float32 left-tail result has underflowed. */
#define NARROW_TANH_TAIL_CLAMP 12.0

typedef struct { double y, y2, du, e, s_big; } narrow_tanh_parts;

/* y = min(|x|, 12).  Array code computes it in a pass of its own: a clamp
 * followed by arithmetic in the same loop lets the compiler evaluate the
 * arithmetic on the unclamped value and select afterwards, which can raise
 * flags (inf * 0) the scalar code never raises. */
static inline double narrow_tanh_y(double x) {
    double y = fabs(x);
    return y > NARROW_TANH_TAIL_CLAMP ? NARROW_TANH_TAIL_CLAMP : y;
}

static inline narrow_tanh_parts narrow_tanh_parts_of(double y) {
    narrow_tanh_parts p;
    p.y = y;
    p.y2 = p.y * p.y;
    double u = GELU_SQRT_2_OVER_PI_HI * fma(GELU_TANH_A_HI * p.y2, p.y, p.y);
    p.du = GELU_SQRT_2_OVER_PI_HI * fma(GELU_TANH_3A_HI, p.y2, 1.0);
    p.e = narrow_exp(-2.0 * u, 0.0);
    p.s_big = 1.0 / (1.0 + p.e);
    return p;
}

static inline double narrow_tanh_value(double x, narrow_tanh_parts p) {
    double left = -p.y * (p.e * p.s_big);
    double right = x * p.s_big;
    double r = x < 0 ? left : right;
    r = x == -INFINITY ? -0.0 : r;       /* exact: no underflow */
    return x > NARROW_TANH_RIGHT_SATURATION ? x : r;
}

/* g * gelu_tanh_grad(x), one rounding of the product; g itself for x > 10.
 * The root patch is evaluated at the clamped x (x itself where it is
 * used), so that other lanes cannot overflow the polynomial.  Below -12,
 * 0 (callers use narrow_tanh_backward_tail there), as in narrow_exact.h. */
static inline double narrow_tanh_grad_times(double x, double g, narrow_tanh_parts p) {
    double xc = copysign(p.y, x);
    double patch = narrow_patch_eval(xc, gelu_narrow_patch_tanh_grad_x0, gelu_narrow_patch_tanh_grad_coef);
    double t = 2.0 * p.y * p.du * p.s_big;
    double s_small = p.e * p.s_big;
    double left = s_small * (1.0 - t);
    double right = fma(t, s_small, p.s_big);
    double s = x < 0 ? left : right;
    s = narrow_in_patch(x, gelu_narrow_patch_tanh_grad_x0) ? patch : s;
    s = x == 0.0 ? 0.5 : s;   /* grad(+-0) = 1/2 exactly: g/2, exact where representable */
    double r = g * s;
    r = x < -NARROW_TANH_TAIL_CLAMP ? 0.0 : r;
    return x > NARROW_TANH_RIGHT_SATURATION ? g : r;
}

static inline double narrow_tanh_grad2(double x, narrow_tanh_parts p) {
    double patch = narrow_patch_eval(p.y, gelu_narrow_patch_tanh_grad2_x0, gelu_narrow_patch_tanh_grad2_coef);
    double bracket = 4.0 * p.du + GELU_TANH_12AC_HI * p.y2 - 4.0 * p.y * p.du * p.du * (1.0 - p.e) * p.s_big;
    double r = p.e * p.s_big * p.s_big * bracket;
    r = narrow_in_patch(fabs(x), gelu_narrow_patch_tanh_grad2_x0) ? patch : r;
    return isinf(x) ? -0.0 : r;
}

/* g * gelu_tanh_grad(x) for x < -12, where narrow_tanh_y's clamp would
 * give g * grad(-12): right only while that underflows (|g| < 2^55).  The
 * same left-side formula at y = min(-x, 14); beyond 14, |grad| < 2^-300 and
 * g * grad underflows for every float32 g.  At x = -inf, g * -0 for finite
 * g (see narrow_exact_backward_tail).  Scalar only. */
#define NARROW_TANH_BACKWARD_TAIL_CLAMP 14.0
static inline double narrow_tanh_backward_tail(double x, double g) {
    if (x == -INFINITY && isfinite(g)) return g * -0.0;
    double y = -x < NARROW_TANH_BACKWARD_TAIL_CLAMP ? -x : NARROW_TANH_BACKWARD_TAIL_CLAMP;
    narrow_tanh_parts p = narrow_tanh_parts_of(y);
    double t = 2.0 * p.y * p.du * p.s_big;
    return g * ((p.e * p.s_big) * (1.0 - t));
}

/* The scalar kernels, NaN included (gelu_tanh_narrow.c exports them). */
static inline double narrow_tanh_scalar(double x) {
    if (isnan(x)) return x + x;
    return narrow_tanh_value(x, narrow_tanh_parts_of(narrow_tanh_y(x)));
}

/* x + x for NaN x: see narrow_exact_grad_times_scalar. */
static inline double narrow_tanh_grad_times_scalar(double x, double g) {
    if (isnan(x)) return x + x;
    if (x < -NARROW_TANH_TAIL_CLAMP) return narrow_tanh_backward_tail(x, g);
    return narrow_tanh_grad_times(x, g, narrow_tanh_parts_of(narrow_tanh_y(x)));
}

static inline double narrow_tanh_grad2_scalar(double x) {
    if (isnan(x)) return x + x;
    return narrow_tanh_grad2(x, narrow_tanh_parts_of(narrow_tanh_y(x)));
}

#endif /* GELU_NARROW_TANH_H */
