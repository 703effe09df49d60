"""The implementations an accuracy report compares, behind one calling convention.

A contender maps a function name (gelu's ufunc names: ``gelu``, ``gelu_grad``,
``gelu_tanh_backward``, ...) to ``f(x)`` -- or ``f(x, g)`` for the two
``*_backward`` functions -- taking and returning NumPy arrays of one dtype.

- ``gelu``: this package's ufuncs, the product.
- ``reference``: gelu.reference, the readable NumPy/SciPy twin.
- ``naive``: the seed page's formulas (gelu.accuracy.naive).
- ``torch``: torch.nn.functional.gelu (approximate='none' / 'tanh'), its
  derivatives through autograd, the second one by double backward.
- ``jax``: jax.nn.gelu (approximate=False / True), derivatives by jax.grad.

torch and jax are imported only when their contender is built.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Contender", "KEYS", "INSTALL_MODULE", "build", "FUNCTION_NAMES", "BINARY"]

FUNCTION_NAMES = ("gelu", "gelu_tanh", "gelu_grad", "gelu_tanh_grad", "gelu_grad2",
                  "gelu_tanh_grad2", "gelu_backward", "gelu_tanh_backward")
BINARY = frozenset({"gelu_backward", "gelu_tanh_backward"})
KEYS = ("gelu", "reference", "naive", "torch", "jax")
# The module each contender needs beyond numpy (None: always there with gelu).
INSTALL_MODULE = {"gelu": None, "reference": "scipy", "naive": "scipy", "torch": "torch",
                  "jax": "jax"}


@dataclass
class Contender:
    key: str
    label: str
    functions: dict[str, Callable] = field(default_factory=dict)

    def supports(self, name: str) -> bool:
        return name in self.functions

    def __call__(self, name: str, x: np.ndarray, g: np.ndarray | None = None) -> np.ndarray:
        f = self.functions[name]
        y = f(x) if g is None else f(x, g)
        return np.asarray(y).astype(x.dtype, copy=False)


def _ours() -> Contender:
    import gelu

    return Contender("gelu", "gelu", {n: getattr(gelu, n) for n in FUNCTION_NAMES})


def _reference() -> Contender:
    from gelu import reference

    return Contender("reference", "gelu.reference", dict(reference.UFUNC_TWINS))


def _naive() -> Contender:
    from gelu.accuracy import naive

    return Contender("naive", "naive (seed)", dict(naive.FUNCTIONS))


def _torch() -> Contender:
    import torch
    import torch.nn.functional as F

    def make(name):
        approx = "tanh" if "tanh" in name else "none"
        order = 2 if name.endswith("grad2") else (1 if ("grad" in name or name in BINARY)
                                                  else 0)

        def f(x, g=None):
            t = torch.from_numpy(np.array(x, copy=True))
            if order == 0:
                with torch.no_grad():
                    return F.gelu(t, approximate=approx).numpy()
            t.requires_grad_(True)
            y = F.gelu(t, approximate=approx)
            seed = torch.from_numpy(np.array(g, copy=True)) if g is not None else torch.ones_like(t)
            (d1,) = torch.autograd.grad(y, t, seed, create_graph=order == 2)
            if order == 1:
                return d1.detach().numpy()
            (d2,) = torch.autograd.grad(d1, t, torch.ones_like(t))
            return d2.detach().numpy()

        return f

    return Contender("torch", f"torch {torch.__version__.split('+')[0]}",
                     {n: make(n) for n in FUNCTION_NAMES})


def _jax() -> Contender:
    import jax

    # float64 arrays stay float64 only with x64 enabled; this is process-wide,
    # which is fine for the CLI and the report, the only users.
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def make(name):
        approx = "tanh" in name

        def scalar(v):
            return jax.nn.gelu(v, approximate=approx)

        if name in ("gelu", "gelu_tanh"):
            fn = jax.jit(lambda v: jax.nn.gelu(v, approximate=approx))
        elif name.endswith("grad2"):
            fn = jax.jit(jax.vmap(jax.grad(jax.grad(scalar))))
        elif name in BINARY:
            def vjp(v, g):
                return jax.vjp(lambda w: jax.nn.gelu(w, approximate=approx), v)[1](g)[0]

            fn = jax.jit(vjp)
        else:
            fn = jax.jit(jax.vmap(jax.grad(scalar)))

        def f(x, g=None):
            flat = jnp.asarray(np.ravel(x))
            y = fn(flat) if g is None else fn(flat, jnp.asarray(np.ravel(g)))
            return np.asarray(y).reshape(np.shape(x))

        return f

    return Contender("jax", f"jax {jax.__version__}", {n: make(n) for n in FUNCTION_NAMES})


_BUILDERS = {"gelu": _ours, "reference": _reference, "naive": _naive, "torch": _torch,
             "jax": _jax}


def build(key: str) -> Contender:
    """The contender called ``key`` (one of KEYS); ImportError if its package is missing."""
    if key not in _BUILDERS:
        raise ValueError(f"contender must be one of {', '.join(KEYS)}, got {key!r}")
    return _BUILDERS[key]()
