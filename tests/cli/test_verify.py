"""gelu verify: the exhaustive check's command line (run here on samples)."""
import pytest

from gelu.cli import verify


def test_strided_float32_sample_passes(cli):
    code, out, err = cli("verify", "--stride", "131071")
    assert code == 0, out + err
    assert "PASS" in out
    for name in verify.FUNCTIONS:
        assert name in out
    assert "float32 inputs checked: 32,769" in out


def test_function_filter_narrows_the_report(cli):
    code, out, _ = cli("verify", "--stride", "262139", "--function", "gelu_grad")
    assert code == 0
    rows = [line.split()[0] for line in out.splitlines() if line.startswith("gelu")]
    assert rows == ["gelu_grad"]


def test_a_bound_below_the_error_fails(cli):
    code, out, _ = cli("verify", "--stride", "262139", "--bound", "0.4")
    assert code == 1
    assert "FAIL" in out


def test_float16_every_input(cli):
    pytest.importorskip("flint")
    code, out, err = cli("verify", "--exhaustive", "--dtype", "float16", "--bound", "0.5")
    assert code == 0, out + err
    assert "65,536" in out and "PASS" in out


@pytest.mark.parametrize("args, fragment", [
    ((), "--exhaustive"),
    (("--exhaustive", "--stride", "7"), "contradict"),
    (("--stride", "5", "--function", "nope"), "unknown function 'nope'"),
    (("--stride", "5", "--bound", "-1"), "--bound"),
    (("--stride", "0"), "--stride"),
    (("--stride", "5", "--g", "nan"), "--g must be a number that float32 holds"),
    (("--stride", "5", "--g", "0"), "--g must be a number that float32 holds"),
    (("--stride", "5", "--g", "1e-50"), "float32 holds as nonzero"),
    (("--stride", "5", "--g", "1e39"), "float32 holds as nonzero and finite"),
    (("--dtype", "float16", "--exhaustive", "--g", "7e4"), "float16 holds"),
    (("--dtype", "float16", "--exhaustive", "--g", "1e-8"), "float16 holds"),
])
def test_bad_arguments_are_one_line_errors(cli, one_line_error, args, fragment):
    code, _, err = cli("verify", *args)
    assert code == 2
    one_line_error(err, fragment)
