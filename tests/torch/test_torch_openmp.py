"""gelu.torch runs its contiguous CPU calls on PyTorch's OpenMP threads
(gelu/torch/_openmp.py): the runtime is found where PyTorch has one, the
values are the ufuncs' bits for every PyTorch thread count, and gelu's own
pool takes over again without it."""

import multiprocessing
import sys
import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gelu  # noqa: E402
import gelu.torch as gt  # noqa: E402
from gelu.torch import _openmp  # noqa: E402

HAS_OPENMP = bool(getattr(torch._C, "has_openmp", False))
on_linux_openmp = pytest.mark.skipif(not (sys.platform.startswith("linux") and HAS_OPENMP),
                                     reason="PyTorch without OpenMP, or not Linux")

UFUNCS = {"none": (gelu.gelu, gelu.gelu_backward), "tanh": (gelu.gelu_tanh, gelu.gelu_tanh_backward)}
# Above every dtype's grain, so that more than one thread takes a range.
N = 600_001


@pytest.fixture
def torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def inputs(dtype):
    gen = torch.Generator().manual_seed(7)
    x = (3 * torch.randn(N, generator=gen, dtype=torch.float64)).to(dtype)
    g = torch.randn(N, generator=gen, dtype=torch.float64).to(dtype)
    return x, g


def expected(approximate, x, g):
    forward, backward = UFUNCS[approximate]
    return forward(x.numpy()), backward(x.numpy(), g.numpy())


def bits(a):
    a = np.asarray(a)
    return a.view(np.dtype(f"u{a.dtype.itemsize}"))


def forward_and_backward(x, g, approximate):
    """gt.gelu's value and, through autograd, g * gelu'(x)."""
    xr = x.clone().requires_grad_()
    y = gt.gelu(xr, approximate=approximate)
    y.backward(g)
    return gt.gelu(x, approximate=approximate), xr.grad


@on_linux_openmp
def test_pytorch_openmp_runtime_is_found_among_loaded_libraries():
    assert _openmp.RUNTIME is not None
    assert _openmp.RUNTIME in _openmp._loaded_libraries()
    assert _openmp.RUNTIME.rsplit("/", 1)[-1].startswith(("libgomp", "libiomp5", "libomp"))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64], ids=str)
def test_every_pytorch_thread_count_gives_the_ufunc_bits(dtype, approximate, torch_threads):
    x, g = inputs(dtype)
    want_y, want_dx = expected(approximate, x, g)
    for threads in (1, 2, 3, 5):
        torch.set_num_threads(threads)
        y, dx = forward_and_backward(x, g, approximate)
        np.testing.assert_array_equal(bits(y.numpy()), bits(want_y), err_msg=f"{threads} threads")
        np.testing.assert_array_equal(bits(dx.numpy()), bits(want_dx), err_msg=f"{threads} threads")


def test_bfloat16_on_pytorch_threads_matches_one_thread(torch_threads):
    x, g = inputs(torch.bfloat16)
    torch.set_num_threads(1)
    want = forward_and_backward(x, g, "none")
    torch.set_num_threads(3)
    got = forward_and_backward(x, g, "none")
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a.view(torch.int16).numpy(), b.view(torch.int16).numpy())


@on_linux_openmp
def test_gelu_pool_serves_again_without_the_runtime():
    x, g = inputs(torch.float32)
    want_y, want_dx = expected("none", x, g)
    try:
        assert _openmp.use_runtime(None) is False
        y, dx = forward_and_backward(x, g, "none")
    finally:
        assert _openmp.use_runtime(_openmp.RUNTIME) is True
    np.testing.assert_array_equal(bits(y.numpy()), bits(want_y))
    np.testing.assert_array_equal(bits(dx.numpy()), bits(want_dx))


def test_use_runtime_refuses_a_library_without_openmp():
    # libc has none of the entry points: gelu's own pool is kept
    try:
        assert _openmp.use_runtime("libc.so.6") is False
        x, g = inputs(torch.float32)
        np.testing.assert_array_equal(bits(gt.gelu(x).numpy()), bits(expected("none", x, g)[0]))
    finally:
        _openmp.use_runtime(_openmp.RUNTIME)


def test_python_threads_calling_at_once_get_the_ufunc_bits(torch_threads):
    torch.set_num_threads(2)
    x, g = inputs(torch.float32)
    want_y, want_dx = expected("tanh", x, g)
    failures = []
    barrier = threading.Barrier(4)

    def work():
        barrier.wait()
        for _ in range(3):
            y, dx = forward_and_backward(x, g, "tanh")
            if not (np.array_equal(bits(y.numpy()), bits(want_y)) and np.array_equal(bits(dx.numpy()), bits(want_dx))):
                failures.append(threading.get_ident())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_set_host_openmp_wants_four_addresses_or_none():
    with pytest.raises(TypeError, match="4 ints"):
        gelu._ufuncs._set_host_openmp(0, 0)
    with pytest.raises(ValueError, match="all four"):
        gelu._ufuncs._set_host_openmp(1, 0, 0, 0)


_FORK_INPUTS = {}


def _child_forward(_):
    x = _FORK_INPUTS["x"]
    first = gt.gelu(x).numpy()
    # As if gelu.torch were imported only now, in the child: the core must
    # refuse the parent's OpenMP runtime, or the next call hangs.
    taken = _openmp.use_runtime(_openmp.RUNTIME)
    return first, taken, gt.gelu(x).numpy()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork() here")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_forked_children_compute_on_gelu_pool(torch_threads):
    # The parent has just run a team on PyTorch's runtime; in a child the
    # core leaves that runtime alone (GNU libgomp can hang there) and
    # uses its own pool, which starts afresh.
    torch.set_num_threads(2)
    x, g = inputs(torch.float32)
    want = expected("none", x, g)[0]
    np.testing.assert_array_equal(bits(gt.gelu(x).numpy()), bits(want))
    _FORK_INPUTS["x"] = x
    try:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            results = pool.map_async(_child_forward, range(2)).get(timeout=120)
    finally:
        _FORK_INPUTS.clear()
    for first, taken, again in results:
        assert taken is False
        np.testing.assert_array_equal(bits(first), bits(want))
        np.testing.assert_array_equal(bits(again), bits(want))
    if _openmp.RUNTIME is not None:   # the parent keeps its runtime
        assert _openmp.use_runtime(_openmp.RUNTIME) is True
