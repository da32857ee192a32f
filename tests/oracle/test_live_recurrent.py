"""simple_rnn, lstm, gru, conv_lstm*d, bidirectional and time_distributed against live
Keras 3 and PyTorch: parameter counts, weight names/shapes/trainable in order, output
shapes (every output with return_state) and MACs, for hypothesis-drawn configurations.

MACs are measured with torch.utils.flop_counter.FlopCounterMode on one example: it counts
2*M*N*K for every matmul and convolution the framework runs (bias adds and element-wise
ops are not counted, which is what the catalog counts).
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import symparams
from drawn import Drawn
from frameworks import keras_report, torch_report

KINDS = ("simple_rnn", "lstm", "gru")
KERAS_CLASS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
TORCH_CLASS = {"simple_rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
MERGE_MODES = ("concat", "sum", "mul", "ave", None)

pytestmark = pytest.mark.filterwarnings(
    "ignore:TF32 acceleration on top of oneDNN:UserWarning",   # from toggling oneDNN off, below
    "ignore:LSTM with projections is not supported with oneDNN:UserWarning")

units = st.integers(1, 6)
widths = st.integers(1, 6)
steps = st.integers(1, 5)


def lit(value) -> str:
    return {True: "true", False: "false", None: "none"}.get(value, repr(value).replace("'", '"'))


def program(body, input_shape) -> str:
    return f"model M():\n    input ({', '.join(map(str, input_shape))},)\n    {body}\n"


def evaluate(body, input_shape, convention):
    net = symparams.parse(program(body, input_shape)).model(convention=convention)
    return net, net.layers[-1]


def as_shapes(report_shape) -> tuple:
    """A report's output: one shape, or a tuple of shapes when there are several."""
    if report_shape and isinstance(report_shape[0], tuple):
        return tuple(report_shape)
    return (tuple(report_shape),)


def assert_matches(net, row, report):
    assert int(net.params) == report.params
    assert int(net.trainable) == report.trainable
    assert int(net.non_trainable) == report.non_trainable
    assert int(net.buffers) == report.buffers
    assert [(wt.name, tuple(int(s) for s in wt.shape), wt.trainable) for wt in row.weights] == list(report.weights)
    assert tuple(tuple(int(s) for s in shape) for shape in row.output_shapes) == as_shapes(report.output_shape)


def counted_macs(run) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    # oneDNN runs nn.LSTM as one fused kernel the counter cannot see into; without it,
    # PyTorch runs the per-step matmuls the counter counts.
    with torch.backends.mkldnn.flags(enabled=False), torch.no_grad(), FlopCounterMode(display=False) as counter:
        run(torch)
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


def keras_layer_macs(layer, input_shape) -> int:
    return counted_macs(lambda torch: layer(torch.zeros((1, *input_shape))))


def keras_generic_loop(kind, reset_after=True) -> bool:
    """Keras's torch backend runs LSTM and GRU(reset_after=True) in dedicated loops; every
    other recurrent layer goes through backend.rnn, which calls the step once more before
    the loop only to learn the output structure ("output_time_zero")."""
    return kind in ("simple_rnn", "conv_lstm") or (kind == "gru" and not reset_after)


def built(make):
    """make() once, keeping the instance so that MACs can be measured on the same layer."""
    holder = {}

    def factory():
        holder["layer"] = make()
        return holder["layer"]
    return factory, holder


# ---- Keras: one recurrent layer -----------------------------------------------------------------

# Keras's defaults, written out now and then (the activations change values, not figures)
KERAS_ACTIVATIONS = {"simple_rnn": {"activation": "tanh"},
                     "lstm": {"activation": "tanh", "recurrent_activation": "sigmoid"},
                     "gru": {"activation": "tanh", "recurrent_activation": "sigmoid"}}


def keras_configs(bidirectional=False):
    return st.fixed_dictionaries(dict(
        kind=st.sampled_from(KINDS), u=units, d=widths, t=steps, use_bias=st.booleans(),
        return_sequences=st.booleans(), return_state=st.booleans(), reset_after=st.booleans(),
        trainable=st.booleans(), activations=st.booleans(),
        merge_mode=st.sampled_from(MERGE_MODES) if bidirectional else st.none()))


def keras_options(cfg) -> dict:
    kind = cfg["kind"]
    extra = {"reset_after": cfg["reset_after"]} if kind == "gru" else {}
    activations = KERAS_ACTIVATIONS[kind] if cfg["activations"] else {}
    return dict(use_bias=cfg["use_bias"], return_sequences=cfg["return_sequences"],
                return_state=cfg["return_state"], trainable=cfg["trainable"], **extra, **activations)


def keras_body(cfg, bidirectional=False) -> str:
    inner = f"{cfg['kind']}({cfg['u']}, " + ", ".join(f"{k}={lit(v)}" for k, v in keras_options(cfg).items()) + ")"
    return f"bidirectional({inner}, merge_mode={lit(cfg['merge_mode'])})" if bidirectional else inner


@given(cfg=keras_configs())
def test_keras_recurrent(cfg):
    import keras

    kind, u, d, t = cfg["kind"], cfg["u"], cfg["d"], cfg["t"]
    net, row = evaluate(keras_body(cfg), (t, d), "keras")
    factory, holder = built(lambda: getattr(keras.layers, KERAS_CLASS[kind])(u, **keras_options(cfg)))
    report = keras_report(factory, [(t, d)])
    assert_matches(net, row, report)
    measured = keras_layer_macs(holder["layer"], (t, d))
    loops = t + 1 if keras_generic_loop(kind, cfg["reset_after"]) else t
    assert row.macs * loops == measured * t


@given(cfg=keras_configs(bidirectional=True))
def test_keras_bidirectional(cfg):
    import keras

    kind, u, d, t = cfg["kind"], cfg["u"], cfg["d"], cfg["t"]
    net, row = evaluate(keras_body(cfg, bidirectional=True), (t, d), "keras")
    factory, holder = built(lambda: keras.layers.Bidirectional(
        getattr(keras.layers, KERAS_CLASS[kind])(u, **keras_options(cfg)), merge_mode=cfg["merge_mode"]))
    report = keras_report(factory, [(t, d)])
    assert_matches(net, row, report)
    measured = keras_layer_macs(holder["layer"], (t, d))
    loops = t + 1 if keras_generic_loop(kind, cfg["reset_after"]) else t
    assert row.macs * loops == measured * t


# ---- PyTorch: nn.RNN / nn.LSTM / nn.GRU -----------------------------------------------------------

def torch_call(return_sequences, return_state, merge=None):
    """nn.LSTM & co. return (output, h_n[, c_n]) with the whole sequence; this takes the last
    step when return_sequences is false, merges the two directions as merge_mode says, and
    moves the states' batch axis (always axis 1) first so that the report can drop it."""
    def call(module, xs):
        out, state = module(xs[0])
        out = out if return_sequences else out[:, -1]
        outs = (out,)
        if merge is not None:
            half = out.shape[-1] // 2
            forward, backward = out[..., :half], out[..., half:]
            outs = {"concat": (out,), "sum": (forward + backward,), "mul": (forward * backward,),
                    "ave": ((forward + backward) / 2,), None: (forward, backward)}[merge[0]]
        if return_state:
            states = state if isinstance(state, tuple) else (state,)
            outs += tuple(s.transpose(0, 1) for s in states)
        return outs
    return call


@st.composite
def torch_configs(draw):
    kind = draw(st.sampled_from(KINDS))
    u = draw(units)
    return dict(kind=kind, u=u, d=draw(widths), t=draw(steps), num_layers=draw(st.integers(1, 3)),
                bidirectional=draw(st.booleans()), use_bias=draw(st.booleans()),
                proj_size=draw(st.integers(0, u - 1)) if kind == "lstm" else 0,
                nonlinearity=draw(st.sampled_from([None, "tanh", "relu"])) if kind == "simple_rnn" else None,
                return_sequences=draw(st.booleans()), return_state=draw(st.booleans()))


def torch_module(cfg, bidirectional):
    import torch

    extra = {"proj_size": cfg["proj_size"]} if cfg["kind"] == "lstm" else {}
    if cfg["nonlinearity"]:
        extra["nonlinearity"] = cfg["nonlinearity"]
    return getattr(torch.nn, TORCH_CLASS[cfg["kind"]])(
        cfg["d"], cfg["u"], num_layers=cfg["num_layers"], bidirectional=bidirectional, bias=cfg["use_bias"],
        batch_first=True, **extra)


def torch_options(cfg, bidirectional):
    proj = f", proj_size={cfg['proj_size']}" if cfg["kind"] == "lstm" and cfg["proj_size"] else ""
    if cfg["nonlinearity"]:
        proj += f", nonlinearity={lit(cfg['nonlinearity'])}"
    bi = f", bidirectional={lit(bidirectional)}" if bidirectional is not None else ""
    return (f"{cfg['kind']}(hidden_size={cfg['u']}, num_layers={cfg['num_layers']}{bi}, bias={lit(cfg['use_bias'])}, "
            f"return_sequences={lit(cfg['return_sequences'])}, return_state={lit(cfg['return_state'])}{proj}, "
            f"input_size={cfg['d']}, batch_first=true)")


def torch_macs(module, cfg):
    return counted_macs(lambda torch: module(torch.zeros((1, cfg["t"], cfg["d"]))))


@given(cfg=torch_configs())
def test_torch_recurrent(cfg):
    net, row = evaluate(torch_options(cfg, cfg["bidirectional"]), (cfg["t"], cfg["d"]), "torch")
    holder = {}
    report = torch_report(lambda: holder.setdefault("m", torch_module(cfg, cfg["bidirectional"])),
                          [(cfg["t"], cfg["d"])], call=torch_call(cfg["return_sequences"], cfg["return_state"]),
                          output_index=None)
    assert_matches(net, row, report)
    assert row.macs == torch_macs(holder["m"], cfg)


def torch_wrapper_configs():
    return st.tuples(torch_configs(), st.sampled_from(MERGE_MODES)).map(lambda c: {**c[0], "merge_mode": c[1]})


def torch_wrapper_body(cfg) -> str:
    return f"bidirectional({torch_options(cfg, None)}, merge_mode={lit(cfg['merge_mode'])})"


@given(cfg=torch_wrapper_configs())
def test_torch_bidirectional_wrapper(cfg):
    merge_mode = cfg["merge_mode"]
    body = torch_wrapper_body(cfg)
    net, row = evaluate(body, (cfg["t"], cfg["d"]), "torch")
    holder = {}
    report = torch_report(lambda: holder.setdefault("m", torch_module(cfg, True)), [(cfg["t"], cfg["d"])],
                          call=torch_call(cfg["return_sequences"], cfg["return_state"], merge=(merge_mode,)),
                          output_index=None)
    assert_matches(net, row, report)
    assert row.macs == torch_macs(holder["m"], cfg)


@given(kind=st.sampled_from(KINDS), u=units, d=widths, t=steps, use_bias=st.booleans())
def test_same_network_in_both_frameworks(kind, u, d, t, use_bias):
    """One layer, one direction: the MACs agree; the parameters differ by PyTorch's second
    bias vector except for GRU, whose Keras default (reset_after) also keeps two."""
    import keras
    import torch

    body = f"{kind}({u}, use_bias={lit(use_bias)})"
    keras_net, _ = evaluate(body, (t, d), "keras")
    torch_net, _ = evaluate(body, (t, d), "torch")
    k = keras_report(lambda: getattr(keras.layers, KERAS_CLASS[kind])(u, use_bias=use_bias), [(t, d)])
    p = torch_report(lambda: getattr(torch.nn, TORCH_CLASS[kind])(d, u, bias=use_bias, batch_first=True),
                     [(t, d)])
    second_bias = 0 if kind == "gru" or not use_bias else {"simple_rnn": 1, "lstm": 4}[kind] * u
    assert (int(keras_net.params), int(torch_net.params)) == (k.params, p.params)
    assert p.params - k.params == second_bias
    assert keras_net.macs == torch_net.macs


# ---- ConvLSTM --------------------------------------------------------------------------------------

@st.composite
def conv_lstm_configs(draw, rank=None):
    rank = draw(st.integers(1, 3)) if rank is None else rank
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    dilation = (1,) * rank if any(s > 1 for s in strides) else tuple(draw(st.integers(1, 2)) for _ in range(rank))
    padding = draw(st.sampled_from(("valid", "same")))
    # "valid" needs each length to cover the dilated kernel; Keras's per-step Python loop makes
    # every extra position slow, so the lengths stay just above that.
    spatial = tuple(draw(st.integers(dl * (k - 1) + 1 if padding == "valid" else 1,
                                     dl * (k - 1) + (3 if rank < 3 else 2)))
                    for k, dl in zip(kernel, dilation))
    return dict(rank=rank, kernel=kernel, strides=strides, dilation=dilation, spatial=spatial, padding=padding,
                filters=draw(st.integers(1, 3)), channels=draw(st.integers(1, 3)), t=draw(st.integers(1, 3)),
                use_bias=draw(st.booleans()), return_sequences=draw(st.booleans()),
                return_state=draw(st.booleans()), activations=draw(st.booleans()))


def conv_lstm_options(cfg) -> dict:
    activations = {"activation": "tanh", "recurrent_activation": "sigmoid"} if cfg["activations"] else {}
    return dict(strides=cfg["strides"], padding=cfg["padding"], dilation_rate=cfg["dilation"],
                use_bias=cfg["use_bias"], return_sequences=cfg["return_sequences"],
                return_state=cfg["return_state"], **activations)


def conv_lstm_body(cfg) -> str:
    return (f"conv_lstm{cfg['rank']}d({cfg['filters']}, {cfg['kernel']}, "
            + ", ".join(f"{k}={lit(v)}" for k, v in conv_lstm_options(cfg).items()) + ")")


def conv_lstm_shape(cfg) -> tuple:
    return (cfg["t"], *cfg["spatial"], cfg["channels"])


@given(cfg=conv_lstm_configs())
def test_keras_conv_lstm(cfg):
    import keras

    options = conv_lstm_options(cfg)
    body = conv_lstm_body(cfg)
    shape = conv_lstm_shape(cfg)
    net, row = evaluate(body, shape, "keras")
    factory, holder = built(lambda: getattr(keras.layers, f"ConvLSTM{cfg['rank']}D")(
        cfg["filters"], cfg["kernel"], **options))
    report = keras_report(factory, [shape])
    assert_matches(net, row, report)
    measured = keras_layer_macs(holder["layer"], shape)
    assert row.macs * (cfg["t"] + 1) == measured * cfg["t"]


# ---- TimeDistributed ----------------------------------------------------------------------------

INNER = {
    # name: (arch call, Keras layer, input shape per step given (a, b, c) sizes)
    "dense": ("dense({n})", lambda keras, n: keras.layers.Dense(n), lambda a, b, c: (c,)),
    "conv2d": ("conv2d({n}, 2)", lambda keras, n: keras.layers.Conv2D(n, 2), lambda a, b, c: (a + 1, b + 1, c)),
    "lstm": ("lstm({n})", lambda keras, n: keras.layers.LSTM(n), lambda a, b, c: (a, c)),
}


def time_distributed_configs(inner):
    return st.fixed_dictionaries(dict(inner=inner, n=units, t=steps, a=st.integers(1, 4), b=st.integers(1, 4),
                                      c=widths))


def keras_time_distributed(cfg):
    """(body, input shape) of a drawn Keras TimeDistributed."""
    call, _, step = INNER[cfg["inner"]]
    return f"time_distributed({call.format(n=cfg['n'])})", (cfg["t"], *step(cfg["a"], cfg["b"], cfg["c"]))


def torch_time_distributed(cfg):
    """(body, input shape) of a drawn PyTorch module on every step."""
    n, t, a, b, c = (cfg[k] for k in "ntabc")
    if cfg["inner"]:
        return f"time_distributed(conv2d({n}, 2))", (t, c, a + 1, b + 1)
    return f"time_distributed(dense({n}))", (t, c)


@given(cfg=time_distributed_configs(st.sampled_from(sorted(INNER))))
def test_keras_time_distributed(cfg):
    import keras

    inner, n = cfg["inner"], cfg["n"]
    _, make, _ = INNER[inner]
    body, shape = keras_time_distributed(cfg)
    net, row = evaluate(body, shape, "keras")
    factory, holder = built(lambda: keras.layers.TimeDistributed(make(keras, n)))
    report = keras_report(factory, [shape])
    assert_matches(net, row, report)
    assert row.macs == keras_layer_macs(holder["layer"], shape)


@given(cfg=time_distributed_configs(st.booleans()))
def test_torch_time_distributed(cfg):
    """PyTorch has no TimeDistributed: nn.Linear acts on the last axis of (N, T, d) as it is;
    nn.Conv2d runs on (N*T, C, H, W), the time axis folded into the batch."""
    import torch

    n, t, c = cfg["n"], cfg["t"], cfg["c"]
    body, shape = torch_time_distributed(cfg)
    if cfg["inner"]:
        make = lambda: torch.nn.Conv2d(c, n, 2)  # noqa: E731

        def call(module, xs):
            return module(xs[0].flatten(0, 1)).unflatten(0, (xs[0].shape[0], t))
    else:
        make, call = (lambda: torch.nn.Linear(c, n)), None
    net, row = evaluate(body, shape, "torch")
    holder = {}
    report = torch_report(lambda: holder.setdefault("m", make()), [shape], call=call)
    assert_matches(net, row, report)
    run = call or (lambda module, xs: module(xs[0]))
    assert row.macs == counted_macs(lambda torch: run(holder["m"], [torch.zeros((1, *shape))]))


# ---- initial_state: an encoder's final state starts a decoder (Keras's seq2seq, in both frameworks) ----

@st.composite
def encoder_decoder_configs(draw, convention):
    torch = convention == "torch"
    return dict(kind=draw(st.sampled_from(KINDS)), u=draw(units), ne=draw(widths), nd=draw(widths), te=draw(steps),
                td=draw(steps), use_bias=draw(st.booleans()), num_layers=draw(st.integers(1, 2)) if torch else 1,
                bidirectional=draw(st.booleans()) if torch else False)


def encoder_decoder_program(c, convention) -> str:
    """The encoder returns its states (h, c for lstm; h otherwise) and the decoder starts from them."""
    states = ("h", "c") if c["kind"] == "lstm" else ("h",)
    more = f", use_bias={lit(c['use_bias'])}"
    if convention == "torch":
        more += f", num_layers={c['num_layers']}, bidirectional={lit(c['bidirectional'])}"
    start = f"({', '.join(states)})" if len(states) > 1 else states[0]
    return (f"model M():\n    input enc ({c['te']}, {c['ne']})\n    input dec ({c['td']}, {c['nd']})\n"
            f"    _, {', '.join(states)} = enc -> {c['kind']}({c['u']}, return_state=true{more})\n"
            f"    dec -> {c['kind']}({c['u']}, return_sequences=true, initial_state={start}{more})\n")


def torch_encoder_decoder(c):
    import torch

    def make(width):
        return getattr(torch.nn, TORCH_CLASS[c["kind"]])(width, c["u"], num_layers=c["num_layers"],
                                                         bidirectional=c["bidirectional"], bias=c["use_bias"],
                                                         batch_first=True)

    class EncoderDecoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = make(c["ne"]), make(c["nd"])

        def forward(self, enc, dec):
            _, state = self.encoder(enc)
            return self.decoder(dec, state)[0]       # PyTorch checks the state's shapes
    return EncoderDecoder()


def keras_encoder_decoder(c):
    import keras

    cls = getattr(keras.layers, KERAS_CLASS[c["kind"]])
    enc, dec = keras.Input((c["te"], c["ne"])), keras.Input((c["td"], c["nd"]))
    _, *states = cls(c["u"], use_bias=c["use_bias"], return_state=True)(enc)
    out = cls(c["u"], use_bias=c["use_bias"], return_sequences=True)(dec, initial_state=states)
    return keras.Model([enc, dec], out)


@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_initial_state_from_an_encoder(convention):
    @given(c=encoder_decoder_configs(convention))
    def run(c):
        net = symparams.parse(encoder_decoder_program(c, convention)).model(convention=convention)
        if convention == "keras":
            model = keras_encoder_decoder(c)
            assert int(net.params) == model.count_params()
            assert tuple(int(n) for n in net.output_shape) == tuple(model.output.shape[1:])
            return
        module = torch_encoder_decoder(c)
        assert int(net.params) == sum(p.numel() for p in module.parameters())
        shapes = [(1, c["te"], c["ne"]), (1, c["td"], c["nd"])]
        assert int(net.macs) == counted_macs(lambda torch: module(*[torch.zeros(s) for s in shapes]))
        import torch
        out = module(*[torch.zeros(s) for s in shapes])
        assert tuple(int(n) for n in net.output_shape) == tuple(out.shape[1:])
    run()


# what these generators draw, for tests/test_live_coverage.py
DRAWN = [
    Drawn("keras recurrent", lambda conv: keras_configs(),
          lambda c, conv: program(keras_body(c), (c["t"], c["d"])), ("keras",)),
    Drawn("keras bidirectional", lambda conv: keras_configs(bidirectional=True),
          lambda c, conv: program(keras_body(c, bidirectional=True), (c["t"], c["d"])), ("keras",)),
    Drawn("torch recurrent", lambda conv: torch_configs(),
          lambda c, conv: program(torch_options(c, c["bidirectional"]), (c["t"], c["d"])), ("torch",)),
    Drawn("torch bidirectional wrapper", lambda conv: torch_wrapper_configs(),
          lambda c, conv: program(torch_wrapper_body(c), (c["t"], c["d"])), ("torch",)),
    *[Drawn(f"keras conv_lstm{rank}d", lambda conv, rank=rank: conv_lstm_configs(rank),
            lambda c, conv: program(conv_lstm_body(c), conv_lstm_shape(c)), ("keras",)) for rank in (1, 2, 3)],
    Drawn("keras time_distributed", lambda conv: time_distributed_configs(st.sampled_from(sorted(INNER))),
          lambda c, conv: program(*keras_time_distributed(c)), ("keras",)),
    Drawn("torch time_distributed", lambda conv: time_distributed_configs(st.booleans()),
          lambda c, conv: program(*torch_time_distributed(c)), ("torch",)),
    Drawn("encoder state into a decoder", encoder_decoder_configs, encoder_decoder_program),
]
