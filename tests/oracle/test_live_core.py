"""Live differential tests: hypothesis draws a layer configuration, symparams
evaluates it as a one-layer model, and the real framework builds and runs the
same layer. Every expected figure comes from Keras or PyTorch, never from symparams:
params, trainable, non-trainable, buffers, each weight's name, shape, trainable flag
and buffer flag in order, the output shape, and the MACs: the multiply-adds of the
framework's own forward pass as torch.utils.flop_counter counts them (FLOPs / 2 per
example; Keras runs on the torch backend, so the counter sees its ops too). The counter
counts matrix products and convolutions only, as docs/MACS.md does: bias adds,
activations, normalization, pooling, merges and resizing are 0 on both sides.

FAMILIES is the table: per family of layers, a strategy (convention -> configuration),
the .arch layer call, and a builder for each framework. Each configuration carries
its input shapes in the convention's layout (keras: channels_last, torch:
channels_first). Every family runs the profile's max_examples (200 in CI). DRAWN (at the end) lists the
generators for tests/test_live_coverage.py, which checks that they reach every argument.

A configuration the framework refuses (an exception, or an output axis of size 0)
must be refused by symparams too, with a SymparamsError; it is then discarded with
assume(), so the budget goes to layers that exist. Configurations that only Keras's
torch backend refuses (its bugs, not Keras's rules) are not drawn.
"""
from __future__ import annotations

import functools
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import pytest
import sympy
from hypothesis import assume, given, note
from hypothesis import strategies as st

import symparams
from arch_source import Name, call, fmt, model_source
from drawn import Drawn
from support import Kept
from frameworks import Report, keras_report, torch_report
from symparams import SymparamsError

CONVENTIONS = ("keras", "torch")

# The frameworks' advice on tiny drawn layers (a copied input for padding="same" with
# an even kernel, a softmax over one element) is not about the figures under test.
pytestmark = [pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning"),
              pytest.mark.filterwarnings("ignore:You are using a softmax over axis:UserWarning")]


# ---- the frameworks, imported late so that collection works without them ----------

def K():
    import keras

    return keras.layers


def nn():
    import torch

    return torch.nn


def torch_function(fn):
    """A parameter-free module around fn, for what PyTorch has no module for
    (slicing, reshaping, the merge operations)."""
    import torch

    class Function(torch.nn.Module):
        def forward(self, *xs):
            return fn(*xs)

    return Function()


@dataclass(frozen=True)
class Live:
    report: Report
    buffers: frozenset = frozenset()   # names PyTorch lists in named_buffers()


def keras_live(make_layer, cfg, **kw) -> Live:
    def make():
        layer = make_layer()
        layer.trainable = not cfg.get("frozen")
        return layer

    return Live(keras_report(make, cfg["inputs"], **kw))


def torch_live(make_module, cfg, **kw) -> Live:
    made = []

    def make():
        made.append(make_module())
        made[-1].requires_grad_(not cfg.get("frozen"))
        return made[-1]

    report = torch_report(make, cfg["inputs"], **kw)
    return Live(report, frozenset(name for name, _ in made[0].named_buffers()))


# ---- writing .arch source -------------------------------------------------------

def with_keywords(chain: str, **kwargs) -> str:
    """A layer call with more keywords: `relu` -> `relu(k=v)`, `f(a)` -> `f(a, k=v)`."""
    if not kwargs:
        return chain
    extra = ", ".join(f"{k}={fmt(v)}" for k, v in kwargs.items())
    if not chain.endswith(")"):
        return f"{chain}({extra})"
    return f"{chain[:-1]}{'' if chain.endswith('()') else ', '}{extra})"


def spelled(cfg, keras_word, torch_word):
    """Keywords take Keras names with PyTorch names as aliases; both must work."""
    return torch_word if cfg["torch_words"] else keras_word


SPELLINGS = ("ours", "keras", "torch")


def layer_name(cfg, ours, keras_class, torch_class=None):
    """The framework class names are aliases of symparams's own names."""
    return {"ours": ours, "keras": keras_class, "torch": torch_class or ours}[cfg["spelling"]]


# ---- strategy helpers -------------------------------------------------------------

def rare():
    """True about one time in eight: for configurations meant to be refused."""
    return st.integers(0, 7).map(lambda i: i == 7)


def sizes(rank, lo, hi):
    """One value for every axis or one per axis, as both frameworks accept."""
    return st.one_of(st.integers(lo, hi), st.tuples(*[st.integers(lo, hi)] * rank))


def per_axis(value, rank) -> tuple:
    return value if isinstance(value, tuple) else (value,) * rank


def feature_map(convention, spatial, channels) -> tuple:
    return (*spatial, channels) if convention == "keras" else (channels, *spatial)


def shapes(min_rank, max_rank, hi=4):
    return st.integers(min_rank, max_rank).flatmap(lambda r: st.tuples(*[st.integers(1, hi)] * r))


def batch_axes(rank):
    """Every way to name an axis of a rank-`rank` input (the batch axis is 0)."""
    return st.sampled_from([*range(1, rank + 1), *range(-rank, 0)])


def lengths(draw, rank, needs):
    """Input lengths of at least `needs` per axis; now and then the first is one
    short, which both the framework and symparams must refuse."""
    out = [n + draw(st.integers(0, 3)) for n in needs]
    if needs[0] > 1 and draw(rare()):
        out[0] = needs[0] - 1
    return tuple(out)


def spans(rank, kernel, dilation):
    return [d * (k - 1) + 1 for k, d in zip(per_axis(kernel, rank), per_axis(dilation, rank))]


# ---- the table --------------------------------------------------------------------

@dataclass(frozen=True)
class Family:
    name: str
    configs: Callable[[str], st.SearchStrategy]   # convention -> configurations (dicts)
    source: Callable[[dict], str]                 # configuration -> the layer call in .arch
    keras: Callable[[dict], Live]
    torch: Callable[[dict], Live]


FAMILIES: list[Family] = []


def family(*args, **kwargs):
    FAMILIES.append(Family(*args, **kwargs))


# ---- core ---------------------------------------------------------------------------

@st.composite
def dense_configs(draw, convention):
    return dict(inputs=[draw(shapes(1, 3, hi=5))], units=draw(st.integers(1, 6)),
                use_bias=draw(st.booleans()), torch_words=draw(st.booleans()), activation=draw(activations()))


def activations():
    """Keras's activation= of dense and convolution layers: element-wise, so no weights and no
    MACs; the PyTorch module is built without it (PyTorch has no such argument)."""
    return st.sampled_from([None, None, "relu", "tanh"])


def dense_source(cfg):
    kw = {} if cfg["use_bias"] else {spelled(cfg, "use_bias", "bias"): False}
    if cfg["activation"]:
        kw["activation"] = cfg["activation"]
    if cfg["torch_words"]:
        return call("Linear", out_features=cfg["units"], in_features=cfg["inputs"][0][-1], **kw)
    return call("dense", cfg["units"], **kw)


family("dense", dense_configs, dense_source,
       keras=lambda cfg: keras_live(lambda: K().Dense(cfg["units"], use_bias=cfg["use_bias"],
                                                      activation=cfg["activation"]), cfg),
       torch=lambda cfg: torch_live(
           lambda: nn().Linear(cfg["inputs"][0][-1], cfg["units"], bias=cfg["use_bias"]), cfg))


@st.composite
def embedding_configs(draw, convention):
    return dict(inputs=[draw(shapes(1, 2, hi=5))], vocab=draw(st.integers(1, 12)), dim=draw(st.integers(1, 6)),
                torch_words=draw(st.booleans()))


family("embedding", embedding_configs,
       lambda cfg: (call("Embedding", num_embeddings=cfg["vocab"], embedding_dim=cfg["dim"]) if cfg["torch_words"]
                    else call("embedding", cfg["vocab"], cfg["dim"])),
       keras=lambda cfg: keras_live(lambda: K().Embedding(cfg["vocab"], cfg["dim"]), cfg,
                                    input_dtype="int32", vocab=cfg["vocab"]),
       torch=lambda cfg: torch_live(lambda: nn().Embedding(cfg["vocab"], cfg["dim"]), cfg,
                                    input_dtype="long", vocab=cfg["vocab"]))


@st.composite
def flatten_configs(draw, convention):
    shape = draw(shapes(1, 4))
    # Keras's Flatten has no start_dim; 0 would fold the batch axis into the features.
    start = draw(batch_axes(len(shape))) if convention == "torch" else 1
    return dict(inputs=[shape], start_dim=start)


family("flatten", flatten_configs,
       lambda cfg: "flatten" if cfg["start_dim"] == 1 else call("flatten", start_dim=cfg["start_dim"]),
       keras=lambda cfg: keras_live(lambda: K().Flatten(), cfg),
       torch=lambda cfg: torch_live(lambda: nn().Flatten(start_dim=cfg["start_dim"]), cfg))


def divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def reshape_configs(draw, convention):
    shape = draw(shapes(1, 3))
    left, target = math.prod(shape), []
    for _ in range(draw(st.integers(0, 2))):
        target.append(draw(st.sampled_from(divisors(left))))
        left //= target[-1]
    target.append(left)
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    elif draw(rare()):
        target[-1] += 1   # a size that does not fit
    return dict(inputs=[shape], target=tuple(target))


family("reshape", reshape_configs, lambda cfg: call("reshape", cfg["target"]),
       keras=lambda cfg: keras_live(lambda: K().Reshape(cfg["target"]), cfg),
       torch=lambda cfg: torch_live(lambda: torch_function(lambda x: x.reshape(x.shape[0], *cfg["target"])), cfg))


@st.composite
def permute_configs(draw, convention):
    shape = draw(shapes(1, 4))
    return dict(inputs=[shape], dims=tuple(draw(st.permutations(range(1, len(shape) + 1)))))


family("permute", permute_configs, lambda cfg: call("permute", cfg["dims"]),
       keras=lambda cfg: keras_live(lambda: K().Permute(cfg["dims"]), cfg),
       torch=lambda cfg: torch_live(lambda: torch_function(lambda x: x.permute(0, *cfg["dims"])), cfg))


@st.composite
def repeat_vector_configs(draw, convention):
    return dict(inputs=[(draw(st.integers(1, 5)),)], n=draw(st.integers(1, 5)))


family("repeat_vector", repeat_vector_configs, lambda cfg: call("repeat_vector", cfg["n"]),
       keras=lambda cfg: keras_live(lambda: K().RepeatVector(cfg["n"]), cfg),
       torch=lambda cfg: torch_live(lambda: torch_function(lambda x: x.unsqueeze(1).repeat(1, cfg["n"], 1)), cfg))


# ---- convolutions ------------------------------------------------------------------

KERAS_CONV = {"conv": "Conv{r}D", "depthwise": "DepthwiseConv{r}D", "separable": "SeparableConv{r}D"}
TORCH_CONV = {"conv": "Conv{r}d", "depthwise": "", "separable": ""}   # PyTorch has no class for the others
DSL_CONV = {"conv": "conv{r}d", "depthwise": "depthwise_conv{r}d", "separable": "separable_conv{r}d"}


@st.composite
def conv_configs(draw, convention, rank, kind):
    groups = draw(st.integers(1, 3)) if kind == "conv" else 1
    channels = groups * draw(st.integers(1, 3))
    filters = groups * draw(st.integers(1, 3))
    if groups > 1 and draw(rare()):
        channels += 1   # groups must divide the channels
    kernel = draw(sizes(rank, 1, 3))
    # Keras refuses strides > 1 with dilation > 1: the mixed motion is kept rare.
    motion = draw(st.sampled_from(["plain", "strided", "dilated"] * 2 + ["strided+dilated"]))
    strides = draw(sizes(rank, 2, 3)) if "strided" in motion else 1
    dilation = draw(sizes(rank, 2, 3)) if "dilated" in motion else 1
    if convention == "keras":
        if rank == 1 and kind == "conv":
            words = ["valid", "same", "causal"]
        elif rank == 1:
            words = ["valid", "same"] * 3 + ["causal"]   # Keras allows "causal" for Conv1D only: both must refuse
        else:
            words = ["valid", "same"]
        padding = draw(st.sampled_from(words))
    else:
        # PyTorch refuses padding="same" with strides; symparams keeps Keras's
        # figures for it (a Keras file in the torch convention), so it is not drawn.
        words = ["valid"] if strides != 1 else ["valid", "same"]
        padding = draw(st.one_of(st.sampled_from(words), sizes(rank, 0, 2)))
    if isinstance(padding, str):
        needs = spans(rank, kernel, dilation) if padding == "valid" else [1] * rank
    else:
        needs = [max(1, s - 2 * p) for s, p in zip(spans(rank, kernel, dilation), per_axis(padding, rank))]
    return dict(inputs=[feature_map(convention, lengths(draw, rank, needs), channels)], rank=rank, kind=kind,
                channels=channels, filters=filters, groups=groups, kernel=kernel, strides=strides,
                dilation=dilation, padding=padding, multiplier=draw(st.integers(1, 3)),
                use_bias=draw(st.booleans()), torch_words=draw(st.booleans()),
                spelling=draw(st.sampled_from(SPELLINGS)), activation=draw(activations()))


def conv_source(cfg):
    kind = cfg["kind"]
    kw = {}
    if cfg["strides"] != 1:
        kw[spelled(cfg, "strides", "stride")] = cfg["strides"]
    if cfg["padding"] != "valid":
        kw["padding"] = cfg["padding"]
    if cfg["dilation"] != 1:
        kw[spelled(cfg, "dilation_rate", "dilation")] = cfg["dilation"]
    if cfg["groups"] != 1:
        kw["groups"] = cfg["groups"]
    if kind != "conv" and cfg["multiplier"] != 1:
        kw["depth_multiplier"] = cfg["multiplier"]
    if not cfg["use_bias"]:
        kw[spelled(cfg, "use_bias", "bias")] = False
    if cfg["activation"]:
        kw["activation"] = cfg["activation"]
    name = layer_name(cfg, *(table[kind].format(r=cfg["rank"]) for table in (DSL_CONV, KERAS_CONV, TORCH_CONV)))
    if kind == "depthwise":
        return call(name, cfg["kernel"], **kw)
    if cfg["torch_words"]:
        return call(name, out_channels=cfg["filters"], kernel_size=cfg["kernel"], in_channels=cfg["channels"], **kw)
    if name == TORCH_CONV[kind].format(r=cfg["rank"]):
        # PyTorch's class name takes PyTorch's order: Conv2d(in_channels, out_channels, kernel_size)
        return call(name, cfg["channels"], cfg["filters"], cfg["kernel"], **kw)
    return call(name, cfg["filters"], cfg["kernel"], **kw)


def keras_conv(cfg):
    kind = cfg["kind"]
    cls = getattr(K(), KERAS_CONV[kind].format(r=cfg["rank"]))
    common = dict(strides=cfg["strides"], padding=cfg["padding"], dilation_rate=cfg["dilation"],
                  use_bias=cfg["use_bias"], activation=cfg["activation"])
    if kind == "conv":
        return keras_live(lambda: cls(cfg["filters"], cfg["kernel"], groups=cfg["groups"], **common), cfg)
    if kind == "depthwise":
        return keras_live(lambda: cls(cfg["kernel"], depth_multiplier=cfg["multiplier"], **common), cfg)
    return keras_live(lambda: cls(cfg["filters"], cfg["kernel"], depth_multiplier=cfg["multiplier"], **common), cfg)


def torch_conv(cfg):
    kind, c, conv = cfg["kind"], cfg["channels"], getattr(nn(), f"Conv{cfg['rank']}d")
    common = dict(stride=cfg["strides"], padding=cfg["padding"], dilation=cfg["dilation"])
    if kind == "conv":
        return torch_live(lambda: conv(c, cfg["filters"], cfg["kernel"], groups=cfg["groups"],
                                       bias=cfg["use_bias"], **common), cfg)
    depth = c * cfg["multiplier"]
    if kind == "depthwise":
        return torch_live(lambda: conv(c, depth, cfg["kernel"], groups=c, bias=cfg["use_bias"], **common), cfg)
    # PyTorch has no separable convolution; symparams's torch convention names the
    # usual two-module spelling of it.
    return torch_live(lambda: nn().Sequential(OrderedDict(
        depthwise=conv(c, depth, cfg["kernel"], groups=c, bias=False, **common),
        pointwise=conv(depth, cfg["filters"], 1, bias=cfg["use_bias"]))), cfg)


for _kind, _ranks in (("conv", (1, 2, 3)), ("depthwise", (1, 2)), ("separable", (1, 2))):
    for _rank in _ranks:
        family(DSL_CONV[_kind].format(r=_rank),
               lambda conv, rank=_rank, kind=_kind: conv_configs(conv, rank, kind),
               conv_source, keras_conv, torch_conv)


# ---- pooling ----------------------------------------------------------------------

@st.composite
def pool_configs(draw, convention, rank):
    kind = draw(st.sampled_from(["max", "avg"]))
    pool = draw(sizes(rank, 1, 3))
    strides = draw(st.one_of(st.none(), sizes(rank, 1, 3)))
    dilation, ceil_mode = 1, False
    if convention == "keras":
        padding = draw(st.sampled_from(["valid", "same"]))
    else:
        # PyTorch allows at most half the window as padding; one past it now and then.
        limit = [k // 2 + draw(rare()) for k in per_axis(pool, rank)]
        padding = tuple(draw(st.integers(0, n)) for n in limit)
        if len(set(padding)) == 1 and draw(st.booleans()):
            padding = padding[0]
        ceil_mode = draw(st.booleans())
        if kind == "max":
            dilation = draw(sizes(rank, 1, 2))
    if padding == "same":
        needs = [1] * rank
    else:
        pads = per_axis(0 if padding == "valid" else padding, rank)
        needs = [max(1, s - 2 * p) for s, p in zip(spans(rank, pool, dilation), pads)]
    spatial = lengths(draw, rank, needs)
    if ceil_mode and draw(st.booleans()):
        strides, spatial = at_the_padding_edge(draw, rank, pool, dilation, padding, spatial)
    if convention == "keras" and kind == "avg" and rank == 3 and padding == "same":
        assume(not keras_torch_backend_refuses_avg_pool3d(spatial, pool, strides))
    return dict(inputs=[feature_map(convention, spatial, draw(st.integers(1, 3)))],
                rank=rank, kind=kind, pool=pool, strides=strides, padding=padding, dilation=dilation,
                ceil_mode=ceil_mode, torch_words=draw(st.booleans()), spelling=draw(st.sampled_from(SPELLINGS)))


def at_the_padding_edge(draw, rank, pool, dilation, padding, spatial):
    """Strides and a first-axis length where ceil_mode's last window starts exactly where the
    right padding starts: (out - 1) * stride == length + padding, the window PyTorch drops.
    With L + p = m*s and s > span - p, ceil((L + 2p - span)/s) = m, so out - 1 = m."""
    span = spans(rank, pool, dilation)[0]
    pad = per_axis(padding, rank)[0]
    stride = draw(st.integers(max(1, span - pad + 1), span - pad + 2))
    m = draw(st.integers(1, 3))
    while m * stride - pad < max(1, span - 2 * pad):
        m += 1
    strides = (stride, *[draw(st.integers(1, 3)) for _ in range(rank - 1)])
    return strides, (m * stride - pad, *spatial[1:])


def ceil_mode_edge(cfg) -> bool:
    """A torch pool whose first axis has a ceil_mode window starting at the right padding's edge."""
    if not cfg["ceil_mode"] or isinstance(cfg["padding"], str) or cfg["strides"] is None:
        return False
    rank = cfg["rank"]
    length = cfg["inputs"][0][1]
    span = spans(rank, cfg["pool"], cfg["dilation"])[0]
    pad, stride = per_axis(cfg["padding"], rank)[0], per_axis(cfg["strides"], rank)[0]
    out = -(-(length + 2 * pad - span) // stride) + 1
    return (out - 1) * stride == length + pad


def keras_torch_backend_refuses_avg_pool3d(spatial, pool, strides):
    """Keras 3.15.1 on the torch backend turns padding="same" into F.avg_pool3d's
    padding= when it is symmetric on every axis, and PyTorch's avg_pool3d (alone)
    wants the unpadded input to hold a window; other backends compute it."""
    pool = per_axis(pool, 3)
    strides = pool if strides is None else per_axis(strides, 3)
    symmetric = True
    for length, k, s in zip(spatial, pool, strides):
        total = k - 1 if s == 1 else max(0, (-(-length // s) - 1) * s + k - length)
        symmetric &= total % 2 == 0
    return symmetric and any(length < k for length, k in zip(spatial, pool))


def pool_source(cfg):
    kw = {}
    if cfg["strides"] is not None:
        kw[spelled(cfg, "strides", "stride")] = cfg["strides"]
    if cfg["padding"] not in ("valid", 0):
        kw["padding"] = cfg["padding"]
    if cfg["dilation"] != 1:
        kw["dilation"] = cfg["dilation"]
    if cfg["ceil_mode"]:
        kw["ceil_mode"] = True
    name = layer_name(cfg, f"{cfg['kind']}_pool{cfg['rank']}d", keras_pool_class(cfg), torch_pool_class(cfg))
    if cfg["torch_words"]:
        return call(name, kernel_size=cfg["pool"], **kw)
    return call(name, cfg["pool"], **kw)


def keras_pool_class(cfg):
    return {"max": "MaxPooling", "avg": "AveragePooling"}[cfg["kind"]] + f"{cfg['rank']}D"


def torch_pool_class(cfg):
    return {"max": "MaxPool", "avg": "AvgPool"}[cfg["kind"]] + f"{cfg['rank']}d"


def keras_pool(cfg):
    cls = getattr(K(), keras_pool_class(cfg))
    return keras_live(lambda: cls(cfg["pool"], strides=cfg["strides"], padding=cfg["padding"]), cfg)


def torch_pool(cfg):
    cls = getattr(nn(), torch_pool_class(cfg))
    extra = {"dilation": cfg["dilation"]} if cfg["kind"] == "max" else {}
    return torch_live(lambda: cls(cfg["pool"], stride=cfg["strides"], padding=cfg["padding"],
                                  ceil_mode=cfg["ceil_mode"], **extra), cfg)


@st.composite
def global_pool_configs(draw, convention, rank):
    spatial = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    return dict(inputs=[feature_map(convention, spatial, draw(st.integers(1, 4)))], rank=rank,
                kind=draw(st.sampled_from(["max", "avg"])), keepdims=draw(st.booleans()),
                spelling=draw(st.sampled_from(SPELLINGS)))


def global_pool_source(cfg):
    name = layer_name(cfg, f"global_{cfg['kind']}_pool{cfg['rank']}d", keras_global_pool_class(cfg))
    return call(name, keepdims=True) if cfg["keepdims"] else name


def keras_global_pool_class(cfg):
    return {"max": "GlobalMaxPooling", "avg": "GlobalAveragePooling"}[cfg["kind"]] + f"{cfg['rank']}D"


def keras_global_pool(cfg):
    cls = getattr(K(), keras_global_pool_class(cfg))
    return keras_live(lambda: cls(keepdims=cfg["keepdims"]), cfg)


def torch_global_pool(cfg):
    # PyTorch's spelling of a global pool: pool to size 1, then drop the unit axes.
    cls = getattr(nn(), {"max": "AdaptiveMaxPool", "avg": "AdaptiveAvgPool"}[cfg["kind"]] + f"{cfg['rank']}d")
    if cfg["keepdims"]:
        return torch_live(lambda: cls(1), cfg)
    return torch_live(lambda: nn().Sequential(cls(1), nn().Flatten()), cfg)


for _rank in (1, 2, 3):
    family(f"pool{_rank}d", lambda conv, rank=_rank: pool_configs(conv, rank), pool_source, keras_pool, torch_pool)
    family(f"global_pool{_rank}d", lambda conv, rank=_rank: global_pool_configs(conv, rank), global_pool_source,
           keras_global_pool, torch_global_pool)


# ---- padding, cropping, up-sampling ------------------------------------------------

@st.composite
def keras_pairs(draw, rank, hi):
    """A padding/cropping argument in one of Keras's forms, and its (before, after) per axis."""
    form = draw(st.sampled_from(["int", "per_axis", "pairs"]))
    if form == "int":
        v = draw(st.integers(0, hi))
        return v, ((v, v),) * rank
    if form == "per_axis" and rank > 1:
        vs = tuple(draw(st.integers(0, hi)) for _ in range(rank))
        return vs, tuple((v, v) for v in vs)
    pairs = tuple((draw(st.integers(0, hi)), draw(st.integers(0, hi))) for _ in range(rank))
    return (pairs[0] if rank == 1 else pairs), pairs


def torch_pad_order(pairs):
    """PyTorch's ZeroPad takes (before, after) for the last axis first."""
    return tuple(x for before, after in reversed(pairs) for x in (before, after))


@st.composite
def zero_padding_configs(draw, convention, rank):
    value, pairs = draw(keras_pairs(rank, 2))
    spatial = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    return dict(inputs=[feature_map(convention, spatial, draw(st.integers(1, 3)))], rank=rank, value=value,
                pairs=pairs, spelling=draw(st.sampled_from(SPELLINGS)))


family_zero_padding = dict(
    source=lambda cfg: call(layer_name(cfg, f"zero_padding{cfg['rank']}d", f"ZeroPadding{cfg['rank']}D",
                                       f"ZeroPad{cfg['rank']}d"), cfg["value"]),
    keras=lambda cfg: keras_live(lambda: getattr(K(), f"ZeroPadding{cfg['rank']}D")(cfg["value"]), cfg),
    torch=lambda cfg: torch_live(lambda: getattr(nn(), f"ZeroPad{cfg['rank']}d")(torch_pad_order(cfg["pairs"])),
                                 cfg))


@st.composite
def cropping_configs(draw, convention, rank):
    value, pairs = draw(keras_pairs(rank, 2))
    # at least one row must survive; now and then none does, which both must refuse
    spatial = tuple(b + a + 1 - draw(rare()) + draw(st.integers(0, 2)) for b, a in pairs)
    assume(min(spatial) > 0)
    return dict(inputs=[feature_map(convention, spatial, draw(st.integers(1, 3)))], rank=rank, value=value,
                pairs=pairs, spelling=draw(st.sampled_from(SPELLINGS)))


def torch_crop(pairs):
    def crop(x):
        keep = [slice(b, x.shape[i + 2] - a) for i, (b, a) in enumerate(pairs)]
        return x[(slice(None), slice(None), *keep)]
    return torch_function(crop)


family_cropping = dict(
    source=lambda cfg: call(layer_name(cfg, f"cropping{cfg['rank']}d", f"Cropping{cfg['rank']}D"), cfg["value"]),
    keras=lambda cfg: keras_live(lambda: getattr(K(), f"Cropping{cfg['rank']}D")(cfg["value"]), cfg),
    # PyTorch has no cropping module: compare with slicing a real tensor.
    torch=lambda cfg: torch_live(lambda: torch_crop(cfg["pairs"]), cfg))


@st.composite
def up_sampling_configs(draw, convention, rank):
    spelling = draw(st.sampled_from(["ours", "keras", "scale_factor", "Upsample", "Upsample(size)"]))
    # Keras's UpSampling1D takes one integer only
    size = draw(st.integers(1, 3) if rank == 1 else sizes(rank, 1, 3))
    if convention == "torch" and spelling.startswith("Upsample") and draw(st.booleans()):
        size = draw(st.sampled_from([0.5, 1.5, 2.5]))   # PyTorch's output: floor(length * factor)
    spatial = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    return dict(inputs=[feature_map(convention, spatial, draw(st.integers(1, 3)))], rank=rank, size=size,
                convention=convention, spelling=spelling)


def up_sampling_source(cfg):
    if cfg["spelling"] == "Upsample":
        return call("Upsample", scale_factor=cfg["size"])
    if cfg["spelling"] == "Upsample(size)":
        size = upsampled(cfg)
        return call("Upsample", size=size[0] if len(size) == 1 else size, mode="nearest")
    if cfg["spelling"] == "scale_factor":
        return call(f"up_sampling{cfg['rank']}d", scale_factor=cfg["size"])
    return call(layer_name(cfg, f"up_sampling{cfg['rank']}d", f"UpSampling{cfg['rank']}D"), cfg["size"])


def upsampled(cfg):
    """The output size Upsample(size=...) asks for, in PyTorch's order (spatial axes only)."""
    spatial = cfg["inputs"][0][1:] if cfg["convention"] == "torch" else cfg["inputs"][0][:-1]
    return tuple(math.floor(d * f) for d, f in zip(spatial, per_axis(cfg["size"], cfg["rank"])))


def torch_upsample(cfg):
    if cfg["spelling"] == "Upsample(size)":
        return torch_live(lambda: nn().Upsample(size=upsampled(cfg)), cfg)
    scale = tuple(float(s) for s in cfg["size"]) if isinstance(cfg["size"], tuple) else float(cfg["size"])
    return torch_live(lambda: nn().Upsample(scale_factor=scale, mode="nearest"), cfg)


family_up_sampling = dict(
    source=up_sampling_source,
    keras=lambda cfg: keras_live(lambda: getattr(K(), f"UpSampling{cfg['rank']}D")(cfg["size"]), cfg),
    torch=torch_upsample)

for _rank in (1, 2, 3):
    family(f"zero_padding{_rank}d", lambda conv, rank=_rank: zero_padding_configs(conv, rank),
           **family_zero_padding)
    family(f"cropping{_rank}d", lambda conv, rank=_rank: cropping_configs(conv, rank), **family_cropping)
    family(f"up_sampling{_rank}d", lambda conv, rank=_rank: up_sampling_configs(conv, rank),
           **family_up_sampling)


# ---- normalization ----------------------------------------------------------------

@st.composite
def batch_norm_configs(draw, convention):
    shape = draw(shapes(1, 4))
    cfg = dict(inputs=[shape], center=draw(st.booleans()), scale=draw(st.booleans()), axis=None, track=True,
               spelling=draw(st.sampled_from(SPELLINGS)), torch_words=draw(st.booleans()))
    if convention == "keras":
        cfg["axis"] = draw(st.one_of(st.none(), batch_axes(len(shape))))
        normalized = -1 if cfg["axis"] is None else cfg["axis"]
    else:
        # PyTorch's affine= is one switch for weight and bias
        cfg["scale"] = cfg["center"]
        cfg["track"] = draw(st.booleans())
        normalized = 1
    cfg["features"] = shape[normalized - 1 if normalized > 0 else normalized]
    return cfg


def batch_norm_source(cfg):
    kw = {} if cfg["axis"] is None else {"axis": cfg["axis"]}
    if cfg["torch_words"]:
        kw["num_features"] = cfg["features"]   # checked against the normalized axis
    if cfg["torch_words"] and cfg["center"] == cfg["scale"]:
        kw["affine"] = cfg["center"]
    else:
        kw.update(center=cfg["center"], scale=cfg["scale"])
    if not cfg["track"]:
        kw["track_running_stats"] = False
    rank = len(cfg["inputs"][0])
    return call(layer_name(cfg, "batch_norm", "BatchNormalization", f"BatchNorm{max(1, rank - 1)}d"), **kw)


def torch_batch_norm(cfg):
    rank = len(cfg["inputs"][0])
    # BatchNorm1d takes (C,) and (C, L); 2d and 3d take one more axis each
    cls = getattr(nn(), f"BatchNorm{max(1, rank - 1)}d")
    return torch_live(lambda: cls(cfg["inputs"][0][0], affine=cfg["center"], track_running_stats=cfg["track"]), cfg)


family("batch_norm", batch_norm_configs, batch_norm_source,
       keras=lambda cfg: keras_live(lambda: K().BatchNormalization(
           axis=-1 if cfg["axis"] is None else cfg["axis"], center=cfg["center"], scale=cfg["scale"]), cfg),
       torch=torch_batch_norm)


def keras_torch_backend_refuses_layer_norm(axis, rank):
    """Keras 3.15.1 on the torch backend hands any run of consecutive axis numbers
    to F.layer_norm, which normalizes trailing axes only: (1,) of a rank-2 input
    fails there, though Keras computes it on its other backends."""
    axes = sorted(axis) if isinstance(axis, tuple) else [axis]
    consecutive = all(b - a == 1 for a, b in zip(axes, axes[1:]))
    trailing = sorted(a % (rank + 1) for a in axes) == list(range(rank + 1 - len(axes), rank + 1))
    return consecutive and not trailing


@st.composite
def layer_norm_configs(draw, convention):
    shape = draw(shapes(1, 3))
    rank = len(shape)
    cfg = dict(inputs=[shape], center=draw(st.booleans()), scale=draw(st.booleans()))
    if convention == "keras":
        chosen = draw(st.lists(st.integers(1, rank), min_size=1, max_size=rank, unique=True))
        # every axis may be named from the front or from the back
        axes = tuple(a if draw(st.booleans()) else a - rank - 1 for a in chosen)
        cfg["axis"] = axes[0] if len(axes) == 1 and draw(st.booleans()) else axes
        assume(not keras_torch_backend_refuses_layer_norm(cfg["axis"], rank))
    else:
        # PyTorch normalizes the trailing axes only
        cfg["trailing"] = draw(st.integers(1, rank))
        cfg["spelling"] = draw(st.sampled_from(["normalized_shape", "axis"]))
        cfg["scalar"], cfg["affine_written"] = draw(st.booleans()), draw(st.booleans())
    return cfg


def layer_norm_source(cfg):
    kw = {}
    if "axis" in cfg:
        if cfg["axis"] != -1:
            kw["axis"] = cfg["axis"]
        if not cfg["center"]:
            kw["center"] = False
        if not cfg["scale"]:
            kw["scale"] = False
        return call("layer_norm", **kw)
    k = cfg["trailing"]
    if cfg["spelling"] == "normalized_shape":
        shape = tuple(cfg["inputs"][0][-k:])
        kw["normalized_shape"] = shape[0] if len(shape) == 1 and cfg["scalar"] else shape
    elif k > 1:
        kw["axis"] = tuple(range(-k, 0))
    if not cfg["scale"] or cfg["affine_written"]:
        kw["elementwise_affine"] = cfg["scale"]
    if not cfg["center"]:
        kw["bias"] = False
    return call("LayerNorm", **kw)


def keras_layer_norm(cfg):
    axis = list(cfg["axis"]) if isinstance(cfg["axis"], tuple) else cfg["axis"]
    return keras_live(lambda: K().LayerNormalization(axis=axis, center=cfg["center"], scale=cfg["scale"]), cfg)


def torch_layer_norm(cfg):
    shape = tuple(cfg["inputs"][0][-cfg["trailing"]:])
    return torch_live(lambda: nn().LayerNorm(shape, elementwise_affine=cfg["scale"], bias=cfg["center"]), cfg)


family("layer_norm", layer_norm_configs, layer_norm_source, keras_layer_norm, torch_layer_norm)


@st.composite
def group_norm_configs(draw, convention):
    groups = draw(st.integers(1, 3))
    channels = groups * draw(st.integers(1, 3)) + (1 if groups > 1 and draw(rare()) else 0)
    spatial = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2))))
    cfg = dict(inputs=[feature_map(convention, spatial, channels)], groups=groups, channels=channels,
               spelling=draw(st.sampled_from(SPELLINGS)), axis_written=draw(st.booleans()))
    if convention == "keras":
        cfg.update(center=draw(st.booleans()), scale=draw(st.booleans()), affine=None)
    else:
        affine = draw(st.booleans())      # PyTorch's affine= is one switch for weight and bias
        cfg.update(center=affine, scale=affine, affine=affine if draw(st.booleans()) else None)
    return cfg


def group_norm_source(cfg):
    name = layer_name(cfg, "group_norm", "GroupNormalization", "GroupNorm")
    kw = {"groups": cfg["groups"]} if cfg["spelling"] != "torch" else {"num_groups": cfg["groups"]}
    if cfg["axis_written"]:
        kw["axis"] = -1 if cfg["convention"] == "keras" else 1      # the channel axis, as each layout has it
    if cfg["affine"] is not None:
        kw["affine"] = cfg["affine"]
    else:
        kw.update(center=cfg["center"], scale=cfg["scale"])
    return call(name, **kw)


family("group_norm", lambda conv: group_norm_configs(conv).map(lambda c: {**c, "convention": conv}),
       group_norm_source,
       keras=lambda cfg: keras_live(lambda: K().GroupNormalization(cfg["groups"], center=cfg["center"],
                                                                  scale=cfg["scale"]), cfg),
       torch=lambda cfg: torch_live(lambda: nn().GroupNorm(cfg["groups"], cfg["channels"], affine=cfg["center"]),
                                    cfg))


@st.composite
def rms_norm_configs(draw, convention):
    shape = draw(shapes(1, 3))
    # PyTorch's RMSNorm may drop its weight; Keras's always keeps its scale (both must refuse)
    affine = draw(st.booleans()) if convention == "torch" else not draw(rare())
    return dict(inputs=[shape], affine=affine, affine_written=draw(st.booleans()) or not affine,
                axis=draw(st.sampled_from([-1, (-1,)])) if draw(st.booleans()) else None)


def rms_norm_source(cfg):
    kw = {} if cfg["axis"] is None else {"axis": cfg["axis"]}
    if cfg["affine_written"]:
        kw["elementwise_affine"] = cfg["affine"]
    return call("rms_norm", **kw)


def keras_rms_norm(cfg):
    if not cfg["affine"]:
        raise ValueError("Keras's RMSNormalization has no switch for its scale")
    return keras_live(lambda: K().RMSNormalization(axis=-1), cfg)


family("rms_norm", rms_norm_configs, rms_norm_source, keras=keras_rms_norm,
       torch=lambda cfg: torch_live(lambda: nn().RMSNorm(cfg["inputs"][0][-1:],
                                                         elementwise_affine=cfg["affine"]), cfg))


# ---- activations and the dropout family --------------------------------------------

# symparams name -> (Keras activation, PyTorch class, its arguments)
ACTIVATIONS = {
    "relu": ("relu", "ReLU", {}),
    "sigmoid": ("sigmoid", "Sigmoid", {}),
    "tanh": ("tanh", "Tanh", {}),
    "softmax": ("softmax", "Softmax", {"dim": -1}),
    "log_softmax": ("log_softmax", "LogSoftmax", {"dim": -1}),
    "gelu": ("gelu", "GELU", {}),
    "silu": ("silu", "SiLU", {}),
    "elu": ("elu", "ELU", {}),
    "selu": ("selu", "SELU", {}),
    "leaky_relu": ("leaky_relu", "LeakyReLU", {}),
    "hard_sigmoid": ("hard_sigmoid", "Hardsigmoid", {}),
    "hard_swish": ("hard_swish", "Hardswish", {}),
    "relu6": ("relu6", "ReLU6", {}),
    "softplus": ("softplus", "Softplus", {}),
    "mish": ("mish", "Mish", {}),
    "identity": ("linear", "Identity", {}),
}
# Arguments an activation takes, drawn now and then: symparams keyword -> (value, PyTorch keyword).
# They change values, never a figure. Keras's ReLU takes all three of relu's; PyTorch's none.
ACTIVATION_ARGS = {
    "relu": {"max_value": (6.0, None), "negative_slope": (0.1, None), "threshold": (0.5, None)},
    "elu": {"alpha": (0.5, "alpha")},
    "leaky_relu": {"negative_slope": (0.2, "negative_slope")},
    "softmax": {"axis": (-1, "dim")},
    "log_softmax": {"axis": (-1, "dim")},
}
KERAS_ACTIVATION_LAYER = {"relu": "ReLU", "elu": "ELU", "leaky_relu": "LeakyReLU", "softmax": "Softmax"}


@st.composite
def activation_configs(draw, convention, act):
    args = {}
    for name, (value, torch_word) in ACTIVATION_ARGS.get(act, {}).items():
        if (convention == "keras" or torch_word) and draw(st.booleans()):
            args[name] = value
    spellings = ["ours", "torch"] + ([] if args else ["activation"])
    return dict(inputs=[draw(shapes(1, 3))], act=act, args=args, spelling=draw(st.sampled_from(spellings)))


def activation_source(cfg):
    if cfg["spelling"] == "activation":
        return call("activation", ACTIVATIONS[cfg["act"]][0])
    name = layer_name(cfg, cfg["act"], None, ACTIVATIONS[cfg["act"]][1])
    torch_words = cfg["spelling"] == "torch"
    return with_keywords(name, **{((ACTIVATION_ARGS[cfg["act"]][k][1] or k) if torch_words else k): v
                                  for k, v in cfg["args"].items()})


def keras_activation(cfg):
    if cfg["args"] and cfg["act"] in KERAS_ACTIVATION_LAYER:
        return keras_live(lambda: getattr(K(), KERAS_ACTIVATION_LAYER[cfg["act"]])(**cfg["args"]), cfg)
    return keras_live(lambda: K().Activation(ACTIVATIONS[cfg["act"]][0]), cfg)


def torch_activation(cfg):
    _, cls, kw = ACTIVATIONS[cfg["act"]]
    given = {ACTIVATION_ARGS[cfg["act"]][k][1]: v for k, v in cfg["args"].items()}
    return torch_live(lambda: getattr(nn(), cls)(**{**kw, **given}), cfg)


for _act in sorted(ACTIVATIONS):
    family(_act, lambda conv, act=_act: activation_configs(conv, act), activation_source,
           keras=keras_activation, torch=torch_activation)

# symparams name -> (input rank or None for any, Keras class, PyTorch class). PyTorch
# has no Gaussian noise layers; at inference they are the identity.
DROPOUTS = {
    "dropout": (None, "Dropout", "Dropout"),
    "spatial_dropout1d": (2, "SpatialDropout1D", "Dropout1d"),
    "spatial_dropout2d": (3, "SpatialDropout2D", "Dropout2d"),
    "spatial_dropout3d": (4, "SpatialDropout3D", "Dropout3d"),
    "gaussian_dropout": (None, "GaussianDropout", None),
    "gaussian_noise": (None, "GaussianNoise", None),
    "alpha_dropout": (None, "AlphaDropout", "AlphaDropout"),
}


@st.composite
def dropout_configs(draw, convention, name):
    rank = DROPOUTS[name][0]
    shape = draw(shapes(rank, rank) if rank else shapes(1, 3))
    return dict(inputs=[shape], layer=name, rate=draw(st.sampled_from([0.1, 0.25, 0.5])),
                spelling=draw(st.sampled_from(SPELLINGS)))


def torch_dropout(cfg):
    cls = DROPOUTS[cfg["layer"]][2]
    return torch_live(lambda: getattr(nn(), cls)(cfg["rate"]) if cls else nn().Identity(), cfg)


def dropout_source(cfg):
    return call(layer_name(cfg, cfg["layer"], *DROPOUTS[cfg["layer"]][1:]), cfg["rate"])


for _name in sorted(DROPOUTS):
    family(_name, lambda conv, name=_name: dropout_configs(conv, name), dropout_source,
           keras=lambda cfg: keras_live(lambda: getattr(K(), DROPOUTS[cfg["layer"]][1])(cfg["rate"]), cfg),
           torch=torch_dropout)


# ---- merge layers -----------------------------------------------------------------

def _pairwise(op_name):
    """torch.maximum and torch.minimum take two tensors; the merges take two or more."""
    def apply(*xs):
        import torch
        return functools.reduce(getattr(torch, op_name), xs)
    return apply


MERGES = {   # symparams name -> (Keras layer, the PyTorch operation on real tensors)
    "add": ("Add", lambda *xs: sum(xs[1:], xs[0])),
    "subtract": ("Subtract", lambda a, b: a - b),
    "multiply": ("Multiply", lambda *xs: math.prod(xs[1:], start=xs[0])),
    "average": ("Average", lambda *xs: sum(xs[1:], xs[0]) / len(xs)),
    "maximum": ("Maximum", _pairwise("maximum")),
    "minimum": ("Minimum", _pairwise("minimum")),
}


@st.composite
def merge_configs(draw, convention, name):
    shape = draw(shapes(1, 3))
    n = 2 if name == "subtract" else draw(st.integers(2, 3))
    inputs = [shape] * n
    if draw(rare()):
        # both frameworks broadcast unit axes. Keras also adds missing axes after the
        # batch axis; PyTorch's operators would line a shorter tensor's batch axis up
        # with a feature axis, so there ranks stay equal.
        other = tuple(1 if draw(st.booleans()) else d for d in shape)
        inputs[-1] = other[draw(st.integers(0, len(shape) - 1)):] if convention == "keras" else other
    elif shape[-1] > 1 and draw(rare()):
        inputs[-1] = (*shape[:-1], shape[-1] + 1)   # sizes that cannot broadcast: both must refuse
    return dict(inputs=inputs, layer=name)


for _merge in sorted(MERGES):
    family(_merge, lambda conv, name=_merge: merge_configs(conv, name),
           lambda cfg: call(cfg["layer"], *[Name(f"x{i}") for i in range(1, len(cfg["inputs"]))]),
           keras=lambda cfg: keras_live(lambda: getattr(K(), MERGES[cfg["layer"]][0])(), cfg),
           torch=lambda cfg: torch_live(lambda: torch_function(MERGES[cfg["layer"]][1]), cfg))


@st.composite
def concatenate_configs(draw, convention):
    shape = draw(shapes(1, 3))
    rank = len(shape)
    axis = draw(st.one_of(st.none(), batch_axes(rank)))
    default = rank if convention == "keras" else 1   # the layout's channel axis
    index = (default if axis is None else axis if axis > 0 else rank + 1 + axis) - 1
    inputs = []
    for _ in range(draw(st.integers(2, 3))):
        s = list(shape)
        s[index] = draw(st.integers(1, 4))
        inputs.append(tuple(s))
    if rank > 1 and draw(rare()):
        other = (index + 1) % rank
        inputs[-1] = (*inputs[-1][:other], inputs[-1][other] + 1, *inputs[-1][other + 1:])   # both must refuse
    return dict(inputs=inputs, axis=axis, default=default)


def concatenate_source(cfg):
    others = [Name(f"x{i}") for i in range(1, len(cfg["inputs"]))]
    return call("concatenate", *others) if cfg["axis"] is None else call("concatenate", *others, axis=cfg["axis"])


def torch_concatenate(cfg):
    import torch
    dim = cfg["default"] if cfg["axis"] is None else cfg["axis"]
    return torch_live(lambda: torch_function(lambda *xs: torch.cat(xs, dim=dim)), cfg)


family("concatenate", concatenate_configs, concatenate_source,
       keras=lambda cfg: keras_live(lambda: K().Concatenate(axis=-1 if cfg["axis"] is None else cfg["axis"]), cfg),
       torch=torch_concatenate)


# ---- the check ----------------------------------------------------------------------

def number(expr) -> int:
    expr = sympy.sympify(expr)
    if not expr.is_Integer:
        raise AssertionError(f"symparams gave {expr} where a whole number was expected")
    return int(expr)


def flat(shape):
    for d in shape:
        if isinstance(d, tuple):
            yield from flat(d)
        else:
            yield d


def figures_of_symparams(net) -> dict:
    weights = net.layers[-1].weights
    return dict(
        params=number(net.params), trainable=number(net.trainable), non_trainable=number(net.non_trainable),
        buffers=number(net.buffers),
        weights=tuple((w.name, tuple(number(d) for d in w.shape), bool(w.trainable)) for w in weights),
        buffer_flags=tuple(bool(w.buffer) for w in weights),
        output_shape=tuple(number(d) for d in net.output_shape),
        macs=number(net.macs))


def figures_of_framework(live: Live) -> dict:
    r = live.report
    return dict(params=r.params, trainable=r.trainable, non_trainable=r.non_trainable, buffers=r.buffers,
                weights=r.weights, buffer_flags=tuple(name in live.buffers for name, _, _ in r.weights),
                output_shape=r.output_shape, macs=r.macs)


def program(fam: Family, cfg: dict) -> str:
    # every layer takes trainable= and name=; Keras's layer.trainable = False and
    # PyTorch's requires_grad_(False) are what trainable=false means
    keywords = {"trainable": False} if cfg.get("frozen") else {}
    if cfg.get("named"):
        keywords["name"] = "probe"
    return model_source(cfg["inputs"], with_keywords(fam.source(cfg), **keywords))


def configs_with_common(fam: Family, convention: str):
    return st.tuples(fam.configs(convention), st.booleans(), st.booleans()).map(
        lambda drawn: {**drawn[0], "frozen": drawn[1], "named": drawn[2]})


def check(fam: Family, convention: str, cfg: dict):
    source = program(fam, cfg)
    note(f"{convention} convention:\n{source}")
    build = fam.keras if convention == "keras" else fam.torch
    try:
        live = build(cfg)
        refusal = "an output axis of size 0" if 0 in flat(live.report.output_shape) else None
    except Exception as e:   # whatever the framework raises, the layer does not exist
        refusal = f"{type(e).__name__}: {str(e).strip()[:300]}"
    if refusal:
        try:
            net = symparams.parse(source).model(convention=convention)
        except SymparamsError:
            return False    # both refuse: nothing left to compare
        pytest.fail(f"the framework refuses this layer ({refusal}) but symparams gives output shape "
                    f"{net.output_shape} and {net.params} params")
    net = symparams.parse(source).model(convention=convention)
    assert figures_of_symparams(net) == figures_of_framework(live)
    return True


CASES = [pytest.param(f, conv, id=f"{f.name}-{conv}") for f in FAMILIES for conv in CONVENTIONS]


@pytest.mark.parametrize("fam, convention", CASES)
def test_layer_matches_live_framework(fam: Family, convention: str):
    # Each family runs the profile's full budget (200 in CI).
    # Configurations both sides refuse are discarded; at least half must be compared.
    kept = Kept(f"{fam.name} ({convention})")

    @given(cfg=configs_with_common(fam, convention))
    def run(cfg):
        assume(kept(check(fam, convention, cfg)))

    run()
    kept.check()


# what these generators draw, for tests/test_live_coverage.py
DRAWN = [Drawn(f.name, lambda conv, f=f: configs_with_common(f, conv), lambda cfg, conv, f=f: program(f, cfg),
               common=True) for f in FAMILIES]


# ---- refusals: the framework's reason must show in symparams's message ---------------

REFUSALS = [   # (convention, input shape, layer call, the framework's own attempt, words of the message)
    ("keras", (9, 3), "conv1d(2, 3, strides=2, dilation_rate=2)",
     lambda: keras_report(lambda: K().Conv1D(2, 3, strides=2, dilation_rate=2), [(9, 3)]), ["strides", "dilation"]),
    ("keras", (9, 3), 'depthwise_conv1d(3, padding="causal")',
     lambda: keras_report(lambda: K().DepthwiseConv1D(3, padding="causal"), [(9, 3)]), ["causal"]),
    ("keras", (8, 8, 3), "conv2d(4, 3, groups=2)",
     lambda: keras_report(lambda: K().Conv2D(4, 3, groups=2), [(8, 8, 3)]), ["groups", "divide"]),
    ("torch", (3, 8), "max_pool1d(2, padding=2)",
     lambda: torch_report(lambda: nn().MaxPool1d(2, padding=2), [(3, 8)]), ["padding", "half"]),
    ("torch", (2, 1, 4, 4), "avg_pool3d(2, padding=1)",
     lambda: torch_report(lambda: nn().AvgPool3d(2, padding=1), [(2, 1, 4, 4)]), ["AvgPool3d", "pool size"]),
    ("torch", (3, 2), "conv1d(4, 3)",
     lambda: torch_report(lambda: nn().Conv1d(3, 4, 3), [(3, 2)]), ["output size"]),
]


@pytest.mark.parametrize("convention, shape, layer, attempt, words", REFUSALS, ids=[r[2] for r in REFUSALS])
def test_refusals_name_their_reason(convention, shape, layer, attempt, words):
    with pytest.raises(Exception):
        attempt()
    with pytest.raises(SymparamsError) as refused:
        symparams.parse(model_source([shape], layer)).model(convention=convention)
    message = refused.value.message
    assert all(word in message for word in words), message
