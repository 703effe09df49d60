"""Which inputs an accuracy measurement uses, per dtype.

float16 has 65536 values, so it is measured exhaustively.  float32 and
float64 get a stratified sample that spends its points where formulas break:
the left tail (where 1 + erf and 1 + tanh cancel, down to the dtype's
underflow), the neighbourhood of x* (the derivative's zero), of +-sqrt(2)
(the second derivative's zeros), tiny and huge magnitudes, and the special
values.  Everything is deterministic for a given ``seed``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["inputs", "grad_outputs", "X_STAR", "UNDERFLOW"]

X_STAR = -0.7517915247  # GELU's minimum, where gelu_grad = 0
# Below these x, GELU(x) rounds to -0 in the dtype; the tail strata stop here.
UNDERFLOW = {np.dtype(np.float16): -6.0, np.dtype(np.float32): -14.5,
             np.dtype(np.float64): -38.7}

# Share of the sample for each stratum (the fixed points come on top).
_STRATA = (
    ("left tail", 0.35),
    ("core [-6, 6]", 0.25),
    ("right [3, 60]", 0.10),
    ("tiny |x|", 0.15),
    ("huge |x|", 0.15),
)
_NEIGHBOURS = 64  # consecutive floats each side of each zero


def _all_float16() -> np.ndarray:
    return np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)


def _neighbours(center: float, dtype) -> np.ndarray:
    """``center`` rounded to dtype and its _NEIGHBOURS nearest floats on each side."""
    c = np.asarray(center, dtype=dtype)
    down, up = np.asarray(-np.inf, dtype=dtype), np.asarray(np.inf, dtype=dtype)
    below = [c]
    above = [c]
    for _ in range(_NEIGHBOURS):
        below.append(np.nextafter(below[-1], down))
        above.append(np.nextafter(above[-1], up))
    return np.array(below + above[1:], dtype=dtype)


def _specials(dtype) -> np.ndarray:
    fi = np.finfo(dtype)
    vals = [0.0, np.inf, fi.smallest_subnormal, fi.smallest_normal, float(fi.max),
            1.0, 2.0, np.sqrt(2.0)]
    arr = np.array(vals, dtype=dtype)
    return np.concatenate([arr, -arr])


def _log_uniform(rng, n, lo_exp, hi_exp, dtype):
    mags = 10.0 ** rng.uniform(lo_exp, hi_exp, n)
    signs = rng.choice([-1.0, 1.0], n)
    with np.errstate(over="ignore"):
        return (signs * mags).astype(dtype)


def inputs(dtype, n: int = 20_000, seed: int = 0) -> np.ndarray:
    """Sorted, distinct inputs for ``dtype``: all of float16, else ~``n`` stratified points.

    Distinct means distinct bit patterns, so -0 and +0 both appear; NaN appears
    once and sorts last.  Random values out of the dtype's range are dropped.
    """
    dtype = np.dtype(dtype)
    if dtype == np.float16:
        x = _all_float16()
    elif dtype in (np.float32, np.float64):
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        x = _stratified(dtype, n, np.random.default_rng(seed))
    else:
        raise TypeError(f"dtype must be float16, float32 or float64, got {dtype}")
    # One NaN is enough (its payload does not matter to GELU).
    x = np.concatenate([x[~np.isnan(x)], np.array([np.nan], dtype=dtype)])
    bits = np.unique(x.view(f"u{dtype.itemsize}"))
    x = bits.view(dtype)
    return x[np.lexsort((~np.signbit(x), x))]  # by value, -0 before +0


def _stratified(dtype, n, rng) -> np.ndarray:
    fi = np.finfo(dtype)
    counts = {name: max(1, int(round(share * n))) for name, share in _STRATA}
    tiny_exp = np.log10(float(fi.smallest_subnormal))
    huge_exp = np.log10(float(fi.max))
    parts = [
        rng.uniform(UNDERFLOW[dtype], -3.0, counts["left tail"]).astype(dtype),
        rng.uniform(-6.0, 6.0, counts["core [-6, 6]"]).astype(dtype),
        rng.uniform(3.0, 60.0, counts["right [3, 60]"]).astype(dtype),
        _log_uniform(rng, counts["tiny |x|"], tiny_exp, -3.0, dtype),
        _log_uniform(rng, counts["huge |x|"], 1.5, huge_exp, dtype),
    ]
    drawn = np.concatenate(parts)
    zeros = (X_STAR, np.sqrt(2.0), -np.sqrt(2.0))
    fixed = [_specials(dtype)] + [_neighbours(z, dtype) for z in zeros]
    return np.concatenate([drawn[np.isfinite(drawn)]] + fixed)


def grad_outputs(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """Upstream gradients g for the *_backward functions: standard normal, in x's dtype."""
    rng = np.random.default_rng(seed + 1)
    return rng.standard_normal(x.shape).astype(x.dtype)
