"""Live differential tests of conv1d/2d/3d_transpose: hypothesis draws a layer, symparams
evaluates it as a one-layer model, and Keras or PyTorch builds and runs it. Every
expected figure comes from the framework, never from symparams.

Each convention is tested with its own framework's arguments (Keras: padding "valid"
or "same", output_padding none or < strides; PyTorch: integer padding, output_padding
< stride or dilation, groups) and, now and then, with the other framework's arguments.
Then the figures must be those of a layer of this convention's framework with the same
output shape, which the test finds by asking that framework for the output length of
every candidate padding; when there is none, symparams must refuse the layer.

A layer the framework refuses (or whose output has an axis of size 0) must be refused
by symparams too; the example is then discarded with assume().
"""
from __future__ import annotations

import itertools
import warnings

import pytest
import sympy
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

import symparams
from arch_source import call, model_source
from drawn import Drawn
from frameworks import keras_report, torch_report
from symparams import SymparamsError

CONVENTIONS = ("keras", "torch")
RANKS = (1, 2, 3)


def K():
    import keras

    return keras.layers


def nn():
    import torch

    return torch.nn


# ---- writing .arch source -------------------------------------------------------

def per_axis(value, rank) -> tuple:
    return value if isinstance(value, tuple) else (value,) * rank


def rare():
    return st.integers(0, 7).map(lambda i: i == 7)


def sizes(rank, lo, hi):
    return st.one_of(st.integers(lo, hi), st.tuples(*[st.integers(lo, hi)] * rank))


# ---- configurations ---------------------------------------------------------------

@st.composite
def configs(draw, convention, rank):
    # one example in three takes the other framework's arguments
    native = draw(st.integers(0, 2)) > 0
    other = {"keras": "torch", "torch": "keras"}[convention]
    style = convention if native else other
    if convention == "torch":
        groups = draw(st.integers(1, 3)) if draw(st.booleans()) else 1
    else:
        groups = 2 if draw(rare()) else 1   # Keras has no groups: symparams must refuse
    channels, filters = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    if groups > 1 and draw(rare()):
        channels += 1   # groups must divide the channels
    kernel = draw(sizes(rank, 1, 4))
    strides = draw(sizes(rank, 1, 5))
    # Keras refuses strides > 1 with dilation > 1, so dilation is mostly drawn alone
    dilated = draw(st.sampled_from(["no", "no", "no", "alone", "with strides"]))
    dilation = 1
    if dilated == "alone":
        strides, dilation = 1, draw(sizes(rank, 2, 3))
    elif dilated == "with strides":
        dilation = draw(sizes(rank, 1, 3))
    s, d = per_axis(strides, rank), per_axis(dilation, rank)
    if style == "keras":
        padding = draw(st.sampled_from(["valid", "same"]))
        # output_padding < strides, but at or past it now and then
        op = draw(st.one_of(st.none(), st.tuples(*[st.integers(0, max(0, x - 1) + draw(rare())) for x in s])))
    else:
        padding = draw(sizes(rank, 0, 3))
        op = tuple(draw(st.integers(0, max(a, b) - 1 + draw(rare()))) for a, b in zip(s, d))
        if all(v == 0 for v in op) and draw(st.booleans()):
            op = None
    if op is not None and len(set(op)) == 1 and draw(st.booleans()):
        op = op[0]
    spatial = tuple(draw(st.integers(1, 5)) for _ in range(rank))
    shape = (*spatial, channels) if convention == "keras" else (channels, *spatial)
    return dict(rank=rank, style=style, shape=shape, spatial=spatial, channels=channels, filters=filters,
                groups=groups, kernel=kernel, strides=strides, dilation=dilation, padding=padding,
                output_padding=op, use_bias=draw(st.booleans()), torch_words=draw(st.booleans()),
                # Keras's activation= (element-wise: no weights, no MACs); PyTorch's module has none
                activation=draw(st.sampled_from([None, None, "relu"])))


def source(cfg) -> str:
    torch_words = cfg["torch_words"]
    kw = {}
    if cfg["strides"] != 1:
        kw["stride" if torch_words else "strides"] = cfg["strides"]
    if cfg["padding"] != "valid":
        kw["padding"] = cfg["padding"]
    if cfg["output_padding"] is not None:
        kw["output_padding"] = cfg["output_padding"]
    if cfg["dilation"] != 1:
        kw["dilation" if torch_words else "dilation_rate"] = cfg["dilation"]
    if cfg["groups"] != 1:
        kw["groups"] = cfg["groups"]
    if not cfg["use_bias"]:
        kw["bias" if torch_words else "use_bias"] = False
    if cfg["activation"]:
        kw["activation"] = cfg["activation"]
    r = cfg["rank"]
    if torch_words:
        return call(f"ConvTranspose{r}d", out_channels=cfg["filters"], kernel_size=cfg["kernel"],
                    in_channels=cfg["channels"], **kw)
    return call(f"conv{r}d_transpose", cfg["filters"], cfg["kernel"], **kw)


# ---- the frameworks ---------------------------------------------------------------

def keras_layer(cfg, padding=None, output_padding="same as cfg"):
    kw = {} if cfg["groups"] == 1 else {"groups": cfg["groups"]}   # Keras refuses the keyword
    op = cfg["output_padding"] if output_padding == "same as cfg" else output_padding
    cls = getattr(K(), f"Conv{cfg['rank']}DTranspose")
    return cls(cfg["filters"], cfg["kernel"], strides=cfg["strides"], padding=padding or cfg["padding"],
               output_padding=op, dilation_rate=cfg["dilation"], use_bias=cfg["use_bias"],
               activation=cfg["activation"], **kw)


def torch_module(cfg, padding=None, output_padding=None):
    cls = getattr(nn(), f"ConvTranspose{cfg['rank']}d")
    op = cfg["output_padding"] if output_padding is None else output_padding
    return cls(cfg["channels"], cfg["filters"], cfg["kernel"], stride=cfg["strides"],
               padding=cfg["padding"] if padding is None else padding, output_padding=op or 0,
               groups=cfg["groups"], bias=cfg["use_bias"], dilation=cfg["dilation"])


def keras_axis_lengths(cfg, axis, length):
    """{(padding, output_padding): output length} of Keras's 1-D layer along one axis."""
    k, s, d = (per_axis(cfg[key], cfg["rank"])[axis] for key in ("kernel", "strides", "dilation"))
    out = {}
    for padding in ("valid", "same"):
        for op in (None, *range(s)):
            try:
                layer = K().Conv1DTranspose(1, k, strides=s, padding=padding, output_padding=op, dilation_rate=d)
                out[padding, op] = layer.compute_output_shape((None, length, 1))[1]
            except ValueError:
                pass
    return out


def torch_axis_lengths(cfg, axis, length):
    """{(padding, output_padding): output length} of PyTorch's 1-D layer along one axis."""
    import torch

    k, s, d = (per_axis(cfg[key], cfg["rank"])[axis] for key in ("kernel", "strides", "dilation"))
    out = {}
    for p, op in itertools.product(range(d * (k - 1) + 1), range(max(s, d))):
        try:
            out[p, op] = nn().ConvTranspose1d(1, 1, k, stride=s, padding=p, output_padding=op,
                                              dilation=d)(torch.zeros(1, 1, length)).shape[-1]
        except RuntimeError:
            pass
    return out


def keras_equivalent(cfg, spatial_out):
    """A Keras padding and output_padding giving spatial_out, or None."""
    rank = cfg["rank"]
    per = [keras_axis_lengths(cfg, i, n) for i, n in enumerate(cfg["spatial"])]
    for padding in ("valid", "same"):
        if all(per[i].get((padding, None)) == spatial_out[i] for i in range(rank)):
            return padding, None
        ops = []
        for i in range(rank):
            found = [op for (p, op), n in per[i].items() if p == padding and op is not None and n == spatial_out[i]]
            ops.append(found[0] if found else None)
        if None not in ops:
            return padding, tuple(ops)
    return None


def torch_equivalent(cfg, spatial_out):
    """A PyTorch padding and output_padding per axis giving spatial_out, or None."""
    pads, ops = [], []
    for i, n in enumerate(cfg["spatial"]):
        found = [key for key, m in torch_axis_lengths(cfg, i, n).items() if m == spatial_out[i]]
        if not found:
            return None
        pads.append(found[0][0])
        ops.append(found[0][1])
    return tuple(pads), tuple(ops)


def channels_first(shape):
    return (shape[-1], *shape[:-1])


def channels_last(shape):
    return (*shape[1:], shape[0])


def live(convention, cfg):
    """The framework's report for the layer the configuration describes in this convention,
    or raises when that framework has no such layer."""
    if convention == cfg["style"]:
        if convention == "keras":
            return keras_report(lambda: keras_layer(cfg), [cfg["shape"]])
        return torch_report(lambda: torch_module(cfg), [cfg["shape"]])
    if convention == "keras":
        # PyTorch's arguments: what PyTorch makes of them, then the Keras layer that matches
        wanted = torch_report(lambda: torch_module(cfg), [channels_first(cfg["shape"])]).output_shape[1:]
        if 0 in wanted:
            raise ValueError("an output axis of size 0")
        if cfg["groups"] != 1:
            raise ValueError("Keras has no groups")
        match = keras_equivalent(cfg, wanted)
        if match is None:
            raise ValueError(f"no Keras padding gives {wanted}")
        note(f"Keras equivalent: padding={match[0]!r}, output_padding={match[1]}")
        return keras_report(lambda: keras_layer(cfg, *match), [cfg["shape"]])
    # Keras's arguments: what Keras makes of them (groups aside, which only PyTorch has),
    # then the PyTorch layer that matches
    plain = dict(cfg, groups=1, filters=1, channels=1)
    wanted = keras_report(lambda: keras_layer(plain), [(*cfg["spatial"], 1)]).output_shape[:-1]
    if 0 in wanted:
        raise ValueError("an output axis of size 0")
    match = torch_equivalent(cfg, wanted)
    if match is None:
        raise ValueError(f"no PyTorch padding gives {wanted}")
    note(f"PyTorch equivalent: padding={match[0]}, output_padding={match[1]}")
    return torch_report(lambda: torch_module(cfg, *match), [cfg["shape"]])


# ---- the check ----------------------------------------------------------------------

def number(expr) -> int:
    expr = sympy.sympify(expr)
    assert expr.is_Integer, f"symparams gave {expr} where a whole number was expected"
    return int(expr)


def figures(net) -> dict:
    weights = net.layers[-1].weights
    return dict(params=number(net.params), trainable=number(net.trainable),
                non_trainable=number(net.non_trainable), buffers=number(net.buffers),
                weights=tuple((w.name, tuple(number(d) for d in w.shape), bool(w.trainable)) for w in weights),
                output_shape=tuple(number(d) for d in net.output_shape))


def check(convention, cfg):
    src = model_source([cfg["shape"]], source(cfg))
    note(f"{convention} convention ({cfg['style']}'s arguments):\n{src}")
    if convention != cfg["style"] and convention == "torch":
        s, d = per_axis(cfg["strides"], cfg["rank"]), per_axis(cfg["dilation"], cfg["rank"])
        # Keras refuses strides > 1 with dilation > 1, so it cannot say what its arguments mean there
        assume(not (max(s) > 1 and max(d) > 1))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = live(convention, cfg)
        refusal = "an output axis of size 0" if 0 in report.output_shape else None
    except Exception as e:   # whatever the framework raises, the layer does not exist
        refusal = f"{type(e).__name__}: {str(e).strip()[:300]}"
    if refusal:
        note(f"the framework refuses: {refusal}")
        try:
            net = symparams.parse(src).model(convention=convention)
        except SymparamsError:
            assume(False)
        pytest.fail(f"the framework refuses this layer ({refusal}) but symparams gives output shape "
                    f"{net.output_shape} and {net.params} params")
    net = symparams.parse(src).model(convention=convention)
    want = dict(params=report.params, trainable=report.trainable, non_trainable=report.non_trainable,
                buffers=report.buffers, weights=report.weights, output_shape=report.output_shape)
    assert figures(net) == want
    # MACs: every input position times the kernel volume times (C/groups) times filters
    k = per_axis(cfg["kernel"], cfg["rank"])
    positions = 1
    for n in cfg["spatial"]:
        positions *= n
    kernel_volume = 1
    for n in k:
        kernel_volume *= n
    assert number(net.macs) == positions * kernel_volume * cfg["channels"] // cfg["groups"] * cfg["filters"]
    assert number(net.macs) == report.macs      # what torch's flop counter sees the framework run


@pytest.mark.parametrize("convention", CONVENTIONS)
@pytest.mark.parametrize("rank", RANKS)
def test_conv_transpose_matches_live_framework(rank, convention):
    @settings(max_examples=settings.default.max_examples)
    @given(cfg=configs(convention, rank))
    def run(cfg):
        check(convention, cfg)

    run()


# what these generators draw, for tests/test_live_coverage.py
DRAWN = [Drawn(f"conv{rank}d_transpose", lambda conv, rank=rank: configs(conv, rank),
               lambda cfg, conv: model_source([cfg["shape"]], source(cfg))) for rank in RANKS]
