"""``patch(model)``: swap a model's GELU modules for gelu.torch ones.

Each module is mapped to the formula it actually computes, so a model keeps
its variant: a model trained with the tanh formula keeps the tanh formula.
Modules are recognised by class, and Hugging Face ``transformers`` classes by
class name and module (``transformers.activations``), so ``transformers`` is
never imported here. Anything GELU-like that cannot be mapped exactly is left
untouched and listed in the report.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field

import torch

from . import _checks
from .modules import GELU, ClippedGELU

__all__ = ["patch", "PatchReport", "Replaced", "Skipped"]

_HF_MODULE = "transformers.activations"

_FAST_NOTE = (
    "uses 0.7978845608 for sqrt(2/pi) (relative difference 3.6e-12): the same "
    "constant once rounded to float32, float16 or bfloat16; in float64 its "
    "outputs differ from the tanh formula by about 1e-11 relative (1e-9 far in "
    "the left tail)"
)


_UNFUSED_NOTE = (
    "its TransformerEncoderLayer's fused inference path "
    "(torch._transformer_encoder_layer_fwd, which computes its own GELU) is "
    "turned off, so that the layer calls the module"
)


@dataclass(frozen=True)
class Replaced:
    """One module that ``patch`` replaced (or would replace, in a dry run).

    Attributes
    ----------
    name : str
        Dotted path of the module in the model, as in ``named_modules()``.
    original : str
        Fully qualified class name of the module that was there.
    replacement : str
        ``repr`` of the gelu.torch module put in its place.
    variant : str
        ``"none"`` (exact GELU) or ``"tanh"``: the formula both compute.
    note : str
        Anything about the match worth knowing; empty when it is exact.
    """

    name: str
    original: str
    replacement: str
    variant: str
    note: str = ""


@dataclass(frozen=True)
class Skipped:
    """One GELU-like module that ``patch`` left as it was, and why.

    Attributes
    ----------
    name : str
        Dotted path of the module in the model (``""`` for the model itself).
    original : str
        Fully qualified class name of the module.
    reason : str
        Why it was not replaced.
    """

    name: str
    original: str
    reason: str


@dataclass
class PatchReport:
    """What :func:`patch` did. ``print(report)`` gives a readable table.

    Attributes
    ----------
    replaced : list of Replaced
        Modules swapped for gelu.torch modules, in model order.
    skipped : list of Skipped
        GELU-like modules left untouched, with the reason.
    dry_run : bool
        True when the model was not modified.
    """

    replaced: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    dry_run: bool = False

    def __str__(self) -> str:
        verb = "would replace" if self.dry_run else "replaced"
        lines = [f"gelu.torch.patch: {verb} {len(self.replaced)} module(s), "
                 f"left {len(self.skipped)} alone"]
        for r in self.replaced:
            lines.append(f"  {verb}: {r.name}: {r.original} -> {r.replacement}")
            if r.note:
                lines.append(f"      note: {r.note}")
        for s in self.skipped:
            lines.append(f"  left alone: {s.name}: {s.original}: {s.reason}")
        return "\n".join(lines)


# A classifier's verdict is a tuple (factory building the replacement, variant,
# note) for a module to replace, a str giving the reason to leave it alone, or
# None for a module that is not GELU-like at all.


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _has_hooks(m: torch.nn.Module) -> bool:
    names = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
    return any(getattr(m, n, None) for n in names)


def _has_state(m: torch.nn.Module) -> bool:
    return any(True for _ in m.parameters()) or any(True for _ in m.buffers()) or any(
        True for _ in m.children()
    )


def _bound_to(act: object, m: torch.nn.Module, method: str) -> bool:
    return getattr(act, "__self__", None) is m and getattr(act, "__name__", None) == method


def _exact_act(m: torch.nn.Module):
    act = getattr(m, "act", None)
    if act is torch.nn.functional.gelu:
        return (lambda: GELU("none"), "none", "")
    if _bound_to(act, m, "_gelu_python"):
        return (lambda: GELU("none"), "none",
                "its Python form 0.5*x*(1 + erf(x/sqrt(2))) is exact GELU")
    return "its act attribute is not F.gelu nor _gelu_python; cannot tell its formula"


def _tanh_act(m: torch.nn.Module):
    act = getattr(m, "act", None)
    if (isinstance(act, functools.partial) and act.func is torch.nn.functional.gelu
            and not act.args and act.keywords == {"approximate": "tanh"}):
        return (lambda: GELU("tanh"), "tanh", "")
    if _bound_to(act, m, "_gelu_tanh_python"):
        return (lambda: GELU("tanh"), "tanh", "")
    if act is None and type(m).__name__ == "PytorchGELUTanh":
        # Older transformers: forward is F.gelu(input, approximate="tanh").
        return (lambda: GELU("tanh"), "tanh", "")
    return "its act attribute is not F.gelu(approximate='tanh') nor _gelu_tanh_python"


def _clipped(m: torch.nn.Module):
    lo, hi = getattr(m, "min", None), getattr(m, "max", None)
    try:
        ClippedGELU(lo, hi, "none")
    except (TypeError, ValueError) as exc:
        return f"its clip bounds are unusable ({exc})"
    return (lambda: ClippedGELU(lo, hi, "none"), "none", "")


def _fixed(variant: str, note: str = ""):
    return lambda m: (lambda: GELU(variant), variant, note)


_HF_CLASSES: dict = {
    "GELUActivation": _exact_act,
    "GELUTanh": _tanh_act,
    "PytorchGELUTanh": _tanh_act,
    "NewGELUActivation": _fixed("tanh"),
    "AccurateGELUActivation": _fixed("tanh", "despite its name it computes the tanh formula"),
    "FastGELUActivation": _fixed("tanh", _FAST_NOTE),
    "ClippedGELUActivation": _clipped,
    "QuickGELUActivation": lambda m: "x*sigmoid(1.702*x) is not a variant gelu computes",
}


def _classify(m: torch.nn.Module):
    cls = type(m)
    if cls in (GELU, ClippedGELU):
        return "already a gelu.torch module"
    if cls is torch.nn.GELU:
        if m.approximate not in _checks.APPROXIMATE:
            return f"approximate={m.approximate!r} is not a GELU variant"
        return (lambda: GELU(m.approximate), m.approximate, "")
    if isinstance(m, torch.nn.GELU):
        return "a subclass of torch.nn.GELU whose forward may differ"
    name = cls.__name__
    if cls.__module__ == _HF_MODULE and name in _HF_CLASSES:
        own_forward = getattr(cls.forward, "__qualname__", "") == f"{name}.forward"
        if "forward" in vars(m) or not own_forward:
            return "its forward was replaced (e.g. by a hub kernel); cannot tell its formula"
        return _HF_CLASSES[name](m)
    if "gelu" in name.lower():
        return "a GELU-like module gelu.torch does not know; its formula is unverified"
    return None


def _fused_activation(parent: torch.nn.Module, child_name: str) -> bool:
    """Whether ``parent`` is a TransformerEncoderLayer whose fused inference
    path would bypass its ``activation`` module ``child_name``.  The layer
    decides at construction (``activation_relu_or_gelu``: 1 for ReLU, 2 for
    nn.GELU and its subclasses, gt.GELU included) and in eval mode without
    grad calls ``torch._transformer_encoder_layer_fwd``, with ATen's own
    activation, instead of ``self.activation``; 0 makes it call the module."""
    return (child_name == "activation" and isinstance(parent, torch.nn.TransformerEncoderLayer)
            and bool(getattr(parent, "activation_relu_or_gelu", 0)))


def _unfuse(model: torch.nn.Module, layers: dict) -> None:
    """Turn off the fused inference path of ``layers`` (id -> layer), and of
    the TransformerEncoders holding them: an encoder built around a layer
    with a fused activation packs padded batches into nested tensors
    (``use_nested_tensor``, set at construction from the same flag), which
    only the fused path reads; as for a layer built with any other
    activation, it must not."""
    for layer in layers.values():
        layer.activation_relu_or_gelu = 0
    for m in model.modules():
        if (isinstance(m, torch.nn.TransformerEncoder) and getattr(m, "use_nested_tensor", False)
                and any(id(layer) in layers for layer in m.layers)):
            m.use_nested_tensor = False


def _hiding_attribute(parent: torch.nn.Module, name: str, child: torch.nn.Module):
    """What ``parent.<name>`` is, where that is not ``child``: an instance
    attribute or a class attribute (a property too) of that name comes
    before the submodule in attribute lookup.  None where it is the child."""
    if name in vars(parent) and vars(parent)[name] is not child:
        value = vars(parent)[name]
    elif any(name in vars(cls) for cls in type(parent).__mro__):
        value = inspect.getattr_static(parent, name)
    else:
        return None
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    return f"{module}.{qualname}" if module and qualname else repr(value)


def _guarded(m: torch.nn.Module, verdict):
    # A mapped module must be a pure function: hooks would be lost and any
    # parameter or buffer would vanish from the state_dict.
    if isinstance(verdict, tuple):
        if _has_hooks(m):
            return "has hooks registered on it, which replacing it would drop"
        if _has_state(m):
            return "has parameters, buffers or submodules, which replacing it would drop"
    return verdict


def patch(model: torch.nn.Module, *, dry_run: bool = False) -> PatchReport:
    """Replace the GELU activation modules of ``model`` in place.

    Replaced, each by the gelu.torch module computing the same formula:

    - ``torch.nn.GELU`` (either ``approximate``) by :class:`GELU` of the same
      variant;
    - Hugging Face ``GELUActivation`` (``"gelu"`` and ``"gelu_python"``) by
      exact ``GELU("none")``;
    - ``GELUTanh`` / ``PytorchGELUTanh`` (``"gelu_pytorch_tanh"``,
      ``"gelu_python_tanh"``), ``NewGELUActivation`` (``"gelu_new"``),
      ``AccurateGELUActivation`` (``"gelu_accurate"``, the tanh formula
      despite its name) and ``FastGELUActivation`` (``"gelu_fast"``, see the
      note in its report entry) by ``GELU("tanh")``;
    - ``ClippedGELUActivation`` (``"gelu_10"``) by :class:`ClippedGELU` with
      the same bounds.

    Left alone and listed in the report: ``QuickGELUActivation``
    (``x*sigmoid(1.702x)`` is not one of gelu's variants), subclasses of
    ``torch.nn.GELU``, any other class with "gelu" in its name, Hugging Face
    modules whose ``forward`` or ``act`` was changed, modules with hooks,
    parameters or buffers, modules hidden by an instance attribute of the
    same name on their parent (never called: ``nn.TransformerDecoderLayer``
    sets ``activation = F.relu`` that way on every copy and unpickling,
    whatever it was built with, so every ``nn.Transformer``'s decoder runs
    ReLU), and ``model`` itself (a module cannot replace itself in place).
    Functional calls such as ``F.gelu`` inside a ``forward`` are not modules
    and are not changed.

    A TorchScript module (from ``torch.jit.script`` or ``torch.jit.trace``),
    the model or a submodule, is left as it is and listed, not entered: patch
    the model before scripting it.

    ``torch.nn.TransformerEncoderLayer`` runs a fused kernel with ATen's own
    GELU at inference (eval mode, no grad) whenever it was built with
    ``nn.GELU`` or a subclass: when patch replaces such a layer's activation,
    or finds a ``GELU`` there already (``activation=gelu.torch.GELU()``), it
    turns that path off (``activation_relu_or_gelu = 0``, and
    ``use_nested_tensor = False`` on the encoders holding the layer), so the
    layer calls the module. A layer built with ``activation="gelu"`` holds
    ``F.gelu``, a function, and is left as it is: build it with
    ``activation=torch.nn.GELU()`` and patch the model.

    A module shared by several parents, or registered under several names,
    is replaced everywhere by one shared module.
    Each replacement keeps the ``training`` flag of the module it replaces.

    Parameters
    ----------
    model : torch.nn.Module
        The model to modify in place.
    dry_run : bool, keyword-only
        If True, change nothing and report what would be replaced.

    Returns
    -------
    PatchReport
        The replaced and the skipped modules; ``print`` it for a summary.

    Raises
    ------
    TypeError
        If ``model`` is not a ``torch.nn.Module``.

    Examples
    --------
    >>> import torch, gelu.torch as gt
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.GELU("tanh"))
    >>> print(gt.patch(model))
    gelu.torch.patch: replaced 1 module(s), left 0 alone
      replaced: 1: torch.nn.modules.activation.GELU -> GELU(approximate='tanh')
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(dry_run, bool):
        raise TypeError(f"dry_run must be a bool, got {type(dry_run).__name__}")
    report = PatchReport(dry_run=dry_run)
    if isinstance(model, torch.jit.ScriptModule):
        # Its forward is compiled code that calls the old modules' compiled
        # methods; swapping Python attributes would change nothing it runs.
        report.skipped.append(Skipped("", _qualname(type(model)),
                                      "a TorchScript module cannot be patched: patch the model "
                                      "before torch.jit.script or torch.jit.trace"))
        return report

    root = _classify(model)
    if root is not None:
        reason = root if isinstance(root, str) else (
            "the model itself is a GELU module and cannot replace itself; "
            "use gelu.torch.GELU directly")
        report.skipped.append(Skipped("", _qualname(type(model)), reason))

    # Collect first, then replace, so the traversal never sees its own edits.
    # Each parent once (named_modules() skips repeats, so shared subtrees
    # and cycles cost nothing extra), but every name under it: a module
    # registered twice in one parent is listed twice by _modules, once by
    # named_children(), which would leave the second reference to the old
    # module.  A module shared by two parents is found under each.
    # TorchScript submodules are listed, not entered: their compiled code
    # calls the modules they were scripted with.
    found = []
    for parent_name, parent in model.named_modules():
        if isinstance(parent, torch.jit.ScriptModule):
            continue   # listed where it hangs, below
        for child_name, child in parent._modules.items():
            if child is None:
                continue
            verdict = _classify(child)
            if isinstance(child, torch.jit.ScriptModule):
                verdict = ("a TorchScript module, not inspected: patch the model before "
                           "torch.jit.script or torch.jit.trace")
            if verdict is None:
                continue
            hidden = _hiding_attribute(parent, child_name, child)
            if hidden is not None:
                # an instance attribute of the same name hides the module:
                # parent.<name> is that, and the module is never called.
                # PyTorch's TransformerDecoderLayer.__setstate__ does this
                # on every deepcopy and unpickle (so inside every
                # nn.Transformer and nn.TransformerDecoder): it sets
                # activation = F.relu whatever was built.  Replacing the
                # module would unshadow it and change what the model computes.
                verdict = (f"never called: its parent's attribute {child_name!r} is "
                           f"{hidden}, which the parent uses instead")
            path = f"{parent_name}.{child_name}" if parent_name else child_name
            found.append((path, parent, child_name, child, _guarded(child, verdict)))

    made: dict = {}  # id(original) -> replacement, so sharing survives
    unfused: dict = {}  # id(layer) -> TransformerEncoderLayer to take off its fused path
    for path, parent, child_name, child, verdict in found:
        original = _qualname(type(child))
        fused = _fused_activation(parent, child_name)
        if isinstance(verdict, str):
            if fused and type(child) is GELU:
                # built with activation=gt.GELU(): a subclass of nn.GELU, so
                # the layer's fused path runs ATen's GELU instead of it
                verdict = f"{verdict}; {_UNFUSED_NOTE}"
                unfused[id(parent)] = parent
            report.skipped.append(Skipped(path, original, verdict))
            continue
        factory, variant, note = verdict
        new = made.get(id(child))
        if new is None:
            new = factory()
            new.train(child.training)
            made[id(child)] = new
        if fused:
            note = f"{note}; {_UNFUSED_NOTE}" if note else _UNFUSED_NOTE
            unfused[id(parent)] = parent
        report.replaced.append(Replaced(path, original, repr(new), variant, note))
        if not dry_run:
            setattr(parent, child_name, new)
    if not dry_run:
        _unfuse(model, unfused)
    return report
