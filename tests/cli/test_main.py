"""The `gelu` entry point: help, version, registry, exit codes, plain vs rich output."""
import importlib
import io
import os
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from gelu.cli import SUBCOMMANDS, build_parser
from gelu.cli._output import Output


def test_help_lists_every_subcommand(cli):
    code, out, _ = cli("--help")
    assert code == 0
    for name in SUBCOMMANDS:
        assert name in out
    assert "gelu demo" in out


def test_no_command_prints_help(cli):
    code, out, _ = cli()
    assert code == 0
    assert "commands" in out and "demo" in out


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_help_with_examples(cli, name):
    code, out, _ = cli(name, "--help")
    assert code == 0
    assert f"gelu {name}" in out
    assert "examples:" in out


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_modules_follow_the_registry_contract(name):
    module = importlib.import_module(f"gelu.cli.{name}")
    assert module.SUMMARY and module.DESCRIPTION and module.EXAMPLES
    assert callable(module.add_arguments) and callable(module.run)


def test_registry_builds_one_parser_per_subcommand():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert list(sub.choices) == list(SUBCOMMANDS)


def test_version(cli):
    code, out, _ = cli("--version")
    assert code == 0
    assert out.startswith("gelu ")


def test_unknown_command_is_a_one_line_error(cli, one_line_error):
    code, _, err = cli("frobnicate")
    assert code == 2
    one_line_error(err, "frobnicate")


def test_unknown_option_is_a_one_line_error(cli, one_line_error):
    code, _, err = cli("demo", "--colour")
    assert code == 2
    one_line_error(err, "--colour")
    assert err.startswith("gelu demo: error:")   # the subcommand's name, not just "gelu"


def test_stray_argument_is_reported_by_its_subcommand(cli, one_line_error):
    code, _, err = cli("demo", "extra")
    assert code == 2
    one_line_error(err, "unrecognized arguments: extra")
    assert err.startswith("gelu demo: error:") and "gelu demo --help" in err


def test_console_script_points_at_main():
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "gelu"]
    assert script.value == "gelu.cli:main"


@pytest.mark.parametrize("module", ["gelu", "gelu.cli"])
def test_python_dash_m_runs_the_cli(cli_process, module):
    proc = cli_process("--help", module=module)
    assert proc.returncode == 0
    assert "demo" in proc.stdout


def test_process_exit_code_and_stderr_for_bad_input(cli_process):
    proc = cli_process("plot", "nosuchfunction")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        proc.stderr.strip()]  # exactly one line
    assert "unknown function 'nosuchfunction'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_plain_output_in_a_pipe():
    buf = io.StringIO()
    out = Output(stdout=buf, stderr=io.StringIO())
    assert not out.fancy  # a StringIO is not a terminal
    out.table(["name", "value"], [["gelu", "0.84"], ["relu", "1"]])
    lines = buf.getvalue().splitlines()
    assert lines[0].split() == ["name", "value"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["gelu", "0.84"]
    assert all(ch.isascii() for ch in buf.getvalue())


def test_rich_table_on_a_terminal():
    pytest.importorskip("rich")
    buf = io.StringIO()
    out = Output(stdout=buf, stderr=io.StringIO(), fancy=True)
    out.table(["name", "value"], [["gelu", "0.84"]], title="T")
    text = buf.getvalue()
    assert "gelu" in text and "0.84" in text
    assert any(ch in text for ch in "┃│┏━")  # box drawing: a real table


def test_progress_in_a_pipe_names_each_stage():
    err = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err)
    with out.progress(10, "working") as bar:
        bar.stage("first half")
        bar.advance(5)
        bar.stage("second half")
        bar.advance(5)
    assert err.getvalue().splitlines() == ["working...", "  first half", "  second half"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_on_stdout_is_one_line_not_a_traceback(tmp_path):
    with open("/dev/full", "w") as full:
        res = subprocess.run([sys.executable, "-m", "gelu", "demo", "--no-plot"], stdout=full,
                             stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=120)
    assert res.returncode == 1
    assert res.stderr.strip() == "gelu demo: error: could not write the output: No space left on device"
