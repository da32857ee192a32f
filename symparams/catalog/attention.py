"""Attention layers: multi-head attention and grouped-query attention.

Counting rule for multiply-adds (MACs), per example, for a query of T positions
and a key/value sequence of S positions (S = T for self-attention):

    projections   T*d_q*h*key_dim          (query)
                  S*d_k*h*key_dim          (key)
                  S*d_v*h*value_dim        (value)
                  T*h*value_dim*out        (output; out = prod(output_shape))
    attention     T*S*h*key_dim            (scores  Q K^T)
                  T*S*h*value_dim          (weighted sum  softmax(...) V)

so self-attention of width d with h*key_dim = h*value_dim = d costs
4*T*d**2 + 2*T**2*d. Bias additions, the score scaling, the softmax and masks
are not multiply-adds and are not counted (as for `dense`, whose bias is not
counted either). Masks (causal, sliding window) change no figure: the products are
counted in full, as the frameworks compute them.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from ..errors import ShapeError
from ..expressions import as_expr
from ..results_types import Constraint
from ..rules import check_or_keep
from ..values import CHANNELS_FIRST, Tensor
from ..results_types import Saved
from .base import (ANYTHING, BOOL, INDEX, INDEX_TUPLE, K, NUMBER, P, REQUIRED, SIZE, SIZE_TUPLE, TENSOR,
                   Built, OneOf, Optional, decide_equal, format_shape, prod, shapes_equal, tensor_inputs, w,
                   when)
from .core import layer

# ---- helpers -----------------------------------------------------------------


def _split(t: Tensor):
    """(index axes, feature width) of an attention input: sequences keep their
    features last in both frameworks; a feature map of rank >= 3 follows its layout."""
    if t.rank >= 3 and t.layout == CHANNELS_FIRST:
        return tuple(t.shape[1:]), t.shape[0]
    return tuple(t.shape[:-1]), t.shape[-1]


def _require_equal(c, a, b, what, convention_rule=False):
    """a == b: an error now when it is false, a pair of kept constraints while it
    depends on the symbols (re-checked by subs)."""
    decided = decide_equal(a, b)
    if decided is True:
        return
    if decided is False:
        if convention_rule:
            c.cannot_express(f"{what} ({a} != {b})")
        raise ShapeError(f"{c.layer_name}: {what} ({a} != {b})", c.span)
    # kept: a - b >= 0 and b - a >= 0
    _kept(c, "nonnegative", as_expr(a) - as_expr(b), f"{what} ({a} - ({b}) must be 0)")
    _kept(c, "nonnegative", as_expr(b) - as_expr(a), f"{what} ({b} - ({a}) must be 0)")


def _kept(c, kind, expr, what):
    """A rule checked now when it can be, else kept for subs (like Ctx.positive/divisible)."""
    check_or_keep(Constraint(kind, as_expr(expr), c.layer_name, what, c.span), c.constraints)


def _check_width(c, given, actual, keyword, which):
    """A PyTorch-style width keyword (embed_dim=, kdim=, vdim=) checked against the tensor."""
    if given is None:
        return
    decided = decide_equal(given, actual)
    if decided is False:
        c.fail(f"{keyword}={given}, but the {which} has width {actual}", keyword, error=ShapeError)
    if decided is None:
        _require_equal(c, given, actual, f"{keyword} must equal the {which} width")


def _tensors(c):
    """(query, value, key) from the incoming tensor, a positional tensor argument
    (the value, as in Keras's call(query, value, key)), and value=/key= keywords."""
    extra = list(c.inputs[1:])
    if len(extra) > 2:
        c.fail(f"takes at most two tensor arguments (value, then key), found {len(extra)}")
    value = extra[0] if extra else None
    key = extra[1] if len(extra) > 1 else None
    if c.a.value is not None:
        if value is not None:
            c.fail("the value tensor is given twice (as an argument and as value=)", "value")
        value = c.a.value
    if c.a.key is not None:
        if key is not None:
            c.fail("the key tensor is given twice (as an argument and as key=)", "key")
        key = c.a.key
    query = c.x
    value = query if value is None else value
    key = value if key is None else key
    return query, value, key


def _sequences(c, query, value, key, torch_rank_two: bool):
    """Index axes and widths of the three inputs, with the shape rules of both frameworks."""
    for t, role in ((query, "query"), (value, "value"), (key, "key")):
        if t.rank < 2:
            raise ShapeError(f"{c.layer_name}: the {role} must have a sequence axis and a feature axis, "
                             f"found shape {format_shape(t.shape)}", c.span)
        if torch_rank_two and t.rank != 2:
            if c.torch:
                c.cannot_express(f"PyTorch attention takes (sequence, features) inputs; the {role} has shape "
                                 f"{format_shape(t.shape)}")
            raise ShapeError(f"{c.layer_name}: the {role} must be (sequence, features), found shape "
                             f"{format_shape(t.shape)}", c.span)
    (tq, dq), (tv, dv), (tk, dk) = _split(query), _split(value), _split(key)
    if value.rank != query.rank:
        raise ShapeError(f"{c.layer_name}: query {format_shape(query.shape)} and value {format_shape(value.shape)} "
                         f"must have the same rank", c.span)
    c.same_shapes([tv, tk], "the key and the value must agree on every axis but the last")
    return (tq, dq), (tv, dv), (tk, dk)


# ---- multi-head attention --------------------------------------------------------

# Keywords that change no figure: masks (the products are computed in full either way),
# kernel choices. Accepted so Keras/PyTorch code pastes cleanly.
_NO_EFFECT = (P("sliding_window", ANYTHING, None), P("flash_attention", ANYTHING, None),
              P("use_causal_mask", ANYTHING, None, "is_causal"))


def _width(c):
    return _split(c.x)[1]


# Per-projection biases (Whisper's k_proj has none): each defaults to use_bias.
ROLES = ("query", "key", "value", "output")
_PROJECTION_BIASES = tuple(K(f"{role}_bias", Optional(BOOL), None) for role in ROLES)


def _bias_flags(c, use_bias) -> dict:
    """role -> whether that projection has a bias."""
    flags = {role: getattr(c.a, f"{role}_bias") for role in ROLES}
    return {role: use_bias if flag is None else flag for role, flag in flags.items()}


def _check_attention_bias(c, bias, scores):
    """An additive bias on the attention scores (T5's relative position bias): its shape
    must be the scores' (heads, T, S), or broadcast to it (an axis of size 1, or missing)."""
    if bias is None:
        return
    shape = bias.shape
    fits = len(shape) <= len(scores) and all(
        d == 1 or shapes_equal((d,), (s,)) for d, s in zip(reversed(shape), reversed(scores)))
    if not fits:
        c.fail(f"attention_bias has shape {format_shape(shape)}, which does not broadcast to the attention "
               f"scores' shape (heads, T, S) = {format_shape(scores)}", "attention_bias", error=ShapeError)


@layer("multi_head_attention", "MultiHeadAttention", "MultiheadAttention", inputs="many", input_size=_width,
       params=[P("num_heads", SIZE),
               P("key_dim", Optional(SIZE), None),
               P("value_dim", Optional(SIZE), None),
               P("output_shape", Optional(OneOf((SIZE, SIZE_TUPLE))), None),
               P("use_bias", BOOL, True, "bias"),
               P("key", Optional(TENSOR), None),
               P("value", Optional(TENSOR), None),
               P("use_gate", BOOL, False),
               P("attention_axes", Optional(OneOf((INDEX, INDEX_TUPLE))), None),
               P("embed_dim", Optional(SIZE), None),
               P("kdim", Optional(SIZE), None),
               P("vdim", Optional(SIZE), None),
               P("add_bias_kv", BOOL, False),
               P("add_zero_attn", BOOL, False),
               *_NO_EFFECT, *_PROJECTION_BIASES,
               K("attention_bias", Optional(TENSOR), None),
               K("dropout", NUMBER, 0)])
def multi_head_attention(c):
    """Multi-head dot-product attention (Keras MultiHeadAttention, PyTorch nn.MultiheadAttention).

    `x -> multi_head_attention(h, k)` is self-attention; `q -> multi_head_attention(h, k, kv)`
    attends over the tensor kv (key = value = kv; `key=` names another key tensor).
    Query (T, d_q), value (S, d_v), key (S, d_k); output (T, out), out = output_shape or d_q.

    Keras weights (as `w.name` gives them): query kernel (d_q, h, key_dim) and bias (h, key_dim),
    key kernel (d_k, h, key_dim) and bias, [gate kernel (d_q, h, value_dim) and bias, use_gate=true],
    value kernel (d_v, h, value_dim) and bias (h, value_dim), output kernel (h, value_dim, *out)
    and bias (*out). Inputs of rank > 2 attend over all their inner axes (Keras's default).

    PyTorch (nn.MultiheadAttention(E, h, batch_first=True), E = d_q): in_proj_weight (3E, E),
    in_proj_bias (3E), out_proj.weight (E, E), out_proj.bias (E); when the key or value width
    differs from E (kdim/vdim): q_proj_weight (E, E), k_proj_weight (E, d_k), v_proj_weight (E, d_v)
    instead of in_proj_weight; add_bias_kv=true adds bias_k and bias_v (1, 1, E). PyTorch's head
    size is E / h, so the torch convention needs h * key_dim == E, value_dim == key_dim and no other
    output width. PyTorch-style calls: `multi_head_attention(num_heads=12, embed_dim=768)`
    (key_dim = embed_dim / num_heads; positional arguments follow Keras's order).
    While the key/value widths are symbols not provably equal to E the PyTorch names are the
    separate q/k/v_proj_weight ones (the count is the same either way).

    query_bias=, key_bias=, value_bias=, output_bias= (each defaulting to use_bias) drop or keep
    one projection's bias. When they differ, nn.MultiheadAttention cannot hold them and the torch
    names are those of Hugging Face's attention modules (Whisper, BART): q_proj.weight (E, E),
    k_proj.weight (E, d_k), v_proj.weight (E, d_v), out_proj.weight (E, E), each with its .bias
    when it has one. Keras lists its kernels, with the biases that are kept.
    attention_bias=TENSOR is added to the scores (T5's relative position bias): its shape must be
    (h, T, S) or broadcast to it; no params, no MACs (an addition).

    MACs: T*d_q*h*key_dim + S*d_k*h*key_dim + S*d_v*h*value_dim + T*h*value_dim*out (projections)
    + T*S*h*key_dim + T*S*h*value_dim (scores and weighted sum), with T, S the products of the
    index axes; use_gate adds T*d_q*h*value_dim; add_bias_kv and add_zero_attn each add one key
    position to S in the score and weighted-sum terms. Biases, softmax and scaling are not counted.

    dropout= (on the attention probabilities) changes no parameter or MAC; it adds a mask and the
    dropped probabilities to what training keeps (docs/MEMORY.md)."""
    a = c.a
    h = c.positive(a.num_heads, "num_heads")
    query, value, key = _tensors(c)
    (tq, dq), (tv, dv), (tk, dk) = _sequences(c, query, value, key, torch_rank_two=c.torch)
    _check_width(c, a.embed_dim, dq, "embed_dim", "query")
    _check_width(c, a.kdim, dk, "kdim", "key")
    _check_width(c, a.vdim, dv, "vdim", "value")
    kd, vd = _head_sizes(c, h)
    out_axes = _output_axes(c, dq)
    _check_attention_axes(c, query)
    if c.keras and (a.add_bias_kv or a.add_zero_attn):
        c.cannot_express("Keras's MultiHeadAttention has no add_bias_kv / add_zero_attn")
    bias = _bias_flags(c, a.use_bias)
    _check_attention_bias(c, a.attention_bias, (h, *tq, *tv))
    widths = (dq, dk, dv)
    weights = c.pick(lambda: _mha_keras_weights(a, bias, widths, h, kd, vd, out_axes),
                     lambda: _mha_torch_weights(c, bias, widths, h, kd, vd, out_axes))
    shape, layout = _output(c, query, tq, out_axes)
    T, S = prod(tq), prod(tv)
    # in the torch convention the head size is E / h (checked above): figures in terms of E
    kd, vd = (kd, vd) if c.keras else (dq / h, dq / h)
    return Built(shape, weights, _mha_macs(a, T, S, widths, h, kd, vd, prod(out_axes)), layout=layout,
                 **_mha_training(c, (query, value, key), (T, S), widths, (h, kd, vd), prod(out_axes)))


def _mha_training(c, tensors, lengths, widths, heads, out) -> dict:
    """Built's training fields: what is kept for backward, the backward MACs, the KV cache."""
    (T, S), (dq, dk, dv), (h, kd, vd) = lengths, widths, heads
    extra_keys = int(bool(c.a.add_bias_kv)) + int(bool(c.a.add_zero_attn))
    sizes = _AttentionSizes(T, S + extra_keys, dq * T, dk * S, dv * S, h * kd, h * kd, h * vd, h, out)
    return dict(saved=_attention_saved(c, *tensors, sizes, c.a.dropout), backward=_attention_backward(sizes),
                kv_cache=S * h * (kd + vd))


def _head_sizes(c, h):
    """(key_dim, value_dim); key_dim from PyTorch's embed_dim / num_heads when not given."""
    a = c.a
    if a.key_dim is not None:
        kd = a.key_dim
    elif a.embed_dim is not None:
        kd = c.divisible(a.embed_dim, h, f"num_heads={h} must divide embed_dim={a.embed_dim}")
    else:
        c.fail("missing its required argument 'key_dim' (or PyTorch's embed_dim=, giving key_dim = "
               "embed_dim / num_heads)")
    kd = c.positive(kd, "key_dim")
    _kept(c, "integer", kd, f"key_dim = {kd} must be a whole number")
    return kd, c.positive(kd if a.value_dim is None else a.value_dim, "value_dim")


def _output_axes(c, dq) -> tuple:
    if c.a.output_shape is None:
        return (dq,)
    out_axes = c.a.output_shape if isinstance(c.a.output_shape, tuple) else (c.a.output_shape,)
    for o in out_axes:
        c.positive(o, "output_shape")
    return out_axes


def _check_attention_axes(c, query):
    if c.a.attention_axes is None:
        return
    axes = c.a.attention_axes if isinstance(c.a.attention_axes, tuple) else (c.a.attention_axes,)
    default = tuple(range(1, query.rank))
    if tuple(int(x) if isinstance(x, sympy.Integer) else None for x in axes) != default:
        c.fail(f"only the default attention_axes {format_shape(default)} (every axis but the batch and the "
               f"features) is supported, found {format_shape(axes)}", "attention_axes")


def _mha_macs(a, T, S, widths, h, kd, vd, out):
    dq, dk, dv = widths
    extra_keys = int(bool(a.add_bias_kv)) + int(bool(a.add_zero_attn))
    total = (T * dq * h * kd + S * dk * h * kd + S * dv * h * vd + T * h * vd * out
             + T * (S + extra_keys) * h * kd + T * (S + extra_keys) * h * vd)
    return total + (T * dq * h * vd if a.use_gate else 0)


def _mha_keras_weights(a, bias, widths, h, kd, vd, out_axes):
    dq, dk, dv = widths
    gate = when(a.use_gate, w("kernel", (dq, h, vd)), *when(a.use_bias, w("bias", (h, vd))))
    return [w("kernel", (dq, h, kd)), *when(bias["query"], w("bias", (h, kd))),
            w("kernel", (dk, h, kd)), *when(bias["key"], w("bias", (h, kd))),
            *gate,
            w("kernel", (dv, h, vd)), *when(bias["value"], w("bias", (h, vd))),
            w("kernel", (h, vd, *out_axes)), *when(bias["output"], w("bias", tuple(out_axes)))]


def _mha_torch_weights(c, bias, widths, h, kd, vd, out_axes):
    a, (E, dk, dv) = c.a, widths
    _check_torch_heads(c, h, kd, vd, out_axes, E)
    bias_kv = when(a.add_bias_kv, w("bias_k", (1, 1, E)), w("bias_v", (1, 1, E)))
    if len(set(bias.values())) > 1:
        return [*_separate_projections(bias, (E, E, dk, dv), E), *bias_kv]
    same = decide_equal(dk, E) is True and decide_equal(dv, E) is True
    proj = [w("in_proj_weight", (3 * E, E))] if same else [
        w("q_proj_weight", (E, E)), w("k_proj_weight", (E, dk)), w("v_proj_weight", (E, dv))]
    uniform = bias["query"]        # all four agree here (use_bias=true with every *_bias=false: none)
    return [*proj, *when(uniform, w("in_proj_bias", (3 * E,))), *bias_kv,
            w("out_proj.weight", (E, E)), *when(uniform, w("out_proj.bias", (E,)))]


def _check_torch_heads(c, h, kd, vd, out_axes, E):
    """What nn.MultiheadAttention can express: heads of E / h, values as wide as keys, no gate."""
    a = c.a
    rule = "PyTorch needs num_heads * key_dim == embed_dim"
    if decide_equal(h * kd, E) is False:
        hint = ""
        if decide_equal(h, E) is True:
            hint = ("; positional arguments follow Keras's order (num_heads, key_dim): for PyTorch's "
                    f"MultiheadAttention({E}, {kd}) write multi_head_attention(num_heads={kd}, embed_dim={E})")
        c.cannot_express(f"{rule} ({h} * {kd} != {E}): PyTorch's head size is embed_dim / num_heads{hint}")
    _require_equal(c, h * kd, E, rule, convention_rule=True)
    if a.value_dim is not None:
        _require_equal(c, vd, kd, "PyTorch needs value_dim == key_dim (its value heads are embed_dim / "
                                  "num_heads wide)", convention_rule=True)
    if a.output_shape is not None:
        if len(out_axes) != 1:
            c.cannot_express("PyTorch's MultiheadAttention output is (T, embed_dim); output_shape must be one "
                             "size equal to embed_dim")
        _require_equal(c, out_axes[0], E, "PyTorch's MultiheadAttention output width is embed_dim",
                       convention_rule=True)
    if a.use_gate:
        c.cannot_express("PyTorch's MultiheadAttention has no gate (use_gate=true)")


@dataclass(frozen=True)
class _AttentionSizes:
    """Per example: T queries over S keys (S counts added key positions), the inputs' elements,
    the projected widths (all heads) of Q, K, V, the head count and the output width."""
    T: object
    S: object
    query: object
    key: object
    value: object
    q: object
    k: object
    v: object
    heads: object
    out: object


def _attention_saved(c, query, value, key, z: _AttentionSizes, dropout) -> tuple:
    """What attention keeps for backward (PyTorch's multi_head_attention_forward, need_weights=True, and
    Korthikanti et al. 2022 section 4.1): its inputs, Q, K, V, the softmax output (and with dropout its
    mask and the dropped probabilities), the output projection's input. PyTorch also keeps the scaled Q."""
    inputs = _projection_inputs(c, (query, value, key), (z.query, z.value, z.key))
    scores = z.heads * z.T * z.S
    dropped = as_expr(dropout) != 0
    # PyTorch's self-attention projects Q, K and V into one tensor: its Q part stays kept with K and V.
    # Otherwise Q is only read by the scaling, and PyTorch keeps the scaled copy: Megatron counts Q.
    packed = ("torch", "megatron") if value is query and key is query else ("megatron",)
    return (*inputs,
            Saved(z.T * z.q, accountings=packed), Saved(z.S * z.k), Saved(z.S * z.v),
            Saved(z.T * z.q, accountings=("torch",)),                # q * scaling, a new tensor
            Saved(scores, core=True),                                   # softmax output
            *((Saved(scores, "mask", core=True), Saved(scores, core=True)) if dropped else ()),
            Saved(z.T * z.v, for_weights=True))                         # the output projection's input


def _projection_inputs(c, tensors, elements) -> list:
    """The projections' inputs, kept for their weight gradients: the query, and the value and the
    key when they are other tensors. elements: the (query, value, key) sizes."""
    (query, value, key), read = tensors, tensor_inputs(c)
    inputs = [Saved(elements[0], source="input", for_weights=True)]
    if value is not query:
        inputs.append(Saved(elements[1], source="input", input=read.index(value), for_weights=True))
    if key is not value:
        inputs.append(Saved(elements[2], source="input", input=read.index(key), for_weights=True))
    return inputs


def _attention_backward(z: _AttentionSizes) -> tuple:
    """(input, weights, inner) backward MACs: each projection's input and weight gradient cost its
    forward; the scores and the weighted sum need two products each, whichever gradient is wanted."""
    projections = z.query * z.q + z.key * z.k + z.value * z.v
    output = z.T * z.v * z.out
    core = z.T * z.S * (z.k + z.v)
    return projections, projections + output, output + 2 * core


def _separate_projections(bias, widths, inner, names=("q_proj", "k_proj", "v_proj", "out_proj")):
    """Hugging Face's attention modules (Whisper, BART, Llama): one Linear per projection, each
    with its own bias or none. widths: (output width, query, key, value input widths);
    inner: the heads' total width (q and k/v rows, the output's columns)."""
    out, dq, dk, dv = widths
    rows = inner if isinstance(inner, tuple) else (inner, inner)   # (query rows, key/value rows)
    shapes = ((rows[0], dq), (rows[1], dk), (rows[1], dv), (out, rows[0]))
    weights = []
    for name, role, (r, cols) in zip(names, ROLES, shapes):
        weights += [w(f"{name}.weight", (r, cols)), *when(bias[role], w(f"{name}.bias", (r,)))]
    return weights


def _output(c, query, tq, out_axes):
    """The output shape: the query's index axes, then the output width(s)."""
    if query.rank == 2:
        return (*tq, *out_axes), None
    if query.layout == CHANNELS_FIRST:
        if len(out_axes) != 1:
            c.fail("a multi-axis output_shape needs a channels-last input", "output_shape")
        return (out_axes[0], *tq), "same"
    return (*tq, *out_axes), "same"


# ---- grouped-query attention ------------------------------------------------------

@layer("grouped_query_attention", "GroupedQueryAttention", "GroupQueryAttention", inputs="many",
       input_size=_width,
       params=[P("head_dim", SIZE),
               P("num_query_heads", SIZE, REQUIRED, "num_attention_heads"),
               P("num_key_value_heads", SIZE),
               P("use_bias", BOOL, True, "bias"),
               P("key", Optional(TENSOR), None),
               P("value", Optional(TENSOR), None),
               P("use_gate", BOOL, False),
               *_NO_EFFECT, *_PROJECTION_BIASES,
               K("attention_bias", Optional(OneOf((BOOL, TENSOR))), None),
               K("qk_norm", BOOL, False)])
def grouped_query_attention(c):
    """Grouped-query attention (Keras GroupQueryAttention): num_query_heads query heads share
    num_key_value_heads key/value heads, each head_dim wide. Query (T, d), value (S, d),
    key (S, d_k); output (T, d). Keras requires the value width to equal the query width d.

    Keras weights (as `w.name` gives them): query kernel (d, hq, head_dim) and bias (hq, head_dim),
    key kernel (d_k, hkv, head_dim) and bias (hkv, head_dim), [gate kernel (d, hq, head_dim) and
    bias, use_gate=true], value kernel (d, hkv, head_dim) and bias, output kernel
    (hq, head_dim, d) and bias (d).

    PyTorch has no grouped-query attention module. The torch convention uses the Llama-style
    naming of Hugging Face transformers (LlamaAttention with attention_bias=use_bias):
    q_proj.weight (hq*head_dim, d), k_proj.weight (hkv*head_dim, d_k),
    v_proj.weight (hkv*head_dim, d), o_proj.weight (d, hq*head_dim), and q_proj.bias, k_proj.bias,
    v_proj.bias, o_proj.bias when use_bias. Rotary position embeddings have no parameters.
    query_bias=, key_bias=, value_bias=, output_bias= (each defaulting to use_bias) keep or drop one
    projection's bias (Qwen2: biases on q, k, v only). attention_bias=TENSOR is an additive bias
    on the scores, of shape (hq, T, S) or broadcasting to it; attention_bias=true/false is
    Hugging Face's LlamaConfig name for use_bias and means that.

    MACs: T*d*hq*head_dim (query) + S*d_k*hkv*head_dim (key) + S*d*hkv*head_dim (value)
    + T*hq*head_dim*d (output) + 2*T*S*hq*head_dim (scores and weighted sum, after the key/value
    heads are repeated for their query groups); use_gate adds T*d*hq*head_dim.

    qk_norm=true (Qwen3): an RMSNorm over each query head and each key head, one scale of
    head_dim shared by the heads: torch q_norm.weight and k_norm.weight (head_dim,), keras two
    `scale` (head_dim,); no MACs (norms count none)."""
    a = c.a
    hd = c.positive(a.head_dim, "head_dim")
    hq = c.positive(a.num_query_heads, "num_query_heads")
    hkv = c.positive(a.num_key_value_heads, "num_key_value_heads")
    c.divisible(hq, hkv, f"num_key_value_heads={hkv} must divide num_query_heads={hq}")
    query, value, key = _tensors(c)
    (tq, d), (tv, dv), (tk, dk) = _sequences(c, query, value, key, torch_rank_two=True)
    if c.keras:
        _require_equal(c, dv, d, "Keras's GroupQueryAttention needs the value width to equal the query width")
    T, S = prod(tq), prod(tv)
    macs = (T * d * hq * hd + S * dk * hkv * hd + S * dv * hkv * hd + T * hq * hd * d
            + 2 * T * S * hq * hd)
    if a.use_gate:
        macs += T * d * hq * hd
    use_bias, scores_bias = a.use_bias, a.attention_bias
    if isinstance(scores_bias, bool):     # Hugging Face's LlamaConfig(attention_bias=...) means use_bias
        if a.given("use_bias"):
            c.fail("attention_bias=true/false is Hugging Face's name for use_bias; give only one", "attention_bias")
        use_bias, scores_bias = scores_bias, None
    bias = _bias_flags(c, use_bias)
    _check_attention_bias(c, scores_bias, (hq, *tq, *tv))

    weights = _gqa_weights(c, bias, use_bias, (d, dk, dv), (hq, hkv, hd))
    train = _gqa_train(c, (T, S), (d, dk, dv), (hq, hkv, hd))
    if a.qk_norm:
        train["saved"] += _head_norms_saved((T * hq, S * hkv), hd)
    return Built((*tq, d), weights, macs, layout=None, **train)


def _gqa_weights(c, bias, use_bias, widths, heads) -> list:
    """grouped_query_attention's weights in the convention asked for (its docstring lists them)."""
    a, (d, dk, dv), (hq, hkv, hd) = c.a, widths, heads

    def keras():
        gate = when(a.use_gate, w("kernel", (d, hq, hd)), *when(use_bias, w("bias", (hq, hd))))
        return [w("kernel", (d, hq, hd)), *when(bias["query"], w("bias", (hq, hd))),
                w("kernel", (dk, hkv, hd)), *when(bias["key"], w("bias", (hkv, hd))),
                *gate,
                w("kernel", (dv, hkv, hd)), *when(bias["value"], w("bias", (hkv, hd))),
                w("kernel", (hq, hd, d)), *when(bias["output"], w("bias", (d,))),
                *when(a.qk_norm, w("scale", (hd,)), w("scale", (hd,)))]

    def torch():
        if a.use_gate:
            c.cannot_express("the Llama-style attention has no gate (use_gate=true)")
        return [*_separate_projections(bias, (d, d, dk, dv), (hq * hd, hkv * hd),
                                       names=("q_proj", "k_proj", "v_proj", "o_proj")),
                *when(a.qk_norm, w("q_norm.weight", (hd,)), w("k_norm.weight", (hd,)))]

    return c.pick(keras, torch)


def _head_norms_saved(rows, hd) -> tuple:
    """qk_norm's two RMSNorms keep what rms_norm keeps (catalog/norm.py): the projected heads they
    read, a statistic per head (PyTorch), and the normalized heads for their scale's gradient."""
    return tuple(saved for r in rows for saved in (
        Saved(r * hd), Saved(r, "stat", accountings=("torch",)),
        Saved(r * hd, accountings=("torch",), for_weights=True)))


def _gqa_train(c, lengths, widths, heads) -> dict:
    """Built's training fields for grouped-query attention: K and V are cached at hkv heads and
    repeated to hq heads for the scores and the weighted sum."""
    (T, S), (d, dk, dv), (hq, hkv, hd) = lengths, widths, heads
    inner = T * hq * hd * d + 2 * 2 * T * S * hq * hd                    # the core runs on the repeated heads
    projections = T * d * hq * hd + S * dk * hkv * hd + S * dv * hkv * hd
    return dict(saved=_gqa_saved(c, (T, S), (d, dk, dv), (hq, hkv, hd)), kv_cache=2 * S * hkv * hd,
                backward=(projections, projections + T * hq * hd * d, inner))


def _gqa_saved(c, lengths, widths, heads) -> tuple:
    """What grouped-query attention keeps for backward. torch: Hugging Face's eager LlamaAttention
    (eager_attention_forward) keeps its inputs for the projections' weight gradients, then for the two
    batched matmuls Q, K and V with hq heads each (repeat_kv copies K and V per query group; the
    matmul copies the transposed Q and K), the softmax output and the output projection's input; the
    scaling multiplies the scores by a number and keeps nothing. megatron: K and V at hkv heads."""
    (T, S), (d, dk, dv), (hq, hkv, hd) = lengths, widths, heads
    inputs = _projection_inputs(c, _tensors(c), (T * d, S * dv, S * dk))
    return (*inputs, Saved(T * hq * hd),
            *(Saved(S * hq * hd, accountings=("torch",)),) * 2,           # K and V repeated to hq heads
            *(Saved(S * hkv * hd, accountings=("megatron",)),) * 2,       # K and V as projected
            Saved(hq * T * S, core=True),                                 # softmax output
            Saved(T * hq * hd, for_weights=True))                         # the output projection's input
