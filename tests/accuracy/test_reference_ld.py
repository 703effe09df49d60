"""The long double reference of the exhaustive check, checked against python-flint.

The exhaustive float32 verdict is only as good as this reference: its error
must be far below a float32 ulp (2^-24 relative) everywhere float32 results
are nonzero, including at the derivatives' zeros.
"""
import numpy as np
import pytest

flint = pytest.importorskip("flint")

from gelu.accuracy import _exhaustive, exhaustive, oracle, sweep  # noqa: E402


@pytest.mark.parametrize("name", exhaustive.FUNCTION_NAMES)
def test_reference_is_far_more_accurate_than_float32(name):
    x = sweep.points(1500, np.float32, seed=7)
    x = x[np.isfinite(x)].astype(np.float64)
    worst = 0.0
    for xi in x.tolist():
        hi, lo = _exhaustive.reference(name, xi)
        true = oracle.value(name, xi)
        if isinstance(true, float):
            assert hi == true or (hi == 0 and true == 0)
            continue
        ulp32 = oracle.ulp_of(true, np.float32)
        err = float(abs((flint.arb(hi) + flint.arb(lo)) - true) / flint.arb(ulp32))
        worst = max(worst, err)
    assert worst < 2.0**-10, f"reference error {worst} float32 ulp"
