"""lora(LAYER, r, alpha=..., dropout=0.0, targets=...) through the API, with figures derived
by hand below (tests/oracle/test_live_lora.py asks PEFT).

  dense(5) on (3, 4), r=2: base 4*5 + 5; A 2*4, B 5*2; MACs 3*4*5 + 3*2*(4 + 5).
    torch (PEFT): base weight and bias frozen. keras (Dense.enable_lora): the bias stays trainable.
  conv2d(6, 3) on 8x8x3, r=2: base 3*3*3*6 + 6; A 3*3*3*2 (a 3x3 conv to r channels), B 2*6;
    36 output positions; MACs 36*162 + 36*(2*3*9 + 6*2).
  grouped_query_attention(2, 4, 2, use_bias=false) on (5, 8), r=3 on q and v: q 8->8, k 8->4,
    v 8->4, o 8->8: 64 + 32 + 32 + 64 weights; MACs 5*(64 + 32 + 32 + 64) + 2*5*5*8 = 1360.
    torch A/B: q 3*8 + 8*3, v 3*8 + 4*3 (84); keras EinsumDense: A = kernel with its last axis
    replaced by r, B (r, last axis): q (8,4,3) + (3,2), v (8,2,3) + (3,2) (156).
    The adapters' MACs: 5*3*(8 + 8) (q) + 5*3*(8 + 4) (v) = 420 in both conventions.
"""
import re

import pytest

import symparams
from symparams import SymparamsError


def net(body, convention="keras", inp="(3, 4)"):
    return symparams.parse(f"model M():\n    input {inp}\n    {body}\n").model(convention=convention)


def figures(n):
    return int(n.params), int(n.trainable), int(n.non_trainable), int(n.macs)


GQA = "grouped_query_attention(2, 4, 2, use_bias=false)"


@pytest.mark.parametrize("body, inp, convention, expected", [
    ("lora(dense(5), 2)", "(3, 4)", "torch", (43, 18, 25, 60 + 54)),
    ("lora(dense(5), 2)", "(3, 4)", "keras", (43, 23, 20, 60 + 54)),
    ("lora(dense(5), 2, alpha=16, dropout=0.1)", "(3, 4)", "torch", (43, 18, 25, 114)),
    ("lora(dense(5, use_bias=false), 2)", "(3, 4)", "keras", (38, 18, 20, 114)),
    ("lora(dense(5), 2, trainable=false)", "(3, 4)", "torch", (43, 0, 43, 114)),
    ("LoRA(Linear(4, 5), rank=2)", "(3, 4)", "torch", (43, 18, 25, 114)),   # in_features, out_features
    ("lora(conv2d(6, 3), 2)", "(3, 8, 8)", "torch", (234, 66, 168, 5832 + 2376)),
    ("lora(conv2d(6, 3), 2)", "(8, 8, 3)", "keras", (234, 72, 162, 5832 + 2376)),
    (f"lora({GQA}, 3, targets=(\"q\", \"v\"))", "(5, 8)", "torch", (276, 84 + 96, 96, 1360 + 420)),
    (f"lora({GQA}, 3)", "(5, 8)", "torch", (276, 180, 96, 1780)),          # q and v by default
    (f"lora(grouped_query_attention(2, 4, 2, use_bias=false, trainable=false), 3)", "(5, 8)", "torch",
     (276, 84, 192, 1780)),
    (f"lora({GQA}, 3, targets=(\"q\", \"v\"))", "(5, 8)", "keras", (348, 96 + 156, 96, 1780)),   # k, o + adapters
    (f"lora({GQA}, 1, targets=(\"q\", \"k\", \"v\", \"o\"))", "(5, 8)", "torch",
     # A/B per projection: q 8+8, k 8+4, v 8+4, o 8+8; MACs 5*(16 + 12 + 12 + 16)
     (192 + 56, 56, 192, 1360 + 5 * 56)),
])
def test_lora_figures(body, inp, convention, expected):
    assert figures(net(body, convention, inp)) == expected


@pytest.mark.parametrize("convention, names", [
    ("torch", [("base_layer.weight", (5, 4), False), ("base_layer.bias", (5,), False),
               ("lora_A.default.weight", (2, 4), True), ("lora_B.default.weight", (5, 2), True)]),
    ("keras", [("kernel", (4, 5), False), ("bias", (5,), True), ("lora_kernel_a", (4, 2), True),
               ("lora_kernel_b", (2, 5), True)]),
])
def test_lora_dense_weight_names(convention, names):
    row = net("lora(dense(5), 2)", convention).layers[-1]
    assert [(w.name, tuple(int(d) for d in w.shape), w.trainable) for w in row.weights] == names


def test_lora_attention_names_follow_peft():
    row = net(f"lora({GQA}, 3, targets=(\"v\",))", "torch", "(5, 8)").layers[-1]
    assert [(w.name, tuple(int(d) for d in w.shape), w.trainable) for w in row.weights] == [
        ("q_proj.weight", (8, 8), True), ("k_proj.weight", (4, 8), True),
        ("v_proj.base_layer.weight", (4, 8), False), ("v_proj.lora_A.default.weight", (3, 8), True),
        ("v_proj.lora_B.default.weight", (4, 3), True), ("o_proj.weight", (8, 8), True)]


def test_lora_on_hugging_face_style_attention_with_separate_projections():
    # multi_head_attention(2, 4, key_bias=false) on (5, 8): E = 8; q, v, out_proj 8*8 + 8, k_proj 8*8.
    # r=3 on q and v: A 3*8, B 8*3 each (96 trainable); the rest stays trainable (out_proj 72, k 64).
    n = net("lora(multi_head_attention(2, 4, key_bias=false), 3)", "torch", "(5, 8)")
    assert [w.name for w in n.layers[-1].weights][:4] == ["q_proj.base_layer.weight", "q_proj.base_layer.bias",
                                                          "q_proj.lora_A.default.weight", "q_proj.lora_B.default.weight"]
    assert (int(n.params), int(n.trainable)) == (4 * 64 + 3 * 8 + 96, 96 + 64 + 72)
    o_only = net("lora(multi_head_attention(2, 4), 3, targets=(\"o\",))", "torch", "(5, 8)")
    assert [w.name for w in o_only.layers[-1].weights] == [
        "in_proj_weight", "in_proj_bias", "out_proj.base_layer.weight", "out_proj.base_layer.bias",
        "out_proj.lora_A.default.weight", "out_proj.lora_B.default.weight"]


def test_symbolic_lora_dense():
    n = symparams.parse("model M(T, d, u, r):\n    input (T, d)\n    lora(dense(u), r)\n").model(convention="torch")
    T, d, u, r = (n.symbol(s) for s in "T d u r".split())
    assert (n.trainable - r * (d + u)).expand() == 0
    assert (n.macs - (T * d * u + T * r * (d + u))).expand() == 0


@pytest.mark.parametrize("body, inp, convention, message", [
    ("lora(max_pool1d(2), 2)", "(4, 4)", "keras", "adapts dense, conv1d/2d/3d"),
    ("lora(dense(5), 2, targets=(\"q\",))", "(3, 4)", "keras", "targets= picks projections of an attention layer"),
    (f"lora({GQA}, 2, targets=(\"x\",))", "(5, 8)", "keras", 'expected a tuple of projections among "q"'),
    (f"lora({GQA}, 2, targets=(\"q\", \"q\"))", "(5, 8)", "keras", "each once"),
    ("lora(conv2d(6, 3, groups=3), 2)", "(8, 8, 3)", "keras", "groups=1, found groups=3"),
    ("lora(multi_head_attention(2, 4), 2)", "(5, 8)", "torch", "in_proj_weight, so q, v cannot be adapted"),
    ("lora(dense(5), 0)", "(3, 4)", "keras", "argument 'r': expected a size (a positive whole number), found 0"),
    ("lora(dense(5))", "(3, 4)", "keras", "missing its required argument 'r'"),
    ("dense(5, lora_rank=2)", "(3, 4)", "keras", "lora_rank= adds LoRA weights; write lora(dense(...), r)"),
])
def test_lora_errors(body, inp, convention, message):
    with pytest.raises(SymparamsError, match=re.escape(message)):
        net(body, convention, inp)


NOT_MODELED = [
    # (layer, what the message names). PyTorch keeps other tensors for these than the default
    # rule counts (docs/MEMORY.md), so memory and backward MACs refuse rather than approximate.
    ("lora(multi_head_attention(2, 8), r=4)", "lora on multi_head_attention"),
    ("lora(grouped_query_attention(8, 4, 2, qk_norm=true), r=4)", "lora on grouped_query_attention with qk_norm"),
]


@pytest.mark.parametrize("call, named", NOT_MODELED)
def test_lora_memory_not_modeled_is_refused(call, named):
    net = symparams.parse(f"model M():\n    input (8, 16)\n    {call}\n").model()
    assert net.params != 0                       # the counts stay available
    for figure in (lambda: net.memory(batch=1), lambda: net.backward_macs):
        with pytest.raises(symparams.SymparamsError) as caught:
            figure()
        assert f"lora: the activation memory and backward MACs of {named} are not modeled yet" in str(caught.value)
        assert ":3:5: error:" in str(caught.value)


def test_lora_on_grouped_query_self_attention_is_modeled():
    # The exact rule (measured against PEFT on LlamaAttention) gives a figure, not a refusal.
    net = symparams.parse("model M():\n    input (8, 16)\n    lora(grouped_query_attention(8, 4, 2), r=4)\n").model()
    assert net.memory(batch=1).activations > 0
