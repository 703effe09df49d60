/*
 * dd.h -- double-double arithmetic: a value is hi + lo with |lo| <= ulp(hi)/2.
 *
 * The kernels keep ~100 bits through the steps where double precision would
 * lose the last bit (products of three factors, 1 - Q, the bracket of a
 * derivative), then round once at the end.  All error-free transforms rely on
 * round-to-nearest and on the compiler not contracting a*b+c into an FMA
 * behind our back: the library is built with -ffp-contract=off and uses fma()
 * explicitly where it wants one.
 */
#ifndef GELU_DD_H
#define GELU_DD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct { double hi, lo; } dd;

static inline dd dd_make(double hi, double lo) { dd r = {hi, lo}; return r; }

/* s + e == a + b exactly (Knuth). */
static inline dd dd_two_sum(double a, double b) {
    double s = a + b, bb = s - a;
    return dd_make(s, (a - (s - bb)) + (b - bb));
}

/* Same as dd_two_sum when |a| >= |b| (Dekker). */
static inline dd dd_fast_two_sum(double a, double b) {
    double s = a + b;
    return dd_make(s, b - (s - a));
}

/* p + e == a * b exactly (barring underflow). */
static inline dd dd_two_prod(double a, double b) {
    double p = a * b;
    return dd_make(p, fma(a, b, -p));
}

/* a + b, accurate even when a and b cancel. */
static inline dd dd_add(dd a, dd b) {
    dd s = dd_two_sum(a.hi, b.hi), t = dd_two_sum(a.lo, b.lo);
    s = dd_fast_two_sum(s.hi, s.lo + t.hi);
    return dd_fast_two_sum(s.hi, s.lo + t.lo);
}

static inline dd dd_add_d(dd a, double b) {
    dd s = dd_two_sum(a.hi, b);
    return dd_fast_two_sum(s.hi, s.lo + a.lo);
}

static inline dd dd_neg(dd a) { return dd_make(-a.hi, -a.lo); }

static inline dd dd_mul(dd a, dd b) {
    dd p = dd_two_prod(a.hi, b.hi);
    return dd_fast_two_sum(p.hi, p.lo + fma(a.hi, b.lo, a.lo * b.hi));
}

static inline dd dd_mul_d(dd a, double b) {
    dd p = dd_two_prod(a.hi, b);
    return dd_fast_two_sum(p.hi, fma(a.lo, b, p.lo));
}

/* 1 / a for a >= 1/2 or so (no overflow concerns in our use). */
static inline dd dd_recip(dd a) {
    double q = 1.0 / a.hi;
    double r = fma(-q, a.hi, 1.0) - q * a.lo;   /* 1 - q*a, exact first step */
    return dd_fast_two_sum(q, q * r);
}

/* isfinite on the bits: compilers may turn isfinite into an ordered compare,
 * which raises "invalid" for a NaN. */
static inline int dd_is_finite(double x) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return (bits & UINT64_C(0x7ff0000000000000)) != UINT64_C(0x7ff0000000000000);
}

/* 2^k as a double, for -1022 <= k <= 1023 (exact). */
static inline double dd_pow2(int k) {
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* A double-double with a separate binary exponent: value = (m.hi + m.lo) * 2^k.
 * exp() of very negative arguments is carried this way so that nothing is
 * rounded into the subnormal range before the final result is. */
typedef struct { dd m; int k; } dd_scaled;

/* The exponent of a normal a, clamped to [-1000, 1000]: a 2^-e is then
 * exact, in [1, 2) for normal a up to 2^1001 and at least 2^-74 for a
 * subnormal a.  On the bits: no flag, and it vectorizes. */
static inline int dd_exponent_clamped(double a) {
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff) - 1023;
    return e < -1000 ? -1000 : (e > 1000 ? 1000 : e);
}

/* The part of rounding g * v that both dd_scaled_round and the vectorised
 * loops share.  With em, eg the clamped exponents of v.m.hi and g,
 * p = (v.m 2^-em)(g 2^-eg) is a double-double with 2^-148 <= |p| < 2^30
 * (or 0 for g = 0) whatever v and g are, so the error-free product never
 * meets the subnormals or the overflow threshold.  What is left to apply is
 * 2^t, t = v.k + em + eg, but no lower than -1200 (where |p| 2^t rounds to
 * a signed zero anyway), as fa fb = 2^ta 2^(t - ta), ta = t clamped to
 * [-1000, 1000]: both representable, and p.hi fa is exact wherever the
 * result (p.hi fa) fb is a normal number or overflows.  Whether it is:
 * |p.hi| >= normal_min, 2^-1022 in p's scale, compared exactly (the product
 * |p.hi| fa fb would round a p.hi half a subnormal ulp below 2^-1022 up to
 * it, and take the normal path where p.lo < 0 needs the subnormal one).
 * For an infinite or NaN g, `finite` is 0 and `plain`, v.m.hi g scaled
 * (inf, or NaN for 0 * inf), is the answer; p is then v.m alone, so
 * nothing raises. */
typedef struct { dd p; double fa, fb, normal_min, plain; int t, finite; } dd_scaled_product;

static inline dd_scaled_product dd_scaled_mul(dd_scaled v, double g) {
    dd_scaled_product r;
    int em = dd_exponent_clamped(v.m.hi), eg = dd_exponent_clamped(g);
    double fm = dd_pow2(-em), mh = v.m.hi * fm, gs = g * dd_pow2(-eg);
    r.finite = dd_is_finite(g);
    /* of the scaled factors, so that it cannot overflow for a finite g even
     * where the compiler computes it before the choice (array code) */
    r.plain = mh * gs;
    int t = v.k + em + eg;
    t = t < -1200 ? -1200 : t;
    int ta = t < -1000 ? -1000 : (t > 1000 ? 1000 : t);
    r.t = t;
    r.fa = dd_pow2(ta);
    r.fb = dd_pow2(t - ta);
    /* 2^-1022 in p's scale (for t > 0 every |p| >= 2^-148 is above it) */
    r.normal_min = dd_pow2(t > 0 ? -1022 : -1022 - t);
    r.p = dd_mul_d(dd_make(mh, v.m.lo * fm), r.finite ? gs : 1.0);
    return r;
}

/* 2^-600: its square raises underflow (and inexact) where a tiny result is
 * inexact but its last step, a scaling, is exact.  volatile: not folded. */
static const volatile double dd_tiny = 0x1p-600;

/* Round g * v to double once, for any g.  If the result is normal (or past
 * DBL_MAX), p.hi is it (one rounding) and the scaling by fa fb is exact (or
 * overflows exactly where the true value does: p.hi has 53 bits).  If it is
 * subnormal, rounding p.hi to 53 bits first and then to the subnormal grid
 * could be off by 3/4 ulp, so instead p.hi + p.lo is rounded directly to
 * that grid, G = 2^-1074 / 2^t in p's scale (a normal number: a subnormal
 * result means t < -874, as |p| >= 2^-148): adding and removing B = 2^52 G
 * rounds p.hi to a multiple of G (ties to even), s, and the remainder
 * d = p.hi - s is exact.  Only where p.hi lies on a tie (d = +-G/2) can p.lo
 * change the result, and then its sign decides (elsewhere
 * |d| <= G/2 - ulp(p.hi) and |p.lo| <= ulp(p.hi)/2 keep it within G/2 of s).
 * Rounding d + p.lo instead lost a p.lo below about 2^-54 G at a tie (0.5 +
 * 2^-54 ulp, found by a review).  The comparisons are doubled, so that no
 * constant underflows.  The scaling back is then exact, so underflow is
 * raised explicitly where the result is inexact.  g = +-0 gives the signed
 * zero v g, exactly. */
static inline double dd_scaled_round(dd_scaled v, double g) {
    dd_scaled_product q = dd_scaled_mul(v, g);
    dd p = q.p;
    if (!q.finite) return q.plain;
    if (p.hi == 0.0) return p.hi;
    /* isless/isgreater: quiet comparisons */
    if (!isless(fabs(p.hi), q.normal_min)) return p.hi * q.fa * q.fb;   /* normal */
    int ge = -1074 - q.t;
    double grid = dd_pow2(ge < -1022 ? -1022 : ge);
    double b = copysign(0x1p52 * grid, p.hi);
    double s = (p.hi + b) - b;
    double d = p.hi - s;
    s += (d + d == grid && p.lo > 0.0) ? grid : ((d + d == -grid && p.lo < 0.0) ? -grid : 0.0);
    double res = copysign(s * q.fa * q.fb, p.hi);
    if (d != 0.0 || p.lo != 0.0)
        res += copysign(dd_tiny, p.hi) * dd_tiny;   /* +-0 of p.hi's sign: res as it is */
    return res;
}

/* The value of v as a double-double, treating v below 2^-200 as 0 (callers
 * only add it to numbers of order 1, where it cannot matter).  The scale is
 * clamped at 2^-900, not chosen by the test: array code, built with
 * -fno-trapping-math, may compute m 2^k before choosing 0, and m.lo 2^k
 * would raise underflow for k below about -970. */
static inline dd dd_scaled_value(dd_scaled v) {
    double f = dd_pow2(v.k < -900 ? -900 : v.k);
    double z = v.k < -200 ? 0.0 : 1.0;
    return dd_make(v.m.hi * f * z, v.m.lo * f * z);
}

#endif /* GELU_DD_H */
