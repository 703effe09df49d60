"""The textbook formulas, evaluated the naive way: what the seed page and most frameworks do.

``gelu``, ``gelu_tanh`` and ``gelu_backward`` are the seed page's NumPy/SciPy
code; the other five are the textbook derivatives written in the same style
(from design.md section 2).  They exist to be measured against: the accuracy
report and ``gelu demo`` show where ``1 + erf`` and ``1 + tanh`` cancel.

One deliberate difference from the seed: every operation runs in the input's
dtype (the constants are cast to it), as in a float32 framework.  The seed's
literal code promotes float32 input to float64 through ``np.sqrt(2.0)``, which
would hide the float32 failure behind a float64 one.  Overflow and invalid
operations are what these formulas do at the extremes, so their warnings are
silenced here rather than reported.
"""
from __future__ import annotations

import numpy as np
from scipy.special import erf

__all__ = ["FUNCTIONS"]

_A = 0.044715


def _consts(x):
    t = x.dtype.type
    return t, t(np.sqrt(2.0)), t(np.sqrt(2.0 * np.pi)), t(np.sqrt(2.0 / np.pi))


def _erf(x):
    # SciPy has no float16 erf loop; it answers in float32.  Round back, as a
    # float16 framework would.
    return erf(x).astype(x.dtype)


def _ncdf(x):
    t, sqrt2, _, _ = _consts(x)
    return t(0.5) * (t(1) + _erf(x / sqrt2))


def _npdf(x):
    t, _, sqrt2pi, _ = _consts(x)
    return np.exp(t(-0.5) * x**2) / sqrt2pi


def _tanh_terms(x):
    t, _, _, c = _consts(x)
    u = c * (x + t(_A) * x**3)
    du = c * (t(1) + t(3 * _A) * x**2)
    d2u = t(6 * _A) * c * x
    return np.tanh(u), du, d2u


def gelu(x):
    t = x.dtype.type
    return t(0.5) * x * (t(1) + _erf(x / _consts(x)[1]))


def gelu_tanh(x):
    t = x.dtype.type
    th, _, _ = _tanh_terms(x)
    return t(0.5) * x * (t(1) + th)


def gelu_grad(x):
    return _ncdf(x) + x * _npdf(x)


def gelu_grad2(x):
    return _npdf(x) * (x.dtype.type(2) - x**2)


def gelu_tanh_grad(x):
    t = x.dtype.type
    th, du, _ = _tanh_terms(x)
    return t(0.5) * (t(1) + th) + t(0.5) * x * (t(1) - th**2) * du


def gelu_tanh_grad2(x):
    t = x.dtype.type
    th, du, d2u = _tanh_terms(x)
    return (t(1) - th**2) * (du - x * th * du**2 + t(0.5) * x * d2u)


def _quiet(f):
    def wrapped(x, g=None):
        x = np.asarray(x)
        with np.errstate(all="ignore"):
            y = f(x)
            if g is not None:
                y = np.asarray(g, dtype=x.dtype) * y
        return np.asarray(y, dtype=x.dtype)

    wrapped.__name__ = f.__name__
    wrapped.__doc__ = f.__doc__
    return wrapped


# name -> f(x) or f(x, g) for the *_backward pair, matching gelu's ufunc names.
FUNCTIONS = {
    "gelu": _quiet(gelu),
    "gelu_tanh": _quiet(gelu_tanh),
    "gelu_grad": _quiet(gelu_grad),
    "gelu_tanh_grad": _quiet(gelu_tanh_grad),
    "gelu_grad2": _quiet(gelu_grad2),
    "gelu_tanh_grad2": _quiet(gelu_tanh_grad2),
    "gelu_backward": _quiet(gelu_grad),
    "gelu_tanh_backward": _quiet(gelu_tanh_grad),
}
