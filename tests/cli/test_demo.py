"""gelu demo: the seed's numbers recomputed, the tail table, and the figure."""
import pytest

import gelu
from gelu.cli import demo


def test_prints_the_key_numbers(cli):
    code, out, err = cli("demo", "--no-plot")
    assert code == 0, err
    for text in ("0.8413447461", "-0.1586552539",  # GELU(1), GELU(-1)
                 "x* = -0.7517915247", "GELU(x*) = -0.1699712075",
                 "max |gelu_tanh - gelu| = 4.73e-04 at |x| = 2.70"):
        assert text in out
    assert "wrote" not in out  # --no-plot writes nothing


def test_minimum_and_tanh_gap_are_computed():
    x_star, y_star = demo.find_minimum(gelu)
    assert x_star == pytest.approx(-0.7517915247, abs=1e-10)
    assert y_star == pytest.approx(-0.1699712075, abs=1e-10)
    assert abs(gelu.gelu_grad(x_star)) < 1e-15
    gap, where = demo.max_tanh_gap(gelu)
    assert gap == pytest.approx(4.73e-4, abs=5e-7)
    assert where == pytest.approx(2.70, abs=0.005)


def test_tail_table_shows_the_naive_formula_failing(cli):
    pytest.importorskip("scipy")
    code, out, _ = cli("demo", "--no-plot")
    assert code == 0
    tail = out.split("The left tail", 1)[1]
    rows = {tuple(line.split()[:2]): line.split() for line in tail.splitlines()
            if line.startswith("float")}
    # float32 x = -6: the naive formula gives 0, gelu.gelu the true value.
    assert float(rows[("float32", "-6")][2]) == 0.0
    assert float(rows[("float32", "-6")][3]) == pytest.approx(-5.919526e-09, rel=1e-6)
    assert float(rows[("float64", "-10")][2]) == 0.0
    assert float(rows[("float64", "-10")][3]) == pytest.approx(-7.619853e-23, rel=1e-6)


def test_true_values_come_from_the_oracle(cli):
    pytest.importorskip("flint")
    code, out, _ = cli("demo", "--no-plot")
    assert "true value" in out
    assert "-7.619853e-23" in out.split("true value", 1)[1]


def test_without_flint_it_says_how_to_get_true_values(cli, without):
    without("flint")
    code, out, _ = cli("demo", "--no-plot")
    assert code == 0
    assert "rel. error" not in out  # no true value to compare with
    assert "true values need python-flint" in out and "pip install" in out


def test_writes_the_figure_and_says_where(cli, tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "demo.png"
    code, out, err = cli("demo", "--output", str(target))
    assert code == 0, err
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote figure: {target.resolve()}" in out


def test_default_figure_name_in_the_current_folder(cli, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("demo")
    assert code == 0
    assert (tmp_path / "gelu-demo.png").is_file()
    assert str(tmp_path / "gelu-demo.png") in out


def test_svg_output(cli, tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "demo.svg"
    assert cli("demo", "-o", str(target))[0] == 0
    assert "<svg" in target.read_text()


def test_without_matplotlib_it_still_succeeds(cli, without, tmp_path, monkeypatch):
    # the default figure is skipped with a note
    without("matplotlib")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("demo")
    assert code == 0
    assert list(tmp_path.iterdir()) == []
    assert "matplotlib is not installed" in out and "pip install" in out


def test_without_matplotlib_a_named_figure_is_an_error(cli, without, tmp_path, one_line_error):
    # a figure asked for by name must not end in exit status 0 with no file
    without("matplotlib")
    target = tmp_path / "x.svg"
    code, out, err = cli("demo", "--output", str(target))
    assert code == 1 and out == "" and not target.exists()
    one_line_error(err, "--output needs matplotlib", "pip install")


def test_missing_folder_fails_before_any_output(cli, tmp_path, one_line_error):
    code, out, err = cli("demo", "--output", str(tmp_path / "nope" / "demo.png"))
    assert code == 1
    assert out == ""
    one_line_error(err, "does not exist")


def test_bad_suffix(cli, tmp_path, one_line_error):
    code, _, err = cli("demo", "--output", str(tmp_path / "demo.jpg"))
    assert code == 2
    one_line_error(err, ".png, .svg, .pdf")


def test_empty_output_is_a_usage_error_not_the_default(cli, tmp_path, monkeypatch, one_line_error):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("demo", "--output", "")
    assert code == 2 and out == ""
    one_line_error(err, "--output needs a file name")
    assert not (tmp_path / "gelu-demo.png").exists()


def test_suffix_alone_is_not_a_file_name(cli, tmp_path, one_line_error):
    code, _, err = cli("demo", "--output", str(tmp_path / ".png"))
    assert code == 2
    one_line_error(err, "give a name before the suffix", "figure.png")


def test_output_is_a_folder(cli, tmp_path, one_line_error):
    code, _, err = cli("demo", "--output", str(tmp_path))
    assert code == 1
    one_line_error(err, "is a folder")


def test_output_with_no_plot_is_a_usage_error(cli, tmp_path, one_line_error):
    code, out, err = cli("demo", "--no-plot", "-o", str(tmp_path / "x.png"))
    assert code == 2 and out == ""
    one_line_error(err, "--output", "--no-plot")
    assert not (tmp_path / "x.png").exists()


def test_demo_as_a_process(cli_process, tmp_path):
    pytest.importorskip("matplotlib")
    proc = cli_process("demo")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "gelu-demo.png").is_file()
    assert "-0.7517915247" in proc.stdout
    assert "\x1b[" not in proc.stdout  # a pipe gets plain text, no colour codes
