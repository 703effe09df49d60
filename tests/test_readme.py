"""The README's set-up commands are the ones CI runs, one line each."""

import re
from pathlib import Path

import gelu

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
INSTALL_DEMO = 'python3 -m pip install ".[cli]" && gelu demo'
INSTALL_TEST = 'python3 -m pip install ".[test]" && python3 -m pytest'


def code_lines():
    blocks = re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S)
    return [line for block in blocks for line in block.splitlines()]


def test_setup_commands_are_single_lines_in_order():
    lines = code_lines()
    assert INSTALL_DEMO in lines and INSTALL_TEST in lines
    assert lines.index(INSTALL_DEMO) < lines.index(INSTALL_TEST)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in ci
    assert INSTALL_TEST in ci


def test_sections_in_order():
    positions = [README.index(h) for h in ("# gelu", "## Set-up", "## Example", "## Functions")]
    assert positions == sorted(positions)


def test_function_table_lists_every_ufunc():
    table = README[README.index("<!-- accuracy-table -->"):]
    for name in gelu.__all__:
        assert f"`{name}(" in table, name


def test_example_runs():
    example = README.split("## Example", 1)[1]
    code = re.search(r"```python\n(.*?)```", example, flags=re.S).group(1)
    assert len(code.strip().splitlines()) <= 5
    exec(compile(code, "README example", "exec"), {"print": lambda *a: None})
