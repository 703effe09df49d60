"""Import an optional dependency, or fail with one line that says how to get it."""
from __future__ import annotations

import importlib
from types import ModuleType

from gelu.cli._errors import CLIError

# How to install each optional package; the extras are declared in pyproject.toml.
INSTALL_HINT = {
    "matplotlib": "pip install 'gelu[cli]' (or: pip install matplotlib)",
    "rich": "pip install 'gelu[cli]' (or: pip install rich)",
    "scipy": "pip install 'gelu[cli]' (or: pip install scipy)",
    "flint": "pip install 'gelu[cli]' (or: pip install python-flint)",
    "torch": "pip install torch",
    "jax": "pip install jax",
}

# Import name -> the name people know the package by.
PACKAGE_NAME = {"flint": "python-flint", "torch": "PyTorch", "jax": "JAX"}


def available(module: str) -> bool:
    """True if ``module`` imports; never raises."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise CLIError: '<purpose> needs <pkg>: <how to install>'."""
    try:
        return importlib.import_module(module)
    except ImportError:
        name = PACKAGE_NAME.get(module, module)
        raise CLIError(f"{purpose} needs {name}: {INSTALL_HINT[module]}") from None
