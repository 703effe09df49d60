"""patch(model) swaps GELU modules for gelu.torch ones, each keeping the
formula it computed, and lists whatever it left alone.

The Hugging Face classes are matched by name and module without importing
transformers; here they are stood in for by look-alike classes whose
__module__ is "transformers.activations" (test_torch_transformers.py checks
the real ones when transformers is installed)."""

import functools
import math

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

import gelu.torch as gt  # noqa: E402

HF = "transformers.activations"


def hf_class(name, body):
    cls = type(name, (torch.nn.Module,), dict(body))
    cls.__module__ = HF
    cls.__qualname__ = name
    cls.forward.__qualname__ = f"{name}.forward"
    return cls


def _gelu_python(self, x):
    return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def _gelu_tanh_python(self, x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def _act_init(fast, python_method):
    # As in transformers: self.act is F.gelu (or a partial of it), or the
    # bound Python method when use_..._python=True.
    def __init__(self, python=False):
        torch.nn.Module.__init__(self)
        self.act = getattr(self, python_method) if python else fast
    return __init__


def _clipped_init(self, min, max):
    torch.nn.Module.__init__(self)
    self.min, self.max = min, max


GELUActivation = hf_class("GELUActivation", {
    "__init__": _act_init(F.gelu, "_gelu_python"), "_gelu_python": _gelu_python,
    "forward": lambda self, x: self.act(x)})
GELUTanh = hf_class("GELUTanh", {
    "__init__": _act_init(functools.partial(F.gelu, approximate="tanh"), "_gelu_tanh_python"),
    "_gelu_tanh_python": _gelu_tanh_python, "forward": lambda self, x: self.act(x)})
NewGELUActivation = hf_class("NewGELUActivation", {"forward": _gelu_tanh_python})
FastGELUActivation = hf_class("FastGELUActivation", {
    "forward": lambda self, x: 0.5 * x * (
        1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))})
QuickGELUActivation = hf_class("QuickGELUActivation", {
    "forward": lambda self, x: x * torch.sigmoid(1.702 * x)})
ClippedGELUActivation = hf_class("ClippedGELUActivation", {
    "__init__": _clipped_init,
    "forward": lambda self, x: torch.clip(F.gelu(x), self.min, self.max)})


def test_torch_gelu_keeps_its_variant_everywhere():
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 4), torch.nn.GELU(),
        torch.nn.ModuleList([torch.nn.GELU("tanh"), torch.nn.ReLU()]),
        torch.nn.ModuleDict({"act": torch.nn.GELU("tanh")}))
    keys = model.state_dict().keys()
    report = gt.patch(model)
    assert [(r.name, r.variant) for r in report.replaced] == [
        ("1", "none"), ("2.0", "tanh"), ("3.act", "tanh")]
    assert report.skipped == []
    assert type(model[1]) is gt.GELU and model[1].approximate == "none"
    assert type(model[2][0]) is gt.GELU and model[2][0].approximate == "tanh"
    assert type(model[2][1]) is torch.nn.ReLU
    assert type(model[3]["act"]) is gt.GELU and model[3]["act"].approximate == "tanh"
    assert model.state_dict().keys() == keys
    entry = report.replaced[0]
    assert entry.original == "torch.nn.modules.activation.GELU"
    assert entry.replacement == "GELU(approximate='none')" and entry.note == ""


def test_patched_model_computes_the_same():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.GELU("tanh"),
                                torch.nn.Linear(16, 6), torch.nn.GELU())
    x = torch.randn(32, 6)
    before = model(x)
    gt.patch(model)
    torch.testing.assert_close(model(x), before, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("module,variant,replacement", [
    (GELUActivation(), "none", "GELU(approximate='none')"),
    (GELUActivation(python=True), "none", "GELU(approximate='none')"),
    (GELUTanh(), "tanh", "GELU(approximate='tanh')"),
    (GELUTanh(python=True), "tanh", "GELU(approximate='tanh')"),
    (NewGELUActivation(), "tanh", "GELU(approximate='tanh')"),
    (FastGELUActivation(), "tanh", "GELU(approximate='tanh')"),
    (ClippedGELUActivation(-10, 10), "none", "ClippedGELU(min=-10, max=10, approximate='none')"),
], ids=["gelu", "gelu_python", "gelu_pytorch_tanh", "gelu_python_tanh", "gelu_new",
        "gelu_fast", "gelu_10"])
def test_hugging_face_classes_map_to_their_formula(module, variant, replacement):
    x = torch.linspace(-4, 4, 81, dtype=torch.float64)
    before = module(x)
    model = torch.nn.Sequential(module)
    report = gt.patch(model)
    (entry,) = report.replaced
    assert (entry.variant, entry.replacement) == (variant, replacement)
    assert entry.original == f"{HF}.{type(module).__name__}"
    # float64 on [-4, 4]: every form agrees far below float32 rounding.
    torch.testing.assert_close(model(x), before, rtol=1e-10, atol=1e-12)
    if type(module).__name__ == "FastGELUActivation":
        assert "0.7978845608" in entry.note


def test_quick_gelu_and_unknown_gelus_are_left_alone_and_listed():
    class MyGELU(torch.nn.Module):
        def forward(self, x):
            return x * torch.sigmoid(1.6 * x)

    class ScaledGELU(torch.nn.GELU):
        def forward(self, x):
            return 2 * super().forward(x)

    model = torch.nn.Sequential(QuickGELUActivation(), MyGELU(), ScaledGELU(), torch.nn.SiLU())
    report = gt.patch(model)
    assert report.replaced == []
    reasons = {s.name: s.reason for s in report.skipped}
    assert set(reasons) == {"0", "1", "2"}  # SiLU is not GELU-like: not listed
    assert "1.702" in reasons["0"]
    assert "does not know" in reasons["1"]
    assert "subclass of torch.nn.GELU" in reasons["2"]
    assert [type(m) for m in model] == [QuickGELUActivation, MyGELU, ScaledGELU, torch.nn.SiLU]


def test_modules_it_cannot_vouch_for_are_left_alone():
    hooked = torch.nn.GELU()
    calls = []
    hooked.register_forward_hook(lambda m, i, o: calls.append(1))
    weird = GELUActivation()
    weird.act = torch.tanh
    replaced_forward = NewGELUActivation()
    replaced_forward.forward = lambda x: x
    stateful = NewGELUActivation()
    stateful.scale = torch.nn.Parameter(torch.ones(1))
    bad_variant = torch.nn.GELU("fast")
    model = torch.nn.Sequential(hooked, weird, replaced_forward, stateful, bad_variant)
    report = gt.patch(model)
    assert report.replaced == []
    reasons = [s.reason for s in report.skipped]
    assert "hooks" in reasons[0]
    assert "act attribute" in reasons[1]
    assert "forward was replaced" in reasons[2]
    assert "parameters" in reasons[3]
    assert "'fast'" in reasons[4]
    model[0](torch.zeros(1))
    assert calls == [1]


def test_root_module_is_reported_not_replaced():
    act = torch.nn.GELU("tanh")
    report = gt.patch(act)
    assert report.replaced == []
    assert report.skipped[0].name == "" and "cannot replace itself" in report.skipped[0].reason


def test_shared_module_stays_shared_and_training_flag_is_kept():
    shared = torch.nn.GELU("tanh").eval()
    model = torch.nn.Sequential(shared, torch.nn.Sequential(shared))
    report = gt.patch(model)
    assert [r.name for r in report.replaced] == ["0", "1.0"]
    assert model[0] is model[1][0]
    assert not model[0].training


def test_module_registered_twice_is_replaced_at_both_names():
    shared = torch.nn.GELU()
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), shared, torch.nn.Linear(2, 2), shared)
    report = gt.patch(model)
    assert [r.name for r in report.replaced] == ["1", "3"]
    assert type(model[1]) is gt.GELU and model[1] is model[3]


def test_shared_subtrees_and_cycles_are_visited_once():
    # named_modules() visits each parent once: nesting a shared module
    # twice per level stays linear, and a cycle ends.
    cur = torch.nn.Sequential(torch.nn.GELU())
    for _ in range(30):
        cur = torch.nn.Sequential(cur, cur)
    report = gt.patch(cur)
    assert len(report.replaced) == 1 and len(report.skipped) == 0
    looped = torch.nn.Sequential(torch.nn.GELU())
    child = torch.nn.Module()
    looped.add_module("c", child)
    child.add_module("back", looped)
    report = gt.patch(looped)
    assert [r.name for r in report.replaced] == ["0"] and type(looped[0]) is gt.GELU


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_scripted_submodule_is_listed_not_entered():
    inner = torch.jit.script(torch.nn.Sequential(torch.nn.GELU()))
    model = torch.nn.Sequential(torch.nn.GELU("tanh"), inner)
    report = gt.patch(model)
    assert [r.name for r in report.replaced] == ["0"]
    assert [(s.name, "before torch.jit.script" in s.reason) for s in report.skipped] == [("1", True)]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_scripted_model_is_listed_not_patched():
    scripted = torch.jit.script(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.GELU()))
    report = gt.patch(scripted)
    assert report.replaced == []
    assert len(report.skipped) == 1 and "before torch.jit.script" in report.skipped[0].reason


def test_dry_run_changes_nothing():
    model = torch.nn.Sequential(torch.nn.GELU())
    report = gt.patch(model, dry_run=True)
    assert type(model[0]) is torch.nn.GELU
    assert len(report.replaced) == 1 and report.dry_run
    assert "would replace" in str(report)


def test_second_patch_finds_only_gelu_torch_modules():
    model = torch.nn.Sequential(torch.nn.GELU(), ClippedGELUActivation(-1, 1))
    gt.patch(model)
    again = gt.patch(model)
    assert again.replaced == []
    assert [s.reason for s in again.skipped] == ["already a gelu.torch module"] * 2


def test_report_prints_every_entry():
    model = torch.nn.Sequential(torch.nn.GELU("tanh"), FastGELUActivation(), QuickGELUActivation())
    text = str(gt.patch(model))
    lines = text.splitlines()
    assert lines[0] == "gelu.torch.patch: replaced 2 module(s), left 1 alone"
    assert "  replaced: 0: torch.nn.modules.activation.GELU -> GELU(approximate='tanh')" in lines
    assert any(line.startswith("      note: uses 0.7978845608") for line in lines)
    assert any(line.startswith(f"  left alone: 2: {HF}.QuickGELUActivation:") for line in lines)


@pytest.mark.parametrize("nested", [False, True], ids=["plain", "nested"])
@pytest.mark.parametrize("built_with", ["nn.GELU", "gt.GELU"])
def test_transformer_encoder_layers_call_gelu_torch_at_inference(monkeypatch, built_with, nested):
    # A TransformerEncoderLayer built with nn.GELU or a subclass (gt.GELU
    # is one) runs, in eval mode without grad, a fused kernel with ATen's
    # own GELU instead of calling its activation module, and its encoder
    # packs padded batches into nested tensors for that kernel: patch used
    # to report the replacement while inference never called it.  The calls
    # are counted on the class: a forward hook would itself turn the fused
    # path off.
    calls = []
    forward = gt.GELU.forward
    monkeypatch.setattr(gt.GELU, "forward", lambda self, x: calls.append(self) or forward(self, x))
    torch.manual_seed(0)
    activation = torch.nn.GELU() if built_with == "nn.GELU" else gt.GELU()
    layer = torch.nn.TransformerEncoderLayer(16, 2, 32, activation=activation, batch_first=True,
                                             dropout=0.0)
    encoder = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=nested).eval()
    assert gt.patch(encoder, dry_run=True)   # a dry run leaves the fused path on
    assert [m.activation_relu_or_gelu for m in encoder.layers] == [2, 2]
    assert encoder.use_nested_tensor is nested
    report = gt.patch(encoder)
    x = torch.randn(3, 5, 16)
    padding = torch.arange(5) >= torch.tensor([[5], [3], [4]])
    with torch.no_grad():
        encoder(x)
        assert calls == [m.activation for m in encoder.layers]
        y = encoder(x, src_key_padding_mask=padding)
        assert len(calls) == 4 and not y.is_nested
    assert [m.activation_relu_or_gelu for m in encoder.layers] == [0, 0]
    assert not encoder.use_nested_tensor
    entries = report.replaced if built_with == "nn.GELU" else report.skipped
    assert [e.name for e in entries] == ["layers.0.activation", "layers.1.activation"]
    texts = [e.note if built_with == "nn.GELU" else e.reason for e in entries]
    assert all("fused inference path" in text for text in texts)


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors is in prototype stage:UserWarning")
def test_layers_patched_one_by_one_still_take_nested_batches():
    # patching each layer rather than the encoder leaves the encoder packing
    # padded batches into nested tensors (it decided at construction), which
    # the layers' unfused path now hands to gt.GELU: that must compute them
    # (component by component) and not fail (a review found the TypeError)
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(16, 2, 32, activation=torch.nn.GELU(), batch_first=True,
                                             dropout=0.0)
    encoder = torch.nn.TransformerEncoder(layer, 2).eval()
    for each in encoder.layers:
        gt.patch(each)
    assert encoder.use_nested_tensor
    x = torch.randn(2, 5, 16)
    padding = torch.tensor([[False] * 5, [False] * 3 + [True] * 2])
    with torch.no_grad():
        y = encoder(x, src_key_padding_mask=padding)
        encoder.use_nested_tensor = False   # the same layers on padded tensors
        want = encoder(x, src_key_padding_mask=padding)
    assert torch.allclose(y[0], want[0], atol=1e-6) and torch.allclose(y[1, :3], want[1, :3], atol=1e-6)


def test_modules_hidden_by_an_attribute_are_left_alone():
    # TransformerDecoderLayer.__setstate__ sets activation = F.relu on every
    # copy (so in every nn.Transformer and nn.TransformerDecoder), hiding the
    # nn.GELU it was built with: the decoder runs ReLU.  Replacing the
    # module unhid it, and patch changed what the model computes
    torch.manual_seed(0)
    model = torch.nn.Transformer(16, 2, 1, 1, 32, dropout=0.0, activation=torch.nn.GELU(),
                                 batch_first=True).eval()
    decoder_layer = model.decoder.layers[0]
    assert decoder_layer.activation is F.relu
    src, tgt = torch.randn(2, 5, 16), torch.randn(2, 4, 16)
    with torch.no_grad():
        before = model(src, tgt)
    report = gt.patch(model)
    assert decoder_layer.activation is F.relu
    skipped = {e.name: e.reason for e in report.skipped}
    assert "never called" in skipped["decoder.layers.0.activation"]
    assert "relu" in skipped["decoder.layers.0.activation"]
    assert [e.name for e in report.replaced] == ["encoder.layers.0.activation"]
    with torch.no_grad():
        after = model(src, tgt)
    assert torch.allclose(before, after, atol=1e-5)


def test_hiding_by_a_class_attribute_and_caching_in_the_instance():
    # a class attribute of the child's name hides it as an instance one
    # does; the child itself kept in the instance's __dict__ does not
    class Hidden(torch.nn.Module):
        act = staticmethod(F.relu)

        def __init__(self):
            super().__init__()
            self.act = torch.nn.GELU()

        def forward(self, x):
            return self.act(x)

    class Cached(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.act = torch.nn.GELU()
            self.__dict__["act"] = self._modules["act"]

        def forward(self, x):
            return self.act(x)

    hidden, cached = Hidden(), Cached()
    report = gt.patch(torch.nn.Sequential(hidden, cached))
    assert [e.name for e in report.skipped] == ["0.act"] and "relu" in report.skipped[0].reason
    assert [e.name for e in report.replaced] == ["1.act"]
    assert type(cached._modules["act"]) is gt.GELU


def test_transformer_layer_with_the_gelu_string_is_left_alone():
    # activation="gelu" stores F.gelu, a function: no module to replace
    # (documented: build the layer with activation=torch.nn.GELU())
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, activation="gelu", batch_first=True)
    report = gt.patch(layer)
    assert report.replaced == [] and report.skipped == []
    assert layer.activation is F.gelu and layer.activation_relu_or_gelu == 2


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        gt.patch([torch.nn.GELU()])
    with pytest.raises(TypeError, match="dry_run must be a bool"):
        gt.patch(torch.nn.GELU(), dry_run="yes")
