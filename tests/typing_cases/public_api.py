# Checked by mypy in tests/test_typing.py (never run): the stubs must give
# these exact types.  Python floats/ints and int arrays become float64;
# float16/32/64 keep their type.
from typing import Any, Literal, assert_type

import numpy as np
import numpy.typing as npt

import gelu

f16 = np.zeros(3, dtype=np.float16)
f32 = np.zeros(3, dtype=np.float32)
f64 = np.zeros(3, dtype=np.float64)
i64 = np.zeros(3, dtype=np.int64)
out32: npt.NDArray[np.float32] = np.empty(3, dtype=np.float32)

assert_type(gelu.gelu(1.0), np.float64)
assert_type(gelu.gelu(1), np.float64)
assert_type(gelu.gelu(np.float32(1.0)), np.float32)
assert_type(gelu.gelu_tanh(f16), npt.NDArray[np.float16])
assert_type(gelu.gelu_grad(f32), npt.NDArray[np.float32])
assert_type(gelu.gelu_grad2(f64), npt.NDArray[np.float64])
assert_type(gelu.gelu_tanh_grad(i64), npt.NDArray[np.float64])
assert_type(gelu.gelu_tanh_grad2(f32, out=out32), npt.NDArray[np.float32])
assert_type(gelu.gelu([1.0, 2.0]), Any)
assert_type(gelu.gelu_backward(f32, f32), npt.NDArray[np.float32])
assert_type(gelu.gelu_backward(f32, 2.0), npt.NDArray[np.float32])
assert_type(gelu.gelu_tanh_backward(np.float64(1.0), 2.0), np.float64)
assert_type(gelu.gelu_tanh_backward(f32, f32, out=out32), npt.NDArray[np.float32])
assert_type(gelu.gelu.nin, Literal[1])
assert_type(gelu.gelu_backward.nin, Literal[2])
assert_type(gelu.__version__, str)

ufunc: np.ufunc = gelu.gelu_backward  # still a numpy.ufunc to type checkers
all_names: list[str] = gelu.__all__
