"""CPU kernels of the custom ops: ``gelu``'s NumPy ufuncs on tensor memory.

A CPU tensor's ``.numpy()`` is a view of the same memory with the same
strides, so each function allocates its result with ``torch.empty_like`` and
lets the ufunc write into it through ``out=``: one pass over the data, no
temporaries. float32, float64 and float16 map to the matching ufunc loops.

NumPy has no bfloat16, so bfloat16 goes through the float32 loop: the input is
widened into one float32 tensor (two for the backward, which also widens the
incoming gradient), the ufunc runs in place on it and the result is rounded
once to bfloat16 (round to nearest even) by ``Tensor.to``.
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
    # because .numpy() refuses tensors that require grad.
    return t.detach().numpy()


def _unary(ufunc, x: torch.Tensor) -> torch.Tensor:
    # The ufuncs raise no floating-point warnings of interest to a torch
    # user (torch itself never warns on overflow), so silence NumPy's.
    with np.errstate(all="ignore"):
        if x.dtype == torch.bfloat16:
            wide = x.float()
            buf = wide.numpy()
            ufunc(buf, out=buf)
            return wide.to(torch.bfloat16)
        out = torch.empty_like(x)
        ufunc(_view(x), out=out.numpy())
        return out


def forward(x: torch.Tensor, approximate: str) -> torch.Tensor:
    """GELU of ``x`` through the core ufunc for ``approximate``."""
    return _unary(_FORWARD[approximate], x)


def grad2(x: torch.Tensor, approximate: str) -> torch.Tensor:
    """Second derivative of GELU at ``x`` through the core ufunc."""
    return _unary(_GRAD2[approximate], x)


def backward(grad: torch.Tensor, x: torch.Tensor, approximate: str) -> torch.Tensor:
    """``grad * gelu'(x)`` through the fused backward ufunc, rounded once."""
    ufunc = _BACKWARD[approximate]
    with np.errstate(all="ignore"):
        if x.dtype == torch.bfloat16:
            wide = x.float()
            buf = wide.numpy()
            ufunc(buf, _view(grad.float()), out=buf)
            return wide.to(torch.bfloat16)
        out = torch.empty_like(x)
        ufunc(_view(x), _view(grad), out=out.numpy())
        return out
