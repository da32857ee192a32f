"""MACs of one layer per row, each derived by hand from docs/MACS.md's rule beside it
(the live tests compare the same rule with torch.utils.flop_counter on drawn layers)."""
import pytest

import symparams

ROWS = [
    # (convention, input, layer, MACs, derivation)
    ("keras", (5, 3), "dense(4)", 60, "5 positions x 3 x 4"),
    ("keras", (10, 10, 8), "conv2d(8, 3, groups=4)", 9216, "8*8 positions x 3*3 x 8/4 x 8"),
    ("keras", (8, 8, 4), "depthwise_conv2d(3, depth_multiplier=2)", 2592, "6*6 x 3*3 x 4 x 2"),
    ("keras", (9, 4), "depthwise_conv1d(3, depth_multiplier=3)", 252, "7 x 3 x 4 x 3"),
    ("keras", (8, 8, 4), "separable_conv2d(5, 3, depth_multiplier=2)", 4032, "6*6 x (3*3*4*2 + 4*2*5)"),
    ("keras", (10, 2), "separable_conv1d(4, 3, depth_multiplier=2)", 8 * (3 * 2 * 2 + 2 * 2 * 4),
     "8 x (3*2*2 + 2*2*4)"),
    ("torch", (2, 5, 5), "conv2d(3, 3, strides=2, padding=1)", 9 * 9 * 2 * 3,
     "3*3 positions x 3*3 x 2 x 3"),
    ("keras", (4, 4, 2), "conv2d_transpose(3, 2, strides=2)", 16 * 4 * 2 * 3, "4*4 input positions x 2*2 x 2 x 3"),
    ("keras", (6, 3), "simple_rnn(4)", 6 * (4 * 3 + 4 * 4), "6 steps x (4*3 + 4*4)"),
    ("keras", (6, 3), "lstm(4)", 6 * 4 * (4 * 3 + 4 * 4), "6 steps x 4 gates x (4*3 + 4*4)"),
    ("keras", (6, 3), "gru(4)", 6 * 3 * (4 * 3 + 4 * 4), "6 steps x 3 gates x (4*3 + 4*4)"),
    ("torch", (6, 3), "lstm(4, proj_size=2)", 6 * (4 * 4 * 3 + 4 * 4 * 2 + 4 * 2),
     "6 x (4u*d + 4u*p + u*p) with u=4, d=3, p=2"),
    ("torch", (6, 3), "lstm(4, num_layers=2, bidirectional=true)",
     6 * (2 * 16 * (3 + 4) + 2 * 16 * (8 + 4)), "6 x (2 directions x 4u*(3 + 4) + 2 x 4u*(2u + 4)), u=4"),
    ("keras", (6, 3), "bidirectional(gru(4))", 2 * 6 * 3 * (4 * 3 + 4 * 4), "2 directions of gru(4)"),
    ("keras", (6, 3), "time_distributed(dense(5))", 6 * 3 * 5, "6 steps x 3 x 5"),
    ("keras", (3, 4, 4, 2), "conv_lstm2d(5, 3, padding=\"same\")", 3 * 16 * 9 * (2 + 5) * 4 * 5,
     "3 steps x 4*4 x 3*3 x (2 + 5) x 4*5"),
    ("keras", (5, 8), "multi_head_attention(2, 4)",
     5 * 8 * 8 + 5 * 8 * 8 + 5 * 8 * 8 + 5 * 8 * 8 + 5 * 5 * 8 + 5 * 5 * 8,
     "T=S=5, d=8, h*kd=h*vd=8: four projections 4*T*d*8, scores and sum 2*T*S*8"),
    ("torch", (5, 8), "MultiheadAttention(num_heads=2, embed_dim=8, add_bias_kv=true)",
     4 * 5 * 8 * 8 + 2 * 5 * (5 + 1) * 8, "projections 4*T*E*E; scores and sum over S + 1 keys"),
    ("keras", (5, 8), "grouped_query_attention(2, 4, 2)",
     5 * 8 * 4 * 2 + 2 * 5 * 8 * 2 * 2 + 5 * 4 * 2 * 8 + 2 * 5 * 5 * 4 * 2,
     "T*d*hq*hd + 2*S*d*hkv*hd + T*hq*hd*d + 2*T*S*hq*hd"),
    ("keras", (8, 8, 3), "max_pool2d(2)", 0, "pooling: element-wise"),
    ("keras", (8, 3), "batch_norm", 0, "normalization: element-wise"),
    ("keras", (4, 4, 3), "embedding(10, 2)", 0, "a table lookup"),
]


@pytest.mark.parametrize("convention, shape, layer, macs, derivation", ROWS, ids=[r[2] for r in ROWS])
def test_layer_macs_are_the_hand_derivation(convention, shape, layer, macs, derivation):
    dims = ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "")
    net = symparams.parse(f"model M():\n    input ({dims})\n    {layer}\n").model(convention=convention)
    assert net.macs == macs, derivation
    assert net.flops == net.layers[-1].flops == 2 * macs
