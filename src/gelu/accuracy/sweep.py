"""Float64 (and float32/float16) accuracy sweep against the python-flint oracle.

The point set is random *and* adversarial, as the project's accuracy
standard asks: the far left tail down to underflow, the subnormal-result
boundary, huge and tiny |x| (subnormal inputs included), dense points around
the derivative's zero x* and around the second derivatives' zeros, and the
edges of the kernels' internal patches.  Every result is measured in ulps of
the true value by ``gelu.accuracy.oracle``, which shares nothing with the
kernels.

    python -m gelu.accuracy.sweep                   # 10**6 float64 points
    python -m gelu.accuracy.sweep --points 20000 --dtype float32
    python -m gelu.accuracy.sweep --uniform -4 4 --points 10000000 --functions gelu,gelu_tanh
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from gelu import _argtypes

FUNCTION_NAMES = ("gelu", "gelu_grad", "gelu_grad2", "gelu_backward",
                  "gelu_tanh", "gelu_tanh_grad", "gelu_tanh_grad2", "gelu_tanh_backward")

# Zeros of the derivatives (to 20 digits; the points are *placed* with these,
# the oracle decides the values).
X_GRAD_ZERO = -0.75179152469356445746
X_TANH_GRAD_ZERO = -0.75246142207101625849
X_TANH_GRAD2_ZERO = 1.4185040087908283555
SQRT2 = math.sqrt(2.0)


def _ulp_walk(center: float, n: int, dtype) -> np.ndarray:
    """The n representable numbers of dtype on each side of center."""
    dtype = np.dtype(dtype).type
    c = dtype(center)
    up, down = [c], [c]
    for _ in range(n):
        up.append(np.nextafter(up[-1], dtype(np.inf)))
        down.append(np.nextafter(down[-1], dtype(-np.inf)))
    return np.array(up[1:] + down, dtype=dtype)


def points(n: int, dtype=np.float64, seed: int = 2026) -> np.ndarray:
    """n inputs of dtype (at least ~13 % uniform on the working range, the rest adversarial)."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    fi = np.finfo(dt)
    lo_tail = -40.0 if dt == np.float64 else -16.0
    k = max(n // 40, 10)
    parts = [
        rng.uniform(-8.0, 8.0, 4 * k),
        -np.exp(rng.uniform(np.log(5.0), np.log(-lo_tail), 3 * k)),          # left tail
        np.sign(rng.uniform(-1, 1, 2 * k)) * np.exp(rng.uniform(np.log(float(fi.tiny)), np.log(float(fi.max)), 2 * k)),
        rng.normal(X_GRAD_ZERO, 1e-3, k), rng.normal(X_TANH_GRAD_ZERO, 1e-3, k),
        rng.normal(SQRT2, 1e-3, k // 2), rng.normal(-SQRT2, 1e-3, k // 2),
        rng.normal(X_TANH_GRAD2_ZERO, 1e-3, k // 2), rng.normal(-X_TANH_GRAD2_ZERO, 1e-3, k // 2),
        rng.uniform(-1.0, 1.0, 2 * k) * 2.0 ** rng.integers(-60, -1, 2 * k),  # near zero
        rng.uniform(-4.0, 4.0, 4 * k),     # the table kernels' range (float32, float64)
    ]
    if dt == np.float64:
        parts += [rng.uniform(-38.8, -37.3, 2 * k),      # exact: results cross into subnormals
                  rng.uniform(-22.3, -20.5, k),           # tanh formula: the same
                  _ulp_walk(2.0**-900, k // 8, dt), _ulp_walk(-2.0**-900, k // 8, dt)]   # table kernels' lower edge
    # subnormal inputs, both signs
    sub = rng.integers(1, 2 ** (fi.nmant), k, dtype=np.uint64)
    sub_f = (sub * float(fi.smallest_subnormal)) * np.sign(rng.uniform(-1, 1, k))
    parts.append(sub_f)
    # patch edges (radius 1/8 around each zero) and piece breakpoints
    edges = [z + s * 0.125 for z in (X_GRAD_ZERO, X_TANH_GRAD_ZERO, X_TANH_GRAD2_ZERO, -X_TANH_GRAD2_ZERO) for s in (-1, 1)]
    edges += [-b for b in (0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32)] + [4.0, 10.0, 12.0, 16.0, 22.5, 40.0, -10.0, -22.5, -40.0]
    walk = max(k // (4 * (len(edges) + 4)), 5)
    for e in edges + [X_GRAD_ZERO, X_TANH_GRAD_ZERO, X_TANH_GRAD2_ZERO, -X_TANH_GRAD2_ZERO]:
        parts.append(_ulp_walk(e, walk, dt).astype(np.float64))
    rest = max(n - 11 - sum(p.size for p in parts), 5 * k)
    parts.append(rng.uniform(lo_tail, 12.0, rest))                          # the working range
    x = np.concatenate(parts).astype(dt)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, float(fi.max), -float(fi.max),
                        float(fi.tiny), -float(fi.tiny), float(fi.smallest_subnormal), -float(fi.smallest_subnormal)], dtype=dt)
    return np.concatenate([special, x])


def _measure(args):
    name, x, got, g = args
    from gelu.accuracy import oracle
    return oracle.ulp_errors(name, x.astype(np.float64), got, None if g is None else g.astype(np.float64))


def sweep(n: int = 10**6, dtype=np.float64, workers: int | None = None, seed: int = 2026, progress=None,
          uniform: tuple[float, float] | None = None, functions=FUNCTION_NAMES,
          g_log2: tuple[float, float] | None = None):
    """Max ulp error per function over ``points(n, dtype)`` (or n points uniform
    on ``uniform``): {name: (max_ulp, worst_x, n_points)}.  The backward
    passes take g = normal * 2^k, k in [-20, 20), or with ``g_log2`` = (lo, hi)
    g = +-2^u, u uniform on [lo, hi] (the extremes of the format)."""
    import gelu

    if uniform is None:
        x = points(n, dtype, seed)
    else:
        x = np.random.default_rng(seed).uniform(*uniform, n).astype(dtype)
    rng = np.random.default_rng(seed + 1)
    if g_log2 is None:
        g = (rng.normal(0, 2, x.size) * 2.0 ** rng.integers(-20, 20, x.size)).astype(x.dtype)
    else:
        g = (rng.choice([-1.0, 1.0], x.size) * 2.0 ** rng.uniform(*g_log2, x.size)).astype(x.dtype)
    workers = workers or len(os.sched_getaffinity(0))
    jobs, keys = [], []
    for name in functions:
        f = getattr(gelu, name)
        gg = g if name.endswith("_backward") else None
        got = f(x, gg) if gg is not None else f(x)
        for idx in np.array_split(np.arange(x.size), max(1, x.size // 20000)):
            jobs.append((name, x[idx], got[idx], None if gg is None else gg[idx]))
            keys.append((name, idx))
    out = {name: (0.0, None, 0) for name in functions}
    with ProcessPoolExecutor(max_workers=workers) as ex:
        for done, ((name, idx), err) in enumerate(zip(keys, ex.map(_measure, jobs)), 1):
            m, wx, cnt = out[name]
            i = int(np.argmax(err))
            if err[i] > m:
                m, wx = float(err[i]), float(x[idx][i])
            out[name] = (m, wx, cnt + idx.size)
            if progress:
                progress(done, len(jobs))
    return out


def main(argv=None) -> int:
    ap = _argtypes.allow_negative_numbers(argparse.ArgumentParser(
        prog="python -m gelu.accuracy.sweep", description=__doc__.splitlines()[0]))
    ap.add_argument("--points", type=_argtypes.positive_int, default=10**6)
    ap.add_argument("--dtype", default="float64", choices=["float16", "float32", "float64"])
    ap.add_argument("--seed", type=_argtypes.seed, default=2026)
    ap.add_argument("--uniform", type=_argtypes.finite_float, nargs=2, metavar=("LO", "HI"),
                    help="points uniform on [LO, HI] instead of the adversarial set")
    ap.add_argument("--functions", default=",".join(FUNCTION_NAMES),
                    help="comma-separated (default: all eight)")
    ap.add_argument("--g-log2", type=_argtypes.finite_float, nargs=2, metavar=("LO", "HI"),
                    help="g of the backward passes +-2^u, u uniform on [LO, HI] (default: normal * 2^k, "
                         "k in [-20, 20)); for float64 the whole format is -1074 to 1024")
    args = ap.parse_args(argv)
    if args.g_log2 is not None and not (-1100 <= args.g_log2[0] < args.g_log2[1] <= 1100):
        ap.error(f"--g-log2: LO must be below HI, both within [-1100, 1100], got "
                 f"{args.g_log2[0]:g} {args.g_log2[1]:g}")
    if args.uniform is not None and not (args.uniform[0] < args.uniform[1]
                                         and math.isfinite(args.uniform[1] - args.uniform[0])):
        ap.error(f"--uniform: LO must be below HI and less than 1e308 apart, got "
                 f"{args.uniform[0]:g} {args.uniform[1]:g}")
    functions = tuple(f for f in args.functions.split(",") if f)
    unknown = sorted(set(functions) - set(FUNCTION_NAMES))
    if unknown or not functions:
        ap.error(f"--functions: unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(FUNCTION_NAMES)}")
    t0 = time.perf_counter()
    res = sweep(args.points, np.dtype(args.dtype), seed=args.seed, uniform=args.uniform, functions=functions,
                g_log2=args.g_log2, progress=lambda d, t: print(f"\r{d}/{t} batches", end="\n" if d == t else "", file=sys.stderr,
                                            flush=True))
    where = "" if args.uniform is None else f" uniform on [{args.uniform[0]:g}, {args.uniform[1]:g}],"
    if args.g_log2 is not None:
        where += f" g = +-2^u, u uniform on [{args.g_log2[0]:g}, {args.g_log2[1]:g}],"
    print(f"{args.dtype}: {next(iter(res.values()))[2]:,} points per function,{where} seed {args.seed}, "
          f"{time.perf_counter() - t0:.0f} s, oracle python-flint (>= 128 bits, 80 correct)")
    print(f"{'function':20s} {'max ulp':>10s}  at x")
    for name, (m, wx, _) in res.items():
        print(f"{name:20s} {m:10.6f}  {wx!r}")
    return 0 if all(m <= 1.0 for m, _, _ in res.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
