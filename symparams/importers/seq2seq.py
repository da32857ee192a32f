"""T5: an encoder and a decoder sharing one embedding, RMS-style layer norms, no biases, and a
relative position bias (an embedding of bucket indices) in the first layer of each stack only.
Layer names are transformers' with the layer indices left out (`encoder.block.layer.layer_norm`):
`symparams check` matches a live name with its indices removed."""
from __future__ import annotations

from .template import Family, Fixed, Size
from .writer import block, call, mlp, norm_first, stack, statement



def _t5_layer(stack_name, cross) -> str:
    """A T5 layer of the encoder or the decoder stack (`cross`: with attention to the encoder's
    output). Every sub-layer's norm is `STACK.block.layer.layer_norm` (indices left out), and a
    name is used once per block, so each sub-layer is a block of its own."""
    at, part = f"{stack_name}.block.layer", stack_name.capitalize()
    norm = call("rms_norm", name=f"{at}.layer_norm")

    def attention(kind, memory, name):
        return block(f"{part}{kind}Attention", ", ".join((*memory, "dkv, h")), norm_first(
            "a", norm, call("grouped_query_attention", "dkv", "h", "h", *memory, use_bias="false", name=f"{at}.{name}")))

    blocks = attention("Self", (), "SelfAttention") + (attention("Cross", ("encoded",), "EncDecAttention") if cross else "")
    blocks += block(f"{part}FF", "d, ff",
                    norm_first("m", norm, mlp("ff", "d", f"{at}.wi", f"{at}.wo", act="relu", bias="false")))
    calls = [f"{part}SelfAttention(dkv, h)", *([f"{part}CrossAttention(encoded, dkv, h)"] if cross else []),
             f"{part}FF(d, ff)"]
    params = "encoded, d, dkv, h, ff" if cross else "d, dkv, h, ff"
    return blocks + block(f"{part}Layer", params, statement(" -> ".join(calls))) + stack(
        f"{part}Stack", f"{params}, L", f"{part}Layer({params})", final=call("rms_norm", name=f"{stack_name}.final_layer_norm"))


_T5_BLOCKS = _t5_layer("encoder", cross=False) + _t5_layer("decoder", cross=True)
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
    _T5_BLOCKS,
    {"T5Model": _T5_BODY,
     "T5ForConditionalGeneration": _T5_BODY + '    dense(V, use_bias=false, tie=shared, name="lm_head")\n'},
    "T5Model", inputs=_T5_INPUTS,
    fixed=(Fixed("feed_forward_proj", (None, "relu", "gelu"), "a gated feed-forward has two input projections"),),
    neutral=frozenset({"dropout_rate", "layer_norm_epsilon", "initializer_factor", "relative_attention_max_distance",
                       "dense_act_fn", "is_gated_act", "decoder_start_token_id", "n_positions", "use_cache",
                       # transformers >= 5 always ties T5's head; False only turns off an output scale
                       "tie_word_embeddings"}),
    optional_sizes=(Size("Ld", "num_decoder_layers", None, "decoder layers", fallback="L"),))

# ---- Whisper -------------------------------------------------------------------------------



def _whisper_layer(stack_name, cross) -> str:
    """A Whisper encoder or decoder layer (`cross`: with attention to `memory`, the encoder's
    output); no attention has a bias on its key projection."""
    at = f"{stack_name}.layers"

    def attention(binding, memory, name):
        return norm_first(binding, call("layer_norm", name=f"{at}.{name}_layer_norm"),
                          call("multi_head_attention", "h", "d / h", *memory, key_bias="false", name=f"{at}.{name}"))

    body = attention("a", (), "self_attn") + (attention("c", ("memory",), "encoder_attn") if cross else "")
    body += norm_first("m", call("layer_norm", name=f"{at}.final_layer_norm"), mlp("ff", "d", f"{at}.fc1", f"{at}.fc2"))
    return block(f"{stack_name.capitalize()}Layer", "memory, d, h, ff" if cross else "d, h, ff", body)


_WHISPER_BLOCKS = "layout channels_first\n\n" + _whisper_layer("encoder", False) + _whisper_layer("decoder", True) + \
    block("Encoder", "S, d, h, ff, L",
          "    # two convolutions over the 2*S mel frames, then (d, S) -> (S, d)\n"
          + statement('conv1d(d, 3, padding=1, name="encoder.conv1") -> gelu -> conv1d(d, 3, strides=2, padding=1, '
                      'name="encoder.conv2") -> gelu -> flatten(start_dim=2) -> permute((2, 1))')
          + '    table = parameter((S, d), trainable=false, name="encoder.embed_positions")     # sinusoidal, frozen\n'
          + statement("add(table)")
          + statement("repeat L: EncoderLayer(d, h, ff)") + statement(call("layer_norm", name="encoder.layer_norm"))) + \
    stack("Decoder", "memory, d, h, ff, L", "DecoderLayer(memory, d, h, ff)", final=call("layer_norm", name="decoder.layer_norm"))
_WHISPER_BODY = """\
    let embed_tokens = embedding(V, d)
    memory = mel -> Encoder(S, d, he, ffe, Le)
    w = tokens -> embed_tokens
    positions -> embedding(P, d, name="decoder.embed_positions") -> add(w) -> Decoder(memory, d, hdec, ffd, Ld)
"""
WHISPER = Family(
    "whisper", "Whisper: a convolutional audio encoder with a frozen sinusoidal table, a text decoder with "
    "cross-attention; no bias on any k_proj",
    (Size("n_mels", "num_mel_bins", 80, "mel channels"),
     Size("S", "max_source_positions", 1500, "encoder positions (the encoder sees 2*S frames)"),
     Size("P", "max_target_positions", 448, "decoder position table rows"),
     Size("T", "max_target_positions", 448, "the decoder tokens the MACs are counted for (at most P)"),
     Size("V", "vocab_size", 51865, "vocabulary"),
     Size("d", "d_model", 384, "width"),
     Size("he", "encoder_attention_heads", 6, "encoder heads"),
     Size("ffe", "encoder_ffn_dim", 1536, "encoder MLP width"),
     Size("Le", "encoder_layers", 4, "encoder layers"),
     Size("hdec", "decoder_attention_heads", 6, "decoder heads"),
     Size("ffd", "decoder_ffn_dim", 1536, "decoder MLP width"),
     Size("Ld", "decoder_layers", 4, "decoder layers")),
    _WHISPER_BLOCKS,
    {"WhisperModel": _WHISPER_BODY,
     "WhisperForConditionalGeneration": _WHISPER_BODY + '    dense(V, use_bias=false, tie=embed_tokens, '
                                                        'name="proj_out")\n'},
    "WhisperModel", inputs="    input mel (n_mels, 2 * S)\n    input tokens (T)\n    input positions (T)\n",
    fixed=(Fixed("use_weighted_layer_sum", (None, False), "a learned layer weighting adds weights"),),
    neutral=frozenset({
        "activation_function", "dropout", "activation_dropout", "encoder_layerdrop", "decoder_layerdrop",
        "init_std", "scale_embedding", "suppress_tokens", "begin_suppress_tokens", "classifier_proj_size",
        "apply_spec_augment", "mask_time_prob", "mask_time_length", "mask_time_min_masks", "mask_feature_prob",
        "mask_feature_length", "mask_feature_min_masks", "median_filter_width", "decoder_start_token_id",
        "forced_decoder_ids", "max_length", "num_hidden_layers", "alignment_heads", "lang_ids",
        # transformers >= 5 always ties proj_out to the decoder's embed_tokens
        "tie_word_embeddings"}))
