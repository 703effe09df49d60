"""gelu demo: the seed page's numbers, recomputed, and a figure."""
from __future__ import annotations

import math

import numpy as np

from gelu.cli import _optional, _paths
from gelu.cli._errors import UsageError
from gelu.cli._output import Output

SUMMARY = "key values, the minimum, exact vs tanh, the left tail, and a figure"
DESCRIPTION = """\
Recompute what the seed page says about GELU with the `gelu` ufuncs:
GELU(0), GELU(1), GELU(-1); the minimum at x* (Newton's method on gelu_grad);
the largest gap between exact GELU and its tanh approximation; and, in the
left tail, the textbook 0.5*x*(1 + erf(x/sqrt(2))) against gelu.gelu and the
true value (from python-flint, if installed).  Draws gelu-demo.png: GELU beside
ReLU, SiLU, Softplus, Mish and quick GELU, their derivatives, and Phi(x), the
weight GELU puts on x (needs matplotlib)."""
EXAMPLES = """\
examples:
  gelu demo
  gelu demo --output figures/gelu.svg
  gelu demo --no-plot"""

DEFAULT_OUTPUT = "gelu-demo.png"
FIGURE_ACTIVATIONS = ("gelu", "relu", "silu", "softplus", "mish", "quick_gelu")


def add_arguments(parser) -> None:
    parser.add_argument("-o", "--output", default=None, metavar="PATH",
                        help=f"where to write the figure: .png, .svg or .pdf "
                             f"(default: {DEFAULT_OUTPUT})")
    parser.add_argument("--no-plot", action="store_true", help="print only, draw no figure")


def run(args, out: Output) -> int:
    import gelu

    # Check the figure path first: a bad one should fail before any printing.
    if args.no_plot and args.output is not None:
        raise UsageError("--output names the figure, and --no-plot draws none: give one of them")
    output = DEFAULT_OUTPUT if args.output is None else args.output   # "" is a usage error, not the default
    path = None if args.no_plot else _paths.figure_path(output, "--output")
    if args.output is not None:
        # a figure asked for by name must be drawn (the default one is
        # skipped with a note when matplotlib is missing)
        _optional.require("matplotlib", "--output")

    out.line("GELU(x) = x * Phi(x), Phi the standard normal CDF: each input is weighted by")
    out.line("how likely a standard normal variable is to lie below it.")
    _key_values(out, gelu)
    _minimum(out, gelu)
    _exact_vs_tanh(out, gelu)
    _tail(out, gelu)

    if path is None:
        return 0
    if not _optional.available("matplotlib"):
        out.note(f"no figure: matplotlib is not installed; for {path.name}: "
                 f"{_optional.INSTALL_HINT['matplotlib']}")
        return 0
    written = _draw(gelu, path)
    out.line("")
    out.wrote("figure", written)
    return 0


def _key_values(out, gelu) -> None:
    out.heading("Key values (gelu.gelu, float64)")
    rows = [[f"GELU({x:g})", f"{float(gelu.gelu(np.float64(x))):.10f}", seed]
            for x, seed in ((0.0, "0"), (1.0, "0.841"), (-1.0, "-0.159"))]
    out.table(["", "gelu.gelu", "seed page"], rows)


def find_minimum(gelu) -> tuple[float, float]:
    """x* where gelu_grad(x*) = 0, by Newton's method on the derivative, and GELU(x*)."""
    x = -0.75
    for _ in range(50):
        step = float(gelu.gelu_grad(np.float64(x)) / gelu.gelu_grad2(np.float64(x)))
        x -= step
        if abs(step) <= 1e-16 * abs(x):
            break
    return x, float(gelu.gelu(np.float64(x)))


def _minimum(out, gelu) -> None:
    x, y = find_minimum(gelu)
    out.heading("The minimum (GELU is not monotonic)")
    out.line(f"gelu_grad(x*) = 0 at x* = {x:.10f}   (Newton's method, gelu_grad / gelu_grad2)")
    out.line(f"GELU(x*) = {y:.10f}   the lowest value GELU takes")


def max_tanh_gap(gelu) -> tuple[float, float]:
    """max |gelu_tanh - gelu| over [-10, 10] and the |x| where it occurs (grid, then refine)."""
    x = np.linspace(-10.0, 10.0, 200_001)
    for _ in range(3):
        gap = np.abs(gelu.gelu_tanh(x) - gelu.gelu(x))
        i = int(np.argmax(gap))
        step = x[1] - x[0]
        x = np.linspace(x[i] - 2 * step, x[i] + 2 * step, 2001)
    return float(gap[i]), float(abs(x[1000]))


def _exact_vs_tanh(out, gelu) -> None:
    gap, where = max_tanh_gap(gelu)
    xs = np.array([-3.0, -where, -1.0, 0.5, 1.0, where, 3.0])
    exact, tanh = gelu.gelu(xs), gelu.gelu_tanh(xs)
    out.heading("Exact GELU vs the tanh approximation (float64)")
    rows = [[f"{x:.4g}", f"{e:.10f}", f"{t:.10f}", f"{t - e:+.3e}"]
            for x, e, t in zip(xs, exact, tanh)]
    out.table(["x", "gelu (exact)", "gelu_tanh", "tanh - exact"], rows)
    out.line(f"max |gelu_tanh - gelu| = {gap:.2e} at |x| = {where:.2f}  "
             f"(searched over [-10, 10])")


def _true_value(x: float):
    """GELU(x) from the python-flint oracle as a float, or None without python-flint."""
    if not _optional.available("flint"):
        return None
    from gelu.accuracy import oracle

    return float(oracle.value("gelu", x))


def _tail(out, gelu) -> None:
    out.heading("The left tail: 0.5*x*(1 + erf(x/sqrt(2))) cancels, gelu.gelu does not")
    naive = None
    if _optional.available("scipy"):
        from gelu.accuracy.naive import FUNCTIONS

        naive = FUNCTIONS["gelu"]
    have_truth = _optional.available("flint")
    cols = ["dtype", "x"] + (["naive formula"] if naive else []) + ["gelu.gelu"]
    if have_truth:
        cols += ["true value"] + (["naive rel. error"] if naive else []) + ["gelu rel. error"]
    rows = []
    for dtype in (np.float32, np.float64):
        for x in (-6.0, -10.0):
            xs = np.asarray(x, dtype=dtype)
            ours = float(gelu.gelu(xs))
            bad = float(naive(xs)) if naive else None
            row = [np.dtype(dtype).name, f"{x:g}"]
            row += [f"{bad:.6e}"] if naive else []
            row += [f"{ours:.6e}"]
            if have_truth:
                truth = _true_value(x)
                row += [f"{truth:.6e}"] + ([_rel(bad, truth)] if naive else [])
                row += [_rel(ours, truth)]
            rows.append(row)
    out.table(cols, rows)
    out.line("The naive formula runs in the row's dtype, as in a float32 framework: its 1 + erf")
    out.line("is 1 - 0.99999..., which keeps no correct digit past x ~ -5.5 in float32 (x ~ -8.4 in")
    out.line("float64) and then returns 0.  gelu.gelu keeps full relative accuracy.")
    if not have_truth:
        out.note(f"true values need python-flint: {_optional.INSTALL_HINT['flint']}")
    if naive is None:
        out.note(f"the naive column needs scipy: {_optional.INSTALL_HINT['scipy']}")


def _rel(got: float, truth: float) -> str:
    if truth == 0:
        return "exact" if got == 0 else "wrong"
    err = abs(got - truth) / abs(truth)
    if err == 0:
        return "0"
    return f"{100 * err:.3g} %" if err >= 1e-4 else f"{err:.1e}"


def _draw(gelu, path):
    from gelu.cli import figures
    from gelu.cli.catalog import ACTIVATIONS

    acts = [ACTIVATIONS[name] for name in FIGURE_ACTIVATIONS]
    x_star, y_star = find_minimum(gelu)

    def cdf(x):
        # gelu(x) / x = Phi(x); x = 0 is the one place that needs the limit 1/2.
        x = np.asarray(x, dtype=np.float64)
        safe = np.where(x == 0, 1.0, x)
        return np.where(x == 0, 0.5, gelu.gelu(safe) / safe)

    def pdf(x):
        return np.exp(-0.5 * np.asarray(x) ** 2) / math.sqrt(2.0 * math.pi)

    fig = figures.demo_figure(acts, x_star, y_star, cdf, pdf)
    return _paths.save_figure(fig, path, "--output")
