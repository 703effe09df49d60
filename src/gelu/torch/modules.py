"""``nn.Module`` front ends: :class:`GELU` and :class:`ClippedGELU`."""
from __future__ import annotations

import numbers

import torch

from . import _checks
from .functional import gelu

__all__ = ["GELU", "ClippedGELU"]


class GELU(torch.nn.GELU):
    """Drop-in replacement for ``torch.nn.GELU`` computed by ``gelu``'s kernels.

    A subclass of ``torch.nn.GELU``, so ``isinstance`` checks keep working. It
    has the same ``repr`` (``GELU(approximate='none')``), no parameters and
    no buffers, hence the same (empty) ``state_dict``; ``torch.jit.script``
    compiles it to the ``gelu::gelu`` operator.

    Being an ``nn.GELU`` also makes ``nn.TransformerEncoderLayer(...,
    activation=GELU())`` take PyTorch's fused inference path (eval mode, no
    grad), which computes ATen's GELU instead of calling this module;
    ``gelu.torch.patch(model)`` turns that path off.

    Parameters
    ----------
    approximate : {"none", "tanh"}
        The variant, as in ``torch.nn.GELU``. Checked here rather than at the
        first forward call.

    Raises
    ------
    TypeError, ValueError
        If ``approximate`` is not ``"none"`` or ``"tanh"``.

    See Also
    --------
    gelu.torch.gelu : the function it applies.

    Examples
    --------
    >>> import gelu.torch as gt
    >>> gt.GELU(approximate="tanh")
    GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__(_checks.approximate(approximate))

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if torch.jit.is_scripting():
            # TorchScript compiles only this branch: the operator, with its
            # registered autograd (a scripted model needs ``import
            # gelu.torch`` wherever it is loaded, to register it).
            return torch.ops.gelu.gelu(input, self.approximate)
        return gelu(input, approximate=self.approximate)


class ClippedGELU(torch.nn.Module):
    """GELU clipped to ``[min, max]``: ``clip(gelu(x), min, max)``.

    What Hugging Face's ``ClippedGELUActivation`` (``"gelu_10"``) computes,
    with the GELU evaluated by ``gelu``'s kernels. No parameters or buffers.

    Parameters
    ----------
    min, max : float
        Clip bounds, ``min <= max``: any real number (``int``, ``float``,
        NumPy's scalars, ...), kept as a Python ``int`` or ``float``.
    approximate : {"none", "tanh"}
        The GELU variant inside the clip; Hugging Face's class uses exact GELU.

    Raises
    ------
    TypeError
        If a bound is not a real number.
    ValueError
        If ``min > max`` or ``approximate`` is not a known variant.
    """

    def __init__(self, min: float, max: float, approximate: str = "none") -> None:
        super().__init__()
        bounds = []
        for name, value in (("min", min), ("max", max)):
            # numbers.Real takes NumPy's scalars (np.float32(-1)) and
            # fractions too; bool is an int but no bound
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
            # stored as Python's int or float, which torch.clip, pickling and
            # TorchScript attributes all take
            if type(value) not in (int, float):
                value = int(value) if isinstance(value, numbers.Integral) else float(value)
            bounds.append(value)
        min, max = bounds
        if min > max:
            raise ValueError(f"min must be <= max, got min={min}, max={max}")
        self.min = min
        self.max = max
        self.approximate = _checks.approximate(approximate)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if torch.jit.is_scripting():   # see GELU.forward
            return torch.clip(torch.ops.gelu.gelu(input, self.approximate), self.min, self.max)
        return torch.clip(gelu(input, approximate=self.approximate), self.min, self.max)

    def extra_repr(self) -> str:
        return f"min={self.min!r}, max={self.max!r}, approximate={self.approximate!r}"
