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

Contiguous operands of one dtype (the usual case) skip the NumPy views and
the ufunc machinery: ``gelu._ufuncs._apply_contiguous`` runs the same loop
on the tensors' data pointers, which saves about 2 us a call (half of a
1000-element call).  Same kernels, same bits; its threads are PyTorch's own
OpenMP threads where ``_openmp`` finds them (``torch.set_num_threads``),
else gelu's pool, as for the ufuncs (``gelu.set_num_threads``).
"""
from __future__ import annotations

import numpy as np
import torch

import gelu as _core

from . import _openmp  # noqa: F401  (the kernels' threads: PyTorch's OpenMP ones)

__all__ = ["forward", "backward", "grad2", "run", "FORWARD", "KERNELS"]

# Index of each ufunc in the kernel sets' function order (gelu_array.h),
# for _apply_contiguous, and the loop per dtype (LOOP_* in _ufuncs.c).
_FN_INDEX = {u: i for i, u in enumerate((
    _core.gelu, _core.gelu_grad, _core.gelu_grad2, _core.gelu_backward,
    _core.gelu_tanh, _core.gelu_tanh_grad, _core.gelu_tanh_grad2, _core.gelu_tanh_backward))}
_LOOP = {torch.float16: 0, torch.float32: 1, torch.float64: 2, torch.bfloat16: 3}
_apply_contiguous = _core._ufuncs._apply_contiguous

FORWARD = {"none": _core.gelu, "tanh": _core.gelu_tanh}
_BACKWARD = {"none": _core.gelu_backward, "tanh": _core.gelu_tanh_backward}
# (forward function index, backward function index, loop) per (approximate,
# dtype), for the callers that make the contiguous calls themselves
# (_autograd's plain-CPU Functions, and functional.gelu through them)
KERNELS = {(a, d): (_FN_INDEX[FORWARD[a]], _FN_INDEX[_BACKWARD[a]], loop)
           for a in FORWARD for d, loop in _LOOP.items()}
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


def run(ufunc, x: torch.Tensor, grad: torch.Tensor | None = None) -> torch.Tensor:
    """ufunc(x) or ufunc(x, grad) into a new tensor shaped like x."""
    # A lazily negated view (torch._neg_view) holds the values' negatives:
    # materialize it, as every other torch op would.
    if x.is_neg():
        x = x.resolve_neg()
    if grad is not None and grad.is_neg():
        grad = grad.resolve_neg()
    out = torch.empty_like(x)   # contiguous x: contiguous out, same strides
    if x.is_contiguous() and (grad is None or (grad.is_contiguous() and grad.dtype == x.dtype
                                               and grad.shape == x.shape)):
        _apply_contiguous(_FN_INDEX[ufunc], _LOOP[x.dtype], x.data_ptr(),
                          0 if grad is None else grad.data_ptr(), out.data_ptr(), x.numel())
        return out
    # The ufuncs raise no floating-point warnings of interest to a torch
    # user (torch itself never warns on overflow), so silence NumPy's.
    with np.errstate(all="ignore"):
        args = (_view(x),) if grad is None else (_view(x), _view(grad))
        _ufunc(ufunc, x.dtype)(*args, out=_view(out))
        return out


def forward(x: torch.Tensor, approximate: str) -> torch.Tensor:
    """GELU of ``x`` through the core ufunc for ``approximate``."""
    return run(FORWARD[approximate], x)


def grad2(x: torch.Tensor, approximate: str) -> torch.Tensor:
    """Second derivative of GELU at ``x`` through the core ufunc."""
    return run(_GRAD2[approximate], x)


def backward(grad: torch.Tensor, x: torch.Tensor, approximate: str) -> torch.Tensor:
    """``grad * gelu'(x)`` through the fused backward ufunc, rounded once."""
    return run(_BACKWARD[approximate], x, grad)
