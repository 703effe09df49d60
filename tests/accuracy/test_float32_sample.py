"""Float32: a stratified sample in CI; the full 2**32 check is a command.

``python -m gelu.accuracy.exhaustive`` (or ``gelu verify --exhaustive``)
checks every float32 input; docs/accuracy.md records its result.  Here the
same machinery runs on every 65,521st bit pattern (all binades, both signs,
NaNs and infinities), and the python-flint oracle checks the adversarial
sweep points, which also cross-checks the long double reference.
"""
import numpy as np
import pytest

from gelu.accuracy import exhaustive, sweep

# The kernels round a double that is within 2^-45 of the truth: 0.5 + 2^-21 ulp.
BOUND = 0.5 + 2.0**-20


def test_strided_exhaustive_sample_within_bound():
    res = exhaustive.run(stride=65521)
    assert res.checked == len(range(0, 2**32, 65521))
    for r in res.functions.values():
        assert r.bad_special == 0, f"{r.name}: wrong value at +-inf or NaN"
        assert r.max_ulp <= BOUND, f"{r.name}: {r.max_ulp} ulp at x = {r.worst_x!r}"


def test_adversarial_points_against_flint_oracle():
    pytest.importorskip("flint")
    res = sweep.sweep(12000, np.float32, workers=2)
    for name, (m, wx, n) in res.items():
        assert n >= 12000
        assert m <= BOUND, f"{name}: {m} ulp at x = {wx!r}"
