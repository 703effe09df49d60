"""The stubs match the compiled module, and mypy infers dtype-preserving
types from them."""

import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).parent / "typing_cases" / "public_api.py"


def run_mypy(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd
    )


def test_stubs_match_the_compiled_module(tmp_path):
    (tmp_path / "empty.ini").touch()  # no project config
    res = run_mypy("mypy.stubtest", "gelu._ufuncs", "--mypy-config-file",
                   str(tmp_path / "empty.ini"), cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_infers_dtype_preserving_types(tmp_path):
    res = run_mypy("mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
                   "--config-file", "", str(CASES), cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_rejects_a_wrong_dtype_claim(tmp_path):
    # The check above must be able to fail.
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "from typing import assert_type\n"
        "import numpy as np, numpy.typing as npt\n"
        "import gelu\n"
        "assert_type(gelu.gelu(np.zeros(3, np.float32)), npt.NDArray[np.float64])\n"
    )
    res = run_mypy("mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
                   "--config-file", "", str(wrong), cwd=tmp_path)
    assert res.returncode == 1 and "assert-type" in res.stdout, res.stdout + res.stderr
