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

/* The part of rounding g * v that both dd_scaled_round and the vectorised
 * loops share: p = g v 2^k1 as a double-double (k1 >= -900, exact scaling),
 * f2 = 2^(k - k1) still to apply.  An infinite g, or a product past DBL_MAX,
 * would make the error-free product compute inf - inf; then `finite` is 0,
 * `plain` (inf, or NaN for 0 * inf) is the answer, and g is replaced by 1 so
 * nothing raises. */
typedef struct { dd p; double f2, plain; int finite; } dd_scaled_product;

static inline dd_scaled_product dd_scaled_mul(dd_scaled v, double g) {
    dd_scaled_product r;
    int k1 = v.k < -900 ? -900 : v.k;
    double f1 = dd_pow2(k1);
    r.f2 = dd_pow2(v.k - k1);
    r.plain = (v.m.hi * f1) * g;
    r.finite = dd_is_finite(r.plain);
    r.p = dd_mul_d(dd_make(v.m.hi * f1, v.m.lo * f1), r.finite ? g : 1.0);
    return r;
}

/* Round g * v to double once.  v is first scaled by 2^k1, k1 >= -900, which
 * is exact and keeps everything normal; p = g v 2^k1 is formed as a
 * double-double.  If the result is normal, p.hi is it (one rounding) and the
 * last scaling by 2^(k - k1) is exact.  If it is subnormal, rounding p.hi to
 * 53 bits first and then to the subnormal grid could be off by 3/4 ulp, so
 * instead p.hi + p.lo is rounded directly to that grid, G = 2^-1074 / 2^(k-k1)
 * in the scaled domain: adding and removing B = 2^52 G rounds p.hi to a
 * multiple of G, and the exact remainder decides the last step. */
static inline double dd_scaled_round(dd_scaled v, double g) {
    dd_scaled_product q = dd_scaled_mul(v, g);
    dd p = q.p;
    double f2 = q.f2;
    if (!q.finite) return q.plain * f2;
    /* isless/isgreater: quiet comparisons, so a NaN g raises no "invalid" */
    if (!isless(fabs(p.hi) * f2, 0x1p-1022)) return p.hi * f2;   /* normal */
    double grid = 0x1p-1074 / f2;   /* exact: a power of two */
    double b = copysign(0x1p52 * grid, p.hi);
    double s = (p.hi + b) - b;
    double r = (p.hi - s) + p.lo;
    s += isgreater(r, 0.5 * grid) ? grid : (isless(r, -0.5 * grid) ? -grid : 0.0);
    return copysign(s * f2, p.hi);
}

/* dd_scaled_round for a v far below the double range: g's exponent goes
 * into v's scale first, so that the scaling by 2^(k - k1) stays
 * representable when g is huge (the backward passes' far tails).  g finite
 * and nonzero. */
static inline double dd_scaled_round_wide(dd_scaled v, double g) {
    int eg;
    double gm = frexp(g, &eg);
    v.k += eg;
    /* |v.m| < 2^8 in the kernels that call this: below 2^-1092 the product
     * rounds to a signed zero (and 2^(k - k1) itself would underflow). */
    if (v.k < -1100) return copysign(0.0, v.m.hi * gm);
    return dd_scaled_round(v, gm);
}

/* The value of v as a double-double, treating v below 2^-200 as 0 (callers
 * only add it to numbers of order 1, where it cannot matter). */
static inline dd dd_scaled_value(dd_scaled v) {
    double f = dd_pow2(v.k < -200 ? 0 : v.k);
    double z = v.k < -200 ? 0.0 : 1.0;
    return dd_make(v.m.hi * f * z, v.m.lo * f * z);
}

#endif /* GELU_DD_H */
