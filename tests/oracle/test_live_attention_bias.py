"""Per-projection attention biases and attention_bias=TENSOR, against PyTorch modules written
here in the style of Hugging Face's attention (one nn.Linear per projection, each with or
without its bias; an additive bias on the scores as T5 adds its relative position bias), on
hypothesis-drawn configurations: params, every weight's name and shape, the output shape,
and the MACs of a real forward pass (torch.utils.flop_counter, FLOPs / 2, batch of one)."""
from __future__ import annotations

from hypothesis import given, strategies as st

import symparams
from arch_source import fmt
from drawn import Drawn
from frameworks import torch_report

ROLES = ("query", "key", "value", "output")


@st.composite
def attentions(draw):
    hkv = draw(st.integers(1, 3))
    c = dict(gqa=draw(st.booleans()), hkv=hkv, hd=draw(st.integers(2, 5)), T=draw(st.integers(2, 6)),
             use_bias=draw(st.booleans()), flags={r: draw(st.none() | st.booleans()) for r in ROLES})
    c["hq"] = hkv * draw(st.integers(1, 3)) if c["gqa"] else hkv
    c["d"] = draw(st.integers(2, 12)) if c["gqa"] else c["hq"] * c["hd"]
    # the additive bias: none, or (h, T, T) with some axes 1 (broadcast), leading axes possibly missing
    if draw(st.booleans()):
        full = (c["hq"], c["T"], c["T"])
        c["scores_bias"] = tuple(draw(st.sampled_from([n, 1])) for n in full)[draw(st.integers(0, 2)):]
    else:
        c["scores_bias"] = None
    return c


def _bias(c, role):
    return c["use_bias"] if c["flags"][role] is None else c["flags"][role]


def _source(c):
    keywords = "".join(f", {r}_bias={fmt(f)}" for r, f in c["flags"].items() if f is not None)
    inputs = f"    input x ({c['T']}, {c['d']})\n"
    if c["scores_bias"] is not None:
        inputs += f"    input b {fmt(c['scores_bias'])}\n"
        keywords += ", attention_bias=b"
    if c["gqa"]:
        call = f"grouped_query_attention({c['hd']}, {c['hq']}, {c['hkv']}, use_bias={fmt(c['use_bias'])}{keywords})"
    else:
        call = f"multi_head_attention({c['hq']}, {c['hd']}, use_bias={fmt(c['use_bias'])}{keywords})"
    return f"model M():\n{inputs}    x -> {call}\n"


def _module(c):
    import torch

    class Attention(torch.nn.Module):
        def __init__(self):
            super().__init__()
            d, hq, hkv, hd = c["d"], c["hq"], c["hkv"], c["hd"]
            self.q_proj = torch.nn.Linear(d, hq * hd, bias=_bias(c, "query"))
            self.k_proj = torch.nn.Linear(d, hkv * hd, bias=_bias(c, "key"))
            self.v_proj = torch.nn.Linear(d, hkv * hd, bias=_bias(c, "value"))
            out = torch.nn.Linear(hq * hd, d, bias=_bias(c, "output"))
            setattr(self, "o_proj" if c["gqa"] else "out_proj", out)

        def forward(self, x, scores_bias=None):
            n, T, _ = x.shape
            q = self.q_proj(x).view(n, T, c["hq"], c["hd"]).transpose(1, 2)
            k = self.k_proj(x).view(n, T, c["hkv"], c["hd"]).transpose(1, 2)
            v = self.v_proj(x).view(n, T, c["hkv"], c["hd"]).transpose(1, 2)
            groups = c["hq"] // c["hkv"]
            k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
            scores = q @ k.transpose(-1, -2) / c["hd"] ** 0.5
            if scores_bias is not None:     # (n, *bias): align the per-example bias with (h, T, S)
                missing = 3 - (scores_bias.dim() - 1)
                scores = scores + scores_bias.reshape(n, *[1] * missing, *scores_bias.shape[1:])
            y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(n, T, c["hq"] * c["hd"])
            return (self.o_proj if c["gqa"] else self.out_proj)(y)
    return Attention()


def _flop_macs(c):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    xs = [torch.randn(1, c["T"], c["d"])]
    if c["scores_bias"] is not None:
        xs.append(torch.randn(1, *c["scores_bias"]))
    module = _module(c).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(*xs)
    return counter.get_total_flops() // 2


# what these generators draw, for tests/test_live_coverage.py
DRAWN = [Drawn("attention biases (Hugging Face style)", lambda convention: attentions(),
               lambda c, convention: _source(c), ("torch",))]


@given(attentions())
def test_projection_biases_and_scores_bias_match_torch(c):
    inputs = [(c["T"], c["d"])] + ([c["scores_bias"]] if c["scores_bias"] is not None else [])
    report = torch_report(lambda: _module(c), inputs)
    net = symparams.parse(_source(c)).model(convention="torch")
    row = net.layers[-1]
    assert int(net.params) == report.params
    if c["gqa"] or len({_bias(c, r) for r in ROLES}) > 1:
        # uniform biases on multi_head_attention keep nn.MultiheadAttention's names (in_proj_weight),
        # checked in test_live_attention.py; here the module's own names
        ours = sorted((w.name, tuple(int(d) for d in w.shape)) for w in row.weights)
        assert ours == sorted((name, shape) for name, shape, _ in report.weights)
    assert tuple(int(d) for d in net.output_shape) == report.output_shape
    assert int(net.macs) == _flop_macs(c)
