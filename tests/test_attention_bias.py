"""Per-projection attention biases and attention_bias=TENSOR, through the API.

Figures derived here: multi_head_attention(h, k) on (T, d) holds four kernels of d*h*k values
(query, key, value, output) and biases of h*k (query, key, value) and d (output); each
*_bias= flag keeps or drops one. An additive bias on the scores adds nothing.
tests/oracle/test_live_attention_bias.py asks live PyTorch modules.
"""
import pytest
import sympy

import symparams
from symparams import SymparamsError

T, d, h, k, hd, hq, hkv = sympy.symbols("T d h k hd hq hkv", integer=True, positive=True)
KERNELS = 4 * d * h * k


def model(body, inputs="    input x (T, d)\n", convention="keras"):
    src = f"model M(T, d, h, k, hd, hq, hkv):\n{inputs}    {body}\n"
    return symparams.parse(src).model(convention=convention)


@pytest.mark.parametrize("convention", ["keras", "torch"])
@pytest.mark.parametrize("keywords, biases", [
    ("", 3 * h * k + d),
    (", key_bias=false", 2 * h * k + d),                       # Whisper
    (", use_bias=false, query_bias=true", h * k),
    (", use_bias=false", 0),
    (", query_bias=false, key_bias=false, value_bias=false", d),
    (", output_bias=false", 3 * h * k),
])
def test_multi_head_attention_biases(keywords, biases, convention):
    if convention == "torch":     # PyTorch's head size is embed_dim / num_heads
        net = model(f"multi_head_attention(h, d / h{keywords})", convention=convention)
        expected = (KERNELS + biases).subs(k, d / h)
    else:
        net = model(f"multi_head_attention(h, k{keywords})")
        expected = KERNELS + biases
    assert sympy.simplify(net.params - expected) == 0


@pytest.mark.parametrize("keywords, names", [
    # uniform biases: nn.MultiheadAttention's own names
    ("", ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]),
    (", use_bias=false", ["in_proj_weight", "out_proj.weight"]),
    (", query_bias=false, key_bias=false, value_bias=false, output_bias=false", ["in_proj_weight", "out_proj.weight"]),
    (", use_bias=false, query_bias=true, key_bias=true, value_bias=true, output_bias=true",
     ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]),
    # they differ: one Linear per projection, as Hugging Face's WhisperAttention
    (", key_bias=false", ["q_proj.weight", "q_proj.bias", "k_proj.weight", "v_proj.weight", "v_proj.bias",
                          "out_proj.weight", "out_proj.bias"]),
    (", use_bias=false, output_bias=true", ["q_proj.weight", "k_proj.weight", "v_proj.weight", "out_proj.weight",
                                            "out_proj.bias"]),
])
def test_multi_head_attention_torch_names(keywords, names):
    net = model(f"multi_head_attention(6, 64{keywords})", "    input x (1500, 384)\n", "torch")
    assert [w.name for w in net.layers[-1].weights] == names


def test_whisper_tiny_attention():
    """d=384, 6 heads, k_proj without bias: 4*384**2 + 3*384 = 590,976; with all four biases
    it would be 384 more, which is the 4,608 = 12*384 over Whisper-tiny's 12 attention layers."""
    for convention in ("keras", "torch"):
        net = model("multi_head_attention(6, 64, key_bias=false)", "    input x (1500, 384)\n", convention)
        assert net.params == 590_976


@pytest.mark.parametrize("keywords, biases", [
    ("", hq * hd + 2 * hkv * hd + d),
    (", use_bias=false, query_bias=true, key_bias=true, value_bias=true", hq * hd + 2 * hkv * hd),   # Qwen2
    (", attention_bias=true, output_bias=false", hq * hd + 2 * hkv * hd),  # LlamaConfig's name for use_bias
    (", attention_bias=false", 0),
])
def test_grouped_query_attention_biases(keywords, biases):
    kernels = 2 * d * hq * hd + 2 * d * hkv * hd
    for convention in ("keras", "torch"):
        net = model(f"grouped_query_attention(hd, hq, hkv{keywords})", convention=convention)
        assert sympy.expand(net.params - kernels - biases) == 0


def test_qwen2_names():
    net = model("grouped_query_attention(16, 4, 2, output_bias=false)", "    input x (8, 64)\n", "torch")
    assert [(w.name, w.shape) for w in net.layers[-1].weights] == [
        ("q_proj.weight", (64, 64)), ("q_proj.bias", (64,)), ("k_proj.weight", (32, 64)), ("k_proj.bias", (32,)),
        ("v_proj.weight", (32, 64)), ("v_proj.bias", (32,)), ("o_proj.weight", (64, 64))]


T5 = ("    input x (T, d)\n    input buckets {buckets}\n"
      "    rel = buckets -> embedding(32, h) -> permute((3, 1, 2))\n")


@pytest.mark.parametrize("layer", ["multi_head_attention(h, k, attention_bias=rel)",
                                   "grouped_query_attention(k, h, 1, attention_bias=rel)"])
def test_scores_bias_adds_nothing(layer):
    """T5's relative position bias: an embedding of 32 buckets by h heads, looked up at (T, T)
    positions and moved to (h, T, T). Only the table (32*h) counts; the layer's figures are
    those without the bias."""
    with_bias = model(f"x -> {layer}", T5.format(buckets="(T, T)"))
    without = model(layer.replace(", attention_bias=rel", ""))
    assert sympy.expand(with_bias.params - without.params - 32 * h) == 0
    assert sympy.expand(with_bias.macs - without.macs) == 0
    assert with_bias.output_shape == (T, d)


@pytest.mark.parametrize("bias_shape", ["(1, T, T)", "(h, 1, T)", "(T, T)", "(T,)", "(1,)"])
def test_scores_bias_broadcasts(bias_shape):
    net = model("x -> multi_head_attention(h, k, attention_bias=b)", f"    input x (T, d)\n    input b {bias_shape}\n")
    assert net.output_shape == (T, d)


@pytest.mark.parametrize("inputs, layer, words", [
    (T5.format(buckets="(T, 8)"), "x -> multi_head_attention(h, k, attention_bias=rel)",
     ["attention_bias has shape (h, T, 8)", "(heads, T, S) = (h, T, T)"]),
    ("    input x (T, d)\n    input b (2, h, T, T)\n", "x -> multi_head_attention(h, k, attention_bias=b)",
     ["does not broadcast"]),
    ("    input x (T, d)\n", "grouped_query_attention(hd, hq, hkv, use_bias=false, attention_bias=true)",
     ["give only one"]),
    ("    input x (T, d)\n", "multi_head_attention(h, k, attention_bias=true)",
     ["argument 'attention_bias'", "a tensor name"]),
    ("    input x (T, d)\n", "multi_head_attention(h, k, key_bias=2)", ["key_bias", "true or false"]),
])
def test_bias_errors(inputs, layer, words):
    with pytest.raises(SymparamsError) as err:
        model(layer, inputs)
    message = str(err.value)
    assert all(word in message for word in words), message
