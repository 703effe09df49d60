"""gelu plot: files written, names checked, ranges checked."""
import pytest

from gelu.cli.catalog import ACTIVATIONS


@pytest.fixture
def mpl():
    """For tests that draw; the argument checks run before matplotlib is needed."""
    return pytest.importorskip("matplotlib")


def test_svg_as_in_the_issue(mpl, cli, tmp_path):
    target = tmp_path / "out.svg"
    code, out, err = cli("plot", "gelu", "gelu_tanh", "relu", "--range", "-4", "4",
                         "-o", str(target))
    assert code == 0, err
    assert "<svg" in target.read_text()
    assert out.strip() == f"wrote figure: {target.resolve()}"


def test_png_with_derivative_panels(mpl, cli, tmp_path):
    target = tmp_path / "d.png"
    code, _, err = cli("plot", "gelu", "silu", "mish", "--grad", "--grad2", "-o", str(target))
    assert code == 0, err
    assert target.read_bytes()[:4] == b"\x89PNG"


def test_pdf(mpl, cli, tmp_path):
    target = tmp_path / "f.pdf"
    assert cli("plot", "quick_gelu", "-o", str(target))[0] == 0
    assert target.read_bytes()[:5] == b"%PDF-"


def test_aliases_and_case(mpl, cli, tmp_path):
    assert cli("plot", "Swish", "GELU", "-o", str(tmp_path / "a.png"))[0] == 0


def test_list(cli):
    code, out, _ = cli("plot", "--list")
    assert code == 0
    for name in ACTIVATIONS:
        assert name in out


def test_unknown_function_suggests_a_name(cli, tmp_path, one_line_error):
    code, _, err = cli("plot", "gleu", "-o", str(tmp_path / "x.png"))
    assert code == 2
    one_line_error(err, "unknown function 'gleu'", "Did you mean 'gelu'?")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("bounds, message", [
    (("4", "-4"), "MIN must be less than MAX"),
    (("1", "1"), "MIN must be less than MAX"),
    (("nan", "3"), "two finite numbers"),
    (("0", "inf"), "two finite numbers"),
    (("-inf", "4"), "two finite numbers"),
    (("-nan", "4"), "two finite numbers"),
])
def test_bad_ranges(cli, tmp_path, one_line_error, bounds, message):
    code, _, err = cli("plot", "gelu", "--range", *bounds, "-o", str(tmp_path / "x.png"))
    assert code == 2
    one_line_error(err, "--range", message)


def test_range_needs_two_numbers(cli, one_line_error):
    code, _, err = cli("plot", "--range", "1")
    assert code == 2
    one_line_error(err, "--range")


def test_unwritable_folder(cli, tmp_path, one_line_error):
    code, _, err = cli("plot", "gelu", "-o", str(tmp_path / "missing" / "x.svg"))
    assert code == 1
    one_line_error(err, "does not exist")


def test_derivatives_only_needs_a_derivative(cli, one_line_error):
    code, _, err = cli("plot", "gelu", "--derivatives-only")
    assert code == 2
    one_line_error(err, "--grad")


def test_without_matplotlib(cli, without, tmp_path, one_line_error):
    without("matplotlib")
    code, _, err = cli("plot", "gelu", "-o", str(tmp_path / "x.png"))
    assert code == 1
    one_line_error(err, "matplotlib", "pip install")


def test_negative_numbers_in_exponent_form(mpl, cli, tmp_path):
    target = tmp_path / "wide.png"
    code, out, err = cli("plot", "gelu", "--range", "-1e1", "1e1", "-o", str(target))
    assert code == 0, err
    assert target.stat().st_size > 1000
