"""patch() on real Hugging Face transformers models: every GELU activation
maps to the formula it computes, and small BERT and GPT-2 models built from a
config (random weights, no downloads) give the same outputs and training
losses after patching."""

import copy

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from transformers import activations  # noqa: E402

import gelu.torch as gt  # noqa: E402

# ACT2FN name -> (variant, replacement class) or None when left alone.
EXPECTED = {
    "gelu": ("none", gt.GELU),
    "gelu_python": ("none", gt.GELU),
    "gelu_new": ("tanh", gt.GELU),
    "gelu_fast": ("tanh", gt.GELU),
    "gelu_accurate": ("tanh", gt.GELU),
    "gelu_pytorch_tanh": ("tanh", gt.GELU),
    "gelu_python_tanh": ("tanh", gt.GELU),
    "gelu_10": ("none", gt.ClippedGELU),
    "quick_gelu": None,
}


def test_every_gelu_activation_in_transformers_is_covered():
    names = {name for name in activations.ACT2CLS if "gelu" in name}
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_activation_maps_to_the_formula_it_computes(name):
    act = activations.ACT2FN[name]
    x = torch.linspace(-6, 6, 241, dtype=torch.float64)
    before = act(x)
    model = torch.nn.Sequential(act)
    report = gt.patch(model)
    if EXPECTED[name] is None:
        assert report.replaced == [] and len(report.skipped) == 1
        assert model[0] is act
        return
    variant, cls = EXPECTED[name]
    (entry,) = report.replaced
    assert entry.variant == variant and type(model[0]) is cls
    # In float64 every mapped form agrees to ~1e-12 here; gelu_fast's
    # truncated constant sqrt(2/pi) ~ 0.7978845608 is the largest difference.
    torch.testing.assert_close(model(x), before, rtol=1e-10, atol=1e-12)


def tiny_bert():
    config = transformers.BertConfig(
        vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=32, hidden_act="gelu",
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    return transformers.BertForMaskedLM(config)


def tiny_gpt2():
    config = transformers.GPT2Config(
        vocab_size=64, n_positions=32, n_embd=32, n_layer=2, n_head=2,
        activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        bos_token_id=0, eos_token_id=0)
    return transformers.GPT2LMHeadModel(config)


def losses(model, ids, steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    out = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        out.append(loss.item())
    return out


@pytest.mark.parametrize("build,variant,count", [(tiny_bert, "none", 3), (tiny_gpt2, "tanh", 2)],
                         ids=["bert", "gpt2"])
def test_small_model_same_outputs_and_training(build, variant, count):
    torch.manual_seed(0)
    original = build()
    patched = copy.deepcopy(original)
    report = gt.patch(patched)
    # One activation per layer, plus BERT's masked-LM head transform.
    assert len(report.replaced) == count
    assert {r.variant for r in report.replaced} == {variant}
    assert report.skipped == []
    assert patched.state_dict().keys() == original.state_dict().keys()

    ids = torch.randint(0, 64, (4, 16), generator=torch.Generator().manual_seed(1))
    original.eval(), patched.eval()
    with torch.no_grad():
        want = original(input_ids=ids).logits
        got = patched(input_ids=ids).logits
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)

    original.train(), patched.train()
    want, got = losses(original, ids, 4), losses(patched, ids, 4)
    assert want[-1] < want[0]  # it does train
    assert got == pytest.approx(want, rel=1e-5)
