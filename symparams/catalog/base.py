"""The vocabulary the layer declarations are written in: argument kinds, the
LayerDef record, and the Ctx a layer's build function reads its input from."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

import sympy

from .. import rules, signs
from ..errors import ArgumentError, ConventionError, ShapeError, Span, did_you_mean
from ..expressions import as_expr, describe, is_expr
from ..results_types import Constraint, Saved, Training, Weight
from ..rules import check_or_keep
from ..sizes import decide_equal, shapes_equal  # noqa: F401  (the catalog's size comparisons)
from ..text import expr_text
from ..text import shape_text as format_shape  # the catalog's name for it
from ..values import CHANNELS_FIRST, BlockSpec, LayerSpec, SharedLayer, Tensor

REQUIRED = object()

# ---- argument kinds: each turns a value into what the build function wants --


class Kind:
    label = "a value"
    rule = None          # the size rule (rules.py) its numbers obey, if any

    def __call__(self, value, fail):
        return value


def _whole(value) -> bool:
    return is_expr(value) and signs.is_integer(value) is not False


def _leaves(value):
    """The numbers inside a coerced argument: one, a tuple, or a tuple of pairs."""
    if isinstance(value, tuple):
        for item in value:
            yield from _leaves(item)
    elif is_expr(value):
        yield value


def obey_rule(values, rule, fail):
    """Refuse (through `fail`) a value the size rule already refuses (rules.py)."""
    for value in values:
        message = rules.refusal(value, rule)
        if message is not None:
            fail(message)


@dataclass(frozen=True)
class _Scalar(Kind):
    """One number under a size rule: a size, an amount, a rate, an index (rules.py)."""
    rule: rules.Rule
    label: str

    def __call__(self, value, fail):
        if is_expr(value):
            obey_rule((value,), self.rule, fail)
            return value
        fail(f"expected {self.label}, found {_show(value)}")


class _Number(Kind):
    label = "a number"

    def __call__(self, value, fail):
        if is_expr(value):
            return value
        fail(f"expected {self.label}, found {describe(value)}")


class _Bool(Kind):
    label = "true or false"

    def __call__(self, value, fail):
        if isinstance(value, bool):
            return value
        if is_expr(value) and value in (0, 1):
            return bool(value)
        fail(f"expected true or false, found {describe(value)}")


class _Text(Kind):
    label = "a string"

    def __call__(self, value, fail):
        if isinstance(value, str):
            return value
        fail(f"expected a string, found {describe(value)}")


@dataclass(frozen=True)
class Choice(Kind):
    options: tuple

    @property
    def label(self):
        return " or ".join(f'"{o}"' for o in self.options)

    def __call__(self, value, fail):
        if isinstance(value, str) and value.lower() in self.options:
            return value.lower()
        fail(f"expected {self.label}, found {value!r}" if isinstance(value, str) else
             f"expected {self.label}, found {describe(value)}")


# Keras 3's activation names (keras.activations): activation="..." changes no figure, but a
# misspelt one is a mistake to point out, not to ignore.
ACTIVATIONS = ("celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
               "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu",
               "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus",
               "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink", "threshold")


class _Activation(Kind):
    label = "an activation name"

    def __call__(self, value, fail):
        if isinstance(value, str) and value.lower() in ACTIVATIONS:
            return value.lower()
        if isinstance(value, str):
            fail(f"unknown activation {value!r}{did_you_mean(value, ACTIVATIONS)}; Keras's are "
                 f"{', '.join(ACTIVATIONS)}")
        fail(f"expected {self.label}, found {describe(value)}")


@dataclass(frozen=True)
class Sizes(Kind):
    """A size for each of `n` axes: one value for all, or a tuple of n (each under `rule`)."""
    n: int
    rule: rules.Rule = rules.SIZE

    @property
    def label(self):
        return f"a size or a tuple of {self.n} sizes"

    def __call__(self, value, fail):
        if is_expr(value):
            obey_rule((value,), self.rule, fail)
            return (value,) * self.n
        if isinstance(value, tuple) and len(value) == self.n and all(is_expr(v) for v in value):
            obey_rule(value, self.rule, fail)
            return value
        fail(f"expected {self.label}, found {_show(value)}")


@dataclass(frozen=True)
class Padding(Kind):
    """"valid", "same" (and "causal" for 1-D), an integer for every axis, or one per axis."""
    n: int
    causal: bool = False
    rule = rules.AMOUNT

    @property
    def label(self):
        words = '"valid", "same"' + (', "causal"' if self.causal else "")
        return f"{words}, an integer or a tuple of {self.n} integers"

    def __call__(self, value, fail):
        if isinstance(value, str):
            allowed = ("valid", "same", "causal") if self.causal else ("valid", "same")
            if value.lower() in allowed:
                return value.lower()
            fail(f"expected {self.label}, found {value!r}")
        if _whole(value):
            obey_rule((value,), self.rule, fail)
            return (value,) * self.n
        if isinstance(value, tuple) and len(value) == self.n and all(_whole(v) for v in value):
            obey_rule(value, self.rule, fail)
            return value
        fail(f"expected {self.label}, found {_show(value)}")


@dataclass(frozen=True)
class Pairs(Kind):
    """(before, after) amounts for each of n axes, Keras-style: an int for all,
    a tuple of n ints (symmetric), or a tuple of n pairs (n=1: one pair). Each is an amount (>= 0)."""
    n: int
    rule = rules.AMOUNT

    @property
    def label(self):
        return f"an integer, a tuple of {self.n} integers or a tuple of {self.n} (before, after) pairs"

    def __call__(self, value, fail):
        obey_rule(_leaves(value), self.rule, fail)
        if _whole(value):
            return ((value, value),) * self.n
        if isinstance(value, tuple):
            if self.n == 1 and len(value) == 2 and all(_whole(v) for v in value):
                return (value,)
            if len(value) == self.n and all(_whole(v) for v in value):
                return tuple((v, v) for v in value)
            if len(value) == self.n and all(isinstance(p, tuple) and len(p) == 2 and all(_whole(v) for v in p)
                                            for p in value):
                return value
        fail(f"expected {self.label}, found {_show(value)}")


@dataclass(frozen=True)
class _Tuple(Kind):
    """A tuple of numbers under one size rule (a single number is a tuple of one)."""
    rule: rules.Rule
    label: str

    def __call__(self, value, fail):
        if is_expr(value):
            value = (value,)
        if isinstance(value, tuple) and all(_whole(v) for v in value):
            obey_rule(value, self.rule, fail)
            return value
        fail(f"expected {self.label}, found {_show(value)}")


@dataclass(frozen=True)
class _Instance(Kind):
    """A value of one runtime type: a layer spec, a tensor, a shared layer."""
    type: type
    label: str

    def __call__(self, value, fail):
        if isinstance(value, self.type):
            return value
        fail(f"expected {self.label}, found {describe(value)}")


class _Tensors(Kind):
    """One tensor or a tuple of tensors (a recurrent layer's initial_state=(h, c))."""
    label = "a tensor name or a tuple of tensor names"

    def __call__(self, value, fail):
        items = value if isinstance(value, tuple) else (value,)
        if items and all(isinstance(item, Tensor) for item in items):
            return items
        fail(f"expected {self.label}, found {describe(value)}")


class _Anything(Kind):
    label = "any value"


@dataclass(frozen=True)
class Optional(Kind):
    inner: Kind

    @property
    def label(self):
        return f"{self.inner.label} or none"

    @property
    def rule(self):
        return self.inner.rule

    def __call__(self, value, fail):
        return None if value is None else self.inner(value, fail)


@dataclass(frozen=True)
class OneOf(Kind):
    kinds: tuple

    @property
    def label(self):
        return " or ".join(k.label for k in self.kinds)

    @property
    def rule(self):
        found = {getattr(k, "rule", None) for k in self.kinds} - {None}
        return found.pop() if len(found) == 1 else None

    def __call__(self, value, fail):
        for kind in self.kinds:
            try:
                return kind(value, _raise_quietly)
            except _Mismatch:
                continue
        fail(f"expected {self.label}, found {_show(value)}")


class _Mismatch(Exception):
    pass


def _raise_quietly(message):
    raise _Mismatch(message)


def _show(value) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, sympy.Basic):
        return str(value)
    return describe(value)


NUMBER, BOOL, TEXT, ANYTHING, ACTIVATION = _Number(), _Bool(), _Text(), _Anything(), _Activation()
SIZE = _Scalar(rules.SIZE, "a size (a positive whole number or an expression)")
AMOUNT = _Scalar(rules.AMOUNT, "an amount (a whole number >= 0)")
RATE = _Scalar(rules.RATE, "a rate (a number in [0, 1))")
INDEX = _Scalar(rules.INDEX, "an integer")
SIZE_TUPLE = _Tuple(rules.SIZE, "a tuple of sizes")
INDEX_TUPLE = _Tuple(rules.INDEX, "a tuple of integers")
LAYER = _Instance(LayerSpec, "a layer call such as lstm(16)")
BLOCK = _Instance(BlockSpec, "a block call such as SwiGLU(d, ff)")
TENSOR = _Instance(Tensor, "a tensor name")
TENSORS = _Tensors()
SHARED = _Instance(SharedLayer, "the name of a shared layer (declared with let)")


@dataclass(frozen=True)
class Param:
    name: str
    kind: Kind = ANYTHING
    default: Any = REQUIRED
    aliases: tuple = ()
    keyword_only: bool = False


def P(name, kind=ANYTHING, default=REQUIRED, *aliases) -> Param:
    """A parameter that may also be given positionally, in Keras's order."""
    return Param(name, kind, default, tuple(aliases))


def K(name, kind=ANYTHING, default=REQUIRED, *aliases) -> Param:
    """A keyword-only parameter (one Keras has no positional slot for)."""
    return Param(name, kind, default, tuple(aliases), keyword_only=True)


# Keywords every layer takes. Input sizes are inferred; PyTorch-style input-size
# keywords are accepted and checked against the inferred size.
INPUT_SIZE_KEYWORDS = ("in_channels", "in_features", "input_size", "num_features", "embed_dim",
                       "num_channels", "input_dim_check")
COMMON_PARAMS = (
    P("name", Optional(TEXT), None),
    P("trainable", BOOL, True),
)
# Keywords that change nothing we count; accepted so Keras/PyTorch code pastes cleanly.
NO_EFFECT_KEYWORDS = frozenset("""
    kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer
    kernel_constraint bias_constraint depthwise_initializer pointwise_initializer depthwise_regularizer
    pointwise_regularizer depthwise_constraint pointwise_constraint recurrent_initializer
    recurrent_regularizer recurrent_constraint beta_initializer gamma_initializer
    moving_mean_initializer moving_variance_initializer beta_regularizer gamma_regularizer
    beta_constraint gamma_constraint embeddings_initializer embeddings_regularizer
    embeddings_constraint alpha_initializer alpha_regularizer alpha_constraint dtype seed device
    padding_mode epsilon eps momentum interpolation align_corners inplace return_indices
    count_include_pad divisor_override synchronized renorm renorm_clipping renorm_momentum
    unit_forget_bias recurrent_activation dropout recurrent_dropout go_backwards stateful
    unroll use_cudnn mask_zero sparse lora_alpha input_length max_norm norm_type
    scale_grad_by_freq padding_idx negative_slope approximate batch_first noise_shape
    """.split())


@dataclass(frozen=True)
class LayerDef:
    """One layer of the catalog: its names, its signature, and how it builds."""
    name: str
    params: tuple
    build: Callable[["Ctx"], "Built"]
    aliases: tuple = ()
    inputs: str = "one"          # "one"; "many": merge layers take further tensors as arguments
    activation: bool = False     # takes Keras's activation="..." (no parameters)
    input_size: Callable[["Ctx"], Any] | None = None   # what in_channels= etc. are checked against

    def all_params(self) -> tuple:
        extra = (P("activation", Optional(ACTIVATION), None),) if self.activation else ()
        return self.params + extra + COMMON_PARAMS

    def keywords(self) -> dict:
        out = {}
        for p in self.all_params():
            out[p.name] = p
            for a in p.aliases:
                out[a] = p
        return out


@dataclass
class Built:
    """What a layer yields. `shape` is one shape, or a list of shapes (several outputs)."""
    shape: Any
    weights: Sequence[Weight] = ()
    macs: Any = 0
    layout: Any = "same"         # "same": keep the input's layout; else a layout or None
    # training (symparams.memory; docs/MEMORY.md), per example. saved: the Saved tensors kept for
    # the backward pass (None: the default rule, `training`); backward: (input, weights, inner)
    # MACs (None: the default rule); kv_cache: cached key and value elements; view: the output
    # shares the input's storage; differentiable=False: no gradient flows to the input (integer ids).
    saved: Any = None
    backward: Any = None
    kv_cache: Any = 0
    view: bool = False
    differentiable: bool = True
    unmodeled: str = ""          # a case whose training figures are not modeled yet: say why, never guess


# The activations by name (Keras's activation="..." on a layer, or the activation layer):
# which tensor each keeps. "linear" and unknown names keep none.
ACTIVATION_KEEPS = {"relu": "output", "sigmoid": "output", "tanh": "output", "softmax": "output",
                    "log_softmax": "output", **{n: "input" for n in (
                        "gelu", "silu", "swish", "elu", "selu", "leaky_relu", "hard_sigmoid", "hard_swish",
                        "relu6", "softplus", "mish")}}


def training(built: Built, c: "Ctx") -> Training:
    """A layer's training figures, its declaration's or the default rule's: a layer with weights
    or multiply-adds keeps its input (a GEMM's input, needed for the weight gradient), and its
    backward computes the input gradient and the weight gradient at the forward's cost each."""
    has_weights = bool(built.weights)
    macs = as_expr(built.macs)
    saved = built.saved
    if saved is None:
        saved = (Saved(prod(c.shape), source="input", for_weights=True),) if has_weights or macs != 0 else ()
    fused = getattr(c.a, "activation", None) if c.definition.activation else None
    if fused:                    # Keras's activation="..." on the layer keeps what the activation keeps
        if fused.lower() in ACTIVATION_KEEPS:
            shape = built.shape[0] if isinstance(built.shape, list) else built.shape
            saved = (*saved, Saved(prod(shape), source="output" if ACTIVATION_KEEPS[fused.lower()] == "output"
                                   else "own"))
    backward = built.backward
    if backward is None:
        backward = (macs, macs if has_weights else 0, 0)
    return Training(tuple(saved), *(as_expr(m) for m in backward), as_expr(built.kv_cache), built.view,
                    tuple(t.producer for t in tensor_inputs(c)), built.differentiable, built.unmodeled)


def tensor_inputs(c: "Ctx") -> list:
    """Every tensor a layer reads: the incoming ones, then those given by keyword (value=, key=).
    Saved(source="input", input=N) numbers them in this order."""
    keywords = [v for v in c.a._values.values() if isinstance(v, Tensor) and v not in c.inputs]
    return [*c.inputs, *keywords]


def saves(c: "Ctx", *items) -> tuple:
    """Saved tensors by name: "input" (the input), "output" (a tensor of the input's size
    the layer returns), "mask" (a dropout mask of the input's size)."""
    n = prod(c.shape)
    rules = {"input": lambda: Saved(n, source="input"), "output": lambda: Saved(n, source="output"),
             "mask": lambda: Saved(n, "mask")}
    return tuple(rules[item]() for item in items)


class Args:
    """The bound, coerced arguments, read as attributes (`a.filters`)."""

    def __init__(self, values: dict, spans: dict):
        self._values = values
        self._spans = spans

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def given(self, name) -> bool:
        """The call wrote this argument (rather than leaving its default)."""
        return name in self._spans

    def span(self, name):
        return self._spans.get(name)


def w(name, shape, trainable=True, buffer=False) -> Weight:
    return Weight(name, tuple(as_expr(d) for d in shape), trainable, buffer)


def when(condition, *weights) -> list:
    """The weights if the condition holds (an optional bias, say), else none."""
    return list(weights) if condition else []


@dataclass
class Ctx:
    """Everything a layer's build function may read, and the checks it may ask for."""
    definition: LayerDef
    x: Tensor
    inputs: tuple             # every input tensor, x first
    a: Args
    convention: str
    layer_name: str
    span: Span
    # apply_spec(spec, x, name=None) -> (Built, Ctx): builds a nested layer (wrappers) on x
    apply_spec: Callable
    # shared_weights(shared) -> the weights of a `let` layer's first use, or None before it
    shared_weights: Callable
    constraints: list = field(default_factory=list)

    # ---- conventions
    @property
    def keras(self) -> bool:
        return self.convention == "keras"

    @property
    def torch(self) -> bool:
        return self.convention == "torch"

    def pick(self, keras, torch):
        """The value for this convention; callables are only called when picked."""
        chosen = keras if self.keras else torch
        return chosen() if callable(chosen) else chosen

    # ---- reading the input
    @property
    def shape(self) -> tuple:
        return self.x.shape

    @property
    def channels_first(self) -> bool:
        return self.x.layout == CHANNELS_FIRST

    @property
    def features(self):
        """The last axis: what dense, recurrent and attention layers act on."""
        self.need_rank(1)
        return self.shape[-1]

    @property
    def channels(self):
        """The channel axis of a feature map, per the tensor's layout."""
        self.need_rank(1)
        return self.shape[0] if self.channels_first else self.shape[-1]

    @property
    def spatial(self) -> tuple:
        return self.shape[1:] if self.channels_first else self.shape[:-1]

    def feature_map(self, spatial, channels) -> tuple:
        """A shape in the input's layout from its parts."""
        spatial = tuple(spatial)
        return (channels, *spatial) if self.channels_first else (*spatial, channels)

    def need_rank(self, rank: int, exact: bool = False, what: str | None = None):
        ok = self.x.rank == rank if exact else self.x.rank >= rank
        if not ok:
            expected = f"{rank}" if exact else f"at least {rank}"
            raise ShapeError(
                f"{self.definition.name} expects an input of rank {expected}"
                f"{' (' + what + ')' if what else ''}, found shape {format_shape(self.shape)}", self.span)

    def axis(self, axis, rank=None):
        """A batch-counting axis (as both frameworks number them) -> an index into the shape."""
        rank = self.x.rank if rank is None else rank
        if not isinstance(axis, sympy.Integer):
            self.fail(f"an axis must be an integer, found {axis}")
        i = int(axis)
        index = i - 1 if i > 0 else rank + i
        if i == 0 or not 0 <= index < rank:
            self.fail(f"axis {i} is out of range for an input of rank {rank} "
                      f"(axes count the batch axis as 0, so 1..{rank} or -{rank}..-1)")
        return index

    # ---- checks
    def check_arguments(self):
        """Keep the size rules a symbolic argument must meet once numbers are known (`units=n - 5`
        needs n > 5, `units=n` needs n whole and positive, which subs checks again); a number
        that breaks a rule was refused when the argument was bound.
        Called after the build, so a rule the layer states itself is not kept twice."""
        for param in self.definition.all_params():
            rule = getattr(param.kind, "rule", None)
            if rule is None:
                continue
            span = self.a.span(param.name) or self.span
            for value in _leaves(getattr(self.a, param.name)):
                for kind, expr in rules.conditions(value, rule):
                    same = [i for i, c in enumerate(self.constraints) if c.kind == kind and c.expr == expr]
                    if same:           # the layer's own rule says it better (key_dim = d/h whole)
                        self.constraints[same[0]] = replace(self.constraints[same[0]], shown=True)
                        continue
                    def what(name=param.name, value=value, kind=kind):     # printed only when shown
                        return f"argument '{name}' = {expr_text(value)}" + (" must be whole" if kind == "integer"
                                                                            else "")
                    # kept even when decided now: subs re-checks it
                    self.constraints.append(Constraint(kind, expr, self.layer_name, what, span, shown=True))

    def fail(self, message, arg: str | None = None, error=ArgumentError):
        span = (self.a.span(arg) if arg else None) or self.span
        raise error(f"{self.layer_name}: {message}", span)

    def cannot_express(self, message):
        raise ConventionError(f"{self.layer_name}: the {self.convention} convention cannot express this: {message}",
                              self.span)

    def positive(self, expr, what):
        """Require expr > 0 now, or once numbers are substituted. `what` may be a
        callable: printing SymPy expressions is slow, so messages are built on failure."""
        expr = as_expr(expr)
        if signs.is_positive(expr):
            return expr
        check_or_keep(Constraint("positive", expr, self.layer_name, what, self.span), self.constraints)
        return expr

    def divisible(self, a, b, what):
        quotient = as_expr(a) / as_expr(b)
        if signs.is_integer(quotient):
            return quotient
        check_or_keep(Constraint("integer", quotient, self.layer_name, what, self.span), self.constraints)
        return quotient

    def same_shapes(self, shapes, what: str):
        first = shapes[0]
        for other in shapes[1:]:
            if not shapes_equal(first, other):
                raise ShapeError(f"{self.layer_name}: {what}: shapes {format_shape(first)} and "
                                 f"{format_shape(other)} differ", self.span)


def prod(items):
    return sympy.Mul(*items) if items else sympy.Integer(1)


def floor_div(a, b):
    return signs.floor(as_expr(a) / b)


def ceil_div(a, b):
    return signs.ceiling(as_expr(a) / b)
