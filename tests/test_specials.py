"""Limits, signed zeros and known values that any correct GELU must give.

Only facts that hold exactly (limits, signs, symmetries) or to a tolerance
far looser than the accuracy target are checked here; the accuracy itself
is measured against an mpmath oracle elsewhere.
"""

import numpy as np
import pytest

import gelu

FLOATS = [np.float16, np.float32, np.float64]
VALUES = [gelu.gelu, gelu.gelu_tanh]
GRADS = [gelu.gelu_grad, gelu.gelu_tanh_grad]
GRAD2S = [gelu.gelu_grad2, gelu.gelu_tanh_grad2]
BACKWARDS = [(gelu.gelu_backward, gelu.gelu_grad), (gelu.gelu_tanh_backward, gelu.gelu_tanh_grad)]

ids = lambda f: f.__name__  # noqa: E731


def arr(dtype, *values):
    return np.array(values, dtype=dtype)


@pytest.mark.parametrize("f", VALUES, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_value_limits_and_signed_zeros(f, dtype):
    y = f(arr(dtype, np.inf, -np.inf, -0.0, 0.0))
    assert y[0] == np.inf
    assert y[1] == 0 and np.signbit(y[1]), "f(-inf) must be -0.0"
    assert y[2] == 0 and np.signbit(y[2]), "f(-0.0) must be -0.0"
    assert y[3] == 0 and not np.signbit(y[3]), "f(+0.0) must be +0.0"


@pytest.mark.parametrize("f", GRADS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_grad_limits(f, dtype):
    y = f(arr(dtype, np.inf, -np.inf, 0.0, -0.0))
    assert y[0] == 1
    assert y[1] == 0
    assert y[2] == 0.5 and y[3] == 0.5


@pytest.mark.parametrize("f", GRAD2S, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_grad2_limits(f, dtype):
    y = f(arr(dtype, np.inf, -np.inf))
    assert y[0] == 0 and y[1] == 0


@pytest.mark.parametrize("f", GRAD2S, ids=ids)
def test_grad2_at_zero_is_sqrt_2_over_pi(f):
    # Both variants: phi(0)*2 = sqrt(2/pi), and u'(0) = sqrt(2/pi).
    np.testing.assert_allclose(f(0.0), np.sqrt(2 / np.pi), rtol=1e-15)


@pytest.mark.parametrize("f", GRAD2S, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_grad2_is_even(f, dtype):
    # Two roundings of the same value, each within 1 ulp.
    x = np.linspace(0, 8, 97).astype(dtype)
    np.testing.assert_array_max_ulp(f(x), f(-x), maxulp=2)


@pytest.mark.parametrize(("bw", "grad"), BACKWARDS, ids=["exact", "tanh"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_backward_limits_and_identities(bw, grad, dtype):
    x = arr(dtype, np.inf, -np.inf, 0.0, -2.0, 0.5, 3.0)
    np.testing.assert_array_equal(bw(x, dtype(0)), np.zeros_like(x))
    y = bw(x, dtype(2))
    assert y[0] == 2 and y[1] == 0 and y[2] == 1
    # g * grad(x) rounded once is odd in g under round-to-nearest.
    g = np.linspace(-3, 3, x.size).astype(dtype)
    np.testing.assert_array_equal(bw(x, -g), -bw(x, g))
    # With g = 1 both are roundings of grad(x): at most 1 ulp each.
    xs = np.linspace(-6, 6, 241).astype(dtype)
    np.testing.assert_array_max_ulp(bw(xs, dtype(1)), grad(xs), maxulp=2)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(
    ("x", "expected"),
    [(1.0, 0.8413447460685429), (-1.0, -0.15865525393145707), (0.0, 0.0)],
)
def test_exact_known_values(dtype, x, expected):
    y = gelu.gelu(dtype(x))
    if dtype == np.float64:
        np.testing.assert_allclose(y, expected, rtol=1e-15)
    else:
        np.testing.assert_array_max_ulp(y, dtype(expected), maxulp=1)


def test_grad_vanishes_at_the_minimum():
    # x* = -0.7517915247 (10 digits) is where GELU has its minimum,
    # GELU(x*) = -0.1699712075.
    x_star = -0.7517915247
    assert abs(gelu.gelu_grad(x_star)) < 1e-10
    np.testing.assert_allclose(gelu.gelu(x_star), -0.1699712075, rtol=1e-9)


@pytest.mark.parametrize("f", VALUES, ids=ids)
def test_odd_part_is_x(f):
    # x*Phi(x) - (-x)*Phi(-x) = x, and the same for x*sigma(2u) since
    # sigma(2u(x)) + sigma(2u(-x)) = 1.
    x = np.linspace(0.125, 6, 48)
    np.testing.assert_allclose(f(x) - f(-x), x, rtol=4e-16 * 4)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", ["gelu_backward", "gelu_tanh_backward"])
def test_backward_with_infinite_or_overflowing_g(name, dtype):
    f = getattr(gelu, name)
    x = np.array([2.0, -1.0], dtype=dtype)
    big = np.finfo(dtype).max
    # g = +-inf times a finite nonzero gradient is an infinity of the product's sign
    np.testing.assert_array_equal(f(x, dtype(np.inf)), np.array([np.inf, -np.inf], dtype=dtype))
    with np.errstate(over="ignore"):  # the true product exceeds the largest float: inf is right
        assert f(dtype(2.0), big) == np.inf


def _bf16():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    return ml_dtypes.bfloat16


@pytest.mark.parametrize("f", [getattr(gelu, name) for name in gelu.__all__], ids=ids)
@pytest.mark.parametrize("dtype", FLOATS + ["bfloat16"])
def test_exact_limits_at_infinity_raise_no_flag(f, dtype):
    # The results at +-inf are exact (x, 1, g, or signed zeros): no
    # underflow, as np.exp(-inf) raises none.  Alone, at the start, middle
    # and end of a longer array (other code paths), on every kernel set.
    dtype = _bf16() if dtype == "bfloat16" else dtype
    saved = gelu._get_isa()
    try:
        for isa in gelu._isa_available():
            gelu._set_isa(isa)
            for n, at in ((1, [0]), (37, [0, 18, 36]), (3000, [0, 1500, 2999])):
                for inf in (np.inf, -np.inf):
                    x = np.full(n, 0.5, dtype)
                    x[at] = inf
                    args = [x] if f.nin == 1 else [x, np.full(n, -2.5, dtype)]
                    with np.errstate(all="raise"):
                        y = f(*args)
                    expected = f(*[a[at[0]:at[0] + 1] for a in args])   # the same element alone
                    assert np.array_equal(y[at].astype(np.float64), np.repeat(expected.astype(np.float64), len(at)))
                    assert (np.signbit(y[at].astype(np.float64)) == np.signbit(expected.astype(np.float64))).all()
    finally:
        gelu._set_isa(saved)


@pytest.mark.parametrize("bw", [gelu.gelu_backward, gelu.gelu_tanh_backward], ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_backward_at_minus_infinity_is_g_times_minus_zero_without_a_flag(bw, dtype):
    g = arr(dtype, 1.0, -2.5, 0.0, -0.0, 1e-3, -3e4)
    x = np.full(g.shape, -np.inf, dtype)
    with np.errstate(all="raise"):
        y = bw(x, g)
    expected = g * dtype(-0.0)
    assert (y == 0).all() and (np.signbit(y) == np.signbit(expected)).all()


@pytest.mark.parametrize("bw", [gelu.gelu_backward, gelu.gelu_tanh_backward], ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_backward_at_infinity_with_tiny_g_raises_no_flag(bw, dtype):
    # g grad(+inf) = g and g grad(-inf) = g * -0 are exact for every g,
    # subnormal ones included.
    info = np.finfo(dtype)
    g = arr(dtype, info.smallest_subnormal, -info.smallest_subnormal, info.tiny, -info.tiny * 3)
    for inf in (np.inf, -np.inf):
        with np.errstate(all="raise"):
            y = bw(np.full(g.shape, inf, dtype), g)
        expected = g if inf > 0 else g * dtype(-0.0)
        assert np.array_equal(y, expected) and (np.signbit(y) == np.signbit(expected)).all()


@pytest.mark.parametrize("bw", [gelu.gelu_backward, gelu.gelu_tanh_backward], ids=ids)
def test_float64_backward_flags_follow_the_result(bw):
    # Underflow means a tiny inexact result, as for np.multiply: none for an
    # exact zero (g = 0), a normal result from a tiny g, or the inputs whose
    # result is an infinity or a NaN; raised for a product that rounds to 0.
    huge = np.finfo(np.float64).max
    saved = gelu._get_isa()
    try:
        for isa in gelu._isa_available():
            gelu._set_isa(isa)
            for n in (1, 70):   # the scalar tail and vector blocks
                ones = np.ones(n)
                with np.errstate(all="raise"):
                    zero = bw(np.linspace(-35.0, -4.0, n), 0.0 * ones)
                    normal = bw(1.0 * ones, 1e-300 * ones)
                    inf = bw(-30.0 * ones, np.inf * ones)
                    nan = bw(np.nan * ones, 5e-324 * ones)
                assert np.all(zero == 0) and np.all(np.signbit(zero))
                assert np.all(normal > 1e-300) and np.all(inf == -np.inf) and np.all(np.isnan(nan))
                with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
                    bw(-1000.0 * ones, huge * ones)
                with np.errstate(under="ignore"):
                    r = bw(-1000.0 * ones, huge * ones)
                assert np.all(r == 0) and np.all(np.signbit(r))
    finally:
        gelu._set_isa(saved)
