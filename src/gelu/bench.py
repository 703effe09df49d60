"""Throughput of the gelu ufuncs against PyTorch, JAX, NumPy/SciPy and a copy.

Run ``python -m gelu.bench`` (``--help`` for the options).  Every point is
one function, dtype, array size and thread count; every contender writes
into a preallocated ``out=`` array (``--allocate`` to let each allocate its
result instead), and the times are the best of several repeats, each long
enough to be stable.  Contenders, each where it is installed and has the
function:

- ``gelu``: the ufuncs, with ``gelu.set_num_threads(threads)``;
- ``torch``: ``F.gelu`` (approximate ``'none'``/``'tanh'``) and
  ``aten.gelu_backward`` (also the gradient, with g = 1), with
  ``torch.set_num_threads(threads)``; no second derivative;
- ``jax``: ``jax.nn.gelu`` (exact and tanh) jitted on the CPU; XLA picks its
  own threads and has no ``out=``, so it allocates;
- ``numpy``: the seed page's NumPy/SciPy code (``0.5 * x * (1 + erf(x /
  sqrt 2))``, the tanh form, and its backward pass), with the other
  derivatives written the same way; single-threaded, the last operation
  writes into ``out``;
- ``copy``: ``np.copyto(out, x)``, split across the threads from 4 MB up:
  the memory traffic every contender has to pay at least, read n, write n.

Inputs are standard normal samples (seeded); g too.  Throughput is in
millions of elements per second; a ratio is gelu's throughput divided by the
contender's, so above 1 means gelu is faster.  `run`, `format_table` and
`to_json` are the API (``gelu bench`` uses them).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

import gelu
from gelu import _argtypes, _config

__all__ = ["Result", "CONTENDERS", "FUNCTIONS", "run", "format_table", "to_json", "machine", "main"]

FUNCTIONS = ("gelu", "gelu_grad", "gelu_grad2", "gelu_backward",
             "gelu_tanh", "gelu_tanh_grad", "gelu_tanh_grad2", "gelu_tanh_backward")
CONTENDERS = ("gelu", "torch", "jax", "numpy", "copy")
DTYPES = ("float32", "float64")
DEFAULT_SIZES = (10**3, 10**4, 10**5, 10**6, 10**7)


@dataclass(frozen=True)
class Result:
    """One measured point: the best time of one call, in seconds."""

    function: str       # a name of FUNCTIONS, or "copy"
    contender: str      # a name of CONTENDERS
    dtype: str
    n: int
    threads: int        # threads the contender was allowed (0: its own choice)
    seconds: float

    @property
    def melems(self) -> float:
        return self.n / self.seconds / 1e6


Call = Callable[[], object]


# x: "normal" is standard normal samples, as pre-activations roughly are;
# "normal2" and "normal3" are normal with standard deviation 2 and 3, where
# 4.6 % and 18 % of the inputs have |x| >= 4 and the float32 kernels leave
# their main tables for the tail tables or the double loops, at random
# positions; "wide" is uniform on [-8, 8], where half the inputs have
# |x| >= 4 (docs/speed.md).  g is standard normal in all.
INPUTS = ("normal", "normal2", "normal3", "wide")
INPUT_LABELS = {"normal": "standard normal", "normal2": "normal, standard deviation 2",
                "normal3": "normal, standard deviation 3", "wide": "uniform on [-8, 8]"}


def _inputs(dtype: str, n: int, inputs: str = "normal") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12345)
    if inputs == "wide":
        x = rng.uniform(-8.0, 8.0, n).astype(dtype)
    else:
        scale = {"normal": 1.0, "normal2": 2.0, "normal3": 3.0}[inputs]
        x = (scale * rng.standard_normal(n, dtype=np.float64)).astype(dtype)
    g = rng.standard_normal(n, dtype=np.float64).astype(dtype)
    return x, g, np.empty_like(x)


# ---- contenders: each returns a zero-argument call, or None if it has no
# such function (or is not installed).  `threads` has been applied already.

def _gelu_call(name: str, x: np.ndarray, g: np.ndarray, out: np.ndarray | None) -> Call:
    f = getattr(gelu, name)
    args = (x, g)[: f.nin]
    if out is None:
        return lambda: f(*args)
    return lambda: f(*args, out=out)


def _torch_call(name: str, x: np.ndarray, g: np.ndarray, out: np.ndarray | None) -> Call | None:
    import torch
    import torch.nn.functional as F

    approximate = "tanh" if "tanh" in name else "none"
    tx, tg = torch.from_numpy(x), torch.from_numpy(g)
    to = None if out is None else torch.from_numpy(out)
    if name in ("gelu", "gelu_tanh"):
        if to is None:
            return lambda: F.gelu(tx, approximate=approximate)
        return lambda: torch.ops.aten.gelu.out(tx, approximate=approximate, out=to)
    if name.endswith(("_grad", "_backward")):
        grad = tg if name.endswith("_backward") else torch.ones_like(tx)
        bwd = torch.ops.aten.gelu_backward
        if to is None:
            return lambda: bwd(grad, tx, approximate=approximate)
        return lambda: bwd.grad_input(grad, tx, approximate=approximate, grad_input=to)
    return None  # no second derivative in torch


def _jax_call(name: str, x: np.ndarray, g: np.ndarray, out: np.ndarray | None) -> Call | None:
    import jax

    if name not in ("gelu", "gelu_tanh") or x.dtype == np.float64 and not jax.config.jax_enable_x64:
        return None
    f = jax.jit(lambda v: jax.nn.gelu(v, approximate=name == "gelu_tanh"))
    jx = jax.device_put(x)
    f(jx).block_until_ready()  # compile outside the timing
    return lambda: f(jx).block_until_ready()


def _seed_formulas(x: np.ndarray, g: np.ndarray) -> dict[str, Callable[[np.ndarray | None], object]]:
    """The seed page's code, the last operation writing into `out`."""
    from scipy.special import erf

    c = np.sqrt(2.0 / np.pi)

    def phi_cdf(v):
        return 0.5 * (1.0 + erf(v / np.sqrt(2.0)))

    def pdf(v):
        return np.exp(-0.5 * v ** 2) / np.sqrt(2 * np.pi)

    def tanh_parts(v):
        t = np.tanh(c * (v + 0.044715 * v ** 3))
        du = c * (1.0 + 3 * 0.044715 * v ** 2)
        return t, du

    def tanh_grad(v):
        t, du = tanh_parts(v)
        return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t ** 2) * du

    def tanh_grad2(v, out):
        t, du = tanh_parts(v)
        return np.multiply(1.0 - t ** 2, du - v * t * du ** 2 + 0.5 * v * (6 * 0.044715 * c * v), out=out)

    return {
        "gelu": lambda out: np.multiply(0.5 * x, 1.0 + erf(x / np.sqrt(2.0)), out=out),
        "gelu_tanh": lambda out: np.multiply(0.5 * x, 1.0 + np.tanh(c * (x + 0.044715 * x ** 3)), out=out),
        "gelu_backward": lambda out: np.multiply(g, phi_cdf(x) + x * pdf(x), out=out),
        "gelu_grad": lambda out: np.add(phi_cdf(x), x * pdf(x), out=out),
        "gelu_grad2": lambda out: np.multiply(pdf(x), 2.0 - x ** 2, out=out),
        "gelu_tanh_grad": lambda out: np.multiply(1.0, tanh_grad(x), out=out),
        "gelu_tanh_backward": lambda out: np.multiply(g, tanh_grad(x), out=out),
        "gelu_tanh_grad2": lambda out: tanh_grad2(x, out),
    }


def _numpy_call(name: str, x: np.ndarray, g: np.ndarray, out: np.ndarray | None) -> Call | None:
    f = _seed_formulas(x, g)[name]
    return lambda: f(out)


def _copy_call(x: np.ndarray, out: np.ndarray, threads: int, pool: ThreadPoolExecutor | None) -> Call:
    # Below 4 MB handing slices to other threads costs more than the copy.
    if threads <= 1 or pool is None or x.nbytes < 4 << 20:
        return lambda: np.copyto(out, x)
    bounds = np.linspace(0, x.size, threads + 1).astype(int)
    pieces = [(out[a:b], x[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    return lambda: list(pool.map(lambda p: np.copyto(*p), pieces))  # np.copyto releases the GIL


def available(contender: str) -> bool:
    """Whether `contender` can run here (torch and jax are optional)."""
    if contender in ("torch", "jax"):
        try:
            __import__(contender)
        except ImportError:
            return False
    if contender == "numpy":
        try:
            import scipy.special  # noqa: F401
        except ImportError:
            return False
    return contender in CONTENDERS


# ---- timing ----------------------------------------------------------------

def best_time(call: Call, min_time: float = 0.1, repeats: int = 5) -> float:
    """Best time of one call: `repeats` rounds of enough calls to fill
    `min_time` / `repeats` seconds each, after one warm-up call."""
    call()
    reps, per_round = 1, min_time / repeats
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            call()
        elapsed = time.perf_counter() - t0
        if elapsed >= per_round or reps >= 1 << 20:
            break
        reps = max(reps * 2, int(reps * per_round / max(elapsed, 1e-9)))
    best = elapsed / reps
    for _ in range(repeats - 1):
        t0 = time.perf_counter()
        for _ in range(reps):
            call()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def _resolve_threads(threads: Iterable[int | str]) -> list[int]:
    out = []
    for t in threads:
        count = _config._available_cpus() if t == "all" else int(t)
        if count < 1:
            raise ValueError(f"threads must be 'all' or ints >= 1, got {t!r}")
        if count not in out:
            out.append(count)
    return out


def run(sizes: Sequence[int] = DEFAULT_SIZES, dtypes: Sequence[str] = DTYPES,
        threads: Sequence[int | str] = (1, "all"), contenders: Sequence[str] = CONTENDERS,
        out: bool = True, functions: Sequence[str] = FUNCTIONS, min_time: float = 0.1,
        progress: Callable[[str], None] | None = None, inputs: str = "normal") -> list[Result]:
    """Measure every (function, dtype, size, thread count) for every contender.

    Contenders that are not installed, or lack a function, are skipped.
    `out=False` lets every contender allocate its result (copy excepted).
    Restores gelu's and torch's thread counts afterwards.
    """
    for name in contenders:
        if name not in CONTENDERS:
            raise ValueError(f"contenders must be among {', '.join(CONTENDERS)}, got {name!r}")
    for name in functions:
        if name not in FUNCTIONS:
            raise ValueError(f"functions must be among {', '.join(FUNCTIONS)}, got {name!r}")
    for d in dtypes:
        if d not in ("float16", "float32", "float64"):
            raise ValueError(f"dtypes must be float16, float32 or float64, got {d!r}")
    for n in sizes:
        if int(n) < 1:
            raise ValueError(f"sizes must be positive, got {n!r}")
    if inputs not in INPUTS:
        raise ValueError(f"inputs must be one of {', '.join(INPUTS)}, got {inputs!r}")
    counts = _resolve_threads(threads)
    present = [c for c in contenders if available(c)]
    makers = {"gelu": _gelu_call, "torch": _torch_call, "jax": _jax_call, "numpy": _numpy_call}
    torch = sys.modules.get("torch") if "torch" in present else None
    saved_gelu = gelu.get_num_threads()
    saved_torch = torch.get_num_threads() if torch is not None else None
    results: list[Result] = []
    once: set[tuple[str, str, str, int]] = set()
    pool = ThreadPoolExecutor(max(counts)) if "copy" in present and max(counts) > 1 else None
    try:
        for dtype in dtypes:
            for t in counts:
                gelu.set_num_threads(t)
                if torch is not None:
                    torch.set_num_threads(t)
                for n in map(int, sizes):
                    x, g, o = _inputs(dtype, n, inputs)
                    if "copy" in present:
                        sec = best_time(_copy_call(x, o, t, pool), min_time)
                        results.append(Result("copy", "copy", dtype, n, t, sec))
                    for name in functions:
                        for c in present:
                            fixed = {"numpy": 1, "jax": 0}.get(c)  # threads not ours to set
                            if c == "copy" or (fixed is not None and (name, c, dtype, n) in once):
                                continue
                            once.add((name, c, dtype, n))
                            with np.errstate(all="ignore"):
                                call = makers[c](name, x, g, o if out and c != "jax" else None)
                                if call is None:
                                    continue
                                sec = best_time(call, min_time)
                            results.append(Result(name, c, dtype, n, t if fixed is None else fixed, sec))
                    if progress is not None:
                        progress(f"{dtype} threads={t} n={_fmt_n(n)} done")
    finally:
        gelu.set_num_threads(saved_gelu)
        if torch is not None and saved_torch is not None:
            torch.set_num_threads(saved_torch)
        if pool is not None:
            pool.shutdown()
    return results


# ---- reporting -------------------------------------------------------------

def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu": model,
        "logical_cpus": os.cpu_count(),
        "cpus_available": _config._available_cpus(),
        "gelu": gelu.__version__,
        "gelu_isa": _config._get_isa(),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    for mod in ("torch", "jax", "scipy"):
        if mod in sys.modules:
            info[mod] = getattr(sys.modules[mod], "__version__", "?")
    return info


def _fmt_n(n: int) -> str:
    e = int(round(math.log10(n)))
    return f"1e{e}" if 10 ** e == n else str(n)


def missing(contenders: Sequence[str]) -> list[str]:
    """The contenders that are not installed here (run skips them)."""
    return [c for c in contenders if not available(c)]


# What each optional contender needs, and how to get it.
NEEDS = {"torch": "PyTorch (pip install torch)", "jax": "JAX (pip install jax)",
         "numpy": "SciPy for the seed's NumPy/SciPy formulas (pip install scipy)"}


def missing_message(contender: str) -> str:
    """One line on why `contender` cannot run here and what to install."""
    return f"contender {contender!r} needs {NEEDS.get(contender, contender)}"


def with_gelu(contenders: Sequence[str]) -> list[str]:
    """The contenders a command line asked for, with gelu first: the table
    compares gelu with each of them, so gelu is always timed."""
    return ["gelu", *(c for c in contenders if c != "gelu")]


def format_table(results: Sequence[Result]) -> str:
    """One table per dtype and thread count: Melem/s of every contender and
    gelu's ratio to it.  The copy column is per size (function-independent)."""
    if not any(r.contender == "gelu" for r in results):
        return "(no results for gelu to compare)\n"
    others = [c for c in CONTENDERS if c != "gelu" and any(r.contender == c for r in results)]
    keyed = {(r.function, r.contender, r.dtype, r.n, r.threads): r for r in results}
    lines = []
    for dtype in dict.fromkeys(r.dtype for r in results):
        for t in sorted({r.threads for r in results if r.contender == "gelu" and r.dtype == dtype}):
            word = "thread" if t == 1 else "threads"
            who = [f"gelu{' and torch' if 'torch' in others else ''} on {t} {word}"]
            who += [f"copy on {t}"] * ("copy" in others) + ["numpy on 1"] * ("numpy" in others)
            who += ["jax on its own threads"] * ("jax" in others)
            lines.append(f"{dtype}, {', '.join(who)}; Melem/s (ratio = gelu / contender)")
            header = f"{'function':<20}{'n':>5}{'gelu':>10}" + "".join(f"{c:>17}" for c in others)
            lines += [header, "-" * len(header)]
            for name in dict.fromkeys(r.function for r in results if r.contender == "gelu"):
                for n in sorted({r.n for r in results if r.dtype == dtype}):
                    mine = keyed.get((name, "gelu", dtype, n, t))
                    if mine is None:
                        continue
                    row = f"{name:<20}{_fmt_n(n):>5}{mine.melems:>10.1f}"
                    for c in others:
                        fn = "copy" if c == "copy" else name
                        theirs = keyed.get((fn, c, dtype, n, {"numpy": 1, "jax": 0}.get(c, t)))
                        if theirs is None:
                            row += f"{'-':>17}"
                        else:
                            row += f"{theirs.melems:>9.1f} {mine.melems / theirs.melems:>6.2f}x"
                    lines.append(row)
            lines.append("")
    return "\n".join(lines)


def to_json(results: Sequence[Result], **extra: Any) -> str:
    """The results, the machine and anything in `extra` as a JSON document."""
    doc = {"machine": machine(), **extra,
           "results": [{**asdict(r), "melems": r.melems} for r in results]}
    return json.dumps(doc, indent=1)


def suggest_grain(dtypes: Sequence[str] = DTYPES + ("float16",), target: float = 50e-6,
                  n: int = 1 << 16, functions: Sequence[str] = FUNCTIONS) -> dict[tuple[str, str], int]:
    """Elements one thread computes in `target` seconds, per dtype and
    function, rounded up to a power of two: the cut-off below which a loop
    should not be split (the GRAIN table of _ufuncs.c)."""
    saved = gelu.get_num_threads()
    gelu.set_num_threads(1)
    try:
        out = {}
        for dtype in dtypes:
            x, g, o = _inputs(dtype, n)
            for name in functions:
                sec = best_time(_gelu_call(name, x, g, o), 0.05)
                out[(dtype, name)] = 1 << max(0, math.ceil(math.log2(target * n / sec)))
        return out
    finally:
        gelu.set_num_threads(saved)


def _parse_list(choices: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        items = [s.strip() for s in text.split(",") if s.strip()]
        bad = [s for s in items if s not in choices]
        if bad:
            raise argparse.ArgumentTypeError(f"{bad[0]!r} is not one of {', '.join(choices)}")
        return items
    return parse


def parser() -> argparse.ArgumentParser:
    """The options of python -m gelu.bench (gelu bench takes the same, and --plot)."""
    p = argparse.ArgumentParser(prog="python -m gelu.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=_argtypes.sizes, default=list(DEFAULT_SIZES),
                   help="array sizes, e.g. 1e3,1e6 (default 1e3..1e7)")
    p.add_argument("--dtypes", type=_parse_list(("float16", "float32", "float64")), default=None,
                   help="float16, float32 and/or float64 (default float32,float64; with --grain all three)")
    p.add_argument("--threads", type=_argtypes.threads, default=[1, "all"], help="e.g. 1,all (default)")
    p.add_argument("--contenders", type=_parse_list(CONTENDERS), default=None,
                   help="what to time gelu against, e.g. torch,copy (gelu itself is always timed; "
                        "default: all, those not installed skipped)")
    p.add_argument("--functions", type=_parse_list(FUNCTIONS), default=None, help="default: all eight")
    p.add_argument("--min-time", type=_argtypes.positive_seconds, default=0.1,
                   help="seconds per measured point (default 0.1)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    add_run_options(p)
    return p


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The options python -m gelu.bench and gelu bench share as they are."""
    p.add_argument("--large", action="store_true", help="add n = 1e8 (needs ~2.5 GB of memory)")
    p.add_argument("--allocate", action="store_true", help="let every contender allocate its result")
    p.add_argument("--inputs", choices=INPUTS, default="normal",
                   help="x standard normal (default), normal with standard deviation 2 or 3, "
                        "or uniform on [-8, 8] (half with |x| >= 4)")
    p.add_argument("--grain", action="store_true",
                   help="print the per-function thread cut-off suggested for _ufuncs.c's GRAIN table "
                        "(50 us of one-thread work) for --dtypes and --functions, and exit")


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.json is not None:
        from gelu.cli import _errors, _paths

        try:
            _paths.json_path(args.json, "--json")
        except _errors.CLIError as err:   # UsageError included
            p.error(str(err))
    functions = args.functions or list(FUNCTIONS)
    if args.grain:
        if args.json is not None:
            p.error("--grain prints a table and exits: it writes no --json")
        for (dtype, name), grain in suggest_grain(args.dtypes or DTYPES + ("float16",), functions=functions).items():
            print(f"{dtype:<8} {name:<20} {grain}")
        return 0
    dtypes = args.dtypes or list(DTYPES)
    named = args.contenders is not None
    contenders = with_gelu(args.contenders if named else CONTENDERS)
    if named and missing(contenders):
        p.error(missing_message(missing(contenders)[0]))
    sizes = args.sizes + ([10**8] if args.large and 10**8 not in args.sizes else [])
    info = machine()
    print(f"gelu {info['gelu']} ({info['gelu_isa']} kernels) on {info['cpu']}, "
          f"{info['cpus_available']} CPUs available; "
          + ("out= preallocated for every contender (jax excepted)" if not args.allocate
             else "every contender allocates its result")
          + f"; x {INPUT_LABELS[args.inputs]}", flush=True)
    for c in missing(contenders):
        print(f"{missing_message(c)}: not timed", flush=True)
    try:
        results = run(sizes, dtypes, args.threads, contenders, out=not args.allocate,
                      functions=functions, min_time=args.min_time,
                      progress=lambda s: print("  " + s, file=sys.stderr, flush=True), inputs=args.inputs)
    except MemoryError:
        print(f"python -m gelu.bench: error: not enough memory for n = {max(sizes):.0e}", file=sys.stderr)
        return 1
    print(format_table(results))
    if args.json is not None:
        try:
            with open(os.path.expanduser(args.json), "w") as fh:
                fh.write(to_json(results, command=["python", "-m", "gelu.bench",
                                                   *(argv if argv is not None else sys.argv[1:])]))
        except OSError as err:
            print(f"python -m gelu.bench: error: --json: could not write {args.json!r}: {err.strerror or err}",
                  file=sys.stderr)
            return 1
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
