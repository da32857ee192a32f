"""Recurrent layers: simple_rnn, lstm, gru (Keras's one-layer cells and PyTorch's
stacked, optionally bidirectional modules), conv_lstm1d/2d/3d, and the wrappers
bidirectional and time_distributed.

MACs are those of the matrix (or convolution) products, per time step, times the
number of steps T: the input product, the recurrent product and, for PyTorch's
LSTM with proj_size, the projection. Bias additions, activations and the
element-wise gate products (LSTM: f*c, i*g, o*tanh(c); GRU: r*h, z*h, (1-z)*n)
are not counted, as activations are not counted anywhere in the catalog. A
layer that returns only its last step still runs every step, so it costs the same.
(A flop counter on Keras's torch backend sees T + 1 steps for SimpleRNN, GRU with
reset_after=false and ConvLSTM: its generic loop runs the step once more beforehand,
only to learn the output's structure. That step is not part of the network.)
"""
from __future__ import annotations

from dataclasses import replace

import sympy

from ..expressions import as_expr
from ..values import ArgValue, Tensor
from ..errors import ShapeError
from ..sizes import shapes_equal
from .base import (ACTIVATION, AMOUNT, BOOL, LAYER, REQUIRED, SIZE, TENSORS, TEXT, Built, Choice, K, Optional, P, Sizes,
                   format_shape, prod, w, when)
from .conv import output_length
from .core import layer

GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}
RECURRENT = ("simple_rnn", "lstm", "gru", "conv_lstm1d", "conv_lstm2d", "conv_lstm3d")
MERGE_MODES = ("concat", "sum", "mul", "ave")


def _count(c, value, what, arg, minimum):
    """A whole number known now: PyTorch names one set of weights per layer."""
    if not (isinstance(value, sympy.Integer) and value >= minimum):
        c.fail(f"{what} must be a whole number >= {minimum} (PyTorch names every layer's weights), "
               f"found {value}", arg)
    return int(value)


# ---- simple_rnn, lstm, gru ------------------------------------------------------------

def _recurrent(kind, *aliases):
    # Keras's positional order: units, activation, [recurrent_activation], use_bias.
    params = [P("units", SIZE, REQUIRED, "hidden_size"),
              P("activation", Optional(ACTIVATION), None)]
    if kind != "simple_rnn":
        params.append(P("recurrent_activation", Optional(ACTIVATION), None))
    params += [P("use_bias", BOOL, True, "bias"),
               K("return_sequences", BOOL, False),
               K("return_state", BOOL, False),
               K("initial_state", Optional(TENSORS), None),
               K("num_layers", SIZE, 1),
               K("bidirectional", BOOL, False)]
    if kind == "lstm":
        params.append(K("proj_size", AMOUNT, 0))
    if kind == "gru":
        params.append(K("reset_after", BOOL, True))
    if kind == "simple_rnn":
        params.append(K("nonlinearity", Optional(Choice(("tanh", "relu"))), None))

    def build(c):
        a = c.a
        c.need_rank(2, exact=True, what="(time steps, features)")
        steps, d = c.shape
        u, gates = c.positive(a.units, "units"), GATES[kind]
        proj = a.proj_size if kind == "lstm" else sympy.Integer(0)
        has_proj = proj != 0
        if c.keras:
            if a.num_layers != 1 or a.bidirectional or has_proj:
                c.cannot_express("Keras's recurrent layers have one layer, one direction and no projection "
                                 "(num_layers, bidirectional, proj_size are PyTorch's); stack layers, wrap "
                                 "in bidirectional(...)")
            return _keras_rnn(c, kind, steps, d, u, gates)
        if kind == "gru" and not a.reset_after:
            c.cannot_express("PyTorch's GRU applies the reset gate after the recurrent product "
                             "(Keras's reset_after=true)")
        layers = _count(c, a.num_layers, "num_layers", "num_layers", 1)
        if has_proj:
            c.positive(proj, "proj_size")
            c.positive(u - proj, lambda: f"units - proj_size ({u} - {proj}; PyTorch needs proj_size < hidden_size)")
        return _torch_rnn(c, kind, steps, d, u, gates, layers, 2 if a.bidirectional else 1,
                          proj if has_proj else None)

    build.__doc__ = _RNN_DOCS[kind]
    return layer(kind, *aliases, params=params, input_size=lambda c: c.features)(build)


def _keras_rnn(c, kind, steps, d, u, gates):
    a = c.a
    bias_shape = (2, gates * u) if kind == "gru" and a.reset_after else (gates * u,)
    weights = [w("kernel", (d, gates * u)), w("recurrent_kernel", (u, gates * u)),
               *when(a.use_bias, w("bias", bias_shape))]
    out = (steps, u) if a.return_sequences else (u,)
    states = [(u,)] * (2 if kind == "lstm" else 1)
    _check_initial_state(c, kind, states)
    shape = [out, *states] if a.return_state else out
    return Built(shape, weights, steps * gates * u * (d + u), layout=None)


def _torch_rnn(c, kind, steps, d, u, gates, layers, directions, proj):
    a = c.a
    out_size = u if proj is None else proj
    weights, per_step = [], 0
    for k in range(layers):
        width_in = d if k == 0 else out_size * directions
        for suffix in ("", "_reverse")[:directions]:
            weights += [w(f"weight_ih_l{k}{suffix}", (gates * u, width_in)),
                        w(f"weight_hh_l{k}{suffix}", (gates * u, out_size)),
                        *when(a.use_bias, w(f"bias_ih_l{k}{suffix}", (gates * u,)),
                              w(f"bias_hh_l{k}{suffix}", (gates * u,)))]
            if proj is not None:
                weights.append(w(f"weight_hr_l{k}{suffix}", (proj, u)))
            per_step += gates * u * (width_in + out_size) + (0 if proj is None else u * proj)
    width = out_size * directions
    out = (steps, width) if a.return_sequences else (width,)
    # h_n, c_n are (layers*directions, batch, size) whatever batch_first says; without the batch axis:
    states = [(layers * directions, out_size)] + ([(layers * directions, u)] if kind == "lstm" else [])
    _check_initial_state(c, kind, states)
    if a.return_state:
        return Built([out, *states], weights, steps * per_step, layout=None)
    return Built(out, weights, steps * per_step, layout=None)


def _check_initial_state(c, kind, states):
    """initial_state=(h, c) (or h) must have the layer's own state shapes: Keras's [h, c] of
    (units,) each, PyTorch's (h_0, c_0) of (layers*directions, size) without the batch axis."""
    given = c.a.initial_state
    if given is None:
        return
    names = ("h", "c")[:len(states)]
    if len(given) != len(states):
        c.fail(f"initial_state: {kind} has {len(states)} state{'s' if len(states) > 1 else ''} "
               f"({', '.join(names)}), found {len(given)} tensor{'s' if len(given) > 1 else ''}", "initial_state")
    for name, tensor, shape in zip(names, given, states):
        if not shapes_equal(tuple(tensor.shape), tuple(shape)):
            c.fail(f"initial_state: {name} is {format_shape(tensor.shape)} (from {tensor.producer}), but this "
                   f"layer's {name} is {format_shape(shape)}", "initial_state", ShapeError)


_COMMON_DOC = """
Input (T, d). MACs: T steps x the products of one step; bias adds, activations and the
element-wise gate products are not counted.

PyTorch (torch convention): per layer k and direction (suffix _reverse) weight_ih_l{k}
(G*u, d_k), weight_hh_l{k} (G*u, h), bias_ih_l{k} and bias_hh_l{k} (G*u) when use_bias
(bias=); d_0 = d, d_k = h*directions for k > 0; h = u (LSTM: proj_size when set).
nn.RNN/LSTM/GRU always return the whole sequence: return_sequences=false here is the same
network followed by taking the last step (for a bidirectional layer, each direction's
final state, as Keras gives), so the weights are the same and the output is
(h*directions,). return_state=true adds PyTorch's h_n (layers*directions, h) [and c_n
(layers*directions, u)] without their batch axis (which is axis 1 even with batch_first).
Keras (keras convention): one layer, one direction; return_state=true adds the final
states, each (u,).
"""

_RNN_DOCS = {
    "simple_rnn": """Keras SimpleRNN / PyTorch nn.RNN, G = 1 gate: h = act(x W + h W_r + b).
Keras: kernel (d, u), recurrent_kernel (u, u), bias (u); params u*(d + u + 1).
PyTorch: params per layer u*(d_k + u) + 2u (two biases).
MACs per step and layer/direction: u*d_k (input) + u*u (recurrent).""" + _COMMON_DOC + """
return_state adds h. nonlinearity= (PyTorch) and activation= (Keras) change no figure.""",
    "lstm": """Keras LSTM / PyTorch nn.LSTM, G = 4 gates (i, f, g, o).
Keras: kernel (d, 4u), recurrent_kernel (u, 4u), bias (4u); params 4*(u*(d + u) + u).
PyTorch: params 4*u*(d_k + h) + 8u (+ p*u with proj_size=p) per layer and direction; with
proj_size=p (0 < p < u) the hidden state is projected, weight_hr_l{k} (p, u) follows the
biases, weight_hh_l{k} is (4u, p), the output is p wide per direction, and c_n stays u wide.
MACs per step and layer/direction: 4u*d_k (input) + 4u*h (recurrent) + u*p (projection,
when proj_size is set).""" + _COMMON_DOC + """
return_state adds h and c (Keras: [output, h, c]).""",
    "gru": """Keras GRU / PyTorch nn.GRU, G = 3 gates (z, r, n).
Keras: kernel (d, 3u), recurrent_kernel (u, 3u); bias (2, 3u) with reset_after=true (the
default: separate input and recurrent biases, as PyTorch) or (3u,) with reset_after=false
(reset gate applied before the recurrent product), which PyTorch cannot express.
Params: 3u*(d + u) + 6u (reset_after) or + 3u.
MACs per step and layer/direction: 3u*d_k (input) + 3u*u (recurrent), the same with either
reset_after.""" + _COMMON_DOC + """
return_state adds h.""",
}

_recurrent("simple_rnn", "SimpleRNN", "RNN")
_recurrent("lstm", "LSTM")
_recurrent("gru", "GRU")


# ---- conv_lstm1d/2d/3d ------------------------------------------------------------------

def _above_one(value):
    return bool(value.is_number and value > 1)


def _conv_lstm(rank):
    name = f"conv_lstm{rank}d"
    # Keras's fifth positional argument is data_format, which the file's layout decides here:
    # everything after padding is keyword-only so that no positional value lands elsewhere.
    params = [P("filters", SIZE, REQUIRED),
              P("kernel_size", Sizes(rank)),
              P("strides", Sizes(rank), 1, "stride"),
              P("padding", Choice(("valid", "same")), "valid"),
              K("dilation_rate", Sizes(rank), 1, "dilation"),
              K("activation", Optional(TEXT), None),
              K("recurrent_activation", Optional(TEXT), None),
              K("use_bias", BOOL, True, "bias"),
              K("return_sequences", BOOL, False),
              K("return_state", BOOL, False)]

    def build(c):
        a = c.a
        if c.torch:
            c.cannot_express(f"PyTorch has no ConvLSTM layer (Keras ConvLSTM{rank}D)")
        c.need_rank(rank + 2, exact=True, what=f"(time steps, {rank} spatial axes and channels)")
        steps, frame = c.shape[0], _time_slice(c)
        cin = frame.shape[0] if c.channels_first else frame.shape[-1]
        spatial = frame.shape[1:] if c.channels_first else frame.shape[:-1]
        f, kernel = c.positive(a.filters, "filters"), a.kernel_size
        if any(_above_one(s) for s in a.strides) and any(_above_one(d) for d in a.dilation_rate):
            c.fail("strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it)", "strides")
        out = []
        for length, k, s, dil in zip(spatial, kernel, a.strides, a.dilation_rate):
            c.positive(k, "kernel size")
            c.positive(s, "stride")
            out.append(c.positive(output_length(length, k, s, dil, a.padding),
                                  lambda length=length: f"output size along an axis of length {length}"))
        weights = [w("kernel", (*kernel, cin, 4 * f)), w("recurrent_kernel", (*kernel, f, 4 * f)),
                   *when(a.use_bias, w("bias", (4 * f,)))]
        state = tuple(c.feature_map(out, f))
        shape = (steps, *state) if a.return_sequences else state
        if a.return_state:
            shape = [shape, state, state]
        # input convolution (C -> 4f) plus the recurrent one (f -> 4f, stride 1, "same") at every position
        macs = steps * prod(out) * prod(kernel) * (cin + f) * 4 * f
        return Built(shape, weights, macs)

    build.__doc__ = f"""Keras ConvLSTM{rank}D: input (T, {rank} spatial axes, C) (channels first after T
under layout channels_first). kernel (*kernel_size, C, 4f), recurrent_kernel (*kernel_size, f, 4f),
bias (4f); params 4f*(prod(kernel_size)*(C + f) + 1). The input convolution takes strides,
padding ("valid"/"same") and dilation_rate; the recurrent one is stride 1, "same", undilated,
so the state has the output's spatial size. Output (T, *out, f) with return_sequences, else
(*out, f); return_state adds h and c, each (*out, f). MACs: T x prod(out) x
prod(kernel_size) x (C + f) x 4f (both convolutions; bias adds, activations and gate products
not counted). PyTorch has no ConvLSTM: the torch convention reports an error."""
    return layer(name, f"ConvLSTM{rank}D", params=params,
                 input_size=lambda c: c.shape[1] if c.channels_first else c.shape[-1])(build)


def _time_slice(c) -> Tensor:
    """One time step of a (T, ...) input, in the input's layout."""
    return Tensor(tuple(c.shape[1:]), c.x.layout, c.x.producer)


for _rank in (1, 2, 3):
    _conv_lstm(_rank)


# ---- wrappers -----------------------------------------------------------------------------

def _inner(c, spec, x):
    """Build the wrapped layer on x: (Built, Ctx). The evaluator checks its in_channels=
    and applies its trainable= exactly as for a layer in a chain."""
    return c.apply_spec(spec, x)


def _split(shape):
    return (shape[0], list(shape[1:])) if isinstance(shape, list) else (shape, [])


@layer("bidirectional", "Bidirectional",
       params=[P("layer", LAYER, REQUIRED), P("merge_mode", Optional(Choice(MERGE_MODES)), "concat")])
def bidirectional(c):
    """Keras Bidirectional: a forward and a backward copy of a recurrent layer (simple_rnn,
    lstm, gru, conv_lstm*d). Weights: the forward copy's, then the backward copy's, with the
    same names (kernel, recurrent_kernel, bias twice); params and MACs twice the layer's.
    merge_mode "concat" (default) doubles the last axis, "sum"/"mul"/"ave" keep it, none
    gives the two outputs apart. With return_state the outputs are [merged output(s),
    forward states, backward states] (LSTM: [out, h_f, c_f, h_b, c_b]).

    torch convention: the wrapped layer with bidirectional=true (nn.LSTM etc.), whose
    weights are named *_reverse for the backward direction. PyTorch always concatenates the
    two directions; another merge_mode is that network followed by the merge (no weights),
    so only the output shape changes. return_state adds h_n (and c_n) as the wrapped layer
    reports them, both directions stacked on the first axis."""
    spec, mode = c.a.layer, c.a.merge_mode
    if spec.definition.name not in RECURRENT:
        c.fail(f"wraps a recurrent layer ({', '.join(RECURRENT)}), "
               f"not {spec.definition.name}", "layer")
    if c.keras:
        built, _ = _inner(c, spec, c.x)
        out, states = _split(built.shape)
        merged = {"concat": [(*out[:-1], 2 * out[-1])], None: [out, out]}.get(mode, [out])
        weights = [*built.weights, *built.weights]
        shape = [*merged, *states, *states]
        return Built(shape if len(shape) > 1 else shape[0], weights, 2 * built.macs, layout=built.layout)
    if any(a.keyword == "bidirectional" and a.value not in (False, None) for a in spec.args):
        c.fail("the wrapped layer is already bidirectional", "layer")
    args = tuple(a for a in spec.args if a.keyword != "bidirectional")
    both = replace(spec, args=args + (ArgValue("bidirectional", True, spec.span),))
    built, _ = _inner(c, both, c.x)
    out, states = _split(built.shape)
    half = (*out[:-1], out[-1] / 2)
    merged = {"concat": [out], None: [half, half]}.get(mode, [half])
    shape = [*merged, *states]
    return Built(shape if len(shape) > 1 else shape[0], built.weights, built.macs, layout=built.layout)


@layer("time_distributed", "TimeDistributed", params=[P("layer", LAYER, REQUIRED)])
def time_distributed(c):
    """Keras TimeDistributed: the wrapped layer applied to every step of a (T, ...) input,
    with one set of weights (the wrapped layer's, under its own names). Output
    (T, *the layer's output on one step); MACs T x the layer's MACs on one step. The step
    is read in the input's layout, so under channels_first a (T, C, H, W) input gives
    conv2d a (C, H, W) step.
    torch convention: PyTorch has no wrapper; this is the module applied with T folded into
    the batch (nn.Linear on (N, T, d) directly), which has the same weights and figures."""
    c.need_rank(2, what="(time steps, ...)")
    built, _ = _inner(c, c.a.layer, _time_slice(c))
    if isinstance(built.shape, list):
        c.fail(f"needs a layer with one output; {c.a.layer.definition.name} "
               f"returns {len(built.shape)} here", "layer")
    steps = c.shape[0]
    return Built((steps, *built.shape), built.weights, steps * as_expr(built.macs), layout=built.layout)

