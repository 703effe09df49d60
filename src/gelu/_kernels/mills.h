/*
 * mills.h -- the Mills ratio M(y) = Q(y) / phi(y), y >= 0, in double-double.
 *
 * Q(y) = 1 - Phi(y) is the upper normal tail, phi the normal density.  With
 * M in hand every GELU quantity is a product without cancellation:
 *   Phi(-y) = phi(y) M(y),  Phi(y) = 1 - phi(y) M(y),
 *   Phi(-y) - y phi(y) = phi(y) (M(y) - y)   (the derivative for x = -y < 0).
 * Contract: 0 <= y <= 48 (callers clamp), relative error < 2^-58 (bounds per
 * piece are printed by tools/gen_coefficients.py and listed in the header).
 * Method: 12 polynomial pieces of degree GELU_MILLS_DEG in t = (y - c)/h,
 * with c, h chosen so that t is exact; Horner in double for the high terms,
 * double-double for the first GELU_DD_TERMS.  Piece selection is a count of
 * breakpoints (branch-free), not a search.
 */
#ifndef GELU_MILLS_H
#define GELU_MILLS_H

#include "dd.h"
#include "gelu_coefficients.h"
#include "gelu_unroll.h"

/* Evaluate sum c[j] t^j, t = th + tl, coefficients (hi, lo) as generated. */
static inline dd gelu_poly_dd(const double (*c)[2], int deg, dd t) {
    double q = c[deg][0];
    GELU_UNROLL
    for (int j = deg - 1; j >= GELU_DD_TERMS; j--)
        q = fma(q, t.hi, c[j][0]);
    dd acc = dd_make(q, 0.0);
    GELU_UNROLL
    for (int j = GELU_DD_TERMS - 1; j >= 0; j--)
        acc = dd_add(dd_mul(acc, t), dd_make(c[j][0], c[j][1]));
    return acc;
}

static const double gelu_mills_breaks[GELU_MILLS_PIECES - 1] = {0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32};

/* The piece of y, and t = (y - c) / h on it; array code looks the
 * coefficients up its own way (gelu_array_f64.c). */
static inline int64_t gelu_mills_piece(double y) {
    int64_t i = 0;
    GELU_UNROLL
    for (int j = 0; j < GELU_MILLS_PIECES - 1; j++)
        i += y >= gelu_mills_breaks[j];
    return i;
}

/* exact: Sterbenz for i >= 1, a power-of-two scaling for i == 0 */
static inline double gelu_mills_t(double y, double center, double inv_h) { return (y - center) * inv_h; }

static inline dd gelu_mills(double y) {
    int64_t i = gelu_mills_piece(y);
    double t = gelu_mills_t(y, gelu_mills_center[i], gelu_mills_inv_h[i]);
    return gelu_poly_dd(gelu_mills_coef[i], GELU_MILLS_DEG, dd_make(t, 0.0));
}

#endif /* GELU_MILLS_H */
