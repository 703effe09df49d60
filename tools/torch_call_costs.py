"""Per-call time of gelu.torch at n = 1e3, float32, 1 thread: the eager
fast path (`gt.gelu` inference), the operator without grad
(`torch.ops.gelu.gelu`, as compiled, scripted and exported models call it),
a training step through `gt.gelu` (forward recording autograd, then
backward) and the same through the operator.  To compare two builds, put
one first on PYTHONPATH and run them in alternation, pinned to one CPU:

    taskset -c 0 python tools/torch_call_costs.py

Prints the best of 7 rounds of 2000 calls each, in nanoseconds a call.
"""
import timeit

import torch

import gelu.torch as gt


def main() -> None:
    torch.set_num_threads(1)
    x = torch.randn(1000)
    leaf = torch.randn(1000, requires_grad=True)
    g = torch.randn(1000)
    op = torch.ops.gelu.gelu

    def train_step():
        gt.gelu(leaf).backward(g)

    def operator_train_step():
        op(leaf, "none").backward(g)

    cases = [("gt.gelu", lambda: gt.gelu(x)), ("operator, no grad", lambda: op(x, "none")),
             ("train step", train_step), ("operator train step", operator_train_step)]
    print(f"gelu.torch from {gt.__file__}")
    for name, call in cases:
        best = min(timeit.repeat(call, number=2000, repeat=7)) / 2000
        print(f"{name:20} {best * 1e9:8.0f} ns")


if __name__ == "__main__":
    main()
