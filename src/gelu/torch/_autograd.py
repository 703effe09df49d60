"""Eager-mode autograd for ``gelu.torch.gelu``, reverse *and* forward mode.

The ``gelu::`` operators carry both modes themselves (``_ops`` registers
their autograd kernels), but every call through the dispatcher costs about
8 us.  These ``autograd.Function`` classes apply the same formulas and call
the CPU kernels directly on plain CPU tensors (the operators otherwise), so
that an eager training step pays for neither.  Dynamo cannot trace an
``autograd.Function`` that defines ``jvp``, so the public functions use these
classes in eager mode only and the bare operators under ``torch.compile``.

Formulas, with ``f`` the GELU variant and ``B(g, x) = g * f'(x)``:

- ``d f(x)`` along ``t`` is ``B(t, x)``;
- ``d B(g, x)`` along ``(t_g, t_x)`` is ``B(t_g, x) + g * f''(x) * t_x``;
- reverse mode uses the transposes of the same linear maps.
"""
from __future__ import annotations

import torch

from . import _cpu, _ops

__all__ = ["gelu", "gelu_backward", "PLAIN_CPU"]

_peek_interpreter_stack = torch._C._functorch.peek_interpreter_stack
_is_grad_enabled = torch.is_grad_enabled
_len_dispatch_stack = torch._C._len_torch_dispatch_stack
_key_included = torch._C._dispatch_tls_is_dispatch_key_included
_PRE_DISPATCH = torch._C.DispatchKey.PreDispatch


def dispatch_modes() -> bool:
    """True while a TorchDispatchMode is active (make_fx, FakeTensorMode,
    FlopCounterMode, ...), including make_fx(pre_dispatch=True)'s, which
    keeps its own stack and shows as the PreDispatch key: those modes must
    see the operators, which a direct kernel call would hide from them."""
    return bool(_len_dispatch_stack()) or _key_included(_PRE_DISPATCH)


def _kernel_or_op(kernel, op, *args):
    """The CPU kernel on plain tensors, else the operator.  Autograd's
    batched gradients (``is_grads_batched``) arrive as tensors that look
    plain but have no storage: the kernel raises, and the operator (with its
    vmap rule) serves them."""
    try:
        return kernel(*args)
    except RuntimeError:
        return op(*args)


_is_legacy_batched = torch._C._functorch.is_legacy_batchedtensor


def _backward_node(grad, x, approximate):
    """g * f'(x) as a differentiable result (create_graph).  Gradients that
    autograd batches itself (``is_grads_batched``, ``jacobian(...,
    vectorize=True)``) are legacy batched tensors, which an
    autograd.Function leaves out of the graph: they take the operator,
    whose registered autograd keeps them in it."""
    if _is_legacy_batched(grad):
        return _ops.gelu_backward(grad, x, approximate)
    return _Backward.apply(grad, x, approximate)


def _plain(t: torch.Tensor) -> bool:
    # An efficient zero tensor (what autograd passes for a gradient known to
    # be zero, e.g. sgn's) has no memory (data_ptr() is 0): the operator's
    # dispatcher materialises it, a direct kernel call cannot.
    return (type(t) is torch.Tensor and t.is_cpu and t.layout == torch.strided
            and not t._is_zerotensor())


def _plain_cpu(x: torch.Tensor) -> bool:
    """Whether the operator's CPU kernel can be called directly: a plain
    strided CPU tensor, no functorch transform (vmap, grad, jvp) and no
    TorchDispatchMode (make_fx, FakeTensorMode, ...: they must see the
    operator) around the call.  That skips the operator's dispatch, about
    8 us a call; everything else goes through the operator."""
    return _peek_interpreter_stack() is None and not dispatch_modes() and _plain(x)


def _plain_cpu_pair(grad: torch.Tensor, x: torch.Tensor) -> bool:
    """_plain_cpu for both operands of a backward kernel, which must also
    match in dtype and shape."""
    return (_peek_interpreter_stack() is None and not dispatch_modes() and _plain(grad) and _plain(x)
            and grad.dtype == x.dtype and grad.shape == x.shape)


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
        if _plain_cpu_pair(grad, x):
            return _kernel_or_op(_cpu.backward, _ops.gelu_backward, grad, x, approximate)
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
        d_grad, d_x = _ops.backward_vjp(gg, grad, x, ctx.approximate, ctx.needs_input_grad[:2],
                                        _backward_node, _Grad2.apply)
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


def _gelu_forward(x, approximate):
    if _plain_cpu(x):
        return _kernel_or_op(_cpu.forward, _ops.gelu, x, approximate)
    return _ops.gelu(x, approximate)


def _gelu_save(ctx, x, approximate):
    ctx.save_for_backward(x)
    ctx.save_for_forward(x)
    ctx.approximate = approximate


def _vjp(grad, x, approximate):
    """g * f'(x), the reverse-mode derivative, for any operands."""
    if not _is_grad_enabled() and _plain_cpu_pair(grad, x):
        # No graph of the backward wanted (no create_graph, so no double
        # backward through it): the kernel itself, without _Backward's
        # autograd.Function wrapper (about 12 us a call).
        return _kernel_or_op(_cpu.backward, _Backward.apply, grad, x, approximate)
    return _backward_node(grad, x, approximate)


def _gelu_vjp(ctx, grad):
    (x,) = ctx.saved_tensors
    return _vjp(grad, x, ctx.approximate), None


def _gelu_jvp(ctx, t_x, t_approximate):
    (x,) = ctx.saved_tensors
    return _Backward.apply(t_x, x, ctx.approximate)


class _Gelu(torch.autograd.Function):
    """For functorch transforms, which need the setup_context form."""
    generate_vmap_rule = True

    @staticmethod
    def forward(x, approximate):
        return _gelu_forward(x, approximate)

    @staticmethod
    def setup_context(ctx, inputs, output):
        _gelu_save(ctx, *inputs)

    backward = staticmethod(_gelu_vjp)
    jvp = staticmethod(_gelu_jvp)


class _GeluEager(torch.autograd.Function):
    """The same function in the older form (ctx as forward's first argument):
    its apply skips binding the arguments to forward's signature, which
    costs _Gelu.apply about 8 us a call.  Used when no functorch transform
    is active."""

    @staticmethod
    def forward(ctx, x, approximate):
        _gelu_save(ctx, x, approximate)
        return _gelu_forward(x, approximate)

    backward = staticmethod(_gelu_vjp)
    jvp = staticmethod(_gelu_jvp)


_Tensor = torch.Tensor
_strided = torch.strided
_empty_like = torch.empty_like
_apply_contiguous = _cpu._apply_contiguous


def _plain_cpu_function(approximate, dtype, forward_index, backward_index, loop):
    """The Function for the common training call with one variant and dtype,
    its kernels given as ``_apply_contiguous``'s function indices and loop."""

    class _GeluPlainCPU(torch.autograd.Function):
        """GELU for the common training call: a plain strided CPU tensor of
        this dtype, no functorch transform and no forward-mode level active
        (``functional.gelu`` checks all that before choosing it).  The Python
        around ``apply`` is most of a 1000-element training step (the
        autograd engine is the rest), so this path is kept to the minimum:
        one class per variant and dtype, so that the kernels are constants
        rather than looked up from ``approximate`` or kept on ``ctx``;
        nothing saved for forward mode (with no dual level there can be no
        tangent); the forward calls the kernel with no further checks."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            if x.is_contiguous() and not x.is_neg():
                out = _empty_like(x)
                _apply_contiguous(forward_index, loop, x.data_ptr(), 0, out.data_ptr(), x.numel())
                return out
            return _cpu.forward(x, approximate)

        @staticmethod
        def backward(ctx, grad):
            # The usual backward (no create_graph) of a contiguous x with a
            # plain contiguous gradient: the kernel on the data pointers.
            # x is checked again because assigning x.data can change its
            # dtype, shape and strides after the forward (not its type,
            # device or layout).  A zero-tensor gradient (sgn's backward
            # sends one) has no memory to read: the operator takes it, as
            # _plain says (x passed that test in the forward; a zero tensor
            # put there since, through x.data, gets the kernel call's
            # ValueError).  Anything else is _vjp's to sort out.
            (x,) = ctx.saved_tensors
            if (type(grad) is _Tensor and not _is_grad_enabled() and grad.dtype is dtype
                    and x.dtype is dtype and grad.layout is _strided and grad.is_cpu
                    and grad.is_contiguous() and x.is_contiguous() and grad.shape == x.shape
                    and not grad.is_neg() and not x.is_neg() and not grad._is_zerotensor()
                    and _peek_interpreter_stack() is None
                    and not dispatch_modes()):
                out = _empty_like(x)
                try:
                    _apply_contiguous(backward_index, loop, x.data_ptr(), grad.data_ptr(),
                                      out.data_ptr(), x.numel())
                except RuntimeError:
                    # autograd's batched gradients (see _kernel_or_op)
                    return _Backward.apply(grad, x, approximate)
                return out
            return _vjp(grad, x, approximate)

    # The autograd engine calls the backward through the node's ``apply``,
    # BackwardCFunction's Python method, which picks the user's function on
    # every call (backward or vjp, boxed gradients or not): here it is always
    # this backward, called the same way, so the node calls it directly
    # (about 0.3 us a step).
    _GeluPlainCPU._backward_cls.apply = _GeluPlainCPU.backward
    return _GeluPlainCPU


def gelu(x: torch.Tensor, approximate: str) -> torch.Tensor:
    """``gelu::gelu`` with reverse- and forward-mode derivatives."""
    if _peek_interpreter_stack() is None:
        return _GeluEager.apply(x, approximate)
    return _Gelu.apply(x, approximate)


def gelu_backward(grad: torch.Tensor, x: torch.Tensor, approximate: str) -> torch.Tensor:
    """``gelu::gelu_backward`` with reverse- and forward-mode derivatives."""
    return _Backward.apply(grad, x, approximate)


PLAIN_CPU = {
    (approximate, dtype): (f, loop, _ops.c_apply(_plain_cpu_function(approximate, dtype, f, b, loop)))
    for (approximate, dtype), (f, b, loop) in _cpu.KERNELS.items()
}
"""(forward function index, loop, training call) per (approximate, dtype),
for ``functional.gelu``'s fast path on plain CPU tensors."""
