"""gelu accuracy: max ulp error per function and dtype, for gelu and its rivals."""
from __future__ import annotations

import textwrap

from gelu import _argtypes
from gelu.cli import _optional, _paths
from gelu.cli._errors import CLIError, UsageError
from gelu.cli._output import Output

# Names are repeated here (not imported from gelu.accuracy) so that `--help`
# works without python-flint; tests check the two lists agree.
FUNCTIONS = ("gelu", "gelu_tanh", "gelu_grad", "gelu_tanh_grad", "gelu_grad2",
             "gelu_tanh_grad2", "gelu_backward", "gelu_tanh_backward")
DTYPES = ("float16", "float32", "float64")
CONTENDERS = ("gelu", "reference", "naive", "torch", "jax")

SUMMARY = "max ulp error per function and dtype: gelu vs naive formulas, PyTorch, JAX"
DESCRIPTION = f"""\
Measure the largest error, in units in the last place (ulp) of the true value,
of each function at each dtype, for:
  gelu       this package's ufuncs
  reference  gelu.reference, the readable NumPy/SciPy version
  naive      the seed page's formulas, 0.5*x*(1 + erf(x/sqrt(2))) and friends
  torch      torch.nn.functional.gelu and autograd (if PyTorch is installed)
  jax        jax.nn.gelu and jax.grad (if JAX is installed)
True values come from python-flint's ball arithmetic (gelu.accuracy.oracle).
float16 is measured on every input; float32 and float64 on a stratified sample
that covers the left tail, the minimum x*, +-sqrt(2), tiny and huge |x| and
the special values.  A table cell is the max error and, above 1 ulp, the input
where it occurs; 'inf' means a NaN or infinity came out where a number was due.

{textwrap.fill('functions: ' + ', '.join(FUNCTIONS), 78, subsequent_indent='  ')}"""
EXAMPLES = """\
examples:
  gelu accuracy
  gelu accuracy --function gelu --function gelu_grad --dtype float32
  gelu accuracy --dtype float64 --samples 50000 --plot ulp.png
  gelu accuracy --contenders gelu,naive,torch"""


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def add_arguments(parser) -> None:
    parser.add_argument("--function", action="append", default=None, metavar="NAME",
                        help="function(s) to measure; repeat or use commas (default: all eight)")
    parser.add_argument("--dtype", action="append", default=None, metavar="DTYPE",
                        help="float16, float32 and/or float64; repeat or use commas (default: all)")
    parser.add_argument("--samples", type=_argtypes.int_between(1, 10**8, "--samples"), default=20_000, metavar="N",
                        help="random inputs per float32/float64 measurement, to which a fixed set "
                             "of about 400 adversarial ones (tails, zeros, range edges) is added "
                             "(default: 20000; float16 always uses all 63491 finite inputs)")
    parser.add_argument("--contenders", default="auto", metavar="LIST",
                        help="comma-separated from gelu,reference,naive,torch,jax "
                             "(default: all that are installed)")
    parser.add_argument("--seed", type=_argtypes.seed, default=0, help="seed of the sample, an int >= 0 (default: 0)")
    parser.add_argument("--plot", default=None, metavar="PATH",
                        help="also draw ulp error against x (log scale) to a .png/.svg/.pdf")


def _choose(given, allowed, what) -> list[str]:
    if not given:
        return list(allowed)
    chosen = []
    for item in given:
        for name in _csv_list(item):
            if name not in allowed:
                raise UsageError(f"unknown {what} {name!r}; choose from {', '.join(allowed)}")
            if name not in chosen:
                chosen.append(name)
    if not chosen:
        raise UsageError(f"no {what} given; choose from {', '.join(allowed)}")
    return chosen


def _contenders(spec: str, out: Output):
    from gelu.accuracy.contenders import INSTALL_MODULE, build

    auto = spec.strip() == "auto"
    keys = list(CONTENDERS) if auto else _choose([spec], CONTENDERS, "contender")
    built = []
    for key in keys:
        module = INSTALL_MODULE[key]
        if module is not None and not _optional.available(module):
            name = _optional.PACKAGE_NAME.get(module, module)
            if not auto:
                raise CLIError(f"contender {key!r} needs {name}: {_optional.INSTALL_HINT[module]}")
            out.note(f"{name} is not installed, so {key!r} is not compared "
                     f"({_optional.INSTALL_HINT[module]})")
            continue
        built.append(build(key))
    return built


def run(args, out: Output) -> int:
    functions = _choose(args.function, FUNCTIONS, "function")
    dtypes = _choose(args.dtype, DTYPES, "dtype")
    plot_path = _paths.figure_path(args.plot, "--plot") if args.plot is not None else None
    _optional.require("flint", "gelu accuracy")
    if plot_path is not None:
        _optional.require("matplotlib", "gelu accuracy --plot")

    from gelu.accuracy import report

    contenders = _contenders(args.contenders, out)
    total = report.plan(functions, dtypes, len(contenders), args.samples, args.seed)
    last = [None]
    with out.progress(total, "measuring against the oracle") as bar:
        def tick(stage: str, n: int) -> None:
            head = stage.split(":")[0]
            if head != last[0]:
                bar.stage(head)
                last[0] = head
            bar.advance(n)

        results = report.measure(functions, dtypes, contenders, args.samples, args.seed, tick)

    _print_table(out, results, functions, dtypes, contenders)
    if plot_path is not None:
        _draw(out, results, functions, dtypes, contenders, plot_path)
    return 0


def _cell(m) -> str:
    from gelu.accuracy.report import format_ulp

    if m.errors is None:
        return "n/a"
    worst = m.max_ulp_finite
    text = format_ulp(worst)
    if worst > 1:
        text += f" (x={m.worst_x:.4g})"
    return text


def _print_table(out, results, functions, dtypes, contenders) -> None:
    from gelu.accuracy.report import by_key

    index = by_key(results)
    cols = ["function", "dtype", "inputs"] + [c.label for c in contenders]
    rows = []
    for name in functions:
        for dt in dtypes:
            first = index[(name, dt, contenders[0].key)]
            rows.append([name, dt, str(first.x.size)]
                        + [_cell(index[(name, dt, c.key)]) for c in contenders])
    out.table(cols, rows, title="Max error in ulp over finite inputs (and the x where it "
                                "occurs, when above 1 ulp)",
              align=["l", "l", "r"] + ["r"] * len(contenders))
    _print_specials(out, results, functions, dtypes, [c.label for c in contenders])
    unavailable = sorted({f"{r.label} at {r.dtype}: {r.error}" for r in results
                          if r.error and r.error != "not provided"})
    for line in unavailable:
        out.note(f"n/a: {line}")
    naive = any(c.key == "naive" for c in contenders)
    out.note("True values: python-flint (Arb) ball arithmetic.  inf: a NaN or infinity where "
             "a number was due." + ("  naive: the seed page's formulas, run in the input's dtype." if naive else ""))


def _print_specials(out, results, functions, dtypes, labels) -> None:
    """One row per (contender, wrong answer at +-inf or NaN), naming where it happens."""
    groups: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for r in results:
        for x, y in r.special_failures:
            key = (r.label, f"{x:g}", f"{y:g}")
            groups.setdefault(key, {}).setdefault(r.function, []).append(r.dtype)
    if not groups:
        out.line("Special values: every contender gives the right limit at +-inf and NaN.")
        return
    rows = []
    for (label, x, y), where in sorted(groups.items(),
                                       key=lambda kv: (labels.index(kv[0][0]), kv[0][1])):
        rows.append([label, f"f({x}) = {y}", _where(where, functions, dtypes)])
    out.table(["contender", "wrong result", "in"], rows, align="lll",
              title="Special values answered wrongly (GELU(-inf) = -0, grad(-inf) = 0, "
                    "GELU(+inf) = +inf, grad(+inf) = 1)")


def _where(where: dict[str, list[str]], functions, dtypes) -> str:
    """'all functions, all dtypes', or 'gelu, gelu_grad (float32, float64); ...'."""
    by_dtypes: dict[tuple[str, ...], list[str]] = {}
    for fn, dts in where.items():
        by_dtypes.setdefault(tuple(d for d in dtypes if d in dts), []).append(fn)
    parts = []
    for dts, fns in by_dtypes.items():
        fn_text = "all functions" if len(fns) == len(functions) > 1 else ", ".join(fns)
        dt_text = "all dtypes" if len(dts) == len(dtypes) > 1 else ", ".join(dts)
        parts.append(f"{fn_text} ({dt_text})")
    return "; ".join(parts)


def _draw(out, results, functions, dtypes, contenders, path) -> None:
    from gelu.accuracy.report import by_key, plot_range
    from gelu.cli import figures

    index = by_key(results)
    panels = []
    for name in functions:
        for dt in dtypes:
            lines = [(c.label, m.x, m.errors) for c in contenders
                     if (m := index[(name, dt, c.key)]).errors is not None]
            panels.append((f"{name}, {dt}", plot_range(dt), lines))
    fig = figures.ulp_figure(panels, title="Error against the oracle (ulp, log scale)")
    out.wrote("figure", _paths.save_figure(fig, path, "--plot"))
