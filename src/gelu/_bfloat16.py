"""bfloat16 for the NumPy ufuncs, through ml_dtypes when it is installed.

NumPy has no bfloat16 of its own; ml_dtypes adds one as a user-defined
dtype.  When ml_dtypes is installed, ``import gelu`` imports it (about
70 ms) and adds a bfloat16 loop to every ufunc, so that
``gelu.gelu(x)`` on an ``ml_dtypes.bfloat16`` array returns bfloat16,
computed by the float32 kernels and rounded once to bfloat16 (to nearest
even).  Without ml_dtypes nothing happens; gelu.torch uses the same loop
through private ufuncs on the bit patterns, with or without ml_dtypes.
"""
from __future__ import annotations

import importlib.util

import numpy as np

from gelu import _ufuncs


def register() -> bool:
    """Add the bfloat16 loops if ml_dtypes is installed; True if it is."""
    if importlib.util.find_spec("ml_dtypes") is None:
        return False
    import ml_dtypes

    _ufuncs._register_bfloat16(np.dtype(ml_dtypes.bfloat16).num)
    return True
