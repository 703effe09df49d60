"""The kernels' coefficient tables are exactly what the generator produces."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "tools" / "gen_coefficients.py"


@pytest.mark.skipif(not GENERATOR.exists(), reason="needs the source tree")
def test_generated_header_is_up_to_date():
    pytest.importorskip("mpmath")
    r = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "header up to date" in r.stdout
    # the generator states its error bounds
    assert "mills overall: <= 2^-5" in r.stdout
