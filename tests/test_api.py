"""The Python API of LANGUAGE.md §11, line by line."""
import pytest
import sympy

import symparams
from support import EXAMPLES

C, H, W, f, k, n = sympy.symbols("C H W f k n", integer=True, positive=True)
TEXT = (EXAMPLES / "resnet.arch").read_text()


def test_parse_and_load_give_the_same_program():
    assert symparams.parse(TEXT).models == symparams.load(EXAMPLES / "resnet.arch").models == ["Tiny", "TinyResNet"]


def test_model_figures_are_sympy_expressions():
    net = symparams.parse(TEXT).model("Tiny")
    for figure in (net.params, net.trainable, net.non_trainable, net.buffers, net.macs):
        assert isinstance(figure, sympy.Expr)
    assert sympy.expand(net.params - (f * (C * k**2 + 1) + n * (f * k**2 + 1))) == 0
    assert net.output_shape == (H - 2 * k + 2, W - 2 * k + 2, n)
    # conv2d(f, k) on (H, W, C), then conv2d(n, k) on f channels: C*f*k**2 and f*n*k**2 products per position
    macs = C * f * k**2 * (H - k + 1) * (W - k + 1) + f * n * k**2 * (H - 2 * k + 2) * (W - 2 * k + 2)
    assert sympy.expand(net.macs - macs) == 0
    assert sympy.expand(net.flops - 2 * macs) == 0


def test_layer_rows_and_weights():
    net = symparams.parse(TEXT).model("Tiny")
    row = net.layers[1]
    assert (row.name, row.type, row.output_shape) == ("conv2d", "conv2d", (H - k + 1, W - k + 1, f))
    assert row.params == f * (C * k**2 + 1)
    assert (row.weights[0].name, row.weights[0].shape, row.weights[0].trainable) == ("kernel", (k, k, C, f), True)


def test_torch_convention_names_weights_as_pytorch_does():
    net = symparams.parse(TEXT).model("Tiny", convention="torch")
    assert [w.name for w in net.layers[1].weights] == ["weight", "bias"]
    assert net.layers[1].weights[0].shape == (f, C, k, k)


def test_subs_gives_a_new_result():
    net = symparams.parse(TEXT).model("Tiny")
    small = net.subs(H=32, W=32, C=3, n=16, k=3, f=8)
    assert small.params == 8 * (3 * 9 + 1) + 16 * (8 * 9 + 1)
    assert small.output_shape == (28, 28, 16)
    assert net.params.free_symbols                     # the original is unchanged
    assert net.subs({"k": 3}).layers[1].weights[0].shape == (3, 3, C, f)


def test_latex():
    net = symparams.parse(TEXT).model("Tiny")
    assert symparams.latex(net.layers[-1].params) == "n \\left(f k^{2} + 1\\right)"
    assert symparams.latex(sympy.Symbol("d_model")) == "d_{\\mathrm{model}}"


def test_eval_layer():
    assert symparams.eval_layer("conv2d(n, k)", input=("H", "W", "f")).params == n * (f * k**2 + 1)
    torch = symparams.eval_layer("conv2d(16, 3)", input=(6, 5, 10), convention="torch")
    assert (torch.params, torch.output_shape) == (880, (16, 3, 8))


def test_with_defaults():
    net = symparams.load(EXAMPLES / "resnet50.arch").model()
    assert net.with_defaults().params == 25636712


def test_resnet50_params_do_not_depend_on_the_image_size():
    # shared/oracle: 25,636,712 total and 53,120 non-trainable for keras.applications.ResNet50
    net = symparams.load(EXAMPLES / "resnet50.arch").model(values={"classes": 1000})
    assert net.params == 25636712 and net.non_trainable == 53120
    assert not {s.name for s in net.params.free_symbols}
    assert {"H", "W"} <= set(net.symbols)                # the shapes still depend on them
    assert net.subs(H=160, W=96).params == 25636712


def test_vgg16_at_224():
    # shared/oracle: keras.applications.VGG16(weights=None) has 138,357,544 parameters
    net = symparams.load(EXAMPLES / "vgg16.arch").model(defaults=True)
    assert net.params == 138357544
    assert net.output_shape == (1000,)


def test_repr_is_short():
    net = symparams.parse(TEXT).model("Tiny")
    assert repr(net).startswith("<ModelResult Tiny (keras): params=")


@pytest.mark.parametrize("call", [
    lambda net: net.simplify("subs"),
    lambda net: net.diff("L", figure="param"),
    lambda net: net.solve("d", weights=10**9),
    lambda net: net.sweep(figures=("params", "size"), d="64:128:64"),
])
def test_an_unknown_figure_name_is_refused_with_the_known_ones(call):
    net = symparams.parse("model M(L, d):\n    input (d,)\n    repeat L: dense(d)\n").model()
    with pytest.raises(ValueError, match="choose from params, trainable, non_trainable, buffers, active_params, macs, flops"):
        call(net)
