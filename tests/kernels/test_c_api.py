"""The kernels build and run without Python: compile them with a C host program."""
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import gelu

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "src" / "gelu" / "_kernels"
CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")

pytestmark = pytest.mark.skipif(CC is None or not KERNELS.exists(), reason="needs a C compiler and the source tree")


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    exe = tmp_path_factory.mktemp("c") / "kernel_main"
    sources = sorted(str(p) for p in KERNELS.glob("*.c"))
    cmd = [CC, "-std=c11", "-O2", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror",
           "-I", str(KERNELS), str(Path(__file__).with_name("kernel_main.c")), *sources, "-lm", "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return exe


def test_c_host_matches_the_ufuncs_bit_for_bit(host):
    xs = [0.0, -0.0, 1.0, -1.0, -0.7517915246935645, -5.5, -10.0, -37.6, 1e300, -1e300, 1.4185, 3.0, 5e-324,
          -3.99, 2.5, -0.26, 1e-30, -2.0**-25, 3.9999999999999996, -4.0, 2.0**-900, -2.0**-900 * 0.75,
          -3.2479639011478570, -2.5198923537205413, 0.5, 1.2345678901234567, -1.75]
    out = subprocess.run([str(host), *map(repr, xs)], check=True, capture_output=True, text=True).stdout
    rows = [[float.fromhex(v) for v in line.split()] for line in out.splitlines()]
    assert len(rows) == len(xs)
    for x, row in zip(xs, rows):
        assert row[0] == x
        expect = [gelu.gelu(x), gelu.gelu_grad(x), gelu.gelu_grad2(x),
                  gelu.gelu_tanh(x), gelu.gelu_tanh_grad(x), gelu.gelu_tanh_grad2(x)]
        # the float64 entry points are the float64 ufuncs, bit for bit
        np.testing.assert_array_equal(np.array(row[11:13]), np.array(expect[0::3], dtype=np.float64),
                                      err_msg=f"x = {x!r}")
        np.testing.assert_array_equal(np.array(row[13:17]),
                                      np.array([expect[1], expect[4], gelu.gelu_backward(x, -0.375),
                                                gelu.gelu_tanh_backward(x, 1e300)]), err_msg=f"x = {x!r}")
        np.testing.assert_array_equal(np.array(row[17:19]), np.array([expect[2], expect[5]]), err_msg=f"x = {x!r}")
        # the double-double kernels are within an ulp of them (they differ
        # only where the ufuncs use the table kernels)
        for dd, table in zip(row[1:7], expect):
            assert dd == table or abs(dd - table) == abs(np.spacing(table)), f"x = {x!r}"
        # where float32 results are normal numbers (so not at 5e-324, which
        # is no float32 input either), the narrow kernels agree
        # with the float64 ones to well within a float32 ulp (their contract:
        # about 2^-33 relative, gelu_kernels.h)
        for narrow, wide in ((row[7], row[1]), (row[8], row[4])) if 2.0**-126 <= abs(x) <= 10 else ():
            assert abs(narrow - wide) <= 2.0**-31 * abs(wide), f"x = {x!r}"
        # the float32 entry points are the float32 ufuncs, bit for bit
        with np.errstate(over="ignore"):
            x32 = np.float32(x)
            assert np.float32(row[9]).tobytes() == gelu.gelu(x32).tobytes(), f"x = {x!r}"
            assert np.float32(row[10]).tobytes() == gelu.gelu_tanh(x32).tobytes(), f"x = {x!r}"
            assert np.float32(row[19]).tobytes() == gelu.gelu_grad2(x32).tobytes(), f"x = {x!r}"
            assert np.float32(row[20]).tobytes() == gelu.gelu_tanh_grad2(x32).tobytes(), f"x = {x!r}"


def test_c_host_special_values(host):
    out = subprocess.run([str(host), "inf", "-inf", "nan"], check=True, capture_output=True, text=True).stdout
    pos, neg, nan = ([float.fromhex(v) for v in line.split()] for line in out.splitlines())
    assert pos[1] == np.inf and pos[2] == 1.0 and pos[4] == np.inf and pos[5] == 1.0
    assert neg[1] == 0.0 and np.signbit(neg[1]) and neg[4] == 0.0 and np.signbit(neg[4])
    assert all(np.isnan(v) for v in nan[1:])


def test_c_host_float32_entry_points_raise_underflow_as_the_ufuncs_do(host):
    # tiny x with normal results: the table formulas' intermediates may
    # underflow, and the entry points, like the ufuncs, raise no flag for it
    xs = ["1e-30", "-1e-20", "1e-38", "-3e-38", "1e-10"]
    out = subprocess.run([str(host), "--flags", *xs], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["0"] * (6 * len(xs)), out
