"""Unsupported input gives a clear error, and nothing is written on error."""

import numpy as np
import pytest

import gelu

UFUNCS = [getattr(gelu, name) for name in gelu.__all__]
BINARY = [f for f in UFUNCS if f.nin == 2]
ids = lambda f: f.__name__  # noqa: E731

ACCEPTED = "accepted dtypes are float16, float32 and float64"

BAD = {
    "complex128": np.array([1 + 2j, 0j]),
    "complex64": np.array([1 + 2j, 0j], dtype=np.complex64),
    "object": np.array([1.0, "a"], dtype=object),
    "unicode": np.array(["1.0", "2"]),
    "bytes": np.array([b"1.0", b"2"]),
    "StringDType": np.array(["1.0", "2"], dtype=np.dtypes.StringDType()),
    "longdouble": np.array([1.0, 2.0], dtype=np.longdouble),
    "datetime64": np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[D]"),
    "timedelta64": np.array([1, 2], dtype="timedelta64[s]"),
    "structured": np.zeros(2, dtype=[("a", "f8")]),
}
if np.dtype(np.longdouble) == np.dtype(np.float64):  # e.g. MSVC, some ARM
    del BAD["longdouble"]


def message_pattern(f, arg):
    return rf"^{f.__name__}\(\): argument '{arg}' has unsupported dtype .+; {ACCEPTED}"


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("kind", BAD)
def test_unsupported_dtype_names_function_argument_and_accepted_dtypes(f, kind):
    bad = BAD[kind]
    with pytest.raises(TypeError, match=message_pattern(f, "x")) as info:
        f(*[bad] * f.nin)
    assert "integer and bool inputs are cast to float64" in str(info.value)
    if kind != "StringDType":
        assert str(bad.dtype) in str(info.value)


@pytest.mark.parametrize("f", BINARY, ids=ids)
@pytest.mark.parametrize("kind", BAD)
def test_binary_error_names_the_bad_argument(f, kind):
    good = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match=message_pattern(f, "g")):
        f(good, BAD[kind])
    with pytest.raises(TypeError, match=message_pattern(f, "x")):
        f(BAD[kind], good)
    with pytest.raises(TypeError, match=message_pattern(f, "x")):
        f(BAD[kind], 1.0)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("value", [1j, "1.0", None, object()], ids=["complex", "str", "None", "object"])
def test_unsupported_python_scalars(f, value):
    with pytest.raises(TypeError, match=message_pattern(f, "x")):
        f(*[value] * f.nin)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("kind", ["complex128", "object", "StringDType"])
def test_failed_call_writes_nothing_to_out(f, kind):
    out = np.full(2, 7.0)
    with pytest.raises(TypeError):
        f(*[BAD[kind]] * f.nin, out=out)
    np.testing.assert_array_equal(out, [7.0, 7.0])


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_read_only_out_is_refused_and_left_unchanged(f):
    out = np.full(3, 7.0)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        f(*[np.ones(3)] * f.nin, out=out)
    np.testing.assert_array_equal(out, 7.0)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_integer_out_is_refused_not_silently_truncated(f):
    out = np.full(3, 7, dtype=np.int32)
    with pytest.raises(TypeError, match="Cannot cast ufunc"):
        f(*[np.ones(3)] * f.nin, out=out)
    np.testing.assert_array_equal(out, 7)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_out_of_wrong_shape_is_refused(f):
    with pytest.raises(ValueError):
        f(*[np.ones(3)] * f.nin, out=np.empty(4))


@pytest.mark.parametrize("f", BINARY, ids=ids)
def test_non_broadcastable_shapes_are_refused(f):
    with pytest.raises(ValueError, match="broadcast"):
        f(np.ones(3), np.ones(4))


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_wrong_number_of_arguments(f):
    with pytest.raises(TypeError):
        f(*[np.ones(3)] * (f.nin + 1), np.empty(3))
    with pytest.raises(TypeError):
        f()


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_error_is_not_cached_between_calls(f):
    # NumPy caches successful dispatch; a failure must not poison later
    # calls with good input, nor good calls hide a later failure.
    with pytest.raises(TypeError):
        f(*[BAD["complex128"]] * f.nin)
    assert f(*[np.ones(2)] * f.nin).dtype == np.float64
    with pytest.raises(TypeError):
        f(*[BAD["complex128"]] * f.nin)


@pytest.mark.parametrize("f", BINARY, ids=ids)
@pytest.mark.parametrize("good_dtype", ["bfloat16", "float8_e4m3fn", "int4"])
@pytest.mark.parametrize("kind", ["complex128", "object", "longdouble", "datetime64"])
def test_ml_dtypes_input_is_not_blamed_for_the_other_argument(f, good_dtype, kind):
    # bfloat16 has loops of its own and ml_dtypes' float8 and int4 types cast
    # safely to one: the error must name the argument that has no loop
    ml_dtypes = pytest.importorskip("ml_dtypes")
    if kind not in BAD:
        pytest.skip("long double is double here")
    good = np.ones(2, getattr(ml_dtypes, good_dtype))
    with pytest.raises(TypeError, match=message_pattern(f, "g")) as info:
        f(good, BAD[kind])
    assert "bfloat16 with ml_dtypes" in str(info.value)
    with pytest.raises(TypeError, match=message_pattern(f, "x")):
        f(BAD[kind], good)
