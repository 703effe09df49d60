"""gelu bench: throughput of the ufuncs against PyTorch, the seed's NumPy code and a memory copy."""
from __future__ import annotations

import argparse

from gelu import _argtypes
from gelu.cli import _optional, _paths
from gelu.cli._errors import CLIError, UsageError
from gelu.cli._output import Output

SUMMARY = "throughput (Melem/s) and ratios vs PyTorch, JAX, the seed's NumPy code and a copy"
DESCRIPTION = """\
Time every function at several sizes, dtypes and thread counts against the
other contenders, all measured in this one run with out= preallocated, and
print Melem/s and ratios.  The copy row (np.copyto) is the memory roofline.
With --plot, draw throughput against size, one line per contender, the copy
line as the roofline.  This is python -m gelu.bench with a plot added
(same options)."""
EXAMPLES = """\
examples:
  gelu bench
  gelu bench --sizes 1e3,1e6 --dtypes float32 --functions gelu,gelu_tanh --threads 1
  gelu bench --plot speed.png --json speed.json
  gelu bench --inputs wide --dtypes float32 --threads 1"""


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", default="1e3,1e4,1e5,1e6,1e7", help="comma-separated sizes (default 1e3..1e7)")
    parser.add_argument("--dtypes", default=None,
                        help="float16, float32 and/or float64 (default float32,float64; with --grain all three)")
    parser.add_argument("--threads", default="1,all", help="thread counts, e.g. 1,all (default)")
    parser.add_argument("--functions", default=None,
                        help="functions to time (default gelu,gelu_tanh,gelu_backward; with --grain all eight)")
    parser.add_argument("--contenders", default=None,
                        help="what to time gelu against (gelu itself is always timed; default: "
                             "gelu,torch,jax,numpy,copy, those not installed skipped)")
    from gelu import bench

    bench.add_run_options(parser)
    parser.add_argument("--min-time", default="0.1", help="seconds per measured point (default 0.1)")
    parser.add_argument("--json", default=None, metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--plot", default=None, metavar="PATH", help="draw throughput vs size to a .png, .svg or .pdf")


def _choose(text: str, allowed, what: str) -> list[str]:
    chosen = _split(text)
    bad = [c for c in chosen if c not in allowed]
    if bad or not chosen:
        raise UsageError(f"unknown {what} {', '.join(map(repr, bad)) or '(none)'}; choose from {', '.join(allowed)}")
    return chosen


def _parsed(parse, text: str, option: str):
    try:
        return parse(text)
    except argparse.ArgumentTypeError as err:
        raise UsageError(f"{option}: {err}") from None


def _plot(results, path, out: Output) -> None:
    matplotlib = _optional.require("matplotlib", "--plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    keys = sorted({(r.dtype, r.threads) for r in results})
    # at least 9 inches wide: the title is one line
    fig, axes = plt.subplots(1, len(keys), figsize=(max(6 * len(keys), 9), 4.5), squeeze=False)
    for ax, (dtype, threads) in zip(axes[0], keys):
        rows = [r for r in results if r.dtype == dtype and r.threads == threads]
        for label in sorted({(r.contender, r.function) for r in rows}):
            pts = sorted((r.n, r.melems) for r in rows if (r.contender, r.function) == label)
            copy = label[0] == "copy"
            who = {"numpy": "seed NumPy/SciPy"}.get(label[0], label[0])
            ax.plot(*zip(*pts), "k--" if copy else "-o", ms=3, lw=2 if copy else 1.2,
                    label="copy (roofline)" if copy else f"{who} {label[1]}")
        ax.set(xscale="log", yscale="log", xlabel="n (elements)", ylabel="Melem/s",
               title=f"{dtype}, {threads} thread{'s' if threads != 1 else ''}, out= preallocated")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("gelu bench: throughput against size (regenerate: gelu bench --plot PATH)")
    fig.tight_layout()
    written = _paths.save_figure(fig, path, "--plot")
    plt.close(fig)
    out.wrote("figure", written)


def run(args, out: Output) -> int:
    from gelu import bench

    if args.grain and (args.plot is not None or args.json is not None):
        raise UsageError("--grain prints a table and exits: it writes no --plot or --json")
    sizes = _parsed(_argtypes.sizes, args.sizes, "--sizes")
    dtypes = _choose(args.dtypes or ("float16,float32,float64" if args.grain else "float32,float64"),
                     ("float16", "float32", "float64"), "dtype")
    functions = _choose(args.functions or (",".join(bench.FUNCTIONS) if args.grain
                                           else "gelu,gelu_tanh,gelu_backward"), bench.FUNCTIONS, "function")
    named = args.contenders is not None
    contenders = bench.with_gelu(_choose(args.contenders, bench.CONTENDERS, "contender") if named
                                 else bench.CONTENDERS)
    if named and bench.missing(contenders):
        # asked for by name: as gelu accuracy --contenders does, an error
        raise CLIError(bench.missing_message(bench.missing(contenders)[0]))
    threads = _parsed(_argtypes.threads, args.threads, "--threads")
    min_time = _parsed(_argtypes.positive_seconds, args.min_time, "--min-time")
    plot = _paths.figure_path(args.plot, "--plot") if args.plot is not None else None
    if plot is not None:
        _optional.require("matplotlib", "--plot")
    json_path = _paths.json_path(args.json, "--json") if args.json is not None else None
    if args.grain:
        for (dtype, name), grain in bench.suggest_grain(dtypes, functions=functions).items():
            out.line(f"{dtype:<8} {name:<20} {grain}")
        return 0
    if args.large and 10**8 not in sizes:
        sizes = [*sizes, 10**8]
    info = bench.machine()
    out.line(f"gelu {info['gelu']} ({info['gelu_isa']} kernels) on {info['cpu']}, "
             f"{info['cpus_available']} CPUs; "
             + ("out= preallocated for every contender" if not args.allocate
                else "every contender allocates its result")
             + f"; x {bench.INPUT_LABELS[args.inputs]}")
    for c in bench.missing(contenders):
        out.line(f"{bench.missing_message(c)}: not timed")
    try:
        with out.progress(0, "timing") as bar:
            results = bench.run(sizes, dtypes, threads, contenders, out=not args.allocate, functions=functions,
                                min_time=min_time, progress=bar.stage, inputs=args.inputs)
    except MemoryError:
        raise CLIError(f"not enough memory for --sizes up to {max(sizes):.0e}") from None
    for line in bench.format_table(results).splitlines():
        out.line(line)
    if json_path is not None:
        try:
            json_path.write_text(bench.to_json(results, command=["gelu", "bench"]))
        except OSError as err:
            raise CLIError(f"--json: could not write {str(json_path)!r}: {err.strerror or err}") from None
        out.wrote("results", json_path.resolve())
    if plot is not None:
        _plot(results, plot, out)
    return 0
