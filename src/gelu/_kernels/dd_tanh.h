/*
 * dd_tanh.h -- the tanh formula of GELU, 0.5 x (1 + tanh u) with
 * u = sqrt(2/pi) (x + 0.044715 x^3), and its first two derivatives,
 * evaluated accurately *as that formula* (it is not exact GELU).
 *
 * Method: 1/2 (1 + tanh u) = sigma(2u).  With E = exp(-2|u|) in (0, 1]
 * (double-double argument, exp_dd.h):
 *   s_big = sigma(2|u|) = 1/(1+E),   s_small = sigma(-2|u|) = E/(1+E),
 * so neither s nor 1 - s is ever formed by a cancelling subtraction, and the
 * left tail keeps full relative accuracy down to underflow.  u is built in
 * double-double from the exact FMA split of x^2 and 0.044715 as a
 * double-double of the decimal constant.  Derivatives (s = sigma(2u)):
 *   f'  = s + 2 x u' s (1 - s)
 *       = s_small (1 - 2|x| u' s_big)           for x < 0 (zero near -0.7525)
 *   f'' = s (1 - s) [4 u' + 2 x u'' + 4 x u'^2 (1 - 2 s)]
 *       = s_big s_small [4 u' + 12 a c x^2 - 4 |x| u'^2 (1 - E)/(1 + E)]
 * (even in x, zeros at +-1.4185).  The zeros of the brackets are handled by
 * root patches (root_patch.h).
 *
 * Valid range: all doubles.  Error: < 0.51 ulp in double by construction;
 * measured maxima are in docs/accuracy.md.
 *
 * static inline, shared by the scalar API (gelu_tanh.c) and the array loops
 * (gelu_array.c, compiled once per instruction set): one source, same bits.
 */
#ifndef GELU_DD_TANH_H
#define GELU_DD_TANH_H

#include "dd.h"
#include "exp_dd.h"
#include "root_patch.h"

/* Beyond 10, E < 2^-120: gelu_tanh(x) rounds to x and its derivative to 1. */
#define DD_TANH_RIGHT_SATURATION 10.0
/* Beyond |x| = 22.5 every left-tail result and every second derivative has
 * underflowed to a signed zero (2u < -848). */
#define DD_TANH_TAIL_CLAMP 22.5

typedef struct {
    double y;      /* |x| clamped */
    dd y2;         /* y^2, exact */
    dd du;         /* u'(y) = sqrt(2/pi) (1 + 3a y^2) */
    dd_scaled e;   /* E = exp(-2|u|) */
    dd e_value;    /* E as a plain double-double (0 when negligible) */
    dd s_big;      /* 1 / (1 + E) */
} dd_tanh_parts;

/* |x| clamped (array code keeps it: the left branch multiplies by -it). */
static inline double dd_tanh_clamp_abs(double x) {
    double y = fabs(x);
    return y > DD_TANH_TAIL_CLAMP ? DD_TANH_TAIL_CLAMP : y;
}

/* no spurious underflow flags for tiny x */
static inline double dd_tanh_flush_negligible(double y) { return y < 0x1p-200 ? 0.0 : y; }

/* Everything below from y = dd_tanh_flush_negligible(dd_tanh_clamp_abs(x)),
 * which array code computes in passes of their own (see gelu_array_f64.c). */
static GELU_ALWAYS_INLINE dd_tanh_parts dd_tanh_parts_from(double y) {
    dd_tanh_parts p;
    p.y = y;
    p.y2 = dd_two_prod(p.y, p.y);
    const dd c = dd_make(GELU_SQRT_2_OVER_PI_HI, GELU_SQRT_2_OVER_PI_LO);
    dd inner = dd_mul_d(dd_add_d(dd_mul(dd_make(GELU_TANH_A_HI, GELU_TANH_A_LO), p.y2), 1.0), p.y);
    dd u = dd_mul(c, inner);
    p.du = dd_mul(c, dd_add_d(dd_mul(dd_make(GELU_TANH_3A_HI, GELU_TANH_3A_LO), p.y2), 1.0));
    p.e = gelu_exp_dd(dd_make(-2.0 * u.hi, -2.0 * u.lo));
    p.e_value = dd_scaled_value(p.e);
    p.s_big = dd_recip(dd_add_d(p.e_value, 1.0));
    return p;
}

static inline dd_tanh_parts dd_tanh_parts_of(double x) {
    return dd_tanh_parts_from(dd_tanh_flush_negligible(dd_tanh_clamp_abs(x)));
}

/* At x = +-inf, exact limits returned as such, as in dd_exact.h. */
static inline double dd_gelu_tanh(double x) {
    if (isnan(x)) return x + x;
    if (x == -INFINITY) return -0.0;
    if (x > DD_TANH_RIGHT_SATURATION) return x;
    dd_tanh_parts p = dd_tanh_parts_of(x);
    if (x < 0) {
        double xc = x < -DD_TANH_TAIL_CLAMP ? -DD_TANH_TAIL_CLAMP : x;   /* so that -inf gives -0 */
        dd_scaled r = {dd_mul_d(dd_mul(p.e.m, p.s_big), xc), p.e.k};  /* x s_small */
        return dd_scaled_round(r, 1.0);
    }
    dd_scaled r = {dd_mul_d(p.s_big, x), 0};
    return x == 0 ? x : dd_scaled_round(r, 1.0);
}

/* g * gelu_tanh_grad(x) for x < -22.5, where DD_TANH_TAIL_CLAMP would give
 * g * grad(-22.5): right only while that underflows, |g| < about 1e42.  The
 * same left-side formula at y = min(-x, 28); beyond 28, |grad| < 2^-2160 and
 * g * grad underflows for every double g.  g finite and nonzero. */
#define DD_TANH_BACKWARD_TAIL_CLAMP 28.0
static inline double dd_tanh_backward_tail(double x, double g) {
    double y = -x < DD_TANH_BACKWARD_TAIL_CLAMP ? -x : DD_TANH_BACKWARD_TAIL_CLAMP;
    dd_tanh_parts p = dd_tanh_parts_from(y);
    dd two_y_du_sbig = dd_mul(dd_mul_d(p.du, 2.0 * p.y), p.s_big);
    dd bracket = dd_add(dd_make(1.0, 0.0), dd_neg(two_y_du_sbig));
    dd_scaled r = {dd_mul(dd_mul(p.e.m, p.s_big), bracket), p.e.k};
    return dd_scaled_round(r, g);
}

static inline double dd_gelu_tanh_grad_times(double x, double g) {
    if (isnan(x)) return x + g;
    if (x == -INFINITY && isfinite(g)) return g * -0.0;
    if (x < -DD_TANH_TAIL_CLAMP && isfinite(g) && g != 0.0) return dd_tanh_backward_tail(x, g);
    if (gelu_in_patch(x, gelu_patch_tanh_grad_x0)) {
        dd d = gelu_patch_offset(x, gelu_patch_tanh_grad_x0);
        dd_scaled r = {gelu_patch_eval(gelu_patch_tanh_grad_coef, d), 0};
        return dd_scaled_round(r, g);
    }
    if (x > DD_TANH_RIGHT_SATURATION) return g;
    dd_tanh_parts p = dd_tanh_parts_of(x);
    dd two_y_du_sbig = dd_mul(dd_mul_d(p.du, 2.0 * p.y), p.s_big);   /* 2|x| u' s_big */
    if (x < 0) {
        dd bracket = dd_add(dd_make(1.0, 0.0), dd_neg(two_y_du_sbig));
        dd_scaled r = {dd_mul(dd_mul(p.e.m, p.s_big), bracket), p.e.k};
        return dd_scaled_round(r, g);
    }
    dd s_small = dd_mul(p.e_value, p.s_big);
    dd_scaled r = {dd_add(p.s_big, dd_mul(two_y_du_sbig, s_small)), 0};
    return dd_scaled_round(r, g);
}

static inline double dd_gelu_tanh_grad2(double x) {
    if (isnan(x)) return x + x;
    if (isinf(x)) return -0.0;
    double y = fabs(x);
    if (gelu_in_patch(y, gelu_patch_tanh_grad2_x0)) {
        dd_scaled r = {gelu_patch_eval(gelu_patch_tanh_grad2_coef, gelu_patch_offset(y, gelu_patch_tanh_grad2_x0)), 0};
        return dd_scaled_round(r, 1.0);
    }
    dd_tanh_parts p = dd_tanh_parts_of(x);
    dd four_du = dd_make(4.0 * p.du.hi, 4.0 * p.du.lo);
    dd quad = dd_mul(dd_make(GELU_TANH_12AC_HI, GELU_TANH_12AC_LO), p.y2);
    dd one_minus_e = dd_add(dd_make(1.0, 0.0), dd_neg(p.e_value));
    dd cubic = dd_mul_d(dd_mul(dd_mul(dd_mul(p.du, p.du), one_minus_e), p.s_big), 4.0 * p.y);
    dd bracket = dd_add(dd_add(four_du, quad), dd_neg(cubic));
    dd_scaled r = {dd_mul(dd_mul(dd_mul(p.e.m, p.s_big), p.s_big), bracket), p.e.k};
    return dd_scaled_round(r, 1.0);
}

#endif /* GELU_DD_TANH_H */
