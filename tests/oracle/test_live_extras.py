"""Live differential tests of prelu and resizing, and of permute and repeat_vector in
the company of the layers after them. Hypothesis draws a layer, symparams evaluates it
as a model, and Keras or PyTorch builds and runs the same model. Every expected figure
comes from the framework, never from symparams.

Each convention is tested with its own framework's arguments and, now and then, with
the other framework's (prelu's num_parameters in Keras, shared_axes in PyTorch). Then
the figures must be those of this convention's framework's equivalent layer, which
the test builds from the arguments' meaning; where there is none, symparams must
refuse. A layer the framework refuses must be refused by symparams too; the example
is then discarded with assume().
"""
from __future__ import annotations

import re

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


def K():
    import keras

    return keras.layers


def nn():
    import torch

    return torch.nn


def torch_function(fn):
    """A parameter-free module around fn, for what PyTorch has no module for."""
    import torch

    class Function(torch.nn.Module):
        def forward(self, x):
            return fn(x)

    return Function()


def rare():
    return st.integers(0, 7).map(lambda i: i == 7)


def number(expr) -> int:
    expr = sympy.sympify(expr)
    assert expr.is_Integer, f"symparams gave {expr} where a whole number was expected"
    return int(expr)


def figures(net) -> dict:
    weights = [w for row in net.layers for w in row.weights]
    return dict(params=number(net.params), trainable=number(net.trainable),
                non_trainable=number(net.non_trainable), buffers=number(net.buffers),
                weights=tuple((w.name, tuple(number(d) for d in w.shape), bool(w.trainable)) for w in weights),
                output_shape=tuple(number(d) for d in net.output_shape), macs=number(net.macs))


def check(convention, shape, chain, build):
    """build() -> the framework's Report, or raises when the framework has no such layer.
    Weight names are compared relative to their layer: nn.Sequential's "1." prefix goes."""
    src = model_source([shape], chain)
    note(f"{convention} convention:\n{src}")
    try:
        report = build()
        refusal = "an output axis of size 0" if 0 in report.output_shape else None
    except Exception as e:   # whatever the framework raises, the layer does not exist
        refusal = f"{type(e).__name__}: {str(e).strip()[:300]}"
    if refusal:
        note(f"the framework refuses: {refusal}")
        try:
            net = symparams.parse(src).model(convention=convention)
        except SymparamsError:
            assume(False)
        pytest.fail(f"the framework refuses this ({refusal}) but symparams gives output shape "
                    f"{net.output_shape} and {net.params} params")
    net = symparams.parse(src).model(convention=convention)
    weights = tuple((re.sub(r"^\d+\.", "", name), shape, trainable) for name, shape, trainable in report.weights)
    want = dict(params=report.params, trainable=report.trainable, non_trainable=report.non_trainable,
                buffers=report.buffers, weights=weights, output_shape=report.output_shape, macs=report.macs)
    assert figures(net) == want
    return net


# ---- prelu ----------------------------------------------------------------------------

@st.composite
def prelu_configs(draw, convention):
    rank = draw(st.integers(1, 4))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    # PyTorch's dim 1: the channels, last in Keras's channels_last and first in PyTorch's
    channel = rank - 1 if convention == "keras" and rank > 1 else 0
    native = draw(st.integers(0, 2)) > 0
    keras_args = native == (convention == "keras")
    shared = count = None
    if keras_args:
        if draw(st.integers(0, 3)) > 0:
            axes = draw(st.lists(st.integers(1, rank), unique=True, max_size=rank))
            # every axis may be named from the front or from the back
            shared = tuple(a if draw(st.booleans()) else a - rank - 1 for a in axes)
    else:
        choice = draw(st.sampled_from(["none", "one", "channels", "channels", "wrong"]))
        count = {"none": None, "one": 1, "channels": shape[channel], "wrong": shape[channel] + 1}[choice]
    init = None if keras_args else draw(st.sampled_from([None, 0.25, 0.1]))   # PyTorch's initial slope
    return dict(shape=shape, rank=rank, channel=channel, shared=shared, count=count, init=init)


def prelu_source(cfg):
    kw = {}
    if cfg["shared"] is not None:
        kw["shared_axes"] = cfg["shared"][0] if len(cfg["shared"]) == 1 else cfg["shared"]
    if cfg["count"] is not None:
        kw["num_parameters"] = cfg["count"]
    if cfg["init"] is not None:
        kw["init"] = cfg["init"]
    return call("PReLU" if kw.get("num_parameters") else "prelu", **kw) if kw else "prelu"


def unshared_axes(cfg):
    """The batch-counting axes that keep one slope per element, as the arguments mean it."""
    rank = cfg["rank"]
    if cfg["shared"] is not None:
        return set(range(1, rank + 1)) - {a if a > 0 else rank + 1 + a for a in cfg["shared"]}
    if cfg["count"] is None:
        return None
    if cfg["count"] == cfg["shape"][cfg["channel"]]:
        return {cfg["channel"] + 1}
    if cfg["count"] == 1:
        return set()
    raise ValueError(f"nn.PReLU refuses num_parameters={cfg['count']} for {cfg['shape'][cfg['channel']]} channels")


def keras_prelu(cfg):
    unshared = unshared_axes(cfg)
    # Keras mis-reads negative shared_axes (alpha_shape[i - 1]), so it is given the
    # positive axes that LANGUAGE.md's negative axes name
    shared = None if unshared is None else [a for a in range(1, cfg["rank"] + 1) if a not in unshared]
    return keras_report(lambda: K().PReLU(shared_axes=shared or None), [cfg["shape"]])


def torch_prelu(cfg):
    unshared = unshared_axes(cfg)
    if unshared is None or not unshared:
        count = cfg["count"] or 1   # nn.PReLU() by default, one slope shared by all
    elif unshared == {1}:
        count = cfg["shape"][0]
    else:
        raise ValueError(f"nn.PReLU cannot keep one slope per element along axes {sorted(unshared)}")
    if cfg["count"] not in (None, 1, count):
        count = cfg["count"]   # let PyTorch itself refuse a wrong count
    return torch_report(lambda: nn().PReLU(num_parameters=count, init=cfg["init"] or 0.25), [cfg["shape"]])


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_prelu_matches_live_framework(convention):
    @settings(max_examples=settings.default.max_examples)
    @given(cfg=prelu_configs(convention))
    def run(cfg):
        build = keras_prelu if convention == "keras" else torch_prelu
        check(convention, cfg["shape"], prelu_source(cfg), lambda: build(cfg))

    run()


# ---- resizing -------------------------------------------------------------------------

@st.composite
def resizing_configs(draw, convention):
    spatial = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    channels = draw(st.integers(1, 3))
    shape = (*spatial, channels) if convention == "keras" else (channels, *spatial)
    aspect = draw(st.sampled_from(["none", "none", "crop", "pad", "both"])) if convention == "keras" else "none"
    return dict(shape=shape, size=(draw(st.integers(1, 8)), draw(st.integers(1, 8))), aspect=aspect,
                mode=draw(st.sampled_from(["nearest", "bilinear"])), fill=draw(st.booleans()),
                spelling=draw(st.sampled_from(["keras", "size", "Upsample"] if convention == "torch" else
                                              ["keras", "size"])), convention=convention)


def resizing_source(cfg):
    h, w = cfg["size"]
    kw = {}
    if cfg["aspect"] in ("crop", "both"):
        kw["crop_to_aspect_ratio"] = True
    if cfg["aspect"] in ("pad", "both"):
        kw["pad_to_aspect_ratio"] = True
    if cfg["fill"]:
        kw.update(KERAS_FILL, antialias=cfg["mode"] == "bilinear")
    if cfg["spelling"] == "Upsample":
        return call("Upsample", size=cfg["size"], mode=cfg["mode"])
    if cfg["spelling"] == "size":
        mode = {"mode": cfg["mode"]} if cfg["convention"] == "torch" else {}    # PyTorch's word for it
        return call("resizing", size=cfg["size"], **mode, **kw)
    return call("resizing", h, w, interpolation=cfg["mode"], **kw)


KERAS_FILL = dict(fill_mode="constant", fill_value=0)   # how padded pixels are filled


def keras_resizing(cfg):
    h, w = cfg["size"]
    fill = dict(KERAS_FILL, antialias=cfg["mode"] == "bilinear") if cfg["fill"] else {}
    return keras_report(lambda: K().Resizing(h, w, interpolation=cfg["mode"], **fill,
                                             crop_to_aspect_ratio=cfg["aspect"] in ("crop", "both"),
                                             pad_to_aspect_ratio=cfg["aspect"] in ("pad", "both")), [cfg["shape"]])


def torch_resizing(cfg):
    return torch_report(lambda: nn().Upsample(size=cfg["size"], mode=cfg["mode"]), [cfg["shape"]])


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_resizing_matches_live_framework(convention):
    @settings(max_examples=settings.default.max_examples)
    @given(cfg=resizing_configs(convention))
    def run(cfg):
        build = keras_resizing if convention == "keras" else torch_resizing
        check(convention, cfg["shape"], resizing_source(cfg), lambda: build(cfg))

    run()


# ---- permute and repeat_vector, with the layers after them ---------------------------

@st.composite
def permute_configs(draw, convention):
    rank = draw(st.integers(2, 4))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    dims = tuple(draw(st.permutations(range(1, rank + 1))))
    return dict(shape=shape, dims=dims, filters=draw(st.integers(1, 3)))


def permute_chain(cfg) -> str:
    conv = call(f"conv{len(cfg['shape']) - 1}d", cfg["filters"], 1)
    return f"{call('permute', cfg['dims'])} -> {conv}"


def permuted(shape, dims):
    return tuple(shape[d - 1] for d in dims)


def permute_then_conv(convention, cfg):
    rank = len(cfg["shape"])
    out = permuted(cfg["shape"], cfg["dims"])
    if convention == "keras":
        conv = getattr(K(), f"Conv{rank - 1}D")
        return keras_report(lambda: _keras_chain(K().Permute(cfg["dims"]), conv(cfg["filters"], 1)), [cfg["shape"]])
    conv = getattr(nn(), f"Conv{rank - 1}d")
    return torch_report(lambda: nn().Sequential(torch_function(lambda x: x.permute(0, *cfg["dims"])),
                                                conv(out[0], cfg["filters"], 1)), [cfg["shape"]])


def _keras_chain(first, second):
    """Two Keras layers applied in turn, reported as one (weights of both, in order)."""
    import keras

    class Chain(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.first, self.second = first, second

        def call(self, x):
            return self.second(self.first(x))

    return Chain()


@pytest.mark.parametrize("convention", [
    "keras",
    "torch",
])
def test_permute_then_conv_matches_live_framework(convention):
    @settings(max_examples=settings.default.max_examples)
    @given(cfg=permute_configs(convention))
    def run(cfg):
        check(convention, cfg["shape"], permute_chain(cfg), lambda: permute_then_conv(convention, cfg))

    run()


def repeat_vector_configs():
    return st.fixed_dictionaries(dict(d=st.integers(1, 5), n=st.integers(1, 5), units=st.integers(1, 3)))


def repeat_vector_chain(cfg) -> str:
    return f"repeat_vector({cfg['n']}) -> dense({cfg['units']})"


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_repeat_vector_matches_live_framework(convention):
    @settings(max_examples=settings.default.max_examples)
    @given(cfg=repeat_vector_configs())
    def run(cfg):
        d, n, units = cfg["d"], cfg["n"], cfg["units"]
        if convention == "keras":
            build = lambda: keras_report(lambda: _keras_chain(K().RepeatVector(n), K().Dense(units)), [(d,)])  # noqa: E731
        else:
            build = lambda: torch_report(lambda: nn().Sequential(  # noqa: E731
                torch_function(lambda x: x.unsqueeze(1).repeat(1, n, 1)), nn().Linear(d, units)), [(d,)])
        check(convention, (d,), repeat_vector_chain(cfg), build)

    run()


def test_repeat_vector_zero_is_refused():
    with pytest.raises(ValueError):
        K().RepeatVector(0)
    with pytest.raises(SymparamsError):
        symparams.parse("model M():\n    input (7,)\n    repeat_vector(0)\n").model()


# ---- a dense layer tied to a shared embedding (tie=E): the table transposed, no new weights ------

@st.composite
def tie_configs(draw, convention):
    return dict(shape=(draw(st.integers(1, 5)),), vocab=draw(st.integers(2, 12)), width=draw(st.integers(2, 6)),
                use_bias=draw(st.booleans()))


def tie_chain(cfg) -> str:
    # the embedding is declared with let, used, then read back by the dense layer
    return (f"let E = embedding({cfg['vocab']}, {cfg['width']})\n    "
            f"E -> dense({cfg['vocab']}, tie=E, use_bias={'true' if cfg['use_bias'] else 'false'})")


def keras_tied(cfg):
    import keras

    class TiedDense(keras.layers.Layer):
        """x @ E.T (+ bias): what tie=E means in Keras terms."""

        def __init__(self, embedding):
            super().__init__()
            self.embedding = embedding

        def build(self, input_shape):
            if cfg["use_bias"]:
                self.bias = self.add_weight(shape=(cfg["vocab"],), name="bias")

        def call(self, x):
            y = keras.ops.matmul(x, keras.ops.transpose(self.embedding.embeddings))
            return y + self.bias if cfg["use_bias"] else y

    def make():
        embedding = K().Embedding(cfg["vocab"], cfg["width"])
        return _keras_chain(embedding, TiedDense(embedding))
    return keras_report(make, [cfg["shape"]], input_dtype="int32", vocab=cfg["vocab"])


def torch_tied(cfg):
    def make():
        embedding = nn().Embedding(cfg["vocab"], cfg["width"])
        dense = nn().Linear(cfg["width"], cfg["vocab"], bias=cfg["use_bias"])
        dense.weight = embedding.weight      # PyTorch's weight tying: one Parameter, counted once
        return nn().Sequential(embedding, dense)
    return torch_report(make, [cfg["shape"]], input_dtype="long", vocab=cfg["vocab"])


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_tied_dense_matches_live_framework(convention):
    @settings(max_examples=settings.default.max_examples)
    @given(cfg=tie_configs(convention))
    def run(cfg):
        build = keras_tied if convention == "keras" else torch_tied
        net = check(convention, cfg["shape"], tie_chain(cfg), lambda: build(cfg))
        assert number(net.params) == cfg["vocab"] * cfg["width"] + (cfg["vocab"] if cfg["use_bias"] else 0)

    run()


# what these generators draw, for tests/test_live_coverage.py
DRAWN = [
    Drawn("prelu", prelu_configs, lambda cfg, conv: model_source([cfg["shape"]], prelu_source(cfg))),
    Drawn("resizing", resizing_configs, lambda cfg, conv: model_source([cfg["shape"]], resizing_source(cfg))),
    Drawn("permute -> conv", permute_configs, lambda cfg, conv: model_source([cfg["shape"]], permute_chain(cfg))),
    Drawn("repeat_vector -> dense", lambda conv: repeat_vector_configs(),
          lambda cfg, conv: model_source([(cfg["d"],)], repeat_vector_chain(cfg))),
    Drawn("dense(tie=E)", tie_configs, lambda cfg, conv: model_source([cfg["shape"]], tie_chain(cfg))),
]
