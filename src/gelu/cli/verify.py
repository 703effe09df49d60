"""gelu verify: check every float32 (or float16, bfloat16) input against an independent reference."""
from __future__ import annotations

import time

from gelu import _argtypes
from gelu.cli._errors import CLIError, UsageError
from gelu.cli._output import Output

FUNCTIONS = ("gelu", "gelu_grad", "gelu_grad2", "gelu_backward",
             "gelu_tanh", "gelu_tanh_grad", "gelu_tanh_grad2", "gelu_tanh_backward")

SUMMARY = "check all 2**32 float32 (or 65,536 float16/bfloat16) inputs against an independent reference"
DESCRIPTION = """\
Feed every float32 bit pattern to the installed ufuncs and compare each result
with a long double reference built on the C library's erfcl/expl, which shares
no code or method with the kernels (and is itself checked against
python-flint by the tests).  Reports the max error in ulps of the true value,
the input where it occurs, wrong special values (NaN, +-inf), and pass or fail
against the documented bound.  All eight functions are computed at every
input; --function only narrows what is reported.  The backward functions use
a fixed multiplier --g.  float16 and bfloat16 (65,536 inputs each; bfloat16
needs ml_dtypes) are checked against the
python-flint oracle instead.  Ctrl-C stops early and reports what was checked.
A full float32 run took 1199 s on the 2-core machine of docs/accuracy.md."""
EXAMPLES = """\
examples:
  gelu verify --exhaustive
  gelu verify --exhaustive --function gelu --function gelu_grad
  gelu verify --stride 4099          # a quick sample of every 4099th pattern
  gelu verify --exhaustive --dtype float16
  gelu verify --exhaustive --dtype bfloat16"""


G_LIMITS = {"float32": (2.0**-150, (2 - 2.0**-24) * 2.0**127),
            "bfloat16": (2.0**-134, (2 - 2.0**-8) * 2.0**127),
            "float16": (2.0**-25, 65520.0)}


def add_arguments(parser) -> None:
    parser.add_argument("--exhaustive", action="store_true",
                        help="check every input (float32: 2**32 of them)")
    parser.add_argument("--stride", type=_argtypes.positive_int, default=None, metavar="N",
                        help="float32 only: check every N-th bit pattern instead (a sample)")
    parser.add_argument("--dtype", default="float32", choices=("float32", "float16", "bfloat16"),
                        help="float32 (default), float16 or bfloat16")
    parser.add_argument("--function", action="append", default=None, metavar="NAME",
                        help="report only these functions (repeat or use commas)")
    parser.add_argument("--bound", type=float, default=1.0, metavar="ULP",
                        help="pass if every max error is at most this (default: 1.0, the documented bound)")
    parser.add_argument("--g", type=float, default=0.3, help="multiplier g of the backward functions (default 0.3)")
    parser.add_argument("--threads", type=_argtypes.thread_count, default=None,
                        help="worker threads, 1 to 512 (default: all CPUs)")


def _functions(given) -> list[str]:
    if not given:
        return list(FUNCTIONS)
    chosen = []
    for item in given:
        for name in (t.strip() for t in item.split(",") if t.strip()):
            if name not in FUNCTIONS:
                raise UsageError(f"unknown function {name!r}; choose from {', '.join(FUNCTIONS)}")
            chosen.append(name)
    return chosen


def _fmt_seconds(s: float) -> str:
    s = int(s)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def run(args, out: Output) -> int:
    from gelu.accuracy import exhaustive

    names = _functions(args.function)
    if args.dtype in ("float16", "bfloat16") and args.stride not in (None, 1):
        raise UsageError(f"--stride applies to float32 only: {args.dtype} has 65,536 inputs, "
                         f"all of them checked every time")
    if not args.exhaustive and args.stride is None and args.dtype == "float32":
        raise UsageError("say --exhaustive (every input) or --stride N (a sample)")
    if args.exhaustive and args.stride not in (None, 1):
        raise UsageError("--exhaustive and --stride N > 1 contradict each other")
    if args.bound <= 0 or args.bound != args.bound:
        raise UsageError("--bound must be a positive number of ulps")
    # g is used in the checked dtype: one that rounds to 0 there makes every
    # backward result 0 (nothing measured), one that rounds to infinity (or
    # NaN) reports its overflow as an error.  Accepted: lo < |g| < hi, half
    # the smallest subnormal and the overflow threshold of the dtype.
    lo, hi = G_LIMITS[args.dtype]
    if not lo < abs(args.g) < hi:
        raise UsageError(f"--g must be a number that {args.dtype} holds as nonzero and finite "
                         f"({lo:.3g} < |g| < {hi:.6g}), got {args.g!r}")
    if args.dtype in ("float16", "bfloat16"):
        try:
            import flint  # noqa: F401
        except ImportError:
            raise CLIError(f"{args.dtype} is checked against python-flint: pip install python-flint") from None
        if args.dtype == "bfloat16":
            try:
                import ml_dtypes  # noqa: F401
            except ImportError:
                raise CLIError("bfloat16 arrays need ml_dtypes: pip install ml_dtypes") from None
        out.note(f"{args.dtype}: all 65,536 inputs against the python-flint oracle")
        res = exhaustive.run_16bit(args.dtype, g=args.g)
    else:
        stride = args.stride or 1
        total = len(range(0, exhaustive.TOTAL, stride))
        with out.progress(total, "float32 inputs", rate=True) as bar:
            t0 = time.perf_counter()
            last = [0, t0]

            def progress(done, total):
                bar.advance(done - last[0])
                now = time.perf_counter()
                if now - last[1] >= 2 or done == total:
                    speed = done / max(now - t0, 1e-9)
                    bar.rate(f"{done:,}/{total:,}  {speed / 1e6:.2f} M inputs/s  "
                             f"~{_fmt_seconds((total - done) / max(speed, 1e-9))} left")
                    last[1] = now
                last[0] = done

            res = exhaustive.run(stride=stride, g=args.g, threads=args.threads, progress=progress)
    res.functions = {n: res.functions[n] for n in names}
    title, columns, rows, align = exhaustive.result_table(res, args.bound)
    out.line(title)  # a status line, too long for a table title (rich would wrap it)
    out.table(columns, rows, align=align)
    ok = all(r.max_ulp <= args.bound and r.bad_special == 0 for r in res.functions.values())
    out.line("PASS" if ok and not res.interrupted else ("INTERRUPTED" if res.interrupted else "FAIL"))
    if res.interrupted:
        return 130
    return 0 if ok else 1
