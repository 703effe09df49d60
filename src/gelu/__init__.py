"""GELU activations and their derivatives as NumPy ufuncs.

Exact GELU, ``x * Phi(x)``, and its tanh approximation, each with first and
second derivatives and a fused backward ``g * grad(x)``.  Every function is
a real `numpy.ufunc` with float16, float32 and float64 loops.

>>> import numpy as np, gelu
>>> gelu.gelu(np.float32(1.0))
np.float32(0.8413448)

Large arrays are computed on several threads: `set_num_threads` and
`get_num_threads` (environment: GELU_NUM_THREADS).  ``__all__`` lists the
ufuncs only.  With ml_dtypes installed, the ufuncs also take and return
``ml_dtypes.bfloat16`` arrays (gelu/_bfloat16.py).
"""

from gelu._ufuncs import (
    __version__,
    gelu,
    gelu_backward,
    gelu_grad,
    gelu_grad2,
    gelu_tanh,
    gelu_tanh_backward,
    gelu_tanh_grad,
    gelu_tanh_grad2,
)
from gelu._config import _apply_environment, _get_isa, _isa_available, _set_isa, get_num_threads, set_num_threads

from gelu import _bfloat16

_apply_environment()
_bfloat16.register()
del _apply_environment, _bfloat16


def __getattr__(name: str):
    # gelu.variants and gelu.reference on first use, so that the README's
    # `import gelu; gelu.variants.ufunc(...)` works without importing them
    # (and SciPy, which gelu.reference needs) in every `import gelu`.
    if name in ("variants", "reference"):
        import importlib

        return importlib.import_module(f"gelu.{name}")
    raise AttributeError(f"module 'gelu' has no attribute {name!r}")


__all__ = [
    "gelu",
    "gelu_backward",
    "gelu_grad",
    "gelu_grad2",
    "gelu_tanh",
    "gelu_tanh_backward",
    "gelu_tanh_grad",
    "gelu_tanh_grad2",
]
