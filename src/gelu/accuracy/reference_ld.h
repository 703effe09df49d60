/*
 * reference_ld.h -- the eight gelu functions in x87 long double (64-bit
 * significand) with the C library's erfcl/expl, for the exhaustive float32
 * check.  Python-free.
 *
 * This is an oracle for float32 results only: it shares no code, constants or
 * method with the kernels (no Mills ratio, no double-double, no fitted
 * polynomials), and its own error is far below a float32 ulp.  Its largest
 * error source is the rounding of x/sqrt(2) (or u), amplified by the
 * argument squared in the tail: < 2^-55 relative for |x| < 15, the range in
 * which float32 results are nonzero.  tests/accuracy/test_reference_ld.py
 * checks it against python-flint at 128+ bits.
 */
#ifndef GELU_REFERENCE_LD_H
#define GELU_REFERENCE_LD_H

#include <math.h>

#define REF_SQRT1_2 0.707106781186547524400844362104849039L
#define REF_INV_SQRT_2PI 0.398942280401432677939946059934381868L
#define REF_SQRT_2_OVER_PI 0.797884560802865355879892119868763737L

static inline long double ref_ncdf(long double x) { return 0.5L * erfcl(-x * REF_SQRT1_2); }
static inline long double ref_npdf(long double x) { return REF_INV_SQRT_2PI * expl(-0.5L * x * x); }

/* s = sigma(2u) and t = 1 - s, each without a cancelling subtraction. */
static inline void ref_tanh_parts(long double x, long double *du, long double *d2u, long double *s, long double *t) {
    const long double a = 0.044715L;
    long double u = REF_SQRT_2_OVER_PI * (x + a * x * x * x);
    long double e = expl(-2.0L * fabsl(u));
    long double big = 1.0L / (1.0L + e), small = e / (1.0L + e);
    *s = x >= 0 ? big : small;
    *t = x >= 0 ? small : big;
    *du = REF_SQRT_2_OVER_PI * (1.0L + 3.0L * a * x * x);
    *d2u = 6.0L * a * REF_SQRT_2_OVER_PI * x;
}

/* All eight at once (the exhaustive check needs every function at every x,
 * and erfcl/expl dominate the cost): out[] in the order gelu, grad, grad2,
 * backward (= grad; the caller multiplies by g), then the same for tanh. */
static inline void ref_all(long double x, long double out[8]) {
    long double cdf = ref_ncdf(x), pdf = ref_npdf(x);
    out[0] = x * cdf;
    out[1] = out[3] = cdf + x * pdf;
    out[2] = pdf * (2.0L - x * x);
    long double du, d2u, s, t;
    ref_tanh_parts(x, &du, &d2u, &s, &t);
    long double ds = 2.0L * du * s * t;
    out[4] = x * s;
    out[5] = out[7] = s + 2.0L * x * du * s * t;
    out[6] = 2.0L * ds + x * (2.0L * d2u * s * t + 2.0L * du * ds * (t - s));
}

#endif /* GELU_REFERENCE_LD_H */
