"""Attention layers against live Keras (torch backend) and PyTorch, on hypothesis-drawn
configurations: parameter counts, weight names and shapes, output shapes, and MACs
(torch.utils.flop_counter counts the matrix products the frameworks really run:
FLOPs / 2 on a batch of one)."""
import pytest
from hypothesis import given, strategies as st

import symparams
import symparams.errors
from drawn import Drawn
from frameworks import keras_report, torch_report


small = st.integers


def _ints(shape):
    return tuple(int(d) for d in shape)


def _row(source, convention):
    net = symparams.parse(source).model(convention=convention)
    return net, net.layers[-1]


def _assert_matches(net, row, report):
    assert int(net.params) == report.params
    assert int(net.trainable) == report.trainable
    assert [(w.name, _ints(w.shape), w.trainable) for w in row.weights] == list(report.weights)
    assert _ints(net.output_shape) == report.output_shape


def _macs(run):
    """Multiply-adds of run() on a batch of one, as torch's flop counter sees them."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        run()
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


def _source(inputs, call):
    lines = "".join(f"    input {name} {shape}\n" for name, shape in inputs)
    return f"model M():\n{lines}    {call}\n"


def _shape_text(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# ---- Keras MultiHeadAttention ------------------------------------------------------

# Sizes start at 1 for the counts and shapes; the MAC checks draw sizes from 2, since torch
# turns a product over an axis of size 1 into an element-wise multiply its counter ignores.

@st.composite
def keras_mha(draw, lo=1):
    c = dict(h=draw(small(1, 4)), kd=draw(small(lo, 6)), vd=draw(st.none() | small(lo, 6)),
             dq=draw(small(lo, 12)), T=draw(small(lo, 5)), use_bias=draw(st.booleans()),
             out=draw(st.none() | small(lo, 8) | st.tuples(small(lo, 3), small(lo, 3))),
             gate=draw(st.booleans()), cross=draw(st.booleans()), rank3=draw(st.booleans()))
    if c["rank3"]:     # (T1, T2, d): attention over both inner axes
        c["T2"] = draw(small(lo, 3))
    if c["cross"]:
        c.update(S=draw(small(lo, 5)), dv=draw(small(lo, 12)), separate_key=draw(st.booleans()),
                 value_keyword=draw(st.booleans()))
        c["dk"] = draw(small(lo, 12)) if c["separate_key"] else c["dv"]
    # attention_axes as Keras defaults it (every axis between the batch and the features), written or not
    c["axes"] = draw(st.sampled_from([None, (1, 2) if c["rank3"] else 1]))
    c["no_effect"] = draw(no_effect_keywords())
    c["macs"] = lo > 1
    return c


def no_effect_keywords():
    """Keywords that change no figure (masks, kernel choices), written now and then."""
    return st.lists(st.sampled_from([("sliding_window", "none"), ("flash_attention", "false"),
                                     ("use_causal_mask", "true")]), unique=True, max_size=2)


@given(keras_mha())
def test_keras_multi_head_attention(c):
    _check_keras_mha(c)


@given(keras_mha(lo=2))
def test_keras_multi_head_attention_macs(c):
    _check_keras_mha(c)


def keras_mha_program(c):
    """The .arch program for a drawn Keras MultiHeadAttention, and the input shapes."""
    index = (c["T"], c["T2"]) if c["rank3"] else (c["T"],)
    shapes = [(*index, c["dq"])]
    args = [str(c["h"]), str(c["kd"])]
    inputs = [("q", _shape_text(shapes[0]))]
    if c["cross"]:
        kv_index = (c["S"], c["T2"]) if c["rank3"] else (c["S"],)
        shapes.append((*kv_index, c["dv"]))
        inputs.append(("kv", _shape_text(shapes[-1])))
        args.append("value=kv" if c.get("value_keyword") else "kv")
        if c["separate_key"]:
            shapes.append((*kv_index, c["dk"]))
            inputs.append(("kk", _shape_text(shapes[-1])))
            args.append("key=kk")
    if c["vd"] is not None:
        args.append(f"value_dim={c['vd']}")
    if c["out"] is not None:
        args.append(f"output_shape={c['out'] if isinstance(c['out'], int) else _shape_text(c['out'])}")
    args.append(f"use_bias={'true' if c['use_bias'] else 'false'}")
    if c["gate"]:
        args.append("use_gate=true")
    if c["axes"] is not None:
        args.append(f"attention_axes={_shape_text(c['axes']) if isinstance(c['axes'], tuple) else c['axes']}")
    args += [f"{k}={v}" for k, v in c.get("no_effect", ())]
    return _source(inputs, "q -> multi_head_attention(" + ", ".join(args) + ")"), shapes


def _check_keras_mha(c):
    import keras
    import torch

    source, shapes = keras_mha_program(c)

    def make():
        return keras.layers.MultiHeadAttention(c["h"], c["kd"], value_dim=c["vd"], output_shape=c["out"],
                                               use_bias=c["use_bias"], use_gate=c["gate"],
                                               attention_axes=c["axes"])

    def call(layer, xs):
        if len(xs) == 1:
            return layer(xs[0], xs[0])
        return layer(xs[0], xs[1], key=xs[2] if len(xs) > 2 else None)

    layer = []
    report = keras_report(lambda: layer.append(make()) or layer[-1], shapes, call=call)
    net, row = _row(source, "keras")
    _assert_matches(net, row, report)

    if not c["macs"]:
        return
    xs = [torch.randn(1, *s) for s in shapes]
    # return_attention_scores keeps Keras on its einsum path (the fused kernel is not counted)
    if len(xs) == 1:
        run = lambda: layer[-1](xs[0], xs[0], return_attention_scores=True)  # noqa: E731
    else:
        run = lambda: layer[-1](xs[0], xs[1], key=xs[2] if len(xs) > 2 else None,  # noqa: E731
                                return_attention_scores=True)
    assert int(net.macs) == _macs(run)


# ---- PyTorch nn.MultiheadAttention ---------------------------------------------------

@st.composite
def torch_mha(draw, lo=1):
    c = dict(h=draw(small(1, 4)), head=draw(small(lo, 5)), T=draw(small(lo, 5)), bias=draw(st.booleans()),
             bias_kv=draw(st.booleans()), zero_attn=draw(st.booleans()), cross=draw(st.booleans()),
             pytorch_style=draw(st.booleans()))
    E = c["E"] = c["h"] * c["head"]
    if c["cross"]:
        c.update(S=draw(small(lo, 5)), kdim=draw(st.sampled_from([E]) | small(lo, 12)),
                 vdim=draw(st.sampled_from([E]) | small(lo, 12)))
    c["no_effect"] = draw(no_effect_keywords())
    c["macs"] = lo > 1
    return c


@given(torch_mha())
def test_torch_multihead_attention(c):
    _check_torch_mha(c)


@given(torch_mha(lo=2))
def test_torch_multihead_attention_macs(c):
    _check_torch_mha(c)


def torch_mha_program(c):
    """The .arch program for a drawn nn.MultiheadAttention, and the input shapes."""
    E = c["E"]
    shapes = [(c["T"], E)]
    inputs = [("q", _shape_text(shapes[0]))]
    if c["pytorch_style"]:
        args = [f"num_heads={c['h']}", f"embed_dim={E}"]
    else:
        # Keras's words on PyTorch's class name: its positional order is PyTorch's (embed_dim, num_heads)
        args = [f"num_heads={c['h']}", f"key_dim={c['head']}"]
    if c["cross"]:
        shapes += [(c["S"], c["vdim"]), (c["S"], c["kdim"])]
        inputs += [("kv", _shape_text(shapes[1])), ("kk", _shape_text(shapes[2]))]
        args = ["kv"] + args + ["key=kk", f"kdim={c['kdim']}", f"vdim={c['vdim']}"]
    args += [f"bias={'true' if c['bias'] else 'false'}"]
    if c["bias_kv"]:
        args.append("add_bias_kv=true")
    if c["zero_attn"]:
        args.append("add_zero_attn=true")
    args += [f"{k}={v}" for k, v in c.get("no_effect", ())]
    return _source(inputs, "q -> MultiheadAttention(" + ", ".join(args) + ")"), shapes


def _check_torch_mha(c):
    import torch

    E = c["E"]
    source, shapes = torch_mha_program(c)

    kw = dict(bias=c["bias"], add_bias_kv=c["bias_kv"], add_zero_attn=c["zero_attn"], batch_first=True)
    if c["cross"]:
        kw.update(kdim=c["kdim"], vdim=c["vdim"])
    modules = []

    def make():
        modules.append(torch.nn.MultiheadAttention(E, c["h"], **kw))
        return modules[-1]

    def call(m, xs):   # forward(query, key, value)
        return m(xs[0], xs[0], xs[0]) if len(xs) == 1 else m(xs[0], xs[2], xs[1])

    report = torch_report(make, shapes, call=call)
    net, row = _row(source, "torch")
    _assert_matches(net, row, report)
    assert int(net.buffers) == report.buffers == 0

    # the same file in the keras convention gives the same count when Keras can express it
    if not (c["bias_kv"] or c["zero_attn"]):
        assert int(symparams.parse(source).model().params) == report.params
    if not c["macs"]:
        return
    m = modules[-1].train()   # the training path is plain matmuls (the eval fast path is not counted)
    xs = [torch.randn(1, *s) for s in shapes]
    assert int(net.macs) == _macs(lambda: call(m, xs))


# ---- grouped-query attention: Keras GroupQueryAttention, Llama-style for torch ----------------

@st.composite
def gqa(draw, lo=1):
    hkv = draw(small(1, 3))
    c = dict(hd=draw(small(lo, 6)), hkv=hkv, hq=hkv * draw(small(1, 3)), d=draw(small(lo, 16)),
             T=draw(small(lo, 5)), use_bias=draw(st.booleans()), gate=draw(st.booleans()),
             cross=draw(st.booleans()))
    if c["cross"]:
        c.update(S=draw(small(lo, 5)), dk=draw(small(lo, 12)), value_keyword=draw(st.booleans()))
    c["no_effect"] = draw(no_effect_keywords())
    c["macs"] = lo > 1
    return c


@given(gqa())
def test_keras_group_query_attention(c):
    _check_keras_gqa(c)


@given(gqa(lo=2))
def test_keras_group_query_attention_macs(c):
    _check_keras_gqa(c)


def keras_gqa_program(c):
    """The .arch program for a drawn Keras GroupQueryAttention, and the input shapes."""
    shapes = [(c["T"], c["d"])]
    inputs = [("q", _shape_text(shapes[0]))]
    args = [str(c["hd"]), str(c["hq"]), str(c["hkv"])]
    if c["cross"]:
        shapes += [(c["S"], c["d"]), (c["S"], c["dk"])]
        inputs += [("kv", _shape_text(shapes[1])), ("kk", _shape_text(shapes[2]))]
        args += ["value=kv" if c.get("value_keyword") else "kv", "key=kk"]
    args.append(f"use_bias={'true' if c['use_bias'] else 'false'}")
    if c["gate"]:
        args.append("use_gate=true")
    args += [f"{k}={v}" for k, v in c.get("no_effect", ())]
    return _source(inputs, "q -> GroupQueryAttention(" + ", ".join(args) + ")"), shapes


def _check_keras_gqa(c):
    import keras
    import torch

    source, shapes = keras_gqa_program(c)
    layer = []

    def make():
        layer.append(keras.layers.GroupQueryAttention(c["hd"], c["hq"], c["hkv"], use_bias=c["use_bias"],
                                                      use_gate=c["gate"]))
        return layer[-1]

    def call(l, xs):
        return l(xs[0], xs[0]) if len(xs) == 1 else l(xs[0], xs[1], key=xs[2])

    report = keras_report(make, shapes, call=call)
    net, row = _row(source, "keras")
    _assert_matches(net, row, report)
    if not c["macs"]:
        return
    xs = [torch.randn(1, *s) for s in shapes]
    if len(xs) == 1:
        run = lambda: layer[-1](xs[0], xs[0], return_attention_scores=True)  # noqa: E731
    else:
        run = lambda: layer[-1](xs[0], xs[1], key=xs[2], return_attention_scores=True)  # noqa: E731
    assert int(net.macs) == _macs(run)


def llama_configs():
    # LlamaAttention is ungated self-attention: drawn so by construction. hf_name: the bias flag written
    # as LlamaConfig's attention_bias= rather than use_bias=
    return st.tuples(gqa(lo=2), st.booleans()).map(
        lambda pair: {**pair[0], "gate": False, "cross": False, "hf_name": pair[1]})


@given(llama_configs())
def test_torch_grouped_query_attention_is_llama_attention(c):
    import torch
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaAttention, LlamaRotaryEmbedding

    hd, d = llama_sizes(c)
    cfg = LlamaConfig(hidden_size=d, num_attention_heads=c["hq"], num_key_value_heads=c["hkv"], head_dim=hd,
                      attention_bias=c["use_bias"], attn_implementation="eager")
    modules = []

    def make():
        modules.append(LlamaAttention(cfg, layer_idx=0))
        return modules[-1]

    rotary = LlamaRotaryEmbedding(cfg)

    def call(m, xs):
        positions = torch.arange(xs[0].shape[1])[None]
        return m(hidden_states=xs[0], position_embeddings=rotary(xs[0], positions), attention_mask=None)

    report = torch_report(make, [(c["T"], d)], call=call)
    source = llama_program(c)
    net, row = _row(source, "torch")
    _assert_matches(net, row, report)
    xs = [torch.randn(1, c["T"], d)]
    assert int(net.macs) == _macs(lambda: call(modules[-1], xs))


def llama_sizes(c):
    # rotary embeddings need an even head size; LlamaConfig wants hidden_size divisible by the heads
    return 2 * c["hd"], c["hq"] * (2 + c["d"] % 3)


def llama_program(c):
    hd, d = llama_sizes(c)
    return _source([("q", f"({c['T']}, {d})")],
                   f"grouped_query_attention({hd}, {c['hq']}, {c['hkv']}, "
                   f"{'attention_bias' if c['hf_name'] else 'use_bias'}={'true' if c['use_bias'] else 'false'})")


# what these generators draw, for tests/test_live_coverage.py
DRAWN = [
    Drawn("keras multi_head_attention", lambda conv: keras_mha(), lambda c, conv: keras_mha_program(c)[0], ("keras",)),
    Drawn("torch MultiheadAttention", lambda conv: torch_mha(), lambda c, conv: torch_mha_program(c)[0], ("torch",)),
    Drawn("keras GroupQueryAttention", lambda conv: gqa(), lambda c, conv: keras_gqa_program(c)[0], ("keras",)),
    Drawn("torch grouped_query_attention (Llama)", lambda conv: llama_configs(), lambda c, conv: llama_program(c),
          ("torch",)),
]


# ---- where the two frameworks cannot agree ---------------------------------------------

def test_keras_head_size_that_pytorch_cannot_express():
    """Keras lets key_dim be anything; PyTorch fixes the head size at embed_dim / num_heads."""
    import keras
    import torch

    report = keras_report(lambda: keras.layers.MultiHeadAttention(2, 4), [(10, 24)],
                          call=lambda l, xs: l(xs[0], xs[0]))
    assert report.params == symparams.parse("model M():\n    input (10, 24)\n    multi_head_attention(2, 4)\n") \
        .model().params == 816
    with pytest.raises(AssertionError):
        torch.nn.MultiheadAttention(24, 5)      # PyTorch refuses a head size that does not divide
    with pytest.raises(symparams.errors.SymparamsError, match="torch convention cannot express"):
        symparams.parse("model M():\n    input (10, 24)\n    multi_head_attention(2, 4)\n").model(convention="torch")
