"""gelu.reference, the readable NumPy/SciPy twin of the ufuncs, against the oracle.

Tolerances were measured on exactly these points with the python-flint oracle
(gelu.accuracy.oracle) and are asserted with a margin:

  float16, float32, all eight functions: max 0.54 ulp measured; asserted <= 1 ulp.
  float64, where the true value is a normal number and x is more than 0.1 from
  a zero of the function:
    exact variant (gelu, gelu_grad, gelu_grad2, gelu_backward):
      max 8.8 ulp measured; asserted <= 16 ulp.
    tanh variant: a rounded u is amplified by |2u| inside exp(-2|u|), so the
      bound grows with it: max 2.94 * (1 + |2u|) ulp measured (1.48e3 ulp at
      x = -20.3); asserted <= 4 * (1 + |2u|) ulp.
  float64 within 0.1 of a zero: absolute error max 1.4e-16; asserted <= 4e-16.
  float64 subnormal results: absolute error max 112 * 2**-1074 (tanh; 1 for
      the exact variant); asserted <= 2**8 * 2**-1074.  Before phi and sigma
      were split as (f * h) * h (gelu.reference._phi_parts, _sigmas) a review
      found 73496 * 2**-1074 here, zeros on [-38.58, -38.49], and up to 9.3e4
      ulp on normal results next to float64's underflow; the points now go
      there.
"""
import warnings

import numpy as np
import pytest

from gelu import reference as ref



@pytest.fixture(scope="module")
def oracle():
    return pytest.importorskip("gelu.accuracy.oracle", reason="the oracle needs python-flint")


NAMES = list(ref.UFUNC_TWINS)
BINARY = {"gelu_backward", "gelu_tanh_backward"}
ZEROS = {
    "gelu_grad": (-0.7517915247,),
    "gelu_backward": (-0.7517915247,),
    "gelu_grad2": (-2**0.5, 2**0.5),
    "gelu_tanh_grad": (-0.7524614221,),
    "gelu_tanh_backward": (-0.7524614221,),
    "gelu_tanh_grad2": (-1.4185040088, 1.4185040088),
}
X_STAR = -0.7517915247


def points(dtype):
    """~960 inputs: the left tail [-37, -5], down to float64's underflow (the
    exact variant's [-38.7, -37], the tanh variant's [-21.7, -19.5], densely:
    there phi or sigma underflows before the result does), the core, large x,
    and around x*."""
    x = np.concatenate([
        np.linspace(-38.7, -37.0, 171),
        np.linspace(-21.7, -19.5, 221),
        np.linspace(-37.0, -5.0, 321),
        np.linspace(-5.0, 5.0, 201),
        np.geomspace(5.0, 1e6, 31),
        X_STAR + np.linspace(-1e-3, 1e-3, 21),
    ])
    with np.errstate(over="ignore"):
        x = x.astype(dtype)
    return x[np.isfinite(x)]


def call(name, x, g):
    f = ref.UFUNC_TWINS[name]
    return f(x, g) if name in BINARY else f(x)


def grads(x):
    return np.random.default_rng(3).standard_normal(x.size).astype(x.dtype)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_narrow_dtypes_within_one_ulp(oracle, name, dtype):
    x = points(dtype)
    g = grads(x) if name in BINARY else None
    got = call(name, x, g)
    assert got.dtype == dtype
    err = oracle.ulp_errors(name, x, got, g)
    worst = int(np.argmax(err))
    assert err[worst] <= 1.0, f"{name}({x[worst]!r}) is {err[worst]:.3g} ulp off"


@pytest.mark.parametrize("name", NAMES)
def test_float64_within_measured_bounds(oracle, name):
    x = points(np.float64)
    g = grads(x) if name in BINARY else None
    got = call(name, x, g)
    gs = g if g is not None else [None] * x.size
    true = np.array([float(oracle.value(name, xi, None if gi is None else float(gi)))
                     for xi, gi in zip(x, gs)])
    err = oracle.ulp_errors(name, x, got, g)
    abs_err = np.abs(got - true)

    near_zero = np.zeros(x.size, dtype=bool)
    for z in ZEROS.get(name, ()):
        near_zero |= np.abs(x - z) < 0.1
    subnormal = np.abs(true) < np.finfo(np.float64).tiny
    regular = ~near_zero & ~subnormal

    if "tanh" in name:
        two_u = 2.0 * np.abs(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3))
        bound = 4.0 * (1.0 + two_u)
    else:
        bound = np.full(x.size, 16.0)
    bad = regular & (err > bound)
    assert not bad.any(), f"{name}: {err[bad].max():.3g} ulp at x = {x[bad][0]!r}"
    assert abs_err[near_zero & ~subnormal].max(initial=0.0) <= 4e-16
    assert abs_err[subnormal].max(initial=0.0) <= 2.0**8 * 2.0**-1074


def test_tail_is_where_the_seed_formula_fails(oracle):
    """The point of the module: nonzero, accurate results where 1 + erf gives 0."""
    from scipy.special import erf

    x32 = np.float32(-6.0)
    seed32 = np.float32(0.5) * x32 * (np.float32(1) + erf(x32 / np.float32(np.sqrt(2))))
    assert seed32 == 0.0
    assert ref.gelu_exact(x32) == np.float32(-5.9195258e-09)
    x64 = -10.0
    assert 0.5 * x64 * (1.0 + erf(x64 / np.sqrt(2.0))) == 0.0
    assert oracle.ulp_errors("gelu", [x64], [ref.gelu_exact(x64)])[0] <= 1.0


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_limits_and_special_values(dtype):
    x = np.array([-np.inf, np.inf, -0.0, 0.0, np.nan], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow/invalid warning for any input
        for f in (ref.gelu_exact, ref.gelu_tanh_approx):
            y = f(x)
            assert y[0] == 0 and np.signbit(y[0])  # GELU(-inf) = -0, not NaN
            assert y[1] == np.inf
            assert y[2] == 0 and np.signbit(y[2])  # GELU(-0) = -0
            assert y[3] == 0 and not np.signbit(y[3])
            assert np.isnan(y[4])
        for f in (ref.gelu_grad, ref.gelu_tanh_grad):
            y = f(x)
            assert y[0] == 0 and y[1] == 1 and y[2] == 0.5 and np.isnan(y[4])
        for f in (ref.gelu_grad2, ref.gelu_tanh_grad2):
            y = f(x)
            assert y[0] == 0 and y[1] == 0 and np.isnan(y[4])
        for f in (ref.gelu_backward, ref.gelu_tanh_backward):
            y = f(x, dtype(2))
            assert y[0] == 0 and y[1] == 2 and y[2] == 1 and np.isnan(y[4])


@pytest.mark.parametrize("name", NAMES)
def test_huge_finite_inputs_reach_the_limits(name):
    fi = np.finfo(np.float64)
    x = np.array([-fi.max, -1e200, -1e10, 1e10, 1e200, fi.max])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = call(name, x, np.ones_like(x))
    if name in ("gelu", "gelu_tanh"):
        expected = np.where(x < 0, 0.0, x)
    elif "grad2" in name:
        expected = np.zeros_like(x)
    else:
        expected = np.where(x < 0, 0.0, 1.0)
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_dtype_is_kept(name, dtype):
    x = np.linspace(-3, 3, 7, dtype=dtype)
    assert call(name, x, np.ones_like(x)).dtype == dtype


def test_dtype_rules_follow_numpy():
    assert ref.gelu_exact(np.arange(3)).dtype == np.float64  # ints compute as float64
    assert ref.gelu_exact([True, False]).dtype == np.float64
    y = ref.gelu_exact(1.0)
    assert isinstance(y, np.float64) and np.ndim(y) == 0  # scalar in, scalar out
    assert isinstance(ref.gelu_exact(np.float32(1)), np.float32)
    x32 = np.ones(3, dtype=np.float32)
    assert ref.gelu_backward(x32, 1.0).dtype == np.float32  # Python float is weak
    assert ref.gelu_backward(x32, np.ones(3)).dtype == np.float64
    assert ref.gelu_tanh_backward(x32, np.ones(3, dtype=np.float16)).dtype == np.float32


def test_shapes_broadcast_and_inputs_untouched():
    x = np.linspace(-4, 4, 12).reshape(3, 4)
    keep = x.copy()
    g = np.array([1.0, 2.0, 3.0, 4.0])
    assert ref.gelu_exact(x).shape == (3, 4)
    assert ref.gelu_backward(x, g).shape == (3, 4)
    np.testing.assert_allclose(ref.gelu_backward(x, g), g * ref.gelu_grad(x), rtol=1e-15)
    np.testing.assert_array_equal(x, keep)


WIDE = [np.array([1.0], dtype=np.longdouble)] if np.finfo(np.longdouble).nmant > 52 else []


@pytest.mark.parametrize("bad", [np.array([1j]), np.array(["a"]), np.array([object()])] + WIDE)
def test_rejects_non_real_input(bad):
    with pytest.raises(TypeError, match="x must be real numbers"):
        ref.gelu_exact(bad)
    with pytest.raises(TypeError, match="grad_output must be real numbers"):
        ref.gelu_backward(np.ones(1), bad)


def test_key_values_from_the_seed_page():
    assert ref.gelu_exact(0.0) == 0.0
    assert ref.gelu_exact(1.0) == pytest.approx(0.8413447461, abs=1e-10)
    assert ref.gelu_exact(-1.0) == pytest.approx(-0.1586552539, abs=1e-10)
    assert abs(ref.gelu_grad(X_STAR)) < 1e-10
    assert ref.gelu_exact(X_STAR) == pytest.approx(-0.1699712075, abs=1e-10)
    x = np.linspace(0, 6, 60001)
    gap = np.abs(ref.gelu_tanh_approx(x) - ref.gelu_exact(x))
    assert gap.max() == pytest.approx(4.73e-4, abs=5e-6)
    assert x[np.argmax(gap)] == pytest.approx(2.70, abs=0.01)


def test_agrees_with_the_ufuncs_in_float32():
    """Both are within 0.5 ulp of the truth in float32, so they differ by at most 1 ulp."""
    import gelu

    x = np.concatenate([np.linspace(-14, 8, 4001), X_STAR + np.linspace(-1e-3, 1e-3, 201)])
    x = x.astype(np.float32)
    g = grads(x)
    for name, f in ref.UFUNC_TWINS.items():
        ours = getattr(gelu, name)(x, g) if name in BINARY else getattr(gelu, name)(x)
        twin = f(x, g) if name in BINARY else f(x)
        gap = np.abs(ours.astype(np.float64) - twin) / np.spacing(np.abs(twin).astype(np.float32))
        assert gap.max() <= 1.0, name
