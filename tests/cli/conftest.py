"""Helpers for running the `gelu` command line in-process and as a real process."""
import subprocess
import sys

import pytest

from gelu.cli import main


@pytest.fixture
def cli(capsys):
    """cli(*args) -> (exit code, stdout, stderr), running main() in this process."""

    def run(*args):
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def cli_process(tmp_path):
    """cli_process(*args) -> CompletedProcess of `python -m gelu ARGS`, run in tmp_path."""

    def run(*args, module="gelu"):
        return subprocess.run([sys.executable, "-m", module, *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)

    return run


@pytest.fixture
def without(monkeypatch):
    """without('matplotlib', ...) makes those packages fail to import for this test."""

    def hide(*names):
        for name in names:
            for mod in list(sys.modules):
                if mod == name or mod.startswith(name + "."):
                    monkeypatch.delitem(sys.modules, mod)
            monkeypatch.setitem(sys.modules, name, None)

    return hide


@pytest.fixture
def one_line_error():
    """one_line_error(stderr, *fragments): the shape every user error must have."""

    def check(err, *fragments):
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("gelu"), err
        assert "error:" in lines[0]
        assert "Traceback" not in err
        for fragment in fragments:
            assert fragment in lines[0], (fragment, err)

    return check
