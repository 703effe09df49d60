#!/usr/bin/env python3
"""Generate src/gelu/_kernels/gelu_coefficients.h with mpmath, and print error bounds.

Run:  python tools/gen_coefficients.py            (writes the header, prints bounds)
      python tools/gen_coefficients.py --check    (exit 1 if the header is stale)

What is generated, and how:
  * exp: Taylor coefficients 1/k! on |r| <= ln2/2 (+ a margin), truncation
    bound printed.  Constants ln2 (split for Cody-Waite), log2(e).
  * Mills ratio M(y) = Q(y)/phi(y) = sqrt(pi/2) exp(y^2/2) erfc(y/sqrt 2) on
    [0, 48], piecewise.  On each piece y = c + h t with h a power of two and c
    chosen so that y - c is exact (Sterbenz), the polynomial in t is the
    Chebyshev interpolant of M at NDEG+1 Chebyshev points, computed at 200 bits
    and converted to monomials.  Its relative error is measured on a dense grid
    with the coefficients as stored (dd for the first DD_TERMS, double after).
  * Root patches: near a simple zero x0 of a derivative, f(x0 + d) = d E(d)
    with E the Chebyshev interpolant on |d| <= R of f(x0+d)/d.  x0 is stored
    as a triple-double so d = x - x0 is computed exactly enough that the
    relative error near the zero stays small (no cancellation).
  * Constants of the formulas as double-doubles: 1/sqrt(2 pi), sqrt(2/pi),
    0.044715 (the tanh formula's decimal constant), 3*0.044715, 12*0.044715*sqrt(2/pi).
"""
from __future__ import annotations

import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generated_header  # noqa: E402

mp.mp.prec = 240
OUT = Path(__file__).resolve().parents[1] / "src" / "gelu" / "_kernels" / "gelu_coefficients.h"

NDEG_MILLS = 24        # degree of every Mills-ratio piece
NDEG_PATCH = 18        # degree of every root patch
DD_TERMS = 6           # leading coefficients stored as double-double
EXP_DEG = 16           # Taylor degree of exp on |r| <= 0.35
PATCH_R = mp.mpf(1) / 8

# (c, h): piece is [c - h, c + h]; the first one is [0, 0.5] with t = y / 0.5.
MILLS_PIECES = [(0.0, 0.5), (0.75, 0.25), (1.5, 0.5), (2.5, 0.5), (3.5, 0.5), (5.0, 1.0), (7.0, 1.0),
                (10.0, 2.0), (14.0, 2.0), (20.0, 4.0), (28.0, 4.0), (40.0, 8.0)]
A_TANH = mp.mpf("0.044715")
C_TANH = mp.sqrt(2 / mp.pi)


def split(v, parts=2):
    """v as a sum of `parts` doubles, each the rounding of what is left."""
    out = []
    for _ in range(parts):
        d = float(v)
        out.append(d)
        v = v - mp.mpf(d)
    return out


def mills(y):
    return mp.sqrt(mp.pi / 2) * mp.exp(y * y / 2) * mp.erfc(y / mp.sqrt(2))


def npdf(x):
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def gelu_grad(x):
    return mp.ncdf(x) + x * npdf(x)


def tanh_s(x):
    return 1 / (1 + mp.exp(-2 * C_TANH * (x + A_TANH * x ** 3)))


def tanh_grad(x):
    s = tanh_s(x)
    du = C_TANH * (1 + 3 * A_TANH * x * x)
    return s + 2 * x * du * s * (1 - s)


def tanh_grad2(x):
    s = tanh_s(x)
    du = C_TANH * (1 + 3 * A_TANH * x * x)
    d2u = 6 * A_TANH * C_TANH * x
    ds = 2 * du * s * (1 - s)
    d2s = 2 * d2u * s * (1 - s) + 2 * du * ds * (1 - 2 * s)
    return 2 * ds + x * d2s


def _quotient(f, x0, d):
    """f(x0 + d) / d, with its two-term Taylor form where d is too small to divide by."""
    if abs(d) < mp.mpf(2) ** -60:  # error d^2 f'''/6 < 2^-118
        return mp.diff(f, x0) + d * mp.diff(f, x0, 2) / 2
    return f(x0 + d) / d


def cheb_fit(f, a, b, n):
    """Monomial coefficients (in t on [a, b]) of the degree-n Chebyshev interpolant of f(t)."""
    nodes = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / (n + 1)) for k in range(n + 1)]
    vals = [f(t) for t in nodes]
    # Solve the Vandermonde system at 240 bits: fine for n <= 30 on these intervals.
    A = mp.matrix([[t ** j for j in range(n + 1)] for t in nodes])
    return list(mp.lu_solve(A, mp.matrix(vals)))


def stored(coeffs, dd_terms=None):
    """Coefficients as the C code holds them: dd for the first dd_terms, double after."""
    dd_terms = DD_TERMS if dd_terms is None else dd_terms
    out = []
    for j, c in enumerate(coeffs):
        if j < dd_terms:
            hi, lo = split(c)
            out.append(mp.mpf(hi) + mp.mpf(lo))
        else:
            out.append(mp.mpf(float(c)))
    return out


def horner(cs, t):
    acc = mp.mpf(0)
    for c in reversed(cs):
        acc = acc * t + c
    return acc


def rel_err_on_grid(f, cs, a, b, npts=600):
    worst = mp.mpf(0)
    for i in range(npts + 1):
        t = a + (b - a) * mp.mpf(i) / npts
        ref = f(t)
        worst = max(worst, abs(horner(cs, t) - ref) / abs(ref))
    return worst


def rounding_bound(cs, a, b, fmin, dd_terms=None):
    """A priori bound on the double-precision Horner tail's contribution (relative).

    The tail sum_{j>=DD_TERMS} c_j t^j is evaluated in double with at most
    ~(deg+2) roundings of relative size 2^-53 each on partial sums bounded by
    sum |c_j| |t|^j; that error enters M with no amplification.
    """
    dd_terms = DD_TERMS if dd_terms is None else dd_terms
    tmax = max(abs(mp.mpf(a)), abs(mp.mpf(b)))
    tail = sum(abs(c) * tmax ** j for j, c in enumerate(cs) if j >= dd_terms)
    return tail * (len(cs) + 2) * mp.mpf(2) ** -53 / fmin


def fmt(d):
    return float(d).hex()


def gen():
    lines = []
    report = []
    w = lines.append
    w("/* GENERATED by tools/gen_coefficients.py -- do not edit by hand.")
    w(" * Regenerate: python tools/gen_coefficients.py")
    w(" * Every table's measured error bound is printed by the generator and")
    w(" * repeated in the comment above the table. */")
    w("#ifndef GELU_COEFFICIENTS_H")
    w("#define GELU_COEFFICIENTS_H")
    w("")
    # --- constants -------------------------------------------------------
    ln2 = mp.log(2)
    # Cody-Waite: LN2_HI keeps 40 significant bits so k*LN2_HI is exact for |k| < 2^13.
    ln2_hi = mp.mpf(mp.floor(ln2 * 2 ** 40)) / 2 ** 40
    ln2_mid, ln2_lo = split(ln2 - ln2_hi)
    consts = {
        "GELU_LN2_HI": [float(ln2_hi)],
        "GELU_LN2_MID": [ln2_mid],
        "GELU_LN2_LO": [ln2_lo],
        "GELU_LOG2E": [float(1 / ln2)],
    }
    for name, val in consts.items():
        w(f"#define {name} {fmt(val[0])}")
    dd_consts = {
        "GELU_INV_SQRT_2PI": 1 / mp.sqrt(2 * mp.pi),
        "GELU_SQRT_2_OVER_PI": C_TANH,
        "GELU_TANH_A": A_TANH,
        "GELU_TANH_3A": 3 * A_TANH,
        "GELU_TANH_12AC": 12 * A_TANH * C_TANH,
    }
    for name, val in dd_consts.items():
        hi, lo = split(val)
        w(f"#define {name}_HI {fmt(hi)}")
        w(f"#define {name}_LO {fmt(lo)}")
    w("")
    # --- exp ----------------------------------------------------------------
    rmax = ln2 / 2 * (1 + mp.mpf(2) ** -20)
    trunc = sum(rmax ** k / mp.factorial(k) for k in range(EXP_DEG + 1, EXP_DEG + 40)) / mp.exp(-rmax)
    report.append(f"exp: Taylor degree {EXP_DEG} on |r| <= {float(rmax):.6f}: truncation <= 2^{float(mp.log(trunc, 2)):.1f} (relative)")
    w(f"/* exp(r) = sum_k r^k / k!, k <= {EXP_DEG}, |r| <= ln2/2: truncation <= 2^{float(mp.log(trunc, 2)):.1f} relative. */")
    w(f"#define GELU_EXP_DEG {EXP_DEG}")
    inv_fact = [1 / mp.factorial(k) for k in range(EXP_DEG + 1)]
    w("static const double gelu_exp_coef[GELU_EXP_DEG + 1][2] = {")
    for c in inv_fact:
        hi, lo = split(c)
        w(f"    {{{fmt(hi)}, {fmt(lo)}}},")
    w("};")
    w("")
    # --- Mills ratio ----------------------------------------------------------
    w(f"/* Mills ratio M(y) on [0, 48] in {len(MILLS_PIECES)} pieces, degree {NDEG_MILLS} in t = (y - c)/h.")
    w(f" * Coefficients 0..{DD_TERMS-1} are double-double (hi, lo), the rest double (lo = 0). */")
    w(f"#define GELU_MILLS_DEG {NDEG_MILLS}")
    w(f"#define GELU_MILLS_PIECES {len(MILLS_PIECES)}")
    w(f"#define GELU_DD_TERMS {DD_TERMS}")
    w("static const double gelu_mills_center[GELU_MILLS_PIECES] = {" + ", ".join(fmt(c) for c, _ in MILLS_PIECES) + "};")
    w("static const double gelu_mills_inv_h[GELU_MILLS_PIECES] = {" + ", ".join(fmt(1 / h) for _, h in MILLS_PIECES) + "};")
    w("static const double gelu_mills_coef[GELU_MILLS_PIECES][GELU_MILLS_DEG + 1][2] = {")
    worst_total = mp.mpf(0)
    for i, (c, h) in enumerate(MILLS_PIECES):
        c, h = mp.mpf(c), mp.mpf(h)
        if i == 0:
            f = lambda t, h=h: mills(h * t)
            a, b = mp.mpf(0), mp.mpf(1)
        else:
            f = lambda t, c=c, h=h: mills(c + h * t)
            a, b = mp.mpf(-1), mp.mpf(1)
        cs = cheb_fit(f, a, b, NDEG_MILLS)
        cst = stored(cs)
        fit = rel_err_on_grid(f, cst, a, b)
        rnd = rounding_bound(cst, a, b, min(f(a), f(b)))
        worst_total = max(worst_total, fit + rnd)
        lo_y, hi_y = (0, float(h)) if i == 0 else (float(c - h), float(c + h))
        report.append(f"mills piece [{lo_y:g}, {hi_y:g}]: fit error 2^{float(mp.log(fit, 2)):.1f}, "
                      f"Horner-tail rounding <= 2^{float(mp.log(rnd, 2)):.1f} (relative)")
        w(f"    /* [{lo_y:g}, {hi_y:g}]: fit 2^{float(mp.log(fit, 2)):.1f}, tail rounding <= 2^{float(mp.log(rnd, 2)):.1f} */")
        w("    {")
        for j, cj in enumerate(cs):
            hi, lo = split(cj) if j < DD_TERMS else (float(cj), 0.0)
            w(f"        {{{fmt(hi)}, {fmt(lo)}}},")
        w("    },")
    w("};")
    report.append(f"mills overall: <= 2^{float(mp.log(worst_total, 2)):.1f} relative")
    w("")
    # --- root patches -------------------------------------------------------------
    patches = [
        ("GRAD", "gelu_exact_grad", gelu_grad, mp.mpf(-0.75)),
        ("TANH_GRAD", "gelu_tanh_grad", tanh_grad, mp.mpf(-0.75)),
        ("TANH_GRAD2", "gelu_tanh_grad2 (y = |x|)", tanh_grad2, mp.mpf(1.4)),
    ]
    w(f"/* Root patches: f(x0 + d) = d * E(d) for |d| < {float(PATCH_R)}, E of degree {NDEG_PATCH} in d.")
    w(" * x0 is a triple-double. */")
    w(f"#define GELU_PATCH_R {fmt(PATCH_R)}")
    w(f"#define GELU_PATCH_DEG {NDEG_PATCH}")
    patches = [(tag, label, f, mp.findroot(f, guess, tol=mp.mpf(2) ** -230)) for tag, label, f, guess in patches]
    for tag, label, f, x0 in patches:
        parts = split(x0, 3)
        g = lambda d, f=f, x0=x0: _quotient(f, x0, d)
        cs = cheb_fit(g, -PATCH_R, PATCH_R, NDEG_PATCH)
        cst = stored(cs)
        fit = rel_err_on_grid(g, cst, -PATCH_R, PATCH_R, npts=601)
        gmin = min(abs(g(-PATCH_R)), abs(g(PATCH_R)), abs(g(mp.mpf(0))))
        rnd = rounding_bound(cst, -PATCH_R, PATCH_R, gmin)
        report.append(f"patch {label}: root {mp.nstr(x0, 20)}, fit 2^{float(mp.log(fit, 2)):.1f}, "
                      f"tail rounding <= 2^{float(mp.log(rnd, 2)):.1f}")
        w(f"/* {label}: root x0 = {mp.nstr(x0, 25)}; fit 2^{float(mp.log(fit, 2)):.1f}, tail rounding <= 2^{float(mp.log(rnd, 2)):.1f} */")
        w(f"static const double gelu_patch_{tag.lower()}_x0[3] = {{{', '.join(fmt(p) for p in parts)}}};")
        w(f"static const double gelu_patch_{tag.lower()}_coef[GELU_PATCH_DEG + 1][2] = {{")
        for j, cj in enumerate(cs):
            hi, lo = split(cj) if j < DD_TERMS else (float(cj), 0.0)
            w(f"    {{{fmt(hi)}, {fmt(lo)}}},")
        w("};")
    w("")
    gen_narrow(w, report, patches)
    w("#endif /* GELU_COEFFICIENTS_H */")
    return "\n".join(lines) + "\n", report


NARROW_EXP_DEG = 7
NARROW_MILLS_DEG = 12
NARROW_MILLS_YMAX = 16      # y <= 16 covers every nonzero float32 result
NARROW_MILLS_C = mp.mpf(1) / 4   # u = 1/(1 + y/4) = 4/(4 + y): the scan below picked 1/4
NARROW_PATCH_DEG = 6


def gen_narrow(w, report, patches):
    """Tables for the *_narrow kernels: plain double, relative error < 2^-33.

    A float32 (or float16) result computed in double with relative error e
    and rounded once is within 0.5 + 2^24 e ulp: 0.5 + 2^-9 for e = 2^-33,
    well inside the 1-ulp promise.  Low degrees and one polynomial for the
    whole Mills ratio (no pieces, so no per-element table lookup) are what
    make the float32 loops fast; the exhaustive float32 run in
    docs/accuracy.md measures the end result.
    """
    w("/* ---- narrow kernels (float32/float16 results), all double ---- */")
    rmax = mp.log(2) / 2 * (1 + mp.mpf(2) ** -20)
    n = NARROW_EXP_DEG
    cs = cheb_fit(mp.exp, -rmax, rmax, n)
    cst = stored(cs, 0)
    bound = rel_err_on_grid(mp.exp, cst, -rmax, rmax, 400) + rounding_bound(cst, -rmax, rmax, mp.exp(-rmax), 0)
    report.append(f"narrow exp: Chebyshev degree {n} on |r| <= ln2/2: <= 2^{float(mp.log(bound, 2)):.1f} relative, rounding included")
    w(f"/* exp(r): Chebyshev interpolant of degree {n} on |r| <= ln2/2, error <= 2^{float(mp.log(bound, 2)):.1f} relative */")
    w(f"#define GELU_NARROW_EXP_DEG {n}")
    w("static const double gelu_narrow_exp_coef[GELU_NARROW_EXP_DEG + 1] = {" +
      ", ".join(fmt(float(c)) for c in cs) + "};")
    # Mills ratio: M(y) = u P(t), u = 1/(1 + c y) in [ua, 1], t = (2u - 1 - ua)/(1 - ua) in [-1, 1].
    c, ymax = NARROW_MILLS_C, mp.mpf(NARROW_MILLS_YMAX)
    ua = 1 / (1 + c * ymax)
    t_scale, t_shift = 2 / (1 - ua), (1 + ua) / (1 - ua)
    assert float(t_scale) == t_scale and float(t_shift) == t_shift, "t must be one exact FMA"

    def mills_over_u(t):
        u = (t + t_shift) / t_scale
        return mills((1 / u - 1) / c) / u

    cs = cheb_fit(mills_over_u, mp.mpf(-1), mp.mpf(1), NARROW_MILLS_DEG)
    cst = stored(cs, 0)
    fmin = min(mills_over_u(mp.mpf(-1)), mills_over_u(mp.mpf(1)))
    fit = rel_err_on_grid(mills_over_u, cst, mp.mpf(-1), mp.mpf(1), 600)
    rnd = rounding_bound(cst, mp.mpf(-1), mp.mpf(1), fmin, 0)
    report.append(f"narrow mills (u = 1/(1 + y/{float(1 / c):g}), degree {NARROW_MILLS_DEG}, y <= {NARROW_MILLS_YMAX}): "
                  f"fit 2^{float(mp.log(fit, 2)):.1f}, rounding <= 2^{float(mp.log(rnd, 2)):.1f} relative")
    w(f"/* Mills ratio M(y) = u P(t) for 0 <= y <= {NARROW_MILLS_YMAX}: u = 1/(1 + y/{float(1 / c):g}), "
      f"t = {float(t_scale):g} u - {float(t_shift):g},")
    w(f" * P the Chebyshev interpolant of M/u in t, degree {NARROW_MILLS_DEG}: "
      f"fit 2^{float(mp.log(fit, 2)):.1f}, rounding <= 2^{float(mp.log(rnd, 2)):.1f} relative */")
    w(f"#define GELU_NARROW_MILLS_DEG {NARROW_MILLS_DEG}")
    w(f"#define GELU_NARROW_MILLS_INV_C {fmt(1 / c)}")
    w(f"#define GELU_NARROW_MILLS_T_SCALE {fmt(t_scale)}")
    w(f"#define GELU_NARROW_MILLS_T_SHIFT {fmt(t_shift)}")
    w("static const double gelu_narrow_mills_coef[GELU_NARROW_MILLS_DEG + 1] = {" +
      ", ".join(fmt(float(cj)) for cj in cs) + "};")
    w(f"#define GELU_NARROW_PATCH_DEG {NARROW_PATCH_DEG}")
    for tag, label, f, x0 in patches:
        g = lambda d, f=f, x0=x0: _quotient(f, x0, d)
        cs = cheb_fit(g, -PATCH_R, PATCH_R, NARROW_PATCH_DEG)
        cst = stored(cs, 0)
        gmin = min(abs(g(-PATCH_R)), abs(g(PATCH_R)), abs(g(mp.mpf(0))))
        bound = rel_err_on_grid(g, cst, -PATCH_R, PATCH_R, 301) + rounding_bound(cst, -PATCH_R, PATCH_R, gmin, 0)
        report.append(f"narrow patch {label}: <= 2^{float(mp.log(bound, 2)):.1f} relative, rounding included")
        w(f"/* {label}: error <= 2^{float(mp.log(bound, 2)):.1f} */")
        w(f"static const double gelu_narrow_patch_{tag.lower()}_x0[2] = {{{', '.join(fmt(p) for p in split(x0, 2))}}};")
        w(f"static const double gelu_narrow_patch_{tag.lower()}_coef[GELU_NARROW_PATCH_DEG + 1] = {{" +
          ", ".join(fmt(float(cj)) for cj in cs) + "};")
    w("")


def main(argv=None):
    return generated_header.main(gen, OUT, "gen_coefficients.py", __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
