"""gelu.bench runs and reports well-formed results (no speed is asserted)."""

import json
import math

import pytest

import gelu
from gelu import bench

TINY = dict(sizes=[64, 1000], dtypes=["float32", "float64"], threads=[1, 2],
            functions=["gelu", "gelu_backward", "gelu_tanh_grad2"], min_time=0.001)


@pytest.fixture(scope="module")
def results():
    return bench.run(contenders=["gelu", "numpy", "copy"], **TINY)


def test_run_measures_every_point(results):
    expected = {(f, c, d, n, t) for f in TINY["functions"] for d in TINY["dtypes"] for n in TINY["sizes"]
                for c, t in [("gelu", 1), ("gelu", 2), ("numpy", 1)]}
    expected |= {("copy", "copy", d, n, t) for d in TINY["dtypes"] for n in TINY["sizes"] for t in (1, 2)}
    got = {(r.function, r.contender, r.dtype, r.n, r.threads) for r in results}
    assert got == expected
    for r in results:
        assert r.seconds > 0 and math.isfinite(r.melems) and r.melems > 0


def test_run_restores_the_thread_count():
    gelu.set_num_threads(1)
    try:
        bench.run(sizes=[16], dtypes=["float32"], threads=[2], contenders=["gelu"],
                  functions=["gelu"], min_time=0.001)
        assert gelu.get_num_threads() == 1
    finally:
        gelu.set_num_threads(gelu._config._available_cpus())


def test_table_has_a_row_per_function_and_size(results):
    text = bench.format_table(results)
    assert "float32, gelu on 1 thread, copy on 1, numpy on 1" in text and "float64, gelu on 2 threads" in text
    for line in (ln for ln in text.splitlines() if ln.startswith(tuple(TINY["functions"]))):
        name, n, mine, *rest = line.split()
        assert name in TINY["functions"] and n in ("64", "1e3")
        assert float(mine) > 0
        assert rest[1].endswith("x") and rest[3].endswith("x")  # numpy and copy ratios
    rows = [ln for ln in text.splitlines() if ln.startswith(tuple(TINY["functions"]))]
    assert len(rows) == len(TINY["functions"]) * len(TINY["sizes"]) * 2 * 2


def test_json_document(results):
    doc = json.loads(bench.to_json(results, command=["python", "-m", "gelu.bench"]))
    assert doc["command"] == ["python", "-m", "gelu.bench"]
    assert doc["machine"]["gelu"] == gelu.__version__
    assert doc["machine"]["gelu_isa"] in gelu._isa_available()
    assert len(doc["results"]) == len(results)
    first = doc["results"][0]
    assert set(first) == {"function", "contender", "dtype", "n", "threads", "seconds", "melems"}


def test_allocating_mode_runs():
    res = bench.run(sizes=[100], dtypes=["float16"], threads=[1], contenders=["gelu", "numpy"],
                    functions=["gelu_tanh"], out=False, min_time=0.001)
    assert {r.contender for r in res} == {"gelu", "numpy"}


def test_torch_contender_when_installed():
    pytest.importorskip("torch")
    res = bench.run(sizes=[100], dtypes=["float32"], threads=[1], contenders=["torch"],
                    functions=["gelu", "gelu_tanh_backward", "gelu_grad2"], min_time=0.001)
    assert {r.function for r in res} == {"gelu", "gelu_tanh_backward"}  # torch has no grad2


@pytest.mark.parametrize("kw, match", [
    (dict(contenders=["nope"]), "contenders must be among"),
    (dict(functions=["relu"]), "functions must be among"),
    (dict(dtypes=["int8"]), "dtypes must be"),
    (dict(sizes=[0]), "sizes must be positive"),
    (dict(threads=[0]), "threads must be"),
])
def test_bad_arguments_are_named(kw, match):
    args = dict(sizes=[10], dtypes=["float32"], threads=[1], contenders=["gelu"], min_time=0.001)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        bench.run(**args)


def test_command_line_writes_table_and_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    code = bench.main(["--sizes", "100,1e3", "--dtypes", "float32", "--threads", "1",
                       "--contenders", "gelu,copy", "--functions", "gelu,gelu_grad2",
                       "--min-time", "0.001", "--json", str(path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "out= preallocated" in out and "gelu_grad2" in out
    doc = json.loads(path.read_text())
    assert doc["command"][:3] == ["python", "-m", "gelu.bench"]
    assert {r["function"] for r in doc["results"]} == {"gelu", "gelu_grad2", "copy"}


def test_command_line_always_times_gelu(capsys):
    # --contenders names what gelu is compared with: naming only others
    # must still give gelu's row and the ratio, not an empty table.
    code = bench.main(["--sizes", "100", "--dtypes", "float32", "--threads", "1",
                       "--contenders", "copy", "--functions", "gelu", "--min-time", "0.001"])
    assert code == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("gelu ")]
    assert [r[1] for r in rows if r[-1].endswith("x")] == ["1e2"]


def test_table_without_gelu_says_so():
    res = bench.run(sizes=[100], dtypes=["float32"], threads=[1], contenders=["copy"], min_time=0.001)
    assert "no results for gelu" in bench.format_table(res)


@pytest.mark.parametrize("argv", [["--sizes", "big"], ["--threads", "0"], ["--contenders", "numba"],
                                  ["--sizes", "0"], ["--sizes", "1.5"], ["--min-time", "nan"],
                                  ["--min-time", "-1"], ["--json", "no/such/folder/x.json"],
                                  ["--json", "results.txt"], ["--grain", "--json", "g.json"]])
def test_command_line_rejects_bad_options(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        bench.main(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_grain_suggestions_are_powers_of_two():
    grains = bench.suggest_grain(dtypes=["float32"], n=1 << 10)
    assert len(grains) == len(bench.FUNCTIONS)
    for g in grains.values():
        assert g >= 1 and g & (g - 1) == 0


def test_wide_inputs_half_outside_the_float32_fast_range():
    x, g, out = bench._inputs("float32", 100_000, "wide")
    assert x.dtype == g.dtype == out.dtype and 0.45 < (abs(x) >= 4).mean() < 0.55
    res = bench.run(sizes=[4096], dtypes=["float32"], threads=[1], contenders=["gelu"],
                    functions=["gelu"], min_time=0.001, inputs="wide")
    assert [(r.function, r.n) for r in res] == [("gelu", 4096)]
    with pytest.raises(ValueError, match="inputs must be one of normal, normal2, normal3, wide"):
        bench.run(sizes=[16], dtypes=["float32"], threads=[1], contenders=["gelu"],
                  functions=["gelu"], inputs="uniform")


@pytest.mark.parametrize("inputs, scale", [("normal", 1.0), ("normal2", 2.0), ("normal3", 3.0)])
def test_normal_inputs_have_the_stated_spread(inputs, scale):
    x, g, out = bench._inputs("float32", 200_000, inputs)
    assert x.dtype == g.dtype == out.dtype
    assert abs(x.std() - scale) < 0.02 * scale and abs(g.std() - 1.0) < 0.02
