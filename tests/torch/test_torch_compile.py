"""torch.compile: the custom ops trace with no graph break and compiled
models give eager's values and gradients; transforms that custom ops cannot
support under compile fail loudly instead of returning wrong tangents."""

import pytest

torch = pytest.importorskip("torch")

import gelu.torch as gt  # noqa: E402

# Inductor and forward AD import parts of torch that warn about torch.jit's
# deprecation; those warnings are torch's own.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.*deprecated:DeprecationWarning")


@pytest.fixture(autouse=True)
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(8, 32), gt.GELU("tanh"),
                               torch.nn.Linear(32, 8), gt.GELU("none"))


def run(model, x):
    x = x.clone().requires_grad_()
    y = model(x)
    y.square().sum().backward()
    return y.detach(), x.grad, [p.grad.clone() for p in model.parameters()]


def check_same_as_eager(backend):
    model = mlp()
    x = torch.randn(16, 8) * 3
    want = run(model, x)
    model.zero_grad()
    got = run(torch.compile(model, backend=backend, fullgraph=True), x)
    assert torch.equal(got[0], want[0])
    assert torch.equal(got[1], want[1])
    for a, b in zip(got[2], want[2], strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)  # matmul order may differ


def test_no_graph_break():
    explanation = torch._dynamo.explain(mlp())(torch.randn(4, 8))
    assert explanation.graph_break_count == 0
    assert explanation.graph_count == 1


def test_aot_eager_matches_eager():
    check_same_as_eager("aot_eager")


def test_inductor_matches_eager():
    check_same_as_eager("inductor")


def test_compiled_graphs_call_the_custom_ops():
    from functorch.compile import make_boxed_func
    from torch._dynamo.backends.common import aot_autograd

    graphs = {}

    def keep(kind):
        def compiler(gm, example_inputs):
            graphs[kind] = gm.code
            return make_boxed_func(gm)
        return compiler

    backend = aot_autograd(fw_compiler=keep("forward"), bw_compiler=keep("backward"))
    f = torch.compile(lambda x: gt.gelu(x, approximate="tanh"), backend=backend, fullgraph=True)
    x = torch.linspace(-4, 4, 9, requires_grad=True)
    f(x).sum().backward()
    assert "torch.ops.gelu.gelu.default" in graphs["forward"]
    assert "torch.ops.gelu.gelu_backward.default" in graphs["backward"]
    assert torch.equal(x.grad, torch.ops.gelu.gelu_backward(torch.ones(9), x.detach(), "tanh"))


def test_opcheck_passes_for_every_operator():
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    g = torch.randn(5, dtype=torch.float64, requires_grad=True)
    for approximate in ("none", "tanh"):
        torch.library.opcheck(torch.ops.gelu.gelu.default, (x, approximate))
        torch.library.opcheck(torch.ops.gelu.gelu_backward.default, (g, x, approximate))
        torch.library.opcheck(torch.ops.gelu.gelu_grad2.default, (x.detach(), approximate))


def test_vmap_inside_compile():
    x = torch.randn(3, 5)
    f = torch.compile(torch.func.vmap(lambda v: gt.gelu(v, approximate="tanh")),
                      backend="aot_eager", fullgraph=True)
    assert torch.equal(f(x), gt.gelu(x, approximate="tanh"))


def test_jvp_inside_compile_fails_loudly_or_falls_back():
    def tangent(x, t):
        return torch.func.jvp(gt.gelu, (x,), (t,))[1]

    x, t = torch.linspace(-3, 3, 7), torch.ones(7)
    want = torch.ops.gelu.gelu_backward(t, x, "none")
    with pytest.raises(RuntimeError, match="gelu.torch.gelu inside torch.func"):
        torch.compile(tangent, backend="aot_eager", fullgraph=True)(x, t)
    torch._dynamo.reset()
    # Without fullgraph Dynamo runs the frame eagerly: right values.
    assert torch.equal(torch.compile(tangent, backend="aot_eager")(x, t), want)


def test_the_operator_inside_compiled_func_transforms():
    # The bare operator carries its own jvp and vjp formulas: compiled
    # torch.func.jvp of it used to return zero tangents silently, and
    # torch.func.grad failed on an autograd.Function without setup_context.
    x = torch.linspace(-3, 3, 7, dtype=torch.float64)
    t = torch.linspace(0.5, 1.0, 7, dtype=torch.float64)

    def tangent(x, t):
        return torch.func.jvp(lambda v: torch.ops.gelu.gelu(v, "tanh"), (x,), (t,))[1]

    def gradient(x):
        return torch.func.grad(lambda v: torch.ops.gelu.gelu(v, "tanh").sum())(x)

    compiled = torch.compile(tangent, backend="aot_eager", fullgraph=True)
    assert torch.equal(compiled(x, t), torch.ops.gelu.gelu_backward(t, x, "tanh"))
    compiled = torch.compile(gradient, backend="aot_eager", fullgraph=True)
    assert torch.equal(compiled(x), torch.ops.gelu.gelu_backward(torch.ones_like(x), x, "tanh"))


def test_forward_ad_inside_compile_breaks_the_graph_and_keeps_the_tangent():
    # torch.autograd.forward_ad's dual tensors: the compiled custom op has no
    # forward-mode formula, so its tangent used to be dropped (None) silently;
    # now the call runs eagerly behind a graph break (as F.gelu's tangent
    # comes out with these backends; inductor drops every tangent, F.gelu's
    # too), and fullgraph=True fails on that break
    import torch.autograd.forward_ad as fwad

    def doubled(u):
        return gt.gelu(u) * 2

    x, t = torch.tensor([-1.0, 0.5, 2.0]), torch.ones(3)
    want = 2 * torch.ops.gelu.gelu_backward(t, x, "none")
    with fwad.dual_level():
        with pytest.raises(RuntimeError, match="disable"):
            torch.compile(doubled, backend="eager", fullgraph=True)(fwad.make_dual(x, t))
    for backend in ("eager", "aot_eager"):
        torch._dynamo.reset()
        with fwad.dual_level():
            y = torch.compile(doubled, backend=backend)(fwad.make_dual(x, t))
            assert torch.equal(fwad.unpack_dual(y).tangent, want), backend
    # inside a dual level Dynamo cannot tell a plain input from a dual one:
    # the graph break is taken for both, so plain inputs give F.gelu's values
    # without fullgraph
    torch._dynamo.reset()
    with fwad.dual_level():
        assert torch.equal(torch.compile(doubled, backend="eager")(x), 2 * gt.gelu(x))
    # a graph compiled outside the dual level is not reused inside it
    torch._dynamo.reset()
    compiled = torch.compile(doubled, backend="eager")
    assert torch.equal(compiled(x), 2 * gt.gelu(x))
    with fwad.dual_level():
        assert torch.equal(fwad.unpack_dual(compiled(fwad.make_dual(x, t))).tangent, want)


def test_operator_keeps_the_tangent_where_compiled_code_opens_the_dual_level():
    # Dynamo's graph enters the dual level without forward_ad's Python
    # record of it (torch._functorch.predispatch), and so does a bare
    # torch._C._enter_dual_level: the operator's autograd kernel asked that
    # record and ran without the jvp, so the tangent came out None (a review
    # found it)
    import torch.autograd.forward_ad as fwad

    def tangent(x, t):
        with fwad.dual_level():
            return fwad.unpack_dual(torch.ops.gelu.gelu(fwad.make_dual(x, t), "none")).tangent

    x, t = torch.tensor([-3.0, -0.75, 0.5, 2.0]), torch.ones(4)
    want = torch.ops.gelu.gelu_backward(t, x, "none")
    for backend in ("eager", "aot_eager"):
        torch._dynamo.reset()
        got = torch.compile(tangent, backend=backend, fullgraph=True)(x, t)
        assert got is not None and torch.equal(got, want), backend
    level = torch._C._enter_dual_level()
    try:
        y = torch.ops.gelu.gelu(torch._make_dual(x, t, level=level), "none")
        assert torch.equal(torch._unpack_dual(y, level).tangent, want)
    finally:
        torch._C._exit_dual_level(level=level)


@pytest.mark.parametrize("strict", [False, True])
def test_torch_export_keeps_the_custom_op(strict):
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), gt.GELU("tanh"))
    x = torch.randn(2, 4)
    program = torch.export.export(model, (x,), strict=strict)
    assert "torch.ops.gelu.gelu.default" in str(program.graph_module.code)
    assert torch.equal(program.module()(x), model(x))
