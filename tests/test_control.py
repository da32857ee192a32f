"""Conditionals, several results, initial states and framework argument orders (LANGUAGE.md
§6.2, §4, §7), with figures derived by hand in each case."""
import pytest
import sympy

import symparams
from support import EXAMPLES
from symparams import SymparamsError

c, n, u, d, H = sympy.symbols("c n u d H", positive=True, integer=True)


def net(body, inp="(8, 8, 4)", convention="keras", head=""):
    return symparams.parse(f"{head}model M():\n    input {inp}\n" + body).model(convention=convention)


def params(body, **kw):
    return net(body, **kw).params


# ---- conditionals ----------------------------------------------------------------------------

BLOCK = """block B(c_in, c_out, s=1):
    x = identity
    conv2d(c_out, 3, strides=s, padding="same")
    if s == 1 and c_in == c_out:
        add(x)
    elif s > 1:
        relu
    else:
        identity
"""


@pytest.mark.parametrize("call, figures", [
    # conv 3x3: 9*c_in*c_out + c_out; the residual (add) only when shapes allow it
    ("B(4, 4)", (9 * 4 * 4 + 4, ("conv2d", "add"), (8, 8, 4))),
    ("B(4, 8)", (9 * 4 * 8 + 8, ("conv2d", "identity"), (8, 8, 8))),
    ("B(4, 8, 2)", (9 * 4 * 8 + 8, ("conv2d", "relu"), (4, 4, 8))),
])
def test_the_first_branch_that_holds_runs(call, figures):
    result = symparams.parse(BLOCK + f"model M():\n    input (8, 8, 4)\n    {call}\n").model()
    total, types, shape = figures
    assert result.params == total
    assert tuple(r.type for r in result.layers[2:]) == types
    assert result.output_shape == shape


def test_a_condition_is_decided_from_the_symbols_assumptions():
    # sizes are positive integers, so c > 0 holds and c*c >= c holds for every c
    result = symparams.parse("model M(c):\n    input (c,)\n    if c > 0 and c * c >= c:\n"
                             "        dense(c)\n    else:\n        dense(1)\n").model()
    assert sympy.expand(result.params - (c * c + c)) == 0


def test_strings_compare_equal():
    body = 'block Act(kind):\n    if kind == "relu":\n        relu\n    elif kind != "tanh":\n        sigmoid\n' \
           'model M():\n    input (4,)\n    Act("relu") -> Act("gelu")\n'
    assert [r.type for r in symparams.parse(body).model().layers[1:]] == ["relu", "sigmoid"]


@pytest.mark.parametrize("source, message, where", [
    ("model M(c):\n    input (c,)\n    if c == 4:\n        relu\n",
     "cannot decide c == 4 without values for c: give them with --set", (3, 8)),
    ("model M():\n    input (4,)\n    if relu:\n        relu\n",
     r"expected a condition \(a comparison, true or false\), found", (3, 8)),
    ("model M():\n    input (4,)\n    if 1 < \"a\":\n        relu\n",
     "expected a number or expression as the right side of <, found a string", (3, 12)),
])
def test_undecidable_or_ill_typed_conditions_are_located_errors(source, message, where):
    with pytest.raises(SymparamsError, match=message) as err:
        symparams.parse(source).model()
    assert (err.value.span.line, err.value.span.column) == where


def test_an_undecided_condition_is_decided_once_set():
    source = "model M(c):\n    input (c,)\n    if c == 4:\n        dense(2)\n    else:\n        dense(3)\n"
    assert symparams.parse(source).model(values={"c": 4}).params == 4 * 2 + 2
    assert symparams.parse(source).model(values={"c": 5}).params == 5 * 3 + 3


# ---- several results and initial states ------------------------------------------------------

SEQ2SEQ = """model Seq2Seq(Te=20, Td=30, ne=71, nd=93, latent=256):
    input enc (Te, ne)
    input dec (Td, nd)
    _, h, c = enc -> lstm(latent, return_state=true)
    out, _, _ = dec -> lstm(latent, return_sequences=true, return_state=true, initial_state=(h, c))
    out -> dense(nd, activation="softmax")
"""


def test_the_keras_seq2seq_example_links_encoder_and_decoder():
    # keras.io "A ten-minute introduction to sequence-to-sequence learning": 71 and 93 characters,
    # latent 256. LSTM: 4*(u*(d + u) + u); encoder 4*(256*327 + 256) = 335,872, decoder
    # 4*(256*349 + 256) = 358,400, softmax dense 256*93 + 93 = 23,901.
    result = symparams.parse(SEQ2SEQ).model(defaults=True)
    assert result.params == 335_872 + 358_400 + 23_901 == 718_173
    assert result.output_shape == (30, 93)


@pytest.mark.parametrize("change, message", [
    ("initial_state=(h, c))", None),
    ("initial_state=h)", r"initial_state: lstm has 2 states \(h, c\), found 1 tensor"),
    ("initial_state=(c, h, h))", "found 3 tensors"),
])
def test_initial_state_count_is_checked(change, message):
    source = SEQ2SEQ.replace("initial_state=(h, c))", change)
    if message is None:
        symparams.parse(source).model()
        return
    with pytest.raises(SymparamsError, match=message):
        symparams.parse(source).model()


def test_initial_state_shapes_are_checked_in_both_conventions():
    wide = SEQ2SEQ.replace("dec -> lstm(latent,", "dec -> lstm(2 * latent,")
    with pytest.raises(symparams.ShapeError, match=r"initial_state: h is \(latent,\) \(from lstm\), but this "
                                                   r"layer's h is \(2\*latent,\)"):
        symparams.parse(wide).model()
    # PyTorch's states are (layers*directions, size): a 2-layer decoder needs (2, latent) states
    deep = SEQ2SEQ.replace("return_state=true, initial_state", "return_state=true, num_layers=2, initial_state")
    with pytest.raises(symparams.ShapeError, match=r"h is \(1, latent\) \(from lstm\), but this layer's h is "
                                                   r"\(2, latent\)"):
        symparams.parse(deep).model(convention="torch")


@pytest.mark.parametrize("source, message", [
    ("model M():\n    input (5, 3)\n    a, b = lstm(4)\n",
     "2 names for a chain that gives 1 result .*write return_state=true"),
    ("model M():\n    input (5, 3)\n    a, b = lstm(4, return_state=true)\n",
     "2 names for a chain that gives 3 results"),
])
def test_the_number_of_names_must_match_the_results(source, message):
    with pytest.raises(symparams.ShapeError, match=message):
        symparams.parse(source).model()


def test_a_block_returning_two_tensors_is_unpacked():
    source = ("block Two(k):\n    a = dense(k)\n    b = dense(2 * k)\n    return a, b\n"
              "model M():\n    input (6,)\n    p, q = Two(3)\n    q -> dense(1)\n")
    # dense(3) and dense(6) on 6 features, then dense(1) on q's 6: 21 + 42 + 7
    assert symparams.parse(source).model().params == 21 + 42 + 7
    with pytest.raises(symparams.ShapeError, match="returns 2 tensors; a chain needs one"):
        symparams.parse(source.replace("p, q = Two(3)", "Two(3) -> relu")).model()


# ---- positional arguments follow the framework of the name written ---------------------------

@pytest.mark.parametrize("body, inp, convention, total, shape", [
    # Keras's Dense(units, activation): 768*10 + 10
    ('dense(10, "relu")', "(4, 768)", "keras", 7_690, (4, 10)),
    # PyTorch's Linear(in_features, out_features): 768*3072 + 3072
    ("Linear(768, 3072)", "(4, 768)", "keras", 2_362_368, (4, 3072)),
    # PyTorch's Conv2d(3, 64, 7, 2, 3): 64*(3*49) + 64 = 9,472 and (224 + 6 - 7)//2 + 1 = 112
    ("Conv2d(3, 64, 7, 2, 3)", "(3, 224, 224)", "torch", 9_472, (64, 112, 112)),
    # Keras's SeparableConv2D(16, 3, 1, "same", None, 1, 2): depthwise 3*3*8*2, pointwise 16*16, bias 16
    ('SeparableConv2D(16, 3, 1, "same", None, 1, 2)', "(32, 32, 8)", "keras", 144 + 256 + 16, (32, 32, 16)),
    # PyTorch's LSTM(32, 64, 2): per layer 4*64*(d_k + 64) + 8*64, d_0 = 32, d_1 = 64
    ("LSTM(32, 64, 2)", "(10, 32)", "torch", 25_088 + 33_280, (64,)),
    # Keras's Conv2D(filters, kernel_size, strides, padding, data_format): channels_last matches the file
    ('Conv2D(16, 3, 1, "same", "channels_last")', "(32, 32, 8)", "keras", 16 * 72 + 16, (32, 32, 16)),
    # Keras's MultiHeadAttention(num_heads, key_dim, value_dim, dropout, use_bias=false): 4 kernels 16x(2*8)
    ("MultiHeadAttention(2, 8, 8, 0.1, false)", "(10, 16)", "keras", 4 * 16 * 16, (10, 16)),
])
def test_positional_arguments_follow_the_written_names_framework(body, inp, convention, total, shape):
    layout = "layout channels_first\n" if convention == "torch" and inp.startswith("(3,") else ""
    result = net(f"    {body}\n", inp=inp, convention=convention, head=layout)
    assert result.params == total and result.output_shape == shape


@pytest.mark.parametrize("body, inp, message", [
    ("Linear(700, 3072)", "(4, 768)", "in_features=700, but the input has 768"),
    ("Conv2d(4, 64, 3)", "(8, 8, 3)", "in_channels=4, but the input has 3"),
    ('Conv2D(16, 3, 1, "same", "channels_first")', "(32, 32, 8)", "data_format .* decided by the file's layout"),
    ("prelu(5)", "(6, 7, 5)", "positional argument 1 is alpha_initializer, which takes a name"),
    ("Linear(8, 1, true, none, none, 3)", "(8,)", "Linear takes at most 5 positional arguments"),
])
def test_framework_orders_are_checked(body, inp, message):
    with pytest.raises(SymparamsError, match=message):
        net(f"    {body}\n", inp=inp)


def test_efficientnet_b0_is_one_mbconv_block_with_conditionals():
    # torchvision.models.efficientnet_b0(): 5,288,548 parameters (its model card)
    result = symparams.load(EXAMPLES / "efficientnet_b0.arch").model(convention="torch", defaults=True)
    assert result.params == 5_288_548
    assert result.output_shape == (1000,)


def test_block_calls_inside_conditionals_count_toward_the_layer_bound_before_any_work():
    # B_i calls B_(i-1) twice inside an `if`: 2**40 layers, refused from the tree, not by running it
    source = "block B0():\n    relu\n" + "".join(
        f"block B{i}():\n    if true:\n        B{i - 1}() -> B{i - 1}()\n" for i in range(1, 41)) \
        + "model M():\n    input (4,)\n    B40()\n"
    with pytest.raises(symparams.LimitError, match="expands to more than 200000 layers"):
        symparams.parse(source).model()
