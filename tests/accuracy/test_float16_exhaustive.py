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


UNARY = ["gelu", "gelu_grad", "gelu_grad2", "gelu_tanh", "gelu_tanh_grad", "gelu_tanh_grad2"]


def test_float16_route_gives_the_float64_results_rounded_once():
    # The float16 loops compute in float32 and round once where that is sure
    # to be right, and hand the rest (zeros, subnormals, overflow, NaN,
    # near-ties) to the double kernels: every one of the 65,536 inputs must
    # come out as the float64 ufunc's result rounded to float16, bit for bit
    # (NaNs included).  g avoids odd subnormal values, where g * grad(0) =
    # g/2 is an exact tie and the rounding direction is the kernel's choice.
    import numpy as np

    import gelu

    x = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    x64 = x.astype(np.float64)
    with np.errstate(all="ignore"):
        for name in UNARY:
            f = getattr(gelu, name)
            np.testing.assert_array_equal(f(x).view(np.uint16), f(x64).astype(np.float16).view(np.uint16),
                                          err_msg=name)
        for gv in (0.3, -1.5e-5, 1.0, -2.0, 6e4, 65504.0, 2.0**-14):
            g = np.full_like(x, gv)
            for name in ("gelu_backward", "gelu_tanh_backward"):
                f = getattr(gelu, name)
                np.testing.assert_array_equal(f(x, g).view(np.uint16),
                                              f(x64, g.astype(np.float64)).astype(np.float16).view(np.uint16),
                                              err_msg=f"{name}, g = {gv}")


def test_float16_flags_come_from_the_rounding():
    # Overflow and underflow are reported as NumPy's float16 conversion
    # reports them; the float32 kernels' own flags are not.
    import warnings

    import numpy as np

    import gelu

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gelu.gelu(np.linspace(-3, 3, 4097, dtype=np.float16))     # no flag
    with pytest.warns(RuntimeWarning, match="overflow"):
        gelu.gelu_backward(np.float16(2.0), np.float16(65504.0))
    with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
        gelu.gelu(np.array([-8.0], np.float16))
    # tiny before rounding, rounded up to the smallest normal: still underflow
    with np.errstate(under="raise"), pytest.raises(FloatingPointError, match="underflow"):
        gelu.gelu(np.array([-2.0**-13], np.float16))


def _underflow_expected(d):
    """NumPy's float16 conversion of the exact result d raises underflow
    where d is below 2^-14 in magnitude and not a float16 itself."""
    import numpy as np

    with np.errstate(all="ignore"):
        return (np.abs(d) < 2.0**-14) & (d.astype(np.float16).astype(np.float64) != d)


def test_float16_underflow_flag_per_input():
    # Tiny results (subnormals, zeros, the smallest normal from below) are
    # rounded in the vector loops too: each must still raise underflow
    # exactly where NumPy's conversion of the exact result does.  Every
    # input, alone in a 16-lane array (the vector loop) and in a 1-element
    # one (the scalar tail).  d = 0 from x != 0 (float64 underflow, x below
    # about -38) is left out: there the float64 arithmetic raises it too.
    import numpy as np

    import gelu

    x = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    x = x[np.isfinite(x)]
    cases = [(name, None) for name in UNARY]
    cases += [(name, gv) for name in ("gelu_backward", "gelu_tanh_backward") for gv in (0.3, 6e-8, 0.0)]
    raised = []
    old = np.seterrcall(lambda kind, flag: raised.append(flag))
    try:
        for name, gv in cases:
            f = getattr(gelu, name)
            with np.errstate(all="ignore"):
                d = f(x.astype(np.float64)) if gv is None else f(x.astype(np.float64), np.float64(np.float16(gv)))
            expected = _underflow_expected(d)
            keep = (d != 0) | (x == 0)
            for lanes in (16, 1):
                got = np.zeros(len(x), bool)
                with np.errstate(all="call"):
                    for i, xi in enumerate(x):
                        raised.clear()
                        xs = np.full(lanes, xi)
                        f(xs) if gv is None else f(xs, np.full(lanes, gv, np.float16))
                        got[i] = bool(raised) and bool(raised[0] & 4)   # 4: underflow
                wrong = np.nonzero((got != expected) & keep)[0]
                assert len(wrong) == 0, f"{name} g={gv} lanes={lanes}: x = {x[wrong[:5]]}"
    finally:
        np.seterrcall(old)


def test_float16_underflow_flag_on_mixed_arrays():
    # The flag of a whole call: raised iff some element's result is tiny
    # and inexact, wherever it sits among ordinary ones.
    import numpy as np

    import gelu

    rng = np.random.default_rng(7)
    for trial in range(200):
        n = int(rng.integers(1, 70))
        x = rng.normal(0, 1, n).astype(np.float16)
        if trial % 2:
            x[rng.integers(0, n)] = np.float16(rng.choice([-5.0, -4.5, -6.0, 3e-6, -2.0**-13]))
        with np.errstate(all="ignore"):
            expected = bool(_underflow_expected(gelu.gelu(x.astype(np.float64))).any())
        with np.errstate(under="raise"):
            try:
                gelu.gelu(x)
                got = False
            except FloatingPointError:
                got = True
        assert got == expected, x


def test_float16_backward_at_zero_is_half_of_g():
    # grad(+-0) = 1/2 exactly, so g * grad(+-0) = g/2: exact unless g is an
    # odd multiple of 2^-24, where it is a tie (rounded to even) and NumPy's
    # conversion raises underflow.  Every g below the normal range and a
    # little above it, both signs of x and g.
    import numpy as np

    import gelu

    g = np.arange(1, 0x0800, dtype=np.uint16)
    g = np.concatenate([g, g | 0x8000]).view(np.float16)
    want = (g.astype(np.float64) / 2).astype(np.float16)
    tie = want.astype(np.float64) != g.astype(np.float64) / 2
    for f in (gelu.gelu_backward, gelu.gelu_tanh_backward):
        for x0 in (0.0, -0.0):
            x = np.full(g.shape, x0, np.float16)
            with np.errstate(under="ignore"):
                np.testing.assert_array_equal(f(x, g).view(np.uint16), want.view(np.uint16))
            for lanes in (1, 16):
                for i in range(0, g.size, 37):
                    xs, gs = np.full(lanes, x0, np.float16), np.full(lanes, g[i])
                    with np.errstate(under="raise"):
                        try:
                            f(xs, gs)
                            raised = False
                        except FloatingPointError:
                            raised = True
                    assert raised == tie[i], (f.__name__, x0, g[i])
