#!/usr/bin/env python3
"""Generate src/gelu/_kernels/gelu_f64_tables.h with mpmath, and print its error bounds.

Run:  python tools/gen_f64_tables.py            (writes the header, prints the bounds)
      python tools/gen_f64_tables.py --check    (exit 1 if the header is stale)

The tables serve the float64 table kernels (f64_table.h), which compute
GELU(x) = x (1 - Q(y)) for x >= 0 and -y Q(y) for x < 0, y = |x| < 4, with
Q(y) = Phi(-y) (exact GELU) or sigma(-2 u(y)) (the tanh formula), as the
float32 kernels do (tools/gen_f32_tables.py), in double arithmetic.  16
pieces, so that an AVX-512 two-register permute holds a column, and degree
12, which brings every table under 2^-57 relative.  The gradient tables
hold grad(-y) / (y - y*), as the float32 ones do.  How the tables are cut
and fitted is in tools/piece_tables.py.  Printed per table: the error of
the table as stored (max |A + E(d) - Q| / Q), and max |E - e_1 d| / Q, the
part of E that the kernel rounds (it carries e_1 d exactly); the kernel's
contract comment turns both into its ulp bound.
"""
from __future__ import annotations

import struct
import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generated_header  # noqa: E402
import piece_tables as pt  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "src" / "gelu" / "_kernels" / "gelu_f64_tables.h"

LAYOUT = pt.Layout(pieces=16, ymax=4, deg=12, round=pt.to_f64, margin=mp.mpf(2) ** -40, fit_points=64)

# (C name, what Q is, Q, alpha, beta): alpha and beta exact in binary, with
# ymax (alpha + beta ymax) = pieces; the same shapes as the float32 tables,
# halved.
# The gradient tables hold H(y) = grad(-y) / (y - y*), y* the gradient's
# zero, as the float32 ones do; the kernel multiplies by y - y* carried in
# two doubles (root = y* as hi + lo).  The second-derivative tables hold
# grad2(y) / (y - y*), y* its zero (sqrt 2 for exact GELU), computed as the
# gradient kernel's g grad(x) at x = -|x|, g = 1 (gen_f32_tables.py).
TABLES = [("exact", "Phi(-y)", pt.q_exact, 2.375, 0.40625, None),
          ("tanh", "sigma(-2 u(y))", pt.q_tanh, 1.75, 0.5625, None),
          ("exact_grad", "grad(-y) / (y - y*)", pt.quotient(pt.g_exact, pt.ROOT_EXACT), 2.375, 0.40625, pt.ROOT_EXACT),
          ("tanh_grad", "grad(-y) / (y - y*)", pt.quotient(pt.g_tanh, pt.ROOT_TANH), 2.375, 0.40625, pt.ROOT_TANH),
          ("exact_grad2", "grad2(y) / (y - y*)", pt.quotient(pt.g2_exact, pt.ROOT2_EXACT), 2.375, 0.40625,
           pt.ROOT2_EXACT),
          ("tanh_grad2", "grad2(y) / (y - y*)", pt.quotient(pt.g2_tanh, pt.ROOT2_TANH), 2.375, 0.40625,
           pt.ROOT2_TANH)]


def fast2sum_margin(pieces, alpha, beta, root):
    """The kernel's two Fast2Sums need |h - p| >= |e_1 t| (f64_table.h): over
    every piece, the largest |e_1 d| D / |h/m - D A| for both signs of x, with
    D = y (forward tables) or y - y* (gradient tables), h/m = 1 for x >= 0
    and 0 for x < 0.  Must stay below 1."""
    worst = mp.mpf(0)
    for j, (c, A, es) in enumerate(pieces):
        a, b, _ = pt.piece_bounds(LAYOUT, (alpha, beta), j)
        for i in range(LAYOUT.check_points + 1):
            y = a + (b - a) * mp.mpf(i) / LAYOUT.check_points
            D = y if root is None else y - root
            lin = abs(mp.mpf(es[1]) * (y - c) * D)
            if lin == 0:
                continue
            for h in (1, 0):
                worst = max(worst, lin / abs(h - D * mp.mpf(A)))
    return worst


def gen_table(name, label, q, alpha, beta, root):
    lay = LAYOUT
    pieces, stats = pt.fit_table(lay, q, alpha, beta)
    margin = fast2sum_margin(pieces, alpha, beta, root)
    assert margin < 1, f"{name}: the kernel's Fast2Sum needs |e_1 d D| < |h/m - D A| ({float(margin)})"
    bound, rest = pt.log2(stats.error), float(stats.rest_ratio)
    report = [f"f64 table {name}: Q(y) = {label}, {lay.pieces} pieces, j = floor(y ({alpha} + {beta} y)) on "
              f"[0, {lay.ymax}), degree {lay.deg}: <= 2^{bound:.1f} relative (coefficients as stored); "
              f"max |E| / Q = {float(stats.e_ratio):.4f}, max |E - e_1 d| / Q = {rest:.4f}; "
              f"Fast2Sum margin {float(margin):.3f} (< 1)"]
    lines = [
        f"/* Q(y) = {label}: error of the table as stored <= 2^{bound:.1f} relative;",
        f" * max |E| / Q = {float(stats.e_ratio):.4f}, max |E - e_1 d| / Q = {rest:.4f} */",
        f"static const gelu_f64_table gelu_f64_table_{name} = {{",
        f"    .alpha = {alpha!r}, .beta = {beta!r},",
        *([] if root is None else
          [f"    .root = {{{', '.join(pt.hex_literal(v) for v in pt.root_split(lay, root))}}},  /* y* = {mp.nstr(root, 20)} */"]),
        "    .centre = {" + ", ".join(pt.hex_literal(c) for c, _, _ in pieces) + "},",
        "    .a = {" + ", ".join(pt.hex_literal(A) for _, A, _ in pieces) + "},",
        "    .e = {",
    ]
    for k in range(lay.deg + 1):
        lines.append("        {" + ", ".join(pt.hex_literal(es[k]) for _, _, es in pieces) + "},")
    lines += ["    },", "};", ""]
    return lines, report


def gen():
    lay = LAYOUT
    ymax_bits = struct.unpack("<Q", struct.pack("<d", lay.ymax))[0]
    lines = [
        "/* GENERATED by tools/gen_f64_tables.py -- do not edit by hand.",
        " * Regenerate: python tools/gen_f64_tables.py",
        f" * Q(y) = a[j] + E_j(y - centre[j]) for j = floor(y (alpha + beta y)), 0 <= y < {lay.ymax};",
        f" * E_j(d) = sum of e[k][j] d^k, k = 0..{lay.deg}.  All values are doubles. */",
        "#ifndef GELU_F64_TABLES_H",
        "#define GELU_F64_TABLES_H",
        "",
        f"#define GELU_F64_PIECES {lay.pieces}",
        f"#define GELU_F64_YMAX_BITS UINT64_C(0x{ymax_bits:016x})   /* {float(lay.ymax)!r} */",
        f"#define GELU_F64_DEG {lay.deg}",
        "",
        "/* Each array is 128 bytes, 64-byte aligned: the AVX-512 loops load",
        " * them as whole cache lines. */",
        "typedef struct {",
        "    _Alignas(64) double centre[GELU_F64_PIECES];",
        "    double a[GELU_F64_PIECES];",
        "    double e[GELU_F64_DEG + 1][GELU_F64_PIECES];",
        "    double alpha, beta;          /* piece index j = floor(y (alpha + beta y)) */",
        "    double root[3];              /* gradient tables: y* as hi + mid + lo (else 0) */",
        "} gelu_f64_table;",
        "",
    ]
    return pt.header(lines, TABLES, gen_table, "GELU_F64_TABLES_H")


def main(argv=None):
    return generated_header.main(gen, OUT, "gen_f64_tables.py", __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
