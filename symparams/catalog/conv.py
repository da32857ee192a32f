"""Convolution, pooling and resizing layers, for 1, 2 and 3 spatial axes."""
from __future__ import annotations

import math
from functools import lru_cache

import sympy

from ..errors import ShapeError
from ..expressions import as_expr, describe, is_expr
from ..results_types import Saved
from .base import (BOOL, REQUIRED, SIZE, SIZE_TUPLE, TEXT, Built, Kind, OneOf, Optional, P, Padding, Pairs,
                   Sizes, ceil_div, floor_div, format_shape, prod, saves, w, when)
from .core import layer

SPATIAL = {1: "1D", 2: "2D", 3: "3D"}
AXES = {1: "(length, channels)", 2: "(height, width, channels)", 3: "(depth, height, width, channels)"}


def floor_of(numerator, stride):
    """floor(numerator / stride) for an integer numerator, in one canonical form:
    floor((rest + r) / s) + q with the constant c = q*s + r, 0 <= r < s. Lengths that are
    equal for every integer input then print, and compare, the same: "same" padding's
    ceil(H/2) and a 1x1 stride-2 convolution's floor((H-1)/2) + 1 are both floor((H + 1)/2)."""
    numerator = as_expr(numerator)
    stride = as_expr(stride)
    if not (stride.is_Integer and stride > 0):
        return floor_div(numerator, stride)
    constant, rest = numerator.as_coeff_Add()
    if not constant.is_Integer:
        return floor_div(numerator, stride)
    if isinstance(rest, sympy.floor):
        # A strided layer after a strided layer: floor((floor(x) + c)/s) = floor((x + c)/s) for an
        # integer c and s > 0, so a stack of them stays one floor, floor((H + 31)/32) for
        # ResNet's stem and stages, rather than five nested ones.
        inner = rest.args[0]
        # The inner floor's argument is a sum with rational coefficients: clear their
        # denominators (together() would do it, at ten times the cost).
        coefficients = [term.as_coeff_Mul()[0] for term in sympy.Add.make_args(inner)]
        denominator = math.lcm(*[c.q for c in coefficients]) if all(c.is_Rational for c in coefficients) else 0
        inner_numerator = sympy.expand(inner * denominator)
        if denominator and inner_numerator.is_integer:
            return floor_of(inner_numerator + constant * denominator, stride * denominator)
    q, r = divmod(int(constant), int(stride))
    return floor_div(rest + r, stride) + q


def _whole_numbers(*values) -> tuple[int, ...] | None:
    """The values as Python ints when every one is a whole number, else None."""
    numbers = []
    for value in values:
        if isinstance(value, int) or (isinstance(value, sympy.Basic) and value.is_Integer):
            numbers.append(int(value))
        else:
            return None
    return tuple(numbers)


def _numbers(length, kernel, stride, dilation, padding):
    """(length, kernel, stride, dilation, before, after) as ints when all are whole numbers (a
    model with numeric sizes): the lengths then take integer arithmetic, not SymPy's floor."""
    before_after = (0, 0) if padding in ("valid", "same", "causal") else padding
    numbers = _whole_numbers(length, kernel, stride, dilation, *before_after)
    return numbers if numbers and numbers[2] > 0 else None


def output_length(length, kernel, stride, dilation, padding):
    """Keras's and PyTorch's output length of a convolution along one axis.
    padding: "valid" | "same" | "causal" | (before, after)."""
    numbers = _numbers(length, kernel, stride, dilation, padding)
    if numbers:
        n, k, s, d, before, after = numbers
        if padding in ("same", "causal"):
            return sympy.Integer(-(-n // s))                                 # ceil(L/s)
        return sympy.Integer((n + before + after - d * (k - 1) - 1) // s + 1)
    return _symbolic_output_length(length, kernel, stride, dilation, padding)


@lru_cache(maxsize=4096, typed=True)
def _symbolic_output_length(length, kernel, stride, dilation, padding):
    """A network repeats a few geometries many times (ResNet-50: 108 axes, 26 distinct), and
    each costs SymPy floors: computed once per distinct argument list."""
    span = dilation * (kernel - 1) + 1
    if padding == "same" or padding == "causal":
        if not (as_expr(stride).is_integer and as_expr(stride).is_positive):
            return ceil_div(length, stride)
        return floor_of(length + stride - 1, stride)          # ceil(L/s)
    before, after = (0, 0) if padding == "valid" else padding
    return floor_of(length + before + after - span, stride) + 1


def pooled_length(length, kernel, stride, dilation, padding, ceil_mode):
    """Pooling: as convolution, or PyTorch's ceil_mode, where a last window that
    would start in the right padding is dropped."""
    if not ceil_mode or padding == "same":
        return output_length(length, kernel, stride, dilation, padding)
    numbers = _numbers(length, kernel, stride, dilation, padding)
    if numbers:
        n, k, s, d, before, after = numbers
        out = -(-(n + before + after - d * (k - 1) - 1) // s) + 1               # ceil(n/s) + 1
        return sympy.Integer(out - 1 if (out - 1) * s >= n + before else out)
    return _symbolic_pooled_length(length, kernel, stride, dilation, padding)


@lru_cache(maxsize=4096, typed=True)
def _symbolic_pooled_length(length, kernel, stride, dilation, padding):
    before, after = (0, 0) if padding == "valid" else padding
    span = dilation * (kernel - 1) + 1
    if as_expr(stride).is_integer and as_expr(stride).is_positive:
        out = floor_of(length + before + after - span + stride - 1, stride) + 1   # ceil(n/s) + 1
    else:
        out = ceil_div(length + before + after - span, stride) + 1
    starts_in_padding = sympy.Ge((out - 1) * stride, length + before)
    if starts_in_padding in (sympy.true, sympy.false):
        return out - 1 if starts_in_padding == sympy.true else out
    return sympy.Piecewise((out - 1, starts_in_padding), (out, True))


def _pairs(padding, n):
    """Normalize a per-axis symmetric padding tuple to (before, after) pairs."""
    if isinstance(padding, str):
        return (padding,) * n
    return tuple((p, p) for p in padding)


def _geometry(c, rank, kernel, strides, dilation, padding, ceil_mode=False, pooling=False):
    c.need_rank(rank + 1, exact=True, what=AXES[rank] + " in channels_last, channels first in channels_first")
    if padding == "causal" and rank != 1:
        c.fail('padding="causal" is only for 1-D convolutions', "padding")
    pads = _pairs(padding, rank)
    out = []
    for length, k, s, d, p in zip(c.spatial, kernel, strides, dilation, pads):
        c.positive(k, "kernel size")
        c.positive(s, "stride")
        size = (pooled_length(length, k, s, d, p, ceil_mode) if pooling
                else output_length(length, k, s, d, p))
        out.append(c.positive(size, lambda length=length: f"output size along an axis of length {length}"))
    return tuple(out)


def _above_one(sizes) -> bool:
    """Some size is known to exceed 1 (a symbolic one may not)."""
    return any(isinstance(v, (int, sympy.Integer)) and v > 1 for v in sizes)


def _conv(rank):
    name = f"conv{rank}d"

    @layer(name, f"Conv{SPATIAL[rank]}", f"Conv{rank}d", activation=True, input_size=lambda c: c.channels,
           params=[P("filters", SIZE, REQUIRED, "out_channels"),
                   P("kernel_size", Sizes(rank)),
                   P("strides", Sizes(rank), 1, "stride"),
                   P("padding", Padding(rank, causal=rank == 1), "valid"),
                   P("dilation_rate", Sizes(rank), 1, "dilation"),
                   P("groups", SIZE, 1),
                   P("use_bias", BOOL, True, "bias")])
    def build(c):
        a = c.a
        cin, filters, groups, kernel = c.channels, a.filters, a.groups, a.kernel_size
        if c.keras and _above_one(a.strides) and _above_one(a.dilation_rate):
            c.cannot_express("Keras's Conv layers refuse strides > 1 together with dilation_rate > 1")
        per_group = c.divisible(cin, groups, lambda: f"groups={groups} must divide the {cin} input channels")
        c.divisible(filters, groups, lambda: f"groups={groups} must divide the {filters} filters")
        out = _geometry(c, rank, kernel, a.strides, a.dilation_rate, a.padding)
        weights = c.pick(
            keras=lambda: [w("kernel", (*kernel, per_group, filters)), *when(a.use_bias, w("bias", (filters,)))],
            torch=lambda: [w("weight", (filters, per_group, *kernel)), *when(a.use_bias, w("bias", (filters,)))])
        return Built(c.feature_map(out, filters), weights, prod(out) * prod(kernel) * per_group * filters,
                     saved=_kept_input(c, kernel, a.dilation_rate, a.padding))
    return build


def _depthwise(rank):
    name = f"depthwise_conv{rank}d"

    @layer(name, f"DepthwiseConv{SPATIAL[rank]}", activation=True, input_size=lambda c: c.channels,
           params=[P("kernel_size", Sizes(rank)),
                   P("strides", Sizes(rank), 1, "stride"),
                   P("padding", Padding(rank), "valid"),   # Keras allows "causal" for Conv1D only
                   P("depth_multiplier", SIZE, 1),
                   P("dilation_rate", Sizes(rank), 1, "dilation"),
                   P("use_bias", BOOL, True, "bias")])
    def build(c):
        """Keras kernel (k.., C, multiplier); PyTorch: Conv with groups=C, weight (C*m, 1, k..)."""
        a = c.a
        cin, m, kernel = c.channels, a.depth_multiplier, a.kernel_size
        out = _geometry(c, rank, kernel, a.strides, a.dilation_rate, a.padding)
        weights = c.pick(
            keras=lambda: [w("kernel", (*kernel, cin, m)), *when(a.use_bias, w("bias", (cin * m,)))],
            torch=lambda: [w("weight", (cin * m, 1, *kernel)), *when(a.use_bias, w("bias", (cin * m,)))])
        return Built(c.feature_map(out, cin * m), weights, prod(out) * prod(kernel) * cin * m,
                     saved=_kept_input(c, kernel, a.dilation_rate, a.padding))
    return build


def _separable(rank):
    name = f"separable_conv{rank}d"

    @layer(name, f"SeparableConv{SPATIAL[rank]}", activation=True, input_size=lambda c: c.channels,
           params=[P("filters", SIZE, REQUIRED, "out_channels"),
                   P("kernel_size", Sizes(rank)),
                   P("strides", Sizes(rank), 1, "stride"),
                   P("padding", Padding(rank), "valid"),   # Keras allows "causal" for Conv1D only
                   P("dilation_rate", Sizes(rank), 1, "dilation"),
                   P("depth_multiplier", SIZE, 1),
                   P("use_bias", BOOL, True, "bias")])
    def build(c):
        """A depthwise kernel with no bias of its own, then a pointwise kernel and one bias.
        PyTorch has no such class: its convention is a depthwise Conv (groups=C, bias=False)
        named `depthwise`, then a 1x1 Conv named `pointwise`."""
        a = c.a
        cin, m, filters, kernel = c.channels, a.depth_multiplier, a.filters, a.kernel_size
        out = _geometry(c, rank, kernel, a.strides, a.dilation_rate, a.padding)
        ones = (1,) * rank
        weights = c.pick(
            keras=lambda: [w("depthwise_kernel", (*kernel, cin, m)), w("pointwise_kernel", (*ones, cin * m, filters)),
                           *when(a.use_bias, w("bias", (filters,)))],
            torch=lambda: [w("depthwise.weight", (cin * m, 1, *kernel)),
                           w("pointwise.weight", (filters, cin * m, *ones)),
                           *when(a.use_bias, w("pointwise.bias", (filters,)))])
        depthwise, pointwise = prod(out) * prod(kernel) * cin * m, prod(out) * cin * m * filters
        macs = depthwise + pointwise
        # the pointwise convolution keeps its input, the depthwise one's output
        return Built(c.feature_map(out, filters), weights, macs,
                     saved=(*_kept_input(c, kernel, a.dilation_rate, a.padding), Saved(prod(out) * cin * m)),
                     backward=(depthwise, macs, pointwise))   # the pointwise input gradient feeds the depthwise weights
    return build


def _kept_input(c, kernel, dilation, padding) -> tuple:
    """A convolution keeps its input whether or not its weights train (PyTorch's convolution_backward).
    With padding="same" and an odd total padding on an axis (an even kernel), PyTorch pads a copy of
    the input by one on that axis and keeps the copy instead."""
    if padding != "same":
        return saves(c, "input")
    extra = [sympy.Mod(d * (k - 1), 2) for k, d in zip(kernel, dilation)]
    if all(e == 0 for e in extra):
        return saves(c, "input")
    return (Saved(c.channels * prod([n + e for n, e in zip(c.spatial, extra)])),)


def _pool(kind, rank):
    name = f"{kind}_pool{rank}d"
    keras_class = {"max": "MaxPooling", "avg": "AveragePooling"}[kind] + SPATIAL[rank]
    torch_class = {"max": "MaxPool", "avg": "AvgPool"}[kind] + f"{rank}d"
    params = [P("pool_size", Sizes(rank), 2, "kernel_size"),
              P("strides", OneOf((Sizes(rank), _NONE)), None, "stride"),
              P("padding", Padding(rank), "valid"),
              P("ceil_mode", BOOL, False)]
    if kind == "max":
        params.append(P("dilation_rate", Sizes(rank), 1, "dilation"))

    @layer(name, keras_class, torch_class, f"{kind.title()}Pool{SPATIAL[rank]}", params=params)
    def build(c):
        a = c.a
        strides = a.pool_size if a.strides is None else a.strides
        dilation = a.dilation_rate if kind == "max" else (1,) * rank
        if not isinstance(a.padding, str):
            _check_pool_padding(c, kind, rank, a.pool_size, a.padding)
        out = _geometry(c, rank, a.pool_size, strides, dilation, a.padding, a.ceil_mode, pooling=True)
        # backward: max pooling keeps its input and the argmax of each window (int64)
        argmax = (Saved(prod(out) * c.channels, "index"),) if kind == "max" else ()
        return Built(c.feature_map(out, c.channels), saved=(*saves(c, "input"), *argmax))
    return build


def _check_pool_padding(c, kind, rank, pool, padding):
    """Integer padding is PyTorch's argument, and PyTorch's pools refuse some of it."""
    for k, p in zip(pool, padding):
        # a window must not lie wholly in the padding: at most half the window (k // 2)
        limit = floor_div(k, 2)
        if (limit - p).is_negative:
            c.fail(f"padding {p} is more than half the pool size {k} (at most {limit})", "padding")
        c.positive(limit - p + 1, f"pool size {k} // 2 + 1 - padding {p} (padding may be at most half the pool)")
    if kind == "avg" and rank == 3 and c.torch:
        # PyTorch's AvgPool3d (alone) also wants the unpadded input to hold a window
        for length, k in zip(c.spatial, pool):
            if (length - k).is_negative:
                c.fail(f"PyTorch's AvgPool3d needs an input at least as large as the pool, before padding: "
                       f"length {length} is less than pool size {k}", error=ShapeError)
            c.positive(length - k + 1, f"length {length} + 1 - pool size {k} (PyTorch's AvgPool3d needs the "
                                       f"unpadded input to hold a window)")


class _NoneKind:
    label = "none"

    def __call__(self, value, fail):
        if value is None:
            return None
        fail("expected none")


_NONE = _NoneKind()


def _global_pool(kind, rank):
    name = f"global_{kind}_pool{rank}d"
    keras_class = {"max": "GlobalMaxPooling", "avg": "GlobalAveragePooling"}[kind] + SPATIAL[rank]

    @layer(name, keras_class, f"Global{kind.title()}Pool{SPATIAL[rank]}", params=[P("keepdims", BOOL, False)])
    def build(c):
        """PyTorch's equivalent is AdaptiveAvgPool/AdaptiveMaxPool to size 1 (keepdims), then flatten."""
        c.need_rank(rank + 1, exact=True, what=AXES[rank])
        # backward: the average needs no tensor; the maximum keeps its input and an int64 argmax per channel
        saved = (*saves(c, "input"), Saved(c.channels, "index")) if kind == "max" else ()
        if c.a.keepdims:
            return Built(c.feature_map((1,) * rank, c.channels), saved=saved)
        return Built((c.channels,), saved=saved)
    return build


def _up_sampling(rank):
    @layer(f"up_sampling{rank}d", f"UpSampling{SPATIAL[rank]}",
           params=[P("size", Sizes(rank), 2, "scale_factor")])
    def build(c):
        c.need_rank(rank + 1, exact=True, what=AXES[rank])
        return Built(c.feature_map([d * s for d, s in zip(c.spatial, c.a.size)], c.channels))
    return build


class _Factors(Kind):
    """PyTorch's scale_factor: a number (2, 1.5) or one per spatial axis."""
    label = "a number or a tuple of numbers"

    def __call__(self, value, fail):
        if is_expr(value) or (isinstance(value, tuple) and value and all(is_expr(v) for v in value)):
            return value
        fail(f"expected {self.label}, found {describe(value)}")


@layer("upsample", "Upsample",
       params=[P("size", Optional(OneOf((SIZE, SIZE_TUPLE))), None),
               P("scale_factor", Optional(_Factors()), None),
               P("mode", TEXT, "nearest")])
def upsample(c):
    """PyTorch's Upsample, for 1 to 3 spatial axes (one class in PyTorch, so one layer here).
    As in PyTorch, size= is the output size and scale_factor= a multiplier
    (output floor(length * factor)); Keras's UpSampling layers are up_sampling1d/2d/3d."""
    a = c.a
    rank = c.x.rank - 1
    if not 1 <= rank <= 3:
        c.fail(f"expects 1 to 3 spatial axes and a channel axis, found shape {format_shape(c.shape)}",
               error=ShapeError)
    if (a.size is None) == (a.scale_factor is None):
        c.fail("give exactly one of size= (the output size) and scale_factor=")
    given, arg = (a.size, "size") if a.size is not None else (a.scale_factor, "scale_factor")
    values = given if isinstance(given, tuple) else (given,) * rank
    if len(values) != rank:
        c.fail(f"{arg} has {len(values)} values for {rank} spatial axes", arg)
    if a.size is not None:
        out = [c.positive(v, "output size") for v in values]
    else:
        for f in values:
            c.positive(f, "scale_factor")
        out = [c.positive(sympy.floor(d * f), f"size {d} scaled by {f}") for d, f in zip(c.spatial, values)]
    return Built(c.feature_map(out, c.channels))


def _zero_padding(rank):
    @layer(f"zero_padding{rank}d", f"ZeroPadding{SPATIAL[rank]}", f"ZeroPad{rank}d",
           params=[P("padding", Pairs(rank), 1)])
    def build(c):
        c.need_rank(rank + 1, exact=True, what=AXES[rank])
        return Built(c.feature_map([d + b + e for d, (b, e) in zip(c.spatial, c.a.padding)], c.channels))
    return build


def _cropping(rank):
    @layer(f"cropping{rank}d", f"Cropping{SPATIAL[rank]}", params=[P("cropping", Pairs(rank), 1 if rank == 1 else 0)])
    def build(c):
        c.need_rank(rank + 1, exact=True, what=AXES[rank])
        out = [c.positive(d - b - e, f"size after cropping {d}") for d, (b, e) in zip(c.spatial, c.a.cropping)]
        return Built(c.feature_map(out, c.channels), view=True)     # a slice shares the input's storage
    return build


for _rank in (1, 2, 3):
    _conv(_rank)
    _depthwise(_rank) if _rank < 3 else None
    _separable(_rank) if _rank < 3 else None
    _pool("max", _rank)
    _pool("avg", _rank)
    _global_pool("avg", _rank)
    _global_pool("max", _rank)
    _up_sampling(_rank)
    _zero_padding(_rank)
    _cropping(_rank)
