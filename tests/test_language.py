"""LANGUAGE.md §2-§6 as tables: source -> the figures it must give.
Expected values are derived by hand in the comments (Keras's conventions)."""
import pytest
import sympy

import symparams

H, W, C, L, d, c, T, V = sympy.symbols("H W C L d c T V", integer=True, positive=True)
i = sympy.Symbol("i", integer=True, nonnegative=True)


def model(src, **kw):
    return symparams.parse(src).model(**kw)


# (id, source, expected params, expected output shape)
PROGRAMS = [
    ("comments-and-one-line-suite",
     "# c\nblock Act(): relu  # trailing\nmodel M(n):\n    input (n)\n    dense(4) -> Act\n",
     4 * sympy.Symbol("n", integer=True, positive=True) + 4, (4,)),
    ("continuation-lines",
     "model M():\n    input (10,)\n    dense(4)\n        # a comment between\n        -> relu\n        -> dense(2)\n",
     44 + 10, (2,)),
    ("parenthesised-line-break",
     "model M():\n    input (8, 8, 3)\n    conv2d(4,\n           3,\n           padding='same')\n",
     3 * 3 * 3 * 4 + 4, (8, 8, 4)),
    ("numbers-with-underscores-and-exponents",
     "model M():\n    input (1_000,)\n    dense(1e1)\n", 1000 * 10 + 10, (10,)),
    ("exact-division-and-floor-division",
     "model M():\n    input (12,)\n    dense(12 / 4 + 7 // 2 + 2 ** 2 % 3)\n", 12 * 7 + 7, (7,)),
    ("nested-tuples-and-indexing",
     "model M():\n    input (8, 8, 3)\n    x = identity\n    zero_padding2d(((1, 2), (0, 1))) -> conv2d(2 * shape(x)[-1], 1)\n",
     3 * 6 + 6, (11, 9, 6)),
    ("builtin-functions",
     "model M():\n    input (10,)\n    dense(max(2, min(9, 3)) + floor(7/2) + ceil(1/2) + sqrt(4))\n",
     10 * 9 + 9, (9,)),
    ("block-defaults-and-keywords",
     "block B(u, v=2*u):\n    dense(u) -> dense(v)\nmodel M():\n    input (3,)\n    B(4)\n    B(u=1, v=5)\n",
     (3 * 4 + 4) + (4 * 8 + 8) + (8 * 1 + 1) + (1 * 5 + 5), (5,)),
    ("blocks-defined-after-use",
     "model M():\n    input (3,)\n    Late(2)\nblock Late(u): dense(u)\n", 8, (2,)),
    ("binding-is-a-branch",
     "model M():\n    input (4,)\n    side = dense(3)\n    dense(2)\n", (4 * 3 + 3) + (4 * 2 + 2), (2,)),
    ("chain-from-a-named-tensor",
     "model M():\n    input (4,)\n    a = dense(3)\n    dense(5)\n    a -> dense(6)\n",
     15 + 25 + 24, (6,)),
    ("named-inputs-and-return",
     "model M():\n    input a (4,)\n    input b (4,)\n    s = a -> add(b)\n    p = b -> dense(2)\n    return s, p\n",
     10, ((4,), (2,))),
    ("integer-repeat-unrolls",
     "model M():\n    input (5,)\n    repeat 3: dense(5)\n", 3 * 30, (5,)),
    ("integer-repeat-with-index",
     "model M():\n    input (2,)\n    repeat 3 as j: dense(2 ** (j + 1))\n", (2 * 2 + 2) + (2 * 4 + 4) + (4 * 8 + 8), (8,)),
    ("merge-takes-incoming-tensor-first",
     "model M():\n    input (8, 8, 3)\n    a = conv2d(4, 1)\n    b = conv2d(6, 1)\n    a -> concatenate(b)\n",
     16 + 24, (8, 8, 10)),
]


@pytest.mark.parametrize("src, params, shape", [p[1:] for p in PROGRAMS], ids=[p[0] for p in PROGRAMS])
def test_program(src, params, shape):
    net = model(src)
    assert sympy.expand(net.params - params) == 0
    assert net.output_shape == shape


def test_inception_block_from_the_language_reference():
    src = """
block Inception(c1, c3r, c3, c5r, c5, cp):
    a = conv2d(c1, 1)
    b = conv2d(c3r, 1) -> conv2d(c3, 3, padding="same")
    c = conv2d(c5r, 1) -> conv2d(c5, 5, padding="same")
    d = max_pool2d(3, strides=1, padding="same") -> conv2d(cp, 1)
    a -> concatenate(b, c, d)

model GoogLeNet3a():
    input (28, 28, 192)
    Inception(64, 96, 128, 16, 32, 32)
"""
    net = model(src)
    # GoogLeNet's inception (3a): 256 channels out; weights + biases of its six convolutions.
    assert net.output_shape == (28, 28, 256)
    expected = (192 * 64 + 64) + (192 * 96 + 96) + (9 * 96 * 128 + 128) + (192 * 16 + 16) \
        + (25 * 16 * 32 + 32) + (192 * 32 + 32)
    assert net.params == expected == 163696


def test_symbolic_repeat_is_count_times_one_pass_without_unrolling():
    src = "block Blk(d):\n    r = dense(d)\n    add(r)\nmodel M(L, d):\n    input (T, d)\n    repeat L: Blk(d)\n"
    net = model(src)
    assert sympy.expand(net.params - L * (d * d + d)) == 0
    assert len([r for r in net.layers if r.type == "dense"]) == 1   # one pass, not L


def test_symbolic_repeat_with_index_sums_in_closed_form():
    src = ("model M(L, d):\n    input (d,)\n    repeat L as i:\n"
           "        dense(d * (i + 1), use_bias=false)\n        dense(d, use_bias=false)\n")
    net = model(src)
    # pass i has d*d*(i+1) + d*(i+1)*d weights; the sum over i < L is 2*d**2 * L*(L+1)/2
    assert sympy.expand(net.params - d**2 * L * (L + 1)) == 0


def test_symbolic_repeat_of_shape_changing_suite_names_both_shapes():
    src = "block Down(c):\n    conv2d(c, 3, strides=2)\n\nmodel M(H, W, L):\n    input (H, W, 3)\n    repeat L: Down(8)\n"
    with pytest.raises(symparams.ShapeError) as err:
        model(src)
    text = str(err.value)
    assert ":6:" in text and "(H, W, 3)" in text and "floor" in text


def test_symbolic_repeat_unrolls_once_given_a_value():
    src = "block Down(c):\n    conv2d(c, 3, strides=2, padding='same')\n\nmodel M(L):\n    input (32, 32, 3)\n    repeat L: Down(8)\n"
    net = model(src, values={"L": 2})
    assert net.output_shape == (8, 8, 8)
    assert net.params == (27 * 8 + 8) + (72 * 8 + 8)


def test_symbols_are_positive_integers_so_floors_simplify():
    net = model("model M(H, k):\n    input (H, 3)\n    conv1d(4, k)\n")
    k = sympy.Symbol("k", integer=True, positive=True)
    assert net.output_shape == (H - k + 1, 4)


def test_declared_symbol_assumptions():
    net = model("symbols p : positive real\nmodel M(n):\n    input (n,)\n    dropout(p)\n")
    assert net.params == 0


def test_model_defaults_apply_only_when_asked():
    src = "model M(d=64):\n    input (d,)\n    dense(d)\n"
    prog = symparams.parse(src)
    assert sympy.expand(prog.model().params - (d * d + d)) == 0
    assert prog.model(defaults=True).params == 64 * 65
    assert prog.model().with_defaults().params == 64 * 65


def test_let_shares_weights_counted_once():
    src = "model M():\n    input a (4,)\n    input b (4,)\n    let proj = dense(3)\n    x = a -> proj\n    y = b -> proj\n    x -> add(y)\n"
    net = model(src)
    assert net.params == 15
    assert [r.params for r in net.layers if r.type == "dense"] == [15, 0]


def test_tied_output_layer_adds_no_parameters():
    src = ("model M(V, d, T):\n    input tokens (T)\n    let wte = embedding(V, d)\n    tokens -> wte\n"
           "    dense(V, use_bias=false, tie=wte)\n")
    net = model(src)
    assert net.params == V * d
    assert net.output_shape == (T, V)


@pytest.mark.parametrize("convention, shape, kernel", [
    ("keras", (15, 15, 8), (3, 3, 3, 8)),
    ("torch", (8, 15, 15), (8, 3, 3, 3)),
])
def test_pinned_layout_is_converted_to_the_convention(convention, shape, kernel):
    src = "layout channels_last\nmodel M():\n    input (32, 32, 3)\n    conv2d(8, 3, strides=2)\n"
    net = model(src, convention=convention)
    assert net.output_shape == shape
    assert net.layers[-1].weights[0].shape == kernel
    assert net.params == 3 * 3 * 3 * 8 + 8


def test_layout_as_first_statement_of_a_model():
    src = "model M():\n    layout channels_first\n    input (3, 32, 32)\n    conv2d(8, 3)\n"
    assert model(src).output_shape == (30, 30, 8)          # reported channels_last under keras
    assert model(src, convention="torch").output_shape == (8, 30, 30)


def test_unpinned_shapes_are_read_in_the_conventions_layout():
    src = "model M():\n    input (6, 5, 10)\n    conv2d(16, 3)\n"
    assert model(src).output_shape == (4, 3, 16)              # (H, W, C) = (6, 5, 10)
    assert model(src, convention="torch").output_shape == (16, 3, 8)   # (C, H, W) = (6, 5, 10)


# §7: class names are aliases; positional arguments follow the framework whose name is written
# (PyTorch's Conv2d(in_channels, out_channels, kernel_size, ...)); keywords take either's names.
ALIASES = [
    ("Conv2D(8, 3)", "conv2d(8, 3)"),
    ("Conv2d(4, 8, 3, stride=1, bias=true)", "conv2d(8, 3)"),
    ("conv2d(out_channels=8, kernel_size=(3, 3), dilation=1)", "conv2d(8, 3)"),
    ("BatchNormalization", "batch_norm"),
    ("BatchNorm2d(num_features=4)", "batch_norm"),
    ("MaxPooling2D(2)", "max_pool2d(2)"),
    ("MaxPool2d(kernel_size=2, stride=2)", "max_pool2d(2)"),
    ("Flatten -> Linear(out_features=5, in_features=64)", "flatten -> dense(5)"),
    ("Dense(5, activation='relu', kernel_initializer='he_normal')", "dense(5)"),
]


@pytest.mark.parametrize("alias, canonical", ALIASES)
def test_aliases_give_the_same_layer(alias, canonical):
    src = "model M():\n    input (4, 4, 4)\n    {}\n"
    a, b = model(src.format(alias)), model(src.format(canonical))
    assert (a.params, a.output_shape) == (b.params, b.output_shape)
    assert [r.type for r in a.layers] == [r.type for r in b.layers]


def test_explicit_names_are_unique_within_a_block_call():
    src = ("block Mlp(d):\n    dense(4*d, name='up') -> dense(d, name='down')\n"
           "model M():\n    input (8,)\n    Mlp(8)\n    Mlp(8)\n")
    names = [r.name for r in model(src).layers]
    assert names == ["input", "up", "down", "up", "down"]
    with pytest.raises(symparams.ArgumentError):
        model("model M():\n    input (8,)\n    repeat 2: dense(8, name='same')\n")


def test_equal_lengths_written_differently_are_recognised_as_equal():
    # A stride-2 "same" 3x3 conv gives ceil(H/2); a stride-2 "valid" 1x1 conv gives
    # floor((H - 1)/2) + 1. They are equal for every integer H, so the residual add is fine.
    src = ("model M(H, W):\n    input (H, W, 8)\n    s = conv2d(16, 1, strides=2)\n"
           "    conv2d(16, 3, strides=2, padding='same') -> add(s)\n")
    net = model(src)
    H_, W_ = sympy.symbols("H W", integer=True, positive=True)
    assert net.output_shape == (sympy.floor((H_ + 1) / 2), sympy.floor((W_ + 1) / 2), 16)
    for h in range(1, 12):                 # the canonical form is still ceil(h/2)
        assert net.subs(H=h, W=h).output_shape[0] == -(-h // 2)


def test_tiny_resnet_evaluates_with_symbolic_image_size():
    from support import EXAMPLES
    net = symparams.load(EXAMPLES / "resnet.arch").model("TinyResNet", values={"classes": 10})
    # By hand (BN = 4 per channel, convolutions without bias):
    stem = 3 * 3 * 3 * 16 + 4 * 16                                                  # 496
    block16 = 16 * 64 + 4 * 64 + 16 * 16 + 4 * 16 + 9 * 16 * 16 + 4 * 16 + 16 * 64 + 4 * 64   # 5248
    block32 = 64 * 128 + 4 * 128 + 64 * 32 + 4 * 32 + 9 * 32 * 32 + 4 * 32 + 32 * 128 + 4 * 128  # 24832
    head = 128 * 10 + 10
    assert net.params == net.subs(H=32, W=32).params == stem + block16 + block32 + head == 31866
