"""Which GELU is my model using?  A registry of the names frameworks give GELU.

Every framework spells GELU differently and picks a different default: PyTorch
and TensorFlow default to exact GELU, JAX and ``keras.ops`` to the tanh
approximation, and several fused kernels compute the tanh form under the plain
name ``gelu``.  A model trained with one variant and served with the other
drifts by up to 4.73e-4 per activation.  This module maps each name as a user
meets it (an HF ``hidden_act`` string, a function call with its ``approximate``
argument, a fused-kernel flag) to the formula it really computes and to the
``gelu`` ufunc that computes that formula, or says that none does.

>>> import gelu.variants as gv
>>> v = gv.lookup("gelu", framework="jax")
>>> v.name, v.ufunc
('jax.nn.gelu(approximate=True)', 'gelu_tanh')

Formulas are written as Python expressions in ``x`` with ``erf``, ``erfc``,
``tanh``, ``sigmoid`` (the logistic function), ``sqrt``, ``pi`` and ``clip``,
using each source's own constants, so the tests can evaluate them.  Every fact
here was checked against the framework's documentation or source code.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Variant", "all_variants", "frameworks", "lookup", "ufunc", "markdown_table"]


@dataclass(frozen=True)
class Variant:
    """One GELU spelling: what it is called, what it computes, what to use here.

    ``ufunc`` names the `gelu` ufunc that computes ``formula`` ("gelu" or
    "gelu_tanh"), or is None when the formula is outside the GELU family; then
    ``instead`` says what to compute.  ``is_default`` is True when this is what
    the framework gives you without asking (an argument left at its default).
    """

    name: str
    framework: str
    formula: str
    ufunc: str | None
    is_default: bool
    note: str
    aliases: tuple[str, ...] = ()
    instead: str | None = None


_EXACT = "0.5 * x * (1 + erf(x / sqrt(2)))"
_TANH = "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))"
_QUICK = "x * sigmoid(1.702 * x)"
_QUICK_INSTEAD = "x * scipy.special.expit(1.702 * x)"

# Canonical framework name -> other spellings accepted by lookup(framework=...).
_FRAMEWORKS: dict[str, tuple[str, ...]] = {
    "transformers": ("hf", "huggingface"),
    "pytorch": ("torch",),
    "jax": ("flax",),
    "tensorflow": ("tf",),
    "keras": ("keras3",),
    "mlx": (),
    "megatron": ("megatron-lm", "megatron-core", "mcore"),
    "transformer_engine": ("te", "transformer-engine", "transformerengine"),
    "liger": ("liger-kernel", "liger_kernel"),
    "diffusers": (),
    "onnx": (),
}

_VARIANTS: tuple[Variant, ...] = (
    # --- Hugging Face transformers: config.hidden_act -> ACT2FN -------------
    Variant(
        "gelu", "transformers", _EXACT, "gelu", False,
        "Exact GELU through torch.nn.functional.gelu. Gemma exception: its official configs say "
        "hidden_act='gelu' but the model was trained with tanh, and transformers swaps in "
        "gelu_pytorch_tanh (via hidden_activation in 4.x, by rewriting hidden_act in 5.x); "
        "a runtime that takes hidden_act literally serves exact GELU to a tanh-trained model.",
    ),
    Variant(
        "gelu_python", "transformers", "x * 0.5 * (1 + erf(x / sqrt(2)))", "gelu", False,
        "Exact GELU in Python torch ops. 1 + erf cancels for negative x: in float32 it is 57 % "
        "wrong at x = -5.5 and exactly 0 from about x = -5.55, where gelu.gelu keeps the true values.",
    ),
    Variant(
        "gelu_new", "transformers", _TANH, "gelu_tanh", False,
        "The tanh approximation, not exact GELU, whatever the name suggests. "
        "GPT2Config's default activation_function.",
    ),
    Variant(
        "gelu_fast", "transformers",
        "0.5 * x * (1 + tanh(x * 0.7978845608 * (1 + 0.044715 * x**2)))", "gelu_tanh", False,
        "The tanh approximation with u factored as x * c * (1 + 0.044715 x^2) and c = sqrt(2/pi) "
        "rounded to 0.7978845608 (3.6e-12 relative): identical in exact arithmetic except for "
        "that constant, so it stays within 3e-11 relative of gelu.gelu_tanh on [-3, 3].",
    ),
    Variant(
        "gelu_accurate", "transformers",
        "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))", "gelu_tanh", False,
        "Despite the name, the tanh approximation (the same formula as gelu_new), not exact GELU.",
    ),
    Variant(
        "gelu_pytorch_tanh", "transformers", _TANH, "gelu_tanh", False,
        "torch.nn.functional.gelu(approximate='tanh'): PyTorch's built-in kernel for the same "
        "formula as gelu_new. What Gemma was trained with.",
    ),
    Variant(
        "gelu_python_tanh", "transformers",
        "x * 0.5 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))", "gelu_tanh", False,
        "The same tanh formula in Python torch ops; older transformers releases lack this name.",
    ),
    Variant(
        "quick_gelu", "transformers", _QUICK, None, False,
        "Not GELU: a sigmoid approximation (CLIP's quick GELU) that differs from exact GELU by up "
        "to 0.0203 (at |x| = 2.27); neither gelu ufunc may stand in for it.",
        instead=_QUICK_INSTEAD,
    ),
    Variant(
        "gelu_10", "transformers", "clip(0.5 * x * (1 + erf(x / sqrt(2))), -10, 10)", None, False,
        "Exact GELU clipped to [-10, 10] for quantization. The lower bound never acts "
        "(GELU >= -0.17); above x = 10 the output is capped at 10.",
        instead="np.clip(gelu.gelu(x), -10, 10)",
    ),
    # --- PyTorch ------------------------------------------------------------
    Variant(
        "torch.nn.functional.gelu(approximate='none')", "pytorch", _EXACT, "gelu", True,
        "The PyTorch default. Computed with 1 + erf, which fails in the far left tail "
        "(1.5e7 ulp in float32 on [-5.5, -3]); on CPU the oneDNN path returns NaN at +inf.",
        aliases=("gelu", "torch.nn.functional.gelu", "F.gelu", "F.gelu(approximate='none')",
                 "torch.nn.GELU", "torch.nn.GELU(approximate='none')", "nn.GELU",
                 "nn.GELU(approximate='none')"),
    ),
    Variant(
        "torch.nn.functional.gelu(approximate='tanh')", "pytorch", _TANH, "gelu_tanh", False,
        "Opt-in tanh approximation; the formula of HF gelu_new and gelu_pytorch_tanh.",
        aliases=("F.gelu(approximate='tanh')", "torch.nn.GELU(approximate='tanh')",
                 "nn.GELU(approximate='tanh')"),
    ),
    # --- JAX / Flax -----------------------------------------------------------
    Variant(
        "jax.nn.gelu(approximate=True)", "jax",
        "x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))", "gelu_tanh", True,
        "The JAX default is the tanh approximation, the opposite of PyTorch and TensorFlow: "
        "porting a JAX/Flax checkpoint to F.gelu's default (or back) silently switches variant. "
        "flax.linen.gelu is this same function.",
        aliases=("gelu", "jax.nn.gelu", "flax.linen.gelu", "flax.linen.gelu(approximate=True)"),
    ),
    Variant(
        "jax.nn.gelu(approximate=False)", "jax", "x / 2 * erfc(-x / sqrt(2))", "gelu", False,
        "Exact GELU has to be asked for. Written with erfc, so the left tail does not cancel.",
        aliases=("flax.linen.gelu(approximate=False)",),
    ),
    # --- TensorFlow -----------------------------------------------------------
    Variant(
        "tf.nn.gelu(approximate=False)", "tensorflow", _EXACT, "gelu", True,
        "The TensorFlow default. Computed with 1 + erf, which cancels in the far left tail.",
        aliases=("gelu", "tf.nn.gelu"),
    ),
    Variant(
        "tf.nn.gelu(approximate=True)", "tensorflow",
        "0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x**3)))", "gelu_tanh", False,
        "Opt-in tanh approximation.",
    ),
    # --- Keras 3 --------------------------------------------------------------
    Variant(
        "keras.activations.gelu(approximate=False)", "keras", _EXACT, "gelu", True,
        "Default of keras.activations.gelu and of the string activation='gelu' in Keras layers, "
        "while keras.ops.gelu defaults to the tanh form: one library, two defaults.",
        aliases=("gelu", "keras.activations.gelu", "activation='gelu'"),
    ),
    Variant(
        "keras.activations.gelu(approximate=True)", "keras", _TANH, "gelu_tanh", False,
        "Opt-in tanh approximation.",
    ),
    Variant(
        "keras.ops.gelu(approximate=True)", "keras", _TANH, "gelu_tanh", True,
        "keras.ops.gelu defaults to the tanh approximation, keras.activations.gelu to exact GELU.",
        aliases=("keras.ops.gelu", "keras.ops.nn.gelu"),
    ),
    Variant(
        "keras.ops.gelu(approximate=False)", "keras", _EXACT, "gelu", False,
        "Opt-in exact GELU.",
        aliases=("keras.ops.nn.gelu(approximate=False)",),
    ),
    # --- MLX ------------------------------------------------------------------
    Variant(
        "mlx.nn.gelu", "mlx", "x * (1 + erf(x / sqrt(2))) / 2", "gelu", True,
        "The MLX default, also nn.GELU() (approx='none'). Computed with 1 + erf.",
        aliases=("gelu", "nn.gelu", "mlx.nn.GELU(approx='none')",
                 "nn.GELU(approx='none')"),
    ),
    Variant(
        "mlx.nn.gelu_approx", "mlx", _TANH, "gelu_tanh", False,
        "Current MLX computes the tanh formula; older releases computed "
        "x * sigmoid(1.60033 * x * (1 + 0.0433603 * x**2)) under the same name, a different "
        "approximation, so check which MLX a checkpoint was trained with. In current MLX "
        "nn.GELU(approx='tanh') is an alias of approx='precise'.",
        aliases=("gelu_approx", "nn.gelu_approx", "mlx.nn.GELU(approx='precise')",
                 "nn.GELU(approx='precise')", "mlx.nn.GELU(approx='tanh')",
                 "nn.GELU(approx='tanh')"),
    ),
    Variant(
        "mlx.nn.gelu_fast_approx", "mlx", _QUICK, None, False,
        "Not GELU: the same x * sigmoid(1.702 x) as HF quick_gelu, up to 0.0203 from exact GELU.",
        aliases=("gelu_fast_approx", "nn.gelu_fast_approx", "mlx.nn.GELU(approx='fast')",
                 "nn.GELU(approx='fast')"),
        instead=_QUICK_INSTEAD,
    ),
    # --- fused GPU kernels ------------------------------------------------------
    Variant(
        "megatron.core.fusions.fused_bias_gelu.bias_gelu", "megatron",
        "x * 0.5 * (1 + tanh(0.79788456 * x * (1 + 0.044715 * x**2)))", "gelu_tanh", False,
        "Megatron-core's MLP runs this fused tanh kernel (x = input + bias, sqrt(2/pi) "
        "rounded to 0.79788456, 1e-9 relative) when bias_activation_fusion=True and "
        "activation_func=F.gelu, not the exact F.gelu the config names; GEGLU "
        "(gated_linear_unit=True) likewise uses tanh via bias_geglu_impl. megatron-core's "
        "TransformerConfig defaults the flag to False, but Megatron-LM's command line "
        "(pretrain_gpt.py and the like) turns it on unless --no-bias-gelu-fusion is given, so a "
        "GELU model with biases trained that way ran tanh by default; exporting it with "
        "hidden_act='gelu' serves exact GELU to a tanh-trained model. (With --swiglu the same "
        "flag fuses SwiGLU instead, which is not GELU.)",
        aliases=("bias_gelu", "bias_gelu_impl", "bias_geglu_impl", "bias_gelu_fusion"),
    ),
    Variant(
        "transformer_engine.pytorch.LayerNormMLP(activation='gelu')", "transformer_engine",
        "x * (0.5 + 0.5 * tanh(x * (0.79788456 + 0.03567741 * x**2)))", "gelu_tanh", True,
        "activation='gelu', the default of LayerNormMLP and TransformerLayer, is the tanh "
        "approximation, evaluated in float32 with sqrt(2/pi) rounded to 0.79788456 and "
        "0.03567741 for 0.79788456 * 0.044715.",
        aliases=("gelu", "LayerNormMLP(activation='gelu')", "TransformerLayer(activation='gelu')",
                 "transformer_engine.pytorch.TransformerLayer(activation='gelu')",
                 "activation='gelu'"),
    ),
    Variant(
        "liger_kernel.transformers.geglu.LigerGEGLUMLP", "liger",
        "0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x**3)))", "gelu_tanh", True,
        "The GEGLU gate, computed in float32. LigerGEGLUMLP ignores config.hidden_act and always "
        "uses tanh (it assumes Gemma's gelu_pytorch_tanh), so patching an exact-GELU model with "
        "it changes the activation.",
        aliases=("LigerGEGLUMLP", "LigerGELUMulFunction", "geglu"),
    ),
    Variant(
        "diffusers.models.activations.GEGLU", "diffusers", _EXACT, "gelu", True,
        "The GEGLU of Stable Diffusion's FeedForward (activation_fn='geglu', the default of its "
        "transformer blocks, as in the original ldm code): value * F.gelu(gate), exact GELU. "
        "activation_fn='geglu-approximate' selects ApproximateGELU instead, x * sigmoid(1.702 x) "
        "with no gate (quick GELU). Liger's GEGLU, by the same name, is always tanh.",
        aliases=("geglu", "activation_fn='geglu'", "FeedForward(activation_fn='geglu')"),
    ),
    # --- ONNX -----------------------------------------------------------------
    Variant(
        "Gelu(approximate='none')", "onnx", _EXACT, "gelu", True,
        "The ONNX Gelu operator (opset 20 and later) defaults to exact GELU, so a tanh-trained "
        "model must be exported with approximate='tanh'. Importers have ignored the attribute "
        "(TVM, apache/tvm issue 18750).",
        aliases=("gelu", "onnx.Gelu", "onnx::Gelu"),
    ),
    Variant(
        "Gelu(approximate='tanh')", "onnx", _TANH, "gelu_tanh", False,
        "Right only where the runtime honours the approximate attribute.",
        aliases=("onnx.Gelu(approximate='tanh')",),
    ),
)


# -- lookup -------------------------------------------------------------------

# A line pasted from a config ("hidden_act": "gelu_new", hidden_act='gelu')
# names the variant by its value.
_CONFIG_LINE = re.compile(
    r"""^['"]?(?:hidden_act|hidden_activation|activation_function)['"]?\s*[:=]\s*(.+?)\s*,?\s*$""")


def _normalize(name: str) -> str:
    """Case, spaces, quote style and a trailing () do not matter."""
    text = name.strip()
    match = _CONFIG_LINE.match(text)
    if match:
        text = match.group(1)
    text = "".join(text.replace('"', "'").split()).lower()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1]
    if text.endswith("()"):
        text = text[:-2]
    return text


_FRAMEWORK_KEYS = {_normalize(spelling): canonical
                   for canonical, others in _FRAMEWORKS.items()
                   for spelling in (canonical, *others)}

# normalized spelling -> entries whose canonical name / alias it is
_BY_NAME: dict[str, list[Variant]] = {}
_BY_ALIAS: dict[str, list[Variant]] = {}
for _v in _VARIANTS:
    _BY_NAME.setdefault(_normalize(_v.name), []).append(_v)
    for _alias in _v.aliases:
        _BY_ALIAS.setdefault(_normalize(_alias), []).append(_v)
del _v, _alias


def all_variants(framework: str | None = None) -> tuple[Variant, ...]:
    """Every registered variant, grouped by framework, or one framework's."""
    fw = _framework(framework)
    return tuple(v for v in _VARIANTS if fw is None or v.framework == fw)


def frameworks() -> tuple[str, ...]:
    """The canonical framework names, in registry order."""
    return tuple(_FRAMEWORKS)


def _framework(framework: str | None) -> str | None:
    if framework is None:
        return None
    if not isinstance(framework, str):
        raise TypeError(f"framework must be a str or None, not {type(framework).__name__}")
    key = _FRAMEWORK_KEYS.get(_normalize(framework))
    if key is None:
        raise ValueError(f"unknown framework {framework!r}; choose from {', '.join(_FRAMEWORKS)}")
    return key


def lookup(name: str, framework: str | None = None) -> Variant:
    """The variant a name denotes, e.g. ``lookup("gelu_new")``.

    ``name`` is matched without regard to case, spaces or quote style; a
    config line such as ``"hidden_act": "gelu_fast"`` works too.  A canonical
    name wins over an alias, so a bare "gelu" means the HF ``hidden_act``
    string unless ``framework`` (e.g. "jax", "keras") says otherwise.
    Raises ValueError for an unknown or ambiguous name, with suggestions.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, not {type(name).__name__}")
    fw = _framework(framework)
    key = _normalize(name)
    if not key:
        raise ValueError("name must not be empty; `gelu which --list` shows every name")
    for table in (_BY_NAME, _BY_ALIAS):
        found = [v for v in table.get(key, ()) if fw is None or v.framework == fw]
        if len(found) == 1:
            return found[0]
        if found:
            where = ", ".join(f"{v.framework} ({v.name})" for v in found)
            raise ValueError(f"{name!r} is ambiguous: {where}; name the framework "
                             f"(framework=... or --framework)")
    raise ValueError(_unknown_message(name, key, fw))


def _unknown_message(name: str, key: str, fw: str | None) -> str:
    pool = [v for v in _VARIANTS if fw is None or v.framework == fw]
    spellings: dict[str, str] = {}  # normalized -> how to show it
    for v in pool:
        for s in (v.name, *v.aliases):
            spellings.setdefault(_normalize(s), s)
    close = difflib.get_close_matches(key, list(spellings), n=4, cutoff=0.6)
    where = f" for {fw}" if fw else ""
    hint = f"; did you mean {', '.join(repr(spellings[c]) for c in close)}?" if close else ""
    return f"unknown GELU variant {name!r}{where}{hint} (`gelu which --list` shows every name)"


def ufunc(name: str, framework: str | None = None) -> np.ufunc:
    """The `gelu` ufunc that computes what ``name`` computes.

    Raises ValueError when the variant's formula is not in the GELU family
    (quick GELU, clipped GELU), saying what to compute instead.
    """
    v = lookup(name, framework)
    if v.ufunc is None:
        raise ValueError(f"{v.name} ({v.framework}) computes {v.formula}, which no gelu ufunc "
                         f"computes; use instead: {v.instead}")
    import gelu

    found: np.ufunc = getattr(gelu, v.ufunc)
    return found


# -- the table docs/variants.md shows ----------------------------------------------

def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(variants: Iterable[Variant] | None = None) -> str:
    """The registry as a Markdown table (the one in docs/variants.md)."""
    rows = [
        "| name | framework | formula | gelu ufunc | default | pitfalls |",
        "|---|---|---|---|---|---|",
    ]
    for v in (_VARIANTS if variants is None else variants):
        fn = f"`gelu.{v.ufunc}`" if v.ufunc else f"none: use `{v.instead}`"
        rows.append(f"| `{_cell(v.name)}` | {v.framework} | `{_cell(v.formula)}` | {_cell(fn)} | "
                    f"{'yes' if v.is_default else 'no'} | {_cell(v.note)} |")
    return "\n".join(rows) + "\n"
