"""How far the stock-torch formulas of gelu.torch (``_composed``, the path
off the CPU) stray in the left tail, measured on the CPU against the
python-flint oracle:

    python tools/composed_tail_error.py

For each dtype and variant: 60,001 points evenly from the left limit (where
the result underflows: -14 and -38 for exact GELU, -9.8 and -26 for the tanh
formula, float32 and float64) to 6, and 40,000 uniform on [limit, 0].  Prints
the largest error in ulp of the true value and where it is: the figures
quoted in ``src/gelu/torch/_composed.py``.
"""
import numpy as np
import torch

from gelu.accuracy import oracle
from gelu.torch import _composed

LIMITS = {(np.float32, "none"): -14.0, (np.float32, "tanh"): -9.8,
          (np.float64, "none"): -38.0, (np.float64, "tanh"): -26.0}


def main() -> None:
    rng = np.random.default_rng(3)
    for (dtype, approximate), lo in LIMITS.items():
        x = np.concatenate([np.linspace(lo, 6.0, 60001), rng.uniform(lo, 0.0, 40000)]).astype(dtype)
        with torch.no_grad():
            y = _composed.forward(torch.from_numpy(x), approximate).numpy()
        name = "gelu" if approximate == "none" else "gelu_tanh"
        err = oracle.ulp_errors(name, x.astype(np.float64), y)
        i = int(np.argmax(err))
        print(f"{np.dtype(dtype).name:8s} {name:10s} max {err[i]:7.1f} ulp at x = {float(x[i])!r} ({x.size} points)")


if __name__ == "__main__":
    main()
