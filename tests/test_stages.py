"""Stage repeats (LANGUAGE.md §6): `repeat S as i, input (...)` states iteration i's
input, symparams checks that iteration i's output is iteration i+1's input, and the
sums over i come out in closed form. Expected figures are derived by hand below."""
import pytest
import sympy

import symparams
from symparams.errors import ConstraintError, ParseError, ShapeError
from symparams.printers.latex import latex
from symparams.printers.present import display_rows
from symparams.text import expr_text
from support import Kept

H, W, c, S, N = sympy.symbols("H W c S N", integer=True, positive=True)
i = sympy.Symbol("i", integer=True, nonnegative=True)

# Each stage halves the map with a stride-2 "same" convolution and doubles the width.
PLAIN = """
layout channels_last

block Stage(c, s):
    conv2d(c, 3, strides=s, padding="same") -> batch_norm -> relu
    conv2d(c, 3, padding="same") -> batch_norm -> relu

model Plain(H, W, c, S):
    input (H, W, 3)
    conv2d(c, 3, padding="same")
    repeat S as i, input (H / 2**i, W / 2**i, c * 2**i):
        Stage(2 * c * 2**i, 2)
"""
# Stage i, in c_i = c*2**i channels on an (H/2**i) x (W/2**i) map, out 2*c_i on a map half as wide:
#   conv 3x3 c_i -> 2c_i:   9*c_i*2c_i + 2c_i = 18 c^2 4^i + 2 c 2^i
#   batch norm on 2c_i:     4*2c_i            =               8 c 2^i   (half of it moving statistics)
#   conv 3x3 2c_i -> 2c_i:  9*(2c_i)^2 + 2c_i = 36 c^2 4^i + 2 c 2^i
#   batch norm on 2c_i:                                       8 c 2^i
# so 54 c^2 4^i + 20 c 2^i, summed over i < S: 54 c^2 (4^S - 1)/3 + 20 c (2^S - 1); the stem adds 28c.
PLAIN_PARAMS = 28 * c + 54 * c**2 * (4**S - 1) / 3 + 20 * c * (2**S - 1)
PLAIN_NON_TRAINABLE = 8 * c * (2**S - 1)
# MACs: the stem 27*H*W*c; stage i, on an output map of H*W/4**(i+1) positions,
# 9*c_i*2c_i + 9*(2c_i)^2 = 54 c^2 4^i per position, i.e. 27/2 H W c^2 per stage.
PLAIN_MACS = 27 * H * W * c + sympy.Rational(27, 2) * H * W * c**2 * S


def plain(**kw):
    return symparams.parse(PLAIN).model("Plain", **kw)


def test_plain_stages_sum_in_closed_form():
    net = plain()
    assert sympy.expand(net.params - PLAIN_PARAMS) == 0
    assert sympy.expand(net.non_trainable - PLAIN_NON_TRAINABLE) == 0
    assert sympy.expand(net.macs - PLAIN_MACS) == 0
    assert net.output_shape == (H / 2**S, W / 2**S, 2**S * c)
    assert not net.params.has(sympy.Sum) and not net.macs.has(sympy.Sum)
    assert net.symbols == ["H", "S", "W", "c"]          # the index i is bound, not a symbol


def test_the_whole_stated_sizes_become_a_condition():
    net = plain()
    rules = {expr_text(k.expr): k.kind for k in net.constraints}
    assert rules.get("H/2**S") == "integer" and rules.get("W/2**S") == "integer"
    assert net.subs(H=224, W=224, S=5, c=64).output_shape == (7, 7, 2048)
    with pytest.raises(ConstraintError, match=r"the stage size H/2\*\*S must be a whole number.*7/2"):
        net.subs(H=224, W=224, S=6)


@pytest.mark.parametrize("values", [
    {"S": 1, "H": 32, "W": 32, "c": 4},
    {"S": 3, "H": 64, "W": 32, "c": 16},
    {"S": 4, "H": 224, "W": 224, "c": 8},
])
@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_closed_form_equals_unrolling(values, convention):
    closed = plain(convention=convention).subs(**values)
    unrolled = plain(convention=convention, values=values)
    # PyTorch keeps the moving statistics as buffers, not parameters.
    expected = PLAIN_PARAMS - (PLAIN_NON_TRAINABLE if convention == "torch" else 0)
    assert closed.params == unrolled.params == expected.subs({c: values["c"], S: values["S"]})
    assert closed.macs == unrolled.macs == PLAIN_MACS.subs({H: values["H"], W: values["W"], c: values["c"],
                                                            S: values["S"]})
    assert closed.output_shape == unrolled.output_shape


def test_unrolling_with_symbolic_sizes_keeps_the_stated_quotients():
    net = plain(values={"S": 3})
    assert net.output_shape == (H / 8, W / 8, 8 * c)
    assert sympy.expand(net.macs - PLAIN_MACS.subs(S, 3)) == 0


def test_numeric_map_with_a_symbolic_stage_count():
    # 64/2**(i+1) must be whole: the repeat can halve a 64-wide map at most six times.
    net = plain(values={"H": 64, "W": 64})
    assert net.output_shape == (64 / 2**S, 64 / 2**S, 2**S * c)
    assert sympy.expand(net.macs - PLAIN_MACS.subs({H: 64, W: 64})) == 0
    assert net.subs(S=6).output_shape[:2] == (1, 1)
    with pytest.raises(ConstraintError, match="it comes to 1/2"):
        net.subs(S=7)


# Sizes stated with floor or ceil match exactly, with no condition: a stride-2 "same" layer
# gives ceil(n/2), and ceil(ceil(H/2**i)/2) = ceil(H/2**(i+1)); a 2x2 pool gives floor(n/2).
ROUNDED = """
model Rounded(H, c, S):
    input (H, H, c)
    repeat S as i, input (ceil(H / 2**i), ceil(H / 2**i), c * 2**i):
        conv2d(2 * c * 2**i, 1, strides=2, padding="same")
    repeat S as j, input (floor(ceil(H / 2**S) / 2**j), floor(ceil(H / 2**S) / 2**j), c * 2**S):
        max_pool2d(2)
"""


def test_rounded_stage_sizes_match_without_conditions():
    net = symparams.parse(ROUNDED).model("Rounded")
    # no open condition that a size be whole (the size rules kept on arguments are decided: 2*c*2**i is whole)
    assert all(k.kind != "integer" or k.decided() for k in net.constraints)
    # conv 1x1 from c_i to 2c_i: 2 c^2 4^i + 2 c 2^i; summed: 2c^2 (4^S - 1)/3 + 2c (2^S - 1)
    assert sympy.expand(net.params - (2 * c**2 * (4**S - 1) / 3 + 2 * c * (2**S - 1))) == 0
    out = net.subs(H=37, S=2, c=1)
    # S = 2: 37 -> 19 -> 10 by convolutions, then 10 -> 5 -> 2 by pools.
    assert out.output_shape == (2, 2, 4)
    unrolled = symparams.parse(ROUNDED).model("Rounded", values={"H": 37, "S": 2, "c": 1})
    assert unrolled.output_shape == (2, 2, 4) and unrolled.macs == out.macs


def test_sums_without_a_closed_form_stay_sums_until_numbers_arrive():
    net = symparams.parse(ROUNDED).model("Rounded")
    assert net.macs.has(sympy.Sum)
    # 37 -> 19 -> 10: conv MACs 19*19*1*2 + 10*10*2*4 = 722 + 800
    assert net.subs(H=37, S=2, c=1).macs == 722 + 800


RESNET18 = "examples/resnet18.arch"


def test_resnet18_example_is_torchvisions_count():
    # torchvision.models.resnet18(): 11,689,512 parameters (its documentation's figure);
    # Keras counts the 4,800 BatchNorm channels' moving mean and variance as well.
    program = symparams.load(RESNET18)
    torch_net = program.model("ResNet18", convention="torch").with_defaults()
    keras_net = program.model("ResNet18").with_defaults()
    assert torch_net.params == 11_689_512
    assert keras_net.params == 11_689_512 + 2 * 4_800
    assert keras_net.non_trainable == 9_600
    assert torch_net.output_shape == (1000,)


def test_resnet18_closed_form_in_the_stage_count():
    net = symparams.load(RESNET18).model("ResNet18", convention="torch")
    k = sympy.Symbol("classes", integer=True, positive=True)
    # Per stage i (width w = 2c*2**i): a DownBlock 9*w*(w/2) + 9*w^2 + w*(w/2) + 3 BN*2w
    # = 14 w^2 + 6 w, and N-1 BasicBlocks 18 w^2 + 4 w; w^2 = 4c^2 4^i, w = 2c 2^i.
    stage = (56 * c**2 * (4**S - 1) / 3 + 12 * c * (2**S - 1)
             + (N - 1) * (72 * c**2 * (4**S - 1) / 3 + 8 * c * (2**S - 1)))
    stem = 147 * c + 2 * c + N * (18 * c**2 + 4 * c)
    head = k * (2**S * c + 1)
    assert sympy.expand(net.params - (stem + stage + head)) == 0


def test_torch_layout_stage_in_a_channels_first_file():
    src = ("model M(H, c, S):\n    input (c, H, H)\n"
           "    repeat S as i, input (c * 2**i, H / 2**i, H / 2**i):\n"
           "        conv2d(2 * c * 2**i, 3, stride=2, padding=1)\n")
    torch_net = symparams.parse(src).model("M", convention="torch")
    assert torch_net.output_shape == (2**S * c, H / 2**S, H / 2**S)
    keras_src = src.replace("input (c, H, H)", "input (H, H, c)").replace(
        "input (c * 2**i, H / 2**i, H / 2**i)", "input (H / 2**i, H / 2**i, c * 2**i)").replace(
        "stride=2, padding=1", "strides=2, padding=\"same\"")
    keras_net = symparams.parse(keras_src).model("M")
    assert sympy.expand(torch_net.params - keras_net.params) == 0
    assert sympy.expand(torch_net.macs - keras_net.macs) == 0


# (id, source of the repeat's body and header, error type, message pattern)
MISMATCHES = [
    ("first-iteration",
     "    repeat S as i, input (H / 2**(i + 1), H / 2**(i + 1), c * 2**i):\n"
     "        conv2d(2 * c * 2**i, 3, strides=2, padding='same')\n",
     ShapeError, r"repeat S as i: the tensor entering the repeat gives \(H, H, c\), "
                 r"but the stated input of iteration 0 is \(H/2, H/2, c\)"),
    ("a-valid-convolution-loses-a-border",
     "    repeat S as i, input (H / 2**i, H / 2**i, c * 2**i):\n"
     "        conv2d(2 * c * 2**i, 3, strides=2)\n",
     ShapeError, r"iteration i gives \(floor\(H/2\*\*\(i \+ 1\) \+ 1/2\) - 1, .*\), but the stated input "
                 r"of iteration i \+ 1 is \(H/2\*\*\(i \+ 1\), H/2\*\*\(i \+ 1\), 2\*\*\(i \+ 1\)\*c\)"),
    ("channels-not-doubled",
     "    repeat S as i, input (H / 2**i, H / 2**i, c * 2**i):\n"
     "        conv2d(c * 2**i, 3, strides=2, padding='same')\n",
     ShapeError, r"stated input of iteration i \+ 1 is"),
]


@pytest.mark.parametrize("body, error, pattern", [m[1:] for m in MISMATCHES], ids=[m[0] for m in MISMATCHES])
def test_a_mismatch_names_both_shapes_at_the_stated_shape(body, error, pattern):
    src = "model M(H, c, S):\n    input (H, H, c)\n" + body
    with pytest.raises(error, match=pattern) as caught:
        symparams.parse(src).model("M")
    assert (caught.value.span.line, caught.value.span.column) == (3, 18)
    assert "^~~~" in str(caught.value)


def test_an_unrolled_mismatch_names_the_iteration():
    with pytest.raises(ShapeError, match=r"repeat 7 as i: iteration 6 gives \(1, 1, 2048\), but the stated "
                                         r"input of iteration 7 is \(1/2, 1/2, 2048\)"):
        plain(values={"S": 7, "H": 64, "W": 64, "c": 16})


@pytest.mark.parametrize("src, error, pattern", [
    ("model M(S):\n    input (4, 4)\n    repeat S, input (4, 4):\n        relu\n",
     ParseError, r"expected.*(:|as)"),
    ("model M(S):\n    input (4, 4)\n    repeat S as i, input ('a', 4):\n        relu\n",
     symparams.errors.ArgumentError, r"a stage size must be a number or expression, found"),
    ("model M(S):\n    input (4, 4)\n    repeat S:\n        dense(8)\n",
     ShapeError, r"state iteration i's input with `repeat S as i, input \(\.\.\.\)`"),
])
def test_stage_syntax_errors(src, error, pattern):
    with pytest.raises(error, match=pattern):
        symparams.parse(src).model("M")


@pytest.mark.parametrize("expr, text, tex", [
    (H * 2**(-i - 3), "H/2**(i + 3)", r"\frac{H}{2^{i + 3}}"),
    (-H * 2**(-i - 3) / 3, "-H/(3*2**(i + 3))", r"- \frac{H}{3 \cdot 2^{i + 3}}"),
    ((H + 1) * 2**(-i), "(H + 1)/2**i", r"\frac{H + 1}{2^{i}}"),
    (c * 2**i, "2**i*c", r"2^{i} c"),
    (sympy.floor(H * 2**(-i - 1) + sympy.Rational(1, 2)), "floor(H/2**(i + 1) + 1/2)",
     r"\left\lfloor H / 2^{i + 1} + 1 / 2 \right\rfloor"),
])
def test_stage_sizes_print_as_authors_write_them(expr, text, tex):
    assert expr_text(expr) == text
    assert latex(expr) == tex


def test_resnet18_macs_are_torchvisions_gflops():
    # torchvision's table gives resnet18 1.81 "GFLOPS", counted as multiply-adds at 224 x 224.
    net = symparams.load(RESNET18).model("ResNet18", convention="torch").with_defaults()
    assert net.macs == 1_814_073_344 and round(int(net.macs) / 10**9, 2) == 1.81


def cli(capsys, *args):
    from symparams.cli import main
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_shows_stage_sizes_and_sums(capsys):
    status, out, _ = cli(capsys, "summary", RESNET18, "--width", "200")
    assert status == 0
    assert "(H/2**(i + 3), W/2**(i + 3), 2*2**i*c)" in out      # iteration i's shape, as stated
    assert "×(N - 1)" in out                                      # a count that is a sum, parenthesized
    assert "symbols: H=224, N=2, S=3, W=224, c=64, classes=1000" in out   # no index i
    status, out, _ = cli(capsys, "summary", RESNET18, "--by", "block", "--width", "200")
    assert status == 0 and "repeat S as i: DownBlock, BasicBlock" in out
    status, out, _ = cli(capsys, "summary", RESNET18, "--defaults", "--convention", "torch")
    assert status == 0 and "Total params: 11,689,512" in out


def test_cli_reports_a_map_the_stages_cannot_halve(capsys):
    # 224 / 2**(3 + 2) = 7, but a fourth halving would need 7/2.
    status, _, err = cli(capsys, "summary", RESNET18, "--set", "S=6,H=224,W=224")
    assert status == 1
    assert ("repeat 6 as i: iteration 3 gives (4, 4, 16*c), but the stated input of iteration 4 is "
            "(7/2, 7/2, 16*c)") in err
    assert err.startswith(f"{RESNET18}:26:18: error:")


DENSENET = "examples/densenet121.arch"


def test_densenet121_example_is_kerass_and_torchvisions_count():
    # keras.applications.DenseNet121(weights=None): 8,062,504 parameters, 83,648 of them the
    # moving statistics of its BatchNormalization layers (checked live in tests/oracle);
    # torchvision's densenet121 documents 7,978,856 parameters and 2.83 GFLOPS (multiply-adds).
    program = symparams.load(DENSENET)
    keras_net = program.model("DenseNet121").with_defaults()
    torch_net = program.model("DenseNet121", convention="torch").with_defaults()
    assert (keras_net.params, keras_net.non_trainable) == (8_062_504, 83_648)
    assert torch_net.params == 7_978_856
    assert round(int(torch_net.macs) / 10**9, 2) == 2.83


def test_a_dense_block_grows_linearly_and_sums_to_a_quadratic():
    net = symparams.load(DENSENET).model("OneDenseBlock")
    n, k = sympy.symbols("n k", integer=True, positive=True)
    # Layer j sees C_j = c + j*k channels: batch norm 4*C_j, 1x1 conv C_j*4k, batch norm 16k,
    # 3x3 conv 9*4k*k. Summed over j < n with sum(j) = n(n-1)/2:
    #   (4 + 4k)(c n + k n(n-1)/2) + n(16k + 36k^2) = n^2 (2k^2 + 2k) + n(4ck + 4c + 34k^2 + 14k)
    expected = n**2 * (2 * k**2 + 2 * k) + n * (4 * c * k + 4 * c + 34 * k**2 + 14 * k)
    assert sympy.expand(net.params - expected) == 0
    assert net.output_shape == (H, W, c + n * k)


def test_a_block_row_shows_the_blocks_output_not_its_last_layers(capsys):
    # OneDenseBlock's last layer is inside the repeat (c + j*k + k channels at iteration j);
    # the block gives c + n*k. A block that returns a branch gives the branch.
    status, out, _ = cli(capsys, "summary", DENSENET, "--model", "OneDenseBlock")
    assert status == 0 and "│ DenseBlock (DenseBlock) │ (H, W, c + k*n) │" in out
    src = "block B():\n    x = dense(3)\n    dense(5)\n    return x\nmodel M():\n    input (4,)\n    B\n"
    (block,) = [r for r in display_rows(symparams.parse(src).model("M")) if r.is_block]
    assert block.output_shapes == ((3,),)


# ---- the identities behind the check, tested on numbers ------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from symparams.stages import canonical, match_shapes  # noqa: E402

roundings = st.lists(st.tuples(st.sampled_from([sympy.floor, sympy.ceiling]), st.integers(-4, 4),
                               st.integers(1, 5)), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(roundings, st.integers(1, 3), st.integers(1, 400))
def test_collapsing_nested_roundings_keeps_every_value(ops, divisor, h):
    expr = H / divisor
    for rounding, r, s in ops:
        expr = rounding((expr + r) / s)
    assert canonical(expr).subs(H, h) == expr.subs(H, h)


def test_a_conditional_match_holds_wherever_the_condition_does():
    # A chain of convolutions (kernel, stride, "same"?) on H, against the quotient H / (product of strides):
    # whenever match_shapes accepts it on condition that the quotient is whole, every H that makes it
    # whole gives equal numbers. Chains it refuses are filtered out; at least half must be kept.
    from symparams.catalog.conv import output_length
    kept = Kept("conditional matches")

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(st.integers(1, 3), st.sampled_from([1, 2]), st.booleans()), min_size=1, max_size=3),
           st.integers(1, 60))
    def run(layers, m):
        size, stride_product = H, 1
        for kernel, stride, same in layers:
            size = output_length(size, kernel, stride, 1, "same" if same else "valid")
            stride_product *= stride
        stated = H / stride_product
        conditions = match_shapes((size,), (stated,))
        if not kept(conditions is not None):
            return
        h = m * stride_product
        assert size.subs(H, h) == stated.subs(H, h)
        assert all(c.size.subs(H, h).is_integer for c in conditions)

    run()
    kept.check()


@pytest.mark.parametrize("fmt, expected", [
    ("text", "×(N - 1)"),
    ("markdown", r"\times \left(N - 1\right)"),
    ("latex", r"\times \left(N - 1\right)"),
])
def test_a_repeat_count_that_is_a_sum_is_parenthesized_in_every_format(capsys, fmt, expected):
    # BasicBlock_1 runs N - 1 times per stage: "× N - 1" would read as (× N) - 1.
    status, out, _ = cli(capsys, "summary", RESNET18, "--format", fmt, "--width", "200")
    assert status == 0 and expected in out


def test_a_sum_without_closed_form_prints_its_collapsed_sizes():
    net = symparams.parse(ROUNDED).model("Rounded")
    # the conv of stage i writes a ceil(H/2**(i+1)) map, as stated for iteration i + 1
    assert "ceiling(H/2**(i + 1))**2" in expr_text(net.macs)


def test_sweeping_a_sum_without_closed_form_sums_point_by_point():
    pytest.importorskip("numpy", reason="numpy is not installed: pip install -e .[sweep]")
    net = symparams.parse(ROUNDED).model("Rounded").subs(c=1)
    table = net.sweep(figures=("macs",), S=[1, 2], H=[37, 64])
    # 1x1 stride-2 "same" convolutions, c_i = 2**i in, 2c_i out, on ceil(H/2**(i+1)) squared:
    #   H=37: 19*19*1*2 = 722, then + 10*10*2*4 = 800;   H=64: 32*32*2 = 2048, then + 16*16*8 = 2048
    points = {(int(s), int(h)): int(m) for s, h, m in zip(table["S"], table["H"], table["macs"])}
    assert points == {(1, 37): 722, (1, 64): 2048, (2, 37): 722 + 800, (2, 64): 2048 + 2048}


# ---- soundness: the closed form, substituted, is what unrolling with numbers gives -------------

STAGE_BODIES = {
    "same-conv": "conv2d(2 * c * 2**i, 3, strides=2, padding='same')",
    "pool-then-1x1": "max_pool2d(2) -> conv2d(2 * c * 2**i, 1)",
    "padded-conv": "conv2d(2 * c * 2**i, 3, strides=2, padding=1) -> batch_norm",
    "conv-then-same-conv": "conv2d(c * 2**i, 3, padding='same') -> conv2d(2 * c * 2**i, 3, strides=2, padding='same')",
    "valid-conv": "conv2d(2 * c * 2**i, 3, strides=2)",
}
STATED_MAPS = ["H / 2**i", "ceil(H / 2**i)", "floor(H / 2**i)"]
# The stated maps the layers do not give, with a map width H where iteration 0's layers,
# worked out by hand, miss iteration 1's stated size:
#   a stride-2 "same" conv (and a 3x3 stride-2 conv with padding 1) gives ceil(H/2): 3 -> 2, floor says 1;
#   a 2x2 pool gives floor(H/2): 3 -> 1, ceil says 2;
#   a 3x3 stride-2 "valid" conv gives floor((H - 3)/2) + 1: 4 -> 1, while all three maps say 2.
REFUSED_STAGES = {
    ("conv-then-same-conv", "floor(H / 2**i)"): 3,
    ("padded-conv", "floor(H / 2**i)"): 3,
    ("same-conv", "floor(H / 2**i)"): 3,
    ("pool-then-1x1", "ceil(H / 2**i)"): 3,
    ("valid-conv", "H / 2**i"): 4,
    ("valid-conv", "ceil(H / 2**i)"): 4,
    ("valid-conv", "floor(H / 2**i)"): 4,
}
ALL_STAGES = [(body, stated) for body in sorted(STAGE_BODIES) for stated in STATED_MAPS]
ACCEPTED_STAGES = [case for case in ALL_STAGES if case not in REFUSED_STAGES]


def _stage_program(body, stated):
    return symparams.parse(f"model M(H, c, S):\n    input (H, H, c)\n"
                           f"    repeat S as i, input ({stated}, {stated}, c * 2**i):\n        {STAGE_BODIES[body]}\n")


def _outcome(make):
    try:
        net = make()
        return ("ok", net.params, net.macs, net.output_shape)
    except (ShapeError, ConstraintError) as err:
        return ("refused", type(err).__name__)


@pytest.mark.parametrize("body, stated", sorted(REFUSED_STAGES))
def test_a_stated_map_the_layers_do_not_give_is_refused(body, stated):
    program = _stage_program(body, stated)
    with pytest.raises(ShapeError, match=r"repeat S as i: iteration i gives \(.*\), but the stated input of "
                                         r"iteration i \+ 1 is"):
        program.model("M")
    # the refusal is right: with numbers, iteration 1's stated input is not what iteration 0 gives
    h = REFUSED_STAGES[body, stated]
    with pytest.raises(ShapeError, match=r"repeat 2 as i: iteration 0 gives"):
        program.model("M", values={"S": 2, "H": h, "c": 1})


@pytest.mark.parametrize("body, stated", ACCEPTED_STAGES)
@settings(max_examples=15, deadline=None)
@given(points=st.lists(st.tuples(st.integers(1, 4), st.one_of(st.integers(1, 20), st.integers(1, 100)),
                                 st.integers(1, 3)), min_size=1, max_size=4))
def test_closed_form_substituted_is_unrolling_with_numbers(body, stated, points):
    # Unrolling with numbers is plain layer arithmetic: whatever the closed form gives after
    # substitution, figures or a refusal (a quotient not whole, a map halved to nothing at some
    # i), unrolling must give too.
    program = _stage_program(body, stated)
    closed = program.model("M")
    for s, h, width in points:
        values = {"S": s, "H": h, "c": width}
        substituted = _outcome(lambda: closed.subs(**values))
        unrolled = _outcome(lambda: program.model("M", values=values))
        if unrolled[0] == "ok":
            assert substituted == unrolled, (values, substituted, unrolled)
        else:
            assert substituted[0] == "refused", (values, substituted, unrolled)


def test_every_stage_case_is_either_accepted_or_refused():
    assert len(ACCEPTED_STAGES) == 8 and len(REFUSED_STAGES) == 7
    assert set(REFUSED_STAGES) <= set(ALL_STAGES)


def test_a_rule_inside_a_symbolic_repeat_is_checked_at_every_index():
    # floor(7/2) = 3, floor(3/2) = 1, floor(1/2) = 0: the third pool of a 7-wide map is empty.
    src = ("model M(H, c, S):\n    input (H, H, c)\n"
           "    repeat S as i, input (floor(H / 2**i), floor(H / 2**i), c * 2**i):\n"
           "        max_pool2d(2) -> conv2d(2 * c * 2**i, 1)\n")
    net = symparams.parse(src).model("M")
    assert net.subs(S=2, H=7, c=2).output_shape == (1, 1, 8)
    with pytest.raises(ConstraintError, match=r"max_pool2d: .* becomes 0 at i = 2, which is not positive"):
        net.subs(S=3, H=7, c=2)


def test_the_stage_example_of_the_language_reference_works_as_written():
    from support import ROOT
    text = (ROOT / "docs" / "LANGUAGE.md").read_text()
    section = text[text.index("### 6.1"):text.index("## 7.")]
    blocks = [b.removeprefix("arch") for b in section.split("```")[1::2] if "model " in b]   # ```arch fences
    assert blocks, "LANGUAGE.md §6.1 has no model example"
    for block in blocks:
        net = symparams.parse(block).model()
        assert net.output_shape == (H / 2**S, W / 2**S, 2**S * c)
        # stage i: 3x3 conv c_i -> 2c_i (18 c^2 4^i + 2c 2^i) and a batch norm (8 c 2^i); the stem 28c
        assert sympy.expand(net.params - (28 * c + 18 * c**2 * (4**S - 1) / 3 + 10 * c * (2**S - 1))) == 0
