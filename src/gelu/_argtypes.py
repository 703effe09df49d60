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

__all__ = ["sizes", "threads", "thread_count", "positive_int", "int_between", "seed", "positive_seconds",
           "finite_float", "NEGATIVE_NUMBER", "allow_negative_numbers", "MAX_SIZE", "MAX_THREADS"]

MAX_SIZE = 10**12    # array sizes beyond any machine's memory are refused up front
MAX_THREADS = 512    # gelu.set_num_threads's limit

_NUMBER = r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"

# A negative number as an option's value, exponent forms included (-1e3),
# which argparse's own pattern (-1, -1.5) would take for an option name; and
# -inf and -nan, so that the option's own check says why they are refused.
NEGATIVE_NUMBER = re.compile(rf"^-({_NUMBER}|inf|infinity|nan)$", re.IGNORECASE)

# What the whole-number parsers read: the forms above, or without the sign,
# in ASCII digits (int() and float() also take 1_000, +5 and the digits of
# other scripts, which \d matches unless re.ASCII).
DECIMAL = re.compile(rf"-?{_NUMBER}", re.ASCII)


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


def _whole(text: str) -> int | None:
    """A whole number written in ASCII digits as an int or in exponent form
    (1000, 1e3, 1.5e3), spaces around it allowed, else None."""
    text = text.strip()
    if not DECIMAL.fullmatch(text):
        return None
    try:
        return int(text)        # exact, however long
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value != int(value):
        return None
    return int(value)


def int_between(low: int, high: int, what: str):
    """A parser for whole numbers from low to high (1e3 allowed); `what`
    starts the message, such as "samples"."""
    accepted = f">= {low}" if high >= 2**53 else f"from {low} to {high:,}"

    def parse(text: str) -> int:
        value = _whole(text)
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number {accepted}, got {text!r}")
        return value
    return parse


positive_int = int_between(1, 2**62, "value")
seed = int_between(0, 2**63 - 1, "seed")   # what NumPy's generators accept
thread_count = int_between(1, MAX_THREADS, "threads")


def sizes(text: str) -> list[int]:
    """Comma-separated array sizes: whole numbers from 1 to 1e12, such as 1000 or 1e6."""
    parse = int_between(1, MAX_SIZE, "sizes")
    out = [parse(item) for item in (s.strip() for s in text.split(",")) if item]
    if not out:
        raise argparse.ArgumentTypeError(f"sizes must be whole numbers such as 1e3,1e6, got {text!r}")
    return out


def threads(text: str) -> list[int | str]:
    """Comma-separated thread counts: whole numbers from 1 to 512, or 'all'."""
    return [item if item == "all" else thread_count(item) for item in (s.strip() for s in text.split(","))]


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
