/*
 * gelu_tanh_narrow.c -- the tanh formula and its derivatives for float32/float16 results.
 *
 * Same formulas as gelu_tanh.c (s = 1/(1+E), 1 - s = E/(1+E) with
 * E = exp(-2|u|), root patches at the zeros of the derivatives' brackets) in
 * plain double.  Contract: relative error < 2^-45 for float32/float16 x; the
 * caller rounds once.  |x| is clamped to 12, beyond which every float32
 * left-tail result has underflowed.
 */
#include "gelu_kernels.h"

#include "narrow_common.h"

#define RIGHT_SATURATION 10.0
#define TAIL_CLAMP 12.0

typedef struct { double y, y2, du, e, s_big; } narrow_tanh_parts;

static inline narrow_tanh_parts parts(double x) {
    narrow_tanh_parts p;
    double y = fabs(x);
    p.y = y > TAIL_CLAMP ? TAIL_CLAMP : y;
    p.y2 = p.y * p.y;
    double u = GELU_SQRT_2_OVER_PI_HI * fma(GELU_TANH_A_HI * p.y2, p.y, p.y);
    p.du = GELU_SQRT_2_OVER_PI_HI * fma(GELU_TANH_3A_HI, p.y2, 1.0);
    p.e = narrow_exp(-2.0 * u, 0.0);
    p.s_big = 1.0 / (1.0 + p.e);
    return p;
}

double gelu_tanh_narrow(double x) {
    if (isnan(x)) return x + x;
    if (x > RIGHT_SATURATION) return x;
    narrow_tanh_parts p = parts(x);
    return x < 0 ? -p.y * (p.e * p.s_big) : x * p.s_big;
}

static double grad_times(double x, double g) {
    if (isnan(x)) return x + g;
    if (narrow_in_patch(x, gelu_narrow_patch_tanh_grad_x0))
        return g * narrow_patch_eval(x, gelu_narrow_patch_tanh_grad_x0, gelu_narrow_patch_tanh_grad_coef);
    if (x > RIGHT_SATURATION) return g;
    narrow_tanh_parts p = parts(x);
    double t = 2.0 * p.y * p.du * p.s_big;
    double s_small = p.e * p.s_big;
    return g * (x < 0 ? s_small * (1.0 - t) : fma(t, s_small, p.s_big));
}

double gelu_tanh_grad_narrow(double x) { return grad_times(x, 1.0); }

double gelu_tanh_backward_narrow(double x, double g) { return grad_times(x, g); }

double gelu_tanh_grad2_narrow(double x) {
    if (isnan(x)) return x + x;
    double y = fabs(x);
    if (narrow_in_patch(y, gelu_narrow_patch_tanh_grad2_x0))
        return narrow_patch_eval(y, gelu_narrow_patch_tanh_grad2_x0, gelu_narrow_patch_tanh_grad2_coef);
    narrow_tanh_parts p = parts(x);
    double bracket = 4.0 * p.du + GELU_TANH_12AC_HI * p.y2 - 4.0 * p.y * p.du * p.du * (1.0 - p.e) * p.s_big;
    return p.e * p.s_big * p.s_big * bracket;
}
