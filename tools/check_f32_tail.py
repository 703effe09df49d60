"""Every float32 x with 4 <= |x| < 6, the tail tables' inputs (both signs),
through all eight float32 functions at several g, against the long double
reference of the exhaustive check (gelu.accuracy.exhaustive), and g = +-0
against the sign rule (the exact zero with the sign of g * grad(x)).

    python tools/check_f32_tail.py

Prints each function's largest error over all the g and where it occurs.
About 30 s on two cores.  (`python -m gelu.accuracy.exhaustive` covers
every input at one g; this covers the tail at several.)
"""
import time

import numpy as np

import gelu
from gelu.accuracy import exhaustive

G = [1.0, 0.3, -7.5, 2.0**-60, 2.0**100 * (1 - 2.0**-24), 1e-30, 3e20]
TAIL = ((0x40800000, 0x40C00000), (0xC0800000, 0xC0C00000))   # [4, 6) and (-6, -4]


def main():
    t0 = time.time()
    worst = {}
    for g in G:
        for lo, hi in TAIL:
            res = exhaustive.run(start=lo, stop=hi, g=g)
            for name, f in res.functions.items():
                assert f.bad_special == 0, name
                if f.max_ulp > worst.get(name, (0.0,))[0]:
                    worst[name] = (f.max_ulp, f.worst_x, g)
    for name, (m, x, g) in worst.items():
        print(f"{name:20s} max {m:.6f} ulp at x = {x!r} (g = {g!r})")
    bits = np.concatenate([np.arange(lo, hi, dtype=np.uint64) for lo, hi in TAIL]).astype(np.uint32)
    x = bits.view(np.float32)
    for name in ("gelu_backward", "gelu_tanh_backward"):
        f = getattr(gelu, name)
        negative_grad = f(x.astype(np.float64), np.ones(x.size)) < 0
        for g0 in (0.0, -0.0):
            r = f(x, np.full(x.size, g0, np.float32))
            assert (r == 0).all() and (np.signbit(r) == (np.signbit(g0) != negative_grad)).all(), name
    print(f"g = +-0: the exact signed zero everywhere; {len(G)} values of g, "
          f"{x.size:,} inputs each, in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
