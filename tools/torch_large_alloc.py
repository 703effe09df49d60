"""Time gelu.torch against torch on 1e7-element float32 calls that allocate
their result, one thread each: median, 90th percentile and maximum of 150
calls, twice.  At this size the pages of each fresh result dominate
(docs/speed.md, "Inside PyTorch"); best-of timings would hide the calls
where huge pages were not at hand.

    python tools/torch_large_alloc.py
"""
import statistics
import time

import torch
import torch.nn.functional as F

import gelu
import gelu.torch as gt


def times(fn, k=150):
    ts = []
    for _ in range(k):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    return f"median {statistics.median(ts):.1f} ms, p90 {ts[int(0.9 * k)]:.1f} ms, max {ts[-1]:.1f} ms"


def main():
    torch.set_num_threads(1)
    gelu.set_num_threads(1)
    x = torch.randn(10**7)
    for _ in range(2):
        print("torch F.gelu ", times(lambda: F.gelu(x)))
        print("gelu.torch   ", times(lambda: gt.gelu(x)))


if __name__ == "__main__":
    main()
