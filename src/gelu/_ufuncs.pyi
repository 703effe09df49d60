# Type stubs of the compiled module gelu._ufuncs.
#
# numpy.ufunc is typed loosely by NumPy; these classes add what holds for
# the gelu ufuncs: a float16/float32/float64 input keeps its dtype,
# integer/bool input gives float64.  They exist only for type checkers.
from types import EllipsisType
from typing import Any, Literal, TypeAlias, TypeVar, final, overload, type_check_only

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

_Float = TypeVar("_Float", np.float16, np.float32, np.float64)
_ArrayT = TypeVar("_ArrayT", bound=np.ndarray[Any, Any])
_IntLike: TypeAlias = int | np.integer[Any] | np.bool
_Where: TypeAlias = bool | NDArray[np.bool] | ArrayLike | None
_Casting: TypeAlias = Literal["no", "equiv", "safe", "same_kind", "unsafe"]
_Order: TypeAlias = Literal["K", "A", "C", "F"]
_Out: TypeAlias = np.ndarray[Any, Any] | tuple[np.ndarray[Any, Any]] | EllipsisType | None

@final
@type_check_only
class _UnaryGeluUFunc(np.ufunc):  # type: ignore[misc]
    @property
    def nin(self) -> Literal[1]: ...
    @property
    def nout(self) -> Literal[1]: ...
    @property
    def nargs(self) -> Literal[2]: ...
    @property
    def ntypes(self) -> Literal[3]: ...
    @property
    def identity(self) -> None: ...
    @property
    def signature(self) -> None: ...
    @overload
    def __call__(
        self,
        x: _Float,
        /,
        out: None = None,
        *,
        where: _Where = True,
        casting: _Casting = "same_kind",
        order: _Order = "K",
        dtype: None = None,
        subok: bool = True,
    ) -> _Float: ...
    @overload
    def __call__(
        self,
        x: float | _IntLike,
        /,
        out: None = None,
        *,
        where: _Where = True,
        casting: _Casting = "same_kind",
        order: _Order = "K",
        dtype: None = None,
        subok: bool = True,
    ) -> np.float64: ...
    @overload
    def __call__(
        self,
        x: NDArray[_Float],
        /,
        out: None = None,
        *,
        where: _Where = True,
        casting: _Casting = "same_kind",
        order: _Order = "K",
        dtype: None = None,
        subok: bool = True,
    ) -> NDArray[_Float]: ...
    @overload
    def __call__(
        self,
        x: NDArray[np.integer[Any] | np.bool],
        /,
        out: None = None,
        *,
        where: _Where = True,
        casting: _Casting = "same_kind",
        order: _Order = "K",
        dtype: None = None,
        subok: bool = True,
    ) -> NDArray[np.float64]: ...
    @overload
    def __call__(
        self,
        x: ArrayLike,
        /,
        out: _ArrayT,
        *,
        where: _Where = True,
        casting: _Casting = "same_kind",
        order: _Order = "K",
        dtype: DTypeLike | None = None,
        subok: bool = True,
    ) -> _ArrayT: ...
    @overload
    def __call__(
        self,
        x: Any,
        /,
        out: _Out = None,
        *,
        where: _Where = True,
        casting: _Casting = "same_kind",
        order: _Order = "K",
        dtype: DTypeLike | None = None,
        subok: bool = True,
        signature: Any = None,
    ) -> Any: ...

@final
@type_check_only
class _BinaryGeluUFunc(np.ufunc):  # type: ignore[misc]
    @property
    def nin(self) -> Literal[2]: ...
    @property
    def nout(self) -> Literal[1]: ...
    @property
    def nargs(self) -> Literal[3]: ...
    @property
    def ntypes(self) -> Literal[3]: ...
    @property
    def identity(self) -> None: ...
    @property
    def signature(self) -> None: ...
    @overload
    def __call__(
        self,
        x: NDArray[_Float],
        g: NDArray[_Float] | float,
        /,
        out: None = None,
        *,
        where: _Where = True,
        casting: _Casting = "same_kind",
        order: _Order = "K",
        dtype: None = None,
        subok: bool = True,
    ) -> NDArray[_Float]: ...
    @overload
    def __call__(
        self,
        x: _Float,
        g: _Float | float,
        /,
        out: None = None,
        *,
        where: _Where = True,
        casting: _Casting = "same_kind",
        order: _Order = "K",
        dtype: None = None,
        subok: bool = True,
    ) -> _Float: ...
    @overload
    def __call__(
        self,
        x: ArrayLike,
        g: ArrayLike,
        /,
        out: _ArrayT,
        *,
        where: _Where = True,
        casting: _Casting = "same_kind",
        order: _Order = "K",
        dtype: DTypeLike | None = None,
        subok: bool = True,
    ) -> _ArrayT: ...
    @overload
    def __call__(
        self,
        x: Any,
        g: Any,
        /,
        out: _Out = None,
        *,
        where: _Where = True,
        casting: _Casting = "same_kind",
        order: _Order = "K",
        dtype: DTypeLike | None = None,
        subok: bool = True,
        signature: Any = None,
    ) -> Any: ...

__version__: str
gelu: _UnaryGeluUFunc
gelu_grad: _UnaryGeluUFunc
gelu_grad2: _UnaryGeluUFunc
gelu_backward: _BinaryGeluUFunc
gelu_tanh: _UnaryGeluUFunc
gelu_tanh_grad: _UnaryGeluUFunc
gelu_tanh_grad2: _UnaryGeluUFunc
gelu_tanh_backward: _BinaryGeluUFunc

# Settings behind gelu.set_num_threads and gelu._set_isa (gelu/_config.py).
def _get_num_threads() -> int: ...
def _set_num_threads(n: int, /) -> None: ...
def _get_isa() -> str: ...
def _set_isa(name: str, /) -> None: ...
def _isa_available() -> list[str]: ...

# bfloat16 (gelu/_bfloat16.py and gelu.torch): the loop for ml_dtypes'
# bfloat16, and twins of the ufuncs on bfloat16 bit patterns (uint16).
def _register_bfloat16(type_num: int, /) -> None: ...
_bf16_bits_gelu: np.ufunc
_bf16_bits_gelu_grad: np.ufunc
_bf16_bits_gelu_grad2: np.ufunc
_bf16_bits_gelu_backward: np.ufunc
_bf16_bits_gelu_tanh: np.ufunc
_bf16_bits_gelu_tanh_grad: np.ufunc
_bf16_bits_gelu_tanh_grad2: np.ufunc
_bf16_bits_gelu_tanh_backward: np.ufunc
