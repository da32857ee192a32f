"""Transposed convolutions for 1, 2 and 3 spatial axes: Keras's ConvNDTranspose and
PyTorch's ConvTransposeNd.

The two frameworks describe the output length differently, and the argument says
which description is meant, in either convention:

- padding "valid" or "same" (Keras's meaning; output_padding none or < strides):
  "valid": (L-1)*s + K + op, where op defaults to max(K, s) - K;
  "same":  L*s, or (L-1)*s + K%2 + op when output_padding is given,
  with K = d*(k-1) + 1 (keras/src/backend/common/backend_utils.py,
  _get_output_shape_given_tf_padding; checked against the torch backend's forward pass).
- padding an integer or a tuple of integers (PyTorch's meaning; output_padding
  default 0, and smaller than the stride or the dilation):
  (L-1)*s - 2*p + d*(k-1) + op + 1.

Each convention reports the layer its own framework would build: one with the same
weights and the same output shape. Keras's layer has no groups and rejects
strides > 1 together with dilation_rate > 1; PyTorch's crops the same amount from
both ends and extends only on the right. Where the other framework's arguments give a
length no single layer of this convention's framework produces, the layer is a
ConventionError: in PyTorch, "same" with stride 1, dilation 1 and an even kernel; in
Keras, integer paddings whose length neither "valid" nor "same" reaches (checked on
numbers; symbolic sizes are taken as given). The match is exact for "valid"; for
"same" Keras may crop one more position on the left than on the right, so the
PyTorch layer's window can sit one position off Keras's, with every figure equal.
"""
from __future__ import annotations

import sympy

from .. import rules
from .base import (BOOL, K, P, REQUIRED, SIZE, Built, Optional, Padding, Sizes, prod, saves, w, when)
from .conv import AXES, SPATIAL
from .core import layer


def keras_transpose_length(length, kernel, stride, dilation, padding, output_padding=None):
    """Keras 3's output length along one axis; padding is "valid" or "same"."""
    span = dilation * (kernel - 1) + 1
    if padding == "valid":
        if output_padding is None:
            return (length - 1) * stride + sympy.Max(span, stride)
        return (length - 1) * stride + span + output_padding
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + sympy.Mod(span, 2) + output_padding


def torch_transpose_length(length, kernel, stride, dilation, padding, output_padding=0):
    """PyTorch's ConvTransposeNd output length along one axis (padding an integer)."""
    return (length - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _expr(value):
    return value if isinstance(value, sympy.Basic) else sympy.Integer(value)


def _number(*values) -> bool:
    return all(_expr(v).is_Integer for v in values)


def torch_pair(extra, stride, dilation):
    """The (padding, output_padding) of a PyTorch layer whose output is `extra` positions
    longer than (L-1)*s + K, or None when PyTorch cannot make it (numbers only)."""
    extra, limit = int(extra), max(int(stride), int(dilation))
    if extra >= 0:
        return (0, extra) if extra < limit else None
    pad = (-extra + 1) // 2
    op = extra + 2 * pad
    return (pad, op) if op < limit else None


def keras_choice(extras, spans, strides):
    """A Keras (padding, output_padding) whose output is, along each axis, extras[i]
    positions longer than (L-1)*s + K, or None (numbers only). Keras takes one padding
    for every axis, and output_padding none for every axis or a value for each."""
    axes = [(int(e), int(k), int(s)) for e, k, s in zip(extras, spans, strides)]
    if all(0 <= e < s for e, k, s in axes):
        return "valid", tuple(e for e, k, s in axes)
    if all(e == s - k for e, k, s in axes):
        return "same", None
    ops = tuple(e + k - k % 2 for e, k, s in axes)
    if all(0 <= op < s for op, (e, k, s) in zip(ops, axes)):
        return "same", ops
    return None


def _keras_rules(c, label, strides, dilations):
    """What Keras's ConvNDTranspose refuses, whatever the padding."""
    if c.a.groups != 1:
        c.cannot_express(f"Keras's Conv{label}Transpose has no groups argument (groups={c.a.groups})")
    if _number(*strides, *dilations):
        if max(strides) > 1 and max(dilations) > 1:
            c.cannot_express(f"Keras's Conv{label}Transpose rejects strides > 1 together with dilation_rate > 1 "
                             f"(strides={_tuple(strides)}, dilation_rate={_tuple(dilations)})")
    else:
        c.positive(1 - sympy.Add(*[s - 1 for s in strides]) * sympy.Add(*[d - 1 for d in dilations]),
                   "1 - (strides - 1)*(dilation_rate - 1), summed over the axes (Keras rejects strides > 1 "
                   "together with dilation_rate > 1)")


def _tuple(values):
    return "(" + ", ".join(str(v) for v in values) + ("," if len(values) == 1 else "") + ")"


def _axis(c, length, kernel, stride, dilation, padding, op):
    """The output length along one axis, after the checks each framework makes there.
    Returns (length, extra, K): extra is the output's excess over (L-1)*s + K."""
    c.positive(kernel, "kernel size")
    c.positive(stride, "stride")
    c.positive(dilation, "dilation")
    span = dilation * (kernel - 1) + 1
    if op is not None and op.is_negative:
        c.fail(f"output_padding must not be negative, found {op}", "output_padding")

    if isinstance(padding, str):
        if op is not None:
            if _number(stride, op):
                if op >= stride:
                    c.fail(f'with padding="{padding}" output_padding has Keras\'s meaning and must be smaller '
                           f"than strides: found output_padding={op}, strides={stride}", "output_padding")
            else:
                c.positive(stride - op, f'strides - output_padding (with padding="{padding}", Keras needs '
                                        f"output_padding < strides)")
        out = keras_transpose_length(length, kernel, stride, dilation, padding, op)
        extra = sympy.expand(out - ((length - 1) * stride + span))
        if c.torch and _number(extra, stride, dilation) and torch_pair(extra, stride, dilation) is None:
            c.cannot_express(f'padding="{padding}" gives length {out} from {length} (kernel {kernel}, '
                             f"stride {stride}, dilation {dilation}); no PyTorch ConvTranspose padding and "
                             f"output_padding (< stride or dilation) give that length")
    else:
        op = sympy.Integer(0) if op is None else op
        if padding.is_negative:
            c.fail(f"padding must not be negative, found {padding}", "padding")
        limit = sympy.Max(stride, dilation)
        if _number(stride, dilation, op):
            if op >= limit:
                c.fail(f"output_padding must be smaller than the stride or the dilation (PyTorch's rule): "
                       f"found output_padding={op}, stride={stride}, dilation={dilation}", "output_padding")
        else:
            c.positive(limit - op, "max(stride, dilation) - output_padding (PyTorch needs output_padding "
                                   "smaller than the stride or the dilation)")
        out = torch_transpose_length(length, kernel, stride, dilation, padding, op)
        extra = op - 2 * padding
    return out, extra, span


def _conv_transpose(rank):
    name = f"conv{rank}d_transpose"
    label = SPATIAL[rank]

    @layer(name, f"Conv{label}Transpose", f"Convolution{label}Transpose", f"ConvTranspose{rank}d",
           activation=True, input_size=lambda c: c.channels,
           params=[P("filters", SIZE, REQUIRED, "out_channels"),
                   P("kernel_size", Sizes(rank)),
                   P("strides", Sizes(rank), 1, "stride"),
                   P("padding", Padding(rank), "valid"),
                   P("output_padding", Optional(Sizes(rank, rules.AMOUNT)), None),
                   P("dilation_rate", Sizes(rank), 1, "dilation"),
                   K("groups", SIZE, 1),
                   P("use_bias", BOOL, True, "bias")])
    def build(c):
        """Keras: kernel (k.., filters, C) (filters before the input channels) and bias
        (filters); no groups. PyTorch: weight (C, filters/groups, k..) and bias (filters).
        MACs: every input position meets the whole kernel once, so
        input positions * kernel volume * (C/groups) * filters, counting the products
        that padding later crops away."""
        a = c.a
        c.need_rank(rank + 1, exact=True, what=AXES[rank] + " in channels_last, channels first in channels_first")
        cin, filters, groups, kernel = c.channels, a.filters, a.groups, a.kernel_size
        c.positive(filters, "filters")
        if c.keras:
            _keras_rules(c, label, a.strides, a.dilation_rate)
        per_group = c.divisible(cin, groups, lambda: f"groups={groups} must divide the {cin} input channels")
        out_per_group = c.divisible(filters, groups, lambda: f"groups={groups} must divide the {filters} filters")
        ops = a.output_padding or (None,) * rank
        pads = a.padding if isinstance(a.padding, tuple) else (a.padding,) * rank
        axes = [_axis(c, *axis) for axis in zip(c.spatial, kernel, a.strides, a.dilation_rate, pads, ops)]
        out = tuple(length for length, _, _ in axes)
        if c.keras and not isinstance(a.padding, str):
            extras, spans = [e for _, e, _ in axes], [k for _, _, k in axes]
            if _number(*extras, *spans, *a.strides) and keras_choice(extras, spans, a.strides) is None:
                c.cannot_express(f"padding={_tuple(pads)}, output_padding={_tuple([o or 0 for o in ops])} give "
                                 f"{_tuple(out)} from {_tuple(c.spatial)}; no Keras padding (\"valid\" or "
                                 f"\"same\", one for all axes) and output_padding < strides give that")
        out = tuple(c.positive(length, lambda inp=inp: f"output size along an axis of length {inp}")
                    for length, inp in zip(out, c.spatial))
        weights = c.pick(
            keras=lambda: [w("kernel", (*kernel, filters, cin)), *when(a.use_bias, w("bias", (filters,)))],
            torch=lambda: [w("weight", (cin, out_per_group, *kernel)), *when(a.use_bias, w("bias", (filters,)))])
        macs = prod(c.spatial) * prod(kernel) * per_group * filters
        return Built(c.feature_map(out, filters), weights, macs, saved=saves(c, "input"))
    return build


for _rank in (1, 2, 3):
    _conv_transpose(_rank)
