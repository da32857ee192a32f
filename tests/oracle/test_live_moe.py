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

import symparams
from drawn import Drawn

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mixtral.arch"


def _mixtral(c, meta=True):
    # skipped here, not at import: tests/test_live_coverage.py reads DRAWN without transformers
    pytest.importorskip("transformers", reason="transformers is not installed: pip install -e .[oracle]")
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
    pytest.importorskip("transformers", reason="transformers is not installed: pip install -e .[oracle]")
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


# ---- moe(...) drawn: router bias, shared experts, a layer or a block as the expert ----------------

SWIGLU = """block SwiGLU(d, ff):
    g = dense(ff, use_bias=false, name="gate_proj") -> silu
    dense(ff, use_bias=false, name="up_proj") -> multiply(g) -> dense(d, use_bias=false, name="down_proj")

"""


@st.composite
def moes(draw):
    E = draw(st.integers(1, 4))
    return dict(expert=draw(st.sampled_from(["dense", "block"])), d=draw(st.integers(1, 6)),
                ff=draw(st.integers(1, 6)), use_bias=draw(st.booleans()), name=draw(st.none() | st.just("proj")),
                E=E, k=draw(st.integers(1, E)), router_bias=draw(st.booleans()), shared=draw(st.integers(0, 2)),
                T=draw(st.integers(1, 5)))


def moe_program(c, convention=None) -> str:
    if c["expert"] == "block":
        expert = f"SwiGLU({c['d']}, {c['ff']})"
    else:
        name = f', name="{c["name"]}"' if c["name"] else ""
        expert = f"dense({c['d']}, use_bias={'true' if c['use_bias'] else 'false'}{name})"
    call = (f"moe({expert}, experts={c['E']}, top_k={c['k']}, router_bias={'true' if c['router_bias'] else 'false'}, "
            f"shared_experts={c['shared']})")
    return (SWIGLU if c["expert"] == "block" else "") + f"model M():\n    input ({c['T']}, {c['d']})\n    {call}\n"


def torch_moe(c):
    """A mixture written with torch.nn in transformers' layout: the router gate (E, d), the routed
    experts' weights stacked on a leading axis of E (gate_proj and up_proj as one gate_up_proj), the
    shared experts as modules. Each token runs its top_k experts, each expert only its tokens."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    d, ff, E = c["d"], c["ff"], c["E"]
    dense = c["expert"] == "dense"
    layer = c["name"] or "dense"
    stacked = ({layer: (E, d, d), **({f"{layer}_bias": (E, d)} if c["use_bias"] else {})} if dense
               else {"gate_up_proj": (E, 2 * ff, d), "down_proj": (E, d, ff)})

    def shared_expert():
        m = nn.Module()
        if dense:
            setattr(m, layer, nn.Linear(d, d, bias=c["use_bias"]))
        else:
            m.gate_proj, m.up_proj, m.down_proj = (nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False),
                                                   nn.Linear(ff, d, bias=False))
        return m

    def run_shared(m, x):
        if dense:
            return getattr(m, layer)(x)
        return m.down_proj(F.silu(m.gate_proj(x)) * m.up_proj(x))

    class MoE(nn.Module):
        def __init__(self):
            super().__init__()
            self.gate = nn.Linear(d, E, bias=c["router_bias"])
            self.experts = nn.Module()
            for name, shape in stacked.items():
                self.experts.register_parameter(name, nn.Parameter(torch.randn(shape)))
            self.shared_experts = nn.ModuleList([shared_expert() for _ in range(c["shared"])])

        def routed(self, e, x):
            p = dict(self.experts.named_parameters())
            if dense:
                return F.linear(x, p[layer][e], p[f"{layer}_bias"][e] if c["use_bias"] else None)
            g, u = F.linear(x, p["gate_up_proj"][e]).chunk(2, dim=-1)
            return F.linear(F.silu(g) * u, p["down_proj"][e])

        def forward(self, x):
            tokens = x.reshape(-1, d)
            weights, chosen = self.gate(tokens).softmax(-1).topk(c["k"], dim=-1)
            out = torch.zeros_like(tokens)
            for e in range(E):
                rows, slot = (chosen == e).nonzero(as_tuple=True)
                out = out.index_add(0, rows, self.routed(e, tokens[rows]) * weights[rows, slot, None])
            for m in self.shared_experts:
                out = out + run_shared(m, tokens)
            return out.reshape(x.shape)

    return MoE()


@given(moes())
def test_drawn_moe_against_a_torch_mixture(c):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    module = torch_moe(c)
    net = symparams.parse(moe_program(c)).model(convention="torch")
    row = [r for r in net.layers if r.type == "moe"][0]
    assert [(w.name, tuple(int(n) for n in w.shape)) for w in row.weights] == \
        [(n, tuple(p.shape)) for n, p in module.named_parameters()]
    assert int(net.params) == sum(p.numel() for p in module.parameters())
    d, ff, E = c["d"], c["ff"], c["E"]
    expert = d * d + d * c["use_bias"] if c["expert"] == "dense" else 3 * d * ff
    # by hand: the router, top_k routed experts and every shared one
    assert int(net.active_params) == d * E + E * c["router_bias"] + (c["k"] + c["shared"]) * expert
    x = torch.randn(1, c["T"], d)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = module(x)
    assert tuple(int(n) for n in net.output_shape) == tuple(y.shape[1:])
    assert int(net.macs) == counter.get_total_flops() // 2


# what these generators draw, for tests/test_live_coverage.py
DRAWN = [Drawn("moe (a torch.nn mixture)", lambda convention: moes(), moe_program, ("torch",))]
