"""Live: grouped_query_attention's training figures (issue 13) against the computation its torch
convention names: Hugging Face's LlamaAttention in eager mode (docs/MEMORY.md).

torch.nn has no grouped-query attention module. The torch convention's weights are LlamaAttention's
q/k/v/o_proj Linears; its core is transformers' eager_attention_forward: the key/value heads repeated
per query group (repeat_kv), scores, softmax, weighted sum. Self-attention runs LlamaAttention itself;
cross-attention (value=, key=, each of its own width), which LlamaAttention does not take, runs
its four Linears (k_proj and v_proj resized) and the same eager_attention_forward. Rotary position embeddings are taken out (apply_rotary_pos_emb returns
q and k unchanged): they are no part of the layer (they have no parameters, and the language has no
rotary layer whose memory they would be).

With qk_norm=true the module is Qwen3Attention (Llama's with an RMSNorm over each query and key head).

Compared over hypothesis-drawn heads, key/value heads dividing them, head sizes, lengths, widths,
biases, frozen weights and input gradients, with a batch of 3 in fp32 on CPU:
- the parameter count;
- the bytes of the unique storages saved for backward (test_live_memory.measure) against
  net.memory(accounting="torch", device="cpu").activations;
- forward and backward FLOPs (torch.utils.flop_counter) against 2 * batch * MACs;
- the KV cache: the K and V tensors LlamaAttention hands its cache (the k_proj and v_proj outputs,
  before repeat_kv) against net.memory().kv_cache = 2 * S * hkv * head_dim * batch * bytes.
"""
from __future__ import annotations

from unittest import mock

import pytest

from hypothesis import given, note
from hypothesis import strategies as st

import symparams
from arch_source import Name, call, model_source
from drawn import Drawn
from symparams.compute import backward_macs
from test_live_memory import BATCH, measure


@st.composite
def gqa_configs(draw):
    hkv, groups = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    # LlamaConfig wants the width a multiple of the query heads (head_dim is its own)
    return dict(hkv=hkv, hq=hkv * groups, hd=draw(st.integers(1, 4)), d=hkv * groups * draw(st.integers(1, 3)),
                T=draw(st.integers(1, 5)), S=draw(st.none() | st.integers(1, 5)),      # None: self-attention
                dk=draw(st.none() | st.integers(1, 5)),          # a key tensor of its own width (cross only)
                dv=draw(st.integers(1, 5)),                      # the value's width (cross only)
                use_bias=draw(st.booleans()), qk_norm=draw(st.booleans()),             # qk_norm: Qwen3's
                frozen=draw(st.booleans()), input_gradients=draw(st.booleans()))


def shapes(c) -> list:
    if c["S"] is None:
        return [(c["T"], c["d"])]
    return [(c["T"], c["d"]), (c["S"], c["dv"])] + ([(c["S"], c["dk"])] if c["dk"] is not None else [])


def program(c) -> str:
    tensors = {} if c["S"] is None else {"value": Name("x1"), **({"key": Name("x2")} if c["dk"] else {})}
    layer = call("grouped_query_attention", c["hd"], c["hq"], c["hkv"], use_bias=c["use_bias"], **tensors,
                 **({"qk_norm": True} if c["qk_norm"] else {}), **({"trainable": False} if c["frozen"] else {}))
    return model_source(shapes(c), layer)


# what this generator draws, for tests/test_live_coverage.py
DRAWN = [Drawn("grouped_query_attention training (eager Llama)", lambda convention: gqa_configs(),
               lambda c, convention: program(c), ("torch",))]


def llama_attention(c):
    """LlamaAttention (eager; Qwen3Attention with qk_norm: per-head RMSNorms on q and k) for
    self-attention; its Linears, norms and eager core for cross-attention."""
    import torch
    from transformers import LlamaConfig, Qwen3Config
    from transformers.models.llama import modeling_llama as llama
    from transformers.models.qwen3 import modeling_qwen3 as qwen3

    config_class, module_class = (Qwen3Config, qwen3.Qwen3Attention) if c["qk_norm"] else \
        (LlamaConfig, llama.LlamaAttention)
    config = config_class(hidden_size=c["d"], num_attention_heads=c["hq"], num_key_value_heads=c["hkv"],
                          head_dim=c["hd"], attention_bias=c["use_bias"], attn_implementation="eager")
    module = module_class(config, layer_idx=0)
    if c["S"] is not None:          # the value's and the key's own widths (LlamaAttention's are d)
        module.v_proj = torch.nn.Linear(c["dv"], c["hkv"] * c["hd"], bias=c["use_bias"])
        module.k_proj = torch.nn.Linear(c["dk"] or c["dv"], c["hkv"] * c["hd"], bias=c["use_bias"])
    module.requires_grad_(not c["frozen"])

    def heads(t, norm=None):
        t = t.view(*t.shape[:-1], -1, c["hd"])
        return (t if norm is None else norm(t)).transpose(1, 2)

    def run(m, xs):
        if c["S"] is None:
            no_rotation = (torch.ones(1), torch.zeros(1))            # read by nothing: rotation is patched out
            return m(hidden_states=xs[0], position_embeddings=no_rotation, attention_mask=None)[0]
        value = xs[1]
        key = xs[2] if len(xs) > 2 else value
        q_norm, k_norm = (m.q_norm, m.k_norm) if c["qk_norm"] else (None, None)
        out, _ = llama.eager_attention_forward(m, heads(m.q_proj(xs[0]), q_norm), heads(m.k_proj(key), k_norm),
                                               heads(m.v_proj(value)), None, scaling=m.scaling)
        return m.o_proj(out.reshape(*xs[0].shape[:-1], -1))

    return module, run


def unrotated(q, k, *args, **kwargs):
    return q, k


def kv_cache_elements(module, made) -> int:
    """The elements of the K and V tensors LlamaAttention caches: its k_proj and v_proj outputs."""
    import torch
    sizes = []
    hooks = [p.register_forward_hook(lambda m, i, o: sizes.append(o.numel())) for p in (module.k_proj, module.v_proj)]
    with torch.no_grad():
        made["call"](module, [torch.zeros(BATCH, *s) for s in made["shapes"]])
    for h in hooks:
        h.remove()
    return sum(sizes)


def forward_flops(made) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        made["call"](made["module"], [torch.zeros(BATCH, *s) for s in made["shapes"]])
    return counter.get_total_flops()


@given(c=gqa_configs())
def test_grouped_query_attention_keeps_and_costs_what_llama_attention_does(c):
    from transformers.models.llama import modeling_llama as llama
    from transformers.models.qwen3 import modeling_qwen3 as qwen3
    source = program(c)
    note(source)
    module, run = llama_attention(c)
    made = dict(module=module, shapes=shapes(c), batch_first=True, dtype="float", vocab=None, call=run)
    with mock.patch.object(llama, "apply_rotary_pos_emb", unrotated), \
            mock.patch.object(qwen3, "apply_rotary_pos_emb", unrotated):
        saved, backward = measure(made, c["input_gradients"])
        forward, cached = forward_flops(made), kv_cache_elements(module, made)
    net = symparams.parse(source).model(convention="torch")
    m = net.memory(dtype="fp32", batch=BATCH, device="cpu", input_gradients=c["input_gradients"])
    assert net.params == sum(p.numel() for p in module.parameters())
    assert m.activations == saved
    assert (2 * BATCH * net.macs, 2 * BATCH * backward_macs(net, c["input_gradients"])) == (forward, backward)
    assert m.kv_cache == cached * 4                  # fp32
    S = c["T"] if c["S"] is None else c["S"]
    assert m.kv_cache == 2 * S * c["hkv"] * c["hd"] * BATCH * 4


# ---- end to end: examples/llama.arch, built from torch.nn and LlamaAttention, one training step ----

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"


def llama_modules(V, T, d, hq, hkv, ff, L):
    """The modules the torch convention maps examples/llama.arch to: nn.Embedding, nn.RMSNorm,
    LlamaAttention (eager, rotation taken out), the gated MLP's three Linears."""
    import torch
    from torch import nn
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaAttention

    config = LlamaConfig(hidden_size=d, num_attention_heads=hq, num_key_value_heads=hkv, head_dim=d // hq,
                         attention_bias=False, attn_implementation="eager")

    class DecoderLayer(nn.Module):
        def __init__(self):
            super().__init__()
            self.input_layernorm, self.post_attention_layernorm = nn.RMSNorm(d), nn.RMSNorm(d)
            self.self_attn = LlamaAttention(config, layer_idx=0)
            self.gate_proj, self.up_proj = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False)
            self.down_proj = nn.Linear(ff, d, bias=False)

        def forward(self, x):
            no_rotation = (torch.ones(1), torch.zeros(1))
            x = x + self.self_attn(self.input_layernorm(x), no_rotation, None)[0]
            h = self.post_attention_layernorm(x)
            return x + self.down_proj(nn.functional.silu(self.gate_proj(h)) * self.up_proj(h))

    class Llama(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed_tokens = nn.Embedding(V, d)
            self.layers = nn.Sequential(*[DecoderLayer() for _ in range(L)])
            self.norm = nn.RMSNorm(d)

        def forward(self, tokens):
            return self.norm(self.layers(self.embed_tokens(tokens)))

    return Llama()


@pytest.mark.parametrize("hkv", [1, 2, 4])
def test_llama_one_training_step_keeps_what_the_formula_says(hkv):
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from transformers.models.llama import modeling_llama as llama

    values = dict(V=11, T=5, d=8, hq=4, hkv=hkv, ff=6, L=2)
    torch.manual_seed(0)
    model = llama_modules(**values).train()
    tokens = torch.randint(0, values["V"], (BATCH, values["T"]))
    made = dict(module=model, shapes=[], batch_first=True, dtype="long", vocab=None,
                call=lambda m, xs: m(tokens))
    with mock.patch.object(llama, "apply_rotary_pos_emb", unrotated):
        saved, backward = measure(made, False)
    net = symparams.load(EXAMPLES / "llama.arch").model(convention="torch", values=values)
    assert net.params == sum(p.numel() for p in model.parameters())
    assert net.memory(dtype="fp32", batch=BATCH, device="cpu").activations == saved
    assert 2 * BATCH * net.backward_macs == backward
    with FlopCounterMode(display=False) as counter, torch.no_grad(), \
            mock.patch.object(llama, "apply_rotary_pos_emb", unrotated):
        model(tokens)
    assert 2 * BATCH * net.macs == counter.get_total_flops()


# ---- lora on grouped-query self-attention, against PEFT on Hugging Face's LlamaAttention ----------

@given(heads=st.tuples(st.integers(1, 3), st.integers(1, 3)), hd=st.integers(1, 3), width=st.integers(1, 2),
       T=st.integers(1, 5), r=st.integers(1, 3), use_bias=st.booleans(), input_gradients=st.booleans(),
       targets=st.sets(st.sampled_from("qkvo"), min_size=1).map(sorted), frozen_base=st.booleans())
def test_lora_on_attention_keeps_and_costs_what_peft_does(heads, hd, width, T, r, use_bias, input_gradients,
                                                          targets, frozen_base):
    """What is kept follows which tensors need a gradient: an adapted q, k or v, one whose weights
    train, or the input (docs/MEMORY.md). PEFT freezes the whole base (our trainable=false inside);
    without it the projections not targeted train. Rotary embeddings taken out, as above."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers.models.llama import modeling_llama as llama
    hkv, groups = heads
    hq = hkv * groups
    d = hq * width
    c = dict(hkv=hkv, hq=hq, hd=hd, d=d, T=T, S=None, dk=None, dv=1, use_bias=use_bias, qk_norm=False,
             frozen=False, input_gradients=input_gradients)
    attention, run = llama_attention(c)

    class Wrapped(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = attention

        def forward(self, x):
            return run(self.attn, [x])

    module = get_peft_model(Wrapped(), LoraConfig(r=r, target_modules=[f"{t}_proj" for t in targets]))
    if not frozen_base:
        for name in {"q", "k", "v", "o"} - set(targets):
            getattr(attention, f"{name}_proj").requires_grad_(True)
    made = dict(module=module, shapes=[(T, d)], batch_first=True, dtype="float", vocab=None,
                call=lambda m, xs: m(xs[0]))
    with mock.patch.object(llama, "apply_rotary_pos_emb", unrotated):
        saved, flops = measure(made, input_gradients)
    words = ", ".join(f'"{t}"' for t in targets)
    bias, frozen = "true" if use_bias else "false", ", trainable=false" if frozen_base else ""
    source = model_source([(T, d)], f"lora(grouped_query_attention({hd}, {hq}, {hkv}, use_bias={bias}{frozen}), {r}, "
                                    f"targets=({words},))")
    note(source)
    net = symparams.parse(source).model(convention="torch")
    assert net.trainable == sum(p.numel() for p in module.parameters() if p.requires_grad)
    m = net.memory(dtype="fp32", batch=BATCH, device="cpu", input_gradients=input_gradients)
    assert (m.activations, 2 * BATCH * backward_macs(net, input_gradients)) == (saved, flops)
