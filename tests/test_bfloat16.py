"""bfloat16 (ml_dtypes) in and out of every ufunc: the float32 kernels,
rounded once to bfloat16, with the usual ufunc machinery."""
import numpy as np
import pytest

ml_dtypes = pytest.importorskip("ml_dtypes")

import gelu  # noqa: E402

BF16 = np.dtype(ml_dtypes.bfloat16)
UNARY = [gelu.gelu, gelu.gelu_grad, gelu.gelu_grad2, gelu.gelu_tanh, gelu.gelu_tanh_grad, gelu.gelu_tanh_grad2]
BINARY = [gelu.gelu_backward, gelu.gelu_tanh_backward]


def every_bfloat16():
    return np.arange(2**16, dtype=np.uint16).view(BF16)


def rounded_to_bf16_bits(f32):
    """float32 -> bfloat16 bits, to nearest even; NaN stays NaN (quiet)."""
    u = np.asarray(f32, dtype=np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(f32)
    r[nan] = ((u[nan] >> 16) | 0x40).astype(np.uint16)
    return r


def widen(x):
    with np.errstate(invalid="ignore"):  # signalling NaN patterns
        return x.astype(np.float32)


@pytest.mark.parametrize("ufunc", UNARY, ids=lambda u: u.__name__)
def test_unary_is_the_float32_kernel_rounded_once(ufunc):
    x = every_bfloat16()
    with np.errstate(invalid="ignore", over="ignore"):
        y = ufunc(x)
        expected = rounded_to_bf16_bits(ufunc(widen(x)))
    assert y.dtype == BF16
    np.testing.assert_array_equal(y.view(np.uint16), expected)


@pytest.mark.parametrize("ufunc", BINARY, ids=lambda u: u.__name__)
def test_backward_is_the_float32_kernel_rounded_once(ufunc):
    x = every_bfloat16()
    g = np.random.default_rng(0).standard_normal(x.size).astype(BF16)
    with np.errstate(invalid="ignore", over="ignore"):
        y = ufunc(x, g)
        expected = rounded_to_bf16_bits(ufunc(widen(x), widen(g)))
    assert y.dtype == BF16
    np.testing.assert_array_equal(y.view(np.uint16), expected)


def test_out_where_strides_and_in_place():
    x = np.linspace(-6, 6, 999).astype(BF16)
    expected = gelu.gelu(x)
    out = np.full_like(x, 7)
    gelu.gelu(x, out=out, where=x > 0)
    np.testing.assert_array_equal(out[x > 0].view(np.uint16), expected[x > 0].view(np.uint16))
    assert (out[~(x > 0)] == 7).all()
    np.testing.assert_array_equal(gelu.gelu(x[::3]).view(np.uint16), expected[::3].view(np.uint16))
    y = x.copy()
    gelu.gelu(y, out=y)
    np.testing.assert_array_equal(y.view(np.uint16), expected.view(np.uint16))
    b = gelu.gelu_backward(x.reshape(9, 111), np.ones(111, BF16))
    assert b.dtype == BF16 and b.shape == (9, 111)


def test_mixed_with_float32_computes_in_float32():
    x = np.linspace(-3, 3, 7).astype(BF16)
    assert gelu.gelu_backward(x, np.ones(7, np.float32)).dtype == np.float32
