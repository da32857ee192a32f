"""Decoder-only families: Llama and its relatives (pre-RMSNorm, grouped-query attention, gated
MLP, rotary positions), GPT-2 and GPT-NeoX. Names follow transformers' modules, so
`symparams check` can pair each weight with the live one."""
from __future__ import annotations

from .template import Family, Fixed, Size, Switch

# ---- Llama-style ------------------------------------------------------------------------

_LLAMA_SIZES = (
    Size("V", "vocab_size", 32000, "vocabulary"),
    Size("T", "max_position_embeddings", 2048, "the sequence length the MACs are counted for"),
    Size("d", "hidden_size", 4096, "width"),
    Size("hq", "num_attention_heads", 32, "query heads"),
    Size("hkv", "num_key_value_heads", "hq", "key/value heads"),
    Size("ff", "intermediate_size", 11008, "MLP width"),
    Size("L", "num_hidden_layers", 32, "decoder layers"),
)
_HEAD_DIM = Size("hd", "head_dim", None, "head width", fallback="d / hq")

_LLAMA_NEUTRAL = frozenset({
    "hidden_act", "rms_norm_eps", "rope_theta", "rope_scaling", "rope_parameters", "attention_dropout",
    "pretraining_tp", "sliding_window", "use_sliding_window", "max_window_layers", "layer_types",
    "query_pre_attn_scalar", "final_logit_softcapping", "attn_logit_softcapping", "hidden_activation",
    "cache_implementation", "original_max_position_embeddings", "resid_pdrop", "embd_pdrop",
    "attention_pdrop"})

# Rotary frequencies over a width R (arange(0, R, 2)): transformers >= 5 registers inv_freq and
# original_inv_freq.
_ROTARY = """\
    rotary = buffer((ceil(R / 2),), name="rotary_emb.inv_freq")
    original = buffer((ceil(R / 2),), name="rotary_emb.original_inv_freq")
"""

_LLAMA_BLOCKS = """\
block GatedMLP(d, ff):
    g = dense(ff, use_bias={mlp_bias}, name="mlp.gate_proj") -> silu
    dense(ff, use_bias={mlp_bias}, name="mlp.up_proj") -> multiply(g)
        -> dense(d, use_bias={mlp_bias}, name="mlp.down_proj")

block DecoderLayer(d, hd, hq, hkv, ff{expert_params}):
    a = rms_norm(name="input_layernorm")
        -> grouped_query_attention(hd, hq, hkv, use_bias={attention_bias}, name="self_attn"){post_attention}
    add(a)
    m = rms_norm(name="{mlp_norm}") -> {mlp}{post_mlp}
    add(m)

block Decoder(d, hd, hq, hkv, ff, L, R{expert_params}):
{embed_scale}""" + _ROTARY + """\
    repeat L: DecoderLayer(d, hd, hq, hkv, ff{expert_params})
    rms_norm(name="norm")
"""

_LLAMA_BODY = """\
    let embed_tokens = embedding(V, d)
    tokens -> embed_tokens -> Decoder(d, {hd}, hq, hkv, ff, L, {R}{expert_params})
"""
_LM_HEAD = '    dense(V, use_bias=false, {tie}name="lm_head")\n'


# A mixture of experts in place of the MLP (Mixtral): the experts are the gated MLP, its layers unprefixed.
_EXPERT_BLOCK = """\
block ExpertMLP(d, ff):
    g = dense(ff, use_bias=false, name="gate_proj") -> silu
    dense(ff, use_bias=false, name="up_proj") -> multiply(g) -> dense(d, use_bias=false, name="down_proj")

"""
_EXPERT_SIZES = (Size("E", "num_local_experts", 8, "experts"), Size("k", "num_experts_per_tok", 2, "experts per token"))


def _llama_like(model_type, summary, base, causal, tie_default=False, gemma=0, biases=(), qkv_bias=False,
                experts=False):
    """gemma: 0 (Llama), 1 (a scaled embedding), 2 (also norms after attention and MLP); qkv_bias: biases on
    q, k and v only (Qwen2); experts: a mixture of experts for the MLP (Mixtral)."""
    fills = {
        "mlp": 'moe(ExpertMLP(d, ff), experts=E, top_k=k, name="mlp")' if experts else "GatedMLP(d, ff)",
        "expert_params": ", E, k" if experts else "",
        "post_attention": '\n        -> rms_norm(name="post_attention_layernorm")' if gemma == 2 else "",
        "mlp_norm": "pre_feedforward_layernorm" if gemma == 2 else "post_attention_layernorm",
        "post_mlp": ' -> rms_norm(name="post_feedforward_layernorm")' if gemma == 2 else "",
        "embed_scale": '    scale = buffer((), name="embed_tokens.embed_scale")\n' if gemma else "",
    }
    fills.update({key: "false" for key in ("attention_bias", "mlp_bias") if key not in biases})
    if qkv_bias:
        fills["attention_bias"] = "true, output_bias=false"
    blocks = (_EXPERT_BLOCK if experts else "") + _LLAMA_BLOCKS
    body = _LLAMA_BODY.replace("{expert_params}", fills["expert_params"])
    for key, text in fills.items():
        blocks = blocks.replace("{" + key + "}", text)
    tie = Switch("tie_word_embeddings", tie_default, "tie", on="tie=embed_tokens, ", off="")
    return Family(
        model_type, summary, _LLAMA_SIZES + (_EXPERT_SIZES if experts else ()), blocks,
        {base: body, causal: body + _LM_HEAD}, base,
        switches=(*(Switch(key, False) for key in biases), tie),
        neutral=_LLAMA_NEUTRAL | ({"router_aux_loss_coef", "output_router_logits", "router_jitter_noise"}
                                  if experts else set()),
        optional_sizes=(_HEAD_DIM,), rotary=True)


LLAMA = _llama_like("llama", "Llama: pre-RMSNorm decoder layers, grouped-query attention, gated MLP",
                    "LlamaModel", "LlamaForCausalLM", biases=("attention_bias", "mlp_bias"))
MISTRAL = _llama_like("mistral", "Mistral: Llama's layers (sliding-window attention changes no count)",
                      "MistralModel", "MistralForCausalLM")
GEMMA = _llama_like("gemma", "Gemma: Llama's layers, a scaled (and tied) embedding, explicit head_dim",
                    "GemmaModel", "GemmaForCausalLM", tie_default=True, gemma=1,
                    biases=("attention_bias",))
GEMMA2 = _llama_like("gemma2", "Gemma 2: Gemma with RMSNorms after attention and after the MLP too",
                     "Gemma2Model", "Gemma2ForCausalLM", tie_default=True, gemma=2,
                     biases=("attention_bias",))
QWEN2 = _llama_like("qwen2", "Qwen2 / Qwen1.5: Llama's layers with biases on q, k and v (not on o)",
                    "Qwen2Model", "Qwen2ForCausalLM", qkv_bias=True)
MIXTRAL = _llama_like("mixtral", "Mixtral: Llama's layers with a mixture of gated-MLP experts for the MLP",
                      "MixtralModel", "MixtralForCausalLM", experts=True)
PHI3 = _llama_like("phi3", "Phi-3: Llama's layers (transformers fuses q/k/v into qkv_proj and gate/up into "
                   "gate_up_proj: the same counts)", "Phi3Model", "Phi3ForCausalLM")

# ---- GPT-2 ---------------------------------------------------------------------------------

_GPT2_BLOCKS = """\
block GPT2Block(d, h, ff):
    a = layer_norm(name="ln_1") -> multi_head_attention(h, d / h, name="attn")
    add(a)
    m = layer_norm(name="ln_2") -> dense(ff, name="mlp.c_fc") -> gelu -> dense(d, name="mlp.c_proj")
    add(m)

block GPT2Layers(d, h, ff, L):
    repeat L: GPT2Block(d, h, ff)
    layer_norm(name="ln_f")
"""
_GPT2_BODY = """\
    let wte = embedding(V, d)
    x = tokens -> wte
    positions -> embedding(T, d, name="wpe") -> add(x) -> GPT2Layers(d, h, {ff}, L)
"""
GPT2 = Family(
    "gpt2", "GPT-2: learned positions, pre-LayerNorm blocks; transformers' Conv1D stores (in, out)",
    (Size("V", "vocab_size", 50257, "vocabulary"),
     Size("T", "n_positions", 1024, "position table rows, and the sequence length the MACs are counted for"),
     Size("d", "n_embd", 768, "width"),
     Size("h", "n_head", 12, "heads"),
     Size("L", "n_layer", 12, "blocks")),
    _GPT2_BLOCKS,
    {"GPT2Model": _GPT2_BODY, "GPT2LMHeadModel": _GPT2_BODY + _LM_HEAD}, "GPT2Model",
    inputs="    input tokens (T)\n    input positions (T)\n",
    switches=(Switch("tie_word_embeddings", True, "tie", on="tie=wte, ", off=""),),
    fixed=(Fixed("add_cross_attention", (None, False), "cross-attention layers add weights"),),
    neutral=frozenset({"activation_function", "attn_pdrop", "embd_pdrop", "resid_pdrop", "n_ctx",
                       "summary_activation", "summary_first_dropout", "summary_proj_to_labels", "summary_type",
                       "summary_use_proj", "scale_attn_weights", "scale_attn_by_inverse_layer_idx",
                       "reorder_and_upcast_attn"}),
    optional_sizes=(Size("ff", "n_inner", None, "MLP width", fallback="4 * d"),))

# ---- GPT-NeoX ------------------------------------------------------------------------------

_NEOX_BLOCKS = """\
block GPTNeoXLayer(d, h, ff):
    x = identity
    a = layer_norm(name="input_layernorm")
        -> multi_head_attention(h, d / h, use_bias={attention_bias}, name="attention")
    m = x -> layer_norm(name="post_attention_layernorm") -> dense(ff, name="mlp.dense_h_to_4h") -> gelu
        -> dense(d, name="mlp.dense_4h_to_h")
    add(a, m)

block GPTNeoXLayers(d, h, ff, L, R):
""" + _ROTARY + """\
    repeat L: GPTNeoXLayer(d, h, ff)
    layer_norm(name="final_layer_norm")
"""
_NEOX_BODY = """\
    let embed_in = embedding(V, d)
    tokens -> embed_in -> GPTNeoXLayers(d, h, ff, L, {R})
"""
GPT_NEOX = Family(
    "gpt_neox", "GPT-NeoX / Pythia: parallel attention and MLP residuals, partial rotary positions",
    (Size("V", "vocab_size", 50432, "vocabulary"),
     Size("T", "max_position_embeddings", 2048, "the sequence length the MACs are counted for"),
     Size("d", "hidden_size", 6144, "width"),
     Size("h", "num_attention_heads", 64, "heads"),
     Size("ff", "intermediate_size", 24576, "MLP width"),
     Size("L", "num_hidden_layers", 44, "layers")),
    _NEOX_BLOCKS,
    {"GPTNeoXModel": _NEOX_BODY, "GPTNeoXForCausalLM": _NEOX_BODY + _LM_HEAD}, "GPTNeoXModel",
    switches=(Switch("attention_bias", True),
              Switch("tie_word_embeddings", False, "tie", on="tie=embed_in, ", off="")),
    neutral=frozenset({"use_parallel_residual", "rotary_emb_base", "rope_theta", "rope_scaling",
                       "rope_parameters"}),
    rotary=True, rotary_fraction=0.25, head_text="d / h")
