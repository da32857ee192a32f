"""parameter(SHAPE) and the merges it feeds, through the API, without keras or torch.

The figures are derived here: a learned tensor of shape s holds prod(s) values and is the
same for every example, so a merge treats it like any per-example tensor (shapes here
have no batch axis): elementwise merges broadcast by NumPy's rule, concatenate joins one
axis. tests/oracle/test_live_learned.py asks live PyTorch and Keras.
"""
import pytest
import sympy

import symparams
from symparams import SymparamsError

N, d, H, W = sympy.symbols("N d H W", integer=True, positive=True)


def model(body, inp, convention="keras", params="N, d, H, W"):
    lines = "".join(f"    {line}\n" for line in body.split("\n"))
    return symparams.parse(f"model M({params}):\n    input x {inp}\n{lines}").model(convention=convention)


def weights(net, kind="parameter"):
    return [(w.name, tuple(w.shape), w.trainable) for r in net.layers if r.type == kind for w in r.weights]


@pytest.mark.parametrize("convention", ["keras", "torch"])
@pytest.mark.parametrize("body, inp, shape, params, weight", [
    # ViT: the class token joins the patches on the sequence axis: (N, d) -> (N + 1, d), d params
    ('cls = parameter((1, d), name="class_token")\nx -> concatenate(cls, axis=1)', "(N, d)",
     (N + 1, d), d, [("class_token", (1, d), True)]),
    ('cls = parameter((1, d), name="class_token")\ncls -> concatenate(x, axis=1)', "(N, d)",
     (N + 1, d), d, [("class_token", (1, d), True)]),
    # ViT's position table, added to the N + 1 tokens: (N + 1)*d values
    ('pos = parameter((N + 1, d), name="pos_embedding")\nadd(pos)', "(N + 1, d)",
     (N + 1, d), (N + 1) * d, [("pos_embedding", (N + 1, d), True)]),
    # ConvNeXt's layer scale, one value per channel stretched over the map
    ('g = parameter((d, 1, 1), name="layer_scale")\nmultiply(g)', "(d, H, W)",
     (d, H, W), d, [("layer_scale", (d, 1, 1), True)]),
    ('g = parameter(d, name="gamma")\nmultiply(g)', "(H, W, d)",
     (H, W, d), d, [("gamma", (d,), True)]),
    # frozen: Whisper's sinusoidal table
    ('pos = parameter((N, d), trainable=false, name="embed_positions")\nadd(pos)', "(N, d)",
     (N, d), N * d, [("embed_positions", (N, d), False)]),
    # two learned tensors: 2*3*d and d
    ('a = parameter((2, 3, d))\nb = parameter(d)\na -> add(b)', "(N, d)",
     (2, 3, d), 7 * d, [("parameter", (2, 3, d), True), ("parameter_1", (d,), True)]),
])
def test_parameter_table(body, inp, shape, params, weight, convention):
    net = model(body, inp, convention)
    assert net.output_shape == shape
    assert sympy.expand(net.params - params) == 0
    assert weights(net) == weight
    assert net.macs == 0
    frozen = sum((sympy.Mul(*w[1]) for w in weight if not w[2]), sympy.Integer(0))
    assert sympy.expand(net.non_trainable - frozen) == 0


def test_parameter_takes_the_layout_of_the_map_it_meets():
    """A layout-free learned tensor first in a merge: the result is still a channels-first map,
    reported in Keras's layout under --convention keras."""
    src = ("layout channels_first\nmodel M(d, H, W):\n    input x (d, H, W)\n"
           "    g = parameter((d, 1, 1))\n    g -> multiply(x)\n    conv2d(4, 1)\n")
    keras = symparams.parse(src).model(convention="keras")
    assert keras.output_shape == (H, W, 4)
    assert sympy.expand(keras.params - (d + 4 * d + 4)) == 0


@pytest.mark.parametrize("body, inp, words", [
    ('p = parameter((1, 1, d))\nconcatenate(p, axis=1)', "(N, d)",
     ["different ranks", "no batch axis", "(1, d)"]),
    ('p = parameter((2, d))\nconcatenate(p, axis=2)', "(N, d)", ["other axes differ"]),
    ('p = parameter((3, 1))\nadd(p)', "(N, d)", ["cannot add", "(3, 1)", "neither is 1"]),
    ('p = parameter((0, d))', "(N, d)", ["expected a size (a positive whole number), found 0"]),
    ('p = parameter("d")', "(N, d)", ["a tuple of sizes"]),
])
def test_parameter_errors(body, inp, words):
    with pytest.raises(SymparamsError) as err:
        model(body, inp, params="N, d")
    message = str(err.value)
    assert all(word in message for word in words), message
