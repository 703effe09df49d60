"""Check an output path before the work that fills it, not after."""
from __future__ import annotations

import os
from pathlib import Path

from gelu.cli._errors import CLIError, UsageError

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def figure_path(raw: str, option: str) -> Path:
    """``raw`` as a figure path whose suffix picks the format; checks it can be written.

    Raises UsageError for a suffix we cannot write and CLIError when the
    folder is missing or not writable, so a long computation never ends in
    a failed save.
    """
    path = _named(raw, option, "figure" + FIGURE_SUFFIXES[0])
    if path.is_dir():
        raise CLIError(f"{option} {raw!r} is a folder; give a file name such as "
                       f"{str(path / ('figure' + FIGURE_SUFFIXES[0]))!r}")
    if path.name.lower() in FIGURE_SUFFIXES:   # ".png": a hidden file with no suffix
        raise UsageError(f"{option} {raw!r}: give a name before the suffix, such as "
                         f"{str(path.with_name('figure' + path.name))!r}")
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise UsageError(
            f"{option} {raw!r}: the file name must end in "
            f"{', '.join(FIGURE_SUFFIXES)} (the suffix picks the format)"
        )
    writable(path, option)
    return path


def _named(raw: str, option: str, example: str) -> Path:
    """``raw`` as a path; UsageError if it is empty (which would name the
    current folder)."""
    if not raw.strip():
        raise UsageError(f"{option} needs a file name such as {example!r}")
    return Path(raw).expanduser()


def json_path(raw: str, option: str) -> Path:
    """``raw`` as a writable .json file: the suffix guards against writing
    JSON over a figure or another file by a slip of the argument."""
    path = _named(raw, option, "results.json")
    if path.is_dir():
        raise CLIError(f"{option} {raw!r} is a folder; give a file name such as "
                       f"{str(path / 'results.json')!r}")
    if path.suffix.lower() != ".json":
        raise UsageError(f"{option} {raw!r}: the file name must end in .json, such as 'results.json'")
    writable(path, option)
    return path


def writable(path: Path, option: str) -> None:
    """Raise CLIError unless ``path`` can be created or overwritten."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CLIError(f"{option} {str(path)!r} is a folder; give a file name")
    if not folder.is_dir():
        raise CLIError(f"{option} {str(path)!r}: folder {str(folder)!r} does not exist")
    if path.exists() and not os.access(path, os.W_OK):
        raise CLIError(f"{option} {str(path)!r}: file is not writable")
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise CLIError(f"{option} {str(path)!r}: cannot write in folder {str(folder)!r}")


def save_figure(fig, path: Path, option: str) -> Path:
    """fig.savefig with OS errors turned into one-line CLIErrors; returns the absolute path."""
    try:
        fig.savefig(path, format=path.suffix.lower().lstrip("."))
    except OSError as exc:
        raise CLIError(f"{option}: could not write {str(path)!r}: {exc.strerror or exc}") from None
    return path.resolve()
