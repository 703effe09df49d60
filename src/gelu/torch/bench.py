"""CPU benchmark of gelu.torch against PyTorch's own GELU.

Run it with ``python -m gelu.torch.bench`` (``--help`` for options). Two
parts, measured in one run so that the numbers are comparable:

1. A transformer MLP block, ``Linear -> GELU -> Linear``, forward plus
   backward, at BERT-base size with exact GELU and GPT-2-small size with the
   tanh formula (both 768 -> 3072 -> 768, 512 tokens), with
   ``torch.nn.GELU`` and with ``gelu.torch.GELU``, eager and compiled
   (inductor).
2. The activation alone in float32 at 1e3 ... 1e7 elements: ``F.gelu``
   against ``gelu.torch.gelu`` (forward), and ``aten::gelu_backward`` against
   ``gelu::gelu_backward`` (backward), each writing a freshly allocated
   result, as a model does.

Times are the best of several repeats (each long enough to be stable); the
ratio column is gelu time / torch time, so below 1 means gelu is faster.
torch uses ``torch.get_num_threads()`` threads (printed); gelu's ufuncs run on
one thread.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

import gelu

from . import _ops  # noqa: F401  (registers torch.ops.gelu)
from .functional import gelu as gt_gelu
from .modules import GELU

__all__ = ["Row", "time_call", "mlp_rows", "activation_rows", "main"]

# (label, variant, d_model, d_hidden): both BERT-base and GPT-2 small have
# a 768-wide residual stream and a 4x MLP; they differ in the GELU variant.
MLP_CONFIGS = (("bert-base", "none", 768, 3072), ("gpt2-small", "tanh", 768, 3072))
SIZES = (10**3, 10**4, 10**5, 10**6, 10**7)


@dataclass(frozen=True)
class Row:
    """One comparison: the same work done by torch and by gelu.torch."""

    section: str
    case: str
    torch_s: float
    gelu_s: float
    elements: int = 0

    @property
    def ratio(self) -> float:
        """gelu time / torch time (below 1: gelu is faster)."""
        return self.gelu_s / self.torch_s


def time_call(fn: Callable[[], object], min_time: float = 0.2, repeat: int = 5) -> float:
    """Best seconds per call of ``fn`` over ``repeat`` timed batches.

    Each batch runs ``fn`` enough times to last about ``min_time / repeat``
    seconds, after one warm-up call.
    """
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(min_time / repeat / once))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def _mlp(act: torch.nn.Module, d_model: int, d_hidden: int) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(d_model, d_hidden), act,
                               torch.nn.Linear(d_hidden, d_model))


def _train_step(model: Callable, x: torch.Tensor, grad: torch.Tensor) -> Callable[[], None]:
    def step() -> None:
        x.grad = None
        model(x).backward(grad)
    return step


def mlp_rows(tokens: int = 512, configs: Sequence = MLP_CONFIGS, compile: bool = True,
             min_time: float = 0.5) -> list:
    """Time forward + backward of the MLP block for each config."""
    rows = []
    for label, variant, d_model, d_hidden in configs:
        x = torch.randn(tokens, d_model, requires_grad=True)
        grad = torch.randn(tokens, d_model)
        theirs = _mlp(torch.nn.GELU(variant), d_model, d_hidden)
        ours = _mlp(GELU(variant), d_model, d_hidden)
        case = f"{label} {d_model}->{d_hidden}, {tokens} tokens, approximate={variant!r}"
        rows.append(Row("mlp eager", case,
                        time_call(_train_step(theirs, x, grad), min_time),
                        time_call(_train_step(ours, x, grad), min_time)))
        if compile:
            torch._dynamo.reset()
            compiled_theirs = torch.compile(theirs, fullgraph=True)
            compiled_ours = torch.compile(ours, fullgraph=True)
            rows.append(Row("mlp compiled", case,
                            time_call(_train_step(compiled_theirs, x, grad), min_time),
                            time_call(_train_step(compiled_ours, x, grad), min_time)))
    return rows


def activation_rows(sizes: Iterable[int] = SIZES, min_time: float = 0.2) -> list:
    """Time the activation alone (float32) against PyTorch, forward and backward."""
    rows = []
    for n in sizes:
        x = torch.linspace(-8, 8, n, dtype=torch.float32)
        g = torch.ones(n, dtype=torch.float32)
        for variant in ("none", "tanh"):
            rows.append(Row(f"forward {variant}", f"n={n:.0e}",
                            time_call(lambda: F.gelu(x, approximate=variant), min_time),
                            time_call(lambda: gt_gelu(x, approximate=variant), min_time), n))
            rows.append(Row(f"backward {variant}", f"n={n:.0e}",
                            time_call(lambda: torch.ops.aten.gelu_backward(
                                g, x, approximate=variant), min_time),
                            time_call(lambda: torch.ops.gelu.gelu_backward(g, x, variant),
                                      min_time), n))
    return rows


def _header() -> str:
    return (f"gelu {gelu.__version__}, torch {torch.__version__}, numpy {np.__version__}, "
            f"python {sys.version.split()[0]}\n"
            f"torch threads: {torch.get_num_threads()} (of {os.cpu_count()} CPUs); "
            f"gelu ufuncs: 1 thread")


def format_rows(rows: Sequence) -> str:
    """A plain-text table of ``rows``; ratio = gelu time / torch time."""
    lines = [f"{'section':<16} {'case':<58} {'torch':>10} {'gelu':>10} {'ratio':>6}"]
    for r in rows:
        def cell(seconds: float) -> str:
            if r.elements:
                return f"{r.elements / seconds / 1e6:7.0f} M/s"
            return f"{seconds * 1e3:7.2f} ms"
        lines.append(f"{r.section:<16} {r.case:<58} {cell(r.torch_s):>10} "
                     f"{cell(r.gelu_s):>10} {r.ratio:6.2f}")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m gelu.torch.bench",
        description="Time gelu.torch against PyTorch's GELU on the CPU.")
    parser.add_argument("--no-compile", action="store_true",
                        help="skip the torch.compile (inductor) MLP timings")
    parser.add_argument("--quick", action="store_true",
                        help="shorter timings and sizes up to 1e6 only")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads before timing (default: torch's choice)")
    args = parser.parse_args(argv)
    if args.threads is not None:
        if args.threads < 1:
            parser.error("--threads must be >= 1")
        torch.set_num_threads(args.threads)
    scale = 0.25 if args.quick else 1.0
    sizes = SIZES[:-1] if args.quick else SIZES
    print(_header())
    print("ratio = gelu time / torch time (below 1: gelu is faster); "
          "activation rows show throughput in Melem/s\n", flush=True)
    rows = mlp_rows(compile=not args.no_compile, min_time=0.5 * scale)
    rows += activation_rows(sizes, min_time=0.2 * scale)
    print(format_rows(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
