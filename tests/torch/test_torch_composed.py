"""The device-generic path (stock torch ops, used off the CPU), forced on CPU
tensors and compared with gelu's kernels: the same functions, limits and
signs, with the error growth its docstring admits in the far left tail."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
mpmath = pytest.importorskip("mpmath")
special = pytest.importorskip("scipy.special")

import gelu  # noqa: E402
from gelu.torch import _composed  # noqa: E402

KERNELS = {"none": (gelu.gelu, gelu.gelu_backward, gelu.gelu_grad2),
           "tanh": (gelu.gelu_tanh, gelu.gelu_tanh_backward, gelu.gelu_tanh_grad2)}


def composed(kind, x, approximate):
    if kind == "forward":
        return _composed.forward(x, approximate)
    if kind == "grad":
        return _composed.backward(torch.ones_like(x), x, approximate)
    return _composed.grad2(x, approximate)


def kernel(kind, x, approximate):
    f, backward, grad2 = KERNELS[approximate]
    xn = x.numpy()
    if kind == "forward":
        return f(xn)
    if kind == "grad":
        return backward(xn, np.ones_like(xn))
    return grad2(xn)


def oracle(kind, x, approximate):
    """The function at each float of ``x``, from mpmath at 120 bits."""
    out = []
    with mpmath.workprec(120):
        c = 2 * mpmath.sqrt(2 / mpmath.pi)
        a = mpmath.mpf("0.044715")
        for v in x.tolist():
            v = mpmath.mpf(v)
            if approximate == "none":
                cdf, pdf = mpmath.ncdf(v), mpmath.npdf(v)
                y = {"forward": v * cdf, "grad": cdf + v * pdf, "grad2": pdf * (2 - v * v)}[kind]
            else:
                z = c * (v + a * v**3)
                dz, d2z = c * (1 + 3 * a * v * v), c * 6 * a * v
                e = mpmath.exp(-abs(z))
                s, t = (1 / (1 + e), e / (1 + e)) if z >= 0 else (e / (1 + e), 1 / (1 + e))
                st = s * t
                y = {"forward": v * s,
                     "grad": s + v * dz * st,
                     "grad2": st * (2 * dz + v * (d2z + dz * dz * (t - s)))}[kind]
            out.append(float(y))
    return np.array(out)


def allowed_ulps(x, approximate):
    """Error budget of the composed formulas, in ulp of the result.

    Rounding x/sqrt(2) (or x*x inside exp) costs about x**2/2 ulp for exact
    GELU; for the tanh formula the rounding of z = 2u costs about |z| ulp.
    The budget is twice that, plus a few ulp for the operations themselves.
    """
    x = x.astype(np.float64)
    if approximate == "none":
        return 8 + x * x
    z = 2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
    return 8 + 4 * np.abs(z)


def term_scale(kind, x, approximate):
    """Sum of the magnitudes of the terms a derivative adds up.

    Where the terms cancel (at a derivative's zeros) no evaluation in the
    working precision does better than a few eps times this.
    """
    x = x.astype(np.float64)
    if kind == "forward":
        return np.zeros_like(x)
    with np.errstate(over="ignore", under="ignore"):
        if approximate == "none":
            pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
            if kind == "grad":
                return 0.5 * special.erfc(-x / math.sqrt(2)) + np.abs(x) * pdf
            return pdf * (2 + x * x)
        c = 2 * math.sqrt(2 / math.pi)
        z = c * (x + 0.044715 * x**3)
        dz, d2z = c * (1 + 3 * 0.044715 * x * x), c * 6 * 0.044715 * x
        s, st = special.expit(z), special.expit(z) * special.expit(-z)
        if kind == "grad":
            return s + np.abs(x) * dz * st
        return st * (2 * dz + np.abs(x) * (np.abs(d2z) + dz * dz))


def check(got, want, x, approximate, kind):
    spacing = np.spacing(np.abs(want).astype(x.dtype)).astype(np.float64)
    eps = float(np.finfo(x.dtype).eps)
    bound = allowed_ulps(x, approximate) * spacing + 4 * eps * term_scale(kind, x, approximate)
    err = np.abs(got.astype(np.float64) - want)
    worst = np.argmax(err / bound)
    assert err[worst] <= bound[worst], (x[worst], got[worst], want[worst])


@pytest.mark.parametrize("kind", ["forward", "grad", "grad2"])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_float32_composed_matches_kernels(approximate, kind):
    # The float32 kernels work in double: an accurate reference.
    x = torch.linspace(-14.0, 12.0, 20001, dtype=torch.float32)
    check(composed(kind, x, approximate).numpy(), kernel(kind, x, approximate).astype(np.float64),
          x.numpy(), approximate, kind)


@pytest.mark.parametrize("kind", ["forward", "grad", "grad2"])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_float64_composed_matches_mpmath(approximate, kind):
    x = torch.cat([torch.linspace(-39.0, -3.0, 241, dtype=torch.float64),
                   torch.linspace(-3.0, 12.0, 161, dtype=torch.float64)])
    check(composed(kind, x, approximate).numpy(), oracle(kind, x, approximate), x.numpy(),
          approximate, kind)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_composed_limits_match_kernels(dtype, approximate):
    x = torch.tensor([float("inf"), float("-inf"), float("nan"), 0.0, -0.0,
                      1e30, -1e30, 60.0, -60.0], dtype=dtype)
    for kind in ("forward", "grad", "grad2"):
        got = composed(kind, x, approximate).numpy()
        want = kernel(kind, x, approximate)
        np.testing.assert_array_equal(got, want, err_msg=kind)
        finite_zero = (want == 0)
        # Signed zeros: the limits at -inf are -0 for every function.
        if kind != "grad":  # the gradient's sign at a tiny underflow is free
            np.testing.assert_array_equal(np.signbit(got[finite_zero]),
                                          np.signbit(want[finite_zero]), err_msg=kind)


def ordered(t):
    """16-bit floats as integers that count representable steps."""
    bits = t.view(torch.int16).to(torch.int32)
    return torch.where(bits < 0, -(bits & 0x7FFF), bits)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_narrow_dtypes_round_once_from_float32(dtype, approximate):
    x = torch.linspace(-20, 20, 4001).to(dtype)
    got = _composed.forward(x, approximate)
    assert got.dtype == dtype
    cpu = torch.ops.gelu.gelu(x, approximate)  # our kernels
    # Both round a float32-or-better value once: at most one step apart.
    assert (ordered(got) - ordered(cpu)).abs().max() <= 1
    g = torch.full_like(x, 0.5)
    back = _composed.backward(g, x, approximate)
    assert back.dtype == dtype
    want = torch.ops.gelu.gelu_backward(g, x, approximate)
    assert (ordered(back) - ordered(want)).abs().max() <= 1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_cuda_runs_the_composed_formulas(approximate):
    import gelu.torch as gt

    x = torch.linspace(-12, 8, 2001, dtype=torch.float64)
    on_gpu = x.cuda().requires_grad_()
    y = gt.gelu(on_gpu, approximate=approximate)
    assert y.device.type == "cuda"
    # Same formulas; the device's erfc/exp may differ from the CPU's by ulps.
    torch.testing.assert_close(y.cpu(), _composed.forward(x, approximate), rtol=1e-12, atol=0)
    y.sum().backward()
    want = _composed.backward(torch.ones_like(x), x, approximate)
    torch.testing.assert_close(on_gpu.grad.cpu(), want, rtol=1e-12, atol=0)
