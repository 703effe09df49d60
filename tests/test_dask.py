"""dask.array input dispatches through __array_ufunc__ and stays lazy; the
ufuncs pickle, so the graph also runs on dask.distributed worker processes."""

import os

import dask.array as da
import distributed
import numpy as np
import pytest

import gelu

UFUNCS = [getattr(gelu, name) for name in gelu.__all__]
FLOATS = [np.float16, np.float32, np.float64]
ids = lambda f: f.__name__  # noqa: E731


def numpy_inputs(dtype, n=1000):
    rng = np.random.default_rng(7)
    return rng.normal(0, 4, n).astype(dtype), rng.normal(0, 1, n).astype(dtype)


@pytest.mark.parametrize("f", UFUNCS, ids=ids)
@pytest.mark.parametrize("dtype", FLOATS)
def test_dask_input_gives_lazy_dask_output(f, dtype):
    x, g = numpy_inputs(dtype)
    dx, dg = da.from_array(x, chunks=128), da.from_array(g, chunks=300)
    lazy = f(*(dx, dg)[: f.nin])
    assert isinstance(lazy, da.Array)
    assert lazy.dtype == dtype  # known without computing
    assert lazy.chunks is not None
    result = lazy.compute(scheduler="sync")
    assert isinstance(result, np.ndarray) and result.dtype == dtype
    np.testing.assert_array_equal(result, f(*(x, g)[: f.nin]))


@pytest.mark.parametrize("f", [gelu.gelu_backward, gelu.gelu_tanh_backward], ids=ids)
def test_dask_mixed_with_numpy_and_broadcasting(f):
    x, _ = numpy_inputs(np.float32, 600)
    x2 = x.reshape(20, 30)
    g_row = np.linspace(-1, 1, 30, dtype=np.float32)
    lazy = f(da.from_array(x2, chunks=(7, 11)), g_row)
    assert isinstance(lazy, da.Array) and lazy.shape == (20, 30)
    np.testing.assert_array_equal(lazy.compute(scheduler="sync"), f(x2, g_row))


def test_dask_bad_dtype_fails_eagerly():
    # dask infers the dtype on a tiny sample; our TypeError makes it return
    # NotImplemented, so NumPy raises its generic TypeError naming the ufunc
    # when the graph is built, before anything is computed.
    dz = da.from_array(np.ones(4, dtype=complex), chunks=2)
    with pytest.raises(TypeError, match="ufunc 'gelu'"):
        gelu.gelu(dz)


@pytest.mark.distributed
def test_runs_on_distributed_worker_processes():
    x, g = numpy_inputs(np.float32, 4096)
    dx, dg = da.from_array(x, chunks=1024), da.from_array(g, chunks=1024)
    lazy = {f.__name__: f(*(dx, dg)[: f.nin]) for f in UFUNCS}
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        worker_dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as client:
        worker_pids = set(client.run(os.getpid).values())
        assert worker_pids and os.getpid() not in worker_pids
        # The function itself crosses the process boundary by pickle.
        remote = client.submit(gelu.gelu, x[:8]).result()
        np.testing.assert_array_equal(remote, gelu.gelu(x[:8]))
        results = client.compute(lazy, sync=True)
    for f in UFUNCS:
        expected = f(*(x, g)[: f.nin])
        assert results[f.__name__].dtype == np.float32
        np.testing.assert_array_equal(results[f.__name__], expected)
