"""gelu accuracy and the library behind it (gelu.accuracy.report, samples, contenders)."""
import numpy as np
import pytest

pytest.importorskip("flint")
pytest.importorskip("scipy")

from gelu.accuracy import contenders, oracle, report, samples  # noqa: E402
from gelu.cli import accuracy as accuracy_cmd  # noqa: E402


def test_name_lists_agree():
    assert tuple(accuracy_cmd.FUNCTIONS) == contenders.FUNCTION_NAMES
    assert set(contenders.FUNCTION_NAMES) == set(oracle.FUNCTIONS)
    assert tuple(accuracy_cmd.CONTENDERS) == contenders.KEYS
    assert tuple(accuracy_cmd.DTYPES) == report.DTYPES


# -- samples ---------------------------------------------------------------

def test_float16_is_exhaustive():
    x = samples.inputs(np.float16)
    finite_or_inf = x[~np.isnan(x)]
    assert finite_or_inf.size == 65536 - 2046  # every bit pattern but the NaN payloads
    assert np.isnan(x[-1]) and np.isnan(x).sum() == 1
    assert np.signbit(x[x == 0]).tolist() == [True, False]  # -0 and +0 both


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stratified_sample_covers_the_hard_places(dtype):
    x = samples.inputs(dtype, 4000, seed=1)
    assert x.dtype == dtype
    fin = x[np.isfinite(x)]
    assert np.all(np.diff(fin) >= 0)
    under = samples.UNDERFLOW[np.dtype(dtype)]
    assert ((fin < -5) & (fin > under)).sum() > 1000  # the left tail
    x_star = np.asarray(samples.X_STAR, dtype=dtype)
    assert (np.abs(fin - x_star) <= 64 * np.abs(np.spacing(x_star))).sum() >= 100  # x* neighbours
    assert np.any((fin != 0) & (np.abs(fin) < np.finfo(dtype).smallest_normal))  # subnormal
    assert np.any(np.abs(fin) > 1e30)
    for special in (np.inf, -np.inf, np.finfo(dtype).max):
        assert special in x
    assert np.isnan(x[-1])


def test_sample_is_deterministic_per_seed():
    a = samples.inputs(np.float32, 500, seed=5)
    np.testing.assert_array_equal(a, samples.inputs(np.float32, 500, seed=5))
    assert not np.array_equal(a, samples.inputs(np.float32, 500, seed=6))


def test_sample_rejects_bad_arguments():
    with pytest.raises(TypeError, match="float16, float32 or float64"):
        samples.inputs(np.int32)
    with pytest.raises(ValueError, match="at least 1"):
        samples.inputs(np.float32, 0)


# -- report ------------------------------------------------------------------

@pytest.fixture(scope="module")
def float32_results():
    cs = [contenders.build(k) for k in ("gelu", "reference", "naive")]
    return report.by_key(report.measure(["gelu", "gelu_backward"], ["float32"], cs,
                                        samples=1500))


def test_gelu_is_within_one_ulp(float32_results):
    for name in ("gelu", "gelu_backward"):
        assert float32_results[(name, "float32", "gelu")].max_ulp <= 1.0


def test_naive_fails_in_the_left_tail_and_at_minus_inf(float32_results):
    m = float32_results[("gelu", "float32", "naive")]
    assert m.max_ulp_finite > 1e6
    assert -14.5 < m.worst_x < -5.0
    assert m.max_ulp_where(0.0, 6.0) < 4  # no cancellation for x >= 0
    assert (-np.inf, ) == tuple(x for x, y in m.special_failures if np.isnan(y))
    assert m.max_ulp == np.inf


def test_shared_errors_equal_direct_oracle_errors(float32_results):
    """Errors reused between contenders must equal what the oracle says for each."""
    m = float32_results[("gelu", "float32", "reference")]
    direct = oracle.ulp_errors("gelu", m.x, m.values)
    np.testing.assert_array_equal(m.errors, direct)
    b = float32_results[("gelu_backward", "float32", "naive")]
    g = samples.grad_outputs(b.x)
    np.testing.assert_array_equal(b.errors, oracle.ulp_errors("gelu_backward", b.x, b.values, g))


def test_progress_callback_counts_every_step():
    seen = []
    cs = [contenders.build("gelu"), contenders.build("naive")]
    report.measure(["gelu_grad"], ["float64"], cs, samples=300,
                   on_progress=lambda stage, n: seen.append((stage, n)))
    assert sum(n for _, n in seen) == report.plan(["gelu_grad"], ["float64"], 2, samples=300)
    assert all(stage.startswith("float64 gelu_grad") for stage, _ in seen)


def test_unknown_function_is_rejected():
    with pytest.raises(ValueError, match="function must be one of"):
        report.measure(["relu"], ["float32"], [contenders.build("gelu")])


def test_format_ulp():
    assert report.format_ulp(0.5) == "0.50"
    assert report.format_ulp(123.4) == "123"
    assert report.format_ulp(1.5e7) == "1.5e+07"
    assert report.format_ulp(np.inf) == "inf"


# -- optional frameworks: their wiring, not their accuracy -------------------

@pytest.mark.parametrize("key", ["torch", "jax"])
def test_framework_contenders_compute_the_right_functions(key):
    pytest.importorskip(key)
    c = contenders.build(key)
    ref = contenders.build("reference")
    x = np.linspace(-3, 3, 13)
    g = np.linspace(0.5, 2, 13)
    for name in contenders.FUNCTION_NAMES:
        gg = g if name in contenders.BINARY else None
        np.testing.assert_allclose(c(name, x, gg), ref(name, x, gg), rtol=1e-9, atol=1e-12,
                                   err_msg=f"{key} {name}")


# -- the command ---------------------------------------------------------------

def test_command_prints_a_table(cli):
    code, out, err = cli("accuracy", "--function", "gelu", "--dtype", "float32",
                         "--samples", "300", "--contenders", "gelu,naive")
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith("gelu "))
    cells = row.split()
    assert cells[:2] == ["gelu", "float32"]
    assert float(cells[3]) <= 1.0  # gelu's column
    assert "naive (seed)" in out
    assert "f(-inf) = nan" in out  # the naive formula's -inf * 0
    assert "float32 gelu" in err  # progress names the stage


def test_float16_row_counts_every_input(cli):
    code, out, _ = cli("accuracy", "--function", "gelu_tanh", "--dtype", "float16",
                       "--contenders", "gelu")
    assert code == 0
    assert "63491" in out


def test_plot_is_written(cli, tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "ulp.png"
    code, out, err = cli("accuracy", "--function", "gelu,gelu_tanh", "--dtype", "float32",
                         "--samples", "300", "--contenders", "gelu,naive", "--plot", str(target))
    assert code == 0, err
    assert target.read_bytes()[:4] == b"\x89PNG"
    assert f"wrote figure: {target.resolve()}" in out


@pytest.mark.parametrize("args, fragment", [
    (("--function", "relu"), "unknown function 'relu'"),
    (("--dtype", "bfloat16"), "unknown dtype 'bfloat16'"),
    (("--contenders", "gelu,mxnet"), "unknown contender 'mxnet'"),
    (("--samples", "0"), "--samples must be a whole number from 1 to 100,000,000"),
    (("--samples", "1e11"), "--samples must be a whole number"),
    (("--plot", "ulp.gif"), ".png, .svg, .pdf"),
    (("--seed", "-1"), "seed must be a whole number >= 0"),
])
def test_bad_arguments(cli, one_line_error, args, fragment):
    code, _, err = cli("accuracy", *args)
    assert code == 2
    one_line_error(err, fragment)


def test_missing_flint(cli, without, one_line_error):
    without("flint")
    code, _, err = cli("accuracy", "--function", "gelu", "--dtype", "float32")
    assert code == 1
    one_line_error(err, "python-flint", "pip install")


@pytest.mark.parametrize("module, key", [("torch", "torch"), ("jax", "jax")])
def test_asking_for_a_missing_framework(cli, without, one_line_error, module, key):
    without(module)
    code, _, err = cli("accuracy", "--contenders", f"gelu,{key}", "--function", "gelu",
                       "--dtype", "float32", "--samples", "10")
    assert code == 1
    one_line_error(err, f"pip install {module}")


def test_missing_framework_is_skipped_by_default(cli, without):
    without("torch", "jax")
    code, out, _ = cli("accuracy", "--function", "gelu", "--dtype", "float32",
                       "--samples", "100")
    assert code == 0
    assert "PyTorch is not installed" in out and "JAX is not installed" in out
    assert "torch" not in out.split("Max error", 1)[1].splitlines()[1]


def test_missing_matplotlib_for_plot(cli, without, tmp_path, one_line_error):
    without("matplotlib")
    code, _, err = cli("accuracy", "--function", "gelu", "--dtype", "float32",
                       "--samples", "10", "--plot", str(tmp_path / "u.png"))
    assert code == 1
    one_line_error(err, "matplotlib")
