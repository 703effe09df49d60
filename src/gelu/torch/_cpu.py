"""CPU kernels of the custom ops: ``gelu``'s NumPy ufuncs on tensor memory.

A CPU tensor's ``.numpy()`` is a view of the same memory with the same
strides, so each function allocates its result with ``torch.empty_like`` and
lets the ufunc write into it through ``out=``: one pass over the data, no
temporaries. float32, float64 and float16 map to the matching ufunc loops.

NumPy has no bfloat16 of its own, so bfloat16 tensors are handed over as
their 16-bit patterns (a uint16 view of the same memory) to private ufuncs
(``gelu._ufuncs._bf16_bits_*``) that run the core's bfloat16 loop: widened
to float32, computed by the float32 kernels, rounded once to bfloat16 (to
nearest even).  No temporary tensor, no extra pass.
"""
from __future__ import annotations

import numpy as np
import torch

import gelu as _core

__all__ = ["forward", "backward", "grad2"]

_FORWARD = {"none": _core.gelu, "tanh": _core.gelu_tanh}
_BACKWARD = {"none": _core.gelu_backward, "tanh": _core.gelu_tanh_backward}
_GRAD2 = {"none": _core.gelu_grad2, "tanh": _core.gelu_tanh_grad2}


def _view(t: torch.Tensor) -> np.ndarray:
    # detach() makes a new tensor object on the same memory; it is needed
    # because .numpy() refuses tensors that require grad.  bfloat16 memory
    # is seen as its bit patterns.
    t = t.detach()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(np.uint16)
    return t.numpy()


def _ufunc(ufunc, dtype: torch.dtype):
    """The ufunc itself, or for bfloat16 its twin on bit patterns."""
    if dtype == torch.bfloat16:
        return getattr(_core._ufuncs, "_bf16_bits_" + ufunc.__name__)
    return ufunc


def _unary(ufunc, x: torch.Tensor) -> torch.Tensor:
    # The ufuncs raise no floating-point warnings of interest to a torch
    # user (torch itself never warns on overflow), so silence NumPy's.
    with np.errstate(all="ignore"):
        out = torch.empty_like(x)
        _ufunc(ufunc, x.dtype)(_view(x), out=_view(out))
        return out


def forward(x: torch.Tensor, approximate: str) -> torch.Tensor:
    """GELU of ``x`` through the core ufunc for ``approximate``."""
    return _unary(_FORWARD[approximate], x)


def grad2(x: torch.Tensor, approximate: str) -> torch.Tensor:
    """Second derivative of GELU at ``x`` through the core ufunc."""
    return _unary(_GRAD2[approximate], x)


def backward(grad: torch.Tensor, x: torch.Tensor, approximate: str) -> torch.Tensor:
    """``grad * gelu'(x)`` through the fused backward ufunc, rounded once."""
    with np.errstate(all="ignore"):
        out = torch.empty_like(x)
        _ufunc(_BACKWARD[approximate], x.dtype)(_view(x), _view(grad), out=_view(out))
        return out
