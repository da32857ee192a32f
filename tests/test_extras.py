"""prelu and resizing through the API, without keras or torch (the recorded cases run in
tests/test_oracle_cases.py).

The figures are written out here from each framework's documented behaviour:
Keras's PReLU has one alpha per input element, 1 along each shared axis; PyTorch's
nn.PReLU(num_parameters) one weight per channel (dim 1) or one in all; Keras's
Resizing(height, width) and nn.Upsample(size=...) keep the channels and take the size.
tests/oracle/test_live_extras.py asks the live frameworks.
"""
import re

import pytest
import sympy

import symparams
from symparams import SymparamsError
from symparams.errors import ConventionError


C, H, W, T, V, d, h, w, n = sympy.symbols("C H W T V d h w n", integer=True, positive=True)


def model(body, inp, convention="keras", params="C, H, W, T, V, d, h, w, n"):
    src = f"model M({params}):\n    input {inp}\n    {body}\n"
    return symparams.parse(src).model(convention=convention)


def shapes(net):
    return [(wt.name, tuple(sympy.sympify(x) for x in wt.shape)) for wt in net.layers[-1].weights]


# ---- prelu --------------------------------------------------------------------------------

@pytest.mark.parametrize("body, alpha", [
    ("prelu", (H, W, C)),                          # one alpha per element
    ("prelu(shared_axes=(1, 2))", (1, 1, C)),
    ("prelu(shared_axes=3)", (H, W, 1)),
    ("prelu(shared_axes=-1)", (H, W, 1)),          # negative axes count from the end (LANGUAGE.md §7)
    ("prelu(shared_axes=(-3, -2))", (1, 1, C)),
    ("prelu(num_parameters=C)", (1, 1, C)),        # PyTorch's per-channel slope, as Keras shares it
    ("prelu(num_parameters=1)", (1, 1, 1)),        # PyTorch's single slope
    ("prelu(shared_axes=(1, 2), num_parameters=C)", (1, 1, C)),
])
def test_prelu_keras(body, alpha):
    net = model(body, "(H, W, C)")
    assert shapes(net) == [("alpha", alpha)]
    assert net.output_shape == (H, W, C)
    assert net.macs == 0


@pytest.mark.parametrize("body, weight", [
    ("prelu", (1,)),                               # nn.PReLU(): one weight
    ("prelu(num_parameters=C)", (C,)),
    ("PReLU(num_parameters=1)", (1,)),
    ("prelu(shared_axes=(2, 3))", (C,)),           # Keras's spelling of one slope per channel
    ("prelu(shared_axes=(1, 2, 3))", (1,)),
])
def test_prelu_torch(body, weight):
    net = model(body, "(C, H, W)", "torch")
    assert shapes(net) == [("weight", weight)]
    assert net.output_shape == (C, H, W)


def test_prelu_torch_channel_axis_of_a_keras_layout_file():
    # the same network in PyTorch takes (C, H, W): one weight per channel
    src = "layout channels_last\nmodel M(C, H, W):\n    input (H, W, C)\n    prelu(num_parameters=C)\n"
    net = symparams.parse(src).model(convention="torch")
    assert shapes(net) == [("weight", (C,))]
    assert net.output_shape == (C, H, W)


def test_prelu_on_a_layout_free_tensor_has_channels_last():
    # as batch_norm and conv1d read a sequence (T, d) in the torch convention: d channels
    src = "model M(T, V, d):\n    input tokens (T)\n    embedding(V, d) -> prelu(num_parameters=d)\n"
    net = symparams.parse(src).model(convention="torch")
    assert shapes(net) == [("weight", (d,))]
    src = "model M(C, H, W):\n    input (C*H*W,)\n    reshape((H, W, C)) -> prelu(shared_axes=(1, 2))\n"
    assert shapes(symparams.parse(src).model(convention="torch")) == [("weight", (C,))]
    assert shapes(symparams.parse(src).model(convention="keras")) == [("alpha", (1, 1, C))]


@pytest.mark.parametrize("body, convention, error, reason", [
    ("prelu(shared_axes=(2,))", "torch", ConventionError, "one weight or one per channel"),
    ("prelu(shared_axes=(1, 2))", "torch", ConventionError, "one weight or one per channel"),
    ("prelu(num_parameters=4)", "torch", SymparamsError, "num_parameters must be 1 or the number of channels"),
    ("prelu(num_parameters=4)", "keras", SymparamsError, "num_parameters must be 1 or the number of channels"),
    ("prelu(shared_axes=(1, 2), num_parameters=1)", "keras", SymparamsError, "describe different slopes"),
    ("prelu(shared_axes=4)", "keras", SymparamsError, "out of range"),
    ("prelu(5)", "keras", SymparamsError, "positional"),
])
def test_prelu_refused(body, convention, error, reason):
    inp = "(6, 7, 5)" if convention == "keras" else "(5, 6, 7)"
    with pytest.raises(error, match=re.escape(reason)):
        model(body, inp, convention, params="")


def test_prelu_number_against_symbolic_channels_is_checked_by_subs():
    net = model("prelu(num_parameters=64)", "(C, H, W)", "torch")
    assert shapes(net) == [("weight", (64,))]
    assert net.subs(C=64).params == 64
    with pytest.raises(SymparamsError, match="num_parameters=64"):
        net.subs(C=65)


# ---- resizing ------------------------------------------------------------------

@pytest.mark.parametrize("body", ["resizing(h, w)", "Resizing(h, w, interpolation=\"nearest\")",
                                  "resizing(size=(h, w))", "resizing(h, w, crop_to_aspect_ratio=true)",
                                  "resizing(h, w, pad_to_aspect_ratio=true)"])
def test_resizing(body):
    net = model(body, "(H, W, C)")
    assert net.output_shape == (h, w, C)
    assert net.params == 0 and net.macs == 0 and shapes(net) == []
    net = model(body, "(C, H, W)", "torch")
    assert net.output_shape == (C, h, w)


@pytest.mark.parametrize("body, inp, reason", [
    ("resizing(5, 7)", "(9, 10)", "rank 3"),
    ("resizing(5)", "(9, 10, 3)", "needs height and width"),
    ("resizing(5, 7, size=(5, 7))", "(9, 10, 3)", "not both"),
    ("resizing(5, 7, crop_to_aspect_ratio=true, pad_to_aspect_ratio=true)", "(9, 10, 3)", "only one of"),
    ("resizing(0, 7)", "(9, 10, 3)", "argument 'height': expected a size (a positive whole number), found 0"),
])
def test_resizing_refused(body, inp, reason):
    with pytest.raises(SymparamsError, match=re.escape(reason)):
        model(body, inp, params="")


def test_pytorch_spelling_of_resizing():
    # nn.Upsample(size=(h, w)) is PyTorch's Resizing; `Upsample` itself is declared in conv.py
    for body in ("Upsample(size=(h, w))", "resizing(size=(h, w))", 'resizing(size=(h, w), mode="bilinear")'):
        assert model(body, "(C, H, W)", "torch").output_shape == (C, h, w)
