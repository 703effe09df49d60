"""Agreement with PyTorch where PyTorch is right, and with a 120-bit mpmath
oracle where PyTorch is wrong (the left tail, float32)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
mpmath = pytest.importorskip("mpmath")

import torch.nn.functional as F  # noqa: E402

import gelu.torch as gt  # noqa: E402

F32_EPS = float(np.finfo(np.float32).eps)


def oracle(x, approximate):
    """GELU at each float of ``x`` from mpmath at 120 bits, as float64."""
    out = []
    with mpmath.workprec(120):
        c = mpmath.sqrt(2 / mpmath.pi)
        a = mpmath.mpf("0.044715")
        for v in x.double().tolist():
            v = mpmath.mpf(v)
            if approximate == "none":
                y = v * mpmath.ncdf(v)
            else:  # 0.5*x*(1 + tanh u) written as x*sigmoid(2u)
                y = v / (1 + mpmath.exp(-2 * c * (v + a * v**3)))
            out.append(float(y))
    return np.array(out)


def ulp_error(y, ref):
    """|y - ref| in units of the float32 spacing at ``ref``."""
    spacing = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    return np.abs(y.double().numpy() - ref) / spacing


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_matches_torch_where_torch_is_accurate(approximate):
    x = torch.linspace(-3, 10, 4001, dtype=torch.float32)
    ours = gt.gelu(x, approximate=approximate)
    theirs = F.gelu(x, approximate=approximate)
    # F.gelu's 1 + erf (or 1 + tanh) loses relative accuracy as x -> -3, but
    # its absolute error stays at float32 rounding of 0.5*|x|*(1 + erf):
    # a few eps times |x| <= 3.
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=4 * F32_EPS, atol=8 * F32_EPS)
    # Where the result is not small PyTorch is within a few ulp: so are we.
    near = x >= -1
    assert ulp_error(theirs[near], ulp_ref := oracle(x[near], approximate)).max() <= 4
    assert ulp_error(ours[near], ulp_ref).max() <= 1


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_left_tail_matches_mpmath_where_torch_fails(approximate):
    x = torch.linspace(-10, -5, 501, dtype=torch.float32)
    ref = oracle(x, approximate)
    assert ulp_error(gt.gelu(x, approximate=approximate), ref).max() <= 1
    # The point of the test: PyTorch's float32 result there is off by
    # millions of ulp (it returns 0 from about x = -6 for exact GELU).
    assert ulp_error(F.gelu(x, approximate=approximate), ref).max() > 1e6


def test_exact_and_tanh_differ_as_documented():
    # The tanh formula is its own function, not exact GELU: largest gap near
    # |x| = 2.70, about 4.7e-4.
    x = torch.linspace(-5, 5, 10001, dtype=torch.float64)
    gap = (gt.gelu(x) - gt.gelu(x, approximate="tanh")).abs()
    assert 4.6e-4 < gap.max().item() < 4.8e-4
    assert abs(abs(x[gap.argmax()].item()) - 2.70) < 0.05
