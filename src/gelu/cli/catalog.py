"""The activations ``gelu plot`` and ``gelu demo`` can draw, with two derivatives each.

The two GELU variants come from the package's ufuncs; the others are the
seed page's alternatives (ReLU, SiLU, Softplus, Mish, ReLU squared) and CLIP's
quick GELU x*sigma(1.702x), written in NumPy with sigmoids that exponentiate
only non-positive numbers, so no range of x raises an overflow warning.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from gelu.cli._errors import UsageError

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    name: str
    label: str  # legend text
    formula: str  # one line for `gelu plot --list`
    f: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    grad2: Callable[[Array], Array]

    def derivative(self, order: int) -> Callable[[Array], Array]:
        return (self.f, self.grad, self.grad2)[order]


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _relu(x):
    return np.maximum(x, 0.0)


def _swish(beta):
    """x * sigma(beta x) and its derivatives (SiLU is beta = 1, quick GELU 1.702)."""

    def f(x):
        return x * _sigmoid(beta * x)

    def grad(x):
        s = _sigmoid(beta * x)
        return s + beta * x * s * (1.0 - s)

    def grad2(x):
        s = _sigmoid(beta * x)
        return beta * s * (1.0 - s) * (2.0 + beta * x * (1.0 - 2.0 * s))

    return f, grad, grad2


def _mish():
    """x * tanh(softplus(x)); with T = tanh(softplus x), s = sigma(x): T' = (1 - T^2) s."""

    def f(x):
        return x * np.tanh(_softplus(x))

    def grad(x):
        t, s = np.tanh(_softplus(x)), _sigmoid(x)
        return t + x * (1.0 - t * t) * s

    def grad2(x):
        t, s = np.tanh(_softplus(x)), _sigmoid(x)
        w = (1.0 - t * t) * s
        return 2.0 * w + x * w * ((1.0 - s) - 2.0 * t * s)

    return f, grad, grad2


def _ufunc_triple(*names):
    """Look the ufuncs up when called, so importing this module never needs the extension."""

    def late(name):
        def call(x):
            import gelu

            return getattr(gelu, name)(x)

        call.__name__ = name
        return call

    return tuple(late(n) for n in names)


def _build() -> dict[str, Activation]:
    silu, quick = _swish(1.0), _swish(1.702)
    entries = [
        Activation("gelu", "GELU (exact)", "x * Phi(x)",
                   *_ufunc_triple("gelu", "gelu_grad", "gelu_grad2")),
        Activation("gelu_tanh", "GELU (tanh approx.)",
                   "0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))",
                   *_ufunc_triple("gelu_tanh", "gelu_tanh_grad", "gelu_tanh_grad2")),
        Activation("quick_gelu", "quick GELU x*sigma(1.702x)", "x * sigma(1.702 x)  (CLIP)",
                   *quick),
        Activation("relu", "ReLU", "max(x, 0)", _relu, lambda x: (x > 0).astype(float),
                   lambda x: np.zeros_like(x, dtype=float)),
        Activation("relu2", "ReLU squared", "max(x, 0)^2", lambda x: _relu(x) ** 2,
                   lambda x: 2.0 * _relu(x), lambda x: 2.0 * (x > 0)),
        Activation("silu", "SiLU / Swish", "x * sigma(x)", *silu),
        Activation("softplus", "Softplus", "log(1 + e^x)", _softplus, _sigmoid,
                   lambda x: _sigmoid(x) * (1.0 - _sigmoid(x))),
        Activation("mish", "Mish", "x * tanh(softplus(x))", *_mish()),
    ]
    return {a.name: a for a in entries}


ACTIVATIONS = _build()
ALIASES = {"swish": "silu", "quickgelu": "quick_gelu", "gelu_exact": "gelu",
           "gelu_new": "gelu_tanh", "relu_squared": "relu2"}


def lookup(name: str) -> Activation:
    """The activation called ``name`` (or an alias); UsageError with a suggestion otherwise."""
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key in ACTIVATIONS:
        return ACTIVATIONS[key]
    known = list(ACTIVATIONS) + list(ALIASES)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UsageError(f"unknown function {name!r}.{hint} Choose from: {', '.join(ACTIVATIONS)}")
