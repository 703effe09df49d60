"""Time gelu.torch and F.gelu forward calls alone and interleaved (one of
each in turn), on 2 threads for both libraries: whether the two thread
pools hold each other up.

    python tools/torch_interleaved.py [n] [calls]

Prints medians over `calls` (default 200) calls, in microseconds.
"""
import sys
import time

import torch
import torch.nn.functional as F

import gelu
import gelu.torch as gt


def _runtime():
    try:   # builds from before gelu.torch used PyTorch's threads have no _openmp
        from gelu.torch import _openmp
    except ImportError:
        return "gelu's pool"
    return _openmp.RUNTIME or "gelu's pool"


def median_us(times):
    times = sorted(times)
    return times[len(times) // 2] * 1e6


def alone(fn, calls):
    for _ in range(10):
        fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return median_us(times)


def interleaved(first, second, calls):
    for _ in range(10):
        first()
        second()
    a, b = [], []
    for _ in range(calls):
        t0 = time.perf_counter()
        first()
        t1 = time.perf_counter()
        second()
        t2 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
    return median_us(a), median_us(b)


def main() -> None:
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    torch.set_num_threads(2)
    gelu.set_num_threads(2)
    x = torch.randn(n)
    ours = lambda: gt.gelu(x)  # noqa: E731
    theirs = lambda: F.gelu(x)  # noqa: E731
    print(f"gelu {gelu.__version__} from {gelu.__file__}; torch {torch.__version__}; n = {n}, 2 threads; "
          f"gelu.torch's threads: {_runtime()}")
    print(f"alone:       F.gelu {alone(theirs, calls):7.1f} us   gt.gelu {alone(ours, calls):7.1f} us")
    t, o = interleaved(theirs, ours, calls)
    print(f"interleaved: F.gelu {t:7.1f} us   gt.gelu {o:7.1f} us")


if __name__ == "__main__":
    main()
