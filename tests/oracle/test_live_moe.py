"""examples/mixtral.arch and moe(...) against Hugging Face's MixtralForCausalLM, live:
params, every weight's name and shape (torch convention), active params from a hand
derivation, and MACs: torch.utils.flop_counter sees the attention, the router and the LM
head of a real forward pass but not the experts' products (grouped matmuls it does not
count), so the test adds the top-k expert products, derived by hand: each of T tokens runs
k experts of 3 d x ff products."""
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

pytest.importorskip("transformers", reason="transformers is not installed: pip install -e .[oracle]")

import symparams

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mixtral.arch"


def _mixtral(c, meta=True):
    import torch
    from transformers import MixtralConfig, MixtralForCausalLM

    cfg = MixtralConfig(vocab_size=c["V"], hidden_size=c["d"], intermediate_size=c["ff"],
                        num_hidden_layers=c["L"], num_attention_heads=c["hq"], num_key_value_heads=c["hkv"],
                        num_local_experts=c["E"], num_experts_per_tok=c["k"], attn_implementation="eager")
    if meta:
        with torch.device("meta"):
            return MixtralForCausalLM(cfg)
    return MixtralForCausalLM(cfg).eval()


def _ours(convention, **values):
    return symparams.load(str(EXAMPLE)).model(convention=convention, values=values)


def _active_by_hand(V, d, hq, hkv, ff, E, k, L):
    """Embedding and LM head V*d each, final norm d; per layer: q and o d*d each, k and v
    d*hkv*(d/hq) each, the router d*E, k of the E experts (3*d*ff each), two norms d each."""
    attention = 2 * d * d + 2 * d * hkv * (d // hq)
    return 2 * V * d + d + L * (attention + d * E + k * 3 * d * ff + 2 * d)


@st.composite
def configs(draw):
    hq = draw(st.sampled_from([1, 2, 4]))
    hkv = draw(st.sampled_from([h for h in (1, 2, 4) if hq % h == 0]))
    E = draw(st.integers(1, 6))
    # torch's grouped matmul for the experts needs rows of a multiple of 16 bytes: d, ff multiples
    # of 4 (a head of 4, 8 or 12: rotary embeddings want an even head)
    return dict(V=draw(st.integers(8, 60)), d=hq * 4 * draw(st.integers(1, 3)), hq=hq, hkv=hkv,
                ff=4 * draw(st.integers(1, 6)), E=E, k=draw(st.integers(1, E)), L=draw(st.integers(1, 2)),
                T=draw(st.integers(1, 6)))


@given(configs())
def test_drawn_mixtral_params_active_names_and_macs(c):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    hf = _mixtral(c, meta=False)
    values = {key: c[key] for key in ("V", "d", "hq", "hkv", "ff", "E", "k", "L", "T")}
    sizes = {key: c[key] for key in ("V", "d", "hq", "hkv", "ff", "E", "k", "L")}
    active = _active_by_hand(**sizes)
    for convention in ("keras", "torch"):
        ours = _ours(convention, **values)
        assert int(ours.params) == sum(p.numel() for p in hf.parameters())
        assert int(ours.active_params) == active
    torch_net = _ours("torch", **values)
    # every weight of the first mixture under transformers' own names and shapes
    mlp = [r for r in torch_net.layers if r.type == "moe"][0]
    live = [(n.split("layers.0.mlp.")[1], tuple(p.shape)) for n, p in hf.named_parameters()
            if ".layers.0.mlp." in n]
    assert [(w.name, tuple(int(d) for d in w.shape)) for w in mlp.weights] == live
    assert Counter(tuple(int(d) for d in w.shape) for r in torch_net.layers for w in r.weights) == \
        Counter(tuple(p.shape) for p in hf.parameters())
    ids = torch.randint(0, c["V"], (1, c["T"]))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        hf(input_ids=ids)
    experts = c["L"] * c["T"] * c["k"] * 3 * c["d"] * c["ff"]
    assert int(torch_net.macs) == counter.get_total_flops() // 2 + experts


def test_mixtral_8x7b():
    from transformers import MixtralConfig, MixtralForCausalLM
    import torch

    with torch.device("meta"):
        hf = MixtralForCausalLM(MixtralConfig())       # the defaults are Mixtral-8x7B's
    live = sum(p.numel() for p in hf.parameters())
    assert live == 46_702_792_704
    # 32 layers of q, o 4096^2, k, v 4096*1024, router 4096*8, 2 of 8 experts of 3*4096*14336, norms 2*4096;
    # embedding and LM head 32000*4096, final norm 4096
    active = 32 * (2 * 4096**2 + 2 * 4096 * 1024 + 4096 * 8 + 2 * 3 * 4096 * 14336 + 2 * 4096) \
        + 2 * 32000 * 4096 + 4096
    assert active == 12_879_925_248
    for convention in ("keras", "torch"):
        net = symparams.load(str(EXAMPLE)).model(convention=convention).with_defaults()
        assert (int(net.params), int(net.active_params)) == (live, active)
