#!/usr/bin/env python3
"""Generate src/gelu/_kernels/gelu_f32_tables.h with mpmath, and print its error bounds.

Run:  python tools/gen_f32_tables.py            (writes the header, prints the bound)
      python tools/gen_f32_tables.py --check    (exit 1 if the header is stale)

The tables serve the float32-arithmetic kernels (f32_table.h).  Both
variants have the form GELU(x) = x (1 - Q(y)) for x >= 0 and -y Q(y) for
x < 0, y = |x|, with Q(y) = Phi(-y) (exact GELU, the lower normal tail) or
Q(y) = sigma(-2 u(y)) (the tanh formula, u = sqrt(2/pi) (y + 0.044715 y^3)),
so one kernel serves both with a table each.  Q is tabulated on
0 <= y < YMAX.  The range is
cut into PIECES pieces by the index j = floor(y (ALPHA + BETA y)) (per table): pieces are
narrower where Q falls faster (its relative slope grows about linearly in
y), so that Q varies by a similar fraction over every piece; that fraction
is what the kernel's roundings scale with.  Piece j has a centre c_j with
few significant bits near its middle, so that d = y - c is exact (Sterbenz),
except piece 0, centred at 0 for the same reason.  On each piece

    Q(c + d) = A + E(d),   A = Q(c) rounded to float32,
                           E(d) = e_0 + e_1 d + ... + e_DEG d^DEG

with every e_k a float32.  E is fitted by weighted least squares at 200 bits
(weight 1/Q, so the error is relative to Q) on Chebyshev-spaced points; the
coefficients are rounded to float32 one at a time, lowest first, and the
higher ones refitted to what the rounding left, so that rounding the stored
coefficients costs little.  The bound printed is max |A + E(d) - Q| / Q over
a dense grid of every piece, with the coefficients exactly as stored.  The
kernel's own roundings come on top; its contract comment counts them.
"""
from __future__ import annotations

import struct
import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generated_header  # noqa: E402

mp.mp.prec = 200
OUT = Path(__file__).resolve().parents[1] / "src" / "gelu" / "_kernels" / "gelu_f32_tables.h"

PIECES = 32           # one AVX-512 two-register permute holds 32 floats
YMAX = 4
MARGIN = mp.mpf(2) ** -18    # pieces overlap by this (relative): the index is rounded
CENTRE_BITS = 10
DEG = 5
FIT_POINTS = 48
CHECK_POINTS = 400
A_TANH = mp.mpf("0.044715")   # the tanh formula's decimal constant, exactly


def f32(v) -> float:
    """v rounded to the nearest float32 (ties to even), as a Python float."""
    return struct.unpack("f", struct.pack("f", float(v)))[0]


def f32hex(v: float) -> str:
    """A float32 value as a C hex literal without trailing zeros (exact)."""
    h = float(v).hex()
    if "." not in h:
        return h
    mant, exp = h.split("p")
    return mant.rstrip("0").rstrip(".") + "p" + exp


def q_exact(y):
    return mp.ncdf(-y)


def q_tanh(y):
    return 1 / (1 + mp.exp(2 * mp.sqrt(2 / mp.pi) * (y + A_TANH * y ** 3)))


def g_exact(y):
    """grad(-y) of exact GELU: Phi(-y) - y phi(y)."""
    return mp.ncdf(-y) - y * mp.npdf(y)


def g_tanh(y):
    """grad(-y) of the tanh formula: s + 2 x u'(x) s (1 - s) at x = -y, s = sigma(2u(x))."""
    c = mp.sqrt(2 / mp.pi)
    s_ = q_tanh(y)
    du = c * (1 + 3 * A_TANH * y * y)
    return s_ - 2 * y * du * s_ * (1 - s_)


def root_of(g):
    return mp.findroot(g, mp.mpf("0.75"), tol=mp.mpf(2) ** -190)


def quotient(g, root):
    """H(y) = g(y) / (y - root): smooth, no zero (g'(root) where y = root)."""
    def h(y):
        if abs(y - root) < mp.mpf(2) ** -80:
            return mp.diff(g, root)
        return g(y) / (y - root)
    return h


ROOT_EXACT, ROOT_TANH = root_of(g_exact), root_of(g_tanh)

# (C name, what Q is, Q, ALPHA, BETA, root): ALPHA and BETA float32-exact,
# with YMAX (ALPHA + BETA YMAX) = PIECES.  sigma(-2u) falls faster than
# Phi(-y) at the top of the range (its relative slope is 1.6 (1 + 0.134 y^2)
# against about y + 1/y), so its pieces narrow faster there.  The gradient
# tables hold H(y) = grad(-y) / (y - y*), y* the gradient's zero, which has
# no zero itself; the kernel multiplies by y - y* carried in two floats.
TABLES = [("exact", "Phi(-y)", q_exact, 4.75, 0.8125, None),
          ("tanh", "sigma(-2 u(y))", q_tanh, 3.5, 1.125, None),
          ("exact_grad", "grad(-y) / (y - y*)", quotient(g_exact, ROOT_EXACT), 4.75, 0.8125, ROOT_EXACT),
          ("tanh_grad", "grad(-y) / (y - y*)", quotient(g_tanh, ROOT_TANH), 4.75, 0.8125, ROOT_TANH)]


def root_split(root):
    hi = f32(root)
    return hi, f32(root - mp.mpf(hi))


def boundary(ab, j):
    """The y >= 0 with y (ALPHA + BETA y) = j."""
    alpha, beta = ab
    return (-alpha + mp.sqrt(alpha ** 2 + 4 * beta * j)) / (2 * beta)


def piece_bounds(ab, j):
    a, b = boundary(ab, j), boundary(ab, j + 1)
    if j == 0:
        return mp.mpf(0), b * (1 + MARGIN), mp.mpf(0)
    mid = (a + b) / 2
    e = mp.floor(mp.log(mid, 2)) - (CENTRE_BITS - 1)
    c = mp.nint(mid / 2 ** e) * 2 ** e
    assert c / 2 <= a and b <= 2 * c, "y - c must be exact on the whole piece"
    return a * (1 - MARGIN), min(b * (1 + MARGIN), mp.mpf(YMAX)), c


def fit_piece(q, ab, j):
    a, b, c = piece_bounds(ab, j)
    A = f32(q(c))
    exact_at_zero = j == 0 and mp.mpf(A) == q(mp.mpf(0))
    pts = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / FIT_POINTS) for k in range(FIT_POINTS)]
    pts += [a, b]
    ds = [y - c for y in pts]
    qs = [q(y) for y in pts]
    target = [qv - A for qv in qs]
    weights = [1 / abs(qv) for qv in qs]
    fixed: list[float] = []
    if exact_at_zero:
        fixed.append(0.0)   # Q(0) = 1/2 = A exactly, so E(0) = 0 keeps GELU(0) exact
    while len(fixed) <= DEG:
        k0 = len(fixed)
        rhs = [(t - sum(e * d ** i for i, e in enumerate(fixed))) * wt for t, d, wt in zip(target, ds, weights)]
        mat = mp.matrix([[d ** i * wt for i in range(k0, DEG + 1)] for d, wt in zip(ds, weights)])
        sol = mp.qr_solve(mat, mp.matrix(rhs))[0]
        fixed.append(f32(sol[0]))
    return float(c), A, fixed


def piece_error(q, ab, j, A, es):
    a, b, c = piece_bounds(ab, j)
    worst, ratio = mp.mpf(0), mp.mpf(0)
    for i in range(CHECK_POINTS + 1):
        y = a + (b - a) * mp.mpf(i) / CHECK_POINTS
        d = y - c
        e = sum(mp.mpf(ek) * d ** k for k, ek in enumerate(es))
        qv = q(y)
        worst = max(worst, abs(mp.mpf(A) + e - qv) / abs(qv))
        ratio = max(ratio, abs(e) / abs(qv))
    return worst, ratio


def gen_table(name, label, q, alpha, beta, root):
    assert PIECES == YMAX * (alpha + beta * YMAX)
    ab = (alpha, beta)
    pieces = [fit_piece(q, ab, j) for j in range(PIECES)]
    worst, ratio = mp.mpf(0), mp.mpf(0)
    for j, (_, A, es) in enumerate(pieces):
        err, r = piece_error(q, ab, j, A, es)
        worst, ratio = max(worst, err), max(ratio, r)
    bound = float(mp.log(worst, 2))
    report = [f"f32 table {name}: Q(y) = {label}, {PIECES} pieces, j = floor(y ({alpha} + {beta} y)) on [0, {YMAX}), "
              f"degree {DEG}: <= 2^{bound:.1f} relative (coefficients as stored); max |E| / Q = {float(ratio):.4f}"]
    lines = [
        f"/* Q(y) = {label}: error of the table as stored <= 2^{bound:.1f} relative; max |E| / Q = {float(ratio):.4f} */",
        f"static const gelu_f32_table gelu_f32_table_{name} = {{",
        f"    .alpha = {alpha!r}f, .beta = {beta!r}f,",
        *([] if root is None else
          [f"    .root = {{{', '.join(f32hex(f32(v)) for v in root_split(root))}}},  /* y* = {mp.nstr(root, 20)} */"]),
        "    .centre = {" + ", ".join(f32hex(c) for c, _, _ in pieces) + "},",
        "    .a = {" + ", ".join(f32hex(A) for _, A, _ in pieces) + "},",
        "    .e = {",
    ]
    for k in range(DEG + 1):
        lines.append("        {" + ", ".join(f32hex(es[k]) for _, _, es in pieces) + "},")
    lines += ["    },", "};", ""]
    return lines, report


def gen():
    lines = [
        "/* GENERATED by tools/gen_f32_tables.py -- do not edit by hand.",
        " * Regenerate: python tools/gen_f32_tables.py",
        f" * Q(y) = a[j] + E_j(y - centre[j]) for j = floor(y (alpha + beta y)), 0 <= y < {YMAX};",
        f" * E_j(d) = sum of e[k][j] d^k, k = 0..{DEG}.  All values are float32. */",
        "#ifndef GELU_F32_TABLES_H",
        "#define GELU_F32_TABLES_H",
        "",
        f"#define GELU_F32_PIECES {PIECES}",
        f"#define GELU_F32_YMAX_BITS 0x{struct.unpack('<I', struct.pack('<f', YMAX))[0]:08x}u   /* {float(YMAX)!r}f */",
        f"#define GELU_F32_DEG {DEG}",
        "",
        "/* Each array is 128 bytes, 64-byte aligned: the AVX-512 loops load",
        " * them as whole cache lines. */",
        "typedef struct {",
        "    _Alignas(64) float centre[GELU_F32_PIECES];",
        "    float a[GELU_F32_PIECES];",
        "    float e[GELU_F32_DEG + 1][GELU_F32_PIECES];",
        "    float alpha, beta;           /* piece index j = floor(y (alpha + beta y)) */",
        "    float root[2];               /* gradient tables: y* as hi + lo (else 0) */",
        "} gelu_f32_table;",
        "",
    ]
    report = []
    for name, label, q, alpha, beta, root in TABLES:
        tl, tr = gen_table(name, label, q, alpha, beta, root)
        lines += tl
        report += tr
    lines += ["#endif /* GELU_F32_TABLES_H */", ""]
    return "\n".join(lines), report


def main(argv=None):
    return generated_header.main(gen, OUT, "gen_f32_tables.py", __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
