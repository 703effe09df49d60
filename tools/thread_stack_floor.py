"""The smallest thread stack in which every gelu function runs, per kernel
set, dtype and layout: how much of the calling thread's stack the loops'
block buffers take (docs/speed.md, "Stack").

    python tools/thread_stack_floor.py [--isas avx512,...] [--dtypes float16,...]
    python tools/thread_stack_floor.py --at 96


For each combination, a child process calls all eight functions (one
thread in gelu's pool, so the calling thread does the work) on 30,001
inputs that take every path (main and tail tables, the double kernels,
NaN, inf), contiguous or every third element, in a Python thread made with
threading.stack_size(KiB); KiB goes up from 32 (the least Python takes) in
steps of 8 until the child exits cleanly.  np.exp on the same inputs runs
at 32.  A child that overflows its stack dies by a signal, which is why
each size runs in a process of its own.  Prints one line per combination.
With --at KiB, runs every combination at that size only and exits with
status 1 if any fails (tests/test_threads.py).
"""
import subprocess
import sys

CHILD = r"""
import sys, threading
import numpy as np, gelu
isa, dtype_name, layout, kib = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if dtype_name == "bfloat16":
    import ml_dtypes
    dtype = ml_dtypes.bfloat16
else:
    dtype = np.dtype(dtype_name).type
gelu._set_isa(isa)
gelu.set_num_threads(1)
x = np.linspace(-40, 40, 30001).astype(dtype)
x[::97] = np.nan
x[::89] = np.inf
g = np.linspace(-2, 2, 30001).astype(dtype)
if layout == "strided":
    x, g = x[::3], g[::3]
def work():
    for name in gelu.__all__:
        f = getattr(gelu, name)
        f(*(x, g)[:f.nin])
    print("done")
threading.stack_size(kib * 1024)
t = threading.Thread(target=work)
t.start()
t.join()
"""


def runs(isa: str, dtype: str, layout: str, kib: int) -> bool:
    child = subprocess.run([sys.executable, "-c", CHILD, isa, dtype, layout, str(kib)],
                           capture_output=True, text=True)
    return child.returncode == 0 and child.stdout.strip() == "done"


def main() -> None:
    import argparse

    import gelu

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--isas", default=",".join(gelu._isa_available()))
    parser.add_argument("--dtypes", default="float16,bfloat16,float32,float64")
    parser.add_argument("--at", type=int, metavar="KIB", help="check this stack size only")
    args = parser.parse_args()
    print(f"gelu {gelu.__version__} from {gelu.__file__}")
    failed = 0
    for isa in args.isas.split(","):
        for dtype in args.dtypes.split(","):
            for layout in ("contiguous", "strided"):
                if args.at is not None:
                    ok = runs(isa, dtype, layout, args.at)
                    failed += not ok
                    print(f"{isa:9} {dtype:9} {layout:11} {args.at} KiB: {'runs' if ok else 'FAILS'}", flush=True)
                    continue
                kib = 32
                while kib <= 512 and not runs(isa, dtype, layout, kib):
                    kib += 8
                shown = f"{kib} KiB" if kib <= 512 else "over 512 KiB"
                print(f"{isa:9} {dtype:9} {layout:11} {shown}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
