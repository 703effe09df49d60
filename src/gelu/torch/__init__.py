"""PyTorch integration of ``gelu``: accurate GELU as custom ops.

Importing this module imports torch (``import gelu`` alone never does) and
registers three operators in the ``gelu`` namespace, ``torch.ops.gelu.gelu``,
``torch.ops.gelu.gelu_backward`` and ``torch.ops.gelu.gelu_grad2``, with fake
implementations and autograd formulas (reverse and forward mode), so models
using them compile with ``torch.compile(fullgraph=True)``.

Public API
----------
gelu(input, *, approximate="none")
    Same signature and meaning as ``torch.nn.functional.gelu``.
GELU(approximate="none")
    Drop-in for ``torch.nn.GELU`` (a subclass, with the same repr and an
    empty state_dict).
ClippedGELU(min, max, approximate="none")
    ``clip(gelu(x), min, max)``, what Hugging Face's ``gelu_10`` computes.
patch(model, *, dry_run=False) -> PatchReport
    Replace a model's GELU modules, each keeping its variant.

On the CPU the values come from ``gelu``'s compiled kernels (float16,
float32, float64, and bfloat16 through the core's bfloat16 loop, all
zero-copy); on other devices from stock
torch operations using the same cancellation-free formulas, composed rather
than fused.
"""
from __future__ import annotations

try:
    import torch  # noqa: F401
except ModuleNotFoundError as err:   # say what is missing and how to get it
    if err.name != "torch":
        raise
    raise ModuleNotFoundError("gelu.torch needs PyTorch: pip install torch", name="torch") from err

from . import _ops  # noqa: F401  (registers the gelu:: operators)
from ._patch import PatchReport, Replaced, Skipped, patch
from .functional import gelu
from .modules import GELU, ClippedGELU

__all__ = ["gelu", "GELU", "ClippedGELU", "patch", "PatchReport", "Replaced", "Skipped"]
