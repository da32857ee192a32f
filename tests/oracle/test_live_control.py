"""Conditionals, several results, initial states and the frameworks' positional orders, against
live Keras and PyTorch: EfficientNet-B0 written with torch.nn as torchvision builds it, Keras's
sequence-to-sequence model, and layers called with drawn positional arguments in both frameworks."""
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symparams
from support import EXAMPLES

os.environ.setdefault("KERAS_BACKEND", "torch")


def torch_counts(module):
    return (sum(p.numel() for p in module.parameters()), sum(b.numel() for b in module.buffers()))


def torch_macs(module, shape):
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        module.eval()(torch.zeros(1, *shape))
    return counter.get_total_flops() // 2


def efficientnet_b0():
    """torchvision's EfficientNet-B0, from its documented structure: MBConv = expand 1x1 (when the
    ratio is not 1), depthwise kxk, squeeze-excitation to max(1, c_in // 4), project 1x1, residual
    when stride is 1 and the widths match."""
    from torch import nn

    def cbn(i, o, k, s=1, groups=1, act=True):
        layers = [nn.Conv2d(i, o, k, s, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(o)]
        return layers + ([nn.SiLU()] if act else [])

    class SqueezeExcite(nn.Module):
        def __init__(self, c, squeeze):
            super().__init__()
            self.pool, self.fc1, self.fc2 = nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, squeeze, 1), nn.Conv2d(squeeze, c, 1)
            self.act, self.gate = nn.SiLU(), nn.Sigmoid()

        def forward(self, x):
            return x * self.gate(self.fc2(self.act(self.fc1(self.pool(x)))))

    class MBConv(nn.Module):
        def __init__(self, c_in, c_out, e, k, s):
            super().__init__()
            mid = c_in * e
            layers = cbn(c_in, mid, 1) if e != 1 else []
            layers += cbn(mid, mid, k, s, groups=mid) + [SqueezeExcite(mid, max(1, c_in // 4))]
            layers += cbn(mid, c_out, 1, act=False)
            self.body, self.residual = nn.Sequential(*layers), s == 1 and c_in == c_out

        def forward(self, x):
            return x + self.body(x) if self.residual else self.body(x)

    stages = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
              (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
    blocks = cbn(3, 32, 3, 2)
    for e, k, s, c_in, c_out, n in stages:
        blocks += [MBConv(c_in, c_out, e, k, s)] + [MBConv(c_out, c_out, e, k, 1) for _ in range(n - 1)]
    blocks += cbn(320, 1280, 1) + [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(1280, 1000)]
    return nn.Sequential(*blocks)


def test_efficientnet_b0_matches_torch():
    module = efficientnet_b0()
    params, buffers = torch_counts(module)
    assert params == 5_288_548                      # torchvision's published count
    net = symparams.load(EXAMPLES / "efficientnet_b0.arch").model(convention="torch", defaults=True)
    assert (net.params, net.buffers) == (params, buffers)
    assert net.macs == torch_macs(module, (3, 224, 224))


@settings(deadline=None)
@given(te=st.integers(2, 6), td=st.integers(2, 6), ne=st.integers(1, 9), nd=st.integers(1, 9),
       latent=st.integers(1, 12))
def test_keras_seq2seq_with_initial_state_matches_keras(te, td, ne, nd, latent):
    import keras
    enc, dec = keras.Input((te, ne)), keras.Input((td, nd))
    _, h, c = keras.layers.LSTM(latent, return_state=True)(enc)
    out, _, _ = keras.layers.LSTM(latent, return_sequences=True, return_state=True)(dec, initial_state=[h, c])
    model = keras.Model([enc, dec], keras.layers.Dense(nd, activation="softmax")(out))
    source = (EXAMPLES.parent / "docs" / "LANGUAGE.md").read_text()
    block = source[source.index("model Seq2Seq("):].split("```")[0]
    net = symparams.parse(block).model(values=dict(Te=te, Td=td, ne=ne, nd=nd, latent=latent))
    assert net.params == model.count_params()
    assert net.output_shape == tuple(model.output.shape[1:])


@settings(deadline=None)
@given(i=st.integers(1, 12), o=st.integers(1, 12), k=st.integers(1, 4), s=st.integers(1, 3),
       p=st.integers(0, 2), bias=st.booleans(), hw=st.integers(6, 12))
def test_torch_conv2d_positional_order(i, o, k, s, p, bias, hw):
    from torch import nn
    module = nn.Conv2d(i, o, k, s, p, 1, 1, bias)
    net = symparams.parse(f"layout channels_first\nmodel M():\n    input ({i}, {hw}, {hw})\n"
                          f"    Conv2d({i}, {o}, {k}, {s}, {p}, 1, 1, {str(bias).lower()})\n").model(convention="torch")
    import torch
    assert net.params == torch_counts(module)[0]
    assert net.output_shape == tuple(module(torch.zeros(1, i, hw, hw)).shape[1:])


@settings(deadline=None)
@given(d=st.integers(1, 9), h=st.integers(1, 9), layers=st.integers(1, 3), bias=st.booleans(),
       bidirectional=st.booleans())
def test_torch_lstm_positional_order(d, h, layers, bias, bidirectional):
    from torch import nn
    module = nn.LSTM(d, h, layers, bias, True, 0.0, bidirectional)
    net = symparams.parse(f"model M():\n    input (5, {d})\n    LSTM({d}, {h}, {layers}, {str(bias).lower()}, "
                          f"true, 0.0, {str(bidirectional).lower()})\n").model(convention="torch")
    assert net.params == torch_counts(module)[0]


@settings(deadline=None)
@given(units=st.integers(1, 16), d=st.integers(1, 16), bias=st.booleans(),
       activation=st.sampled_from(["relu", "tanh", None]))
def test_keras_dense_positional_order(units, d, bias, activation):
    import keras
    layer = keras.layers.Dense(units, activation, bias)
    layer.build((None, d))
    act = "none" if activation is None else f'"{activation}"'
    net = symparams.parse(f"model M():\n    input ({d},)\n    Dense({units}, {act}, {str(bias).lower()})\n").model()
    assert net.params == layer.count_params()


@settings(deadline=None)
@given(f=st.integers(1, 8), k=st.integers(1, 3), s=st.integers(1, 2), dm=st.integers(1, 3), c=st.integers(1, 5),
       padding=st.sampled_from(["valid", "same"]))
def test_keras_separable_conv2d_positional_order(f, k, s, dm, c, padding):
    import keras
    layer = keras.layers.SeparableConv2D(f, k, s, padding, None, 1, dm)
    x = keras.Input((9, 9, c))
    y = layer(x)
    net = symparams.parse(f'model M():\n    input (9, 9, {c})\n    SeparableConv2D({f}, {k}, {s}, "{padding}", None, 1, '
                          f'{dm})\n').model()
    assert net.params == layer.count_params()
    assert net.output_shape == tuple(y.shape[1:])
