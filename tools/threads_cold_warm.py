"""Time one 1e5-element float32 ``gelu`` call (2 threads, ``out=``) after
gaps of 0, 50 us and 1 ms spent busy on the calling thread: whether a call
in a loop gets split across the pool (the workers still spinning from the
call before) and whether an isolated call keeps its one-thread time.

    python tools/threads_cold_warm.py [n] [calls]

Prints the median and 90th percentile of `calls` (default 400) calls per gap.
"""
import sys
import time

import numpy as np

import gelu


def main() -> None:
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    gelu.set_num_threads(2)
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    out = np.empty_like(x)
    print(f"gelu {gelu.__version__} from {gelu.__file__}; n = {n}, 2 threads, {calls} calls per gap")
    # 50 ms of calls first: a worker woken onto the caller's CPU stays there
    # until the kernel's load balancing moves it, a few milliseconds on
    # (until then the caller runs every range itself: its one-thread time).
    until = time.perf_counter() + 0.05
    while time.perf_counter() < until:
        gelu.gelu(x, out=out)
    for gap in (0.0, 50e-6, 1e-3):
        times = []
        for _ in range(calls):
            until = time.perf_counter() + gap
            while time.perf_counter() < until:   # busy, as other work would be
                pass
            t0 = time.perf_counter()
            gelu.gelu(x, out=out)
            times.append(time.perf_counter() - t0)
        times.sort()
        print(f"gap {gap * 1e6:6.0f} us: median {times[calls // 2] * 1e6:6.1f} us, "
              f"90th percentile {times[int(calls * 0.9)] * 1e6:6.1f} us")


if __name__ == "__main__":
    main()
