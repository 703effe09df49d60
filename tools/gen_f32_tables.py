#!/usr/bin/env python3
"""Generate src/gelu/_kernels/gelu_f32_tables.h with mpmath, and print its error bounds.

Run:  python tools/gen_f32_tables.py            (writes the header, prints the bound)
      python tools/gen_f32_tables.py --check    (exit 1 if the header is stale)

The tables serve the float32-arithmetic kernels (f32_table.h).  Both
variants have the form GELU(x) = x (1 - Q(y)) for x >= 0 and -y Q(y) for
x < 0, y = |x|, with Q(y) = Phi(-y) (exact GELU, the lower normal tail) or
Q(y) = sigma(-2 u(y)) (the tanh formula, u = sqrt(2/pi) (y + 0.044715 y^3)),
so one kernel serves both with a table each.  How the tables are cut and
fitted (weighted least squares at 200 bits, coefficients rounded to float32
one at a time with the rest refitted) is in tools/piece_tables.py.  The
bound printed is max |A + E(d) - Q| / Q over a dense grid of every piece,
with the coefficients exactly as stored.  The kernel's own roundings come
on top; its contract comment counts them.
"""
from __future__ import annotations

import dataclasses
import struct
import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generated_header  # noqa: E402
import piece_tables as pt  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "src" / "gelu" / "_kernels" / "gelu_f32_tables.h"

# 32 pieces: one AVX-512 two-register permute holds 32 floats
LAYOUT = pt.Layout(pieces=32, ymax=4, deg=5, round=pt.to_f32, margin=mp.mpf(2) ** -18)
PIECES, YMAX, DEG = LAYOUT.pieces, LAYOUT.ymax, LAYOUT.deg
f32hex = pt.hex_literal

# The tables and their piece index: tools/piece_tables.py (FUNCTIONS).
TABLES = pt.tables(PIECES)

# Tail tables: the same functions on 4 <= y < ymax, indexed by z = y - 4,
# j = floor(z (alpha + beta z)), so that inputs a little wider than the
# main tables' (|x| up to 6, or 5.5 for the tanh formula, whose Q falls
# faster) keep the float32 kernels instead of the double loops.  Each
# family's three tables (Q, gradient, second derivative) share its index;
# the pieces narrow as Q's relative slope grows (y + 1/y, or
# 1.6 (1 + 0.134 y^2)).  (alpha, beta, ymax) per family: 32 pieces for
# exact GELU on [4, 6), 30 for the tanh formula on [4, 5.5).
TAIL_Y0 = 4
TAIL_INDEX = {"exact": (13.0, 1.5, 6.0), "tanh": (17.0, 2.0, 5.5)}
TAIL_TABLES = [(name + "_tail", label, q, *TAIL_INDEX[name.split("_")[0]], root)
               for name, label, q, _, _, root in TABLES]


def bits_of(v: float) -> int:
    return struct.unpack("<I", struct.pack("<f", v))[0]


# Right saturation: from x = sat on, GELU(x) rounds to x and g grad(x) to g
# for every normal (or infinite, or zero) g, because the deficit, Q(x) or
# |grad(x) - 1| = |grad(-x)|, stays below 2^-25: less than half the spacing
# of floats next to x or g, relative, even below a power of two.  The loops
# give such lanes their limit instead of sending them to the double loops
# (whose error, about 2^-33 relative, keeps their result the same).  The
# value tables start at their tail's end, the gradients a quarter further
# out (grad(6) - 1 is 2^-24.7); the second derivatives have none.  Every
# table carries its function's value, though the loops read the tail
# tables' only.
SATURATION = {"exact": 6.0, "tanh": 5.5, "exact_grad": 6.25, "tanh_grad": 5.75}
SATURATION_BOUND = mp.mpf(2) ** -25
NO_SATURATION_BITS = 0xFFFFFFFF   # above the bits of every x that is not a NaN


def saturation(name, q, root):
    """(bits of the table's sat, report line): the deficit checked on a grid
    of step 1/64 from sat to 64 (beyond, it is below 2^-2000), falling and
    below SATURATION_BOUND throughout."""
    base = name.removesuffix("_tail")
    if base not in SATURATION:
        return NO_SATURATION_BITS, None
    sat = SATURATION[base]
    deficit = q if root is None else (lambda y: abs((y - root) * q(y)))
    values = [deficit(mp.mpf(sat) + mp.mpf(k) / 64) for k in range(int((64 - sat) * 64) + 1)]
    assert all(b < a for a, b in zip(values, values[1:])), name
    assert values[0] < SATURATION_BOUND, (name, values[0])
    return bits_of(sat), f"f32 table {name}: saturates from x = {sat} (deficit <= 2^{pt.log2(values[0]):.1f})"


def gen_table(name, label, q, alpha, beta, root, ymax=YMAX, y0=0):
    lay = LAYOUT if y0 == 0 else dataclasses.replace(LAYOUT, y0=y0, ymax=ymax)
    pieces, stats = pt.fit_table(lay, q, alpha, beta)
    bound, ratio = pt.log2(stats.error), stats.e_ratio
    index = f"y ({alpha} + {beta} y)" if y0 == 0 else f"z ({alpha} + {beta} z), z = y - {y0}"
    sat_bits, sat_report = saturation(name, q, root)
    report = [f"f32 table {name}: Q(y) = {label}, {pt.pieces_used(lay, alpha, beta)} pieces, j = floor({index}) "
              f"on [{y0}, {ymax}), degree {DEG}: <= 2^{bound:.1f} relative (coefficients as stored); "
              f"max |E| / Q = {float(ratio):.4f}"] + ([sat_report] if sat_report else [])
    lines = [
        f"/* Q(y) = {label} on [{y0}, {ymax}): error of the table as stored <= 2^{bound:.1f} relative; "
        f"max |E| / Q = {float(ratio):.4f} */",
        f"static const gelu_f32_table gelu_f32_table_{name} = {{",
        f"    .alpha = {alpha!r}f, .beta = {beta!r}f, .y0 = {float(y0)!r}f, "
        f".ymax_bits = 0x{bits_of(float(ymax)):08x}u,  /* {float(ymax)!r}f */",
        f"    .sat_bits = 0x{sat_bits:08x}u,  /* "
        + ("none" if sat_bits == NO_SATURATION_BITS else f"{SATURATION[name.removesuffix('_tail')]!r}f") + " */",
        *([] if root is None else
          [f"    .root = {{{', '.join(f32hex(v) for v in pt.root_split(lay, root))}}},  /* y* = {mp.nstr(root, 20)} */"]),
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
        f" * Q(y) = a[j] + E_j(y - centre[j]) for j = floor(z (alpha + beta z)), z = y - y0,",
        f" * y0 <= y < ymax (0 <= y < {YMAX} for the main tables, from 4 for the *_tail ones);",
        f" * E_j(d) = sum of e[k][j] d^k, k = 0..{DEG}.  All values are float32. */",
        "#ifndef GELU_F32_TABLES_H",
        "#define GELU_F32_TABLES_H",
        "",
        "#include <stdint.h>",
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
        "    float alpha, beta;           /* piece index j = floor(z (alpha + beta z)), z = y - y0 */",
        "    float y0;                    /* 0, or 4 for the tail tables */",
        "    uint32_t ymax_bits;          /* the table serves y0 <= y < ymax (these bits) */",
        "    float root[3];               /* gradient tables: y* as hi + mid + lo (else 0) */",
        "    uint32_t sat_bits;           /* x from these bits to +inf: GELU(x) rounds to x, g grad(x) to g",
        "                                    (normal, infinite or zero g); 0xffffffff: never */",
        "} gelu_f32_table;",
        "",
    ]
    tail = [(name, label, q, alpha, beta, root, ymax, TAIL_Y0)
            for name, label, q, alpha, beta, ymax, root in TAIL_TABLES]
    return pt.header(lines, TABLES + tail, gen_table, "GELU_F32_TABLES_H")


def main(argv=None):
    return generated_header.main(gen, OUT, "gen_f32_tables.py", __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
