"""Recurrent layers and wrappers through the API, without keras or torch.

The figures are formulas derived here from each framework's documented weights; the
recorded cases (tests/data/oracle_layers.json) run in tests/test_oracle_cases.py.
"""

import pytest
import sympy

import symparams

T, d, u, p, f, k, H, W, C = sympy.symbols("T d u p f k H W C", integer=True, positive=True)


def model(body, inp="(T, d)", convention="keras", params="T, d, u, p, f, k, H, W, C"):
    src = f"model M({params}):\n    input {inp}\n    {body}\n"
    return symparams.parse(src).model(convention=convention)


def last(net):
    return net.layers[-1]


def same(a, b):
    return sympy.expand(sympy.sympify(a) - sympy.sympify(b)) == 0


def weights(row):
    return [(wt.name, tuple(sympy.sympify(s) for s in wt.shape)) for wt in row.weights]


# ---- closed forms derived from the frameworks' weight shapes ---------------------------------

@pytest.mark.parametrize("kind, gates", [("simple_rnn", 1), ("lstm", 4), ("gru", 3)])
def test_keras_cell_params(kind, gates):
    # kernel (d, G*u) + recurrent_kernel (u, G*u) + bias (G*u); GRU's default reset_after bias is (2, 3u)
    bias = 2 * gates * u if kind == "gru" else gates * u
    row = last(model(f"{kind}(u)"))
    assert same(row.params, gates * (u * (d + u)) + bias)
    assert same(row.macs, T * gates * u * (d + u))
    assert row.output_shape == (u,)


def test_keras_lstm_formula():
    assert same(model("lstm(u)").params, 4 * (u * (d + u) + u))


def test_keras_gru_reset_after_false_has_one_bias():
    row = last(model("gru(u, reset_after=false)"))
    assert weights(row) == [("kernel", (d, 3 * u)), ("recurrent_kernel", (u, 3 * u)), ("bias", (3 * u,))]
    assert same(row.params, 3 * u * (d + u) + 3 * u)


def test_keras_no_bias():
    for kind in ("simple_rnn", "lstm", "gru"):
        assert [n for n, _ in weights(last(model(f"{kind}(u, use_bias=false)")))] == ["kernel", "recurrent_kernel"]


@pytest.mark.parametrize("kind, gates", [("simple_rnn", 1), ("lstm", 4), ("gru", 3)])
def test_torch_module_params(kind, gates):
    # weight_ih (G*u, d) + weight_hh (G*u, u) + bias_ih + bias_hh (G*u each)
    row = last(model(f"{kind}(u, return_sequences=true)", convention="torch"))
    assert same(row.params, gates * u * (d + u) + 2 * gates * u)
    assert row.output_shape == (T, u)


def test_torch_lstm_formula():
    assert same(model("lstm(u)", convention="torch").params, 4 * u * (d + u) + 8 * u)


def test_torch_stacked_bidirectional_lstm_names_and_widths():
    row = last(model("lstm(u, num_layers=2, bidirectional=true, return_sequences=true)", convention="torch"))
    g = 4 * u
    assert weights(row) == [
        ("weight_ih_l0", (g, d)), ("weight_hh_l0", (g, u)), ("bias_ih_l0", (g,)), ("bias_hh_l0", (g,)),
        ("weight_ih_l0_reverse", (g, d)), ("weight_hh_l0_reverse", (g, u)),
        ("bias_ih_l0_reverse", (g,)), ("bias_hh_l0_reverse", (g,)),
        # layer 1 reads both directions of layer 0: 2u wide
        ("weight_ih_l1", (g, 2 * u)), ("weight_hh_l1", (g, u)), ("bias_ih_l1", (g,)), ("bias_hh_l1", (g,)),
        ("weight_ih_l1_reverse", (g, 2 * u)), ("weight_hh_l1_reverse", (g, u)),
        ("bias_ih_l1_reverse", (g,)), ("bias_hh_l1_reverse", (g,))]
    assert row.output_shape == (T, 2 * u)
    assert same(row.macs, T * 2 * (g * (d + u) + g * (2 * u + u)))


def test_torch_lstm_projection():
    row = last(model("lstm(u, proj_size=p, num_layers=2, return_state=true)", convention="torch"))
    g = 4 * u
    assert weights(row) == [
        ("weight_ih_l0", (g, d)), ("weight_hh_l0", (g, p)), ("bias_ih_l0", (g,)), ("bias_hh_l0", (g,)),
        ("weight_hr_l0", (p, u)),
        ("weight_ih_l1", (g, p)), ("weight_hh_l1", (g, p)), ("bias_ih_l1", (g,)), ("bias_hh_l1", (g,)),
        ("weight_hr_l1", (p, u))]
    # output p wide; h_n (layers, p) and c_n (layers, u) without their batch axis
    assert row.output_shapes == ((p,), (2, p), (2, u))
    # per step: 4u*d + 4u*p + u*p for layer 0, 4u*p + 4u*p + u*p for layer 1
    assert same(row.macs, T * (g * (d + p) + u * p + g * 2 * p + u * p))


def test_torch_no_bias_keeps_projection_last():
    row = last(model("lstm(u, proj_size=p, bias=false)", convention="torch"))
    assert [n for n, _ in weights(row)] == ["weight_ih_l0", "weight_hh_l0", "weight_hr_l0"]


def test_return_state_outputs_and_the_chain_continues_with_the_first():
    net = model("lstm(u, return_sequences=true, return_state=true) -> dense(f)")
    assert net.layers[1].output_shapes == ((T, u), (u,), (u,))
    assert net.layers[2].output_shape == (T, f)
    assert last(model("gru(u, return_state=true)")).output_shapes == ((u,), (u,))
    assert last(model("simple_rnn(u, return_state=true)")).output_shapes == ((u,), (u,))


def test_torch_return_sequences_false_is_the_last_step():
    row = last(model("gru(u, bidirectional=true)", convention="torch"))
    assert row.output_shape == (2 * u,)
    assert same(row.macs, T * 2 * 3 * u * (d + u))


# ---- bidirectional -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode, shapes", [('"concat"', ((T, 2 * u),)), ('"sum"', ((T, u),)), ('"mul"', ((T, u),)),
                                          ('"ave"', ((T, u),)), ("none", ((T, u), (T, u)))])
def test_keras_bidirectional_merge_modes(mode, shapes):
    row = last(model(f"bidirectional(lstm(u, return_sequences=true), merge_mode={mode})"))
    assert row.output_shapes == shapes
    one = [("kernel", (d, 4 * u)), ("recurrent_kernel", (u, 4 * u)), ("bias", (4 * u,))]
    assert weights(row) == one + one
    assert same(row.params, 2 * 4 * (u * (d + u) + u))
    assert same(row.macs, 2 * T * 4 * u * (d + u))


def test_keras_bidirectional_return_state_order():
    # Keras: [output, forward h, forward c, backward h, backward c]
    row = last(model("bidirectional(lstm(u, return_state=true))"))
    assert row.output_shapes == ((2 * u,), (u,), (u,), (u,), (u,))


def test_torch_bidirectional_is_the_reverse_direction():
    row = last(model("bidirectional(gru(u, return_sequences=true))", convention="torch"))
    assert [n for n, _ in weights(row)] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                            "weight_ih_l0_reverse", "weight_hh_l0_reverse",
                                            "bias_ih_l0_reverse", "bias_hh_l0_reverse"]
    assert row.output_shape == (T, 2 * u)
    summed = last(model('bidirectional(gru(u, return_sequences=true), merge_mode="sum")', convention="torch"))
    assert summed.output_shape == (T, u)
    assert same(summed.params, row.params)


def test_bidirectional_in_both_conventions_differs_by_the_second_bias():
    # PyTorch keeps bias_ih and bias_hh; Keras's LSTM has one bias of 4u per direction.
    keras = model("bidirectional(lstm(u))").params
    torch = model("bidirectional(lstm(u))", convention="torch").params
    assert same(torch - keras, 2 * 4 * u)
    assert same(model("bidirectional(gru(u))").params, model("bidirectional(gru(u))", convention="torch").params)


def test_bidirectional_trainable_false_marks_both_copies():
    net = model("bidirectional(lstm(u, trainable=false))")
    assert same(net.non_trainable, 2 * 4 * (u * (d + u) + u)) and net.trainable == 0


# ---- time_distributed ------------------------------------------------------------------------------

def test_time_distributed_dense():
    row = last(model("time_distributed(dense(f))"))
    assert weights(row) == [("kernel", (d, f)), ("bias", (f,))]
    assert row.output_shape == (T, f)
    assert same(row.macs, T * d * f)


def test_time_distributed_conv2d_in_each_layout():
    keras = last(model("time_distributed(conv2d(f, k))", inp="(T, H, W, C)"))
    assert keras.output_shape == (T, H - k + 1, W - k + 1, f)
    assert weights(keras) == [("kernel", (k, k, C, f)), ("bias", (f,))]
    torch = last(model("time_distributed(conv2d(f, k))", inp="(T, C, H, W)", convention="torch"))
    assert torch.output_shape == (T, f, H - k + 1, W - k + 1)
    assert weights(torch) == [("weight", (f, C, k, k)), ("bias", (f,))]
    assert same(keras.macs, T * (H - k + 1) * (W - k + 1) * k ** 2 * C * f)


def test_time_distributed_of_a_recurrent_layer():
    row = last(model("time_distributed(lstm(u))", inp="(T, H, d)"))
    assert row.output_shape == (T, u)
    assert same(row.macs, T * H * 4 * u * (d + u))


# ---- conv_lstm2d ------------------------------------------------------------------------------------

def test_conv_lstm2d_formulas():
    row = last(model("conv_lstm2d(f, k)", inp="(T, H, W, C)"))
    assert weights(row) == [("kernel", (k, k, C, 4 * f)), ("recurrent_kernel", (k, k, f, 4 * f)), ("bias", (4 * f,))]
    assert same(row.params, 4 * f * (k ** 2 * (C + f) + 1))
    assert row.output_shape == (H - k + 1, W - k + 1, f)
    # input conv C -> 4f and recurrent conv f -> 4f ("same") at each output position, each step
    assert same(row.macs, T * (H - k + 1) * (W - k + 1) * k ** 2 * (C + f) * 4 * f)


def test_conv_lstm2d_same_strided_with_state():
    row = last(model('conv_lstm2d(5, 3, strides=2, padding="same", return_sequences=true, return_state=true)',
                     inp="(4, 9, 9, 3)"))
    assert row.output_shapes == ((4, 5, 5, 5), (5, 5, 5), (5, 5, 5))


# ---- names, aliases, errors ------------------------------------------------------------------------------

# PyTorch's RNN(input_size, hidden_size) takes its own order; LSTM and GRU, names both frameworks
# use, take the convention's (Keras's units first here).
@pytest.mark.parametrize("call, canonical", [("SimpleRNN(u)", "simple_rnn"), ("RNN(d, u)", "simple_rnn"),
                                             ("LSTM(u)", "lstm"), ("GRU(u)", "gru")])
def test_recurrent_aliases(call, canonical):
    assert last(model(call)).type == canonical


def test_wrapper_aliases():
    assert last(model("Bidirectional(LSTM(u))")).type == "bidirectional"
    assert last(model("TimeDistributed(Dense(f))")).type == "time_distributed"
    assert last(model("ConvLSTM2D(f, k)", inp="(T, H, W, C)")).type == "conv_lstm2d"


def test_pytorch_keywords():
    row = last(model("LSTM(hidden_size=4, bias=false, input_size=3, batch_first=true)", inp="(5, 3)",
                     convention="torch", params=""))
    assert row.params == 4 * 4 * (3 + 4)


def test_keras_positional_order():
    # LSTM(units, activation, recurrent_activation, use_bias)
    assert same(last(model('lstm(u, "tanh", "sigmoid", false)')).params, 4 * u * (d + u))


@pytest.mark.parametrize("body, inp, convention, error", [
    ("lstm(4, input_size=7)", "(5, 3)", "torch", symparams.ShapeError),
    ("bidirectional(lstm(4, input_size=7))", "(5, 3)", "keras", symparams.ShapeError),
    ("time_distributed(dense(4, in_features=2))", "(5, 3)", "keras", symparams.ShapeError),
    ("lstm(4, num_layers=2)", "(5, 3)", "keras", symparams.ConventionError),
    ("lstm(4, proj_size=2)", "(5, 3)", "keras", symparams.ConventionError),
    ("gru(4, reset_after=false)", "(5, 3)", "torch", symparams.ConventionError),
    ("conv_lstm2d(2, 3)", "(4, 3, 9, 9)", "torch", symparams.ConventionError),
    ("lstm(4, proj_size=4)", "(5, 3)", "torch", symparams.ConstraintError),
    ("lstm(4, num_layers=n)", "(5, 3)", "torch", symparams.ArgumentError),
    ("bidirectional(dense(4))", "(5, 3)", "keras", symparams.ArgumentError),
    ("bidirectional(lstm(4, bidirectional=true))", "(5, 3)", "torch", symparams.ArgumentError),
    ("time_distributed(lstm(4, return_state=true))", "(5, 3, 2)", "keras", symparams.ArgumentError),
    ("simple_rnn(4, nonlinearity='sigmoid')", "(5, 3)", "torch", symparams.ArgumentError),
    ("conv_lstm2d(2, 3, strides=2, dilation_rate=2)", "(4, 9, 9, 3)", "keras", symparams.ArgumentError),
    ("lstm(4)", "(3,)", "keras", symparams.ShapeError),
])
def test_errors(body, inp, convention, error):
    with pytest.raises(error):
        model(body, inp=inp, convention=convention, params="")


def test_conv_lstm2d_torch_error_says_why():
    with pytest.raises(symparams.ConventionError, match="no ConvLSTM"):
        model("conv_lstm2d(2, 3)", inp="(4, 3, 9, 9)", convention="torch", params="")


def test_substitution_keeps_the_formulas():
    net = model("lstm(u, num_layers=2, bidirectional=true, return_sequences=true)", convention="torch")
    # the oracle case with d=20, u=16: 11264 parameters
    assert net.subs(T=5, d=20, u=16).params == 11264
