# Public API of `gelu` for type checkers; the ufunc types live in _ufuncs.pyi.
from gelu._ufuncs import __version__ as __version__
from gelu._ufuncs import gelu as gelu
from gelu._ufuncs import gelu_backward as gelu_backward
from gelu._ufuncs import gelu_grad as gelu_grad
from gelu._ufuncs import gelu_grad2 as gelu_grad2
from gelu._ufuncs import gelu_tanh as gelu_tanh
from gelu._ufuncs import gelu_tanh_backward as gelu_tanh_backward
from gelu._ufuncs import gelu_tanh_grad as gelu_tanh_grad
from gelu._ufuncs import gelu_tanh_grad2 as gelu_tanh_grad2

# submodules that `import gelu` makes available on first use
from gelu import reference as reference
from gelu import variants as variants

def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...

__all__ = [
    "gelu",
    "gelu_backward",
    "gelu_grad",
    "gelu_grad2",
    "gelu_tanh",
    "gelu_tanh_backward",
    "gelu_tanh_grad",
    "gelu_tanh_grad2",
]
