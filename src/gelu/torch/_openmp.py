"""Run gelu.torch's CPU kernels on PyTorch's own OpenMP threads.

gelu's core splits large loops over a thread pool of its own.  Inside a
PyTorch program that pool competes with PyTorch's OpenMP threads, which spin
for a while after every parallel operation: with two pools on the same CPUs,
each one's spinning threads hold up the other's work (on a 2-CPU machine a
1e6-element ``gt.gelu`` took three times as long as ``F.gelu`` between
PyTorch operations, against 0.9 of its time alone).  So ``gelu.torch`` finds
the OpenMP runtime PyTorch's ATen uses, the one loaded in this process, and
hands its entry points to the core (``gelu._ufuncs._set_host_openmp``): the
contiguous-tensor calls then run their ranges on PyTorch's threads, as many
as ``torch.get_num_threads()``, as PyTorch's own element-wise operations do.
(Strictly, as many as the runtime gives the calling thread: PyTorch sets
each thread's count on its first parallel operation or
``torch.get_num_threads()`` call there, and before that the OpenMP default,
the CPUs, applies.)

Where that runtime cannot be found (PyTorch built without OpenMP, not Linux,
or several OpenMP runtimes loaded and none of them PyTorch's own), nothing
changes: the kernels use gelu's pool, and ``gelu.set_num_threads``.  Either
way the values are the same bits.
"""
from __future__ import annotations

import ctypes
import os

import torch

import gelu as _core

__all__ = ["RUNTIME", "find_runtime", "use_runtime"]

_NAMES = ("libgomp", "libiomp5", "libomp")
_ENTRY_POINTS = ("GOMP_parallel", "omp_get_thread_num", "omp_get_num_threads", "omp_get_max_threads")


def _loaded_libraries() -> list[str]:
    """Paths of the shared libraries mapped into this process (Linux)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            fields = [line.split(None, 5) for line in maps]
    except OSError:
        return []
    # address, permissions, offset, device, inode, then the path if any
    paths = {f[5].strip() for f in fields if len(f) == 6}
    return sorted(p for p in paths if p.startswith("/") and ".so" in os.path.basename(p))


def find_runtime() -> str | None:
    """The path of PyTorch's OpenMP runtime, if it is loaded and knowable:
    the one in PyTorch's own package directory, else the only one loaded."""
    if not getattr(torch._C, "has_openmp", False):
        return None
    found = [p for p in _loaded_libraries() if os.path.basename(p).startswith(_NAMES)]
    torch_dir = os.path.dirname(os.path.realpath(torch.__file__)) + os.sep
    own = [p for p in found if os.path.realpath(p).startswith(torch_dir)]
    if len(own) == 1:
        return own[0]
    return found[0] if len(found) == 1 else None


def use_runtime(path: str | None) -> bool:
    """Hand the OpenMP runtime at ``path`` to the core (None: gelu's own
    pool again); whether it is in use.  Not in a child process made by
    fork() from a parent that had imported gelu: a forked OpenMP runtime
    can hang there (GNU libgomp does, if the parent ran a team), so the
    core keeps its own pool.  Call it while no gelu.torch call runs."""
    if path is None:
        _core._ufuncs._set_host_openmp(0, 0, 0, 0)
        return False
    try:
        lib = ctypes.CDLL(path)   # already loaded: the same handle
        addresses = [ctypes.cast(getattr(lib, name), ctypes.c_void_p).value for name in _ENTRY_POINTS]
    except (OSError, AttributeError):
        return use_runtime(None)
    if not all(addresses):
        return use_runtime(None)
    return _core._ufuncs._set_host_openmp(*addresses)


RUNTIME: str | None = find_runtime()
"""The OpenMP runtime the contiguous CPU calls run on, or None (gelu's pool).
In a child process made by fork() they run on gelu's pool whatever this
says: the core drops the runtime there, as GNU libgomp can hang in a child
whose parent had a team running."""
if not use_runtime(RUNTIME):
    RUNTIME = None
