"""Time one 1e5-element float32 ``gelu`` call (2 threads, ``out=``) after
gaps of 0, 50 us and 1 ms spent busy on the calling thread: whether a call
in a loop gets split across the pool (the workers still spinning from the
call before) and whether an isolated call keeps its one-thread time.  Then,
for calls in a loop, 1 thread against 2 at sizes around the split: where a
split starts to pay.

    python tools/threads_cold_warm.py [n] [calls]

Prints the median and 90th percentile of `calls` (default 400) calls per gap,
then medians of 3000 calls per size and thread count.
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

    print("calls in a loop, float32, median us: 1 thread / 2 threads")
    big = np.concatenate([x] * (65536 // n + 1))[:65536]
    gbig = big[::-1].copy()
    obig = np.empty_like(big)
    for size in (4096, 8192, 16384, 32768, 65536):
        cells = []
        for name, call in (("gelu", lambda: gelu.gelu(big[:size], out=obig[:size])),
                           ("gelu_backward", lambda: gelu.gelu_backward(big[:size], gbig[:size], out=obig[:size]))):
            t = []
            for threads in (1, 2):
                gelu.set_num_threads(threads)
                t.append(_median_in_loop(call))
            cells.append(f"{name} {t[0]:6.2f} / {t[1]:6.2f}")
        print(f"n = {size:6d}: " + "   ".join(cells))


def _median_in_loop(call, calls=3000):
    until = time.perf_counter() + 0.05
    while time.perf_counter() < until:
        call()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[calls // 2] * 1e6


if __name__ == "__main__":
    main()
