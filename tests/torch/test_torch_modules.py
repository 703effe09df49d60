"""gt.GELU is a drop-in torch.nn.GELU; gt.ClippedGELU is clip(gelu)."""

import copy
import io
import pickle

import pytest

torch = pytest.importorskip("torch")

import gelu.torch as gt  # noqa: E402


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_module_is_a_drop_in(approximate):
    ours, theirs = gt.GELU(approximate), torch.nn.GELU(approximate)
    assert repr(ours) == repr(theirs) == f"GELU(approximate='{approximate}')"
    assert isinstance(ours, torch.nn.GELU)
    assert list(ours.parameters()) == [] and list(ours.buffers()) == []
    assert ours.state_dict() == theirs.state_dict() == {}
    ours.load_state_dict(theirs.state_dict())  # strict load works both ways
    theirs.load_state_dict(ours.state_dict())
    x = torch.linspace(-4, 4, 33)
    assert torch.equal(ours(x), gt.gelu(x, approximate=approximate))
    torch.testing.assert_close(ours(x), theirs(x), rtol=1e-6, atol=1e-6)


def test_default_is_exact_like_torch():
    assert gt.GELU().approximate == torch.nn.GELU().approximate == "none"


def test_bad_variant_is_refused_at_construction():
    with pytest.raises(ValueError, match="approximate"):
        gt.GELU("fast")
    with pytest.raises(TypeError, match="approximate"):
        gt.GELU(1)


def test_state_dict_of_a_model_is_unchanged_by_the_swap():
    def model(act):
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(3, 4), act, torch.nn.Linear(4, 2))

    a, b = model(torch.nn.GELU("tanh")), model(gt.GELU("tanh"))
    assert a.state_dict().keys() == b.state_dict().keys()
    b.load_state_dict(a.state_dict())


@pytest.mark.parametrize("make", [lambda: gt.GELU("tanh"), lambda: gt.ClippedGELU(-1.0, 2.0)])
def test_modules_copy_and_pickle(make):
    m = make()
    x = torch.linspace(-3, 3, 13)
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert type(clone) is type(m) and repr(clone) == repr(m)
        assert torch.equal(clone(x), m(x))
    buffer = io.BytesIO()
    torch.save(torch.nn.Sequential(m), buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    assert torch.equal(loaded(x), m(x))


def test_clipped_gelu_values_and_repr():
    m = gt.ClippedGELU(-0.1, 2.0)
    x = torch.linspace(-5, 5, 101, dtype=torch.float64)
    assert torch.equal(m(x), torch.clip(gt.gelu(x), -0.1, 2.0))
    assert repr(m) == "ClippedGELU(min=-0.1, max=2.0, approximate='none')"
    assert list(m.parameters()) == [] and m.state_dict() == {}
    assert torch.equal(gt.ClippedGELU(-10, 10, "tanh")(x),
                       torch.clip(gt.gelu(x, approximate="tanh"), -10, 10))


def test_clipped_gelu_checks_its_bounds():
    with pytest.raises(ValueError, match="min must be <= max"):
        gt.ClippedGELU(1.0, -1.0)
    with pytest.raises(TypeError, match="min must be a real number"):
        gt.ClippedGELU("0", 1.0)
    with pytest.raises(TypeError, match="max must be a real number"):
        gt.ClippedGELU(0.0, None)
    with pytest.raises(ValueError, match="approximate"):
        gt.ClippedGELU(0.0, 1.0, "exact")


def test_clipped_gelu_takes_any_real_bound():
    # NumPy's scalars and fractions are real numbers too (they used to be
    # refused as "got float32"); they are kept as Python numbers
    import fractions

    import numpy as np

    m = gt.ClippedGELU(np.float32(-1), fractions.Fraction(3, 2))
    assert (type(m.min), type(m.max)) == (float, float)
    assert repr(m) == "ClippedGELU(min=-1.0, max=1.5, approximate='none')"
    x = torch.linspace(-4, 4, 33)
    assert torch.equal(m(x), torch.clip(gt.gelu(x), -1.0, 1.5))
    m = gt.ClippedGELU(np.int64(-2), 10)
    assert type(m.min) is int and m.min == -2
    for bad in (True, np.bool_(True), 1j, torch.tensor(1.0)):
        with pytest.raises(TypeError, match="min must be a real number"):
            gt.ClippedGELU(bad, 10)


def test_import_gelu_alone_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, gelu; gelu.gelu(1.0); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_docstring_examples_run():
    import doctest

    from gelu.torch import _patch, functional, modules

    for module in (functional, modules, _patch):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, module.__name__


# TorchScript is deprecated in torch 2.13 (it warns), but older models use it.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_torchscript_compiles_the_modules_to_the_operator(approximate, tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), gt.GELU(approximate=approximate),
                                gt.ClippedGELU(-0.1, 0.5, approximate=approximate)).double()
    scripted = torch.jit.script(model)
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    y = scripted(x)
    assert torch.equal(y, model(x))
    (g,) = torch.autograd.grad(y.sum(), x)
    (g_eager,) = torch.autograd.grad(model(x).sum(), x)
    assert torch.equal(g, g_eager)
    path = tmp_path / "model.pt"
    scripted.save(str(path))
    assert torch.equal(torch.jit.load(str(path))(x), y)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_torch_jit_trace_records_the_operator(approximate, tmp_path):
    # The direct kernel call would bypass the tracer; under tracing the
    # modules go through the gelu::gelu operator, which a saved trace replays.
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), gt.GELU(approximate=approximate),
                                gt.ClippedGELU(-0.5, 2.0, approximate=approximate))
    x = torch.randn(4, 3)
    traced = torch.jit.trace(model, x)
    assert "gelu::gelu" in str(traced.inlined_graph)
    path = tmp_path / "traced.pt"
    traced.save(str(path))
    loaded = torch.jit.load(str(path))
    xg = torch.randn(5, 3, requires_grad=True)
    assert torch.equal(loaded(xg), model(xg))
    (g,) = torch.autograd.grad(loaded(xg).sum(), xg)
    (g_eager,) = torch.autograd.grad(model(xg).sum(), xg)
    assert torch.equal(g, g_eager)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_fx_symbolic_trace_records_the_function(approximate):
    # As with F.gelu, a torch.fx proxy is handed to __torch_function__, so a
    # model with gelu.torch modules (a patched model) still traces.
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), gt.GELU(approximate=approximate))
    graph_module = torch.fx.symbolic_trace(model)
    assert any(node.target is gt.gelu for node in graph_module.graph.nodes)
    x = torch.randn(4, 3)
    assert torch.equal(graph_module(x), model(x))

