"""Adaptive pooling through the API: the output size is given, the channels stay, no
weights, no MACs. AlexNet's figures are derived here layer by layer.
tests/oracle/test_live_adaptive_pool.py asks live PyTorch and Keras."""
import pytest
import sympy

import symparams
from symparams import SymparamsError
from symparams.errors import ConventionError

C, L, D, H, W = sympy.symbols("C L D H W", integer=True, positive=True)


def model(body, inp, convention="keras"):
    return symparams.parse(f"model M(C, L, D, H, W):\n    input {inp}\n    {body}\n").model(convention=convention)


@pytest.mark.parametrize("body, inp, convention, shape", [
    ("adaptive_avg_pool2d(7)", "(H, W, C)", "keras", (7, 7, C)),
    ("adaptive_avg_pool2d(7)", "(C, H, W)", "torch", (C, 7, 7)),
    ("adaptive_max_pool2d((2, 3))", "(C, H, W)", "torch", (C, 2, 3)),
    ("adaptive_avg_pool2d((none, 7))", "(C, H, W)", "torch", (C, H, 7)),     # none keeps the axis
    ("AdaptiveAvgPool1d(4)", "(C, L)", "torch", (C, 4)),
    ("AdaptiveMaxPooling1D(4)", "(L, C)", "keras", (4, C)),
    ("adaptive_avg_pool3d((1, 2, 3))", "(D, H, W, C)", "keras", (1, 2, 3, C)),
    ("AdaptiveMaxPool3d((none, 2, none))", "(C, D, H, W)", "torch", (C, D, 2, W)),
    ("adaptive_avg_pool2d(2 * C)", "(C, H, W)", "torch", (C, 2 * C, 2 * C)),    # may exceed the input
])
def test_adaptive_pool_shapes(body, inp, convention, shape):
    net = model(body, inp, convention)
    assert net.output_shape == shape
    assert net.params == 0 and net.macs == 0


ALEXNET = """
layout channels_first
model AlexNet(H, W, classes=1000):
    input (3, H, W)
    conv2d(64, 11, strides=4, padding=2) -> relu -> max_pool2d(3, strides=2)
    conv2d(192, 5, padding=2) -> relu -> max_pool2d(3, strides=2)
    conv2d(384, 3, padding=1) -> relu
    conv2d(256, 3, padding=1) -> relu
    conv2d(256, 3, padding=1) -> relu -> max_pool2d(3, strides=2)
    {pool}
    flatten
    dropout(0.5) -> dense(4096) -> relu
    dropout(0.5) -> dense(4096) -> relu
    dense(classes)
"""
# conv 3*64*11*11 + 64, 64*192*5*5 + 192, 192*384*9 + 384, 384*256*9 + 256, 256*256*9 + 256;
# dense 256*6*6*4096 + 4096, 4096*4096 + 4096, 4096*1000 + 1000
ALEXNET_PARAMS = (23_296 + 307_392 + 663_936 + 884_992 + 590_080
                  + 37_752_832 + 16_781_312 + 4_097_000)


@pytest.mark.parametrize("convention", ["keras", "torch"])
@pytest.mark.parametrize("size, pool, params", [
    (224, "adaptive_avg_pool2d(6)", ALEXNET_PARAMS),        # 61,100,840, torchvision's count
    (199, "adaptive_avg_pool2d(6)", ALEXNET_PARAMS),        # the map is 5x5 here; pooled to 6x6 all the same
    (224, "identity", ALEXNET_PARAMS),                      # at 224 the map is 6x6 already
    # without adaptive pooling at 199: 256*5*5 inputs to the first dense
    (199, "identity", ALEXNET_PARAMS - 37_752_832 + 256 * 25 * 4096 + 4096),
])
def test_alexnet(size, pool, params, convention):
    net = symparams.parse(ALEXNET.format(pool=pool)).model(
        convention=convention, values={"H": size, "W": size}).with_defaults()
    assert int(net.params) == params
    assert ALEXNET_PARAMS == 61_100_840 and params in (61_100_840, 49_566_504)


def test_alexnet_is_one_formula_in_the_input_size():
    net = symparams.parse(ALEXNET.format(pool="adaptive_avg_pool2d(6)")).model(convention="torch").with_defaults()
    assert net.params == 61_100_840          # no H or W left in the count


@pytest.mark.parametrize("body, inp, convention, error, words", [
    ("adaptive_avg_pool2d(0)", "(C, H, W)", "torch", SymparamsError,
     ["output_size", "expected a size (a positive whole number), found 0"]),
    ("adaptive_avg_pool2d((1, 2, 3))", "(C, H, W)", "torch", SymparamsError, ["a tuple of 2 sizes", "(1, 2, 3)"]),
    ("adaptive_avg_pool1d((none,))", "(C, L)", "torch", SymparamsError, ["a tuple of 1 sizes"]),
    ("adaptive_avg_pool2d((none, 7))", "(H, W, C)", "keras", ConventionError,
     ["keras convention cannot express", "AdaptiveAveragePooling2D", "none"]),
    ("adaptive_max_pool2d(2)", "(C, L)", "torch", SymparamsError, ["rank 3"]),
    ("adaptive_avg_pool2d", "(C, H, W)", "torch", SymparamsError, ["missing", "output_size"]),
])
def test_adaptive_pool_errors(body, inp, convention, error, words):
    with pytest.raises(error) as err:
        model(body, inp, convention)
    message = str(err.value)
    assert all(word in message for word in words), message
