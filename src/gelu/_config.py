"""Run-time settings of the compiled loops: thread count and kernel set.

Large arrays are split across threads inside each ufunc call; small ones
stay on the calling thread (the cut-off per function comes from
measurements, see docs/speed.md).  The thread count defaults to the CPUs
this process may run on, or to the environment variable GELU_NUM_THREADS
when set.  Results are bitwise identical for every thread count.

The kernel set ("baseline", "avx2", "avx512" on x86-64) is the fastest the
CPU supports; GELU_ISA at import or the private ``_set_isa`` force another
one, which is how tests check that every set gives the same bits.
"""

from __future__ import annotations

import operator
import os

from gelu import _ufuncs

__all__ = ["get_num_threads", "set_num_threads"]

MAX_THREADS = 512


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _check_count(n: object, name: str) -> int:
    if isinstance(n, bool):
        raise TypeError(f"{name} must be an int from 1 to {MAX_THREADS}, got bool")
    try:
        count = operator.index(n)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an int from 1 to {MAX_THREADS}, got {type(n).__name__}") from None
    if not 1 <= count <= MAX_THREADS:
        raise ValueError(f"{name} must be an int from 1 to {MAX_THREADS}, got {count}")
    return count


def set_num_threads(n: int) -> None:
    """Use up to `n` threads (1 to 512) for each large ufunc call.

    1 keeps every call on the calling thread.  Results do not depend on it.
    """
    _ufuncs._set_num_threads(_check_count(n, "n"))


def get_num_threads() -> int:
    """The number of threads a large ufunc call may use."""
    return int(_ufuncs._get_num_threads())


def _set_isa(name: str) -> None:
    """Force the kernel set `name` ("baseline", "avx2", "avx512" or "best")."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    choices = [*_ufuncs._isa_available(), "best"]
    if name not in choices:
        raise ValueError(f"name must be one of {', '.join(map(repr, choices))} on this machine, got {name!r}")
    _ufuncs._set_isa(name)


def _get_isa() -> str:
    """Name of the kernel set in use."""
    return str(_ufuncs._get_isa())


def _isa_available() -> list[str]:
    """The kernel sets this build has and this CPU can run, fastest last."""
    return list(_ufuncs._isa_available())


def _apply_environment() -> None:
    """Defaults at import: GELU_NUM_THREADS or the available CPUs; GELU_ISA.

    A value these cannot use is reported with a RuntimeWarning that names the
    variable and what it accepts, and the default is used instead: the
    variables are set far from the code (job scripts, shells), and failing
    every ``import gelu`` (the ``gelu`` command's included) over one would
    leave nothing working to report it.  This is what OpenMP runtimes do too.
    """
    default = min(_available_cpus(), MAX_THREADS)
    env = os.environ.get("GELU_NUM_THREADS", "").strip()
    count = default
    if env:
        try:
            # int() alone would also take 1_0, +5 and other scripts' digits.
            if not (env.isascii() and env.isdigit()):
                raise ValueError(env)
            count = _check_count(int(env), "GELU_NUM_THREADS")
        except ValueError:
            _warn(f"GELU_NUM_THREADS must be an int from 1 to {MAX_THREADS} in the digits 0-9, got {env!r}; "
                  f"using {default} (the CPUs available)")
    _ufuncs._set_num_threads(count)
    isa = os.environ.get("GELU_ISA", "").strip()
    if isa:
        try:
            _set_isa(isa)
        except ValueError as err:
            _warn(f"GELU_ISA: {err}; using {_get_isa()!r}, the best this machine runs")


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, RuntimeWarning, stacklevel=4)   # the importer's line (importlib's frames are skipped)
