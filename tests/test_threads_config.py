"""Thread count and kernel-set settings, and that neither changes a single bit.

Large loops are split across threads and the kernels come in several builds
(baseline, AVX2, AVX-512 on x86-64); every combination must give the same
bits as one thread on the baseline build, for every layout, with the same
warnings.
"""

import multiprocessing
import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

import gelu

UFUNCS = [getattr(gelu, name) for name in gelu.__all__]
ISAS = gelu._isa_available()
# Big enough that every dtype's loop is split when calls follow each other
# closely (the grain is then an eighth of _ufuncs.c's GRAIN: at most 32768
# float32 elements per thread), odd so the ranges differ in size.
SIZES = {np.float16: 40_001, np.float32: 300_001, np.float64: 20_001}

ids = lambda f: f.__name__  # noqa: E731


@pytest.fixture(autouse=True)
def restore_settings():
    threads, isa = gelu.get_num_threads(), gelu._get_isa()
    yield
    gelu.set_num_threads(threads)
    gelu._set_isa(isa)


def bits(a):
    a = np.ascontiguousarray(a)
    return a.view(f"u{a.itemsize}")


def inputs(dtype, n, seed=0):
    """Normal samples at several scales, every special value, and (for the
    narrow types) a stride through all bit patterns, signaling NaNs
    included (whose conversion to double raises "invalid")."""
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):
        x = (rng.normal(0, 1, n) * 2.0 ** rng.integers(-4, 6, n)).astype(dtype)
        g = (rng.normal(0, 1, n) * 2.0 ** rng.integers(-20, 20, n)).astype(dtype)
    specials = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, -0.7517915, 1.4185, 11, -40], dtype)
    x[: specials.size] = specials
    g[-specials.size:] = specials
    if dtype == np.float64:  # the edges of the float64 table kernels' range
        edges = [2.0**-900, -(2.0**-900), np.nextafter(2.0**-900, 0), 4.0, -np.nextafter(4.0, 0), 1e-300]
        x[specials.size: specials.size + len(edges)] = edges
    if dtype != np.float64:
        uint = np.dtype(f"u{np.dtype(dtype).itemsize}")
        patterns = np.linspace(0, np.iinfo(uint).max, n // 2, dtype=np.float64).astype(uint).view(dtype)
        x[-patterns.size:] = patterns
    return x, g


def compute(f, x, g, **kw):
    with np.errstate(all="ignore"):
        return f(*(x, g)[: f.nin], **kw)


# --- settings ---------------------------------------------------------------


def run_python(code, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GELU_")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env)


def test_default_thread_count_is_the_cpus_available():
    res = run_python("import gelu, os; print(gelu.get_num_threads(), len(os.sched_getaffinity(0))"
                     " if hasattr(os, 'sched_getaffinity') else os.cpu_count())")
    assert res.returncode == 0, res.stderr
    got, cpus = map(int, res.stdout.split())
    assert got == cpus


def test_environment_variable_sets_the_thread_count():
    res = run_python("import gelu; print(gelu.get_num_threads())", GELU_NUM_THREADS="3")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "3"


def test_environment_variable_may_have_spaces_around_it():
    res = run_python("import gelu; print(gelu.get_num_threads())", GELU_NUM_THREADS=" 3\t")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "3" and "Warning" not in res.stderr


# int() reads 1_0, +5 and other scripts' digits (Arabic-Indic 5, fullwidth
# 4); superscript 2 is one str.isdigit() takes.  Only 0-9 count.
@pytest.mark.parametrize("value", ["0", "two", "1.5", "100000", "1_0", "+5", "-2", "3e0", "0x4",
                                   "\u0665", "\uff14", "\u00b2"])
def test_bad_environment_variable_warns_with_its_name_and_keeps_the_default(value):
    # Reported, not fatal: the import (and the gelu command) still works.
    res = run_python("import os, gelu; print(gelu.get_num_threads() == len(os.sched_getaffinity(0)))",
                     GELU_NUM_THREADS=value)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "True"
    assert "RuntimeWarning" in res.stderr and "GELU_NUM_THREADS must be an int" in res.stderr
    assert "in the digits 0-9" in res.stderr
    assert repr(value) in res.stderr


def test_environment_warnings_point_at_the_import(tmp_path):
    script = tmp_path / "user_code.py"
    script.write_text("import sys\nimport gelu\n")
    for env in ({"GELU_ISA": "sse9"}, {"GELU_NUM_THREADS": "two"}):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("GELU_")} | env
        res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=full_env)
        assert res.returncode == 0, res.stderr
        assert f"{script}:2: RuntimeWarning" in res.stderr, res.stderr


def test_set_and_get_num_threads():
    for n in (1, 2, 5, 1):
        gelu.set_num_threads(n)
        assert gelu.get_num_threads() == n
    gelu.set_num_threads(np.int64(3))
    assert gelu.get_num_threads() == 3


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (513, ValueError),
                                        (1.5, TypeError), ("2", TypeError), (True, TypeError),
                                        (None, TypeError)])
def test_bad_thread_counts_are_rejected_by_name(bad, error):
    gelu.set_num_threads(2)
    with pytest.raises(error, match="^n must be an int from 1 to 512"):
        gelu.set_num_threads(bad)
    assert gelu.get_num_threads() == 2


def test_isa_names_and_selection():
    assert ISAS[0] == "baseline"
    assert set(ISAS) <= {"baseline", "avx2", "avx512"}
    for isa in ISAS:
        gelu._set_isa(isa)
        assert gelu._get_isa() == isa
    gelu._set_isa("best")
    assert gelu._get_isa() == ISAS[-1]
    with pytest.raises(ValueError, match="name must be one of"):
        gelu._set_isa("sse9")
    with pytest.raises(TypeError, match="name must be a str"):
        gelu._set_isa(2)


def test_environment_variable_forces_the_isa():
    res = run_python("import gelu; print(gelu._get_isa())", GELU_ISA="baseline")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "baseline"
    res = run_python("import gelu; print(gelu._get_isa() == gelu._isa_available()[-1])", GELU_ISA="sse9")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "True"
    assert "RuntimeWarning" in res.stderr and "GELU_ISA" in res.stderr and "'sse9'" in res.stderr


# Names match exactly (spaces around aside): no case folding, no lookalikes.
@pytest.mark.parametrize("value", ["BASELINE", "baseline2", "\uff42aseline"])   # fullwidth b
def test_environment_isa_names_match_exactly(value):
    res = run_python("import gelu; print(gelu._get_isa() == gelu._isa_available()[-1])", GELU_ISA=value)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "True"
    assert "RuntimeWarning" in res.stderr and "GELU_ISA" in res.stderr and repr(value) in res.stderr


# --- same bits for every thread count and kernel set --------------------------


@pytest.mark.parametrize("dtype", list(SIZES), ids=lambda d: d.__name__)
@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_thread_counts_give_identical_bits(f, dtype):
    x, g = inputs(dtype, SIZES[dtype])
    gelu.set_num_threads(1)
    expected = compute(f, x, g)
    for n in (2, 3, 7):
        gelu.set_num_threads(n)
        out = np.full_like(x, np.nan)  # an element no thread writes stays NaN
        compute(f, x, g, out=out)
        np.testing.assert_array_equal(bits(out), bits(expected), err_msg=f"{n} threads")


@pytest.mark.parametrize("dtype", list(SIZES), ids=lambda d: d.__name__)
@pytest.mark.parametrize("f", [gelu.gelu, gelu.gelu_tanh_backward], ids=ids)
def test_calls_in_quick_succession_give_identical_bits(f, dtype):
    # A call that follows another within the workers' spin time is split at
    # the smaller grain, and with more threads than CPUs the caller runs
    # the ranges of workers that have not started yet (_threads.c): neither
    # may change a bit or leave an element unwritten.
    x, g = inputs(dtype, SIZES[dtype], seed=5)
    gelu.set_num_threads(1)
    expected = compute(f, x, g)
    for n in (2, 7):
        gelu.set_num_threads(n)
        for _ in range(10):
            out = np.full_like(x, np.nan)
            compute(f, x, g, out=out)
            np.testing.assert_array_equal(bits(out), bits(expected), err_msg=f"{n} threads")


@pytest.mark.skipif(len(ISAS) < 2, reason="this build has one kernel set")
@pytest.mark.parametrize("dtype", list(SIZES), ids=lambda d: d.__name__)
@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_kernel_sets_give_identical_bits(f, dtype):
    x, g = inputs(dtype, SIZES[dtype], seed=1)
    if dtype == np.float16:  # every value
        x = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)
        g = np.roll(x, 12345)
    gelu._set_isa("baseline")
    gelu.set_num_threads(1)
    expected = compute(f, x, g)
    for isa in ISAS[1:]:
        gelu._set_isa(isa)
        got = compute(f, x, g)
        np.testing.assert_array_equal(bits(got), bits(expected), err_msg=isa)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_strided_and_in_place_calls_match_contiguous(f, isa):
    gelu._set_isa(isa)
    gelu.set_num_threads(2)
    for dtype in (np.float32, np.float64):
        x, g = inputs(dtype, 70_001, seed=2)
        expected = compute(f, x, g)
        wide = np.zeros(3 * x.size, dtype)
        wide[::3] = x
        out = np.full(2 * x.size, np.nan, dtype)
        compute(f, wide[::3], g, out=out[::2])
        np.testing.assert_array_equal(bits(out[::2]), bits(expected))
        inplace = x.copy()
        compute(f, inplace, g, out=inplace)
        np.testing.assert_array_equal(bits(inplace), bits(expected))
        reversed_out = np.empty_like(x)[::-1]
        compute(f, x[::-1], g[::-1], out=reversed_out)
        np.testing.assert_array_equal(bits(reversed_out[::-1]), bits(expected))


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_output_one_element_behind_its_input(f, dtype, isa):
    # NumPy passes out = y[:-1] with x = y[1:] (or g = y[1:]) uncopied, for
    # loops that go in order: split across threads, or recomputing some
    # elements after a chunk is written (float16, and the blocks whose
    # inputs out of the table's range are computed after the block is
    # written), a loop must still read every input before its memory is
    # overwritten.
    gelu._set_isa(isa)
    x, g = inputs(dtype, 3 * SIZES[dtype] + 1, seed=3)
    for threads in (1, 2):
        gelu.set_num_threads(threads)
        expected = compute(f, x[1:], g[1:])
        shifted = x.copy()
        compute(f, shifted[1:], g[1:], out=shifted[:-1])
        np.testing.assert_array_equal(bits(shifted[:-1]), bits(expected), err_msg=f"x, {threads} threads")
        if f.nin == 2:
            shifted_g = g.copy()
            compute(f, x[1:], shifted_g[1:], out=shifted_g[:-1])
            np.testing.assert_array_equal(bits(shifted_g[:-1]), bits(expected), err_msg=f"g, {threads} threads")


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_each_result_is_the_elements_own_at_every_length_and_position(f, isa):
    # The float32 loops take vectors of 16 lanes in pairs, then an odd one,
    # then the last few one by one, in blocks of 1024 (256 on the avx2 and
    # baseline sets, and where the AVX-512 loop copies its inputs), and
    # pack the lanes out of the tables' range per block; dense blocks pack
    # in the first pass.  Whatever the length and wherever the out-of-range lanes sit,
    # each result must be the one the element gets alone.
    gelu._set_isa(isa)
    gelu.set_num_threads(1)
    rng = np.random.default_rng(7)
    far = np.array([5.0, -4.5, 7.0, -30.0, np.inf, -np.inf, np.nan], np.float32)
    lengths = list(range(0, 70)) + [255, 256, 257, 256 + 33, 512 + 47, 1023, 1024, 1025, 1024 + 33, 2048 + 47]
    for n in lengths:
        for density in (0.05, 0.9):
            x = rng.normal(0, 1, n).astype(np.float32)
            g = rng.normal(0, 1, n).astype(np.float32)
            out_of_range = rng.random(n) < density
            x[out_of_range] = rng.choice(far, out_of_range.sum())
            got = compute(f, x, g)
            alone = np.array([compute(f, x[i:i + 1], g[i:i + 1])[0] for i in range(n)], np.float32)
            np.testing.assert_array_equal(bits(got), bits(alone), err_msg=f"n = {n}, density {density}")


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("f", UFUNCS, ids=ids)
def test_each_float16_result_is_the_elements_own_at_every_length(f, isa):
    # float16 goes in chunks of 2048, each as whole vectors of 16 plus the
    # last n % 16 padded to one vector with zeros (_ufuncs.c, half_f16),
    # and elements whose rounding is not sure (or NaN, overflow) are
    # recomputed one by one: each result must still be the element's own,
    # wherever it sits.  inputs() walks the float16 bit patterns.
    gelu._set_isa(isa)
    gelu.set_num_threads(1)
    pool_x, pool_g = inputs(np.float16, 8192, seed=4)
    rng = np.random.default_rng(4)
    for n in list(range(0, 41)) + [2047, 2048, 2049, 2048 + 15, 2048 + 17, 4096 + 7]:
        pick = rng.permutation(pool_x.size)[:n]
        x, g = pool_x[pick], pool_g[pick]
        got = compute(f, x, g)
        alone = np.array([compute(f, x[i:i + 1], g[i:i + 1])[0] for i in range(n)], np.float16)
        np.testing.assert_array_equal(bits(got), bits(alone), err_msg=f"n = {n}")


# --- floating-point flags ---------------------------------------------------


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", list(SIZES), ids=lambda d: d.__name__)
def test_special_inputs_raise_no_warning_on_any_kernel_set(isa, dtype):
    gelu._set_isa(isa)
    info = np.finfo(dtype)
    values = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, info.max, -info.max, info.smallest_subnormal,
              -info.smallest_subnormal, 20.0, -20.0, 11.0, -11.0]
    for v in values:
        x = np.full(37, v, dtype)
        with warnings.catch_warnings(), np.errstate(under="ignore"):
            warnings.simplefilter("error")
            for f in UFUNCS:
                f(*(x, np.ones_like(x))[: f.nin])


def underflow_raised(f, x):
    try:
        with np.errstate(all="raise"):
            f(*(x, np.ones_like(x))[: f.nin])
    except FloatingPointError as e:
        assert "underflow" in str(e), e
        return True
    return False


@pytest.mark.parametrize("dtype", list(SIZES), ids=lambda d: d.__name__)
def test_underflow_warning_at_tiny_inputs_is_the_same_on_every_path(dtype):
    # The table formulas' intermediates can underflow at tiny x: the AVX-512
    # loops suppress that inside their vectors, so the elements done one by
    # one (alignment, the last few) and the other kernel sets must too.
    # Whether underflow is raised depends on the value alone, not on the
    # kernel set, the array's length or where the element sits.
    info = np.finfo(dtype)
    for v in [1e-30, -1e-20, 1e-10, 2.0**-100, info.tiny, info.smallest_subnormal, -info.smallest_subnormal,
              1e-200, -1e-100]:
        with np.errstate(all="ignore"):
            v = dtype(v)
        if v == 0:
            continue
        for f in UFUNCS:
            seen = set()
            for isa in ISAS:
                gelu._set_isa(isa)
                for n, offset in ((1, 0), (5, 1), (64, 0), (64, 3), (3000, 1)):
                    x = np.full(n + offset, v, dtype)[offset:]
                    seen.add(underflow_raised(f, x))
            assert len(seen) == 1, (f.__name__, v)
            if dtype != np.float16 and f not in (gelu.gelu, gelu.gelu_tanh):
                assert seen == {False}, (f.__name__, v)   # a normal result (about 1/2, 1 or 0.8)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", list(SIZES), ids=lambda d: d.__name__)
def test_nan_g_raises_no_warning_on_any_kernel_set(isa, dtype):
    # The float64 loops test for subnormal results on a product with g:
    # a NaN g must not make that test raise "invalid".
    gelu._set_isa(isa)
    x = np.array([0.5, -0.75, -3.0, -37.9, 2.0, 11.0, 1e-310, np.nan] * 5, dtype)
    g = np.full_like(x, np.nan)
    with warnings.catch_warnings(), np.errstate(under="ignore"):
        warnings.simplefilter("error")
        for f in (gelu.gelu_backward, gelu.gelu_tanh_backward):
            assert np.isnan(f(x, g)).all()


@pytest.mark.parametrize("dtype", [np.float16, np.float32], ids=lambda d: d.__name__)
def test_overflow_on_a_worker_thread_is_reported(dtype):
    # g * grad overflows only in the last element, which a worker computes.
    # (float64 is left out: there the kernel's double-double product turns
    # the overflow into NaN, with an "invalid" flag.)
    n = SIZES[dtype]
    x = np.full(n, 2.0, dtype)
    g = np.ones(n, dtype)
    g[-1] = np.finfo(dtype).max
    gelu.set_num_threads(2)
    with pytest.warns(RuntimeWarning, match="overflow"):
        out = gelu.gelu_backward(x, g)
    assert np.isinf(out[-1]) and np.isfinite(out[:-1]).all()


# --- fork and concurrent callers -----------------------------------------------


def _child_result(_):
    x, g = inputs(np.float32, SIZES[np.float32], seed=3)
    return compute(gelu.gelu_backward, x, g), gelu.get_num_threads()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork() here")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_forked_children_compute_with_their_own_threads():
    gelu.set_num_threads(2)
    x, g = inputs(np.float32, SIZES[np.float32], seed=3)
    expected = compute(gelu.gelu_backward, x, g)  # the parent's pool is running now
    stop = threading.Event()

    def keep_busy():  # a parent thread using the pool while the fork happens
        while not stop.is_set():
            compute(gelu.gelu, x, g)

    busy = threading.Thread(target=keep_busy)
    busy.start()
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(2) as pool:
            results = pool.map_async(_child_result, range(4)).get(timeout=120)
    finally:
        stop.set()
        busy.join()
    for out, threads in results:
        assert threads == 2
        np.testing.assert_array_equal(bits(out), bits(expected))


def test_many_python_threads_share_the_pool():
    gelu.set_num_threads(2)
    x, g = inputs(np.float32, SIZES[np.float32], seed=4)
    expected = {f.__name__: compute(f, x, g) for f in UFUNCS}
    failures = []
    barrier = threading.Barrier(6)

    def work():
        barrier.wait()
        for f in UFUNCS:
            if not np.array_equal(bits(compute(f, x, g)), bits(expected[f.__name__])):
                failures.append(f.__name__)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# --- memory -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", list(SIZES), ids=lambda d: d.__name__)
def test_no_temporaries_beyond_the_output(dtype):
    # The loops work in fixed stack buffers: with out= given, a call on a
    # large array allocates nothing sized like it (tracemalloc sees NumPy's
    # array allocations); without, the output is the only large allocation.
    import tracemalloc

    gelu.set_num_threads(2)
    x, g = inputs(dtype, 1_000_001, seed=5)
    strided = np.repeat(x, 2)[::2]
    out = np.empty_like(x)
    for f in UFUNCS:
        compute(f, x, g, out=out)  # warm up (the pool starts its threads)
        for args in ((x, g), (strided, g)):
            tracemalloc.start()
            try:
                compute(f, *args, out=out)
                with_out = tracemalloc.get_traced_memory()[1]
                tracemalloc.reset_peak()
                result = compute(f, *args)
                allocating = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert with_out < 4096, f.__name__
            assert allocating < result.nbytes + 4096, f.__name__


@pytest.mark.parametrize("isa", ISAS)
def test_tail_tables_raise_no_underflow_for_small_g(isa):
    # 4 <= |x| < 6 runs on the float32 tail tables, whose values are as
    # small as 2^-27: with g near 2^-60 the C formula's small terms could
    # cancel into the subnormals and raise underflow (the AVX-512 one never
    # raises); such g take the double kernels instead.  A review found
    # these two inputs.
    gelu._set_isa(isa)
    x = np.concatenate([np.linspace(4, 6, 20001), -np.linspace(4, 6, 20001),
                        [-5.8927493, 5.475653]]).astype(np.float32)
    for gv in (2.0**-60, 1.37 * 2.0**-60, 2.0**-41, 2.0**-40, 1.5 * 2.0**-40):
        g = np.full_like(x, gv)
        with np.errstate(all="raise"):
            for f in (gelu.gelu_backward, gelu.gelu_tanh_backward):
                assert np.isfinite(f(x, g)).all()


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=lambda d: d.__name__)
def test_right_saturation_gives_the_double_kernels_bits(isa, dtype):
    # Where many lanes of a block fall beyond the tail tables, those with
    # x >= 6 (5.5 for the tanh formula; 6.25 and 5.75 for the gradients)
    # get GELU(x) = x and g grad(x) = g directly (gelu_f32_tables.h,
    # sat_bits).  Diluted one in 64 among zeros, the same inputs take the
    # double kernels: the bits and the flags must be the same.
    gelu._set_isa(isa)
    pos = np.linspace(5.0, 13.0, 40001)
    info = np.finfo(dtype)
    x = np.concatenate([pos, -pos, [np.inf, -np.inf, np.nan, 6, 6.25, 5.5, 5.75, info.max]]).astype(dtype)
    sparse_at = np.arange(x.size) * 64
    # normal g, those with the longest mantissa (next below a power of two) included
    near_two = np.nextafter(dtype(2), dtype(0))
    normal = [0.3, -near_two, near_two * info.smallest_normal, info.max / 4, 0.0, -0.0]
    special = [np.inf, -np.inf, np.nan, 3 * info.smallest_subnormal, -info.smallest_subnormal, info.max]
    gs = {"normal": np.resize(np.array(normal, dtype), x.size), "special": np.resize(np.array(special, dtype), x.size)}
    for f in UFUNCS:
        for kind, g in gs.items():
            args = (x, g)[: f.nin]
            diluted = [np.zeros(x.size * 64, dtype) for _ in args]
            for d, a in zip(diluted, args):
                d[sparse_at] = a
            for flags in ("ignore", "raise"):
                with np.errstate(all=flags):
                    try:
                        dense, dense_err = f(*args), None
                    except FloatingPointError as e:
                        dense, dense_err = None, str(e)
                    try:
                        sparse, sparse_err = f(*diluted)[sparse_at], None
                    except FloatingPointError as e:
                        sparse, sparse_err = None, str(e)
                assert dense_err == sparse_err, (f.__name__, kind)
                if dense is not None:
                    np.testing.assert_array_equal(bits(dense), bits(sparse), err_msg=f"{f.__name__} g {kind}")
            if kind == "normal" and "grad2" not in f.__name__:
                with np.errstate(all="ignore"):
                    limit = f(*args)
                right = x >= (6.25 if f.nin == 2 or f.__name__.endswith("grad") else 6.0)
                want = (g if f.nin == 2 else np.ones_like(x)) if f.__name__.endswith(("grad", "backward")) else x
                np.testing.assert_array_equal(bits(limit[right]), bits(want[right]), err_msg=f.__name__)
                if f.nin == 2:
                    # g grad(x) for a subnormal g is tiny and inexact: underflow,
                    # on whichever path; for a normal g it is g, exactly
                    right_x = x[right & np.isfinite(x)]
                    with np.errstate(all="raise"):
                        with pytest.raises(FloatingPointError, match="underflow"):
                            f(right_x, np.full_like(right_x, 3 * info.smallest_subnormal))
                        f(right_x, np.full_like(right_x, info.smallest_normal))


@pytest.mark.parametrize("isa", ISAS)
def test_large_outputs_streamed_give_the_same_bits(isa):
    # From 2^22 float32 elements per call (one thread here) the AVX-512 loop
    # writes its output with non-temporal stores, whole vectors at a time,
    # the lanes out of the tables' range holding x (or g) until pass 2:
    # the same bits as calls of 2^20 elements, in place and with an
    # output one element behind its input too.
    gelu._set_isa(isa)
    gelu.set_num_threads(1)
    n = (1 << 22) + 37
    x, g = inputs(np.float32, n, seed=5)
    with np.errstate(all="ignore"):
        x[::7] *= 3   # many lanes beyond |x| = 4 as well
    for f in UFUNCS:
        step = 1 << 20
        expected = np.concatenate([compute(f, x[i: i + step], g[i: i + step]) for i in range(0, n, step)])
        np.testing.assert_array_equal(bits(compute(f, x, g)), bits(expected), err_msg=f.__name__)
        for k in range(f.nin):   # in place on x, then on g
            own = [x.copy(), g.copy()]
            compute(f, *own, out=own[k])
            np.testing.assert_array_equal(bits(own[k]), bits(expected), err_msg=f"{f.__name__} in place {k}")
        buf = np.empty(n + 1, np.float32)
        buf[1:] = x
        compute(f, buf[1:], g, out=buf[:-1])   # NumPy may hand this over uncopied: partial overlap
        np.testing.assert_array_equal(bits(buf[:-1]), bits(expected), err_msg=f"{f.__name__} behind")
