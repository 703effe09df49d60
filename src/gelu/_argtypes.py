"""Command-line value parsers shared by the ``gelu`` command and the
``python -m`` tools (``gelu.bench``, ``gelu.accuracy.sweep``,
``gelu.accuracy.exhaustive``, ``gelu.torch.bench``).

Each takes the option's text and returns the value, or raises
``argparse.ArgumentTypeError`` with a message that says what is accepted
(argparse prints it on one line after the option's name; the ``gelu``
command turns it into its own one-line error).
"""
from __future__ import annotations

import argparse
import math
import re

__all__ = ["sizes", "threads", "positive_int", "seed", "positive_seconds", "finite_float",
           "NEGATIVE_NUMBER", "allow_negative_numbers"]

# A negative number as an option's value, exponent forms included (-1e3),
# which argparse's own pattern (-1, -1.5) would take for an option name.
NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def allow_negative_numbers(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Let ``parser`` read values such as ``-1e3`` as numbers (argparse
    consults this pattern only when no option name looks like a number)."""
    parser._negative_number_matcher = NEGATIVE_NUMBER  # type: ignore[attr-defined]
    return parser


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what}, got {text!r}") from None


def sizes(text: str) -> list[int]:
    """Comma-separated array sizes: whole numbers >= 1, such as 1000 or 1e6."""
    what = "sizes must be whole numbers >= 1 separated by commas, such as 1e3,1e6"
    out = []
    for item in (s.strip() for s in text.split(",")):
        if not item:
            continue
        value = _number(item, what)
        if not (math.isfinite(value) and value >= 1 and value == int(value)):
            raise argparse.ArgumentTypeError(f"{what}, got {item!r}")
        out.append(int(value))
    if not out:
        raise argparse.ArgumentTypeError(f"{what}, got {text!r}")
    return out


def threads(text: str) -> list[int | str]:
    """Comma-separated thread counts: ints >= 1 or 'all'."""
    out: list[int | str] = []
    for item in (s.strip() for s in text.split(",")):
        if item == "all":
            out.append(item)
        elif item.isdigit() and int(item) >= 1:
            out.append(int(item))
        else:
            raise argparse.ArgumentTypeError(f"threads must be 'all' or ints >= 1, got {item!r}")
    return out


def _int_at_least(text: str, low: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"{what}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An int >= 1."""
    return _int_at_least(text, 1, "must be an int >= 1")


def seed(text: str) -> int:
    """A random seed: an int >= 0 (what NumPy's generators accept)."""
    return _int_at_least(text, 0, "seed must be an int >= 0")


def positive_seconds(text: str) -> float:
    """A finite time in seconds, > 0."""
    what = "must be a number of seconds > 0"
    value = _number(text, what)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{what}, got {text!r}")
    return value


def finite_float(text: str) -> float:
    """Any finite number."""
    what = "must be a finite number"
    value = _number(text, what)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{what}, got {text!r}")
    return value
