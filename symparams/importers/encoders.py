"""Encoder families: BERT, RoBERTa (BERT's layers, its own head names) and DistilBERT.
Self-attention is written as grouped_query_attention with as many key/value heads as query
heads (multi-head attention), so in the torch convention its projections are separate
(query, key, value, output) like transformers', one weight per projection."""
from __future__ import annotations

from .template import Family, Fixed, Size, Switch
from .writer import block, call, mlp, norm_after, stack

_BERT_SIZES = (
    Size("V", "vocab_size", 30522, "vocabulary"),
    Size("P", "max_position_embeddings", 512, "position table rows"),
    Size("G", "type_vocab_size", 2, "token types"),
    Size("T", "max_position_embeddings", 512, "the sequence length the MACs are counted for (at most P)"),
    Size("d", "hidden_size", 768, "width"),
    Size("h", "num_attention_heads", 12, "heads"),
    Size("ff", "intermediate_size", 3072, "MLP width"),
    Size("L", "num_hidden_layers", 12, "layers"),
)


def _post_norm_layers(layer, encoder, attention, attention_norm, up, down, mlp_norm) -> str:
    """BERT's and DistilBERT's layer (post-LayerNorm multi-head attention, then MLP), named as
    transformers names them, and the stack of L of them."""
    return block(layer, "d, h, ff",
                 norm_after("a", call("grouped_query_attention", "d / h", "h", "h", name=attention),
                            call("layer_norm", name=attention_norm))
                 + norm_after("m", mlp("ff", "d", up, down), call("layer_norm", name=mlp_norm))) \
        + stack(encoder, "d, h, ff, L", f"{layer}(d, h, ff)")


_BERT_BLOCKS = _post_norm_layers("BertLayer", "BertEncoder", "attention.self", "attention.output.LayerNorm",
                                 "intermediate.dense", "layer.output.dense", "layer.output.LayerNorm")
_BERT_INPUTS = "    input tokens (T)\n    input token_types (T)\n    input positions (T)\n"
_BERT_EMBEDDINGS = """\
    let word_embeddings = embedding(V, d)
    w = tokens -> word_embeddings
    p = positions -> embedding(P, d, name="embeddings.position_embeddings")
    token_types -> embedding(G, d, name="embeddings.token_type_embeddings") -> add(w, p)
        -> layer_norm(name="embeddings.LayerNorm")
    ids = buffer((1, P), name="embeddings.position_ids")
    types = buffer((1, P), name="embeddings.token_type_ids")
"""
_POOLED = """\
    hidden = BertEncoder(d, h, ff, L)
    pooled = hidden -> cropping1d((0, T - 1)) -> flatten -> dense(d, name="pooler.dense") -> tanh
    return hidden, pooled
"""
_BERT_NEUTRAL = frozenset()
_ABSOLUTE = Fixed("position_embedding_type", (None, "absolute"),
                  "relative position types add a distance embedding")
# Untied, transformers keeps the decoder's own bias beside the head's `bias` (V more): a bare
# learned tensor, which the language cannot write yet.
_TIED = Fixed("tie_word_embeddings", (None, True), "untied, the MLM head has a second vocabulary-sized bias")
_NO_DECODER = Fixed("add_cross_attention", (None, False), "cross-attention layers add weights")


def _mlm_head(dense, norm, decoder):
    return (f'    BertEncoder(d, h, ff, L) -> dense(d, name="{dense}") -> gelu -> layer_norm(name="{norm}")\n'
            f'        -> dense(V, {{tie}}name="{decoder}")\n')


def _bert_like(model_type, summary, base, masked, head_names):
    return Family(
        model_type, summary, _BERT_SIZES, _BERT_BLOCKS,
        {base: _BERT_EMBEDDINGS + _POOLED, masked: _BERT_EMBEDDINGS + _mlm_head(*head_names)}, base,
        inputs=_BERT_INPUTS,
        switches=(Switch("tie_word_embeddings", True, "tie", on="tie=word_embeddings, ", off=""),),
        fixed=(_ABSOLUTE, _NO_DECODER, _TIED),
        neutral=_BERT_NEUTRAL | {"is_decoder"})


BERT = _bert_like("bert", "BERT: post-LayerNorm encoder layers, a pooler on the first token (BertModel)",
                  "BertModel", "BertForMaskedLM",
                  ("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions"))
ROBERTA = _bert_like("roberta", "RoBERTa: BERT's layers (positions offset past the padding index)",
                     "RobertaModel", "RobertaForMaskedLM", ("lm_head.dense", "lm_head.layer_norm", "lm_head"))

_DISTIL_BLOCKS = _post_norm_layers("TransformerBlock", "Transformer", "attention", "sa_layer_norm", "ffn.lin1",
                                   "ffn.lin2", "output_layer_norm")
_DISTIL_BODY = """\
    let word_embeddings = embedding(V, d)
    w = tokens -> word_embeddings
    positions -> embedding(P, d, name="embeddings.position_embeddings") -> add(w)
        -> layer_norm(name="embeddings.LayerNorm")
    ids = buffer((1, P), name="embeddings.position_ids")
    Transformer(d, h, ff, L)
"""
_DISTIL_HEAD = """\
    dense(d, name="vocab_transform") -> gelu -> layer_norm(name="vocab_layer_norm")
    dense(V, {tie}name="vocab_projector")
"""
DISTILBERT = Family(
    "distilbert", "DistilBERT: BERT's layers without token types or pooler",
    (Size("V", "vocab_size", 30522, "vocabulary"),
     Size("P", "max_position_embeddings", 512, "position table rows"),
     Size("T", "max_position_embeddings", 512, "the sequence length the MACs are counted for (at most P)"),
     Size("d", "dim", 768, "width"),
     Size("h", "n_heads", 12, "heads"),
     Size("ff", "hidden_dim", 3072, "MLP width"),
     Size("L", "n_layers", 6, "layers")),
    _DISTIL_BLOCKS,
    {"DistilBertModel": _DISTIL_BODY, "DistilBertForMaskedLM": _DISTIL_BODY + _DISTIL_HEAD}, "DistilBertModel",
    inputs="    input tokens (T)\n    input positions (T)\n",
    switches=(Switch("tie_word_embeddings", True, "tie", on="tie=word_embeddings, ", off=""),),
    fixed=(Fixed("sinusoidal_pos_embds", (None, False), "a sinusoidal table is frozen: trainable changes"),),
    neutral=frozenset({"activation", "attention_dropout", "dropout", "qa_dropout", "seq_classif_dropout",
                       "tie_weights_"}))
