"""The benchmark module runs end to end (tiny sizes; no speed assertions)."""

import pytest

torch = pytest.importorskip("torch")

from gelu.torch import bench  # noqa: E402


def test_time_call_counts_calls_and_returns_seconds():
    calls = []
    seconds = bench.time_call(lambda: calls.append(1), min_time=0.01, repeat=3)
    assert seconds > 0 and len(calls) >= 2 + 3


def test_rows_and_table():
    rows = bench.mlp_rows(tokens=4, configs=[("tiny", "tanh", 8, 16)], compile=False,
                          min_time=0.001)
    rows += bench.activation_rows(sizes=[100], min_time=0.001)
    assert [r.section for r in rows] == ["mlp eager", "forward none", "backward none", "train step none",
                                        "forward tanh", "backward tanh", "train step tanh"]
    assert all(r.torch_s > 0 and r.gelu_s > 0 and r.ratio == r.gelu_s / r.torch_s for r in rows)
    table = bench.format_rows(rows).splitlines()
    assert len(table) == 1 + len(rows)
    assert table[1].split()[-1] == f"{rows[0].ratio:.2f}"
    assert "M/s" in table[2] and "ms" in table[1]


def test_main_rejects_bad_thread_count(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--threads", "0"])
    assert "threads must be a whole number from 1 to 512" in capsys.readouterr().err


def test_time_pair_interleaves_both():
    order = []
    a, b = bench.time_pair(lambda: order.append("a"), lambda: order.append("b"),
                           min_time=0.001, repeat=3)
    assert a > 0 and b > 0
    timed = order[4:]  # after two warm-up calls each
    assert timed[0] == "a" and "b" in timed and timed[-1] == "b"
