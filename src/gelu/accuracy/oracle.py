"""The independent oracle: every gelu function in rigorous ball arithmetic.

Values come from python-flint's ``arb`` (Arb ball arithmetic), never from our
own kernels.  Each value is recomputed at a higher working precision until the
ball's relative radius is below 2**-80, so cancellation (the derivative's zero
near x* = -0.7518, the tanh second derivative's zeros) is handled by
construction: the answer is always good to far more bits than float64 has.

The formulas are the textbook definitions, written the naive way on purpose:
ball arithmetic makes the naive form safe, and it keeps the oracle obviously
independent of the rearranged formulas the kernels use.
"""
from __future__ import annotations

import math

import numpy as np

import flint
from flint import arb

__all__ = ["FUNCTIONS", "BINARY", "value", "ulp_errors", "ulp_of"]

# 0.044715 is part of the tanh formula's definition; arb("0.044715") is a
# ball around the exact decimal, so the formula is evaluated as published.
_TANH_CUBIC = "0.044715"


def _ncdf(x):
    return (-x / arb(2).sqrt()).erfc() / 2


def _npdf(x):
    return (-(x * x) / 2).exp() / (2 * arb.pi()).sqrt()


def _gelu(x):
    return x * _ncdf(x)


def _gelu_grad(x):
    return _ncdf(x) + x * _npdf(x)


def _gelu_grad2(x):
    return _npdf(x) * (2 - x * x)


def _tanh_parts(x):
    """u', u'', s = sigma(2u) = (1 + tanh u)/2 and 1 - s, for the tanh formula.

    s and 1 - s come from e = exp(-2|u|), so neither is formed by a
    subtraction that would need ~|u| extra bits when |x| is huge.
    """
    a = arb(_TANH_CUBIC)
    c = (2 / arb.pi()).sqrt()
    u = c * (x + a * x * x * x)
    du = c * (1 + 3 * a * x * x)
    d2u = 6 * a * c * x
    e = (-2 * abs(u)).exp()
    big, small = 1 / (1 + e), e / (1 + e)
    s, t = (big, small) if x >= 0 else (small, big)
    return du, d2u, s, t


def _gelu_tanh(x):
    return x * _tanh_parts(x)[2]


def _gelu_tanh_grad(x):
    du, _, s, t = _tanh_parts(x)
    # d/dx [x s(x)] with s' = 2 u' s (1 - s)
    return s + 2 * x * du * s * t


def _gelu_tanh_grad2(x):
    du, d2u, s, t = _tanh_parts(x)
    ds = 2 * du * s * t
    d2s = 2 * d2u * s * t + 2 * du * ds * (t - s)
    return 2 * ds + x * d2s


FUNCTIONS = {
    "gelu": _gelu,
    "gelu_grad": _gelu_grad,
    "gelu_grad2": _gelu_grad2,
    "gelu_backward": _gelu_grad,  # times g, see value()
    "gelu_tanh": _gelu_tanh,
    "gelu_tanh_grad": _gelu_tanh_grad,
    "gelu_tanh_grad2": _gelu_tanh_grad2,
    "gelu_tanh_backward": _gelu_tanh_grad,
}
BINARY = frozenset({"gelu_backward", "gelu_tanh_backward"})

_TARGET_REL_BITS = 80
_START_PREC = 128
_MAX_PREC = 4096


def _limit(name: str, x: float, g: float | None):
    """Exact values at +-inf, where arb would return an unbounded ball."""
    pos = x > 0
    if name in ("gelu", "gelu_tanh"):
        v = math.inf if pos else -0.0
    elif name in ("gelu_grad", "gelu_tanh_grad", "gelu_backward", "gelu_tanh_backward"):
        v = 1.0 if pos else -0.0
    else:  # second derivatives tend to zero from below on both sides
        v = -0.0
    if g is not None:
        v = g * v if not (math.isinf(g) and v == 0) else math.nan
    return v


def value(name: str, x: float, g: float | None = None):
    """The true value of ``name`` at float ``x`` (and ``g``) as an arb ball.

    Returns a Python float instead for non-finite inputs, where the answer is
    an exact limit (inf, signed zero or NaN).
    """
    f = FUNCTIONS[name]
    if math.isnan(x) or (g is not None and math.isnan(g)):
        return math.nan
    if math.isinf(x) or (g is not None and math.isinf(g)):
        if math.isinf(x):
            return _limit(name, x, g)
        # the sign of the ball, not of float(ball): a tail value below the
        # double range would round to -0.0 and count as >= 0
        return g * (1.0 if value(name, x) > 0 else -1.0)
    if x == 0.0 and name in ("gelu", "gelu_tanh"):
        return x  # signed zero: x * 1/2 keeps the sign
    old = flint.ctx.prec
    try:
        prec = _START_PREC
        while True:
            flint.ctx.prec = prec
            y = f(arb(x))
            if g is not None:
                y = y * arb(g)
            if y.is_exact() or y.rel_accuracy_bits() >= _TARGET_REL_BITS or prec >= _MAX_PREC:
                return y
            prec *= 2
    finally:
        flint.ctx.prec = old


def finfo(dtype):
    """np.finfo, or ml_dtypes.finfo for ml_dtypes' types (bfloat16)."""
    try:
        return np.finfo(dtype)
    except (TypeError, ValueError):
        import ml_dtypes

        return ml_dtypes.finfo(dtype)


def ulp_of(y, dtype) -> float:
    """ulp of the (exact) value ``y`` in ``dtype``, as a float (may be tiny)."""
    fi = finfo(dtype)
    p = fi.nmant + 1
    if isinstance(y, float):
        ay = abs(y)
        e = math.frexp(ay)[1] - 1 if ay > 0 else fi.minexp
    else:
        if y.is_zero():
            e = fi.minexp
        else:
            man, exp = y.mid().man_exp()
            e = int(exp) + int(abs(man)).bit_length() - 1
    e = max(e, fi.minexp)
    return math.ldexp(1.0, e - (p - 1))


def _error_in_ulps(y, got: float, dtype) -> float:
    if isinstance(y, float):  # exact limit or NaN
        if math.isnan(y):
            return 0.0 if math.isnan(got) else math.inf
        if math.isnan(got):
            return math.inf
        if math.isinf(y) or math.isinf(got):
            return 0.0 if y == got else math.inf
        return abs(got - y) / ulp_of(y, dtype)
    if math.isnan(got):
        return math.inf
    fi = finfo(dtype)
    big = float(fi.max)
    if math.isinf(got):
        # Correct only if the true value rounds past the largest finite number.
        half_ulp = ulp_of(arb(big), dtype) / 2
        lim = arb(big) + arb(half_ulp)
        over = (y.abs_lower() >= lim) if hasattr(y, "abs_lower") else False
        return 0.0 if (over and (got > 0) == (y > 0)) else math.inf
    d = (arb(got) - y).abs_upper()
    return float(arb(d) / arb(ulp_of(y, dtype)))


def ulp_errors(name: str, x, got, g=None) -> np.ndarray:
    """Error of ``got`` (our results, any float dtype) in ulps of the true value.

    ``x`` (and ``g`` for the *_backward functions) are the inputs that
    produced ``got``; the ulp is that of the true value in got's dtype.
    """
    got = np.asarray(got)
    dtype = got.dtype
    xs = np.asarray(x, dtype=np.float64).ravel()
    gs = None if g is None else np.broadcast_to(np.asarray(g, dtype=np.float64), got.shape).ravel()
    out = np.empty(xs.size)
    with np.errstate(invalid="ignore"):  # widening a signalling NaN result
        got64 = got.astype(np.float64)
    for i, (xi, yi) in enumerate(zip(xs.tolist(), got64.ravel().tolist())):
        y = value(name, xi, None if gs is None else float(gs[i]))
        out[i] = _error_in_ulps(y, yi, dtype)
    return out.reshape(got.shape)
