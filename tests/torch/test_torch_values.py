"""gelu.torch computes with gelu's ufuncs on the CPU: same values, any
layout, every supported dtype; bad input is refused by name."""

import warnings

import numpy as np

import pytest

torch = pytest.importorskip("torch")

import gelu  # noqa: E402
import gelu.torch as gt  # noqa: E402

VARIANTS = {"none": (gelu.gelu, gelu.gelu_backward, gelu.gelu_grad2),
            "tanh": (gelu.gelu_tanh, gelu.gelu_tanh_backward, gelu.gelu_tanh_grad2)}
NUMPY_DTYPES = [torch.float16, torch.float32, torch.float64]
SPECIALS = [float("inf"), float("-inf"), float("nan"), -0.0, 0.0, -1e30, 1e30]


def sample(dtype, n=4001):
    x = torch.linspace(-14.0, 8.0, n, dtype=torch.float64)
    x = torch.cat([x, torch.tensor(SPECIALS, dtype=torch.float64)])
    return x.to(dtype)


def same(a, b):
    """Bitwise-equal values (NaN equals NaN, -0 differs from +0)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", NUMPY_DTYPES, ids=str)
def test_forward_is_the_ufunc(dtype, approximate):
    x = sample(dtype)
    y = gt.gelu(x, approximate=approximate)
    assert y.dtype == dtype and y.shape == x.shape
    same(y.numpy(), VARIANTS[approximate][0](x.numpy()))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", NUMPY_DTYPES, ids=str)
def test_backward_and_grad2_ops_are_the_ufuncs(dtype, approximate):
    _, backward, grad2 = VARIANTS[approximate]
    x = sample(dtype)
    g = torch.linspace(-3.0, 3.0, x.numel(), dtype=torch.float64).to(dtype)
    same(torch.ops.gelu.gelu_backward(g, x, approximate).numpy(), backward(x.numpy(), g.numpy()))
    same(torch.ops.gelu.gelu_grad2(x, approximate).numpy(), grad2(x.numpy()))


def bf16_ufunc(ufunc, *args):
    """The NumPy bfloat16 loop (ml_dtypes) on the tensors' bit patterns."""
    ml_dtypes = pytest.importorskip("ml_dtypes")
    arrays = [a.contiguous().view(torch.int16).numpy().view(ml_dtypes.bfloat16) for a in args]
    with np.errstate(invalid="ignore"):
        return ufunc(*arrays).view(np.int16)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_bfloat16_is_the_core_bfloat16_loop(approximate):
    x = sample(torch.bfloat16)
    y = gt.gelu(x, approximate=approximate)
    assert y.dtype == torch.bfloat16
    same(y.view(torch.int16).numpy(), bf16_ufunc(VARIANTS[approximate][0], x))

    g = torch.full_like(x, 0.75)
    got = torch.ops.gelu.gelu_backward(g, x, approximate)
    same(got.view(torch.int16).numpy(), bf16_ufunc(VARIANTS[approximate][1], x, g))


def test_bfloat16_strided_input():
    x = sample(torch.bfloat16).reshape(8, 501)[:, ::3]
    assert not x.is_contiguous()
    same(gt.gelu(x).view(torch.int16).numpy(), bf16_ufunc(gelu.gelu, x))


def test_limits_and_signed_zero():
    x = torch.tensor([float("inf"), float("-inf"), -0.0, float("nan")])
    for approximate in ("none", "tanh"):
        y = gt.gelu(x, approximate=approximate)
        assert y[0] == float("inf")
        assert y[1] == 0 and torch.signbit(y[1])
        assert y[2] == 0 and torch.signbit(y[2])
        assert torch.isnan(y[3])


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16], ids=str)
@pytest.mark.parametrize("layout", ["step", "transposed", "broadcast", "offset"])
def test_strided_inputs(layout, dtype):
    base = torch.linspace(-6, 6, 24 * 10, dtype=torch.float64).to(dtype).reshape(24, 10)
    view = {"step": base[::3, 1::2],
            "transposed": base.t(),
            "broadcast": base[0].expand(5, 10),
            "offset": base[3:7, 2:9]}[layout]
    before = base.clone()
    got = gt.gelu(view, approximate="tanh")
    want = gt.gelu(view.contiguous(), approximate="tanh")
    assert torch.equal(got, want)
    assert torch.equal(base, before)  # the input is never written
    assert got.data_ptr() != view.data_ptr()


def test_dense_layout_is_preserved():
    x = torch.randn(3, 4, 5).permute(2, 0, 1)
    assert gt.gelu(x).stride() == x.stride()


def test_zero_dim_and_empty():
    x = torch.tensor(-1.0, dtype=torch.float64)
    y = gt.gelu(x)
    assert y.shape == () and y.item() == pytest.approx(-0.15865525393145707, rel=1e-15)
    assert gt.gelu(torch.empty(0, 3)).shape == (0, 3)


def test_requires_grad_input_and_no_grad_modes():
    x = torch.randn(8, requires_grad=True)
    with torch.no_grad():
        y = gt.gelu(x)
    with torch.inference_mode():
        z = gt.gelu(x)
    assert not y.requires_grad and z.is_inference()
    want = gt.gelu(x)
    assert want.grad_fn is not None
    assert torch.equal(y, want) and torch.equal(z, want)


def test_meta_tensors_propagate_shape_and_dtype():
    x = torch.empty(2, 3, dtype=torch.float16, device="meta")
    for y in (gt.gelu(x), torch.ops.gelu.gelu_grad2(x, "tanh"),
              torch.ops.gelu.gelu_backward(x, x, "none")):
        assert y.device.type == "meta" and y.shape == (2, 3) and y.dtype == torch.float16


@pytest.mark.parametrize("bad", [torch.arange(3), torch.zeros(2, dtype=torch.complex64),
                                 torch.zeros(2, dtype=torch.bool)], ids=str)
def test_bad_dtype_names_input(bad):
    with pytest.raises(TypeError, match="input must have dtype"):
        gt.gelu(bad)


@pytest.mark.parametrize("make", [lambda t: t.to_sparse(), lambda t: t.to_sparse_csr(), lambda t: t.to_mkldnn()],
                         ids=["sparse_coo", "sparse_csr", "mkldnn"])
def test_non_dense_layouts_name_input_and_layout(make):
    with warnings.catch_warnings():   # "Sparse CSR tensor support is in beta state"
        warnings.simplefilter("ignore", UserWarning)
        x = make(torch.randn(2, 3))
    with pytest.raises(TypeError, match=f"input must be a dense .* got layout {x.layout}"):
        gt.gelu(x)
    with pytest.raises(TypeError, match="x must be a dense"):
        torch.ops.gelu.gelu_backward(x, x, "none")


def test_nested_tensors_are_computed_component_by_component():
    # as F.gelu computes them (a TransformerEncoder packs padded batches into
    # one at inference); the operators themselves take dense tensors only
    with warnings.catch_warnings():   # "nested tensors are in prototype stage"
        warnings.simplefilter("ignore", UserWarning)
        parts = [torch.randn(2, 3) * 4, torch.randn(4, 3) * 4]
        strided = torch.nested.nested_tensor(parts)
        jagged = torch.nested.nested_tensor(parts, layout=torch.jagged)
        for approximate in ("none", "tanh"):
            for x in (strided, strided.transpose(1, 2), jagged):
                y = gt.gelu(x, approximate=approximate)
                assert y.is_nested and y.layout == x.layout
                for got, part in zip(y.unbind(), x.unbind()):
                    assert torch.equal(got, gt.gelu(part.contiguous(), approximate=approximate))
            leaf = strided.detach().requires_grad_()
            gt.gelu(leaf, approximate=approximate).to_padded_tensor(0.0).sum().backward()
            for got, part in zip(leaf.grad.unbind(), parts):
                assert torch.equal(got, torch.ops.gelu.gelu_backward(torch.ones_like(part), part, approximate))
        # jagged: the same ragged dimension (a residual needs it) and double
        # backward (both failed when the result was nested anew)
        assert (jagged + gt.gelu(jagged)).is_nested
        leaf = torch.nested.nested_tensor(parts, layout=torch.jagged, requires_grad=True)
        (first,) = torch.autograd.grad(gt.gelu(leaf).values().sum(), leaf, create_graph=True)
        (second,) = torch.autograd.grad(first.values().sum(), leaf)
        for got, part in zip(second.unbind(), parts):
            assert torch.equal(got, torch.ops.gelu.gelu_grad2(part, "none"))
        empty = torch.nested.nested_tensor([])
        assert gt.gelu(empty).is_nested
        with pytest.raises(TypeError, match="x must be a dense tensor, got a nested tensor"):
            torch.ops.gelu.gelu_backward(strided, strided, "none")


def test_the_operator_alone_is_recorded():
    # the autograd kernel's tangent check is itself an operator (aten.alias):
    # make_fx recorded it, and subclasses without it failed (a review)
    from torch.fx.experimental.proxy_tensor import make_fx

    graph = make_fx(lambda t: torch.ops.gelu.gelu(t, "none"))(torch.randn(4)).graph
    assert [str(n.target) for n in graph.nodes if n.op == "call_function"] == ["gelu.gelu.default"]


def test_modes_see_the_operator():
    # make_fx, FakeTensorMode and other dispatch or function modes must see
    # the operator: the direct kernel call would record only empty_like
    from torch.fx.experimental.proxy_tensor import make_fx
    from torch.overrides import TorchFunctionMode
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch._subclasses.fake_tensor import FakeTensor, FakeTensorMode

    x = torch.tensor([-1.0, 0.5, 2.0])
    for approximate in ("none", "tanh"):
        for pre_dispatch in (False, True):   # pre-dispatch modes keep a stack of their own
            traced = make_fx(lambda t: gt.gelu(t, approximate=approximate), pre_dispatch=pre_dispatch)(x)
            assert "gelu.gelu" in traced.code
            assert torch.equal(traced(2 * x), gt.gelu(2 * x, approximate=approximate))

    class Ops(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.seen = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.seen.append(str(func))
            return func(*args, **(kwargs or {}))

    with Ops() as ops:
        y = gt.gelu(x)
    assert any("gelu.gelu" in name for name in ops.seen) and torch.equal(y, gt.gelu(x))

    class Calls(TorchFunctionMode):
        def __init__(self):
            super().__init__()
            self.seen = []

        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.seen.append(func)
            return func(*args, **(kwargs or {}))

    with Calls() as calls:
        y = gt.gelu(x)
    assert gt.gelu in calls.seen and torch.equal(y, gt.gelu(x))

    with FakeTensorMode(allow_non_fake_inputs=True):
        y = gt.gelu(x)
    assert isinstance(y, FakeTensor) and y.shape == x.shape and y.dtype == x.dtype

    # training: the forward and the backward operators, under make_fx, a
    # dispatch mode and FakeTensorMode (with the forward outside the mode too)
    xg = x.clone().requires_grad_()
    for pre_dispatch in (False, True):
        traced = make_fx(lambda t: torch.autograd.grad(gt.gelu(t).sum(), t), pre_dispatch=pre_dispatch)(xg)
        assert "gelu.gelu" in traced.code and "gelu.gelu_backward" in traced.code
        assert torch.equal(traced(xg)[0], torch.ops.gelu.gelu_backward(torch.ones(3), x, "none"))
    with Ops() as ops:
        gt.gelu(xg).sum().backward()
    assert any("gelu.gelu_backward" in name for name in ops.seen)
    y = gt.gelu(xg)
    with Ops() as ops:
        y.sum().backward()
    assert any("gelu.gelu_backward" in name for name in ops.seen)
    with FakeTensorMode(allow_non_fake_inputs=True):
        y = gt.gelu(xg)
    assert isinstance(y, FakeTensor)
    with Calls() as calls:
        gt.gelu(x)
    assert calls.seen[0] is gt.gelu   # not a property read first


def test_non_tensor_names_input():
    with pytest.raises(TypeError, match="input must be a torch.Tensor"):
        gt.gelu([1.0, 2.0])


@pytest.mark.parametrize("bad,exc", [("erf", ValueError), ("tanh ", ValueError),
                                     (None, TypeError), (True, TypeError)])
def test_bad_approximate_is_named(bad, exc):
    with pytest.raises(exc, match="approximate"):
        gt.gelu(torch.zeros(2), approximate=bad)


def test_approximate_is_keyword_only_like_torch():
    with pytest.raises(TypeError):
        gt.gelu(torch.zeros(2), "tanh")


def test_backward_op_checks_its_pair():
    x = torch.zeros(3)
    with pytest.raises(ValueError, match="grad must have the shape"):
        torch.ops.gelu.gelu_backward(torch.zeros(4), x, "none")
    with pytest.raises(TypeError, match="grad must have the dtype"):
        torch.ops.gelu.gelu_backward(torch.zeros(3, dtype=torch.float64), x, "none")
    with pytest.raises(ValueError, match="approximate"):
        torch.ops.gelu.gelu_backward(x, x, "fast")


def test_ufunc_reads_and_writes_tensor_memory_directly(monkeypatch):
    from gelu.torch import _cpu

    seen = []
    real = _cpu.FORWARD["tanh"]

    def spy(x, out):
        seen.append((x.ctypes.data, x.strides, out.ctypes.data))
        return real(x, out=out)

    monkeypatch.setitem(_cpu.FORWARD, "tanh", spy)
    base = torch.randn(6, 8)
    view = base[:, ::2]
    y = gt.gelu(view, approximate="tanh")
    # The ufunc got the tensor's own memory and strides (no copy in), and
    # wrote straight into the returned tensor (no copy out).
    assert seen == [(view.data_ptr(), (32, 8), y.data_ptr())]


def _bits(t):
    return t.contiguous().view({2: torch.int16, 4: torch.int32, 8: torch.int64}[t.dtype.itemsize])


@pytest.mark.parametrize("large", [False, True], ids=["5001", "4MiB"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_contiguous_tensors_take_the_direct_loop_with_the_ufuncs_bits(dtype, large):
    # Contiguous operands go to gelu._ufuncs._apply_contiguous on their data
    # pointers (no NumPy views); a strided copy of the same values goes
    # through the ufunc: the same bits.  From 4 MiB of output the direct
    # loop also asks for huge pages for it, which must change nothing.
    from gelu.torch import _cpu
    gen = torch.Generator().manual_seed(3)
    n = (4 << 20) // dtype.itemsize + 3 if large else 5001
    x = (torch.randn(n, generator=gen, dtype=torch.float64) * 3).to(dtype)
    g = torch.randn(n, generator=gen, dtype=torch.float64).to(dtype)
    x_strided, g_strided = torch.stack([x, x], 1)[:, 0], torch.stack([g, g], 1)[:, 0]
    for variant in ("none", "tanh"):
        direct = _cpu.forward(x, variant)
        assert direct.is_contiguous() and direct.dtype == dtype
        assert torch.equal(_bits(direct), _bits(_cpu.forward(x_strided, variant)))
        assert torch.equal(_bits(_cpu.backward(g, x, variant)), _bits(_cpu.backward(g_strided, x_strided, variant)))
        assert torch.equal(_bits(_cpu.grad2(x, variant)), _bits(_cpu.grad2(x_strided, variant)))


def test_negated_views_are_materialized():
    x = torch.randn(64, dtype=torch.float64)
    assert torch.equal(gt.gelu(torch._neg_view(x)), gt.gelu(-x))
    from gelu.torch import _cpu
    assert torch.equal(_cpu.backward(torch._neg_view(x), x, "tanh"), _cpu.backward(-x, x, "tanh"))


def test_apply_contiguous_rejects_bad_arguments():
    from gelu import _ufuncs
    buf = torch.zeros(4)
    p = buf.data_ptr()
    with pytest.raises(ValueError, match="out of range"):
        _ufuncs._apply_contiguous(8, 1, p, 0, p, 4)         # no function 8
    with pytest.raises(ValueError, match="out of range"):
        _ufuncs._apply_contiguous(0, 4, p, 0, p, 4)         # no loop 4
    with pytest.raises(ValueError, match="out of range"):
        _ufuncs._apply_contiguous(3, 1, p, 0, p, 4)         # backward without g
    with pytest.raises(ValueError, match="out of range"):
        _ufuncs._apply_contiguous(0, 1, p, p, p, -1)
    with pytest.raises(TypeError, match="takes 6 ints"):
        _ufuncs._apply_contiguous(0, 1, p)
    _ufuncs._apply_contiguous(0, 1, 0, 0, 0, 0)             # empty: nothing to touch
