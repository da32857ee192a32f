"""Adaptive pooling against PyTorch's AdaptiveAvgPool/AdaptiveMaxPool and Keras's
AdaptiveAveragePooling/AdaptiveMaxPooling on hypothesis-drawn shapes (output sizes smaller
and larger than the input, PyTorch's `none`), and AlexNet as torchvision builds it (written
here: torchvision does not load with this CPU torch) at 224x224 and 199x199. AlexNet's program and
its hand-derived count are tests/test_adaptive_pool.py's."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

import symparams
from arch_source import call, model_source
from drawn import Drawn
from frameworks import keras_report, torch_report
from test_adaptive_pool import ALEXNET as ALEXNET_TEMPLATE, ALEXNET_PARAMS


@st.composite
def pools(draw, convention):
    rank = draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 9)) for _ in range(rank))
    channels = draw(st.integers(1, 4))
    # PyTorch's none (keep the axis) exists for 2-D and 3-D pools
    sizes = st.integers(1, 10) | st.none() if convention == "torch" and rank > 1 else st.integers(1, 10)
    output = draw(st.integers(1, 10) | st.tuples(*[sizes] * rank))
    shape = (channels, *spatial) if convention == "torch" else (*spatial, channels)
    return dict(kind=draw(st.sampled_from(["avg", "max"])), rank=rank, shape=shape, output=output)


def program(c, convention=None) -> str:
    return model_source([c["shape"]], call(f"adaptive_{c['kind']}_pool{c['rank']}d", c["output"]))


# what these generators draw, for tests/test_live_coverage.py
DRAWN = [Drawn("adaptive pooling", pools, program)]


def _check(c, convention, report):
    source = program(c)
    net = symparams.parse(source).model(convention=convention)
    assert int(net.params) == report.params == 0
    assert tuple(int(d) for d in net.output_shape) == report.output_shape
    assert int(net.macs) == 0


@given(pools("torch"))
def test_adaptive_pool_matches_torch(c):
    import torch

    cls = getattr(torch.nn, {"avg": "AdaptiveAvgPool", "max": "AdaptiveMaxPool"}[c["kind"]] + f"{c['rank']}d")
    _check(c, "torch", torch_report(lambda: cls(c["output"]), [c["shape"]]))


@given(pools("keras"))
def test_adaptive_pool_matches_keras(c):
    import keras

    cls = getattr(keras.layers, {"avg": "AdaptiveAveragePooling", "max": "AdaptiveMaxPooling"}[c["kind"]]
                  + f"{c['rank']}D")
    _check(c, "keras", keras_report(lambda: cls(c["output"]), [c["shape"]]))


ALEXNET = ALEXNET_TEMPLATE.format(pool="adaptive_avg_pool2d(6)")


def _alexnet():
    """torchvision.models.AlexNet's layers, in its order."""
    from torch import nn

    features = nn.Sequential(
        nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2))
    classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
                               nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000))
    return nn.Sequential(features, nn.AdaptiveAvgPool2d((6, 6)), nn.Flatten(), classifier)


def _forward_macs(model, size):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.randn(1, 3, size, size))
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("size", [224, 199])
def test_alexnet_at_224_and_199(size):
    """61,100,840 at any input size: before adaptive pooling the formula was right only at 224
    (at 199 the map is 5x5 and a plain flatten gives 49,566,504)."""
    model = _alexnet().eval()
    report = torch_report(lambda: model, [(3, size, size)])
    assert report.params == ALEXNET_PARAMS == 61_100_840
    net = symparams.parse(ALEXNET).model(convention="torch", values={"H": size, "W": size}).with_defaults()
    assert int(net.params) == report.params
    assert tuple(int(d) for d in net.output_shape) == report.output_shape == (1000,)
    pooled = next(r for r in net.layers if r.type == "adaptive_avg_pool2d")
    assert tuple(int(d) for d in pooled.output_shape) == (256, 6, 6)
    assert int(net.macs) == _forward_macs(model, size)
