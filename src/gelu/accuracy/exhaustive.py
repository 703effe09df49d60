"""Exhaustive float32 check: every one of the 2**32 inputs, all eight functions.

Each float32 bit pattern is fed to the installed ufuncs, and every result is
compared with an independent long double reference (``reference_ld.h``:
the C library's erfcl/expl, 64-bit significand) in C with the GIL released.
The backward functions are checked at a fixed multiplier ``g`` (0.3 by
default, chosen not to be a power of two so the product really rounds).

    python -m gelu.accuracy.exhaustive            # all 2**32 inputs
    python -m gelu.accuracy.exhaustive --stride 4099   # a quick sample

``gelu verify --exhaustive`` runs the same thing with a progress bar.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from gelu import _argtypes

FUNCTION_NAMES = ("gelu", "gelu_grad", "gelu_grad2", "gelu_backward",
                  "gelu_tanh", "gelu_tanh_grad", "gelu_tanh_grad2", "gelu_tanh_backward")
TOTAL = 2**32
DEFAULT_G = 0.3


@dataclass
class FunctionResult:
    name: str
    max_ulp: float = 0.0
    worst_x: float | None = None
    bad_special: int = 0

    def merge(self, max_ulp: float, worst_x: float | None, bad_special: int) -> None:
        if max_ulp > self.max_ulp:
            self.max_ulp, self.worst_x = max_ulp, worst_x
        self.bad_special += bad_special


@dataclass
class ExhaustiveResult:
    functions: dict[str, FunctionResult]
    checked: int = 0
    seconds: float = 0.0
    g: float = DEFAULT_G
    stride: int = 1
    interrupted: bool = False
    dtype: str = "float32"


def _chunk(lo: int, hi: int, stride: int, g: np.float32):
    import gelu
    from gelu.accuracy import _exhaustive

    bits = np.arange(lo, hi, stride, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    # Signalling NaN patterns raise "invalid" when widened to double (in
    # NumPy's loop, before our kernel runs), and g near the top of the range
    # makes g grad(x) overflow to infinity (the right result, checked as
    # such): those flags are expected here.
    with np.errstate(invalid="ignore", over="ignore"):
        outs = tuple(
            getattr(gelu, name)(x, g) if name.endswith("_backward") else getattr(gelu, name)(x)
            for name in FUNCTION_NAMES
        )
    rows = _exhaustive.compare(x, outs, float(g))
    return x.size, [(m, (float(x[i]) if i >= 0 else None), b) for (m, i, b) in rows]


def run(stride: int = 1, start: int = 0, stop: int = TOTAL, g: float = DEFAULT_G,
        threads: int | None = None, chunk: int = 1 << 22, progress=None) -> ExhaustiveResult:
    """Check float32 inputs with bit patterns start, start+stride, ... < stop.

    ``progress(done, total)`` is called after each chunk.  Ctrl-C stops early;
    the result then says ``interrupted`` and covers what was checked.
    """
    if stride < 1 or not (0 <= start < stop <= TOTAL):
        raise ValueError("need stride >= 1 and 0 <= start < stop <= 2**32")
    threads = threads or len(os.sched_getaffinity(0))
    g32 = np.float32(g)
    result = ExhaustiveResult({n: FunctionResult(n) for n in FUNCTION_NAMES}, g=float(g32), stride=stride)
    span = chunk * stride
    bounds = [(lo, min(lo + span, stop)) for lo in range(start, stop, span)]
    total = len(range(start, stop, stride))
    t0 = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        # Submit a few chunks ahead of the workers only, so that memory stays
        # at ~threads * 9 * chunk * 4 bytes and Ctrl-C stops promptly.
        pending = []
        it = iter(bounds)
        for lo, hi in it:
            pending.append(pool.submit(_chunk, lo, hi, stride, g32))
            if len(pending) >= 2 * threads:
                break
        while pending:
            n, rows = pending.pop(0).result()
            for name, row in zip(FUNCTION_NAMES, rows):
                result.functions[name].merge(*row)
            result.checked += n
            if progress:
                progress(result.checked, total)
            nxt = next(it, None)
            if nxt:
                pending.append(pool.submit(_chunk, nxt[0], nxt[1], stride, g32))
    except KeyboardInterrupt:
        result.interrupted = True
        for p in pending:
            p.cancel()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    result.seconds = time.perf_counter() - t0
    return result


def run_float16(g: float = DEFAULT_G) -> ExhaustiveResult:
    """Every float16 input (65,536), all eight functions, against the python-flint oracle."""
    return run_16bit("float16", g)


def run_bfloat16(g: float = DEFAULT_G) -> ExhaustiveResult:
    """Every bfloat16 input (65,536; needs ml_dtypes), all eight functions, against python-flint."""
    return run_16bit("bfloat16", g)


def run_16bit(dtype_name: str, g: float = DEFAULT_G) -> ExhaustiveResult:
    """Every input of a 16-bit float type ("float16" or "bfloat16"), all eight functions."""
    import gelu
    from gelu.accuracy import oracle

    if dtype_name == "bfloat16":
        import ml_dtypes

        dtype = np.dtype(ml_dtypes.bfloat16)
    else:
        dtype = np.dtype(dtype_name)
    t0 = time.perf_counter()
    x = np.arange(2**16, dtype=np.uint16).view(dtype)
    g16 = np.array(g, dtype=dtype)[()]
    result = ExhaustiveResult({n: FunctionResult(n) for n in FUNCTION_NAMES}, g=float(g16), dtype=dtype_name)
    for name in FUNCTION_NAMES:
        f = getattr(gelu, name)
        with np.errstate(invalid="ignore", over="ignore"):  # signalling NaNs; g * grad may overflow
            got = f(x, g16) if name.endswith("_backward") else f(x)
        assert got.dtype == dtype, f"{name} returned {got.dtype} for {dtype_name}"
        with np.errstate(invalid="ignore"):  # widening a signalling NaN
            xd = x.astype(np.float64)
        err = oracle.ulp_errors(name, xd, got, float(g16) if name.endswith("_backward") else None)
        finite = np.isfinite(xd)
        bad = int(np.count_nonzero(~finite & (err > 0)))
        e = np.where(finite, err, 0.0)
        i = int(np.argmax(e))
        result.functions[name].merge(float(e[i]), float(x[i]), bad)
    result.checked = x.size
    result.seconds = time.perf_counter() - t0
    return result


def result_table(res: ExhaustiveResult, bound: float = 1.0) -> tuple[str, list[str], list[list[str]], str]:
    """The result as (title line, column names, rows of cells, alignment per
    column), for ``format_result`` and for ``gelu verify``'s own table."""
    title = (f"{res.dtype} inputs checked: {res.checked:,} (stride {res.stride}) in {res.seconds:.0f} s; "
             f"backward functions at g = {res.g!r}" + ("; INTERRUPTED" if res.interrupted else ""))
    columns = ["function", "max ulp", "at x", "bad specials", f"verdict (bound {bound} ulp)"]
    rows = [[r.name, f"{r.max_ulp:.8f}", repr(r.worst_x), str(r.bad_special),
             "pass" if r.max_ulp <= bound and r.bad_special == 0 else "FAIL"]
            for r in res.functions.values()]
    return title, columns, rows, "lrrrl"


def format_result(res: ExhaustiveResult, bound: float = 1.0) -> str:
    # The same table as the gelu command prints in a pipe; imported here so
    # that importing this module stays free of the command line's code.
    from gelu.cli._output import plain_table

    title, columns, rows, align = result_table(res, bound)
    return title + "\n" + plain_table(columns, rows, align)


def main(argv=None) -> int:
    ap = _argtypes.allow_negative_numbers(argparse.ArgumentParser(
        prog="python -m gelu.accuracy.exhaustive", description=__doc__.splitlines()[0]))
    ap.add_argument("--stride", type=_argtypes.positive_int, default=1,
                    help="check every STRIDE-th bit pattern (1 = all)")
    ap.add_argument("--g", type=_argtypes.finite_float, default=DEFAULT_G,
                    help="multiplier for the backward functions (nonzero and finite in float32)")
    ap.add_argument("--threads", type=_argtypes.thread_count, default=None)
    args = ap.parse_args(argv)
    g32 = np.float32(args.g) if abs(args.g) < 3.5e38 else np.float32(np.inf)
    if not (np.isfinite(g32) and g32 != 0):
        ap.error(f"--g must be a number float32 holds as nonzero and finite "
                 f"({2.0**-150:.3g} < |g| < {(2 - 2.0**-24) * 2.0**127:.6g}), got {args.g!r}")

    def show(done, total):
        print(f"\r{done:,}/{total:,} ({100 * done / total:.1f}%)", end="", file=sys.stderr, flush=True)

    res = run(stride=args.stride, g=args.g, threads=args.threads, progress=show)
    print(file=sys.stderr)
    print(format_result(res))
    return 0 if all(r.max_ulp <= 1 and r.bad_special == 0 for r in res.functions.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
