"""torch.compile: the custom ops trace with no graph break, and compiled
models, torch.func transforms and forward-mode AD give eager's values,
gradients and tangents."""

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


def test_func_transforms_of_gelu_inside_compile():
    # gt.gelu under compile is the operator, which carries its own jvp and
    # vjp formulas: these used to be refused (the operator had none)
    x, t = torch.linspace(-3, 3, 7), torch.linspace(0.5, 1.0, 7)

    def tangent(x, t):
        return torch.func.jvp(gt.gelu, (x,), (t,))[1]

    def gradient(x):
        return torch.func.grad(lambda v: gt.gelu(v).sum())(x)

    for backend in ("eager", "aot_eager"):
        torch._dynamo.reset()
        got = torch.compile(tangent, backend=backend, fullgraph=True)(x, t)
        assert torch.equal(got, torch.ops.gelu.gelu_backward(t, x, "none")), backend
        torch._dynamo.reset()
        got = torch.compile(gradient, backend=backend, fullgraph=True)(x)
        assert torch.equal(got, torch.ops.gelu.gelu_backward(torch.ones_like(x), x, "none")), backend


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


def test_forward_ad_around_compiled_code_keeps_the_tangent_or_fails_loudly():
    # torch.autograd.forward_ad's dual tensors passed into a compiled
    # function: the tangent used to be dropped silently; then, with the
    # operator's own jvp, the inductor backend gave wrong tangents (it
    # writes fused results into the operator's output, which keeps its
    # tangent: a review).  Inside a dual level entered outside the compiled
    # function, gt.gelu takes a graph break and runs eagerly: fullgraph=True
    # fails loudly, and without it the values and tangents are eager's
    # (inductor then drops the tangent of the multiplication, as it does
    # F.gelu's: None, never wrong).
    import torch.autograd.forward_ad as fwad

    x, t = torch.tensor([-1.0, 0.5, 2.0]), torch.ones(3)
    want = 2 * torch.ops.gelu.gelu_backward(t, x, "none")

    def doubled(u):
        return gt.gelu(u) * 2

    for backend in ("eager", "aot_eager", "inductor"):
        torch._dynamo.reset()
        with fwad.dual_level():
            with pytest.raises(Exception, match="disable"):
                torch.compile(doubled, backend=backend, fullgraph=True)(fwad.make_dual(x, t))
        torch._dynamo.reset()
        compiled = torch.compile(doubled, backend=backend)
        assert torch.equal(compiled(x), 2 * gt.gelu(x))   # compiled outside the dual level
        with fwad.dual_level():
            y = compiled(fwad.make_dual(x, t))
            tangent = fwad.unpack_dual(y).tangent
            assert torch.equal(fwad.unpack_dual(y).primal, 2 * gt.gelu(x))
            if backend == "inductor":
                assert tangent is None, backend
            else:
                assert torch.equal(tangent, want), backend
            assert torch.equal(compiled(x), 2 * gt.gelu(x))   # a plain input inside it
    # the bare operator keeps the tangent with fullgraph=True on these two
    # backends (inductor: a documented limitation, _ops.outer_dual_level)
    for backend in ("eager", "aot_eager"):
        torch._dynamo.reset()
        compiled = torch.compile(lambda u: torch.ops.gelu.gelu(u, "none") * 2, backend=backend,
                                 fullgraph=True)
        with fwad.dual_level():
            assert torch.equal(fwad.unpack_dual(compiled(fwad.make_dual(x, t))).tangent, want), backend


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
