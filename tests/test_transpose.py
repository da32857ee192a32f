"""conv1d/2d/3d_transpose through the API, without keras or torch.

The figures come from PyTorch's documented ConvTranspose output size and from Keras's
rule in keras/src/backend/common/backend_utils.py (_get_output_shape_given_tf_padding),
both written out here. tests/oracle/test_live_transpose.py asks the live frameworks.
"""
import re

import pytest
import sympy

import symparams
from symparams import SymparamsError
from symparams.errors import ConventionError


C, D, H, W, f, k, s, p, d, o, g = sympy.symbols("C D H W f k s p d o g", integer=True, positive=True)


def model(body, inp, convention="keras", params="C, D, H, W, f, k, s, p, d, o, g"):
    src = f"model M({params}):\n    input {inp}\n    {body}\n"
    return symparams.parse(src).model(convention=convention)


def same(a, b):
    return sympy.simplify(sympy.sympify(a) - sympy.sympify(b)) == 0


def shapes(net):
    return [(wt.name, tuple(sympy.sympify(x) for x in wt.shape)) for wt in net.layers[-1].weights]


# ---- the output-size formulas as symbolic identities -------------------------------------

def test_torch_documented_output_size():
    # PyTorch's ConvTranspose2d docs: H_out = (H_in - 1)*stride - 2*padding
    #                                        + dilation*(kernel_size - 1) + output_padding + 1
    net = model("conv2d_transpose(f, k, stride=s, padding=p, dilation=d, output_padding=o)", "(C, H, W)", "torch")
    c_out, h_out, w_out = net.output_shape
    assert same(c_out, f)
    assert same(h_out, (H - 1) * s - 2 * p + d * (k - 1) + o + 1)
    assert same(w_out, (W - 1) * s - 2 * p + d * (k - 1) + o + 1)
    assert shapes(net) == [("weight", (C, f, k, k)), ("bias", (f,))]
    assert same(net.params, C * f * k ** 2 + f)


def test_torch_groups_split_the_filters():
    net = model("conv3d_transpose(f*g, k, groups=g, bias=false)", "(C*g, D, H, W)", "torch")
    assert shapes(net) == [("weight", (C * g, f, k, k, k))]
    # MACs: input positions * kernel volume * (C/groups) * filters
    assert same(net.macs, D * H * W * k ** 3 * C * f * g)


def test_keras_valid_output_size():
    # Keras: (L - 1)*s + max(K, s) with K = d*(k - 1) + 1, with no output_padding
    net = model("conv2d_transpose(f, k, strides=s)", "(H, W, C)")
    assert same(net.output_shape[0], (H - 1) * s + sympy.Max(k, s))
    assert shapes(net) == [("kernel", (k, k, f, C)), ("bias", (f,))]
    net = model("conv1d_transpose(f, k, dilation_rate=d)", "(H, C)")
    assert same(net.output_shape[0], H - 1 + d * (k - 1) + 1)
    net = model("conv1d_transpose(f, k, strides=s, output_padding=o)", "(H, C)")
    assert same(net.output_shape[0], (H - 1) * s + k + o)


def test_keras_same_output_size():
    # Keras "same": L*s, or (L - 1)*s + K%2 + output_padding when output_padding is given
    net = model('conv2d_transpose(f, k, strides=s, padding="same")', "(H, W, C)")
    assert same(net.output_shape[0], H * s) and same(net.output_shape[1], W * s)
    net = model('conv1d_transpose(f, 4, strides=3, padding="same", output_padding=2)', "(H, C)")
    assert same(net.output_shape[0], (H - 1) * 3 + 0 + 2)
    net = model('conv1d_transpose(f, 5, strides=3, padding="same", output_padding=2)', "(H, C)")
    assert same(net.output_shape[0], (H - 1) * 3 + 1 + 2)


def test_keras_stride_beyond_kernel():
    # the torch backend adds max(K, s) - K = 3 positions after a kernel of 2 with stride 5
    net = model("conv1d_transpose(4, 2, strides=5)", "(7, 3)")
    assert net.output_shape == (6 * 5 + 5, 4)


def test_macs():
    net = model("conv2d_transpose(f, k, strides=s)", "(H, W, C)")
    assert same(net.macs, H * W * k ** 2 * C * f)


# ---- each framework's rules -------------------------------------------------------------

@pytest.mark.parametrize("body, inp, convention, reason", [
    # Keras: output_padding < strides, and its meaning goes with "valid"/"same" in both conventions
    ("conv1d_transpose(4, 3, strides=2, output_padding=2)", "(1, 4)", "keras", "smaller than strides"),
    ('conv1d_transpose(4, 3, strides=2, padding="same", output_padding=2)', "(4, 1)", "torch",
     "smaller than strides"),
    # PyTorch: output_padding < stride or dilation, with integer padding in both conventions
    ("conv1d_transpose(4, 3, strides=2, padding=0, output_padding=2)", "(4, 1)", "torch", "stride or the dilation"),
    ("conv1d_transpose(4, 3, strides=2, padding=0, output_padding=2)", "(1, 4)", "keras", "stride or the dilation"),
    # Keras: no strides > 1 with dilation > 1, even on different axes
    ("conv2d_transpose(4, 3, strides=(2, 1), dilation_rate=(1, 2))", "(1, 1, 4)", "keras", "dilation_rate > 1"),
    ("conv1d_transpose(4, 3, groups=2)", "(1, 4)", "keras", "no groups"),
    ("conv1d_transpose(4, 3, groups=3)", "(4, 1)", "torch", "must divide the 4 input channels"),
    ("conv1d_transpose(4, 2, padding=3)", "(4, 1)", "torch", "is -4, which is not positive"),    # 0 - 6 + 1 + 1
    ('conv1d_transpose(4, 2, padding="same", output_padding=0)', "(1, 4)", "keras", "is 0, which"),  # 0 + 0 + 0
])
def test_refused(body, inp, convention, reason):
    with pytest.raises(SymparamsError, match=re.escape(reason)):
        model(body, inp, convention, params="")


def test_keras_same_with_unit_stride_and_even_kernel_has_no_torch_layer():
    # PyTorch gives (L-1) - 2p + 2 + op with op < 1: never L, which Keras's "same" gives
    with pytest.raises(ConventionError, match="no PyTorch ConvTranspose"):
        model('conv1d_transpose(4, 2, padding="same")', "(3, 5)", "torch", params="")


def test_torch_padding_keras_cannot_reach():
    # kernel 3, stride 1, padding 2: L - 2; Keras gives L + 2 ("valid") or L ("same")
    with pytest.raises(ConventionError, match="no Keras padding"):
        model("conv1d_transpose(4, 3, padding=2)", "(5, 3)", "keras", params="")


def test_torch_arguments_in_keras_convention():
    # the DCGAN upsampler: kernel 4, stride 2, padding 1 doubles the length, as Keras's "same"
    net = model("ConvTranspose2d(3, 8, 4, stride=2, padding=1)", "(5, 6, 3)", "keras", params="")
    assert net.output_shape == (10, 12, 8)
    assert shapes(net) == [("kernel", (4, 4, 8, 3)), ("bias", (8,))]


def test_keras_arguments_in_torch_convention():
    # kernel 3, stride 2, "same": 2L, as ConvTranspose2d(padding=1, output_padding=1)
    net = model('conv2d_transpose(8, 3, strides=2, padding="same")', "(3, 5, 6)", "torch", params="")
    assert net.output_shape == (8, 10, 12)
    assert shapes(net) == [("weight", (3, 8, 3, 3)), ("bias", (8,))]


def test_rules_on_symbols_are_checked_by_subs():
    net = model("conv1d_transpose(f, 3, strides=2, padding=0, output_padding=o)", "(C, H)", "torch")
    assert net.subs(o=1).output_shape[1] == (H - 1) * 2 + 2 + 1 + 1
    with pytest.raises(SymparamsError, match="output_padding"):
        net.subs(o=2)
    net = model("conv1d_transpose(f, 3, strides=s, dilation_rate=d)", "(H, C)")
    assert net.subs(s=2, d=1).output_shape[0] == (H - 1) * 2 + 3
    with pytest.raises(SymparamsError, match="dilation_rate"):
        net.subs(s=2, d=2)


def test_names_and_aliases():
    # PyTorch's ConvTranspose2d takes in_channels first (its positional order)
    for call in ("Conv2DTranspose(8, 3)", "Convolution2DTranspose(8, 3)", "ConvTranspose2d(3, 8, 3)",
                 "conv2d_transpose(8, 3)"):
        net = model(call, "(5, 6, 3)", params="")
        assert net.layers[-1].type == "conv2d_transpose"
        assert net.output_shape == (7, 8, 8)
    net = model("ConvTranspose1d(in_channels=3, out_channels=8, kernel_size=3, bias=false)", "(3, 5)", "torch",
                params="")
    assert shapes(net) == [("weight", (3, 8, 3))]
    with pytest.raises(SymparamsError, match="in_channels"):
        model("ConvTranspose1d(in_channels=4, out_channels=8, kernel_size=3)", "(3, 5)", "torch", params="")
