"""The command line shared by the coefficient generators in tools/.

Each generator builds a C header's text and a report of its error bounds;
``main`` prints the report and writes the header, or with ``--check``
compares it with the committed one (exit 1 if it is stale).
"""
from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path


def main(gen: Callable[[], tuple[str, list[str]]], out: Path, script: str, description: str,
         argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--check", action="store_true", help="fail if the committed header differs")
    args = ap.parse_args(argv)
    text, report = gen()
    for line in report:
        print(line)
    if args.check:
        ok = out.exists() and out.read_text() == text
        print("header up to date" if ok else f"{out} is stale: rerun tools/{script}")
        return 0 if ok else 1
    out.write_text(text)
    print(f"wrote {out}")
    return 0
