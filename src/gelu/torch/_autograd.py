"""Eager-mode autograd for the ``gelu::`` ops, reverse *and* forward mode.

``torch.library.register_autograd`` (used in ``_ops``) covers reverse mode
only, and forward-mode AD through a custom op silently drops the tangent. These
``autograd.Function`` classes call the same operators and add ``jvp``
formulas, so ``torch.func.jvp``, ``jacfwd`` and ``hessian`` work. Dynamo cannot
trace an ``autograd.Function`` that defines ``jvp``, so the public functions use
these classes in eager mode only and the bare operators under
``torch.compile``.

Formulas, with ``f`` the GELU variant and ``B(g, x) = g * f'(x)``:

- ``d f(x)`` along ``t`` is ``B(t, x)``;
- ``d B(g, x)`` along ``(t_g, t_x)`` is ``B(t_g, x) + g * f''(x) * t_x``;
- reverse mode uses the transposes of the same linear maps.
"""
from __future__ import annotations

import torch

from . import _ops

__all__ = ["gelu", "gelu_backward"]

_THIRD = (
    "gelu.torch supports first and second derivatives of GELU; the third "
    "derivative is not implemented"
)


class _Grad2(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x, approximate):
        return _ops.gelu_grad2(x, approximate)

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError(_THIRD)

    @staticmethod
    def jvp(ctx, t_x, t_approximate):
        raise NotImplementedError(_THIRD)


class _Backward(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(grad, x, approximate):
        return _ops.gelu_backward(grad, x, approximate)

    @staticmethod
    def setup_context(ctx, inputs, output):
        grad, x, approximate = inputs
        ctx.save_for_backward(grad, x)
        ctx.save_for_forward(grad, x)
        ctx.approximate = approximate

    @staticmethod
    def backward(ctx, gg):
        grad, x = ctx.saved_tensors
        d_grad = d_x = None
        if ctx.needs_input_grad[0]:
            d_grad = _Backward.apply(gg, x, ctx.approximate)
        if ctx.needs_input_grad[1]:
            d_x = _Grad2.apply(x, ctx.approximate) * grad * gg
        return d_grad, d_x, None

    @staticmethod
    def jvp(ctx, t_grad, t_x, t_approximate):
        grad, x = ctx.saved_tensors
        out = None
        if t_grad is not None:
            out = _Backward.apply(t_grad, x, ctx.approximate)
        if t_x is not None:
            term = _Grad2.apply(x, ctx.approximate) * grad * t_x
            out = term if out is None else out + term
        return out if out is not None else torch.zeros_like(x)


class _Gelu(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x, approximate):
        return _ops.gelu(x, approximate)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, approximate = inputs
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        ctx.approximate = approximate

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _Backward.apply(grad, x, ctx.approximate), None

    @staticmethod
    def jvp(ctx, t_x, t_approximate):
        (x,) = ctx.saved_tensors
        return _Backward.apply(t_x, x, ctx.approximate)


def gelu(x: torch.Tensor, approximate: str) -> torch.Tensor:
    """``gelu::gelu`` with reverse- and forward-mode derivatives."""
    return _Gelu.apply(x, approximate)


def gelu_backward(grad: torch.Tensor, x: torch.Tensor, approximate: str) -> torch.Tensor:
    """``gelu::gelu_backward`` with reverse- and forward-mode derivatives."""
    return _Backward.apply(grad, x, approximate)
