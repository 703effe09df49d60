"""The command-line value parsers shared by `gelu` and the `python -m` tools."""
import argparse

import pytest

from gelu import _argtypes


@pytest.mark.parametrize("text, value", [("4", 4), (" 4 ", 4), ("512", 512), ("1e2", 100),
                                         ("1.5e2", 150), ("007", 7), ("2.", 2)])
def test_thread_count_reads_plain_whole_numbers(text, value):
    assert _argtypes.thread_count(text) == value


# int() and float() would read the underscores, the plus sign and the other
# scripts' digits (Arabic-Indic 5, fullwidth 4, Devanagari 8).
@pytest.mark.parametrize("text", ["0", "513", "-1", "1.5", "", "two", "1_0", "+5", "1_0e1", "0x10",
                                  "\u0665", "\uff14", "\u096e", "inf", "nan"])
def test_thread_count_refuses_everything_else_saying_what_it_takes(text):
    with pytest.raises(argparse.ArgumentTypeError,
                       match=r"^threads must be a whole number from 1 to 512, got "):
        _argtypes.thread_count(text)


def test_lists_and_other_whole_numbers_are_as_strict():
    assert _argtypes.threads("1, all,2") == [1, "all", 2]
    assert _argtypes.sizes("1e3, 64") == [1000, 64]
    for parse, text in [(_argtypes.threads, "1,+2"), (_argtypes.sizes, "1e3,1_000"),
                        (_argtypes.positive_int, "\u0665"), (_argtypes.seed, "+0")]:
        with pytest.raises(argparse.ArgumentTypeError, match="must be a whole number"):
            parse(text)
    assert _argtypes.seed("0") == 0 and _argtypes.positive_int(" 12 ") == 12

