"""CPU benchmark of gelu.torch against PyTorch's own GELU.

Run it with ``python -m gelu.torch.bench`` (``--help`` for options). Two
parts, measured in one run so that the numbers are comparable:

1. A transformer MLP block, ``Linear -> GELU -> Linear``, forward plus
   backward, at BERT-base size with exact GELU and GPT-2-small size with the
   tanh formula (both 768 -> 3072 -> 768, 512 tokens), with
   ``torch.nn.GELU`` and with ``gelu.torch.GELU``, eager and compiled
   (inductor).
2. The activation alone in float32 at 1e3 ... 1e7 elements, x and the
   incoming gradient standard normal, each call writing a freshly allocated
   result, as a model does:
   - forward: ``F.gelu`` against ``gelu.torch.gelu`` (inference: x does
     not require grad);
   - backward: what each library's autograd node runs when a graph is
     backpropagated, ``aten::gelu_backward`` against gelu.torch's CPU
     backward (``gelu.torch._cpu.backward``; the ``gelu::gelu_backward``
     operator adds its dispatch, about 8 us, and is what double backward
     and torch.compile use);
   - train step: forward with autograd recording and ``backward(g)``,
     ``F.gelu`` against ``gelu.torch.gelu`` on an x that requires grad
     (both libraries' autograd overhead included).

Times are the best of several repeats (each long enough to be stable), with
torch's and gelu's repeats interleaved; the ratio column is gelu time / torch
time, so below 1 means gelu is faster. On a loaded machine torch's
multi-threaded kernels suffer most (its threads wait for each other);
``--threads 1`` gives steadier numbers.
torch uses ``torch.get_num_threads()`` threads and gelu's ufuncs
``gelu.get_num_threads()`` (both printed); ``--threads N`` sets both.
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

import gelu
from gelu import _argtypes

from . import _cpu, _ops  # noqa: F401  (_ops registers torch.ops.gelu)
from .functional import gelu as gt_gelu
from .modules import GELU

__all__ = ["Row", "time_call", "time_pair", "mlp_rows", "activation_rows", "format_rows", "main"]

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


def _calibrate(fn: Callable[[], object], seconds: float) -> int:
    """Calls of ``fn`` that last about ``seconds``, after one warm-up call."""
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(seconds / once))


def _batch(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def time_call(fn: Callable[[], object], min_time: float = 0.2, repeat: int = 5) -> float:
    """Best seconds per call of ``fn`` over ``repeat`` timed batches.

    Each batch runs ``fn`` enough times to last about ``min_time / repeat``
    seconds, after one warm-up call.
    """
    number = _calibrate(fn, min_time / repeat)
    return min(_batch(fn, number) for _ in range(repeat))


def time_pair(theirs: Callable[[], object], ours: Callable[[], object],
              min_time: float = 0.2, repeat: int = 5) -> tuple:
    """Best seconds per call of each, their batches interleaved.

    Alternating the two spreads any drift of the machine (other load, clock
    changes) over both sides instead of biasing the ratio.
    """
    numbers = (_calibrate(theirs, min_time / repeat), _calibrate(ours, min_time / repeat))
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for i, fn in enumerate((theirs, ours)):
            best[i] = min(best[i], _batch(fn, numbers[i]))
    return best[0], best[1]


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
        rows.append(Row("mlp eager", case, *time_pair(
            _train_step(theirs, x, grad), _train_step(ours, x, grad), min_time)))
        if compile:
            torch._dynamo.reset()
            compiled_theirs = torch.compile(theirs, fullgraph=True)
            compiled_ours = torch.compile(ours, fullgraph=True)
            rows.append(Row("mlp compiled", case, *time_pair(
                _train_step(compiled_theirs, x, grad), _train_step(compiled_ours, x, grad),
                min_time)))
    return rows


def _train_activation(fn: Callable, x: torch.Tensor, g: torch.Tensor, variant: str) -> None:
    """Forward with autograd, then backward: x.grad is replaced each call."""
    x.grad = None
    fn(x, approximate=variant).backward(g)


def activation_rows(sizes: Iterable[int] = SIZES, min_time: float = 0.2) -> list:
    """Time the activation alone (float32) against PyTorch, forward and backward."""
    rows = []
    gen = torch.Generator().manual_seed(0)
    for n in sizes:
        # Standard normal, as pre-activations roughly are (and as gelu.bench
        # uses): the float32 kernels take a slower path for |x| >= 4.
        x = torch.randn(n, generator=gen, dtype=torch.float32)
        g = torch.randn(n, generator=gen, dtype=torch.float32)
        xg = x.clone().requires_grad_()
        for variant in ("none", "tanh"):
            forward = (functools.partial(F.gelu, x, approximate=variant),
                       functools.partial(gt_gelu, x, approximate=variant))
            backward = (functools.partial(torch.ops.aten.gelu_backward, g, x, approximate=variant),
                        functools.partial(_cpu.backward, g, x, variant))
            train = (functools.partial(_train_activation, F.gelu, xg, g, variant),
                     functools.partial(_train_activation, gt_gelu, xg, g, variant))
            for section, (theirs, ours) in (("forward", forward), ("backward", backward), ("train step", train)):
                rows.append(Row(f"{section} {variant}", f"n={n:.0e}",
                                *time_pair(theirs, ours, min_time), n))
    return rows


def _header() -> str:
    return (f"gelu {gelu.__version__}, torch {torch.__version__}, numpy {np.__version__}, "
            f"python {sys.version.split()[0]}\n"
            f"torch threads: {torch.get_num_threads()}, gelu threads: {gelu.get_num_threads()} "
            f"(of {os.cpu_count()} CPUs)")


def format_rows(rows: Sequence) -> str:
    """A plain-text table of ``rows``; ratio = gelu time / torch time."""
    lines = [f"{'section':<16} {'case':<58} {'torch':>10} {'gelu':>10} {'ratio':>6}"]
    for r in rows:
        lines.append(f"{r.section:<16} {r.case:<58} {_cell(r, r.torch_s):>10} "
                     f"{_cell(r, r.gelu_s):>10} {r.ratio:6.2f}")
    return "\n".join(lines)


def _cell(row: Row, seconds: float) -> str:
    if row.elements:
        return f"{row.elements / seconds / 1e6:7.0f} M/s"
    return f"{seconds * 1e3:7.2f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m gelu.torch.bench",
        description="Time gelu.torch against PyTorch's GELU on the CPU.")
    parser.add_argument("--no-compile", action="store_true",
                        help="skip the torch.compile (inductor) MLP timings")
    parser.add_argument("--quick", action="store_true",
                        help="shorter timings and sizes up to 1e6 only")
    parser.add_argument("--threads", type=_argtypes.thread_count, default=None,
                        help="torch.set_num_threads and gelu.set_num_threads before timing "
                             "(default: each library's own choice)")
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
        gelu.set_num_threads(args.threads)
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
