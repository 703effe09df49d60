"""GELU in plain NumPy/SciPy: the readable version of what the kernels compute.

This module mirrors the "manual implementation" on the seed page --
``gelu_exact``, ``gelu_tanh_approx`` and ``gelu_backward`` keep its names and
its shape -- but each formula is rearranged so that it does not fall apart in
the left tail.  The seed's formulas are

    gelu_exact(x)       = 0.5 * x * (1 + erf(x / sqrt(2)))
    gelu_tanh_approx(x) = 0.5 * x * (1 + tanh(u)),  u = sqrt(2/pi)*(x + 0.044715*x**3)
    gelu_backward(x, g) = g * (Phi(x) + x * phi(x)),  Phi(x) = 0.5*(1 + erf(x/sqrt(2)))

and all three add a number close to -1 to 1.  For negative x the sum cancels:
in float32, 0.5*x*(1 + erf(x/sqrt(2))) is 57 % wrong at x = -5.5 and returns
exactly 0 from x ~ -5.55, although the true value stays a normal float32 down to
x ~ -13.2.  In float64 the naive form returns 0 from x ~ -8.37; the true value is
normal down to x ~ -37.5.  The rewrites below never form that sum.

Dtypes.  The seed silently turns float32 input into float64 output (NumPy
promotes float32 * np.sqrt(2.0) to float64).  Here float16 and float32 inputs
give results of the same dtype: the work is done in float64 and rounded once
at the end, which also keeps x**3 from overflowing float16.  Integers and
bools are treated as float64.  Complex, long double and object inputs raise
TypeError.

Accuracy.  This module is a specification, not the product: ``gelu.gelu`` and
friends are the compiled kernels (<= 1 ulp everywhere).  Here float16 and
float32 results are correctly rounded or nearly so, because float64 holds them
with bits to spare.  float64 results are good to a few ulps for the exact
variant, except next to a function's zero (x* = -0.7518 for the derivative,
+-sqrt(2) for the second derivative), where a fixed absolute error of
~1e-16 is many ulps of a tiny result; the tanh variant loses up to ~1.6e3 ulps
where its value nears underflow (x < -15), because a rounded u is amplified by
|2u|.  Where an intermediate (phi, sigma) would underflow before the result,
the result's other factors are applied first (_phi_parts, _sigmas), so the
exact variant stays within a few ulps down to its own underflow.  The kernels remove both; doing so here would hide the formulas, which
are the point of this module.  tests/test_reference.py asserts the bounds.

Special values: GELU(+inf) = +inf, GELU(-inf) = -0 (every naive form gives
-inf * 0 = NaN), GELU(-0) = -0, NaN gives NaN; the derivatives tend to 1 and
-0, the second derivatives to -0.  No floating-point warning is raised for any
input.
"""
from __future__ import annotations

import numpy as np

try:
    from scipy.special import erfc, erfcx
except ModuleNotFoundError as err:   # say what is missing and how to get it
    if err.name not in ("scipy", "scipy.special"):
        raise
    raise ModuleNotFoundError("gelu.reference needs SciPy: pip install scipy (or pip install 'gelu[cli]')",
                              name="scipy") from err

__all__ = [
    "gelu_exact",
    "gelu_tanh_approx",
    "gelu_backward",
    "gelu_tanh_backward",
    "gelu_grad",
    "gelu_tanh_grad",
    "gelu_grad2",
    "gelu_tanh_grad2",
    "UFUNC_TWINS",
]

_SQRT2 = np.sqrt(2.0)
_SQRT_2PI = np.sqrt(2.0 * np.pi)
_SQRT_HALF_PI = np.sqrt(np.pi / 2.0)
_C = np.sqrt(2.0 / np.pi)  # the tanh formula's sqrt(2/pi)
_A = 0.044715  # the tanh formula's cubic coefficient, as published

# Beyond |x| = 40, phi(x) = exp(-x*x/2)/sqrt(2*pi) < 1e-348 is zero in float64,
# so every exact-variant function has reached its limit, and clipping x there
# changes no result; it keeps x*x from overflowing (|x| > 1.3e154) and turns
# +-inf into ordinary numbers.
_PHI_CLIP = 40.0
# Beyond |x| = 30, 2|u| > 1900 and exp(-2|u|) is zero in float64, so
# sigma(2u) is exactly 0 or 1: the same argument for the tanh formula, whose
# x**3 would otherwise overflow from |x| ~ 5.6e102.
_TANH_CLIP = 30.0


# ---------------------------------------------------------------- plumbing


def _work(name: str, value) -> np.ndarray:
    """``value`` as a float64 array, after checking it holds real numbers."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf" or arr.dtype.itemsize > 8:
        raise TypeError(
            f"{name} must be real numbers (float16, float32, float64, int or bool), "
            f"got dtype {arr.dtype}"
        )
    return arr.astype(np.float64)


def _out_dtype(*values) -> np.dtype:
    """The dtype a NumPy ufunc would give, where float16/float32 stay as they are.

    Python ints and floats are "weak" as in NumPy 2 (float32 x with g = 1.0
    stays float32); integer arrays compute as float64.
    """
    weak = (bool, int, float)
    dt = np.result_type(*(v if isinstance(v, weak) else np.asarray(v) for v in values))
    return dt if dt in (np.float16, np.float32) else np.dtype(np.float64)


def _unary(core, x):
    """Run a float64 ``core`` on x and round once to x's dtype (0-d -> scalar)."""
    return core(_work("x", x)).astype(_out_dtype(x))[()]


# ------------------------------------------------------- shared building blocks


def _phi_parts(x):
    """phi(x) = exp(-x*x/2)/sqrt(2*pi) as (c * h) * h, with x*x kept exact.

    A rounded x*x carries a relative error of 2**-53, which exp(-x*x/2) turns
    into an absolute error of x*x/2 * 2**-53 in its exponent: ~350 ulps at
    x = -37.  Dekker's product splits x*x = hi + lo exactly (x is cut into two
    26-bit halves whose products are exact), and exp(-lo/2) = 1 - lo/2 to
    double precision because |lo| < 1e-13; c = (1 - lo/2)/sqrt(2*pi).
    h = exp(-x*x/4) is the square root of the exponential: it stays a normal
    number where phi itself is subnormal (|x| > 37.5), so a factor f of the
    result can be applied first, ((f * c) * h) * h, and only the last product
    rounds into the subnormals, where the result itself does (phi * f rounds
    phi there first and loses its digits: 921 ulps at x = -37.8 for gelu_grad2
    before).  Call only with |x| <= 40.
    """
    hi = x * x
    big = 134217729.0 * x  # 2**27 + 1
    xh = big - (big - x)
    xl = x - xh
    lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl
    return (1.0 - 0.5 * lo) / _SQRT_2PI, np.exp(-0.25 * hi)


def _phi_times(x, f):
    """f * phi(x), rounded into the subnormals once (see _phi_parts)."""
    c, h = _phi_parts(x)
    return ((f * c) * h) * h


def _phi(x):
    """Standard normal density exp(-x*x/2)/sqrt(2*pi) (see _phi_parts)."""
    return _phi_times(x, 1.0)


def _mills(y):
    """Mills ratio M(y) = (1 - Phi(y)) / phi(y) = sqrt(pi/2) * erfcx(y / sqrt(2)), y >= 0.

    M varies slowly (about 1/y), so rounding y/sqrt(2) costs nothing here --
    unlike erfc(y/sqrt(2)) itself, which amplifies that rounding by ~y**2.
    """
    return _SQRT_HALF_PI * erfcx(y / _SQRT2)


def _ncdf_times(x, f):
    """f * Phi(x) without cancellation: erfc for x >= 0, phi(x) * M(-x) for x < 0.

    The seed writes Phi(x) = 0.5 * (1 + erf(x/sqrt(2))).  For x < 0, erf is near
    -1 and the sum cancels.  0.5 * erfc(-x/sqrt(2)) is the same number with no
    subtraction, and is what we use for x >= 0.  For x < 0 we use the equal
    phi(x) * M(-x): it is about 3x more accurate in float64 (erfc of a rounded
    argument loses ~x**2/2 ulps), and SciPy's erfc flushes to 0 below e**-709.78
    (x < -37.68) although GELU stays a subnormal float64 down to x ~ -38.6.
    There f goes in before phi's last rounding (_phi_times).
    """
    neg = x < 0
    a = np.where(neg, -x, 0.0)
    return np.where(neg, _phi_times(x, np.where(neg, f, 0.0) * _mills(a)), f * (0.5 * erfc(-np.where(neg, 0.0, x) / _SQRT2)))


def _sigmas(x):
    """(s, 1 - s, deep, h) with s = sigma(2u) = 0.5 * (1 + tanh u), for the tanh formula.

    u = sqrt(2/pi) * (x + 0.044715 x**3).  1 + tanh(u) cancels for u << 0, like
    1 + erf; sigma(2u) = 1 / (1 + exp(-2u)) is the same number without it.  Both
    s and 1 - s are built from e = exp(-2|u|), the exponential of a non-positive
    number, so nothing overflows (no warnings), neither is formed by a
    subtraction, and a subnormal sigma is computed as e / (1 + e) rather than
    flushed to 0 the way 1 / (1 + exp(-2u)) = 1 / inf would.
    deep marks u < -345, where e < 2**-995 is subnormal or nearly, and s is
    e itself: there a factor f of a result goes in before the last rounding,
    (f * h) * h with h = exp(-|u|), still a normal number (_deep_times), so
    that only the result rounds into the subnormals (f * s rounds s first and
    loses its digits: 9.3e4 ulps for gelu_tanh_grad2 at x = -21.26 before).
    """
    u = _C * (x + _A * x**3)
    e = np.exp(-2.0 * np.abs(u))
    big, small = 1.0 / (1.0 + e), e / (1.0 + e)
    pos = u >= 0
    return np.where(pos, big, small), np.where(pos, small, big), u < -345.0, np.exp(-np.abs(u))


def _deep_times(f, h):
    """f * sigma(2u) where _sigmas marks u deep: (f * h) * h (1 / (1 + e) is 1 there)."""
    return (f * h) * h


def _tanh_du(x):
    """u'(x) = sqrt(2/pi) * (1 + 3*0.044715*x**2)."""
    return _C * (1.0 + 3.0 * _A * x * x)


# --------------------------------------------------------------- the formulas


def _gelu_exact(x):
    # -inf * Phi(-inf) would be -inf * 0 = NaN; the limit is -0.
    finite = np.where(np.isneginf(x), 0.0, x)
    # Phi's argument clipped (see _PHI_CLIP); the factor x too, on the left,
    # where it goes in before phi's last rounding and the result is 0 anyway
    y = _ncdf_times(np.clip(finite, -_PHI_CLIP, _PHI_CLIP), np.maximum(finite, -_PHI_CLIP))
    return np.where(np.isneginf(x), -0.0, y)


def _gelu_grad(x):
    x = np.clip(x, -_PHI_CLIP, _PHI_CLIP)
    neg = x < 0
    # phi(x) * (M(-x) + x) for x < 0: see gelu_grad's docstring.
    left = _phi_times(x, _mills(np.where(neg, -x, 0.0)) + x)
    right = _ncdf_times(np.where(neg, 0.0, x), 1.0) + x * _phi(x)
    return np.where(neg, left, right)


def _gelu_grad2(x):
    x = np.clip(x, -_PHI_CLIP, _PHI_CLIP)
    return _phi_times(x, 2.0 - x * x)


def _gelu_tanh(x):
    xc = np.clip(x, -_TANH_CLIP, _TANH_CLIP)
    s, _, deep, h = _sigmas(xc)
    finite = np.where(np.isneginf(x), 0.0, x)  # -inf * 0 would be NaN
    y = np.where(deep, _deep_times(xc, h), finite * s)
    return np.where(np.isneginf(x), -0.0, y)


def _gelu_tanh_grad(x):
    x = np.clip(x, -_TANH_CLIP, _TANH_CLIP)
    s, t, deep, h = _sigmas(x)
    y = s + 2.0 * x * _tanh_du(x) * s * t
    # deep in the tail s * (1 + 2 x u' t), t = 1 - s = 1 there
    y = np.where(deep, _deep_times(1.0 + 2.0 * x * _tanh_du(x), h), y)
    # At the clip x = -30, s = 0 exactly and y is +0; the limit is reached from below.
    return np.where(y == 0.0, -0.0, y)


def _gelu_tanh_grad2(x):
    x = np.clip(x, -_TANH_CLIP, _TANH_CLIP)
    s, t, deep, h = _sigmas(x)
    du = _tanh_du(x)
    d2u = 6.0 * _A * _C * x
    ds = 2.0 * du * s * t
    d2s = 2.0 * d2u * s * t + 2.0 * du * ds * (t - s)
    y = 2.0 * ds + x * d2s
    # deep in the tail (t = 1, s ~ 0): s * [4 u' + x (2 u'' + 4 u'^2)]
    y = np.where(deep, _deep_times(4.0 * du + x * (2.0 * d2u + 4.0 * du * du), h), y)
    return np.where(y == 0.0, -0.0, y)  # both limits are approached from below


# ------------------------------------------------------------- public API


def gelu_exact(x):
    """Exact GELU, x * Phi(x) = 0.5 * x * erfc(-x / sqrt(2)).

    Why not 0.5 * x * (1 + erf(x / sqrt(2))) as on the seed page: for x < 0,
    erf(x/sqrt(2)) is close to -1 and 1 + erf cancels.  Since 1 + erf(t) =
    erfc(-t), erfc gives the same number without the subtraction (and for
    x < 0 the equal phi(x) * M(-x) is used; see ``_ncdf_times``).  In float32 the
    naive form is 57 % off at x = -5.5 and returns 0 from x ~ -5.55; this one is
    right down to float32's underflow at x ~ -14 (-38.6 for float64).

    x: array_like of float16/float32/float64 (ints as float64); result has x's shape.
    """
    return _unary(_gelu_exact, x)


def gelu_tanh_approx(x):
    """Tanh approximation of GELU (Hendrycks & Gimpel 2016; GPT-2), as x * sigma(2u).

    u = sqrt(2/pi) * (x + 0.044715 x**3).  The seed's 0.5*x*(1 + tanh(u)) has
    the same cancellation as the exact form, since tanh(u) -> -1 for x << 0.
    The identity 0.5 * (1 + tanh u) = sigma(2u) gives the same function with no
    subtraction.  This evaluates the *formula* accurately; it still differs
    from exact GELU (by up to 4.73e-4 at |x| ~ 2.70, and relatively a lot in
    the tail: -2.3e-7 against -1.4e-6 at x = -5).

    x: array_like of float16/float32/float64 (ints as float64); result has x's shape.
    """
    return _unary(_gelu_tanh, x)


def gelu_grad(x):
    """d/dx GELU = Phi(x) + x * phi(x), without cancellation for x < 0.

    For x >= 0 both terms are positive and the sum is safe.  For x < 0 the seed
    computes Phi as 0.5 * (1 + erf) (cancels, see gelu_exact) and then adds
    x * phi(x) of the other sign.  With Phi(x) = phi(x) * M(-x), M the Mills
    ratio,

        Phi(x) + x * phi(x) = phi(x) * (M(-x) + x),

    and the only subtraction left is the one that makes the true zero at
    x* = -0.7517915247, where GELU has its minimum -0.1699712075.
    """
    return _unary(_gelu_grad, x)


def gelu_grad2(x):
    """d^2/dx^2 GELU = phi(x) * (2 - x**2); zero at x = +-sqrt(2).

    Free of the 1 + erf cancellation already.  For float16/float32 input x*x
    is exact in float64, so 2 - x*x is too.  For float64 input within ~1e-8
    of +-sqrt(2), the rounded x*x leaves an absolute error of ~2e-16 in
    2 - x*x, large relative to the tiny true value.
    """
    return _unary(_gelu_grad2, x)


def gelu_tanh_grad(x):
    """d/dx of the tanh formula, through s = sigma(2u) instead of t = tanh(u).

    The textbook form 0.5*(1 + t) + 0.5*x*(1 - t**2)*u' cancels twice for
    x << 0 (1 + t and 1 - t**2).  With 0.5*(1 + t) = s and 1 - t**2 = 4s(1 - s),

        grad = s + 2 * x * u' * s * (1 - s),   u' = sqrt(2/pi) * (1 + 3*0.044715*x**2),

    where 1 - s = sigma(-2u) is computed directly, not subtracted.
    """
    return _unary(_gelu_tanh_grad, x)


def gelu_tanh_grad2(x):
    """d^2/dx^2 of the tanh formula, in the same s = sigma(2u) terms.

    With s' = 2u's(1 - s) and (s(1 - s))' = s'(1 - 2s):
        grad2 = 2s' + x s'',   s'' = 2u''s(1 - s) + 2u's'((1 - s) - s),
        u'' = 6 * 0.044715 * sqrt(2/pi) * x.
    (1 - s) - s cancels only near u = 0, where both are ~0.5 and the difference
    of two nearby floats is exact.
    """
    return _unary(_gelu_tanh_grad2, x)


def _backward(core, x, grad_output):
    dtype = _out_dtype(x, grad_output)
    # The product is formed in float64 and rounded once, like the kernels'.
    y = _work("grad_output", grad_output) * core(_work("x", x))
    return y.astype(dtype)[()]


def gelu_backward(x, grad_output):
    """Backward pass of exact GELU, grad_output * gelu_grad(x), as on the seed page.

    The seed's version computes Phi as 0.5 * (1 + erf(x/sqrt(2))); see
    gelu_grad for the cancellation-free form used here.  The result dtype is
    the common dtype of x and grad_output (float16/float32 kept, others float64).
    """
    return _backward(_gelu_grad, x, grad_output)


def gelu_tanh_backward(x, grad_output):
    """Backward pass of the tanh formula, grad_output * gelu_tanh_grad(x)."""
    return _backward(_gelu_tanh_grad, x, grad_output)


# The ufunc each function here is the readable twin of (same name in ``gelu``).
UFUNC_TWINS = {
    "gelu": gelu_exact,
    "gelu_tanh": gelu_tanh_approx,
    "gelu_grad": gelu_grad,
    "gelu_tanh_grad": gelu_tanh_grad,
    "gelu_grad2": gelu_grad2,
    "gelu_tanh_grad2": gelu_tanh_grad2,
    "gelu_backward": gelu_backward,
    "gelu_tanh_backward": gelu_tanh_backward,
}
