"""Every ufunc has a numpydoc docstring in help(): formula, accuracy,
a runnable example whose printed output is right."""

import doctest
import pydoc
from pathlib import Path

import numpy as np
import pytest

import gelu

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
UFUNCS = [getattr(gelu, name) for name in gelu.__all__]
ids = lambda f: f.__name__  # noqa: E731

# A piece of each function's formula that its docstring must state.
FORMULA = {
    "gelu": "x * Phi(x)",
    "gelu_grad": "Phi(x) + x * phi(x)",
    "gelu_grad2": "phi(x) * (2 - x**2)",
    "gelu_backward": "g * (Phi(x) + x * phi(x))",
    "gelu_tanh": "0.5 * x * (1 + tanh(u))",
    "gelu_tanh_grad": "0.5 * (1 + t) + 0.5 * x * (1 - t**2) * du/dx",
    "gelu_tanh_grad2": "(1 - t**2) * (u' * (1 - x * t * u') + 0.5 * x * u'')",
    "gelu_tanh_backward": "g * gelu_tanh_grad(x)",
}
TANH_U = "u = sqrt(2/pi) * (x + 0.044715 * x**3)"


def test_every_ufunc_has_a_formula_entry():
    assert set(FORMULA) == set(gelu.__all__)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_docstring_sections(f):
    doc = f.__doc__
    assert doc.startswith(f"{f.__name__}(x, ")  # NumPy's signature line
    assert FORMULA[f.__name__] in doc
    if "tanh" in f.__name__:
        assert TANH_U in doc
    for section in ("Parameters\n----------", "Returns\n-------", "Notes\n-----",
                    "See Also\n--------", "Examples\n--------"):
        assert section in doc
    assert "within 1 ulp for every input; see docs/accuracy.md" in doc
    # the figures it quotes are the README's (measured, docs/accuracy.md)
    for figure in ("|x| < 6 (5.5 for the tanh", "0.905 ulp", "0.94 at other g in samples", "0.762 ulp"):
        assert figure in " ".join(doc.split()), figure
        assert figure in " ".join(README.split()), figure
    assert ("g : array_like" in doc) == (f.nin == 2)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_docstring_shows_in_help(f):
    text = pydoc.render_doc(f, renderer=pydoc.plaintext)
    assert FORMULA[f.__name__] in text


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_docstring_example_runs_and_matches(f):
    parser = doctest.DocTestParser()
    test = parser.get_doctest(f.__doc__, {}, f.__name__, None, 0)
    assert len(test.examples) >= 2
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    with np.printoptions(legacy=False):
        result = runner.run(test, out=lambda s: None)
    assert result.failed == 0, f"doctest of {f.__name__} failed"


def test_package_docstring_example_runs():
    test = doctest.DocTestParser().get_doctest(gelu.__doc__, {}, "gelu", None, 0)
    assert test.examples
    assert doctest.DocTestRunner().run(test, out=lambda s: None).failed == 0
