/*
 * f32_table.h -- exact GELU, the tanh formula, their backward passes and
 * second derivatives in float32 arithmetic, for float32 inputs with
 * |x| < 6 (5.5 for the tanh formula; main tables |x| < 4, tail tables
 * beyond): the fast path of the float32 loops.
 *
 * Formula:  GELU(x) = x (1 - Q(y)) for x >= 0, -y Q(y) for x < 0, y = |x|,
 *           with Q(y) = Phi(-y) (exact GELU, x Phi(x)) or
 *           Q(y) = sigma(-2 u(y)), u = sqrt(2/pi) (y + 0.044715 y^3)
 *           (the tanh formula, x sigma(2u) = x (1 + tanh u) / 2).
 *           g grad(x) = g (1 - G(y)) for x >= 0, g G(y) for x < 0, with
 *           G(y) = grad(-y) = (y - y*) H(y), y* the gradient's zero.
 *           grad2(x) = (y - y*) H2(y), y* its zero (grad2 is even): the
 *           gradient formula's x < 0 branch at x = -|x|, g = 1, on a
 *           table of H2.
 * Method:   Q(y) (or H(y)) = A + E(d) from a 32-piece table per function
 *           (gelu_f32_tables.h, made by tools/gen_f32_tables.py): A = Q(c)
 *           as a float32, E a degree-5 polynomial in d = y - c (exact).
 *           The large product (y A, or g (y - y*) A) is split exactly with
 *           FMAs, the difference with x (or g) is carried exactly
 *           (Fast2Sum), and only the small term with E (|E| <= 0.26 of the
 *           table value) is rounded before the last operation.  Every
 *           operation is a float32 add, multiply or fmaf, so the result is
 *           the same on every ISA and in every lane.
 * Error:    tables (main and tail) <= 2^-28.8 relative, max |E| / Q
 *           0.262; the roundings of E's last Horner step and of the small
 *           term each add at most 2^-24 |E| of the
 *           result, so an a priori bound is 0.5 + 2 (0.262 + 2^-4.8) < 1.06
 *           ulp.  Measured over every float32 input (docs/accuracy.md):
 *           gelu 0.892, gelu_tanh 0.881, the gradients and second
 *           derivatives below 0.875 ulp; the backward passes 0.905 at
 *           g = 0.3 over all inputs, up to 0.94 at other g on samples.
 * Range:    |x| < 4 on the main tables; 4 <= |x| < 6 (exact GELU's
 *           family) or 5.5 (the tanh formula's) on the tail tables, the
 *           same formulas with the piece index taken from z = |x| - 4.
 *           The backward passes also need 2^-60 (tail: 2^-40) <= |g| <=
 *           2^100 or g = 0.
 *           Outside (and for NaN) the loops use the double-based narrow
 *           kernels (narrow_exact.h, narrow_tanh.h) instead; the *_in_range
 *           functions say which from the inputs alone, so each input always
 *           takes the same path whatever the ISA, thread or position in the
 *           array.  The one exception gives the same bits: from x = sat
 *           (f32_saturated) the results are x and g, which the loops may
 *           store themselves instead (the AVX-512 loops where a block has
 *           many such lanes, the others for each one).
 */
#ifndef GELU_F32_TABLE_H
#define GELU_F32_TABLE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gelu_f32_tables.h"
#include "gelu_unroll.h"
#include "table_flags.h"


/* |x| as bits: range tests on integers raise no floating-point flag for a
 * NaN (compilers may turn even isless() into a signaling compare under
 * -fno-trapping-math, which the array loops need). */
static inline uint32_t f32_abs_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u & 0x7fffffffu;
}

/* The fast path's domain, |x| < 4.  False for NaN. */
static inline int f32_table_in_range(float x) {
    return f32_abs_bits(x) < GELU_F32_YMAX_BITS;
}

/* Table t's domain, y0 <= |x| < ymax: for a main table f32_table_in_range,
 * for a tail table 4 <= |x| < its ymax.  False for NaN. */
static inline int f32_table_covers(const gelu_f32_table *t, float x) {
    uint32_t lo = f32_abs_bits(t->y0);
    return f32_abs_bits(x) - lo < t->ymax_bits - lo;
}

/* GELU(x) for x in range; for other finite x a finite, meaningless value.
 * One formula for both signs: with h = x for x >= 0 and h = -0 for x < 0,
 *     GELU(x) = h - y Q(y) = (s + err) - (p_lo + y E),   s + err = h - p,
 * which is -(p + (y E + p_lo)) for x < 0 (err = 0), and keeps the sign of
 * a zero x (s - (+0) with s = h - 0 = h). */
/* The piece of y: j = floor(z s), s = fl(alpha + beta z), z = y - y0
 * (exact: y0 = 0, or y0 = 4 <= y < 8), with the product z s taken
 * exactly: monotone in y, below 32 for every y in the table's range.
 * The AVX-512 loops get it from one FMA rounded toward zero, 2^23 + y s,
 * whose low bits are j (a conversion to integer costs more than the FMA);
 * here it is the product rounded to nearest, less one where that rounded
 * up to an integer.  Either way the same j, so the same piece, on every
 * ISA.  (Either neighbour would do near a boundary: pieces overlap by
 * 2^-18 relative, far more than the rounding of y s.) */
static inline int f32_table_index(const gelu_f32_table *t, float y) {
    float z = y - t->y0;
    float s = fmaf(t->beta, z, t->alpha);
    float p = z * s;
    int j = (int)p;
    return j - ((p == (float)j) & (fmaf(z, s, -p) < 0.0f));
}

/* What a lookup reads: one piece's entry of every column. */
typedef struct {
    float centre, a, e[GELU_F32_DEG + 1];
} f32_piece;

/* Entry j of columns laid out as a table's: centre[], a[], and e[k][] at
 * e + k * stride (a table's own, or the AVX2 loops' looked-up copies). */
static inline f32_piece f32_piece_at(const float *centre, const float *a, const float *e, ptrdiff_t stride,
                                     ptrdiff_t j) {
    f32_piece p;
    p.centre = centre[j];
    p.a = a[j];
    GELU_UNROLL
    for (int k = 0; k <= GELU_F32_DEG; k++)
        p.e[k] = e[k * stride + j];
    return p;
}

/* The piece of y in the table's range (j = f32_table_index(y)). */
static inline f32_piece f32_table_piece(const gelu_f32_table *t, float y) {
    return f32_piece_at(t->centre, t->a, &t->e[0][0], GELU_F32_PIECES, f32_table_index(t, y));
}

/* E(y - centre) of y's piece p; sets *a = its A. */
static inline float f32_piece_eval(const f32_piece *p, float y, float *a) {
    float d = y - p->centre;
    float e = p->e[GELU_F32_DEG];
    GELU_UNROLL
    for (int k = GELU_F32_DEG - 1; k >= 0; k--)
        e = fmaf(e, d, p->e[k]);
    *a = p->a;
    return e;
}

/* |x| where table t applies, its y0 elsewhere (keeps the index in the
 * table; for the main tables, f32_table_in_range). */
static inline float f32_table_y(const gelu_f32_table *t, float x) {
    return f32_table_covers(t, x) ? fabsf(x) : t->y0;
}

/* GELU(x) from the piece p of f32_table_y(t, x) (the AVX2 loops look the
 * pieces up with permutes, the other paths in f32_table_value). */
static inline float f32_table_value_at(const gelu_f32_table *t, const f32_piece *pc, float x) {
    float y = f32_table_y(t, x);
    float a;
    float e = f32_piece_eval(pc, y, &a);
    float p = y * a;
    float p_lo = fmaf(y, a, -p);
    float h = signbit(x) ? -0.0f : y;     /* y, not x: finite for every x */
    float s = h - p;
    float err = (h - s) - p;              /* exact: Fast2Sum, |h| >= |p| or h = -0 */
    return s - fmaf(y, e, p_lo - err);
}

static inline float f32_table_value(const gelu_f32_table *t, float x) {
    f32_piece pc = f32_table_piece(t, f32_table_y(t, x));
    return f32_table_value_at(t, &pc, x);
}

/* ---- gradients: g * grad(x), from the gradient tables ------------------- */

/* grad(x) = G(y) for x < 0 and 1 - G(y) for x >= 0, y = |x|, with
 * G(y) = grad(-y) = (y - y*) H(y): the table holds H, which has no zero,
 * and y - y* = D is carried exactly enough in two floats (TwoSum of y and
 * -y*_hi, then -y*_mid; next to the zero y - y*_hi is exact and larger
 * than y*_mid, so the pair is a Fast2Sum; then -y*_lo into the low part:
 * y* in three floats, as next to the zero D is as small as 2^-26 and two
 * would leave about an ulp of error in it).  Then with m = -g, h = -0 for
 * x < 0 and m = g, h = g for x >= 0,
 *     g grad(x) = h - m D H = h - (u_hi + u_lo)(A + E),  u = m D,
 * where u_hi A is split exactly (p + p_lo), h - p is carried exactly, and
 * only the small terms u_hi E and u_lo (A + E) are rounded before the last
 * operation.  |G| <= 1/2, so |p| <= |h| where the Fast2Sum needs it.
 * g must keep every product normal and finite: 2^-60 <= |g| <= 2^100, or
 * g = +-0 (then the result is g with the sign of grad(x), as g * grad
 * rounds).  Other g, and x out of range, go to the double kernels. */

#define GELU_F32_G_MIN_BITS 0x21800000u   /* 2^-60 */
#define GELU_F32_G_MAX_BITS 0x71800000u   /* 2^100 */

static inline int f32_grad_g_ok(float g) {
    uint32_t u = f32_abs_bits(g);
    return (u >= GELU_F32_G_MIN_BITS && u <= GELU_F32_G_MAX_BITS) || u == 0;
}

static inline int f32_grad_in_range(float x, float g) {
    return f32_table_in_range(x) && f32_grad_g_ok(g);
}

/* g grad(x) for (x, g) in range, from the piece pc of f32_table_y(t, x)
 * and the table's root (y* in three floats); for others a finite,
 * meaningless value. */
static inline float f32_grad_value_at(const gelu_f32_table *t, const f32_piece *pc, float x, float g) {
    const float *root = t->root;
    float y = f32_table_y(t, x);
    float gs = f32_grad_g_ok(g) ? g : 0.0f;           /* finite for every g */
    float a;
    float e = f32_piece_eval(pc, y, &a);
    /* D = y - y* = dh + dl */
    float s = y - root[0];
    float bb = s - y;
    float e1 = (y - (s - bb)) + (-root[0] - bb);
    float tt = e1 - root[1];
    float dh = s + tt;
    float dl = (tt - (dh - s)) - root[2];
    float m = signbit(x) ? -gs : gs;
    float h = signbit(x) ? -0.0f : gs;
    float uh = m * dh;
    float ul = fmaf(m, dl, fmaf(m, dh, -uh));
    float p = uh * a;
    float p_lo = fmaf(uh, a, -p);
    float c = fmaf(ul, a + e, p_lo);
    float s2 = h - p;
    float err = (h - s2) - p;
    float r = s2 - fmaf(uh, e, c - err);
    /* g = +-0: grad(x) < 0 exactly where x < -y*, that is x < 0 and D > 0 */
    float z = signbit(x) && dh > 0.0f ? -gs : gs;
    return f32_abs_bits(g) == 0 ? z : r;
}

static inline float f32_grad_value(const gelu_f32_table *t, float x, float g) {
    f32_piece pc = f32_table_piece(t, f32_table_y(t, x));
    return f32_grad_value_at(t, &pc, x, g);
}

/* The tail tables' values are as small as 2^-27, so with |g| below 2^-40
 * the small terms' near-cancelling sum can fall into float32's subnormals
 * (the result stays right, but the C formula raises underflow there, and
 * the AVX-512 one does not); those g take the double kernels. */
#define GELU_F32_TAIL_G_MIN_BITS 0x2b800000u   /* 2^-40 */

/* f32_grad_in_range for a tail table: 2^-40 <= |g| <= 2^100 or g = 0. */
static inline int f32_grad_tail_in_range(const gelu_f32_table *tail, float x, float g) {
    uint32_t u = f32_abs_bits(g);
    return f32_table_covers(tail, x) && ((u >= GELU_F32_TAIL_G_MIN_BITS && u <= GELU_F32_G_MAX_BITS) || u == 0);
}

/* Right saturation (gelu_f32_tables.h, sat_bits): x from the table's sat
 * to +inf, where GELU(x) rounds to x and g grad(x) to g, the limits the
 * double kernels also give there.  False for NaN x; for the gradients g
 * must be normal, infinite or zero: a subnormal g keeps the double kernels,
 * which raise underflow for the inexact tiny result, and a NaN g too (their
 * widening raises invalid for a signaling one).  grad: 0 for GELU, else the
 * gradient tables (sat_bits never matches for the second derivatives). */
#define GELU_F32_INF_BITS 0x7f800000u
#define GELU_F32_MIN_NORMAL_BITS 0x00800000u

static inline int f32_saturated(const gelu_f32_table *t, int grad, float x, float g) {
    uint32_t u, gu = f32_abs_bits(g);
    memcpy(&u, &x, sizeof u);     /* the sign too: negative x never matches */
    int g_ok = !grad || (gu >= GELU_F32_MIN_NORMAL_BITS && gu <= GELU_F32_INF_BITS) || gu == 0;
    return u >= t->sat_bits && u <= GELU_F32_INF_BITS && g_ok;
}

/* f32_table_value and f32_grad_value for one element, raising no flag
 * (table_flags.h): the scalar entry points' main-table branch. */
static inline float f32_table_value_quiet(const gelu_f32_table *t, float x) {
    int underflow = gelu_table_flags_save();
    volatile float r = f32_table_value(t, x);   /* in memory before the restore */
    gelu_table_flags_restore(underflow);
    return r;
}

static inline float f32_grad_value_quiet(const gelu_f32_table *t, float x, float g) {
    int underflow = gelu_table_flags_save();
    volatile float r = f32_grad_value(t, x, g);
    gelu_table_flags_restore(underflow);
    return r;
}

#endif /* GELU_F32_TABLE_H */
