"""Recurrent layers: simple_rnn, lstm, gru (the Keras cell and PyTorch's stacked,
optionally bidirectional modules)."""
from __future__ import annotations

from .base import BOOL, REQUIRED, SIZE, Built, Optional, P, w, when
from .core import layer

GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}


def _recurrent(kind, *aliases):
    params = [P("units", SIZE, REQUIRED, "hidden_size"),
              P("use_bias", BOOL, True, "bias"),
              P("return_sequences", BOOL, False),
              P("return_state", BOOL, False),
              P("num_layers", SIZE, 1),
              P("bidirectional", BOOL, False)]
    if kind == "lstm":
        params.append(P("proj_size", SIZE, 0))
    if kind == "gru":
        params.append(P("reset_after", BOOL, True))
    if kind == "simple_rnn":
        params.append(P("nonlinearity", Optional(SIZE), None))

    @layer(kind, *aliases, params=params, activation=True, input_size=lambda c: c.features)
    def build(c):
        """Keras: kernel (d, G*u), recurrent_kernel (u, G*u), bias (G*u) with G gates
        (GRU with reset_after: bias (2, 3u)). PyTorch: weight_ih_l{k} (G*u, d),
        weight_hh_l{k} (G*u, u or proj), bias_ih_l{k} and bias_hh_l{k} (G*u), per layer
        and direction (suffix _reverse), weight_hr_l{k} (proj, u) with proj_size."""
        a = c.a
        c.need_rank(2, exact=True, what="(time steps, features)")
        steps, d = c.shape
        u, gates = a.units, GATES[kind]
        proj = a.proj_size if kind == "lstm" else 0
        out_size = proj if proj else u
        layers = a.num_layers
        directions = 2 if a.bidirectional else 1
        if c.keras and (layers != 1 or a.bidirectional or proj):
            c.cannot_express("Keras's recurrent layers have one layer and one direction; "
                             "stack layers or wrap in bidirectional(...)")

        def keras():
            bias_shape = (2, gates * u) if kind == "gru" and a.reset_after else (gates * u,)
            return [w("kernel", (d, gates * u)), w("recurrent_kernel", (u, gates * u)),
                    *when(a.use_bias, w("bias", bias_shape))]

        def torch():
            if kind == "gru" and not a.reset_after:
                c.cannot_express("PyTorch's GRU applies the reset gate after the matmul (reset_after=true)")
            if not isinstance(layers, type(c.shape[0])) and not getattr(layers, "is_Integer", False):
                c.fail("num_layers must be a number", "num_layers")
            weights = []
            for k in range(int(layers)):
                width_in = d if k == 0 else out_size * directions
                for suffix in ("", "_reverse")[:directions]:
                    weights += [w(f"weight_ih_l{k}{suffix}", (gates * u, width_in)),
                                w(f"weight_hh_l{k}{suffix}", (gates * u, out_size)),
                                *when(a.use_bias, w(f"bias_ih_l{k}{suffix}", (gates * u,)),
                                      w(f"bias_hh_l{k}{suffix}", (gates * u,))),
                                *when(proj, w(f"weight_hr_l{k}{suffix}", (proj, u)))]
            return weights
        weights = c.pick(keras, torch)

        per_step = 0
        for k in range(int(layers) if getattr(layers, "is_Integer", False) else 1):
            width_in = d if k == 0 else out_size * directions
            per_step += directions * (gates * u * (width_in + out_size) + (u * proj if proj else 0))
        width = out_size * directions
        shape = (steps, width) if a.return_sequences else (width,)
        if a.return_state:
            states = [(width,)] if kind != "lstm" else [(width,), (u * directions,)]
            shape = [shape, *states]
        return Built(shape, weights, steps * per_step, layout=None)
    return build


_recurrent("simple_rnn", "SimpleRNN", "RNN")
_recurrent("lstm", "LSTM")
_recurrent("gru", "GRU")
