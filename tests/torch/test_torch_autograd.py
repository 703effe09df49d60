"""Derivatives: the backward is the fused ufunc, the double backward uses the
second-derivative ufunc, forward mode and torch.func transforms work in
eager mode, and the third derivative refuses loudly."""

import functools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gelu  # noqa: E402
import gelu.torch as gt  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# torch loads its own jit-scripted forward-AD decompositions lazily and they
# warn about torch.jit's deprecation; that warning is torch's, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.*deprecated:DeprecationWarning")

BACKWARD = {"none": gelu.gelu_backward, "tanh": gelu.gelu_tanh_backward}
GRAD2 = {"none": gelu.gelu_grad2, "tanh": gelu.gelu_tanh_grad2}
VARIANTS = ["none", "tanh"]


def points(dtype=torch.float64):
    # Both tails, the gradient's zero near -0.75 and the origin.
    x = torch.tensor([-9.0, -5.5, -3.0, -1.7, -0.7517915, -0.3, 0.0, 0.4, 1.3, 2.7, 6.0],
                     dtype=torch.float64)
    return x.to(dtype)


@pytest.mark.parametrize("approximate", VARIANTS)
def test_gradcheck_and_gradgradcheck(approximate):
    x = points().requires_grad_()
    f = lambda t: gt.gelu(t, approximate=approximate)  # noqa: E731
    assert torch.autograd.gradcheck(f, (x,), check_forward_ad=True)
    assert torch.autograd.gradgradcheck(f, (x,), check_fwd_over_rev=True)


@pytest.mark.parametrize("approximate", VARIANTS)
def test_gradcheck_of_the_bare_operator(approximate):
    # What torch.compile differentiates: the op's registered autograd, in
    # reverse and forward mode (whose tangents used to be dropped).
    x = points().requires_grad_()
    f = lambda t: torch.ops.gelu.gelu(t, approximate)  # noqa: E731
    assert torch.autograd.gradcheck(f, (x,), check_forward_ad=True, check_batched_grad=True,
                                    check_batched_forward_grad=True)
    assert torch.autograd.gradgradcheck(f, (x,), check_fwd_over_rev=True)


@pytest.mark.parametrize("approximate", VARIANTS)
@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64], ids=str)
def test_backward_is_the_fused_ufunc(approximate, dtype):
    x = torch.linspace(-12, 6, 301, dtype=torch.float64).to(dtype).requires_grad_()
    g = torch.linspace(-2, 2, 301, dtype=torch.float64).to(dtype)
    gt.gelu(x, approximate=approximate).backward(g)
    want = BACKWARD[approximate](x.detach().numpy(), g.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), want)


@pytest.mark.parametrize("approximate", VARIANTS)
def test_bfloat16_backward_goes_through_float32(approximate):
    x = torch.linspace(-8, 4, 97).to(torch.bfloat16).requires_grad_()
    g = torch.linspace(-1, 1, 97).to(torch.bfloat16)
    gt.gelu(x, approximate=approximate).backward(g)
    want = torch.from_numpy(BACKWARD[approximate](x.detach().float().numpy(), g.float().numpy()))
    assert x.grad.dtype == torch.bfloat16
    assert torch.equal(x.grad, want.to(torch.bfloat16))


@pytest.mark.parametrize("approximate", VARIANTS)
def test_double_backward_uses_second_derivative(approximate):
    x = points(torch.float32).requires_grad_()
    g = torch.full_like(x, 0.5).requires_grad_()
    (dx,) = torch.autograd.grad(gt.gelu(x, approximate=approximate), x, g, create_graph=True)
    ddx, dg = torch.autograd.grad(dx.sum(), (x, g))
    xn = x.detach().numpy()
    # d(g f'(x))/dx = g f''(x), one rounding after the kernel's.
    np.testing.assert_allclose(ddx.numpy(), 0.5 * GRAD2[approximate](xn), rtol=1e-7, atol=0)
    # d(g f'(x))/dg = f'(x), the fused kernel with g = 1.
    np.testing.assert_array_equal(dg.numpy(), BACKWARD[approximate](xn, np.ones_like(xn)))


@pytest.mark.parametrize("approximate", VARIANTS)
def test_forward_mode_is_the_fused_ufunc(approximate):
    x = points(torch.float32)
    t = torch.linspace(-1, 1, x.numel())
    y, dy = torch.func.jvp(lambda v: gt.gelu(v, approximate=approximate), (x,), (t,))
    assert torch.equal(y, gt.gelu(x, approximate=approximate))
    np.testing.assert_array_equal(dy.numpy(), BACKWARD[approximate](x.numpy(), t.numpy()))

    import torch.autograd.forward_ad as fwad
    with fwad.dual_level():
        out = gt.gelu(fwad.make_dual(x, t), approximate=approximate)
        assert torch.equal(fwad.unpack_dual(out).tangent, dy)


@pytest.mark.parametrize("approximate", VARIANTS)
def test_func_transforms_agree(approximate):
    x = points()
    f = lambda v: gt.gelu(v, approximate=approximate)  # noqa: E731
    grad = BACKWARD[approximate](x.numpy(), np.ones(x.numel()))
    grad2 = GRAD2[approximate](x.numpy())
    np.testing.assert_array_equal(torch.func.vmap(torch.func.grad(f))(x).numpy(), grad)
    np.testing.assert_array_equal(torch.func.jacrev(f)(x).diagonal().numpy(), grad)
    np.testing.assert_array_equal(torch.func.jacfwd(f)(x).diagonal().numpy(), grad)
    hess = torch.func.hessian(lambda v: f(v).sum())(x)
    np.testing.assert_array_equal(hess.diagonal().numpy(), grad2)
    assert torch.count_nonzero(hess - torch.diag(hess.diagonal())) == 0


def test_vmap_of_the_operators_has_a_rule():
    # With a batching rule vmap never falls back (which would warn).
    x = torch.randn(4, 6, dtype=torch.float64)
    g = torch.randn(6, dtype=torch.float64)
    out = torch.func.vmap(lambda v: torch.ops.gelu.gelu_backward(g, v, "tanh"))(x)
    np.testing.assert_array_equal(out.numpy(), gelu.gelu_tanh_backward(x.numpy(), g.numpy()))
    out = torch.func.vmap(lambda v: torch.ops.gelu.gelu_grad2(v, "none"), in_dims=1)(x)
    np.testing.assert_array_equal(out.numpy(), gelu.gelu_grad2(x.numpy()).T)


@pytest.mark.parametrize("approximate", VARIANTS)
def test_third_derivative_raises(approximate):
    x = points().requires_grad_()
    f = lambda v: gt.gelu(v, approximate=approximate)  # noqa: E731
    (d1,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), x, create_graph=True)
    with pytest.raises(NotImplementedError, match="third derivative"):
        torch.autograd.grad(d2.sum(), x)
    with pytest.raises(NotImplementedError, match="third derivative"):
        torch.func.jacfwd(torch.func.jacfwd(torch.func.jacfwd(f)))(x.detach())


def test_gradient_flows_only_where_asked():
    x = torch.randn(5, requires_grad=True)
    y = gt.gelu(x) * 2
    y.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    assert not gt.gelu(torch.randn(3)).requires_grad


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_batched_gradients(approximate):
    # autograd's is_grads_batched hands the backward storage-less batched
    # tensors, contiguous or not: they must take the operator, not the
    # kernel's data-pointer path
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    for go in (torch.eye(5, dtype=torch.float64), torch.randn(5, 5, dtype=torch.float64).t()):
        (ours,) = torch.autograd.grad(gt.gelu(x, approximate=approximate), x, go, is_grads_batched=True)
        (theirs,) = torch.autograd.grad(F.gelu(x, approximate=approximate), x, go, is_grads_batched=True)
        torch.testing.assert_close(ours, theirs)
    f = functools.partial(gt.gelu, approximate=approximate)
    assert torch.autograd.gradcheck(f, (x,), check_batched_grad=True)
    assert torch.autograd.gradgradcheck(f, (x,), check_batched_grad=True)


class _Tagged(torch.Tensor):
    """A tensor subclass: gelu.torch sends it down the general path."""


@pytest.mark.parametrize("approximate", VARIANTS)
def test_lean_training_path_matches_the_general_path(approximate):
    # A plain CPU tensor that requires grad takes the lean autograd.Function;
    # subclasses and forward-mode levels take the general one.  Same values
    # and gradients either way, for contiguous and strided x and g.
    base = torch.linspace(-7, 3, 202, dtype=torch.float32)
    g = torch.linspace(-1, 2, 202, dtype=torch.float32)
    for x, go in ((base, g), (base[::2], g[1::2]), (base.reshape(2, 101).t(), g.reshape(101, 2))):
        lean = x.clone().requires_grad_()
        y = gt.gelu(lean, approximate=approximate)
        assert type(y.grad_fn).__name__.startswith("_GeluPlainCPU")
        y.backward(go)
        tagged = x.clone().as_subclass(_Tagged).requires_grad_()
        y_general = gt.gelu(tagged, approximate=approximate)
        assert not type(y_general.grad_fn).__name__.startswith("_GeluPlainCPU")
        y_general.backward(go)
        assert torch.equal(y.detach(), y_general.detach().as_subclass(torch.Tensor))
        assert torch.equal(lean.grad, tagged.grad.as_subclass(torch.Tensor))
        np.testing.assert_array_equal(lean.grad.numpy(), BACKWARD[approximate](x.numpy(), go.numpy()))


@pytest.mark.parametrize("approximate", VARIANTS)
def test_lean_backward_leaves_the_kernel_call_to_the_general_path(approximate):
    # The lean backward runs the kernel on data pointers only for contiguous,
    # unnegated operands of the forward's dtype and shape.  Negated views, a
    # stride-0 gradient, and an x whose .data was replaced after the forward
    # (no version bump, so autograd lets it through) must not reach it.
    ref = BACKWARD[approximate]
    forward = {"none": gelu.gelu, "tanh": gelu.gelu_tanh}[approximate]
    base = torch.linspace(-7, 3, 100, dtype=torch.float32)
    g = torch.linspace(-1, 2, 100, dtype=torch.float32)
    cases = {
        "negated x": (torch._neg_view(base.clone()).requires_grad_(), g),
        "negated g": (base.clone().requires_grad_(), torch._neg_view(g.clone())),
        "expanded g": (base.clone().requires_grad_(), g[:1].expand(100)),
    }
    for name, (x, go) in cases.items():
        y = gt.gelu(x, approximate=approximate)
        assert type(y.grad_fn).__name__.startswith("_GeluPlainCPU"), name
        np.testing.assert_array_equal(y.detach().numpy(), forward(x.detach().resolve_neg().numpy()), err_msg=name)
        y.backward(go)
        expected = ref(x.detach().resolve_neg().numpy(), go.resolve_neg().contiguous().numpy())
        np.testing.assert_array_equal(x.grad.numpy(), expected, err_msg=name)

    x = base.reshape(10, 10).clone().requires_grad_()
    y = gt.gelu(x, approximate=approximate)
    x.data = base.reshape(10, 10).t().clone().t()   # same values' transpose, strided
    y.backward(g.reshape(10, 10))
    np.testing.assert_array_equal(x.grad.numpy(), ref(x.detach().numpy(), g.reshape(10, 10).numpy()))
    x = base.clone().requires_grad_()
    y = gt.gelu(x, approximate=approximate)
    x.data = base.double()
    with pytest.raises(TypeError, match="dtype"):   # not the float32 loop on float64 memory
        y.backward(g)
    x = base.clone().requires_grad_()
    y = gt.gelu(x, approximate=approximate)
    x.data = base.reshape(10, 10).clone()
    with pytest.raises(ValueError, match="shape"):
        y.backward(g)


@pytest.mark.parametrize("approximate", VARIANTS)
def test_batched_gradients_with_create_graph_stay_in_the_graph(approximate):
    # jacobian(vectorize=True, create_graph=True) and hessian(vectorize=True)
    # batch the incoming gradients themselves; the result must still be
    # differentiable and match the unbatched computation.
    x = points().requires_grad_()
    f = functools.partial(gt.gelu, approximate=approximate)
    jac = torch.autograd.functional.jacobian(f, x, create_graph=True, vectorize=True)
    assert jac.requires_grad
    np.testing.assert_array_equal(jac.detach().diagonal().numpy(),
                                  BACKWARD[approximate](x.detach().numpy(), np.ones(x.numel())))
    hess = torch.autograd.functional.hessian(lambda t: f(t).sum(), x.detach(), vectorize=True)
    np.testing.assert_allclose(hess.diagonal().numpy(), GRAD2[approximate](x.detach().numpy()), rtol=1e-15)


@pytest.mark.parametrize("approximate", VARIANTS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_efficient_zero_tensors_take_the_operator(approximate, dtype):
    # Autograd hands on a gradient known to be zero (sgn's backward, for one)
    # as an "efficient zero tensor", which has no memory (data_ptr() is 0):
    # the direct kernel calls used to raise ValueError from _apply_contiguous
    # on it.  The operator's dispatcher materialises it: F.gelu's results.
    f = functools.partial(gt.gelu, approximate=approximate)
    ref = functools.partial(F.gelu, approximate=approximate)
    x = points(dtype).reshape(1, -1).requires_grad_()
    y = f(x)
    assert type(y.grad_fn).__name__.startswith("_GeluPlainCPU")   # the lean backward sees it
    y.sgn().sum().backward()
    assert torch.equal(x.grad, torch.zeros_like(x))
    (dx,) = torch.autograd.grad(f(x).sgn().sum(), x, create_graph=True)
    assert torch.equal(dx, torch.zeros_like(x))
    assert torch.equal(torch.func.grad(lambda v: f(v).sgn().sum())(x.detach()), torch.zeros_like(x))
    zero = torch._efficientzerotensor(3, 4, dtype=dtype)
    assert zero._is_zerotensor()
    assert torch.equal(f(zero), ref(zero))
    assert torch.equal(f(zero.requires_grad_()), ref(zero))


@pytest.mark.parametrize("approximate", VARIANTS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_derivatives_through_the_operator(approximate, dtype):
    # Every route that reaches the gelu::gelu operator rather than
    # gelu.torch.gelu: a scripted or traced gt.GELU, an exported program,
    # the operator itself.  Their forward-mode tangents used to be dropped
    # (zeros from torch.func.jvp and jacfwd, None from forward_ad), and
    # torch.func.grad refused them with a message about setup_context.
    import torch.autograd.forward_ad as fwad

    x = points(dtype)
    t = torch.linspace(-1, 1, x.numel(), dtype=dtype)
    module = gt.GELU(approximate)
    routes = {
        "script": torch.jit.script(module),
        "trace": torch.jit.trace(module, x),
        "export": torch.export.export(module, (x,)).module(),
        "operator": lambda v: torch.ops.gelu.gelu(v, approximate),
    }
    tangent = BACKWARD[approximate](x.numpy(), t.numpy())
    grad = BACKWARD[approximate](x.numpy(), np.ones_like(x.numpy()))
    # F.gelu's own forward mode, in float64 (in float32 its tanh variant
    # loses the left tail)
    want64 = torch.func.jvp(functools.partial(F.gelu, approximate=approximate),
                            (x.double(),), (t.double(),))[1]
    for name, f in routes.items():
        y, dy = torch.func.jvp(f, (x,), (t,))
        assert torch.equal(y, gt.gelu(x, approximate=approximate)), name
        np.testing.assert_array_equal(dy.numpy(), tangent, err_msg=name)
        torch.testing.assert_close(dy.double(), want64, msg=name)
        np.testing.assert_array_equal(torch.func.jacfwd(f)(x).diagonal().numpy(), grad, err_msg=name)
        with fwad.dual_level():
            out = fwad.unpack_dual(f(fwad.make_dual(x, t))).tangent
            assert out is not None, name
            np.testing.assert_array_equal(out.numpy(), tangent, err_msg=name)
        np.testing.assert_array_equal(torch.func.grad(lambda v: f(v).sum())(x).numpy(), grad, err_msg=name)
        hess = torch.func.hessian(lambda v: f(v).sum())(x)
        np.testing.assert_array_equal(hess.diagonal().numpy(), GRAD2[approximate](x.numpy()), err_msg=name)
        if dtype == torch.float64:
            leaf = x.clone().requires_grad_()
            assert torch.autograd.gradcheck(f, (leaf,), check_forward_ad=True), name
            assert torch.autograd.gradgradcheck(f, (leaf,), check_fwd_over_rev=True), name


@pytest.mark.parametrize("approximate", VARIANTS)
def test_second_derivatives_of_the_operator_through_nested_transforms(approximate):
    # Each level of nested transforms applies the operator's formulas once;
    # the levels below must still see the operator (forward grad mode is
    # off inside a jvp formula, grad modes inside a Function's forward), or
    # the second derivative comes out zero.
    x = points()
    ones = torch.ones_like(x)
    f = lambda v: torch.ops.gelu.gelu(v, approximate)  # noqa: E731
    total = lambda v: f(v).sum()  # noqa: E731
    grad2 = GRAD2[approximate](x.numpy())
    func = torch.func
    second = {
        "jvp(jvp)": func.jvp(lambda v: func.jvp(f, (v,), (ones,))[1], (x,), (ones,))[1],
        "vmap(grad(grad))": func.vmap(func.grad(func.grad(f)))(x),
        "jvp(grad)": func.jvp(func.grad(total), (x,), (ones,))[1],
        "grad(jvp)": func.grad(lambda v: func.jvp(f, (v,), (ones,))[1].sum())(x),
        "jacfwd(jacfwd)": torch.einsum("iii->i", func.jacfwd(func.jacfwd(f))(x)),
        "jacrev(jacrev)": torch.einsum("iii->i", func.jacrev(func.jacrev(f))(x)),
        "hessian": func.hessian(total)(x).diagonal(),
    }
    for name, value in second.items():
        np.testing.assert_array_equal(value.numpy(), grad2, err_msg=name)
    with pytest.raises(NotImplementedError, match="third derivative"):
        func.jacfwd(func.jacfwd(func.jacfwd(f)))(x)
    with pytest.raises(NotImplementedError, match="third derivative"):
        func.vmap(func.grad(func.grad(func.grad(f))))(x)
