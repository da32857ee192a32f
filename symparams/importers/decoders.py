"""Decoder-only families: Llama and its relatives (pre-RMSNorm, grouped-query attention, gated
MLP, rotary positions), GPT-2 and GPT-NeoX. Names follow transformers' modules, so
`symparams check` can pair each weight with the live one."""
from __future__ import annotations

from dataclasses import dataclass

from .template import Family, Fixed, Size, Switch
from .writer import block, call, chain, gated_mlp, mlp, norm_first, stack, statement

# ---- Llama-style ------------------------------------------------------------------------

def _llama_sizes(head_dim=None, mlp=()):
    """V, T, d, heads, [an explicit head width], the MLP's sizes, L."""
    return (Size("V", "vocab_size", 32000, "vocabulary"),
            Size("T", "max_position_embeddings", 2048, "the sequence length the MACs are counted for"),
            Size("d", "hidden_size", 4096, "width"),
            Size("hq", "num_attention_heads", 32, "query heads"),
            Size("hkv", "num_key_value_heads", "hq", "key/value heads"),
            *((Size("hd", "head_dim", head_dim, "head width"),) if head_dim else ()),
            *mlp,
            Size("L", "num_hidden_layers", 32, "decoder layers"))


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


@dataclass(frozen=True)
class _Mlp:
    """What a Llama-style layer has after its attention: its sizes (in the signature), the symbols
    passed down to it, its blocks, its call, and the config keys it follows."""
    sizes: tuple
    symbols: str
    blocks: str
    call: str
    fixed: tuple = ()
    neutral: frozenset = frozenset()


_DENSE = _Mlp((Size("ff", "intermediate_size", 11008, "MLP width"),), "ff",
              gated_mlp("GatedMLP", "mlp", "{mlp_bias}"), "GatedMLP(d, ff)")
_ROUTER_KEYS = frozenset({"router_aux_loss_coef", "output_router_logits", "router_jitter_noise", "norm_topk_prob"})
_EXPERTS = call("moe", "ExpertMLP(d, ff)", experts="E", top_k="k", name="mlp")
# Mixtral: every MLP is a mixture of gated-MLP experts.
_MIXTRAL_EXPERTS = _Mlp(
    (Size("ff", "intermediate_size", 14336, "expert MLP width"), Size("E", "num_local_experts", 8, "experts"),
     Size("k", "num_experts_per_tok", 2, "experts per token")),
    "ff, E, k", gated_mlp("ExpertMLP"), _EXPERTS,
    neutral=_ROUTER_KEYS)
# Qwen's MoE layers: a dense MLP is kept only in layers these keys name (not followed: an error).
_EVERY_LAYER_SPARSE = (
    Fixed("decoder_sparse_step", (None, 1), "other steps keep a dense MLP in some layers"),
    Fixed("mlp_only_layers", (None, []), "the layers it lists keep a dense MLP"))
_SHARED_EXPERT_MOE = block("SharedExpertMoE", "d, ff, ffs, E, k", statement(f"routed = {_EXPERTS}")
                           + statement("shared = SharedExpert(d, ffs)")
                           + statement(chain(call("dense", 1, use_bias="false", name="mlp.shared_expert_gate"),
                                             "sigmoid", "multiply(shared)", "add(routed)")))


def _qwen_experts(ff, experts, top_k, shared=None):
    """Qwen2-MoE / Qwen3-MoE experts (moe_intermediate_size wide); `shared`: the default width of
    Qwen2-MoE's shared expert, added to the routed ones through a sigmoid gate."""
    sizes = (Size("ff", "moe_intermediate_size", ff, "expert MLP width"),
             *((Size("ffs", "shared_expert_intermediate_size", shared, "shared expert MLP width"),)
               if shared else ()),
             Size("E", "num_experts", experts, "experts"), Size("k", "num_experts_per_tok", top_k, "experts per token"))
    blocks = gated_mlp("ExpertMLP")
    if shared:
        blocks += gated_mlp("SharedExpert", "mlp.shared_expert") + _SHARED_EXPERT_MOE
    # intermediate_size is the dense MLP's width, which no layer has while every layer is sparse
    return _Mlp(sizes, "ff, ffs, E, k" if shared else "ff, E, k", blocks,
                "SharedExpertMoE(d, ff, ffs, E, k)" if shared else _EXPERTS, fixed=_EVERY_LAYER_SPARSE,
                neutral=_ROUTER_KEYS | {"intermediate_size"})


def _llama_layers(mlp, gemma, qk_norm) -> str:
    """DecoderLayer and Decoder; gemma 2 adds norms after attention and after the MLP."""
    attention = call("grouped_query_attention", "hd", "hq", "hkv", use_bias="{attention_bias}",
                     qk_norm="true" if qk_norm else None, name="self_attn")
    norms = (("post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm") if gemma == 2
             else ("", "post_attention_layernorm", ""))
    after_attention, before_mlp, after_mlp = (call("rms_norm", name=n) if n else "" for n in norms)
    layer = (norm_first("a", call("rms_norm", name="input_layernorm"), attention, after=after_attention)
             + norm_first("m", before_mlp, mlp.call, after=after_mlp))
    scale = '    scale = buffer((), name="embed_tokens.embed_scale")\n' if gemma else ""
    return (block("DecoderLayer", f"d, hd, hq, hkv, {mlp.symbols}", layer)
            + stack("Decoder", f"d, hd, hq, hkv, {mlp.symbols}, L, R", f"DecoderLayer(d, hd, hq, hkv, {mlp.symbols})",
                    final='rms_norm(name="norm")', before=scale + _ROTARY))


_LLAMA_BODY = """\
    let embed_tokens = embedding(V, d)
    tokens -> embed_tokens -> Decoder(d, {hd}, hq, hkv, {mlp_symbols}, L, {R})
"""
_LM_HEAD = '    dense(V, use_bias=false, {tie}name="lm_head")\n'


_QKV_BIASES = "true, output_bias=false"


def _llama_like(model_type, summary, base, causal, tie_default=False, gemma=0, biases=(), qkv_bias=None,
                mlp=_DENSE, qk_norm=False, head_dim=None):
    """gemma: 0 (Llama), 1 (a scaled embedding), 2 (also norms after attention and MLP); qkv_bias: biases
    on q, k and v only, "always" (Qwen2) or as the `qkv_bias` key says, default on (Qwen2-MoE); mlp: what
    follows attention; qk_norm: RMSNorms over query and key heads (Qwen3); head_dim: transformers'
    default head width when it is not hidden_size / heads (Qwen3)."""
    switches = [Switch(key, False) for key in biases]
    if qkv_bias == "key":
        switches.append(Switch("qkv_bias", True, "attention_bias", on=_QKV_BIASES))
    switched = {s.field or s.key for s in switches}
    fills = {key: "false" for key in ("attention_bias", "mlp_bias") if key not in switched}
    if qkv_bias == "always":
        fills["attention_bias"] = _QKV_BIASES
    blocks = mlp.blocks + _llama_layers(mlp, gemma, qk_norm)
    for key, text in fills.items():
        blocks = blocks.replace("{" + key + "}", text)
    body = _LLAMA_BODY.replace("{mlp_symbols}", mlp.symbols).replace("{hd}", "hd" if head_dim else "{hd}")
    tie = Switch("tie_word_embeddings", tie_default, "tie", on="tie=embed_tokens, ", off="")
    return Family(
        model_type, summary, _llama_sizes(head_dim, mlp.sizes), blocks,
        {base: body, causal: body + _LM_HEAD}, base,
        switches=(*switches, tie), fixed=mlp.fixed, neutral=_LLAMA_NEUTRAL | mlp.neutral,
        optional_sizes=() if head_dim else (_HEAD_DIM,), rotary=True, head_text="hd" if head_dim else "d / hq")


LLAMA = _llama_like("llama", "Llama: pre-RMSNorm decoder layers, grouped-query attention, gated MLP",
                    "LlamaModel", "LlamaForCausalLM", biases=("attention_bias", "mlp_bias"))
MISTRAL = _llama_like("mistral", "Mistral: Llama's layers (sliding-window attention changes no count)",
                      "MistralModel", "MistralForCausalLM")
MIXTRAL = _llama_like("mixtral", "Mixtral: Llama's layers with a mixture of gated-MLP experts for the MLP",
                      "MixtralModel", "MixtralForCausalLM", mlp=_MIXTRAL_EXPERTS)
GEMMA = _llama_like("gemma", "Gemma: Llama's layers, a scaled (and tied) embedding, explicit head_dim",
                    "GemmaModel", "GemmaForCausalLM", tie_default=True, gemma=1,
                    biases=("attention_bias",))
GEMMA2 = _llama_like("gemma2", "Gemma 2: Gemma with RMSNorms after attention and after the MLP too",
                     "Gemma2Model", "Gemma2ForCausalLM", tie_default=True, gemma=2,
                     biases=("attention_bias",))
QWEN2 = _llama_like("qwen2", "Qwen2 / Qwen1.5: Llama's layers with biases on q, k and v (not on o)",
                    "Qwen2Model", "Qwen2ForCausalLM", qkv_bias="always")
QWEN2_MOE = _llama_like("qwen2_moe", "Qwen2-MoE / Qwen1.5-MoE: Qwen2's layers with routed gated-MLP experts "
                        "and a shared expert behind a sigmoid gate", "Qwen2MoeModel", "Qwen2MoeForCausalLM",
                        qkv_bias="key", mlp=_qwen_experts(1408, 60, 4, shared=5632))
QWEN3 = _llama_like("qwen3", "Qwen3: Llama's layers with an RMSNorm over each query and key head",
                    "Qwen3Model", "Qwen3ForCausalLM", biases=("attention_bias",), qk_norm=True, head_dim=128)
QWEN3_MOE = _llama_like("qwen3_moe", "Qwen3-MoE: Qwen3's layers with routed gated-MLP experts",
                        "Qwen3MoeModel", "Qwen3MoeForCausalLM", biases=("attention_bias",), qk_norm=True,
                        mlp=_qwen_experts(768, 128, 8))
PHI3 = _llama_like("phi3", "Phi-3: Llama's layers (transformers fuses q/k/v into qkv_proj and gate/up into "
                   "gate_up_proj: the same counts)", "Phi3Model", "Phi3ForCausalLM")

# ---- GPT-2 ---------------------------------------------------------------------------------

_GPT2_BLOCKS = block(
    "GPT2Block", "d, h, ff",
    norm_first("a", call("layer_norm", name="ln_1"), call("multi_head_attention", "h", "d / h", name="attn"))
    + norm_first("m", call("layer_norm", name="ln_2"), mlp("ff", "d", "mlp.c_fc", "mlp.c_proj"))) + stack(
    "GPT2Layers", "d, h, ff, L", "GPT2Block(d, h, ff)", final=call("layer_norm", name="ln_f"))
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

# Parallel residuals: attention and the MLP both read the layer's input, and both are added to it.
_NEOX_BLOCKS = block(
    "GPTNeoXLayer", "d, h, ff",
    statement("x = identity")
    + statement("a = " + chain(call("layer_norm", name="input_layernorm"),
                               call("multi_head_attention", "h", "d / h", use_bias="{attention_bias}", name="attention")))
    + statement("m = " + chain("x", call("layer_norm", name="post_attention_layernorm"),
                               mlp("ff", "d", "mlp.dense_h_to_4h", "mlp.dense_4h_to_h")))
    + statement("add(a, m)")) + stack(
    "GPTNeoXLayers", "d, h, ff, L, R", "GPTNeoXLayer(d, h, ff)", final=call("layer_norm", name="final_layer_norm"),
    before=_ROTARY)
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
