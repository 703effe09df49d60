"""gelu.variants: every written formula agrees with the ufunc it names, lookups
resolve the way users spell things, and docs/variants.md matches the registry."""
import math
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.special

import gelu
from gelu import variants as gv

VARIANTS = gv.all_variants()
ids = lambda v: f"{v.framework}:{v.name}"  # noqa: E731
DOC = Path(__file__).resolve().parents[1] / "docs" / "variants.md"

# Away from the tails, where 1 + erf and 1 + tanh in the written formulas
# would cancel and the comparison would measure NumPy, not the formula.
X = np.linspace(-3.0, 3.0, 6001)
XNZ = X[X != 0]  # for relative gaps
S = math.sqrt(2 / math.pi)
# Entries whose source rounds a constant of the tanh formula.  On [-3, 3] the
# output moves by at most 2|u|(1 - sigmoid(2u)) <= 6.8 times the relative
# change in u = S(x + 0.044715 x^3), so 8 times the constant's relative
# rounding bounds the difference.
ROUNDED = {
    "gelu_fast": abs(0.7978845608 / S - 1),
    "megatron.core.fusions.fused_bias_gelu.bias_gelu": abs(0.79788456 / S - 1),
    "transformer_engine.pytorch.LayerNormMLP(activation='gelu')":
        max(abs(0.79788456 / S - 1), abs(0.03567741 / (S * 0.044715) - 1)),
}


def evaluate(formula, x):
    """The written formula, evaluated in float64 with nothing but these names."""
    names = {"x": x, "erf": scipy.special.erf, "erfc": scipy.special.erfc, "tanh": np.tanh,
             "sigmoid": scipy.special.expit, "sqrt": np.sqrt, "pi": np.pi, "clip": np.clip}
    return eval(formula, {"__builtins__": {}}, names)


@pytest.mark.parametrize("v", [v for v in VARIANTS if v.ufunc], ids=ids)
def test_formula_matches_its_ufunc(v):
    rtol = 8 * ROUNDED[v.name] if v.name in ROUNDED else 1e-12
    np.testing.assert_allclose(evaluate(v.formula, X), getattr(gelu, v.ufunc)(X),
                               rtol=rtol, atol=0)


def test_rounded_constants_are_visible_and_bounded():
    """The rounding tolerances above are not slack: each constant shows."""
    for name, rel in ROUNDED.items():
        v = gv.lookup(name)
        err = np.max(np.abs(evaluate(v.formula, XNZ) / gelu.gelu_tanh(XNZ) - 1))
        assert 1e-12 < err <= 8 * rel, (name, err, rel)
    # gelu_fast's note promises "within 3e-11 relative of gelu.gelu_tanh on [-3, 3]".
    fast = gv.lookup("gelu_fast")
    assert "3e-11" in fast.note
    assert np.max(np.abs(evaluate(fast.formula, XNZ) / gelu.gelu_tanh(XNZ) - 1)) < 3e-11


@pytest.mark.parametrize("v", [v for v in VARIANTS if v.ufunc is None], ids=ids)
def test_outside_the_family_says_what_to_use(v):
    x = np.concatenate([X, [10.5, 25.0]])  # gelu_10's clip acts above 10
    names = {"np": np, "gelu": gelu, "scipy": scipy, "x": x}
    instead = eval(v.instead, {"__builtins__": {}}, names)
    np.testing.assert_allclose(instead, evaluate(v.formula, x), rtol=1e-12, atol=1e-300)
    with pytest.raises(ValueError, match="use instead") as info:
        gv.ufunc(v.name, v.framework)
    assert v.instead in str(info.value)


def test_quick_gelu_is_not_close_to_either_variant():
    q = evaluate(gv.lookup("quick_gelu").formula, X)
    for f in (gelu.gelu, gelu.gelu_tanh):
        assert np.max(np.abs(q - f(X))) > 0.01


def test_ufunc_returns_the_real_ufunc():
    assert gv.ufunc("gelu_new") is gelu.gelu_tanh
    assert gv.ufunc("gelu") is gelu.gelu
    assert gv.ufunc("gelu_accurate") is gelu.gelu_tanh  # the name misleads
    assert gv.ufunc("F.gelu") is gelu.gelu


@pytest.mark.parametrize("framework, name, ufunc", [
    ("jax", "jax.nn.gelu", "gelu_tanh"),       # JAX defaults to approximate=True
    ("jax", "gelu", "gelu_tanh"),
    ("jax", "flax.linen.gelu", "gelu_tanh"),
    ("pytorch", "gelu", "gelu"),
    ("pytorch", "nn.GELU()", "gelu"),
    ("tensorflow", "tf.nn.gelu", "gelu"),
    ("keras", "keras.activations.gelu", "gelu"),
    ("keras", "keras.ops.gelu", "gelu_tanh"),  # same library, other default
    ("mlx", "gelu", "gelu"),
    ("onnx", "Gelu", "gelu"),
    ("transformer_engine", "gelu", "gelu_tanh"),
])
def test_defaults(framework, name, ufunc):
    v = gv.lookup(name, framework)
    assert v.is_default
    assert v.ufunc == ufunc


def test_each_framework_switch_has_one_default():
    """For a call with an approximate= switch, exactly one setting is the default."""
    calls = {}
    for v in VARIANTS:
        m = re.fullmatch(r"(.+)\((approximate|approx)=.*\)", v.name)
        if m:
            calls.setdefault(m.group(1), []).append(v.is_default)
    assert len(calls) >= 6
    for call, flags in calls.items():
        assert flags.count(True) == 1, call


def test_frameworks_are_the_ones_in_use():
    assert set(gv.frameworks()) == {v.framework for v in VARIANTS}
    assert gv.all_variants() == VARIANTS


def test_hf_strings_are_never_defaults_and_cover_act2fn_gelus():
    hf = {v.name for v in gv.all_variants("transformers")}
    assert hf == {"gelu", "gelu_python", "gelu_new", "gelu_fast", "gelu_accurate",
                  "gelu_pytorch_tanh", "gelu_python_tanh", "quick_gelu", "gelu_10"}
    assert not any(v.is_default for v in gv.all_variants("hf"))


@pytest.mark.parametrize("spelling, name", [
    ("GELU_NEW", "gelu_new"),
    ("  gelu_fast ", "gelu_fast"),
    ('"gelu_pytorch_tanh"', "gelu_pytorch_tanh"),
    ('"hidden_act": "gelu_new",', "gelu_new"),
    ("hidden_act='gelu_accurate'", "gelu_accurate"),
    ("activation_function = gelu_new", "gelu_new"),
    ('F.gelu(approximate="tanh")', "torch.nn.functional.gelu(approximate='tanh')"),
    ("F.gelu( approximate = 'tanh' )", "torch.nn.functional.gelu(approximate='tanh')"),
    ("jax.nn.gelu(approximate=False)", "jax.nn.gelu(approximate=False)"),
    ("bias_gelu_fusion", "megatron.core.fusions.fused_bias_gelu.bias_gelu"),
])
def test_lookup_spellings(spelling, name):
    assert gv.lookup(spelling).name == name


def test_canonical_name_beats_alias():
    # "gelu" is the HF string; the frameworks' short names need framework=.
    assert gv.lookup("gelu").framework == "transformers"
    assert gv.lookup("GELU", framework="TF").framework == "tensorflow"


def test_every_spelling_resolves_to_its_own_entry():
    for v in VARIANTS:
        assert gv.lookup(v.name, v.framework) is v
        for alias in v.aliases:
            assert gv.lookup(alias, v.framework) is v, alias


def test_names_are_unique_within_a_framework():
    seen = set()
    for v in VARIANTS:
        for s in (v.name, *v.aliases):
            key = (v.framework, "".join(s.replace('"', "'").split()).lower())
            assert key not in seen, key
            seen.add(key)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match="unknown GELU variant 'gelu_nwe'") as info:
        gv.lookup("gelu_nwe")
    assert "'gelu_new'" in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_name_within_a_framework():
    with pytest.raises(ValueError, match="for jax") as info:
        gv.lookup("jax.nn.gleu", framework="jax")
    assert "jax.nn.gelu" in str(info.value)


def test_megatron_fusion_flag_alone_is_not_taken_for_gelu():
    # bias_activation_fusion also fuses SwiGLU (with --swiglu): no GELU entry claims it
    with pytest.raises(ValueError, match="unknown GELU variant"):
        gv.lookup("bias_activation_fusion=True")


def test_ambiguous_name_lists_the_frameworks():
    with pytest.raises(ValueError, match="ambiguous") as info:
        gv.lookup("nn.GELU")  # PyTorch's and MLX's
    assert "pytorch" in str(info.value) and "mlx" in str(info.value)
    assert gv.lookup("nn.GELU", framework="mlx").name == "mlx.nn.gelu"
    # GEGLU: exact in diffusers (Stable Diffusion), tanh in Liger
    with pytest.raises(ValueError, match="ambiguous") as info:
        gv.lookup("geglu")
    assert "diffusers" in str(info.value) and "liger" in str(info.value)
    assert gv.ufunc("geglu", framework="diffusers").__name__ == "gelu"
    assert gv.ufunc("geglu", framework="liger").__name__ == "gelu_tanh"


@pytest.mark.parametrize("bad, exc, fragment", [
    (3, TypeError, "name must be a str"),
    (None, TypeError, "name must be a str"),
    ("", ValueError, "must not be empty"),
])
def test_bad_names(bad, exc, fragment):
    with pytest.raises(exc, match=fragment):
        gv.lookup(bad)


def test_bad_framework():
    with pytest.raises(ValueError, match="unknown framework 'caffe'; choose from .*pytorch"):
        gv.lookup("gelu", framework="caffe")
    with pytest.raises(TypeError, match="framework must be a str"):
        gv.all_variants(framework=1)


def test_variants_are_frozen():
    v = gv.lookup("gelu_new")
    with pytest.raises(AttributeError):
        v.ufunc = "gelu"


def test_import_gelu_does_not_load_the_registry():
    import subprocess
    import sys

    code = "import sys, gelu; print('gelu.variants' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "False"


# -- docs/variants.md ------------------------------------------------------------

def doc_text():
    if not DOC.exists():
        pytest.skip("docs/ not present (installed package tested outside the repository)")
    return DOC.read_text(encoding="utf-8")


def test_doc_table_is_the_generated_one():
    text = doc_text()
    start, end = "<!-- variants-table -->\n", "<!-- /variants-table -->"
    table = text[text.index(start) + len(start):text.index(end)]
    assert table == gv.markdown_table(), "regenerate with `gelu which --list --markdown`"


def test_doc_numbers_match_the_ufuncs():
    text = doc_text()
    x = np.linspace(0.0, 8.0, 800001)  # both gaps are even functions of x
    gap = np.abs(gelu.gelu_tanh(x) - gelu.gelu(x))
    i = int(np.argmax(gap))
    assert f"**{gap[i]:.2e}**".replace("e-0", "e-") in text  # 4.73e-4
    assert f"**|x| ≈ {x[i]:.2f}**" in text  # 2.70
    assert f"about {round(gap[i] / np.spacing(np.float32(x[i])), -3):,.0f} float32 ulps" in text

    quick = evaluate(gv.lookup("quick_gelu").formula, x)
    qgap = np.abs(quick - gelu.gelu(x))
    j = int(np.argmax(qgap))
    assert f"**{qgap[j]:.4f}**" in text  # 0.0203
    assert f"**|x| ≈ {x[j]:.2f}**" in text  # 2.27
    assert f"{qgap[j]:.4f} (at |x| = {x[j]:.2f})" in gv.lookup("quick_gelu").note


def test_markdown_table_shape():
    lines = gv.markdown_table().splitlines()
    assert len(lines) == 2 + len(VARIANTS)
    # six columns on every line: seven unescaped pipes
    assert all(len(re.findall(r"(?<!\\)\|", line)) == 7 for line in lines)
