"""The least a Python ``autograd.Function`` can cost in a training step.

A Function whose forward and backward do nothing but allocate the result
and run gelu's kernel loop on the data pointers, against ``F.gelu``, for a
1000-element float32 tensor with the tanh formula (forward with autograd
recording, then ``backward(g)``), one thread:

    python tools/torch_autograd_floor.py

What gelu.torch's own step costs on top of this floor is its argument
checks and dispatch; what this floor costs on top of torch's step is the
Python Function itself (docs/speed.md, "Inside PyTorch").
"""
import time

import torch
import torch.nn.functional as F

import gelu
torch.set_num_threads(1); gelu.set_num_threads(1)
run = gelu._ufuncs._apply_contiguous   # private: (fn, loop, x, g, out, n)
class Floor(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = torch.empty_like(x)
        run(4, 1, x.data_ptr(), 0, out.data_ptr(), x.numel())           # gelu_tanh, float32
        return out
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        out = torch.empty_like(x)
        run(7, 1, x.data_ptr(), g.data_ptr(), out.data_ptr(), x.numel())  # gelu_tanh_backward
        return out
x = torch.randn(1000, requires_grad=True); g = torch.randn(1000)
def best(step, reps=20000):
    for _ in range(2000): step()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps): step()
        times.append((time.perf_counter() - t0) / reps * 1e6)
    return min(times)
print(f"torch step {best(lambda: F.gelu(x, approximate='tanh').backward(g)):.1f} us, "
      f"floor step {best(lambda: Floor.apply(x).backward(g)):.1f} us")
