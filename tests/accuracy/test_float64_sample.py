"""Float64: a stratified, adversarial sample against the python-flint oracle.

The documented figures come from ``python -m gelu.accuracy.sweep`` with
10**6 points (docs/accuracy.md); CI runs the same point generator smaller.
"""
import numpy as np
import pytest

pytest.importorskip("flint")

import gelu  # noqa: E402
from gelu.accuracy import sweep  # noqa: E402

# double-double with a pre-rounding error < 2^-57 (tools/gen_coefficients.py):
# the rounded result is within 0.5 + 2^-4 ulp, in practice 0.5 + 2^-15.
BOUND = 0.5 + 2.0**-4
# Every function uses the double table kernels (f64_table.h) for |x| < 4:
# a priori < 1 ulp, measured <= 0.762 (docs/accuracy.md).
F64_TABLE_BOUND = 0.85
TABLE_FUNCTIONS = ("gelu", "gelu_grad", "gelu_grad2", "gelu_backward",
                   "gelu_tanh", "gelu_tanh_grad", "gelu_tanh_grad2", "gelu_tanh_backward")
BOUNDS = {name: F64_TABLE_BOUND for name in TABLE_FUNCTIONS}


def test_float64_sweep_within_bound():
    res = sweep.sweep(30000, np.float64, workers=2)
    for name, (m, wx, n) in res.items():
        assert n >= 30000
        assert m <= BOUNDS.get(name, BOUND), f"{name}: {m} ulp at x = {wx!r}"


@pytest.mark.parametrize("name", TABLE_FUNCTIONS)
def test_float64_table_range_dense(name):
    # uniform on the table kernels' range, and around its edges: 2^-900
    # (below it GELU takes the double-double kernels) and +-4; and every
    # double within 300 ulps of the derivatives' zeros, where y - y* is
    # smallest (with y* as a double-double the backward passes reached
    # 1.13 ulp there for some g; y* is three doubles now)
    from gelu.accuracy import oracle
    rng = np.random.default_rng(11)
    edge = sweep._ulp_walk(2.0**-900, 200, np.float64)
    x = np.concatenate([rng.uniform(-4.0, 4.0, 40000), edge, -edge,
                        sweep._ulp_walk(4.0, 200, np.float64), sweep._ulp_walk(-4.0, 200, np.float64),
                        sweep._ulp_walk(sweep.X_GRAD_ZERO, 300, np.float64),
                        sweep._ulp_walk(sweep.X_TANH_GRAD_ZERO, 300, np.float64),
                        sweep._ulp_walk(sweep.SQRT2, 300, np.float64),
                        sweep._ulp_walk(-sweep.X_TANH_GRAD2_ZERO, 300, np.float64)])
    g = None
    if name.endswith("_backward"):   # g over the kernels' whole range, and 0
        g = rng.normal(0, 1, x.size) * 2.0 ** rng.integers(-790, 790, x.size)
        g[::97] = 0.0
    got = getattr(gelu, name)(x) if g is None else getattr(gelu, name)(x, g)
    err = oracle.ulp_errors(name, x, got, g)
    assert err.max() <= F64_TABLE_BOUND, f"{name}: {err.max()} ulp at x = {x[err.argmax()]!r}"


@pytest.mark.parametrize("name", ["gelu_backward", "gelu_tanh_backward"])
def test_float64_backward_zero_g_keeps_the_sign_of_the_product(name):
    # g = +-0 on the table path: g * grad(x), a zero whose sign is g's times
    # grad(x)'s (grad < 0 exactly for x < -y*)
    x = np.array([-3.0, -1.0, -0.76, -0.74, -0.0, 0.0, 0.5, 3.0] * 2)
    g = np.array([0.0] * 8 + [-0.0] * 8)
    got = getattr(gelu, name)(x, g)
    grad_negative = x < -0.7525
    expect_negative = np.signbit(g) ^ grad_negative
    assert np.all(got == 0) and np.array_equal(np.signbit(got), expect_negative)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_points_cover_the_hard_places(dtype):
    x = sweep.points(5000, dtype)
    assert x.dtype == dtype
    fi = np.finfo(dtype)
    assert np.isnan(x).any() and np.isposinf(x).any() and np.isneginf(x).any()
    assert (np.abs(x[np.isfinite(x)]) < fi.tiny).sum() > 10          # subnormal inputs
    assert (np.abs(x - dtype(sweep.X_GRAD_ZERO)) < 1e-3).sum() > 50  # around x*


@pytest.mark.parametrize("g", [1e300, 1.7976931348623157e308, -1e200, 1e42])
@pytest.mark.parametrize("name", ["gelu_backward", "gelu_tanh_backward"])
def test_backward_far_left_tail_with_huge_g(name, g):
    # Beyond the clamps (-40, -22.5), g * grad(x) is still a normal number
    # for huge g; the kernels follow it down to where it underflows.
    pytest.importorskip("flint")
    from gelu.accuracy import oracle

    x = np.concatenate([np.linspace(-60.0, -10.0, 1501), [-np.inf, -1e300]])
    with np.errstate(over="ignore"):
        got = getattr(gelu, name)(x, g)
    err = oracle.ulp_errors(name, x, got, g)
    assert err.max() <= 0.5 + 2.0**-12, f"{name}: {err.max()} ulp at x = {x[err.argmax()]!r}"


def test_sweep_command_uniform_range_and_function_choice(capsys):
    rc = sweep.main(["--points", "4000", "--uniform", "-4", "4", "--functions", "gelu,gelu_tanh"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "4,000 points per function, uniform on [-4, 4]" in out
    rows = [line.split()[0] for line in out.splitlines()[2:]]
    assert rows == ["gelu", "gelu_tanh"]


def test_sweep_command_rejects_unknown_function(capsys):
    with pytest.raises(SystemExit) as e:
        sweep.main(["--functions", "gelu,relu"])
    assert e.value.code == 2
    assert "--functions: unknown relu" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--uniform", "5", "-5"], "LO must be below HI"),
    (["--uniform", "nan", "1"], "must be a finite number"),
    (["--seed", "-1"], "seed must be a whole number >= 0"),
    (["--points", "0"], "must be a whole number >= 1"),
    (["--g-log2", "5", "1"], "--g-log2: LO must be below HI"),
    (["--g-log2", "-2000", "0"], "within [-1100, 1100]"),
])
def test_sweep_command_rejects_bad_values_in_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        sweep.main(argv)
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_sweep_command_g_log2_reaches_the_extremes_of_g(capsys):
    assert sweep.main(["--points", "400", "--functions", "gelu_backward", "--g-log2", "-1074", "-1000"]) == 0
    out = capsys.readouterr().out
    assert "g = +-2^u, u uniform on [-1074, -1000]" in out


def test_sweep_reads_negative_numbers_in_exponent_form(capsys):
    assert sweep.main(["--points", "200", "--uniform", "-4e0", "-1e0", "--functions", "gelu"]) == 0
    assert "uniform on [-4, -1]" in capsys.readouterr().out


def test_exhaustive_command_rejects_bad_values_in_one_line(capsys):
    from gelu.accuracy import exhaustive

    for argv, message in ((["--stride", "0"], "must be a whole number >= 1"), (["--g", "0"], "--g must be a number"),
                          (["--g", "1e-46"], "--g must be a number"), (["--g", "inf"], "finite number")):
        with pytest.raises(SystemExit) as e:
            exhaustive.main(argv)
        assert e.value.code == 2
        assert message in capsys.readouterr().err


def test_float64_zero_results_carry_the_sign_of_the_product():
    # zeros the double-double path makes (|x| >= 4 with g = +-0, underflow,
    # tiny negative x): g * grad(x) has g's sign flipped where grad < 0
    # (x < -y*), GELU(x) has x's, grad2 is negative beyond its zeros
    for isa in gelu._isa_available():
        gelu._set_isa(isa)
        for n in (1, 9, 70):   # the scalar tail, and vector blocks
            ones = np.ones(n)
            for f in (gelu.gelu_backward, gelu.gelu_tanh_backward):
                for x, g, neg in ((-4.0, 0.0, True), (-np.inf, 0.0, True), (4.0, -0.0, True), (4.0, 0.0, False),
                                  (-20.0, 1e-300, True), (-20.0, -1e-300, False), (-2.0**-100, -5e-324, True)):
                    r = f(x * ones, g * ones)
                    assert np.all(r == 0) and np.all(np.signbit(r) == neg), (f.__name__, isa, n, x, g, r)
            for f in (gelu.gelu, gelu.gelu_tanh):
                assert np.all(np.signbit(f(-5e-324 * ones))) and not np.any(np.signbit(f(0.0 * ones)))
            for f in (gelu.gelu_grad2, gelu.gelu_tanh_grad2):
                r = f(-1e200 * ones)
                assert np.all(r == 0) and np.all(np.signbit(r))
    gelu._set_isa("best")


@pytest.mark.parametrize("g", [np.inf, -np.inf, np.nan])
def test_float64_nonfinite_g_raises_no_warning(g):
    x = np.linspace(-3, 3, 70)
    with np.errstate(all="raise"):
        r = gelu.gelu_backward(x, g)
        t = gelu.gelu_tanh_backward(x, g)
    if np.isnan(g):
        assert np.isnan(r).all() and np.isnan(t).all()
    else:
        assert np.array_equal(np.sign(r), np.sign(g) * np.sign(gelu.gelu_grad(x)))
        assert np.isinf(r).all() and np.isinf(t).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, zero", [("gelu_backward", sweep.X_GRAD_ZERO),
                                        ("gelu_tanh_backward", sweep.X_TANH_GRAD_ZERO)])
def test_backward_next_to_the_gradients_zero_with_many_g(dtype, name, zero):
    # the inputs nearest the zero, each with 3000 random g: y - y* is
    # smallest there, and y* held in two parts of the format left up to
    # 1.11 (float32) and 1.13 ulp (float64) for some g
    from gelu.accuracy import oracle
    rng = np.random.default_rng(5)
    x = np.repeat(sweep._ulp_walk(zero, 3, dtype), 3000)
    g = (rng.uniform(1, 2, x.size) * np.sign(rng.uniform(-1, 1, x.size))).astype(dtype)
    err = oracle.ulp_errors(name, x.astype(np.float64), getattr(gelu, name)(x, g), g.astype(np.float64))
    assert err.max() <= 0.75, f"{err.max()} ulp at x = {x[err.argmax()]!r}, g = {g[err.argmax()]!r}"


def _within_on_every_kernel_set(name, x, g, bound):
    """Assert that name(x, g) is within bound ulp of python-flint's value on
    every kernel set (over- and underflow expected, not checked here)."""
    from gelu.accuracy import oracle
    try:
        for isa in gelu._isa_available():
            gelu._set_isa(isa)
            with np.errstate(over="ignore", under="ignore"):
                got = getattr(gelu, name)(x, g)
            err = oracle.ulp_errors(name, x, got, g)
            i = err.argmax()
            assert err[i] <= bound, f"{isa}: {err[i]} ulp at x = {x[i]!r}, g = {g[i]!r}"
    finally:
        gelu._set_isa("best")


@pytest.mark.parametrize("name", ["gelu_backward", "gelu_tanh_backward"])
def test_float64_backward_with_g_beyond_the_tables_range(name):
    # |g| < 2^-800 or > 2^800 takes the double-double kernels at every x.
    # The product with g is formed at g's exponent taken out, so that its
    # low part never falls into the subnormals (it did for |g| below about
    # 2^-969: up to 0.976 ulp) and nothing overflows before the one rounding
    # (a result just below DBL_MAX + ulp/2 came out as inf).
    rng = np.random.default_rng(23)
    x = np.concatenate([sweep.points(3000, np.float64), rng.uniform(-40.0, 12.0, 3000)])
    x = x[np.isfinite(x)]
    tiny = 2.0 ** rng.uniform(-1074, -800, x.size)
    huge = 2.0 ** rng.uniform(800, 1023.999, x.size)
    for g in (tiny * rng.choice([-1, 1], x.size), huge * rng.choice([-1, 1], x.size)):
        _within_on_every_kernel_set(name, x, g, 0.5 + 2.0**-12)


@pytest.mark.parametrize("name, x, g", [("gelu_tanh_backward", 2.636929246906965, 1.74798891810268e308),
                                        ("gelu_backward", 1.0, 1.659436409494907e308)])
def test_float64_backward_just_below_the_overflow_threshold(name, x, g):
    # g grad(x) = DBL_MAX - 0.039 ulp and DBL_MAX + 0.0089 ulp: both round to
    # DBL_MAX, with no overflow (they were inf with an overflow warning)
    from gelu.accuracy import oracle
    for isa in gelu._isa_available():
        gelu._set_isa(isa)
        with np.errstate(all="raise"):
            got = getattr(gelu, name)(np.full(3, x), np.full(3, g))
        assert np.all(got == np.finfo(np.float64).max), isa
        assert oracle.ulp_errors(name, np.full(3, x), got, np.full(3, g)).max() <= 0.5
    gelu._set_isa("best")


@pytest.mark.parametrize("name, grad", [("gelu_backward", "gelu_grad"), ("gelu_tanh_backward", "gelu_tanh_grad")])
def test_float64_backward_just_below_the_smallest_normal(name, grad):
    # g grad(x) within a few subnormal ulps of 2^-1022: the test for a
    # normal result once rounded |p.hi| 2^t, which took p.hi = 2^-1022 - 2^-1075
    # (a tie on the subnormal grid) for 2^-1022 whatever p.lo's sign (up to
    # 0.75 ulp; the review's three cases first)
    rng = np.random.default_rng(31)
    exact = name == "gelu_backward"
    first = (-37.71395483727373, -1.0665054545511192) if exact else (-21.22814463358021, -1.5335063529075075)
    tail = -37.5 if exact else -21.0   # grad(x) still normal
    x = np.concatenate([rng.uniform(-4.0, 4.0, 2000), rng.uniform(tail, -4.0, 2000)])
    target = 2.0**-1022 - 2.0**-1075 * rng.integers(-6, 7, x.size)
    g = target / getattr(gelu, grad)(x) * (1 + rng.uniform(-2**-50, 2**-50, x.size))
    x = np.concatenate([[first[0], -0.4600413061645461], x])
    g = np.concatenate([[first[1], 1.4114721592376914e-307], g])
    _within_on_every_kernel_set(name, x, g, 0.5 + 2.0**-12)


@pytest.mark.parametrize("name", ["gelu_backward", "gelu_tanh_backward"])
def test_oracle_sign_at_infinite_g_in_the_far_tail(name):
    # g * grad(x) for g = +-inf is an infinity of sign(g) sign(grad(x)); the
    # oracle once took grad's sign from its value rounded to a double, -0.0
    # below the double range, and gave the wrong sign there
    from gelu.accuracy import oracle
    for x in (-25.0, -100.0, -3e38, -1.0):   # grad(x) < 0
        assert oracle.value(name, x, np.inf) == -np.inf and oracle.value(name, x, -np.inf) == np.inf
    for x in (2.0, -0.5):                     # grad(x) > 0
        assert oracle.value(name, x, np.inf) == np.inf


def test_float64_subnormal_results_next_to_a_tie_round_by_the_low_part():
    # g grad(x) within 2^-54 of a subnormal ulp of a tie of the subnormal
    # grid: p.hi lies on the tie, and only the sign of the double-double's
    # low part says which way to round (rounding their sum lost it: 0.5 +
    # 2^-54 ulp, a review's cases).  The oracle's float64 error measure
    # cannot see 2^-54 ulp, so the exact subnormal multiple is checked.
    mp = pytest.importorskip("mpmath")

    def true(name, x, g):
        with mp.workprec(300):
            X, G, c = mp.mpf(x), mp.mpf(g), mp.sqrt(2 / mp.pi)
            if name == "gelu_backward":
                return G * (mp.ncdf(X) + X * mp.npdf(X)) / mp.ldexp(1, -1074)
            u = c * (X + mp.mpf("0.044715") * X**3)
            big, small = 1 / (1 + mp.exp(-2 * u)), 1 / (1 + mp.exp(2 * u))
            return G * (big + 2 * X * big * small * c * (1 + 3 * mp.mpf("0.044715") * X**2)) / mp.ldexp(1, -1074)

    cases = [("gelu_backward", -9.135042323682198, -9.057921101676591e-307),
             ("gelu_backward", -30.52029303391391, 1.1348922050155663e-122),
             ("gelu_tanh_backward", -8.33719999076806, -9.873355025426898e-303)]
    try:
        for isa in gelu._isa_available():
            gelu._set_isa(isa)
            for name, x, g in cases:
                units = true(name, x, g)   # in subnormal ulps, 300 bits
                with mp.workprec(300):
                    assert abs(abs(units) - mp.floor(abs(units)) - mp.mpf(0.5)) < mp.mpf(2)**-40   # next to a tie
                    want = float(mp.nint(units)) * 5e-324
                for n in (1, 9):
                    with np.errstate(under="ignore"):
                        got = getattr(gelu, name)(np.full(n, x), np.full(n, g))
                    assert np.all(got == want), (isa, name, n, got[0], want)
    finally:
        gelu._set_isa("best")
