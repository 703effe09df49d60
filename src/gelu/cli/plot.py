"""gelu plot: draw chosen activations and their derivatives to PNG, SVG or PDF."""
from __future__ import annotations

import math

from gelu import _argtypes
from gelu.cli import _optional, _paths
from gelu.cli._errors import UsageError
from gelu.cli._output import Output
from gelu.cli.catalog import ACTIVATIONS, lookup

SUMMARY = "draw activations and their derivatives to a PNG, SVG or PDF file"
DESCRIPTION = f"""\
Draw the named activations over a range of x, with their first and/or second
derivatives in panels beside them.  The file suffix picks the format.

functions: {', '.join(ACTIVATIONS)}
(`gelu plot --list` shows their formulas)"""
EXAMPLES = """\
examples:
  gelu plot gelu gelu_tanh relu --range -4 4 -o out.svg
  gelu plot gelu silu mish --grad --grad2 -o derivatives.png
  gelu plot gelu --derivatives-only --range -6 2"""

DEFAULT_OUTPUT = "gelu-plot.png"


def add_arguments(parser) -> None:
    parser.add_argument("functions", nargs="*", metavar="FUNCTION",
                        help="functions to draw (default: gelu gelu_tanh relu)")
    parser.add_argument("--range", nargs=2, type=float, default=(-4.0, 4.0),
                        metavar=("MIN", "MAX"), help="x range (default: -4 4)")
    parser.add_argument("--grad", action="store_true", help="add a panel of first derivatives")
    parser.add_argument("--grad2", action="store_true", help="add a panel of second derivatives")
    parser.add_argument("--derivatives-only", action="store_true",
                        help="leave out the panel of the functions themselves")
    parser.add_argument("--points", type=_argtypes.int_between(2, 10**7, "--points"), default=1001, metavar="N",
                        help="points per curve (default: 1001)")
    parser.add_argument("--title", default=None, help="a title over the figure")
    parser.add_argument("-o", "--output", default=DEFAULT_OUTPUT, metavar="PATH",
                        help=f"file to write, .png, .svg or .pdf (default: {DEFAULT_OUTPUT})")
    parser.add_argument("--list", action="store_true",
                        help="list the functions that can be drawn, and exit")


def check_range(lo: float, hi: float, option: str = "--range") -> tuple[float, float]:
    """(lo, hi) if both are finite and lo < hi; UsageError naming the option otherwise."""
    if not (math.isfinite(lo) and math.isfinite(hi) and math.isfinite(hi - lo)):
        raise UsageError(f"{option} needs two finite numbers less than 1e308 apart, got {lo:g} {hi:g}")
    if not lo < hi:
        raise UsageError(f"{option} MIN must be less than MAX, got {lo:g} {hi:g}")
    return lo, hi


def run(args, out: Output) -> int:
    if args.list:
        out.table(["name", "formula"], [[a.name, a.formula] for a in ACTIVATIONS.values()],
                  align="ll")
        return 0
    names = args.functions or ["gelu", "gelu_tanh", "relu"]
    acts = []
    for name in names:
        act = lookup(name)
        if act not in acts:
            acts.append(act)
    lo, hi = check_range(*args.range)
    orders = [] if args.derivatives_only else [0]
    orders += [1] if args.grad else []
    orders += [2] if args.grad2 else []
    if not orders:
        raise UsageError("--derivatives-only needs --grad and/or --grad2")
    path = _paths.figure_path(args.output, "--output")
    _optional.require("matplotlib", "gelu plot")

    from gelu.cli import figures

    fig = figures.functions_figure(acts, lo, hi, orders, points=args.points, title=args.title)
    out.wrote("figure", _paths.save_figure(fig, path, "--output"))
    return 0
