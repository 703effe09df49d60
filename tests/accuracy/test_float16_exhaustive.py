"""Float16: every one of the 65,536 inputs, all eight functions, correctly rounded.

The claim is <= 0.5 ulp of the true value (python-flint oracle) for every
finite input, and the exact limits for +-inf and NaN.  The backward
functions are checked at several multipliers g, one of which overflows.
"""
import pytest

pytest.importorskip("flint")

from gelu.accuracy import exhaustive  # noqa: E402


@pytest.mark.parametrize("g", [0.3, -1.5e-5, 6e4])
def test_every_float16_input_is_correctly_rounded(g):
    res = exhaustive.run_float16(g=g)
    assert res.checked == 2**16
    for r in res.functions.values():
        assert r.bad_special == 0, f"{r.name}: wrong value at +-inf or NaN"
        assert r.max_ulp <= 0.5, f"{r.name}({r.worst_x!r}) is {r.max_ulp} ulp off (g = {res.g})"
