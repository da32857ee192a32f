"""Every worked number in the seed documents (shared/seeds), through examples/seeds.arch.
Each expected figure is quoted from the seed text, or derived by hand in the comment."""
import pytest
import sympy

import symparams
from support import EXAMPLES

SEEDS = symparams.load(EXAMPLES / "seeds.arch")
T, d, H, W, f, n, k = sympy.symbols("T d H W f n k", integer=True, positive=True)

# model, convention, figure, expected, source of the figure
TOTALS = [
    ("ConvOneFilter", "keras", "params", 10, "seed 000: 10 (3x3+1)"),
    ("ConvTenFilters", "keras", "params", 100, "seed 000: 10 filters -> 10(3x3+1)"),
    ("ConvGeneral", "keras", "params", n * (f * k**2 + 1), "seed 004: n*(f*k*k+1)"),
    ("TwoConvs", "keras", "params", 4800, "seed 004: 160 + 4640"),
    ("KernelShapes", "keras", "params", 11 * 11 * 8 + 8 + 7 * 7 * 8 * 16 + 16, "seed 004: kernels 11x11x1x8, 7x7x8x16"),
    ("BatchNormOn32", "keras", "params", 128, "seed 001: 32 * 4 = 128"),
    ("BatchNormOn32", "keras", "trainable", 64, "seed 001: only 128/2 = 64 are trainable"),
    ("BatchNormOn32", "keras", "non_trainable", 64, "seed 001: moving_mean, moving_variance"),
    ("Separable64On32", "keras", "params", 2400, "seed 001: 288 + 2048 + 64"),
    ("DepthwiseThenPointwise64On32", "keras", "params", 2432, "seed 001: with the depthwise bias, 2432"),
    ("Separable100On10", "keras", "params", 1350, "seed 000: SeparableConv2D(100, 5) on 10 ch"),
    ("DepthwiseThenPointwise100On10", "keras", "params", 1360, "seed 000: DepthwiseConv2D + Conv2D"),
    ("DepthwiseSeparable7x7x3", "keras", "params", 38, "seed 001: 30 + 8 = 38"),
    ("Conv1DOn25", "keras", "params", 8064, "seed 003: Conv1D count_params() 8064"),
    ("Conv2DOn25", "keras", "params", 14464, "seed 003: Conv2D count_params() 14464"),
    ("Embedding28x25", "keras", "params", 700, "seed 003: Embedding count_params() 700"),
    ("Dense128", "keras", "params", 16512, "seed 003: Dense 128 -> 128: 16512"),
    ("TorchConv6to16", "torch", "params", 864 + 16, "seed 004: torch.numel(conv.weight) 864, plus 16 biases"),
    ("LSTMUnits", "keras", "params", 4 * (10 * (d + 10) + 10), "Keras LSTM: 4 gates of (d + u)*u + u"),
    ("LSTMUnits", "torch", "params", 4 * 10 * (d + 10) + 8 * 10, "PyTorch LSTM: b_ih and b_hh, 4u each"),
    ("NoParameters", "keras", "params", 0, "seed 000/002: activations and dropout have no parameters"),
]


@pytest.mark.parametrize("model, convention, figure, expected, why", TOTALS,
                         ids=[f"{m}-{c}-{fig}" for m, c, fig, *_ in TOTALS])
def test_seed_totals(model, convention, figure, expected, why):
    net = SEEDS.model(model, convention=convention)
    assert sympy.expand(getattr(net, figure) - expected) == 0, why


# model, convention, [(layer params, weight shapes)], output shape
LAYERS = [
    ("TwoConvs", "keras", [(160, [(3, 3, 1, 16), (16,)]), (4640, [(3, 3, 16, 32), (32,)])], (28, 28, 32)),
    ("KernelShapes", "keras", [(976, [(11, 11, 1, 8), (8,)]), (6288, [(7, 7, 8, 16), (16,)])], (85, 85, 16)),
    # seed 004: a 10(w) x 5(h) x 6(c) image, Conv2d(6, 16, 3) -> 8 x 3 x 16; PyTorch reports (C, H, W).
    ("TorchConv6to16", "torch", [(880, [(16, 6, 3, 3), (16,)])], (16, 3, 8)),
]


@pytest.mark.parametrize("model, convention, layers, output", LAYERS, ids=[m for m, *_ in LAYERS])
def test_seed_layers(model, convention, layers, output):
    net = SEEDS.model(model, convention=convention)
    rows = [r for r in net.layers if r.weights]
    assert [(r.params, [w.shape for w in r.weights]) for r in rows] == layers
    assert net.output_shape == output


def test_separable_conv_has_no_depthwise_bias():
    # seed 000: "SeparableConv2D does not use bias in depthwise phase by default"
    weights = [w.name for w in SEEDS.model("Separable100On10").layers[-1].weights]
    assert weights == ["depthwise_kernel", "pointwise_kernel", "bias"]


def test_adding_mismatched_shapes_is_an_error_naming_both():
    # seed 001: "Can we add layers of shapes (30,30,64) and (30,30,32)? No"
    with pytest.raises(symparams.ShapeError) as err:
        SEEDS.model("AddMismatch")
    assert "(30, 30, 64)" in str(err.value) and "(30, 30, 32)" in str(err.value)
    assert ":103:" in str(err.value)
