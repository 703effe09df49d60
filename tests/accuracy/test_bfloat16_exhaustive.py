"""bfloat16: every one of the 65,536 inputs, all eight functions, against python-flint.

The bfloat16 loops round the float32 kernels' result once more.  Measured:
every result within 0.5 ulp of the true value, except that a true value a
hair above a halfway point between two subnormal bfloat16 numbers (gelu and
gelu_tanh at tiny x, where the float32 result is exactly x/2) rounds to even
instead of up: 0.5 + 2^-52 ulp.  The backward functions are checked at
several multipliers, two of them near bfloat16's largest value, where
g * grad(x) is a normal number far into the left tail.
"""
import pytest

pytest.importorskip("flint")
pytest.importorskip("ml_dtypes")

from gelu.accuracy import exhaustive  # noqa: E402

BOUND = 0.5 + 2.0**-40


@pytest.mark.parametrize("g", [0.3, -1.5e-5, 3e38, -2.5e37])
def test_every_bfloat16_input_within_half_an_ulp(g):
    res = exhaustive.run_bfloat16(g=g)
    assert res.checked == 2**16
    for r in res.functions.values():
        assert r.bad_special == 0, f"{r.name}: wrong value at +-inf or NaN"
        assert r.max_ulp <= BOUND, f"{r.name}({r.worst_x!r}) is {r.max_ulp} ulp off (g = {res.g})"
