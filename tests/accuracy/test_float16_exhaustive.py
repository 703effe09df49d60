"""Float16: every one of the 65,536 inputs, all eight functions, correctly rounded.

The claim is <= 0.5 ulp of the true value (python-flint oracle) for every
finite input, and the exact limits for +-inf and NaN.
"""
import numpy as np
import pytest

import gelu

oracle = pytest.importorskip("gelu.accuracy.oracle", reason="needs python-flint")

ALL_HALF = np.arange(2**16, dtype=np.uint16).view(np.float16)
# Signalling-NaN patterns raise "invalid" when NumPy widens them, as IEEE
# requires (np.sin does the same); the NaN results are still checked.
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
UNARY = ["gelu", "gelu_grad", "gelu_grad2", "gelu_tanh", "gelu_tanh_grad", "gelu_tanh_grad2"]


@pytest.mark.parametrize("name", UNARY)
def test_every_float16_input_is_correctly_rounded(name):
    got = getattr(gelu, name)(ALL_HALF)
    assert got.dtype == np.float16
    err = oracle.ulp_errors(name, ALL_HALF.astype(np.float64), got)
    worst = int(np.argmax(err))
    assert err[worst] <= 0.5, f"{name}({ALL_HALF[worst]!r}) = {got[worst]!r} is {err[worst]} ulp off"


@pytest.mark.parametrize("name", ["gelu_backward", "gelu_tanh_backward"])
@pytest.mark.parametrize("g", [np.float16(0.3), np.float16(-1.5e-5), np.float16(6e4)])
def test_every_float16_input_backward_is_correctly_rounded(name, g):
    with np.errstate(over="ignore"):  # 6e4 * grad can exceed float16's max: inf is the right answer
        got = getattr(gelu, name)(ALL_HALF, g)
    err = oracle.ulp_errors(name, ALL_HALF.astype(np.float64), got, float(g))
    worst = int(np.argmax(err))
    assert err[worst] <= 0.5, f"{name}({ALL_HALF[worst]!r}, {g!r}) = {got[worst]!r} is {err[worst]} ulp off"
