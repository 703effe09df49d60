"""The ``gelu::`` custom operators, as ``torch.compile`` and autograd see them.

Three operators, each with a CPU kernel (``gelu``'s ufuncs, see ``_cpu``), a
kernel for every other device (stock torch operations, see ``_composed``), a
fake implementation for tracing, a vmap rule and an autograd formula:

- ``gelu::gelu(x, approximate)``: GELU itself.
- ``gelu::gelu_backward(grad, x, approximate)``: ``grad * gelu'(x)``, fused;
  the argument order follows ``aten::gelu_backward``.
- ``gelu::gelu_grad2(x, approximate)``: ``gelu''(x)``, used by the double
  backward.

The derivative of ``gelu_backward`` is ``gelu'(x)`` with respect to ``grad``,
which is ``gelu_backward`` again applied to the incoming gradient, and
``grad * gelu''(x)`` with respect to ``x``. Third derivatives are not
provided: differentiating ``gelu_grad2`` raises.

``torch.library`` offers no forward-mode (jvp) registration for custom ops:
forward-mode AD through these operators called directly sees no tangent (and
``torch.func.grad`` refuses them). The public functions therefore wrap them in
``_autograd``'s ``autograd.Function`` classes in eager mode, and call them
directly only while ``torch.compile`` traces, where they refuse to run inside
a ``torch.func`` grad/jvp transform (see ``functional.gelu``).
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import _checks, _composed, _cpu

__all__ = ["gelu", "gelu_backward", "gelu_grad2"]


def _unary_kernel(impl):
    def kernel(x, approximate):
        _checks.tensor(x, "x")
        _checks.approximate(approximate)
        return impl(x, approximate)

    return kernel


def _binary_kernel(impl):
    def kernel(grad, x, approximate):
        _checks.tensor(x, "x")
        _checks.tensor(grad, "grad")
        _checks.pair(grad, x)
        _checks.approximate(approximate)
        return impl(grad, x, approximate)

    return kernel


_fake_unary = _unary_kernel(lambda x, approximate: torch.empty_like(x))
_fake_binary = _binary_kernel(lambda grad, x, approximate: torch.empty_like(x))
_any_forward = _unary_kernel(_composed.forward)
_any_backward = _binary_kernel(_composed.backward)
_any_grad2 = _unary_kernel(_composed.grad2)


# The decorated bodies are the kernels for every device without a kernel of
# its own; the CPU gets gelu's ufuncs through register_kernel below.
@torch.library.custom_op("gelu::gelu", mutates_args=())
def gelu(x: Tensor, approximate: str) -> Tensor:
    """GELU of ``x``; ``approximate`` is ``"none"`` or ``"tanh"``."""
    return _any_forward(x, approximate)


@torch.library.custom_op("gelu::gelu_backward", mutates_args=())
def gelu_backward(grad: Tensor, x: Tensor, approximate: str) -> Tensor:
    """``grad * gelu'(x)``; ``grad`` and ``x`` share shape, dtype and device."""
    return _any_backward(grad, x, approximate)


@torch.library.custom_op("gelu::gelu_grad2", mutates_args=())
def gelu_grad2(x: Tensor, approximate: str) -> Tensor:
    """Second derivative ``gelu''(x)``."""
    return _any_grad2(x, approximate)


gelu.register_kernel("cpu")(_unary_kernel(_cpu.forward))
gelu_backward.register_kernel("cpu")(_binary_kernel(_cpu.backward))
gelu_grad2.register_kernel("cpu")(_unary_kernel(_cpu.grad2))
gelu.register_fake(_fake_unary)
gelu_backward.register_fake(_fake_binary)
gelu_grad2.register_fake(_fake_unary)


# --- autograd -------------------------------------------------------------

def _save_x(ctx, inputs, output):
    x, approximate = inputs
    ctx.save_for_backward(x)
    ctx.approximate = approximate


def _gelu_bwd(ctx, grad):
    (x,) = ctx.saved_tensors
    return gelu_backward(grad, x, ctx.approximate), None


def _save_grad_x(ctx, inputs, output):
    grad, x, approximate = inputs
    ctx.save_for_backward(grad, x)
    ctx.approximate = approximate


def _gelu_backward_bwd(ctx, gg):
    grad, x = ctx.saved_tensors
    d_grad = d_x = None
    if ctx.needs_input_grad[0]:
        d_grad = gelu_backward(gg, x, ctx.approximate)
    if ctx.needs_input_grad[1]:
        d_x = gelu_grad2(x, ctx.approximate) * grad * gg
    return d_grad, d_x, None


def _gelu_grad2_bwd(ctx, gg):
    raise NotImplementedError(
        "gelu.torch supports first and second derivatives of GELU; the third "
        "derivative (the gradient of gelu::gelu_grad2) is not implemented"
    )


gelu.register_autograd(_gelu_bwd, setup_context=_save_x)
gelu_backward.register_autograd(_gelu_backward_bwd, setup_context=_save_grad_x)
gelu_grad2.register_autograd(_gelu_grad2_bwd, setup_context=lambda ctx, inputs, output: None)


# --- vmap -----------------------------------------------------------------
# The operators are elementwise: a batch dimension passes straight through.

def _unary_vmap(op):
    def rule(info, in_dims, x, approximate):
        return op(x, approximate), in_dims[0]

    return rule


def _batched(t: Tensor, dim, size: int) -> Tensor:
    if dim is None:
        return t.expand(size, *t.shape)
    return t.movedim(dim, 0)


@gelu_backward.register_vmap
def _gelu_backward_vmap(info, in_dims, grad, x, approximate):
    grad_dim, x_dim = in_dims[0], in_dims[1]
    if grad_dim == x_dim:
        return gelu_backward(grad, x, approximate), x_dim
    size = info.batch_size
    return gelu_backward(_batched(grad, grad_dim, size), _batched(x, x_dim, size), approximate), 0


gelu.register_vmap(_unary_vmap(gelu))
gelu_grad2.register_vmap(_unary_vmap(gelu_grad2))
