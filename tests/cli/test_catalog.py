"""The activations `gelu plot` draws: each derivative matches its function."""
import numpy as np
import pytest

from gelu.cli._errors import UsageError
from gelu.cli.catalog import ACTIVATIONS, lookup

# Away from ReLU's kink at 0, where the derivatives jump.
X = np.concatenate([np.linspace(-6, -0.05, 60), np.linspace(0.05, 6, 60)])
H = 1e-6


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("order", [1, 2])
def test_derivatives_match_central_differences(name, order):
    act = ACTIVATIONS[name]
    lower, higher = act.derivative(order - 1), act.derivative(order)
    numeric = (lower(X + H) - lower(X - H)) / (2 * H)
    np.testing.assert_allclose(higher(X), numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_no_overflow_warnings_far_out(name):
    x = np.array([-1e30, -800.0, 800.0, 1e30])
    for order in range(3):
        y = ACTIVATIONS[name].derivative(order)(x)
        assert not np.isnan(y).any(), (name, order)


def test_known_values():
    assert ACTIVATIONS["quick_gelu"].f(np.array(1.0)) == pytest.approx(1 / (1 + np.exp(-1.702)))
    assert ACTIVATIONS["softplus"].f(np.array(0.0)) == pytest.approx(np.log(2))
    assert ACTIVATIONS["mish"].f(np.array(1.0)) == pytest.approx(np.tanh(np.log1p(np.e)))
    assert ACTIVATIONS["gelu"].f(np.array(1.0)) == pytest.approx(0.8413447461)


def test_lookup_aliases_and_errors():
    assert lookup("swish") is ACTIVATIONS["silu"]
    assert lookup("GELU") is ACTIVATIONS["gelu"]
    with pytest.raises(UsageError, match="Did you mean 'mish'"):
        lookup("mishh")
