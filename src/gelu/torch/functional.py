"""``gelu.torch.gelu``: the functional form, a drop-in for ``F.gelu``."""
from __future__ import annotations

import torch
import torch.autograd.forward_ad as _fwad

from . import _autograd, _checks, _cpu, _ops

__all__ = ["gelu"]

_peek_interpreter_stack = torch._C._functorch.peek_interpreter_stack
_is_grad_enabled = torch.is_grad_enabled
_tracing_state = torch._C._get_tracing_state   # None unless torch.jit.trace is recording
_is_functorch_wrapped = torch._C._functorch.is_functorch_wrapped_tensor
_PLAIN_CPU = _autograd.PLAIN_CPU
_apply_contiguous = _cpu._apply_contiguous
_empty_like = torch.empty_like
# Module-level names for the fast path's checks, which every call makes.
# Dynamo knows torch.compiler.is_compiling by identity, so it still folds
# the alias to True when it traces this function.
_Tensor = torch.Tensor
_strided = torch.strided
_is_compiling = torch.compiler.is_compiling
_has_torch_function = torch.overrides.has_torch_function
_handle_torch_function = torch.overrides.handle_torch_function
_function_mode_on = torch._C._is_torch_function_mode_enabled
_dispatch_stack = torch._C._len_torch_dispatch_stack
_key_included = torch._C._dispatch_tls_is_dispatch_key_included
_PRE_DISPATCH = torch._C.DispatchKey.PreDispatch   # make_fx(pre_dispatch=True)'s modes (_autograd.dispatch_modes)


_eager_gelu = None


def _eager_outside_compile():
    """``_autograd.gelu`` behind ``torch.compiler.disable``: a graph break
    that runs it eagerly, forward-mode formula included (made on first use,
    which is under torch.compile, where Dynamo is loaded anyway)."""
    global _eager_gelu
    if _eager_gelu is None:
        _eager_gelu = torch.compiler.disable(_autograd.gelu, recursive=True)
    return _eager_gelu


def _differentiating(x: torch.Tensor) -> bool:
    """Whether any autograd mode could want a derivative of this call."""
    return ((x.requires_grad and _is_grad_enabled())
            or _fwad._current_level >= 0  # inside forward_ad.dual_level()
            or _peek_interpreter_stack() is not None)


def _nested(input: torch.Tensor, approximate: str) -> torch.Tensor:
    """gelu of a nested tensor.  Jagged: of its values, one dense tensor,
    put back on the same offsets and lengths, so the result keeps the
    input's ragged dimension (a residual ``x + gelu(x)`` needs it) and
    autograd, double backward and torch.compile see plain tensor code.
    Strided (no values view): of each component, nested again."""
    if input.layout == torch.jagged:
        return torch.nested.nested_tensor_from_jagged(
            gelu(input.values(), approximate=approximate), input.offsets(), lengths=input.lengths(),
            jagged_dim=input._ragged_idx)
    parts = [gelu(t, approximate=approximate) for t in input.unbind()]
    if not parts:   # no component to check the dtype of: an empty one
        _checks.tensor(torch.empty(0, dtype=input.dtype), "input")
        return input.clone()
    return torch.nested.as_nested_tensor(parts, layout=input.layout)


def gelu(input: torch.Tensor, *, approximate: str = "none") -> torch.Tensor:
    """Apply GELU elementwise, with the signature and meaning of ``F.gelu``.

    Parameters
    ----------
    input : torch.Tensor
        float16, bfloat16, float32 or float64 tensor of any shape and strides,
        on any device.
    approximate : {"none", "tanh"}, keyword-only
        ``"none"`` computes exact GELU, ``x * Phi(x)``; ``"tanh"`` computes the
        tanh formula ``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))``.

    Returns
    -------
    torch.Tensor
        A new tensor with ``input``'s shape, dtype and device.

    Raises
    ------
    TypeError
        If ``input`` is not a tensor of one of the four dtypes above, or
        ``approximate`` is not a str.
    ValueError
        If ``approximate`` is not ``"none"`` or ``"tanh"``.

    Notes
    -----
    On the CPU the values come from ``gelu``'s compiled kernels (within one
    ulp, including the left tail where ``F.gelu`` loses all accuracy), written
    straight into the result: contiguous tensors by data pointer, others
    through the ufunc's ``out=``. bfloat16 tensors are handed over as their
    bit patterns, zero-copy, to the core's bfloat16 loop (the float32
    kernels, rounded once to bfloat16). Large contiguous tensors are split
    across PyTorch's own OpenMP threads (``torch.set_num_threads``), as
    PyTorch's element-wise operations are, rather than across a second pool
    that would compete with them for the CPUs; where PyTorch has no OpenMP
    runtime, across ``gelu``'s pool (``gelu.set_num_threads``).

    On other devices (CUDA, MPS, ...) the values are composed from stock torch
    operations with the same cancellation-free formulas (erfc, sigmoid, the
    Mills ratio): not fused, and in the far left tail less accurate than the
    CPU kernels (relative error grows like ``x**2`` ulp).

    Nested tensors (``torch.nested``) are computed as ``F.gelu`` computes
    them: jagged ones on their values, keeping their ragged dimension;
    strided ones component by component, nested again.

    Reverse mode (``backward``, double backward) and ``torch.compile``
    (with ``fullgraph=True``) are supported; the backward calls the fused
    ``gelu_backward`` kernel and the double backward the second-derivative
    kernel. Third derivatives raise ``NotImplementedError``.

    The ``torch.func`` transforms work too, eagerly and under
    ``torch.compile`` (``fullgraph=True`` included): ``grad``, ``vmap``,
    ``jvp``, ``jacfwd``, ``jacrev`` and ``hessian``; so do
    ``torch.autograd.forward_ad``'s dual levels entered inside a compiled
    function. A compiled call inside a dual level entered outside it breaks
    the graph and runs eagerly, tangent included (every backend: inductor
    would otherwise give wrong tangents); with ``fullgraph=True`` that graph
    break fails compilation, even for an input without a tangent.

    Examples
    --------
    >>> import torch, gelu.torch as gt
    >>> gt.gelu(torch.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    if (type(input) is _Tensor and type(approximate) is str and not _function_mode_on()
            and input.is_cpu and input.layout is _strided and not input.is_nested):
        # A plain strided CPU tensor (checked as cheaply as possible: it is
        # most calls), of a dtype and variant the kernels have, outside
        # forward mode, functorch transforms, tracing, compiling and any
        # TorchFunctionMode or TorchDispatchMode (make_fx, FakeTensorMode,
        # FlopCounterMode, ...: those must see the operator, and a direct
        # kernel call would hide it from them; a function mode is checked
        # first, so that it sees this call and not the property reads).
        # Inference: the kernel the operator would run, called directly,
        # which skips the operator's dispatch (~8 us), and for a contiguous
        # tensor without even _cpu.run's two calls (0.1 us of a 2 us call
        # at 1e3).  Training: the leanest autograd.Function, one per variant
        # and dtype (see _autograd._plain_cpu_function).  Subclasses, fake and meta tensors,
        # functorch's wrapped tensors and efficient zero tensors (no memory:
        # data_ptr() is 0; the operator's dispatcher materialises them) go
        # through the general path below.
        plain = _PLAIN_CPU.get((approximate, input.dtype))
        if (plain is not None and _fwad._current_level < 0 and _peek_interpreter_stack() is None
                and _tracing_state() is None and not _is_compiling() and not _dispatch_stack()
                and not _key_included(_PRE_DISPATCH)):
            if not (input.requires_grad and _is_grad_enabled()):
                if input.is_contiguous() and not input.is_neg():
                    out = _empty_like(input)
                    try:
                        _apply_contiguous(plain[0], plain[1], input.data_ptr(), 0, out.data_ptr(), input.numel())
                        return out
                    except ValueError:
                        # an efficient zero tensor (data_ptr() is 0), which
                        # the kernel call refuses before it writes: asking
                        # every call instead cost 66 ns of a 2 us call
                        pass
                elif not input._is_zerotensor():
                    return _cpu.forward(input, approximate)
            elif not _is_functorch_wrapped(input) and not input._is_zerotensor():
                # (an escaped, dead, functorch wrapper takes the general path)
                return plain[2](input)
    if _has_torch_function((input,)):
        # torch.fx proxies, tensor-likes that override torch functions and
        # active TorchFunctionModes (as for F.gelu): symbolic tracing
        # records this function itself.
        return _handle_torch_function(gelu, (input,), input, approximate=approximate)
    if isinstance(input, torch.Tensor) and input.is_nested:
        # Component by component, as F.gelu does: the kernels take one
        # dense array, and a TransformerEncoder at inference packs padded
        # batches into a nested tensor for its layers.
        _checks.approximate(approximate)
        return _nested(input, approximate)
    _checks.tensor(input, "input")
    _checks.approximate(approximate)
    if _tracing_state() is not None:
        # torch.jit.trace: record the gelu::gelu operator (with its
        # registered autograd), which a traced or saved module can replay;
        # the direct kernel call would bypass the tracer.
        return _ops.gelu(input, approximate)
    if torch.compiler.is_compiling():
        # Dynamo cannot trace the eager autograd.Function's jvp; the
        # operator carries its own autograd kernels (reverse and forward
        # mode, the torch.func transforms included), which serve the graph.
        if _ops.outer_dual_level():
            # Except where the compiled function runs inside a dual level
            # entered outside it: its inputs may carry tangents, and the inductor
            # backend writes fused results into the operator's output,
            # which keeps the tangent of the value it held (wrong tangents,
            # silently: a review).  The eager function instead, behind a
            # graph break (Dynamo traces fake tensors, so every call there
            # takes it; fullgraph=True fails on it, loudly).
            return _eager_outside_compile()(input, approximate)
        return _ops.gelu(input, approximate)
    if not _differentiating(input):
        return _ops.gelu(input, approximate)   # inference, but not on a plain CPU tensor
    return _autograd.gelu(input, approximate)
