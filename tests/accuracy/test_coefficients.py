"""The kernels' coefficient tables are exactly what the generators produce."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# generator, and a line it must print (its stated error bounds)
GENERATORS = [
    ("gen_coefficients.py", "mills overall: <= 2^-5"),
    ("gen_f32_tables.py", "<= 2^-29.0 relative (coefficients as stored)"),
    ("gen_f64_tables.py", "<= 2^-57.6 relative (coefficients as stored)"),
]


@pytest.mark.parametrize("script, states", GENERATORS, ids=[g for g, _ in GENERATORS])
def test_generated_header_is_up_to_date(script, states):
    generator = ROOT / "tools" / script
    if not generator.exists():
        pytest.skip("needs the source tree")
    pytest.importorskip("mpmath")
    r = subprocess.run([sys.executable, str(generator), "--check"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "header up to date" in r.stdout
    assert states in r.stdout
