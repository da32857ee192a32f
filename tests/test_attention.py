"""multi_head_attention and grouped_query_attention: figures derived by hand in each test
from the Keras / PyTorch weight layouts (the recorded cases run in tests/test_oracle_cases.py).
No framework needed."""

import pytest
import sympy

import symparams
from symparams.errors import SymparamsError


def _ints(shape):
    return [int(d) for d in shape]


# ---- hand derivations ------------------------------------------------------------

T, S, d, e, f, h, k, v, o = sympy.symbols("T S d e f h k v o", integer=True, positive=True)


def model(body, convention="keras", inputs="input q (T, d)", params="T, S, d, e, f, h, k, v, o"):
    src = f"model M({params}):\n    {inputs}\n" + "".join(f"    {line}\n" for line in body.splitlines())
    return symparams.parse(src).model(convention=convention)


def test_keras_self_attention_closed_form():
    # Keras: q, k, v kernels (d, h, k) + biases (h, k); output kernel (h, k, d) + bias (d)
    net = model("multi_head_attention(h, k)")
    assert sympy.expand(net.params - (3 * (d * h * k + h * k) + h * k * d + d)) == 0
    assert net.output_shape == (T, d)
    # MACs: 3 projections T*d*h*k, output T*h*k*d, scores and weighted sum T*T*h*k each
    assert sympy.expand(net.macs - (4 * T * d * h * k + 2 * T ** 2 * h * k)) == 0


def test_keras_cross_attention_with_a_separate_key():
    net = model("q -> multi_head_attention(h, k, v, output_shape=o, value=kv, key=kk)",
                inputs="input q (T, d)\n    input kv (S, e)\n    input kk (S, f)")
    # query (d,h,k)+(h,k); key (f,h,k)+(h,k); value (e,h,v)+(h,v); output (h,v,o)+(o)
    expected = d * h * k + h * k + f * h * k + h * k + e * h * v + h * v + h * v * o + o
    assert sympy.expand(net.params - expected) == 0
    assert net.output_shape == (T, o)
    macs = T * d * h * k + S * f * h * k + S * e * h * v + T * h * v * o + T * S * h * k + T * S * h * v
    assert sympy.expand(net.macs - macs) == 0
    assert [(w.name, w.shape) for w in net.layers[-1].weights] == [
        ("kernel", (d, h, k)), ("bias", (h, k)), ("kernel", (f, h, k)), ("bias", (h, k)),
        ("kernel", (e, h, v)), ("bias", (h, v)), ("kernel", (h, v, o)), ("bias", (o,))]


def test_positional_value_then_key_follow_keras_call_order():
    three = "input q (T, d)\n    input kv (S, e)\n    input kk (S, f)"
    a = model("q -> multi_head_attention(h, k, kv, kk)", inputs=three)
    b = model("q -> multi_head_attention(h, k, kv, key=kk)", inputs=three)
    assert sympy.expand(a.params - b.params) == 0 and sympy.expand(a.macs - b.macs) == 0
    # value kernel reads e, key kernel reads f
    assert a.layers[-1].weights[2].shape == (f, h, k)
    assert a.layers[-1].weights[4].shape == (e, h, k)


def test_torch_self_attention_names_and_shapes():
    # nn.MultiheadAttention(E, h): in_proj_weight (3E, E), in_proj_bias (3E), out_proj (E, E) + (E)
    net = symparams.parse("model M():\n    input (10, 24)\n    MultiheadAttention(num_heads=4, embed_dim=24)\n") \
        .model(convention="torch")
    assert [(w.name, _ints(w.shape)) for w in net.layers[-1].weights] == [
        ("in_proj_weight", [72, 24]), ("in_proj_bias", [72]), ("out_proj.weight", [24, 24]),
        ("out_proj.bias", [24])]
    assert int(net.params) == 4 * 24 * 24 + 4 * 24
    assert _ints(net.output_shape) == [10, 24]


def test_torch_kdim_vdim_use_separate_projections_and_bias_kv():
    src = ("model M():\n    input q (10, 24)\n    input kv (5, 9)\n    input kk (5, 7)\n"
           "    q -> multi_head_attention(2, 12, kv, key=kk, kdim=7, vdim=9, add_bias_kv=true)\n")
    net = symparams.parse(src).model(convention="torch")
    # PyTorch registers q/k/v_proj_weight, in_proj_bias, bias_k, bias_v, then out_proj
    assert [(w.name, _ints(w.shape)) for w in net.layers[-1].weights] == [
        ("q_proj_weight", [24, 24]), ("k_proj_weight", [24, 7]), ("v_proj_weight", [24, 9]),
        ("in_proj_bias", [72]), ("bias_k", [1, 1, 24]), ("bias_v", [1, 1, 24]),
        ("out_proj.weight", [24, 24]), ("out_proj.bias", [24])]
    # MACs: q 10*24*24, k 5*7*24, v 5*9*24, out 10*24*24; bias_kv adds one key position: 2*10*6*24
    assert int(net.macs) == 10 * 24 * 24 + 5 * 7 * 24 + 5 * 9 * 24 + 10 * 24 * 24 + 2 * 10 * 6 * 24


def test_keras_and_torch_agree_when_torch_can_express_it():
    for conv in ("keras", "torch"):
        net = model("multi_head_attention(h, d / h)", convention=conv)
        assert sympy.expand(net.params - (4 * d ** 2 + 4 * d)) == 0
        # the stated rule: 2*T**2*d for the attention matmuls, 4*T*d**2 for the projections
        assert sympy.expand(net.macs - (2 * T ** 2 * d + 4 * T * d ** 2)) == 0


def test_torch_cannot_express_a_head_size_other_than_embed_dim_over_heads():
    with pytest.raises(SymparamsError, match=r"PyTorch needs num_heads \* key_dim == embed_dim"):
        symparams.parse("model M():\n    input (10, 24)\n    multi_head_attention(2, 4)\n").model(convention="torch")
    # PyTorch's class name takes PyTorch's order, MultiheadAttention(embed_dim, num_heads):
    # in_proj_weight (3*768, 768) + in_proj_bias (3*768) + out_proj (768*768 + 768) = 2,362,368.
    net = symparams.parse("model M():\n    input (4, 768)\n    MultiheadAttention(768, 12)\n").model(convention="torch")
    assert net.params == 3 * 768 * 768 + 3 * 768 + 768 * 768 + 768 == 2_362_368
    for body in ("multi_head_attention(2, 12, value_dim=4)", "multi_head_attention(2, 12, output_shape=5)",
                 "multi_head_attention(2, 12, use_gate=true)"):
        with pytest.raises(SymparamsError, match="torch convention cannot express"):
            symparams.parse(f"model M():\n    input (10, 24)\n    {body}\n").model(convention="torch")
    with pytest.raises(SymparamsError, match="keras convention cannot express"):
        symparams.parse("model M():\n    input (10, 24)\n    multi_head_attention(2, 12, add_bias_kv=true)\n").model()


def test_torch_rule_is_kept_for_symbols_and_checked_by_subs():
    net = model("multi_head_attention(h, k)", convention="torch")
    assert sympy.expand(net.params - (4 * d ** 2 + 4 * d)) == 0
    assert int(net.subs(T=3, d=12, h=4, k=3).params) == 4 * 144 + 48
    with pytest.raises(SymparamsError, match="num_heads \\* key_dim == embed_dim"):
        net.subs(d=11, h=4, k=3)


def test_key_dim_must_come_out_whole():
    net = model("multi_head_attention(h, d / h)")
    with pytest.raises(SymparamsError, match="key_dim"):
        net.subs(d=10, h=4)


def test_width_keywords_are_checked():
    with pytest.raises(SymparamsError, match="embed_dim=20, but the query has width 24"):
        symparams.parse("model M():\n    input (10, 24)\n    multi_head_attention(2, 12, embed_dim=20)\n").model()
    with pytest.raises(SymparamsError, match="kdim=8"):
        symparams.parse("model M():\n    input q (10, 24)\n    input kv (5, 9)\n"
                        "    q -> multi_head_attention(2, 12, kv, kdim=8)\n").model(convention="torch")


def test_key_and_value_must_share_their_sequence_axes():
    with pytest.raises(SymparamsError, match="key and the value"):
        symparams.parse("model M():\n    input q (10, 24)\n    input kv (5, 9)\n    input kk (6, 9)\n"
                        "    q -> multi_head_attention(2, 12, kv, key=kk)\n").model()


def test_keras_attends_over_every_inner_axis_of_a_feature_map():
    # (H, W, C): T = S = H*W positions of width C; output_shape=(3, 5) -> kernel (h, k, 3, 5)
    net = symparams.parse("model M(H, W, C):\n    input (H, W, C)\n"
                          "    multi_head_attention(2, 4, output_shape=(3, 5))\n").model()
    H, W, C = sympy.symbols("H W C", integer=True, positive=True)
    assert net.output_shape == (H, W, 3, 5)
    assert sympy.expand(net.params - (3 * (C * 8 + 8) + 8 * 15 + 15)) == 0
    n = H * W
    assert sympy.expand(net.macs - (3 * n * C * 8 + n * 8 * 15 + 2 * n * n * 8)) == 0


def test_gqa_closed_form_both_conventions():
    g, q_heads, kv_heads = sympy.symbols("g hq hkv", integer=True, positive=True)
    for conv in ("keras", "torch"):
        net = symparams.parse("model M(T, d, g, hq, hkv):\n    input (T, d)\n"
                              "    grouped_query_attention(g, hq, hkv)\n").model(convention=conv)
        # q: d*hq*g + hq*g; k, v: d*hkv*g + hkv*g each; out: hq*g*d + d
        expected = d * q_heads * g + q_heads * g + 2 * (d * kv_heads * g + kv_heads * g) + q_heads * g * d + d
        assert sympy.expand(net.params - expected) == 0
        macs = T * d * q_heads * g + 2 * T * d * kv_heads * g + T * q_heads * g * d + 2 * T * T * q_heads * g
        assert sympy.expand(net.macs - macs) == 0
    net = symparams.parse("model M():\n    input (10, 16)\n    grouped_query_attention(8, 4, 2, use_bias=false)\n") \
        .model(convention="torch")
    # Llama-style: q_proj (hq*g, d), k_proj/v_proj (hkv*g, d), o_proj (d, hq*g)
    assert [(w.name, _ints(w.shape)) for w in net.layers[-1].weights] == [
        ("q_proj.weight", [32, 16]), ("k_proj.weight", [16, 16]), ("v_proj.weight", [16, 16]),
        ("o_proj.weight", [16, 32])]


def test_gqa_heads_must_divide():
    with pytest.raises(SymparamsError, match="num_key_value_heads=3 must divide num_query_heads=4"):
        symparams.parse("model M():\n    input (10, 16)\n    grouped_query_attention(8, 4, 3)\n").model()
    net = symparams.parse("model M(a, b):\n    input (10, 16)\n    grouped_query_attention(8, a, b)\n").model()
    with pytest.raises(SymparamsError, match="must divide"):
        net.subs(a=6, b=4)


def test_keras_gqa_needs_equal_query_and_value_widths():
    with pytest.raises(SymparamsError, match="value width to equal the query width"):
        symparams.parse("model M():\n    input q (10, 16)\n    input kv (5, 12)\n"
                        "    q -> grouped_query_attention(4, 4, 2, kv)\n").model()


def test_aliases_and_sharing():
    # Keras's MultiHeadAttention(num_heads, key_dim); PyTorch's MultiheadAttention(embed_dim, num_heads)
    for call in ("MultiHeadAttention(2, 8)", "MultiheadAttention(16, 2)"):
        net = symparams.parse(f"model M():\n    input (10, 16)\n    {call}\n").model()
        assert int(net.params) == 4 * 16 * 16 + 4 * 16
    for name in ("GroupedQueryAttention", "GroupQueryAttention"):
        net = symparams.parse(f"model M():\n    input (10, 16)\n    {name}(8, 2, 2)\n").model()
        assert int(net.params) == 4 * 16 * 16 + 4 * 16
    # a shared attention layer is counted once
    net = symparams.parse("model M():\n    input (10, 16)\n    let att = multi_head_attention(2, 8)\n"
                          "    att -> att\n").model()
    assert int(net.params) == 4 * 16 * 16 + 4 * 16


def test_symbolic_repeat_of_attention_is_linear():
    L = sympy.Symbol("L", integer=True, positive=True)
    net = symparams.parse("model M(T, d, h, L):\n    input (T, d)\n    repeat L:\n"
                          "        multi_head_attention(h, d / h)\n").model()
    assert sympy.expand(net.params - L * (4 * d ** 2 + 4 * d)) == 0


def test_pasted_keywords():
    # Keras's default attention_axes, masks and PyTorch's input width are accepted; nothing changes
    base = symparams.parse("model M():\n    input (10, 24)\n    multi_head_attention(2, 4)\n").model()
    net = symparams.parse("model M():\n    input (10, 24)\n    multi_head_attention(2, 4, attention_axes=(1,), "
                          "use_causal_mask=true, dropout=0.1, in_features=24)\n").model()
    assert net.params == base.params == 816 and net.macs == base.macs
    with pytest.raises(SymparamsError, match="attention_axes"):
        symparams.parse("model M():\n    input (4, 10, 24)\n    multi_head_attention(2, 4, attention_axes=2)\n") \
            .model()
    with pytest.raises(SymparamsError, match="in_features=20"):
        symparams.parse("model M():\n    input (10, 24)\n    multi_head_attention(2, 4, in_features=20)\n").model()
    gqa = symparams.parse("model M():\n    input (10, 24)\n    grouped_query_attention(4, num_attention_heads=4, "
                          "num_key_value_heads=2, is_causal=true)\n").model()
    assert int(gqa.params) == 1208      # the oracle's "gqa hd=4 kv=2" on (10, 24)
