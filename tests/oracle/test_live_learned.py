"""parameter(SHAPE) and buffer(SHAPE), and the merges they feed, against a PyTorch module (an
nn.Parameter attribute, or register_buffer) and a Keras layer (add_weight, or a constant: Keras has
no buffers) written here, on hypothesis-drawn shapes: params, trainable, buffers, each weight's
name and shape, and the output shape of a real forward pass."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

import symparams
from arch_source import fmt
from drawn import Drawn
from frameworks import keras_report, torch_report

ELEMENTWISE = {"add": "add", "multiply": "multiply", "subtract": "subtract", "maximum": "maximum"}


@st.composite
def merges(draw):
    """An input shape, a parameter shape that meets it, the merge, and which side comes first."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    op = draw(st.sampled_from([*ELEMENTWISE, "concatenate"]))
    if op == "concatenate":
        axis = draw(st.integers(1, len(shape)))
        param = tuple(draw(st.integers(1, 3)) if i == axis - 1 else d for i, d in enumerate(shape))
    else:
        axis = None
        # broadcasting: each axis the input's size or 1, leading axes possibly missing
        param = tuple(draw(st.sampled_from([d, 1])) for d in shape)[draw(st.integers(0, len(shape) - 1)):]
    return dict(shape=shape, param=param, op=op, axis=axis, param_first=draw(st.booleans()),
                trainable=draw(st.booleans()))


def _source(c, layer="parameter"):
    merge_args = ", axis=" + str(c["axis"]) if c["axis"] else ""
    chain = (f"p -> {c['op']}(x{merge_args})" if c["param_first"] else f"x -> {c['op']}(p{merge_args})")
    trainable = f", trainable={fmt(c['trainable'])}" if layer == "parameter" else ""
    return (f"model M():\n    input x {fmt(c['shape'])}\n"
            f"    p = {layer}({fmt(c['param'])}, name=\"token\"{trainable})\n"
            f"    {chain}\n")


def _torch_module(c, buffer=False):
    import torch

    class Token(torch.nn.Module):
        def __init__(self):
            super().__init__()
            if buffer:          # state that is not a parameter (rotary's inv_freq, BatchNorm's running mean)
                self.register_buffer("token", torch.zeros(c["param"]))
            else:
                self.token = torch.nn.Parameter(torch.zeros(c["param"]), requires_grad=c["trainable"])

        def forward(self, x):
            p = self.token
            if c["op"] == "concatenate":     # the framework expands the tensor over the batch
                p = p.expand(x.shape[0], *p.shape)
                return torch.cat([p, x] if c["param_first"] else [x, p], dim=c["axis"])
            a, b = (p, x) if c["param_first"] else (x, p)
            return {"add": torch.add, "multiply": torch.mul, "subtract": torch.sub,
                    "maximum": torch.maximum}[c["op"]](a, b)
    return Token()


def _keras_layer(c, buffer=False):
    import keras

    class Token(keras.layers.Layer):
        def build(self, input_shape):
            if buffer:          # Keras has no buffers: a constant tensor, no weight
                self.token = keras.ops.zeros(c["param"])
            else:
                self.token = self.add_weight(shape=c["param"], name="token", trainable=c["trainable"])

        def call(self, x):
            ops = keras.ops
            p = self.token
            if c["op"] == "concatenate":
                p = ops.broadcast_to(p, (ops.shape(x)[0], *c["param"]))
                return ops.concatenate([p, x] if c["param_first"] else [x, p], axis=c["axis"])
            a, b = (p, x) if c["param_first"] else (x, p)
            return getattr(ops, c["op"])(a, b)
    return Token()


def _check(c, convention, report):
    net = symparams.parse(_source(c)).model(convention=convention)
    assert int(net.params) == report.params
    assert int(net.trainable) == report.trainable
    row = next(r for r in net.layers if r.type == "parameter")
    assert [(w.name, tuple(int(d) for d in w.shape), w.trainable) for w in row.weights] == list(report.weights)
    assert tuple(int(d) for d in net.output_shape) == report.output_shape
    assert int(net.macs) == 0


# what these generators draw, for tests/test_live_coverage.py
DRAWN = [Drawn("parameter merges", lambda convention: merges(), lambda c, convention: _source(c)),
         Drawn("buffer merges", lambda convention: merges(), lambda c, convention: _source(c, "buffer"))]


@given(merges())
def test_parameter_merges_match_torch(c):
    _check(c, "torch", torch_report(lambda: _torch_module(c), [c["shape"]]))


@given(merges())
def test_parameter_merges_match_keras(c):
    _check(c, "keras", keras_report(lambda: _keras_layer(c), [c["shape"]]))


@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_vit_class_token_on_patches(convention):
    """ViT's `torch.cat([class_token.expand(n, -1, -1), x], dim=1)` on (196, 768) patches."""
    c = dict(shape=(196, 768), param=(1, 768), op="concatenate", axis=1, param_first=True, trainable=True)
    report = (torch_report(lambda: _torch_module(c), [c["shape"]]) if convention == "torch"
              else keras_report(lambda: _keras_layer(c), [c["shape"]]))
    assert report.output_shape == (197, 768) and report.params == 768
    _check(c, convention, report)


# ---- buffer(SHAPE): PyTorch's register_buffer, nothing in Keras ----------------------------------

def _check_buffer(c, convention, report, buffers):
    net = symparams.parse(_source(c, "buffer")).model(convention=convention)
    assert (int(net.params), int(net.trainable)) == (report.params, report.trainable) == (0, 0)
    row = next(r for r in net.layers if r.type == "buffer")
    assert [(w.name, tuple(int(d) for d in w.shape)) for w in row.weights] == buffers
    assert int(net.buffers) == sum(math.prod(shape) for _, shape in buffers)
    assert tuple(int(d) for d in net.output_shape) == report.output_shape
    assert int(net.macs) == 0


@given(merges())
def test_buffer_merges_match_torch(c):
    module = _torch_module(c, buffer=True)
    buffers = [(name, tuple(b.shape)) for name, b in module.named_buffers()]
    _check_buffer(c, "torch", torch_report(lambda: _torch_module(c, buffer=True), [c["shape"]]), buffers)


@given(merges())
def test_buffer_merges_match_keras(c):
    _check_buffer(c, "keras", keras_report(lambda: _keras_layer(c, buffer=True), [c["shape"]]), [])
