"""The ``gelu`` command line: ``gelu demo``, ``gelu plot``, ``gelu accuracy``.

Each subcommand lives in its own module beside this one and is registered in
``SUBCOMMANDS``; a module provides ``SUMMARY`` (one line for ``gelu --help``),
``DESCRIPTION``, ``EXAMPLES``, ``add_arguments(parser)`` and
``run(args, out) -> int``.  Adding ``verify`` or ``bench`` is one new module
and one word in that tuple.

Failures the user can fix (bad names, empty ranges, unwritable paths, a
missing optional package) raise ``CLIError``; ``main`` prints them as a single
``gelu <cmd>: error: ...`` line, with exit code 2 for a wrong command line and
1 for anything else.  Optional packages (matplotlib, rich, python-flint,
torch, jax) are imported only by the commands that use them.
"""
from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from typing import Sequence

from gelu import _argtypes
from gelu.cli._errors import CLIError, UsageError
from gelu.cli._output import Output

__all__ = ["main", "SUBCOMMANDS", "CLIError", "UsageError"]

# The order here is the order in `gelu --help`.
SUBCOMMANDS = ("demo", "plot", "accuracy", "verify", "bench", "which")

_DESCRIPTION = """\
GELU, the Gaussian Error Linear Unit x*Phi(x), and its tanh approximation:
key values, plots and accuracy reports for the `gelu` ufuncs.
Start with `gelu demo`."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line costs one line on stderr, not usage + error,
    and values such as -1e3 read as numbers (``gelu plot --range -1e3 1e3``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _argtypes.allow_negative_numbers(self)

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("gelu")
    except Exception:  # not installed as a distribution (e.g. run from a source tree)
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gelu", description=_DESCRIPTION,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"gelu {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"gelu.cli.{name}")
        cmd = sub.add_parser(name, help=module.SUMMARY, description=module.DESCRIPTION,
                             epilog=module.EXAMPLES,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run, _parser=cmd)
    return parser


def main(argv: Sequence[str] | None = None, out: Output | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            # reported by the subcommand's parser, so the error names it
            getattr(args, "_parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # --help, --version, or argparse's one-line error
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if args.command is None:
        parser.print_help()
        return 0
    out = out if out is not None else Output()
    try:
        return int(args._run(args, out) or 0)
    except CLIError as exc:
        print(f"gelu {args.command}: error: {exc}", file=out.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"gelu {args.command}: interrupted", file=out.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`gelu accuracy | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        # Writing the results failed (`gelu accuracy > /dev/full`: no space
        # left); every file the commands write reports its own errors.
        if exc.errno not in (errno.ENOSPC, errno.EIO, errno.EDQUOT):
            raise
        print(f"gelu {args.command}: error: could not write the output: {exc.strerror or exc}", file=out.stderr)
        devnull = os.open(os.devnull, os.O_WRONLY)   # the exit-time flush would fail again
        os.dup2(devnull, sys.stdout.fileno())
        return 1
