"""Piecewise polynomial tables for the table kernels, fitted with mpmath.

Shared by tools/gen_f32_tables.py (float32 kernels, f32_table.h) and
tools/gen_f64_tables.py (float64 kernels, f64_table.h): both tabulate a
function Q on 0 <= y < ymax, cut into pieces by the index
j = floor(y (alpha + beta y)), as

    Q(c + d) = A + E(d),   A = Q(c) rounded to the format,
                           E(d) = e_0 + e_1 d + ... + e_deg d^deg,

with every e_k in the format.  The index makes pieces narrower where Q
falls faster (its relative slope grows about linearly in y), so that Q
varies by a similar fraction over every piece; that fraction is what the
kernels' roundings scale with.  Piece j has a centre c_j with few
significant bits near its middle, so that d = y - c is exact (Sterbenz),
except piece 0, centred at 0 for the same reason.  E is fitted by weighted
least squares (weight 1/Q, so the error is relative to Q) on
Chebyshev-spaced points; the coefficients are rounded one at a time, lowest
first, and the higher ones refitted to what the rounding left, so that
rounding the stored coefficients costs little.  The bound reported is
max |A + E(d) - Q| / Q over a dense grid of every piece, with the
coefficients exactly as stored.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Callable

import mpmath as mp

mp.mp.prec = 200

A_TANH = mp.mpf("0.044715")   # the tanh formula's decimal constant, exactly


def to_f32(v) -> float:
    """v rounded to the nearest float32 (ties to even), as a Python float."""
    return struct.unpack("f", struct.pack("f", float(v)))[0]


def to_f64(v) -> float:
    """v rounded to the nearest double (ties to even)."""
    return float(mp.mpf(v))


def hex_literal(v: float) -> str:
    """A binary floating-point value as a C hex literal without trailing zeros (exact)."""
    h = float(v).hex()
    if "." not in h:
        return h
    mant, exp = h.split("p")
    return mant.rstrip("0").rstrip(".") + "p" + exp


# ---- the functions tabulated ---------------------------------------------------

def q_exact(y):
    """Phi(-y): GELU(x) = x (1 - Q(|x|)) for x >= 0, -|x| Q(|x|) for x < 0."""
    return mp.ncdf(-y)


def q_tanh(y):
    """sigma(-2 u(y)), u = sqrt(2/pi) (y + 0.044715 y^3): the tanh formula's Q."""
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


def g2_exact(y):
    """grad2(-y) = grad2(y) of exact GELU: phi(y) (2 - y^2)."""
    return mp.npdf(y) * (2 - y * y)


def g2_tanh(y):
    """grad2(y) of the tanh formula (an even function): with s = sigma(2u),
    w = s (1 - s), f'' = 4 u' w + 2 y u'' w + 4 y u'^2 w (1 - 2s)."""
    c = mp.sqrt(2 / mp.pi)
    s_ = 1 - q_tanh(y)
    w = s_ * (1 - s_)
    du, d2u = c * (1 + 3 * A_TANH * y * y), 6 * c * A_TANH * y
    return 4 * du * w + 2 * y * d2u * w + 4 * y * du * du * w * (1 - 2 * s_)


def root_of(g, start="0.75"):
    return mp.findroot(g, mp.mpf(start), tol=mp.mpf(2) ** -190)


def quotient(g, root):
    """H(y) = g(y) / (y - root): smooth, no zero (g'(root) where y = root)."""
    def h(y):
        if abs(y - root) < mp.mpf(2) ** -80:
            return mp.diff(g, root)
        return g(y) / (y - root)
    return h


ROOT_EXACT, ROOT_TANH = root_of(g_exact), root_of(g_tanh)
ROOT2_EXACT, ROOT2_TANH = mp.sqrt(2), root_of(g2_tanh, "1.4185")

# The tables both generators make: (C name, what the table holds, the
# function, y* for the derivatives' tables, (alpha, beta) of the index
# j = floor(y (alpha + beta y)) for 32 pieces on [0, 4)).  sigma(-2u) falls
# faster than Phi(-y) at the top of the range (its relative slope is
# 1.6 (1 + 0.134 y^2) against about y + 1/y), so its pieces narrow faster
# there.  The gradient tables hold H(y) = grad(-y) / (y - y*), y* the
# gradient's zero, which has no zero itself; the kernels multiply by y - y*
# carried in two numbers (y* itself in three).  The second derivatives are
# even, with zeros at +-y* (sqrt 2 for exact GELU): their tables hold
# grad2(y) / (y - y*), and the kernels compute grad2(x) as the gradient
# kernel's g grad(x) at x = -|x|, g = 1.
FUNCTIONS = [("exact", "Phi(-y)", q_exact, None, (4.75, 0.8125)),
             ("tanh", "sigma(-2 u(y))", q_tanh, None, (3.5, 1.125)),
             ("exact_grad", "grad(-y) / (y - y*)", quotient(g_exact, ROOT_EXACT), ROOT_EXACT, (4.75, 0.8125)),
             ("tanh_grad", "grad(-y) / (y - y*)", quotient(g_tanh, ROOT_TANH), ROOT_TANH, (4.75, 0.8125)),
             ("exact_grad2", "grad2(y) / (y - y*)", quotient(g2_exact, ROOT2_EXACT), ROOT2_EXACT, (4.75, 0.8125)),
             ("tanh_grad2", "grad2(y) / (y - y*)", quotient(g2_tanh, ROOT2_TANH), ROOT2_TANH, (4.75, 0.8125))]


def tables(pieces: int):
    """FUNCTIONS as (name, label, Q, alpha, beta, root) for this many pieces
    on [0, 4): the index scaled by pieces / 32 (a power of two, so alpha and
    beta stay exact)."""
    k = pieces / 32
    return [(name, label, q, a * k, b * k, root) for name, label, q, root, (a, b) in FUNCTIONS]


# ---- fitting -----------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """How a family of tables is cut and stored."""
    pieces: int
    ymax: int
    deg: int
    round: Callable[[object], float]   # to the stored format
    margin: object                     # pieces overlap by this (relative): the index is rounded
    centre_bits: int = 10
    fit_points: int = 48
    check_points: int = 400
    y0: object = 0                     # a tail table's start: the index is of z = y - y0


def pieces_used(layout: Layout, alpha, beta) -> int:
    """How many pieces the index reaches on [y0, ymax): an integer by the
    choice of alpha and beta (at most layout.pieces; a table whose index
    stops short repeats its last piece in the rest)."""
    zmax = mp.mpf(layout.ymax) - mp.mpf(layout.y0)
    used = zmax * (alpha + beta * zmax)
    assert used == int(used) and used <= layout.pieces, (used, layout.pieces)
    return int(used)


def root_split(layout: Layout, root):
    """root as three numbers of the format, hi + mid + lo: next to the zero,
    y - y* is as small as the distance from y* to the nearest y of the
    format, and two parts of y* would leave a relative error of about
    2^-23 (float32) or 2^-51 (double) in it, an ulp of the result."""
    hi = layout.round(root)
    mid = layout.round(root - mp.mpf(hi))
    return hi, mid, layout.round(root - mp.mpf(hi) - mp.mpf(mid))


def boundary(ab, j):
    """The y >= 0 with y (alpha + beta y) = j."""
    alpha, beta = ab
    return (-alpha + mp.sqrt(alpha ** 2 + 4 * beta * j)) / (2 * beta)


def piece_bounds(layout: Layout, ab, j):
    y0 = mp.mpf(layout.y0)
    a, b = y0 + boundary(ab, j), y0 + boundary(ab, j + 1)
    if j == 0 and y0 == 0:
        return mp.mpf(0), b * (1 + layout.margin), mp.mpf(0)
    mid = (a + b) / 2
    e = mp.floor(mp.log(mid, 2)) - (layout.centre_bits - 1)
    c = mp.nint(mid / 2 ** e) * 2 ** e
    assert c / 2 <= a and b <= 2 * c, "y - c must be exact on the whole piece"
    return a * (1 - layout.margin), min(b * (1 + layout.margin), mp.mpf(layout.ymax)), c


def fit_piece(layout: Layout, q, ab, j):
    """(centre, A, [e_0 .. e_deg]) of piece j, all as stored."""
    deg, rnd = layout.deg, layout.round
    a, b, c = piece_bounds(layout, ab, j)
    A = rnd(q(c))
    exact_at_zero = j == 0 and layout.y0 == 0 and mp.mpf(A) == q(mp.mpf(0))
    n = layout.fit_points
    pts = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
    pts += [a, b]
    ds = [y - c for y in pts]
    qs = [q(y) for y in pts]
    target = [qv - A for qv in qs]
    weights = [1 / abs(qv) for qv in qs]
    fixed: list[float] = []
    if exact_at_zero:
        fixed.append(0.0)   # Q(0) = 1/2 = A exactly, so E(0) = 0 keeps GELU(0) exact
    while len(fixed) <= deg:
        k0 = len(fixed)
        rhs = [(t - sum(e * d ** i for i, e in enumerate(fixed))) * wt for t, d, wt in zip(target, ds, weights)]
        mat = mp.matrix([[d ** i * wt for i in range(k0, deg + 1)] for d, wt in zip(ds, weights)])
        sol = mp.qr_solve(mat, mp.matrix(rhs))[0]
        fixed.append(rnd(sol[0]))
    return rnd(c), A, fixed


@dataclass
class PieceStats:
    error: object = mp.mpf(0)      # max |A + E - Q| / Q
    e_ratio: object = mp.mpf(0)    # max |E| / Q
    rest_ratio: object = mp.mpf(0) # max |E - e_1 d| / Q

    def merge(self, other: "PieceStats") -> None:
        self.error = max(self.error, other.error)
        self.e_ratio = max(self.e_ratio, other.e_ratio)
        self.rest_ratio = max(self.rest_ratio, other.rest_ratio)


def piece_stats(layout: Layout, q, ab, j, A, es) -> PieceStats:
    a, b, c = piece_bounds(layout, ab, j)
    st = PieceStats()
    n = layout.check_points
    for i in range(n + 1):
        y = a + (b - a) * mp.mpf(i) / n
        d = y - c
        e = sum(mp.mpf(ek) * d ** k for k, ek in enumerate(es))
        qv = abs(q(y))
        st.error = max(st.error, abs(mp.mpf(A) + e - q(y)) / qv)
        st.e_ratio = max(st.e_ratio, abs(e) / qv)
        st.rest_ratio = max(st.rest_ratio, abs(e - mp.mpf(es[1]) * d) / qv)
    return st


def fit_table(layout: Layout, q, alpha, beta):
    """Every piece of one table, and the stats over all of them."""
    used = pieces_used(layout, alpha, beta)
    ab = (alpha, beta)
    pieces = [fit_piece(layout, q, ab, j) for j in range(used)]
    stats = PieceStats()
    for j, (_, A, es) in enumerate(pieces):
        stats.merge(piece_stats(layout, q, ab, j, A, es))
    return pieces + pieces[-1:] * (layout.pieces - used), stats


def log2(v) -> float:
    return float(mp.log(v, 2))


def header(head: list[str], tables, gen_table, guard: str):
    """The header's text: head, then each table's lines (gen_table(*row) ->
    (lines, report)), then the end of the include guard; and the reports."""
    lines, report = list(head), []
    for row in tables:
        tl, tr = gen_table(*row)
        lines += tl
        report += tr
    lines += [f"#endif /* {guard} */", ""]
    return "\n".join(lines), report
