"""The seven bugs a mutation run of issue 16 planted and the suite let through.
Each row is the input where the bug shows, and the figure derived by hand beside it;
each test fails with the bug put back (tools/mutants.txt plants them again)."""
import sympy

import symparams

d, L = sympy.symbols("d L", integer=True, positive=True)


def model(body: str, convention: str = "keras", params: str = ""):
    source = f"model M({params}):\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())
    return symparams.parse(source).model(convention=convention)


def test_grouped_conv_macs_divide_the_channels_by_the_groups():
    # conv2d(8, 3, groups=4) on (10, 10, 8): output (8, 8, 8); each of the 64 positions
    # of each of the 8 filters sees a 3x3 kernel over 8/4 = 2 channels.
    net = model("input (10, 10, 8)\nconv2d(8, 3, groups=4)")
    assert net.output_shape == (8, 8, 8)
    assert net.macs == 8 * 8 * 8 * (3 * 3 * 2) == 9216


def test_separable_conv1d_macs_use_the_1d_kernel_volume():
    # separable_conv1d(4, 3) on (10, 2): output length 8. Depthwise 3*2 per position,
    # pointwise 2*4 per position: 8 * (3*2 + 2*4) = 112 (k**2 would give 8*(9*2 + 8) = 208).
    net = model("input (10, 2)\nseparable_conv1d(4, 3)")
    assert net.output_shape == (8, 4)
    assert net.macs == 8 * (3 * 2 + 2 * 4) == 112


def test_ceil_mode_drops_a_window_that_starts_in_the_right_padding():
    # PyTorch: out = ceil((5 + 2*1 - 2) / 2) + 1 = 4 windows, starting at -1, 1, 3, 5.
    # The last starts at 5 = length + left padding, inside the right padding only, so
    # PyTorch drops it ((out - 1) * stride >= length + padding): 3 windows.
    net = model("input (3, 5)\nmax_pool1d(2, 2, padding=1, ceil_mode=true)", "torch")
    assert net.output_shape == (3, 3)


def test_ceil_mode_keeps_a_window_that_starts_inside_the_input():
    # length 6: ceil((6 + 2 - 2) / 2) + 1 = 4 windows starting at -1, 1, 3, 5; the last
    # starts at 5 < 6 + 1, inside the input, so all 4 stay.
    net = model("input (3, 6)\nmax_pool1d(2, 2, padding=1, ceil_mode=true)", "torch")
    assert net.output_shape == (3, 4)


def test_torch_concatenate_defaults_to_the_channel_axis():
    # torch.cat of two channels-first (3, 8, 8) maps along the channels: (6, 8, 8).
    net = model("input x0 (3, 8, 8)\ninput x1 (3, 8, 8)\nx0 -> concatenate(x1)", "torch")
    assert net.output_shape == (6, 8, 8)


def test_keras_concatenate_defaults_to_the_last_axis():
    net = model("input x0 (8, 8, 3)\ninput x1 (8, 8, 3)\nx0 -> concatenate(x1)", "keras")
    assert net.output_shape == (8, 8, 6)


def test_layer_norm_without_bias_keeps_only_its_weight():
    # nn.LayerNorm(8, elementwise_affine=True, bias=False): weight (8,), no bias.
    net = model("input (3, 8)\nLayerNorm(normalized_shape=8, elementwise_affine=true, bias=false)", "torch")
    assert net.params == 8
    assert [(w.name, w.shape) for w in net.layers[-1].weights] == [("weight", (8,))]


def test_let_layer_inside_a_symbolic_repeat_is_counted_once():
    # LANGUAGE.md: a let layer is "counted once"; dense(d) on (d,) holds d*d + d weights,
    # however many of the L passes reuse it. Its MACs are per pass: L * d * d.
    net = model("input (d,)\nlet shared = dense(d)\nrepeat L:\n    shared", params="L, d")
    assert sympy.expand(net.params - d * (d + 1)) == 0
    assert sympy.expand(net.macs - L * d * d) == 0


def test_let_layer_inside_a_numeric_repeat_is_counted_once():
    net = model("input (4,)\nlet shared = dense(4)\nrepeat 3:\n    shared")
    assert net.params == 4 * 4 + 4
    assert net.macs == 3 * 4 * 4


def test_unary_minus_binds_looser_than_power():
    # -2**2 is -(2**2) = -4, as in Python and in mathematics: 10 - 4 = 6 features.
    net = model("input (-2**2 + 10,)\ndense(1)")
    assert net.layers[0].output_shape == (6,)
    assert net.params == 6 + 1


def test_let_layer_inside_a_stage_repeat_is_counted_once():
    # A stage repeat of S passes over (d,): the shared dense(d) holds d*(d+1) once; the
    # unshared dense(d) beside it holds d*(d+1) per pass. MACs: 2 products of d*d per pass.
    S = sympy.Symbol("S", integer=True, positive=True)
    net = model("input (d,)\nlet shared = dense(d)\nrepeat S as i, input (d,):\n    shared\n    dense(d)",
                params="S, d")
    assert sympy.expand(net.params - (d * (d + 1) + S * d * (d + 1))) == 0
    assert sympy.expand(net.macs - 2 * S * d * d) == 0
