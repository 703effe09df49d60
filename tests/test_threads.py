"""Calls from many Python threads at once give the single-thread results.

The arrays are large enough (> 500 elements) that NumPy releases the GIL
inside the loops, so the kernels really run concurrently.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import gelu

N_THREADS = 8
UFUNCS = [getattr(gelu, name) for name in gelu.__all__]
FLOATS = [np.float16, np.float32, np.float64]


def inputs(dtype, n=50_000):
    rng = np.random.default_rng(42)
    x = rng.normal(0, 4, n).astype(dtype)
    g = rng.normal(0, 1, n).astype(dtype)
    return x, g


def run_all(arrays, out_buffers=None):
    """Every ufunc on every dtype; returns {(name, dtype): result}."""
    results = {}
    for dtype, (x, g) in arrays.items():
        for f in UFUNCS:
            args = (x, g)[: f.nin]
            key = (f.__name__, dtype)
            if out_buffers is None:
                results[key] = f(*args)
            else:
                results[key] = f(*args, out=out_buffers[key])
    return results


@pytest.mark.parametrize("use_out", [False, True], ids=["allocating", "out"])
def test_eight_threads_match_serial_results(use_out):
    arrays = {dtype: inputs(dtype) for dtype in FLOATS}
    originals = {dtype: (x.copy(), g.copy()) for dtype, (x, g) in arrays.items()}
    expected = run_all(arrays)
    barrier = threading.Barrier(N_THREADS)

    def worker(_):
        buffers = None
        if use_out:
            buffers = {key: np.empty_like(v) for key, v in expected.items()}
        barrier.wait()  # start together so the loops overlap
        return [run_all(arrays, buffers) for _ in range(3)]

    with ThreadPoolExecutor(N_THREADS) as pool:
        per_thread = list(pool.map(worker, range(N_THREADS)))

    for runs in per_thread:
        for results in runs:
            for key, value in expected.items():
                np.testing.assert_array_equal(results[key], value, err_msg=str(key))
                assert results[key].dtype == value.dtype
    for dtype, (x, g) in arrays.items():  # shared inputs untouched
        np.testing.assert_array_equal(x, originals[dtype][0])
        np.testing.assert_array_equal(g, originals[dtype][1])


# A thread's stack can be small: musl's default is 128 KiB, and programs
# ask for less (threading.stack_size takes 32 KiB).  The loops keep their
# block buffers on the calling thread's stack; a review found calls that
# needed up to 120 KiB (float16 on the avx2 kernels) and crashed the
# process in smaller stacks, where np.exp runs in 32 KiB.  They now need at
# most 72 KiB (docs/speed.md, "Stack"); the tool checks every function,
# dtype, layout and kernel set in a 96 KiB thread, each in a child process
# so that an overflow fails the test instead of ending the run.
def test_calls_run_in_a_thread_with_a_small_stack():
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("ml_dtypes")
    tool = Path(__file__).resolve().parents[1] / "tools" / "thread_stack_floor.py"
    child = subprocess.run([sys.executable, str(tool), "--at", "96"], capture_output=True, text=True, timeout=600)
    assert child.returncode == 0, child.stdout + child.stderr[-2000:]
