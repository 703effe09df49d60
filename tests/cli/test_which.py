"""gelu which: names to formulas and ufuncs on the command line."""
import pytest

from gelu import variants


def test_hf_string(cli):
    code, out, err = cli("which", "gelu_fast")
    assert code == 0, err
    assert out.startswith("gelu_fast  (transformers)")
    assert "0.7978845608" in out
    assert "ufunc   : gelu.gelu_tanh  (tanh approximation)" in out
    assert "default : no" in out


def test_framework_changes_what_a_bare_name_means(cli):
    _, hf, _ = cli("which", "gelu")
    _, jax, _ = cli("which", "gelu", "--framework", "jax")
    assert "ufunc   : gelu.gelu  (exact GELU)" in hf
    assert "jax.nn.gelu(approximate=True)  (jax)" in jax
    assert "ufunc   : gelu.gelu_tanh" in jax
    assert "default : yes" in jax


def test_pasted_config_line(cli):
    code, out, _ = cli("which", '"hidden_act": "gelu_pytorch_tanh",')
    assert code == 0
    assert out.startswith("gelu_pytorch_tanh  (transformers)")


def test_outside_the_family_says_what_to_use(cli):
    code, out, _ = cli("which", "gelu_10")
    assert code == 0
    assert "ufunc   : none: not in the GELU family; use np.clip(gelu.gelu(x), -10, 10)" in out


def test_pitfalls_are_printed_whole(cli):
    _, out, _ = cli("which", "bias_gelu", "--framework", "megatron")
    text = " ".join(line.strip() for line in out.split("pitfalls:")[1].splitlines())
    assert text == variants.lookup("bias_gelu", "megatron").note


def test_list_shows_every_entry(cli):
    code, out, _ = cli("which", "--list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["name", "framework", "ufunc", "default", "formula"]
    assert len(lines) == 2 + len(variants.all_variants())
    assert any(line.startswith("quick_gelu") and " none " in line for line in lines)


def test_list_one_framework(cli):
    code, out, _ = cli("which", "--list", "--framework", "keras")
    assert code == 0
    rows = out.splitlines()[2:]
    assert len(rows) == 4 and all(" keras " in row for row in rows)


def test_list_markdown_is_the_doc_table(cli):
    code, out, _ = cli("which", "--list", "--markdown")
    assert code == 0
    assert out == variants.markdown_table()


@pytest.mark.parametrize("args, fragments", [
    (("gelu_nwe",), ("unknown GELU variant 'gelu_nwe'", "did you mean 'gelu_new'")),
    (("nn.GELU",), ("ambiguous", "pytorch", "mlx", "--framework")),
    (("gelu", "--framework", "caffe"), ("unknown framework 'caffe'",)),
    (("--list", "--framework", "caffe"), ("unknown framework 'caffe'",)),
    ((), ("give a NAME",)),
    (("gelu", "--list"), ("not both",)),
    (("gelu", "--markdown"), ("--markdown goes with --list",)),
])
def test_user_errors_are_one_line_exit_2(cli, one_line_error, args, fragments):
    code, out, err = cli("which", *args)
    assert code == 2
    assert out == ""
    one_line_error(err, "gelu which: error:", *fragments)


def test_runs_as_a_real_process(cli_process):
    res = cli_process("which", "keras.ops.gelu")
    assert res.returncode == 0, res.stderr
    assert "keras.ops.gelu(approximate=True)  (keras)" in res.stdout
    res = cli_process("which", "gelu_nwe")
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "did you mean" in res.stderr
