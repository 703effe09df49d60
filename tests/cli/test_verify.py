"""gelu verify: the exhaustive check's command line (run here on samples)."""
import re

import pytest

from gelu.accuracy import exhaustive
from gelu.cli import verify


def assert_columns_line_up(text):
    """The result table in `text` (header, rule, one row per function) has
    every column in the same place on every line: left-aligned cells start
    where their header does, right-aligned ones end where it does."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("function"))
    table = [lines[top]] + [line for line in lines[top + 2:] if line.startswith("gelu")]
    assert set(lines[top + 1]) == {"-", " "}, text
    # cells are two or more spaces apart; a header name may hold one space
    cells = [[(m.start(), m.end()) for m in re.finditer(r"\S+(?: \S+)*", line)] for line in table]
    assert all(len(row) == 5 for row in cells), text
    for column, how in enumerate("lrrrl"):
        edges = {row[column][0 if how == "l" else 1] for row in cells}
        assert len(edges) == 1, (column, text)


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
    # every input whether or not --exhaustive is said (there is no sample)
    code, out2, err = cli("verify", "--dtype", "float16", "--bound", "0.5", "--function", "gelu")
    assert code == 0, out2 + err
    assert "65,536" in out2 and "PASS" in out2


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
    (("--dtype", "float16", "--stride", "3"), "--stride applies to float32 only"),
    (("--dtype", "bfloat16", "--stride", "3"), "--stride applies to float32 only"),
    # a stride of 2**32 - 1 (one input) keeps a wrongly accepted value quick
    (("--stride", "4_294_967_295"), "--stride"),
    (("--stride", "4294967295", "--threads", "0"), "--threads: threads must be a whole number from 1 to 512"),
    (("--stride", "4294967295", "--threads", "513"), "got '513'"),
    (("--stride", "4294967295", "--threads", "1_0"), "got '1_0'"),
    (("--stride", "4294967295", "--threads", "+5"), "got '+5'"),
    (("--stride", "4294967295", "--threads", "\u0665"), "--threads"),   # ARABIC-INDIC DIGIT FIVE
])
def test_bad_arguments_are_one_line_errors(cli, one_line_error, args, fragment):
    code, _, err = cli("verify", *args)
    assert code == 2
    one_line_error(err, fragment)


@pytest.mark.parametrize("args", [
    ("--stride", "4099"),       # x of 16 to 20 characters
    ("--stride", "262139", "--function", "gelu_grad,gelu_tanh", "--bound", "0.75", "--threads", "2"),
    ("--exhaustive", "--dtype", "float16"),   # x from 0.0007648468017578125 to -0.49609375
])
def test_the_table_columns_line_up(cli, args):
    if "float16" in args:
        pytest.importorskip("flint")
    code, out, err = cli("verify", *args)
    assert code in (0, 1), out + err
    assert_columns_line_up(out)


def test_format_result_lines_up_cells_of_any_width():
    # what `python -m gelu.accuracy.exhaustive` prints
    res = exhaustive.ExhaustiveResult(
        {n: exhaustive.FunctionResult(n) for n in exhaustive.FUNCTION_NAMES}, g=0.3)
    res.functions["gelu"].merge(0.5, 5.960464477539063e-08, 0)
    res.functions["gelu_grad"].merge(12345.25, -2.0, 4_294_967_296)
    res.functions["gelu_tanh"].merge(0.25, float("-inf"), 3)
    text = exhaustive.format_result(res)
    assert_columns_line_up(text)
    assert "FAIL" in text and "pass" in text
