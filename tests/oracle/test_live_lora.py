"""examples/lora_llama.arch and lora(...) against PEFT's get_peft_model, live: trainable and
total params of small Llama configurations drawn by hypothesis (every projection subset),
every adapted weight's name and shape, and the MACs of a real forward pass
(torch.utils.flop_counter: PEFT runs x·A then ·B as two matmuls); then Llama-2-7B with
r=8 on q and v, 4,194,304 trainable, built on the meta device and by formula."""
import itertools
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import symparams
from drawn import Drawn

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lora_llama.arch"
TARGETS = [t for n in range(1, 5) for t in itertools.combinations("qkvo", n)]


def _peft_llama(c, targets, meta=True):
    # skipped here, not at import: tests/test_live_coverage.py reads DRAWN without peft
    pytest.importorskip("peft", reason="peft is not installed: pip install -e .[oracle]")
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(vocab_size=c["V"], hidden_size=c["d"], intermediate_size=c["ff"],
                      num_hidden_layers=c["L"], num_attention_heads=c["hq"], num_key_value_heads=c["hkv"],
                      attn_implementation="eager")
    if meta:
        with torch.device("meta"):
            base = LlamaForCausalLM(cfg)
    else:
        base = LlamaForCausalLM(cfg).eval()
    alpha = c.get("alpha") or 2 * c["r"]       # the drawn alpha, or twice the rank
    return get_peft_model(base, LoraConfig(r=c["r"], lora_alpha=alpha, lora_dropout=c.get("dropout") or 0.0,
                                           target_modules=[f"{t}_proj" for t in targets]))


def lora_source(targets, alpha=None, dropout=None) -> str:
    """examples/lora_llama.arch adapting the given projections, with alpha= and dropout= when given."""
    written = f"targets={tuple(targets)!r}".replace("'", '"')
    written += "".join(f", {k}={v!r}" for k, v in (("alpha", alpha), ("dropout", dropout)) if v is not None)
    return EXAMPLE.read_text().replace('targets=("q", "v")', written)


def _ours(targets, convention="torch", alpha=None, dropout=None, **values):
    source = lora_source(targets, alpha, dropout)
    return symparams.parse(source, filename=str(EXAMPLE)).model(convention=convention, values=values)


@st.composite
def configs(draw):
    hq = draw(st.sampled_from([1, 2, 4]))
    return dict(V=draw(st.integers(8, 40)), d=hq * 2 * draw(st.integers(1, 4)), hq=hq,
                hkv=draw(st.sampled_from([h for h in (1, 2, 4) if hq % h == 0])),
                ff=draw(st.integers(1, 20)), L=draw(st.integers(1, 2)), r=draw(st.integers(1, 6)),
                T=draw(st.integers(1, 6)), targets=draw(st.sampled_from(TARGETS)),
                alpha=draw(st.none() | st.integers(1, 32)), dropout=draw(st.sampled_from([0.0, 0.1])))


# what this generator draws, for tests/test_live_coverage.py
DRAWN = [Drawn("lora on Llama (PEFT)", lambda convention: configs(),
               lambda c, convention: lora_source(c["targets"], c["alpha"], c["dropout"]), ("torch",))]


@given(configs())
def test_drawn_lora_llama_against_peft(c):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    targets = c.pop("targets")
    peft_model = _peft_llama(c, targets, meta=False)
    trainable, total = peft_model.get_nb_trainable_parameters()
    ours = _ours(targets, **c)          # alpha= and dropout= written as drawn: they change no figure
    assert (int(ours.trainable), int(ours.params)) == (trainable, total)
    # the first attention's weights under PEFT's names, in its order
    attention = [r for r in ours.layers if r.type == "lora"][0]
    live = [(n.split("layers.0.self_attn.")[1], tuple(p.shape), p.requires_grad)
            for n, p in peft_model.named_parameters() if ".layers.0.self_attn." in n]
    assert [(w.name, tuple(int(d) for d in w.shape), w.trainable) for w in attention.weights] == live
    ids = torch.randint(0, c["V"], (1, c["T"]))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        peft_model(input_ids=ids)
    assert int(ours.macs) == counter.get_total_flops() // 2


def test_llama_2_7b_lora_r8_on_q_and_v():
    c = dict(V=32000, d=4096, hq=32, hkv=32, ff=11008, L=32, r=8)
    trainable, total = _peft_llama(c, ("q", "v")).get_nb_trainable_parameters()
    # by hand: 32 layers x (q: 8*(4096 + 4096) + v: 8*(4096 + 4096))
    assert trainable == 32 * 2 * 8 * (4096 + 4096) == 4_194_304
    net = symparams.load(str(EXAMPLE)).model(convention="torch").with_defaults()
    assert (int(net.trainable), int(net.params)) == (trainable, total) == (4_194_304, 6_742_609_920)
    assert int(net.non_trainable) == 6_738_415_616
