/*
 * gelu_exact_narrow.c -- exact GELU and derivatives for float32/float16 results.
 *
 * Same formulas as gelu_exact.c (Mills ratio, no cancelling subtraction,
 * root patch at the derivative's zero) in plain double.  Contract: for x a
 * float32 or float16 value, the returned double is within 2^-45 relative of
 * the true value, so the caller's single rounding to float32 gives <= 0.5 +
 * 2^-21 ulp.  Inputs are clamped to |x| <= 16, beyond which every float32
 * result is an exact limit (x, 1, or a signed zero).
 */
#include "gelu_kernels.h"

#include "narrow_common.h"

#define RIGHT_SATURATION 10.0
#define TAIL_CLAMP 16.0

static inline double clamp_abs(double x) {
    double y = fabs(x);
    return y > TAIL_CLAMP ? TAIL_CLAMP : y;
}

double gelu_exact_narrow(double x) {
    if (isnan(x)) return x + x;
    if (x > RIGHT_SATURATION) return x;
    double y = clamp_abs(x);
    double q = narrow_normal_pdf(y) * narrow_mills(y);   /* Phi(-y) */
    return x < 0 ? -y * q : (x == 0 ? x : fma(-x, q, x));
}

static double grad_times(double x, double g) {
    if (isnan(x)) return x + g;
    if (narrow_in_patch(x, gelu_narrow_patch_grad_x0))
        return g * narrow_patch_eval(x, gelu_narrow_patch_grad_x0, gelu_narrow_patch_grad_coef);
    if (x > RIGHT_SATURATION) return g;
    double y = clamp_abs(x);
    double p = narrow_normal_pdf(y) * (narrow_mills(y) - y);
    return g * (x < 0 ? p : 1.0 - p);
}

double gelu_exact_grad_narrow(double x) { return grad_times(x, 1.0); }

double gelu_exact_backward_narrow(double x, double g) { return grad_times(x, g); }

double gelu_exact_grad2_narrow(double x) {
    if (isnan(x)) return x + x;
    double y = clamp_abs(x);
    double sq = y * y;
    return narrow_normal_pdf(y) * ((2.0 - sq) - fma(y, y, -sq));
}
