"""gelu bench: the command runs, prints ratios, writes what it says (no speed assertions)."""
import json

import pytest


def test_bench_tiny_run_writes_json_and_plot(cli, tmp_path):
    pytest.importorskip("matplotlib")
    png, js = tmp_path / "speed.png", tmp_path / "speed.json"
    code, out, err = cli("bench", "--sizes", "1e3", "--dtypes", "float32", "--functions", "gelu",
                         "--contenders", "gelu,numpy,copy", "--threads", "1", "--min-time", "0.005",
                         "--plot", str(png), "--json", str(js))
    assert code == 0, out + err
    assert "out= preallocated" in out
    assert png.stat().st_size > 1000 and f"wrote figure: {png}" in out
    assert f"wrote results: {js}" in out
    assert json.loads(js.read_text())


def test_bench_compares_gelu_with_the_named_contenders(cli):
    code, out, err = cli("bench", "--sizes", "1e3", "--dtypes", "float32", "--functions", "gelu_tanh",
                         "--contenders", "copy", "--threads", "1", "--min-time", "0.005")
    assert code == 0, out + err
    assert any(line.split()[:2] == ["gelu_tanh", "1e3"] for line in out.splitlines()), out


def test_bench_takes_the_options_of_python_m_gelu_bench(cli):
    code, out, err = cli("bench", "--sizes", "1e3", "--dtypes", "float32", "--functions", "gelu",
                         "--contenders", "copy", "--threads", "1", "--min-time", "0.005",
                         "--inputs", "wide", "--allocate")
    assert code == 0, out + err
    assert "every contender allocates its result" in out and "uniform on [-8, 8]" in out
    code, out, err = cli("bench", "--grain")
    assert code == 0, out + err
    assert any(line.split()[:2] == ["float32", "gelu_backward"] for line in out.splitlines()), out


def test_bench_grain_takes_the_named_dtypes_and_functions(cli):
    code, out, err = cli("bench", "--grain", "--dtypes", "float32", "--functions", "gelu,gelu_tanh")
    assert code == 0, out + err
    assert [line.split()[:2] for line in out.splitlines()] == [["float32", "gelu"], ["float32", "gelu_tanh"]]


def test_bench_named_contender_that_cannot_run_is_an_error(cli, without, one_line_error):
    # numpy, the seed's formulas, needs SciPy: asked for by name, an error
    # that names SciPy; left to the default, a note and the rest timed
    without("scipy")
    code, out, err = cli("bench", "--sizes", "1e3", "--dtypes", "float32", "--functions", "gelu",
                         "--contenders", "numpy,copy", "--threads", "1", "--min-time", "0.005")
    assert code == 1 and out == ""
    one_line_error(err, "contender 'numpy' needs SciPy", "pip install scipy")
    code, out, err = cli("bench", "--sizes", "1e3", "--dtypes", "float32", "--functions", "gelu",
                         "--threads", "1", "--min-time", "0.005")
    assert code == 0, out + err
    assert "contender 'numpy' needs SciPy for the seed's NumPy/SciPy formulas (pip install scipy): not timed" in out


def test_bench_options_match_python_m_gelu_bench():
    import argparse

    from gelu import bench
    from gelu.cli import bench as cli_bench

    def options(parser):
        return {(o, tuple(a.choices or ())) for a in parser._actions for o in a.option_strings} - {("-h", ()), ("--help", ())}

    cli_parser = argparse.ArgumentParser()
    cli_bench.add_arguments(cli_parser)
    assert {o for o in options(cli_parser) if o[0] != "--plot"} == options(bench.parser())


@pytest.mark.parametrize("args, fragment", [
    (("--sizes", "abc"), "--sizes"),
    (("--dtypes", "int8"), "unknown dtype"),
    (("--functions", "relu"), "unknown function"),
    (("--threads", "0"), "--threads"),
    (("--threads", "1,1_0"), "got '1_0'"),
    (("--plot", "x.txt"), "suffix"),
    (("--plot", ""), "needs a file name"),
    (("--json", "speed.png"), "must end in .json"),
    (("--grain", "--plot", "g.png"), "--grain prints a table"),
    (("--grain", "--json", "g.json"), "--grain prints a table"),
    (("--min-time", "nan"), "--min-time"),
    (("--min-time", "0"), "--min-time"),
    (("--sizes", "1.5"), "whole number"),
    (("--inputs", "uniform"), "--inputs"),
])
def test_bench_bad_arguments(cli, one_line_error, args, fragment):
    code, _, err = cli("bench", *args)
    assert code == 2
    one_line_error(err, fragment)
