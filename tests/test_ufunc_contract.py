"""The NumPy ufunc contract, checked for every gelu ufunc and every dtype.

These tests hold for any implementation of the kernels: they check the glue
(loops, dtypes, layouts, keywords), not accuracy.  Results of different
memory layouts are compared bit for bit against the contiguous result.
"""

import copy
import pickle

import numpy as np
import pytest

import gelu

EXPECTED = {
    "gelu": 1,
    "gelu_grad": 1,
    "gelu_grad2": 1,
    "gelu_backward": 2,
    "gelu_tanh": 1,
    "gelu_tanh_grad": 1,
    "gelu_tanh_grad2": 1,
    "gelu_tanh_backward": 2,
}
UFUNCS = [getattr(gelu, name) for name in gelu.__all__]
BINARY = [f for f in UFUNCS if f.nin == 2]
FLOATS = [np.float16, np.float32, np.float64]
INTS = [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64]

ids = lambda f: f.__name__  # noqa: E731


def sample(dtype, n=301, seed=0):
    """Finite inputs over the interesting range, with both signed zeros."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([np.linspace(-12, 12, n - 41), rng.normal(0, 3, 39), [0.0, -0.0]])
    return x.astype(dtype)


def call(f, *arrays, **kw):
    """Call `f` with its x (and g) taken from `arrays` in order."""
    return f(*arrays[: f.nin], **kw)


def args_for(f, dtype, n=301):
    return [sample(dtype, n, seed=i) for i in range(f.nin)]


def assert_same_bits(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    assert actual.dtype.isnative
    uint = np.dtype(f"u{actual.dtype.itemsize}")
    np.testing.assert_array_equal(
        np.ascontiguousarray(actual).view(uint), np.ascontiguousarray(expected).view(uint)
    )


# --- identity of the public API ---------------------------------------------


def test_public_names_are_exactly_the_eight_ufuncs():
    assert sorted(gelu.__all__) == sorted(EXPECTED)
    for name, nin in EXPECTED.items():
        f = getattr(gelu, name)
        assert isinstance(f, np.ufunc)
        assert f.__name__ == name
        assert (f.nin, f.nout) == (nin, 1)
        assert f.signature is None


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_loops_are_ordered_float16_float32_float64(f):
    # NumPy takes the first loop the input casts to safely: this order is
    # what keeps float32 in -> float32 out.
    if f.nin == 1:
        assert f.types == ["e->e", "f->f", "d->d"]
    else:
        assert f.types == ["ee->e", "ff->f", "dd->d"]


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip_returns_the_same_object(f, protocol):
    assert pickle.loads(pickle.dumps(f, protocol=protocol)) is f
    assert copy.deepcopy(f) is f


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_module_is_the_public_package(f):
    assert f.__module__ == "gelu"


# --- dtypes -----------------------------------------------------------------


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_float_dtype_is_preserved(f, dtype):
    assert call(f, *args_for(f, dtype)).dtype == dtype


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_narrow_loop_computes_the_same_function_as_float64(f, dtype):
    # float16/float32 loops use their own kernel; each result is within
    # 1/2 ulp (plus a hair) of the truth, so it is within 1 ulp of the
    # rounded float64 result.  Catches a loop wired to the wrong kernel.
    # For float16, every finite value.
    if dtype == np.float16:
        x = np.arange(2**16, dtype=np.uint16).view(np.float16)
        x = x[np.isfinite(x)]
    else:
        x = sample(dtype, 4001)
    xs = [x, x[::-1].copy()][: f.nin]
    with np.errstate(over="ignore"):  # g * grad may overflow float16
        narrow = f(*xs)
        wide = f(*(a.astype(np.float64) for a in xs)).astype(dtype)
    assert narrow.dtype == dtype
    np.testing.assert_array_max_ulp(narrow, wide, maxulp=1)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", INTS)
def test_integer_and_bool_input_is_computed_in_float64(f, dtype):
    x = np.array([0, 1, 2, 5], dtype=dtype)
    xs = [x] * f.nin
    out = f(*xs)
    assert out.dtype == np.float64
    assert_same_bits(out, f(*(a.astype(np.float64) for a in xs)))


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_python_scalars_give_float64_scalars(f):
    for value in (1, 1.0, True):
        out = f(*[value] * f.nin)
        assert type(out) is np.float64
        assert_same_bits(out, f(*[np.float64(value)] * f.nin))


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_numpy_scalar_and_0d_input_give_a_scalar_of_that_dtype(f, dtype):
    for value in (dtype(0.5), np.array(0.5, dtype=dtype)):
        out = f(*[value] * f.nin)
        assert isinstance(out, np.generic)
        assert out.dtype == dtype
    out0d = f(*[np.array(0.5, dtype=dtype)] * f.nin, out=np.empty((), dtype))
    assert isinstance(out0d, np.ndarray) and out0d.shape == ()


@pytest.mark.parametrize("f", BINARY, ids=ids)
@pytest.mark.parametrize(
    ("dx", "dg", "expected"),
    [
        (np.float32, np.float16, np.float32),
        (np.float16, np.float64, np.float64),
        (np.float32, np.int8, np.float32),
        (np.float32, np.int64, np.float64),
        (np.float16, np.bool_, np.float16),
    ],
)
def test_binary_dtype_follows_numpy_promotion(f, dx, dg, expected):
    x, g = np.ones(3, dx), np.ones(3, dg)
    assert np.result_type(dx, dg) == expected
    assert f(x, g).dtype == expected
    assert f(g, x).dtype == expected


@pytest.mark.parametrize("f", BINARY, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_python_float_g_keeps_the_dtype_of_x(f, dtype):
    x = sample(dtype)
    out = f(x, 2.0)
    assert out.dtype == dtype
    assert_same_bits(out, f(x, np.full_like(x, 2.0)))


# --- keywords ---------------------------------------------------------------


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_out_is_filled_and_returned(f, dtype):
    xs = args_for(f, dtype)
    out = np.full_like(xs[0], 7)
    res = call(f, *xs, out=out)
    assert res is out
    assert_same_bits(out, call(f, *xs))
    res = call(f, *xs, out=(out,))
    assert res is out


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_out_may_alias_the_input(f, dtype):
    xs = args_for(f, dtype)
    expected = call(f, *xs)
    x0 = xs[0].copy()
    call(f, x0, *xs[1:], out=x0)
    assert_same_bits(x0, expected)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_where_leaves_masked_out_elements_untouched(f, dtype):
    xs = args_for(f, dtype)
    mask = np.arange(xs[0].size) % 3 == 0
    out = np.full_like(xs[0], 7)
    call(f, *xs, out=out, where=mask)
    assert_same_bits(out[mask], call(f, *xs)[mask])
    assert np.all(out[~mask] == 7)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_dtype_keyword_selects_the_loop(f):
    xs = args_for(f, np.float32)
    wide = call(f, *xs, dtype=np.float64)
    assert_same_bits(wide, call(f, *(a.astype(np.float64) for a in xs)))
    xs64 = args_for(f, np.float64)
    narrow = call(f, *xs64, dtype=np.float16)
    assert_same_bits(narrow, call(f, *(a.astype(np.float16) for a in xs64)))


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_casting_keyword_is_enforced(f):
    xs = args_for(f, np.float64)
    out = np.empty(xs[0].shape, np.float32)
    with pytest.raises(TypeError, match="Cannot cast ufunc"):
        call(f, *xs, out=out, casting="safe")
    call(f, *xs, out=out, casting="same_kind")
    assert_same_bits(out, call(f, *xs).astype(np.float32))
    with pytest.raises(TypeError, match="Cannot cast ufunc"):
        call(f, *[a.astype(np.int64) for a in xs], casting="no")


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_out_of_wider_dtype_receives_the_cast_result(f):
    xs = args_for(f, np.float32)
    out = np.empty(xs[0].shape, np.float64)
    call(f, *xs, out=out)
    assert_same_bits(out, call(f, *xs).astype(np.float64))


@pytest.mark.parametrize("f", BINARY, ids=ids)
def test_binary_outer(f):
    x, g = sample(np.float32, 60)[:7], sample(np.float32, 60, seed=1)[:5]
    out = f.outer(x, g)
    assert out.shape == (7, 5) and out.dtype == np.float32
    assert_same_bits(out, f(x[:, None], g[None, :]))


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_at_applies_in_place_at_indices(f):
    a = sample(np.float64, 60)[:10]
    idx = np.array([1, 4, 7])
    expected = a.copy()
    if f.nin == 1:
        expected[idx] = f(a[idx])
        f.at(a, idx)
    else:
        expected[idx] = f(a[idx], 3.0)
        f.at(a, idx, 3.0)
    assert_same_bits(a, expected)


def left_fold(f, a):
    """ufunc.accumulate by definition: r[0] = a[0], r[i] = f(r[i - 1], a[i])."""
    r = [a[0]]
    for v in a[1:]:
        r.append(f(r[-1], v))
    return np.array(r, a.dtype)


@pytest.fixture
def each_isa():
    """Runs the test body once per kernel set (gelu._set_isa), then restores."""
    saved = gelu._get_isa()
    try:
        yield gelu._isa_available()
    finally:
        gelu._set_isa(saved)


# NumPy's reduce passes the accumulator as both x and out with step 0, and
# accumulate passes x one element behind out: each element reads what the
# one before wrote, which the array kernels must not read ahead of.
@pytest.mark.parametrize("f", BINARY, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [3, 40, 2500])
def test_binary_reduce_and_accumulate_are_the_left_fold(f, dtype, n, each_isa):
    a = sample(dtype, n + 41, seed=n)[:n] / 4
    expected = left_fold(f, a)
    for isa in each_isa:
        gelu._set_isa(isa)
        for _ in range(3):   # the same every time: no stale memory read
            assert_same_bits(f.accumulate(a), expected)
        assert_same_bits(np.asarray(f.reduce(a)), expected[-1])


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_interleaved_views_that_share_no_element(f, dtype):
    # x = A[:, 0] into out = A[:, 1] (and back): the same memory range but
    # no common element, which NumPy passes uncopied
    n = 70_001   # large enough to be split across threads
    a = np.stack([sample(dtype, n, seed=5), sample(dtype, n, seed=6)], axis=1)
    for src, dst in ((0, 1), (1, 0)):
        b = a.copy()
        args = (b[:, src],) if f.nin == 1 else (b[:, src], np.float32(0.75).astype(dtype))
        expected = f(*[np.ascontiguousarray(v) for v in args])
        f(*args, out=b[:, dst])
        assert_same_bits(b[:, dst], expected)
        assert_same_bits(b[:, src], a[:, src])


@pytest.mark.parametrize("f", BINARY, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_reduce_along_each_axis(f, dtype):
    a = (sample(dtype, 301, seed=3)[:240] / 4).reshape(12, 20)
    rows = np.array([left_fold(f, r)[-1] for r in a], dtype)
    cols = np.array([left_fold(f, c)[-1] for c in a.T], dtype)
    assert_same_bits(f.reduce(a, axis=1), rows)
    assert_same_bits(f.reduce(a, axis=0), cols)
    assert_same_bits(f.accumulate(a, axis=1)[:, -1], rows)
    assert_same_bits(f.accumulate(a, axis=0)[-1], cols)


@pytest.mark.parametrize("f", [f for f in UFUNCS if f.nin == 1], ids=ids)
def test_unary_has_no_reduce(f):
    with pytest.raises(ValueError, match="only supported for binary functions"):
        f.reduce(np.ones(3))


# --- shapes and layouts -----------------------------------------------------


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4, 2)])
def test_empty_input_gives_empty_output(f, dtype, shape):
    out = call(f, *[np.empty(shape, dtype)] * 2)
    assert out.shape == shape and out.dtype == dtype


@pytest.mark.parametrize("f", BINARY, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_broadcasting(f, dtype):
    x = sample(dtype, 60).reshape(6, 1, 10)
    g = sample(dtype, 60, seed=1)[:4].reshape(1, 4, 1)
    out = f(x, g)
    xb, gb = (np.ascontiguousarray(a) for a in np.broadcast_arrays(x, g))
    assert out.shape == (6, 4, 10)
    assert_same_bits(out, f(xb, gb))
    assert_same_bits(f(x, dtype(3)), f(x, np.full_like(x, 3)))


def misaligned(a):
    """Copy of 1-d `a` whose data starts one byte past an aligned address."""
    buf = np.zeros(a.nbytes + a.itemsize + 1, np.uint8)
    start = 1 if buf.ctypes.data % a.itemsize == 0 else 0
    out = buf[start : start + a.nbytes].view(a.dtype)
    out[...] = a
    assert not out.flags.aligned
    return out


LAYOUTS = {
    "strided": lambda a: np.repeat(a, 3)[::3],
    "negative_stride": lambda a: a[::-1].copy()[::-1],
    "misaligned": misaligned,
    "byteswapped": lambda a: a.astype(a.dtype.newbyteorder()),
    "fortran_2d": lambda a: np.asfortranarray(a[:300].reshape(20, 15)),
    "transposed_strided_2d": lambda a: np.repeat(a[:300], 2).reshape(15, 40)[:, ::2].T,
}

# What each layout must really be, so a test cannot pass on a plain array.
LAYOUT_CHECKS = {
    "strided": lambda v: not v.flags.c_contiguous,
    "negative_stride": lambda v: v.strides[0] < 0,
    "misaligned": lambda v: not v.flags.aligned,
    "byteswapped": lambda v: not v.dtype.isnative,
    "fortran_2d": lambda v: v.flags.f_contiguous and not v.flags.c_contiguous,
    "transposed_strided_2d": lambda v: not (v.flags.c_contiguous or v.flags.f_contiguous),
}


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_gives_same_bits_as_contiguous(f, dtype, layout):
    views = [LAYOUTS[layout](a) for a in args_for(f, dtype)]
    assert all(LAYOUT_CHECKS[layout](v) for v in views)
    before = [np.ascontiguousarray(v).astype(dtype) for v in views]
    out = call(f, *views)
    assert out.dtype == np.dtype(dtype)  # native byte order even for swapped input
    assert_same_bits(out, call(f, *before))
    for v, b in zip(views, before):  # inputs never modified
        assert_same_bits(np.ascontiguousarray(v).astype(dtype), b)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("layout", ["strided", "negative_stride", "misaligned", "byteswapped"])
def test_out_with_layout(f, dtype, layout):
    xs = args_for(f, dtype)
    out = LAYOUTS[layout](np.zeros_like(xs[0]))
    res = call(f, *xs, out=out)
    assert res is out
    assert_same_bits(out.astype(dtype), call(f, *xs))


# --- values the glue must pass through --------------------------------------


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_nan_in_gives_nan_out_without_warnings(f, dtype):
    x = sample(dtype, 50)
    for i in range(f.nin):
        xs = [x.copy() for _ in range(f.nin)]
        xs[i][::2] = np.nan
        out = f(*xs)
        assert np.all(np.isnan(out[::2]))


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_inputs_are_never_modified(f, dtype):
    xs = args_for(f, dtype)
    xs[0][:3] = [np.inf, -np.inf, np.nan]
    before = [a.copy() for a in xs]
    call(f, *xs)
    call(f, *xs, out=np.empty_like(xs[0]))
    call(f, *xs, dtype=np.float64)
    for a, b in zip(xs, before):
        assert_same_bits(a, b)
