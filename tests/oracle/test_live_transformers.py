"""examples/{gpt2,bert,llama}.arch against Hugging Face transformers, live: parameter counts
for the published configurations (built on the meta device: no memory, no weights), and for
small configurations also the MACs of a real forward pass (torch.utils.flop_counter, eager
attention, FLOPs / 2 on a batch of one) and, for Llama, every weight shape."""
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("transformers", reason="transformers is not installed: pip install -e .[oracle]")

import symparams

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _hf_params(model):
    return sum(p.numel() for p in model.parameters())


def _meta(build):
    import torch

    with torch.device("meta"):
        return build()


def _forward_macs(model, T, token_types=False):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    ids = torch.randint(0, 50, (1, T))
    extra = {"token_type_ids": torch.zeros_like(ids)} if token_types else {}
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(input_ids=ids, **extra)
    return counter.get_total_flops() // 2


def _ours(name, convention="keras", **values):
    return symparams.load(str(EXAMPLES / name)).model(convention=convention, values=values)


# ---- published sizes -------------------------------------------------------------------

def test_gpt2_small_matches_gpt2model():
    from transformers import GPT2Config, GPT2Model

    hf = _hf_params(_meta(lambda: GPT2Model(GPT2Config())))
    assert hf == 124_439_808
    for convention in ("keras", "torch"):
        assert int(symparams.load(str(EXAMPLES / "gpt2.arch")).model(convention=convention)
                   .with_defaults().params) == hf


def test_bert_base_matches_bertmodel():
    from transformers import BertConfig, BertModel

    hf = _hf_params(_meta(lambda: BertModel(BertConfig())))
    assert hf == 109_482_240
    for convention in ("keras", "torch"):
        assert int(symparams.load(str(EXAMPLES / "bert.arch")).model(convention=convention)
                   .with_defaults().params) == hf


def test_llama_3_8b_backbone_matches_llamamodel():
    from transformers import LlamaConfig, LlamaModel

    cfg = LlamaConfig(vocab_size=128256, hidden_size=4096, num_hidden_layers=32, num_attention_heads=32,
                      num_key_value_heads=8, intermediate_size=14336)
    hf = _hf_params(_meta(lambda: LlamaModel(cfg)))
    for convention in ("keras", "torch"):
        assert int(symparams.load(str(EXAMPLES / "llama.arch")).model(convention=convention)
                   .with_defaults().params) == hf


# ---- small configurations: counts and MACs of a real forward pass -----------------------------

T = 16


@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_small_gpt2(convention):
    from transformers import GPT2Config, GPT2Model

    hf = GPT2Model(GPT2Config(n_embd=64, n_layer=2, n_head=4, n_positions=T, vocab_size=100,
                              bos_token_id=0, eos_token_id=0, attn_implementation="eager"))
    ours = _ours("gpt2.arch", convention, V=100, T=T, d=64, h=4, L=2)
    assert int(ours.params) == _hf_params(hf)
    assert int(ours.macs) == _forward_macs(hf, T)


@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_small_bert(convention):
    from transformers import BertConfig, BertModel

    hf = BertModel(BertConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
                              vocab_size=100, max_position_embeddings=32, type_vocab_size=2,
                              attn_implementation="eager"))
    ours = _ours("bert.arch", convention, V=100, P=32, G=2, T=T, d=64, h=4, ff=128, L=2)
    assert int(ours.params) == _hf_params(hf)
    assert int(ours.macs) == _forward_macs(hf, T, token_types=True)


@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_small_llama(convention):
    from transformers import LlamaConfig, LlamaModel

    hf = LlamaModel(LlamaConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                intermediate_size=128, vocab_size=100, attn_implementation="eager"))
    ours = _ours("llama.arch", convention, V=100, T=T, d=64, hq=4, hkv=2, ff=128, L=2)
    assert int(ours.params) == _hf_params(hf) == 80448
    assert int(ours.macs) == _forward_macs(hf, T)
    if convention == "torch":
        # every weight: the same shapes (the order of the modules differs), and the attention
        # projections under LlamaAttention's own names
        hf_shapes = Counter(tuple(p.shape) for p in hf.parameters())
        our_shapes = Counter(tuple(int(d) for d in w.shape) for r in ours.layers for w in r.weights)
        assert our_shapes == hf_shapes
        attention = [r for r in ours.layers if r.type == "grouped_query_attention"]
        hf_attention = [(n.split("self_attn.")[1], tuple(p.shape)) for n, p in hf.named_parameters()
                        if n.startswith("layers.0.self_attn.")]
        assert [(w.name, tuple(int(d) for d in w.shape)) for w in attention[0].weights] == hf_attention
