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

Each operator's autograd kernel (the ``Autograd`` dispatch key) is registered
here rather than through ``torch.library.register_autograd``: the kernel that
``register_autograd`` generates has no forward-mode formula, so a tangent
through it was silently dropped (zeros from ``torch.func.jvp``, ``None`` from
``forward_ad``), and ``torch.func.grad`` refused it. The kernels here apply
an ``autograd.Function`` with a ``backward`` and a ``jvp``, at the
dispatcher's autograd step, as PyTorch's own operators do: reverse mode,
forward mode and the ``torch.func`` transforms then work on the operators
however they are reached (``torch.jit.script``/``trace``, ``torch.export``,
``torch.ops.gelu.gelu`` called directly). The operators are therefore
defined with ``torch.library.Library`` rather than ``torch.library.custom_op``,
which always registers its own autograd kernel.
"""
from __future__ import annotations

import threading

import torch
import torch.autograd.forward_ad as _fwad
from torch import Tensor
from torch._C._functorch import CInterpreter, TransformType
from torch._functorch import pyfunctorch

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


_AD_TRANSFORMS = (TransformType.Grad, TransformType.Jvp)


def _functorch_ad_active() -> bool:
    """True inside a torch.func grad/jvp transform (at any depth of nesting).

    Dynamo traces this walk over functorch's interpreter stack; eager code
    never needs it.
    """
    top = torch._C._functorch.peek_interpreter_stack()
    if not isinstance(top, CInterpreter):
        return False
    interpreter = pyfunctorch.coerce_cinterpreter(top)
    if interpreter.key() in _AD_TRANSFORMS:
        return True
    with interpreter.lower():
        return _functorch_ad_active()


def outer_dual_level() -> bool:
    """While Dynamo traces: whether the traced code runs inside a
    forward_ad dual level entered outside it.  forward_ad's record of the
    level says so (Dynamo's own dual levels leave it at -1), but
    torch.func.jvp enters one through it too, which its interpreter stack
    tells apart.

    Known limitation: the bare operator traced there, under the inductor
    backend, can come out with a wrong tangent (inductor writes fused
    results into the operator's output, which keeps the tangent of the
    value it held); ``gelu.torch.gelu`` takes a graph break there instead
    (functional.py).  The eager and aot_eager backends are right."""
    return _fwad._current_level >= 0 and not _functorch_ad_active()


_fake_unary = _unary_kernel(lambda x, approximate: torch.empty_like(x))
_fake_binary = _binary_kernel(lambda grad, x, approximate: torch.empty_like(x))
_any_forward = _unary_kernel(_composed.forward)
_any_backward = _binary_kernel(_composed.backward)
_any_grad2 = _unary_kernel(_composed.grad2)


# --- definitions and kernels -----------------------------------------------

_LIB = torch.library.Library("gelu", "FRAGMENT")
_PT2 = (torch.Tag.pt2_compliant_tag,)   # as custom_op tags its operators


def _define(name: str, schema: str, any_device, cpu, fake) -> torch._ops.OpOverload:
    """Define gelu::name with a kernel for every device (stock torch
    operations), the CPU's own kernel, and a fake kernel for tracing."""
    _LIB.define(name + schema, tags=_PT2)
    # CompositeExplicitAutograd: every backend without a kernel of its own,
    # below autograd (the Autograd kernel is registered separately).
    _LIB.impl(name, any_device, "CompositeExplicitAutograd")
    # nested tensors have backends of their own, which that alias leaves
    # out: the same kernel, whose checks refuse them by name
    for nested in ("NestedTensorCPU", "NestedTensorCUDA"):
        _LIB.impl(name, any_device, nested)
    _LIB.impl(name, cpu, "CPU")
    torch.library.register_fake(f"gelu::{name}", fake, lib=_LIB)
    return getattr(torch.ops.gelu, name).default


# gelu(x, approximate): GELU of x; approximate is "none" or "tanh".
gelu = _define("gelu", "(Tensor x, str approximate) -> Tensor",
               _any_forward, _unary_kernel(_cpu.forward), _fake_unary)
# gelu_backward(grad, x, approximate): grad * gelu'(x); grad and x share shape,
# dtype and device.
gelu_backward = _define("gelu_backward", "(Tensor grad, Tensor x, str approximate) -> Tensor",
                        _any_backward, _binary_kernel(_cpu.backward), _fake_binary)
# gelu_grad2(x, approximate): the second derivative gelu''(x).
gelu_grad2 = _define("gelu_grad2", "(Tensor x, str approximate) -> Tensor",
                     _any_grad2, _unary_kernel(_cpu.grad2), _fake_unary)


# --- autograd -------------------------------------------------------------
# Formulas, with f the GELU variant and B(g, x) = g * f'(x) (gelu_backward):
# d f(x) along t is B(t, x); d B(g, x) along (t_g, t_x) is
# B(t_g, x) + g * f''(x) * t_x; reverse mode uses their transposes.
#
# Each Function's forward runs the operator below autograd, as an ATen
# operator's autograd kernel does, so each formula is applied once, at the
# level of the call.  Its first two arguments say how: the dispatch key set
# the autograd kernel was called with, and the grad modes to run it in (see
# _autograd_kernel).

_THIRD = (
    "gelu.torch supports first and second derivatives of GELU; the third "
    "derivative (the derivative of gelu::gelu_grad2) is not implemented"
)
_AFTER_AUTOGRAD = torch._C._after_autograd_keyset
_below_autograd = torch._C._AutoDispatchBelowAutograd
_is_grad_enabled = torch._C.is_grad_enabled
_set_grad_enabled = torch._C._set_grad_enabled
_is_fwd_grad_enabled = torch._C._is_fwd_grad_enabled
_set_fwd_grad_enabled = torch._C._set_fwd_grad_enabled


class _JvpFormula(threading.local):
    """Whether one of this module's jvp formulas is running, in this thread.  Autograd
    turns forward grad mode off around a Function's jvp (the formula is not
    differentiated at its own level), but the formula's operators must still
    reach the levels below with it on, as an ATen operator's formula does
    (it strips only its own level's tangents): jvp(jvp(...)) came out zero."""

    depth = 0

    def __enter__(self):
        self.depth += 1

    def __exit__(self, *exc):
        self.depth -= 1


_jvp_formula = _JvpFormula()


def _redispatch(op, keyset, modes, *args):
    """``op`` below autograd; with ``modes`` (grad mode, forward grad mode)
    restored for the call, which autograd.Function's apply turns off around
    a forward."""
    with _below_autograd():
        if modes is None:
            return op.redispatch(keyset & _AFTER_AUTOGRAD, *args)
        grad_mode, fwd_grad_mode = _is_grad_enabled(), _is_fwd_grad_enabled()
        _set_grad_enabled(modes[0])
        _set_fwd_grad_enabled(modes[1])
        try:
            return op.redispatch(keyset & _AFTER_AUTOGRAD, *args)
        finally:
            _set_grad_enabled(grad_mode)
            _set_fwd_grad_enabled(fwd_grad_mode)


class _GeluFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, keyset, modes, x, approximate):
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        ctx.approximate = approximate
        return _redispatch(gelu, keyset, modes, x, approximate)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return None, None, gelu_backward(grad, x, ctx.approximate), None

    @staticmethod
    def jvp(ctx, t_keyset, t_modes, t_x, t_approximate):
        (x,) = ctx.saved_tensors
        with _jvp_formula:
            return gelu_backward(t_x, x, ctx.approximate)


def backward_vjp(gg, grad, x, approximate, needs, backward, grad2):
    """The vector-Jacobian product of B(grad, x) = grad * f'(x) with gg:
    (B(gg, x), grad * f''(x) * gg), each None where ``needs`` says so, with
    ``backward`` and ``grad2`` computing B and f'' (the operators, or
    ``_autograd``'s Functions)."""
    d_grad = backward(gg, x, approximate) if needs[0] else None
    d_x = grad2(x, approximate) * grad * gg if needs[1] else None
    return d_grad, d_x


class _GeluBackwardFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, keyset, modes, grad, x, approximate):
        ctx.save_for_backward(grad, x)
        ctx.save_for_forward(grad, x)
        ctx.approximate = approximate
        return _redispatch(gelu_backward, keyset, modes, grad, x, approximate)

    @staticmethod
    def backward(ctx, gg):
        grad, x = ctx.saved_tensors
        d_grad, d_x = backward_vjp(gg, grad, x, ctx.approximate, ctx.needs_input_grad[2:4],
                                   gelu_backward, gelu_grad2)
        return None, None, d_grad, d_x, None

    @staticmethod
    def jvp(ctx, t_keyset, t_modes, t_grad, t_x, t_approximate):
        grad, x = ctx.saved_tensors
        out = None
        with _jvp_formula:
            if t_grad is not None:
                out = gelu_backward(t_grad, x, ctx.approximate)
            if t_x is not None:
                term = gelu_grad2(x, ctx.approximate) * grad * t_x
                out = term if out is None else out + term
        return out


class _GeluGrad2Function(torch.autograd.Function):
    @staticmethod
    def forward(ctx, keyset, modes, x, approximate):
        return _redispatch(gelu_grad2, keyset, modes, x, approximate)

    @staticmethod
    def backward(ctx, gg):
        raise NotImplementedError(_THIRD)

    @staticmethod
    def jvp(ctx, t_keyset, t_modes, t_x, t_approximate):
        raise NotImplementedError(_THIRD)


def c_apply(cls):
    """The C method behind ``cls.apply``, without ``Function.apply``'s Python
    layer, which binds arguments for the setup_context form, unwraps
    functorch's dead wrappers and refuses ctx-first Functions under functorch
    transforms: about 1.3 us less a call, for ctx-first Functions whose
    callers rule those cases out or handle them (``_autograd_kernel`` here,
    ``_autograd.PLAIN_CPU``).  Falls back to ``cls.apply`` where torch lays
    its classes out differently."""
    method = getattr(torch._C, "_FunctionBase", object).__dict__.get("apply")
    return method.__get__(None, cls) if method is not None else cls.apply


_peek_interpreter_stack = torch._C._functorch.peek_interpreter_stack
_single_level_allowed = torch._C._functorch.get_single_level_autograd_function_allowed
_set_single_level_allowed = torch._C._functorch.set_single_level_autograd_function_allowed
_any_requires_grad = torch._C._any_requires_grad


def _has_tangent(args) -> bool:
    """Whether a tensor among ``args`` carries a forward-mode tangent
    (level 0: forward_ad does not nest levels).  Only dense tensors are
    asked (_unpack_dual fails on nested, sparse and mkldnn ones): the
    kernels below refuse the others by name."""
    # _unpack_dual is an operator (aten.alias underneath): hidden from
    # dispatch modes, make_fx and subclasses, which must see only ours
    with _no_python_dispatch():
        return any(isinstance(a, Tensor) and a.layout is _strided and not a.is_nested
                   and _unpack_dual(a, 0).tangent is not None for a in args)


_unpack_dual = torch._unpack_dual
_strided = torch.strided
_no_python_dispatch = torch._C._DisableTorchDispatch


def _autograd_kernel(op, function):
    """The Autograd-key kernel of ``op``: ``function`` wherever a derivative
    may be wanted, else ``op`` below autograd directly (as torch.library's
    own kernel does).

    Under a functorch transform (grad, jvp, vmap, ...) the dispatcher calls
    this kernel for the innermost level only, with tensors wrapped for that
    level, and the forward's redispatch hands the operator on to the levels
    below, as for an ATen operator.  Two things differ from a Function called
    from Python, and are set here: the Python ``apply`` refuses ctx-first
    Functions under transforms (they would see every level at once), so the
    C method is used, with the permission functorch gives its own
    single-level Functions; and apply turns grad and forward grad mode off
    around the forward, which would hide the operator from the levels below
    (second derivatives through nested transforms came out zero), so the
    forward restores them for the redispatch (forward grad mode on inside
    this module's jvp formulas, see _JvpFormula).  A no_grad inside the
    transformed function still holds for every level, as for ATen's
    operators."""
    apply = c_apply(function)

    def kernel(keyset, *args):
        if _peek_interpreter_stack() is not None:
            modes = (_is_grad_enabled(), _is_fwd_grad_enabled() or _jvp_formula.depth > 0)
            allowed = _single_level_allowed()
            _set_single_level_allowed(True)
            try:
                return apply(keyset, modes, *args)
            finally:
                _set_single_level_allowed(allowed)
        # forward_ad's dual tensors need not require grad: where an argument
        # carries a tangent the Function decides.  Asked of the tensors, not
        # of forward_ad's _current_level: code compiled by Dynamo enters its
        # dual level without that Python global (the tangent was dropped).
        if (_is_grad_enabled() and _any_requires_grad(*args)) or _has_tangent(args):
            return apply(keyset, None, *args)
        return _redispatch(op, keyset, None, *args)

    return kernel


for _name, _op, _function in (("gelu", gelu, _GeluFunction),
                              ("gelu_backward", gelu_backward, _GeluBackwardFunction),
                              ("gelu_grad2", gelu_grad2, _GeluGrad2Function)):
    _LIB.impl(_name, _autograd_kernel(_op, _function), "Autograd", with_keyset=True)


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


def _gelu_backward_vmap(info, in_dims, grad, x, approximate):
    grad_dim, x_dim = in_dims[0], in_dims[1]
    if grad_dim == x_dim:
        return gelu_backward(grad, x, approximate), x_dim
    size = info.batch_size
    return gelu_backward(_batched(grad, grad_dim, size), _batched(x, x_dim, size), approximate), 0


torch.library.register_vmap("gelu::gelu", _unary_vmap(gelu), lib=_LIB)
torch.library.register_vmap("gelu::gelu_backward", _gelu_backward_vmap, lib=_LIB)
torch.library.register_vmap("gelu::gelu_grad2", _unary_vmap(gelu_grad2), lib=_LIB)
