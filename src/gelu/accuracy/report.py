"""Measure max ulp error per function, dtype and contender against the oracle.

This is the library behind ``gelu accuracy``; tests and docs call it directly::

    from gelu.accuracy import report
    results = report.measure(["gelu"], ["float32"], ["gelu", "naive"], samples=2000)
    for r in results:
        print(r.function, r.dtype, r.contender, r.max_ulp, r.worst_x)

Every error comes from ``gelu.accuracy.oracle.ulp_errors`` (python-flint ball
arithmetic), never from another implementation.  Contenders often return the
very same float at most inputs, so each distinct (input, result) pair is sent
to the oracle once and its error shared.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from gelu.accuracy import oracle, samples as sampling
from gelu.accuracy.contenders import BINARY, FUNCTION_NAMES, Contender

__all__ = ["Measurement", "measure", "plan", "by_key", "DTYPES", "plot_range", "format_ulp"]

DTYPES = ("float16", "float32", "float64")
_CHUNK = 2048  # oracle calls between progress updates


@dataclass
class Measurement:
    """Errors of one contender on one function at one dtype.

    ``errors`` is in ulps of the true value (inf where a NaN or an infinity
    came out instead of a number, or the other way round) and ``values`` what
    the contender returned; ``error`` is a one-line reason when the contender
    could not run at all (then both are None).
    """

    function: str
    dtype: str
    contender: str
    label: str
    x: np.ndarray
    errors: np.ndarray | None
    values: np.ndarray | None = None
    error: str | None = None

    @property
    def max_ulp(self) -> float:
        """Largest error over every input, special values included."""
        if self.errors is None or not self.errors.size:
            return np.nan
        return float(np.max(self.errors))

    def _finite(self) -> np.ndarray:
        return np.isfinite(self.x)

    @property
    def max_ulp_finite(self) -> float:
        """Largest error over finite inputs: the accuracy proper, apart from limits."""
        if self.errors is None or not self._finite().any():
            return np.nan
        return float(np.max(self.errors[self._finite()]))

    @property
    def worst_x(self) -> float:
        """The finite input with the largest error (the first one, if tied)."""
        if self.errors is None or not self._finite().any():
            return np.nan
        fin = np.flatnonzero(self._finite())
        return float(self.x[fin[int(np.argmax(self.errors[fin]))]])

    @property
    def special_failures(self) -> list[tuple[float, float]]:
        """(x, result) for each non-finite input (+-inf, NaN) given a wrong answer."""
        if self.errors is None:
            return []
        bad = ~self._finite() & (self.errors != 0)
        return [(float(a), float(b)) for a, b in zip(self.x[bad], self.values[bad])]

    def max_ulp_where(self, lo: float, hi: float) -> float:
        """Largest error over inputs in [lo, hi]."""
        m = (self.x >= lo) & (self.x <= hi)
        return float(np.max(self.errors[m])) if self.errors is not None and m.any() else np.nan


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise: would the oracle give a and b the same error? (equal, or both NaN)."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


def measure(functions: Sequence[str], dtypes: Sequence[str], contenders: Sequence[Contender],
            samples: int = 20_000, seed: int = 0,
            on_progress: Callable[[str, int], None] | None = None) -> list[Measurement]:
    """Measure each contender on each function and dtype; see the module docstring.

    float16 is exhaustive; float32/float64 use ``samples`` stratified inputs
    (gelu.accuracy.samples).  ``on_progress(stage, done)`` is called with a
    description and the number of oracle evaluations just finished; ``plan``
    gives the total to expect.
    """
    for name in functions:
        if name not in FUNCTION_NAMES:
            raise ValueError(f"function must be one of {', '.join(FUNCTION_NAMES)}, got {name!r}")
    results = []
    for dtype_name in dtypes:
        dtype = np.dtype(dtype_name)
        x = sampling.inputs(dtype, samples, seed)
        for name in functions:
            g = sampling.grad_outputs(x, seed) if name in BINARY else None
            results += _measure_one(name, dtype, x, g, contenders, on_progress)
    return results


def plan(functions: Sequence[str], dtypes: Sequence[str], n_contenders: int,
         samples: int = 20_000, seed: int = 0) -> int:
    """Upper bound on the progress steps ``measure`` reports (it may finish early)."""
    total = 0
    for dtype_name in dtypes:
        size = sampling.inputs(np.dtype(dtype_name), samples, seed).size
        total += size * len(functions) * n_contenders
    return total


def _measure_one(name, dtype, x, g, contenders, on_progress) -> list[Measurement]:
    stage = f"{dtype.name} {name}"
    done: list[tuple[np.ndarray, np.ndarray]] = []
    out = []
    for c in contenders:
        if not c.supports(name):
            out.append(Measurement(name, dtype.name, c.key, c.label, x, None, None,
                                   "not provided"))
            _tick(on_progress, f"{stage}: {c.label}", x.size)
            continue
        try:
            with np.errstate(all="ignore"):
                got = np.asarray(c(name, x, g))
        except Exception as exc:  # a framework that lacks this dtype, e.g.
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            out.append(Measurement(name, dtype.name, c.key, c.label, x, None, None,
                                   reason[:120]))
            _tick(on_progress, f"{stage}: {c.label}", x.size)
            continue
        if got.shape != x.shape or got.dtype != dtype:
            got = got.astype(dtype).reshape(x.shape)
        err = np.full(x.size, np.nan)
        todo = np.ones(x.size, dtype=bool)
        for prev_got, prev_err in done:
            same = todo & _same(got, prev_got)
            err[same] = prev_err[same]
            todo &= ~same
        _tick(on_progress, f"{stage}: {c.label}", int(x.size - todo.sum()))
        idx = np.flatnonzero(todo)
        for start in range(0, idx.size, _CHUNK):
            part = idx[start:start + _CHUNK]
            err[part] = oracle.ulp_errors(name, x[part], got[part],
                                          None if g is None else g[part])
            _tick(on_progress, f"{stage}: {c.label}", part.size)
        done.append((got, err))
        out.append(Measurement(name, dtype.name, c.key, c.label, x, err, got))
    return out


def _tick(cb, stage, n) -> None:
    if cb is not None:
        cb(stage, n)


def plot_range(dtype: str) -> tuple[float, float]:
    """x range of an ulp-error plot: down to where the dtype's GELU underflows."""
    lo = sampling.UNDERFLOW[np.dtype(dtype)]
    return (np.floor(lo) - 1.0, 6.0)


def format_ulp(value: float) -> str:
    """Short, aligned text for a max ulp: '0.50', '3.7', '1.5e+07', 'inf'."""
    if np.isnan(value):
        return "-"
    if np.isinf(value):
        return "inf"
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.0f}"
    return f"{value:.1e}"


def by_key(results: Iterable[Measurement]) -> dict[tuple[str, str, str], Measurement]:
    """Index results by (function, dtype, contender key)."""
    return {(r.function, r.dtype, r.contender): r for r in results}
