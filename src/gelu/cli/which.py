"""gelu which: what a framework's GELU name computes, and which ufunc matches it."""
from __future__ import annotations

import textwrap

from gelu.cli._errors import UsageError
from gelu.cli._output import Output

SUMMARY = "which GELU a framework's name computes (gelu_new, jax.nn.gelu, ...) and its ufunc"
DESCRIPTION = """\
Look up a GELU as a framework names it: a Hugging Face hidden_act string
(gelu, gelu_new, gelu_fast, gelu_pytorch_tanh, quick_gelu, ...), a call with
its approximate argument (jax.nn.gelu, F.gelu(approximate='tanh'),
keras.ops.gelu), or a fused kernel (Megatron, Transformer Engine, Liger).
Prints the formula it really computes, the `gelu` ufunc that computes the same
formula (gelu.gelu for exact GELU, gelu.gelu_tanh for the tanh approximation,
or none), whether it is the framework's default, and the known pitfalls.
Case, spaces and quote style do not matter; a pasted config line such as
'"hidden_act": "gelu_new"' works.  A bare name means the Hugging Face string
unless --framework says otherwise."""
EXAMPLES = """\
examples:
  gelu which gelu_new
  gelu which gelu --framework jax
  gelu which "F.gelu(approximate='tanh')"
  gelu which --list
  gelu which --list --framework keras
  gelu which --list --markdown        # the table in docs/variants.md"""


def add_arguments(parser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME",
                        help="the GELU name as your framework or config spells it")
    parser.add_argument("--framework", metavar="F",
                        help="pytorch, jax, tensorflow, keras, mlx, transformers, megatron, "
                             "transformer_engine, liger or onnx (narrows the lookup or --list)")
    parser.add_argument("--list", action="store_true", help="print every known name")
    parser.add_argument("--markdown", action="store_true",
                        help="with --list: print a Markdown table with the pitfalls")


def _ufunc_text(v) -> str:
    if v.ufunc is None:
        return f"none: not in the GELU family; use {v.instead}"
    return f"gelu.{v.ufunc}  ({'exact GELU' if v.ufunc == 'gelu' else 'tanh approximation'})"


def _show(v, out: Output) -> None:
    out.line(f"{v.name}  ({v.framework})")
    out.line(f"  formula : {v.formula}")
    out.line(f"  ufunc   : {_ufunc_text(v)}")
    out.line(f"  default : {'yes' if v.is_default else 'no'}")
    wrapped = textwrap.wrap(v.note, width=66)
    out.line(f"  pitfalls: {wrapped[0]}")
    for line in wrapped[1:]:
        out.line(f"            {line}")


def run(args, out: Output) -> int:
    from gelu import variants

    if args.list and args.name is not None:
        raise UsageError("give a NAME or --list, not both")
    if args.markdown and not args.list:
        raise UsageError("--markdown goes with --list")
    try:
        if args.list:
            chosen = variants.all_variants(args.framework)
            if args.markdown:
                for line in variants.markdown_table(chosen).splitlines():
                    out.line(line)
                return 0
            out.table(("name", "framework", "ufunc", "default", "formula"),
                      [(v.name, v.framework, f"gelu.{v.ufunc}" if v.ufunc else "none",
                        "yes" if v.is_default else "no", v.formula) for v in chosen],
                      align="lllll")
            return 0
        if args.name is None:
            raise UsageError("give a NAME (e.g. gelu_new) or --list")
        _show(variants.lookup(args.name, args.framework), out)
    except ValueError as exc:  # unknown or ambiguous name, unknown framework
        raise UsageError(str(exc)) from None
    return 0
