"""Compare two builds of gelu bit for bit, over the same large input set.

Two steps, each run with the interpreter of the build it describes:

    REF/bin/python tools/check_bitwise.py record digests.json
    NEW/bin/python tools/check_bitwise.py compare digests.json

`record` stores one BLAKE2 digest of the result bytes per (function, dtype,
chunk); `compare` recomputes everything and reports every chunk whose digest
differs, with the first differing inputs.  The inputs are deterministic:

- float32: every 97th bit pattern of the 2**32 (about 44 million values:
  NaNs with many payloads, infinities, subnormals and signed zeros included);
- float16: all 65,536 bit patterns;
- float64: about 5 million values: normal samples at several scales,
  both tails, subnormals, huge values, specials and the derivatives' zeros.

Binary functions (the backward passes) take g drawn from a wide log-uniform
range with both signs plus specials, seeded per chunk.  `compare` also runs
every float32/float64 chunk through strided views (input and output), which
must give the same bits as the contiguous call.  Used to show that speed
work left every result unchanged; not part of the test suite (it takes
minutes and needs two builds).
"""

import hashlib
import json
import sys
import time

import numpy as np

import gelu

NAMES = [
    "gelu", "gelu_grad", "gelu_grad2", "gelu_backward",
    "gelu_tanh", "gelu_tanh_grad", "gelu_tanh_grad2", "gelu_tanh_backward",
]
F32_STEP = 97
CHUNK = 1 << 22


def f32_chunks():
    total = (2**32 + F32_STEP - 1) // F32_STEP
    for start in range(0, total, CHUNK):
        idx = np.arange(start, min(start + CHUNK, total), dtype=np.uint64)
        yield (idx * F32_STEP).astype(np.uint32).view(np.float32)


def f16_chunks():
    yield np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)


def f64_chunks():
    rng = np.random.default_rng(20240607)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 5e-324, -5e-324,
                         2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
                         -0.7517915246935645, -0.7525, 1.4185, -1.4185, 10.0, -10.0, 40.0, -40.0,
                         22.5, -22.5, -37.5, -38.6])
    for i in range(5):
        n = 1_000_000
        parts = [
            rng.normal(0, 1, n // 4),
            rng.normal(0, 5, n // 4),
            -rng.uniform(0, 45, n // 8),                       # left tail down to underflow
            rng.uniform(-1.6, 1.6, n // 8),                    # derivatives' zeros
            np.exp(rng.uniform(-745, 709, n // 8)) * rng.choice([-1, 1], n // 8),  # all scales
            rng.integers(1, 2**52, n // 8).view(np.float64) * rng.choice([-1, 1], n // 8),  # subnormals
        ]
        # NaNs of both signs, quiet and signaling, with assorted payloads
        nans = (rng.integers(1, 2**52, 256, dtype=np.uint64) | np.uint64(0x7FF0_0000_0000_0000))
        nans[::2] |= np.uint64(1 << 63)
        yield np.concatenate(parts + ([specials, nans.view(np.float64)] if i == 0 else []))


def g_for(x, seed):
    rng = np.random.default_rng(seed)
    with np.errstate(over="ignore"):
        mag = np.exp(rng.uniform(-30, 30, x.size))
        g = (mag * rng.choice([-1.0, 1.0], x.size)).astype(x.dtype)
    g[:: 1009] = np.inf
    g[1:: 1013] = np.nan
    g[2:: 1019] = 0.0
    g[3:: 1021] = 1.0
    # NaN x with NaN g of the other sign and another payload: which NaN
    # comes out of x + g depends on the operand order.
    both = np.flatnonzero(np.isnan(x))[::2]
    uint = np.dtype(f"u{x.dtype.itemsize}")
    sign = uint.type(1) << uint.type(8 * x.dtype.itemsize - 1)
    g[both] = ((x[both].view(uint) ^ sign) | uint.type(2)).view(x.dtype)
    return g


DTYPES = {"float32": f32_chunks, "float16": f16_chunks, "float64": f64_chunks}


def results():
    """Yield (key, x, g, f, out) for every chunk of every dtype and function."""
    for dname, chunks in DTYPES.items():
        for c, x in enumerate(chunks()):
            g = g_for(x, 1000 + c)
            for name in NAMES:
                f = getattr(gelu, name)
                args = (x, g)[: f.nin]
                with np.errstate(all="ignore"):
                    out = f(*args)
                yield f"{name}/{dname}/{c}", args, f, out


def digest(a):
    return hashlib.blake2b(np.ascontiguousarray(a).tobytes(), digest_size=16).hexdigest()


def bits(a):
    return np.ascontiguousarray(a).view(f"u{a.dtype.itemsize}")


def record(path):
    t = time.time()
    table = {key: digest(out) for key, _, _, out in results()}
    with open(path, "w") as fh:
        json.dump({"gelu_version": gelu.__version__, "digests": table}, fh, indent=0)
    print(f"recorded {len(table)} digests in {time.time() - t:.0f} s")


def compare(path):
    with open(path) as fh:
        table = json.load(fh)["digests"]
    t = time.time()
    bad, seen, values = [], set(), 0
    for key, args, f, out in results():
        seen.add(key)
        values += out.size
        if table.get(key) != digest(out):
            bad.append(key)
            print(f"MISMATCH {key}")
        if out.dtype != np.float16:  # strided views must give the same bits
            strided_args = []
            for a in args:
                buf = np.empty(a.size * 3, a.dtype)
                buf[::3] = a
                strided_args.append(buf[::3])
            obuf = np.empty(out.size * 2, out.dtype)
            with np.errstate(all="ignore"):
                f(*strided_args, out=obuf[::2])
            if not np.array_equal(bits(obuf[::2]), bits(out)):
                bad.append(key + "/strided")
                print(f"MISMATCH {key} (strided)")
    missing = set(table) - seen
    print(f"compared {len(seen)} chunks ({values:,} results) in {time.time() - t:.0f} s: "
          f"{len(bad)} mismatches, {len(missing)} missing")
    return 0 if not bad and not missing and seen == set(table) else 1


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("record", "compare"):
        sys.exit("usage: check_bitwise.py record|compare DIGESTS.json")
    sys.exit(record(sys.argv[2]) if sys.argv[1] == "record" else compare(sys.argv[2]))
