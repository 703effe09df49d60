"""What the commands print: rich tables on a terminal, plain text in a pipe.

Every command writes through one ``Output``, so the choice between rich and
plain is made once: rich is used only when it is installed *and* stdout is a
terminal, because colour codes and box drawing would pollute a file or a
``grep``.  Progress goes to stderr, so it never mixes with piped results.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator, Sequence, TextIO


def _rich_available() -> bool:
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _aligns(columns: Sequence[str], align: Sequence[str] | None) -> list[str]:
    """'l' or 'r' per column; by default names on the left, numbers on the right."""
    return list(align) if align is not None else ["l"] + ["r"] * (len(columns) - 1)


def plain_table(columns: Sequence[str], rows: Sequence[Sequence[str]],
                align: Sequence[str] | None = None) -> str:
    """``rows`` under ``columns`` as text, each column as wide as its widest
    cell, two spaces apart, with a rule of dashes under the names.

    The table of every command in a pipe, and of the ``python -m`` tools that
    print the same results (they have no ``Output``).
    """
    align = _aligns(columns, align)
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) if rows else len(c)
              for i, c in enumerate(columns)]

    def fmt(cells):
        out = [str(c).rjust(w) if how == "r" else str(c).ljust(w)
               for c, w, how in zip(cells, widths, align)]
        return "  ".join(out).rstrip()

    return "\n".join([fmt(columns), "  ".join("-" * w for w in widths), *map(fmt, rows)])


class Output:
    """Printer for one command run.  ``fancy=None`` decides from the streams."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None,
                 fancy: bool | None = None):
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        if fancy is None:
            fancy = _isatty(self.stdout) and _rich_available()
        self.fancy = fancy
        self._console = None
        self._err_console = None
        if fancy:
            from rich.console import Console

            self._console = Console(file=self.stdout, highlight=False)
            self._err_console = Console(file=self.stderr, highlight=False)

    # -- text ---------------------------------------------------------------

    def line(self, text: str = "") -> None:
        if self._console is not None:
            self._console.print(text, markup=False)
        else:
            print(text, file=self.stdout)

    def heading(self, text: str) -> None:
        if self._console is not None:
            self._console.print()
            self._console.rule(text, align="left", style="bold")
        else:
            print(f"\n{text}\n{'-' * len(text)}", file=self.stdout)

    def note(self, text: str) -> None:
        """A side remark (how to get more, what was skipped)."""
        if self._console is not None:
            self._console.print(text, style="dim", markup=False)
        else:
            print(text, file=self.stdout)

    def wrote(self, what: str, path) -> None:
        """Every file a command writes is announced through here."""
        self.line(f"wrote {what}: {path}")

    # -- tables -------------------------------------------------------------

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[str]],
              title: str | None = None, align: Sequence[str] | None = None) -> None:
        """Print ``rows`` under ``columns``; ``align`` holds 'l' or 'r' per column."""
        align = _aligns(columns, align)
        if self._console is not None:
            from rich.table import Table

            table = Table(title=title, title_justify="left", title_style="bold")
            for name, how in zip(columns, align):
                table.add_column(name, justify="right" if how == "r" else "left")
            for row in rows:
                table.add_row(*row)
            self._console.print(table)
            return
        if title:
            print(title, file=self.stdout)
        print(plain_table(columns, rows, align), file=self.stdout)

    # -- progress -----------------------------------------------------------

    @contextmanager
    def progress(self, total: int, description: str, rate: bool = False) -> Iterator["Progress"]:
        """A progress bar on a terminal's stderr; otherwise one line per stage.

        ``rate=True`` adds the speed and the time remaining (for long counts).
        """
        if _isatty(self.stderr) and _rich_available():
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress,
                                       TaskProgressColumn, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn())
            if rate:
                columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                           TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                           TextColumn("left:"), TimeRemainingColumn())
            with RichProgress(*columns, console=Console(file=self.stderr),
                              transient=True) as bar:
                task = bar.add_task(description, total=total, rate="")
                yield Progress(bar, task, None)
        else:
            print(f"{description}...", file=self.stderr, flush=True)
            yield Progress(None, None, self.stderr)


class Progress:
    """Handle given to long loops: ``stage()`` names what runs, ``advance()`` counts it."""

    def __init__(self, bar, task, plain: TextIO | None):
        self._bar, self._task, self._plain = bar, task, plain

    def stage(self, text: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=text)
        elif self._plain is not None:
            print(f"  {text}", file=self._plain, flush=True)

    def advance(self, steps: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, steps)

    def rate(self, text: str) -> None:
        """Show a speed / time-left line (a bar field, or a plain line in a pipe)."""
        if self._bar is not None:
            self._bar.update(self._task, rate=text)
        elif self._plain is not None:
            print(f"  {text}", file=self._plain, flush=True)
