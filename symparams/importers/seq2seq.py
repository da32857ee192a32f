"""T5: an encoder and a decoder sharing one embedding, RMS-style layer norms, no biases, and a
relative position bias (an embedding of bucket indices) in the first layer of each stack only.
Layer names are transformers' with the layer indices left out (`encoder.block.layer.layer_norm`):
`symparams check` matches a live name with its indices removed."""
from __future__ import annotations

from .template import Family, Fixed, Size

_T5_BLOCKS = """\
block EncoderSelfAttention(dkv, h):
    a = rms_norm(name="encoder.block.layer.layer_norm")
        -> grouped_query_attention(dkv, h, h, use_bias=false, name="encoder.block.layer.SelfAttention")
    add(a)

block EncoderFF(d, ff):
    m = rms_norm(name="encoder.block.layer.layer_norm") -> dense(ff, use_bias=false, name="encoder.block.layer.wi")
        -> relu -> dense(d, use_bias=false, name="encoder.block.layer.wo")
    add(m)

block EncoderLayer(d, dkv, h, ff):
    EncoderSelfAttention(dkv, h) -> EncoderFF(d, ff)

block DecoderSelfAttention(dkv, h):
    a = rms_norm(name="decoder.block.layer.layer_norm")
        -> grouped_query_attention(dkv, h, h, use_bias=false, name="decoder.block.layer.SelfAttention")
    add(a)

block DecoderCrossAttention(encoded, dkv, h):
    a = rms_norm(name="decoder.block.layer.layer_norm")
        -> grouped_query_attention(dkv, h, h, encoded, use_bias=false, name="decoder.block.layer.EncDecAttention")
    add(a)

block DecoderFF(d, ff):
    m = rms_norm(name="decoder.block.layer.layer_norm") -> dense(ff, use_bias=false, name="decoder.block.layer.wi")
        -> relu -> dense(d, use_bias=false, name="decoder.block.layer.wo")
    add(m)

block DecoderLayer(encoded, d, dkv, h, ff):
    DecoderSelfAttention(dkv, h) -> DecoderCrossAttention(encoded, dkv, h) -> DecoderFF(d, ff)
"""
_T5_INPUTS = """\
    input tokens (S)
    input decoder_tokens (T)
    input encoder_buckets (S, S)
    input decoder_buckets (T, T)
"""
_T5_BODY = """\
    let shared = embedding(V, d)
    encoder_bias = encoder_buckets
        -> embedding(NB, h, name="encoder.block.layer.SelfAttention.relative_attention_bias")
    decoder_bias = decoder_buckets
        -> embedding(NB, h, name="decoder.block.layer.SelfAttention.relative_attention_bias")
    encoded = tokens -> shared -> EncoderStack(d, dkv, h, ff, L)
    decoder_tokens -> shared -> DecoderStack(encoded, d, dkv, h, ff, {Ld})
"""
_T5_STACKS = """
block EncoderStack(d, dkv, h, ff, L):
    repeat L: EncoderLayer(d, dkv, h, ff)
    rms_norm(name="encoder.final_layer_norm")

block DecoderStack(encoded, d, dkv, h, ff, L):
    repeat L: DecoderLayer(encoded, d, dkv, h, ff)
    rms_norm(name="decoder.final_layer_norm")
"""
T5 = Family(
    "t5", "T5: encoder-decoder with a shared embedding, relative position buckets, no biases",
    (Size("V", "vocab_size", 32128, "vocabulary"),
     Size("S", "n_positions", 512, "the encoder sequence length the MACs are counted for"),
     Size("T", "n_positions", 512, "the decoder sequence length the MACs are counted for"),
     Size("d", "d_model", 512, "width"),
     Size("dkv", "d_kv", 64, "head width"),
     Size("h", "num_heads", 8, "heads"),
     Size("ff", "d_ff", 2048, "MLP width"),
     Size("NB", "relative_attention_num_buckets", 32, "relative position buckets"),
     Size("L", "num_layers", 6, "encoder layers")),
    _T5_BLOCKS + _T5_STACKS,
    {"T5Model": _T5_BODY,
     "T5ForConditionalGeneration": _T5_BODY + '    dense(V, use_bias=false, tie=shared, name="lm_head")\n'},
    "T5Model", inputs=_T5_INPUTS,
    fixed=(Fixed("feed_forward_proj", (None, "relu", "gelu"), "a gated feed-forward has two input projections"),),
    neutral=frozenset({"dropout_rate", "layer_norm_epsilon", "initializer_factor", "relative_attention_max_distance",
                       "dense_act_fn", "is_gated_act", "decoder_start_token_id", "n_positions", "use_cache",
                       # transformers >= 5 always ties T5's head; False only turns off an output scale
                       "tie_word_embeddings"}),
    optional_sizes=(Size("Ld", "num_decoder_layers", None, "decoder layers", fallback="L"),))
