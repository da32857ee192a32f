"""Normalization layers."""
from __future__ import annotations

from ..results_types import Saved
from .base import BOOL, INDEX, INDEX_TUPLE, SIZE, SIZE_TUPLE, Built, OneOf, Optional, P, prod, saves, w, when


def _keeps(c, statistics, normalized=False, per_batch=False):
    """What a normalization keeps for backward: its input, and (PyTorch only: Megatron counts
    the input) `statistics` values per example (per batch for batch_norm), a mean and a
    reciprocal deviation per normalized group; `normalized`: also the normalized input
    (RMSNorm's x * rstd)."""
    if normalized:      # RMSNorm is composed of small operations: each keeps what its own gradients need
        return (Saved(prod(c.shape), source="input", for_input=True),
                Saved(statistics, "stat", accountings=("torch",), for_input=True),
                Saved(prod(c.shape), accountings=("torch",), for_weights=True))
    stats = Saved(statistics, "stat", accountings=("torch",), per_batch=per_batch)
    return (*saves(c, "input"), stats)
from .core import layer


def _norm_axis_sizes(c, axis):
    """The shape of the per-element weights for the normalized axes (batch-counting numbers).
    Keras sorts the axis numbers as written (so (1, -1) puts the last axis first);
    PyTorch normalizes a block of trailing axes, kept in order."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    indices = [c.axis(a) for a in axes]
    if len(set(indices)) != len(indices):
        c.fail(f"axis names an axis twice: {axis}", "axis")
    if c.keras:
        return tuple(c.shape[c.axis(a)] for a in sorted(axes, key=int))
    rank = c.x.rank
    if sorted(indices) != list(range(rank - len(indices), rank)):
        c.cannot_express(f"PyTorch normalizes the last axes only; axis={axis} names others")
    return tuple(c.shape[rank - len(indices):])


def _normalized_size(c):
    """The size of the one normalized axis: the layout's channels unless axis= names another."""
    return c.channels if c.a.axis is None else c.shape[c.axis(c.a.axis)]


@layer("batch_norm", "BatchNormalization", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d",
       input_size=_normalized_size,
       params=[P("axis", Optional(INDEX), None),
               P("center", BOOL, True),
               P("scale", BOOL, True),
               P("affine", Optional(BOOL), None),
               P("track_running_stats", BOOL, True)])
def batch_norm(c):
    """Keras: gamma, beta trainable; moving_mean, moving_variance non-trainable weights.
    PyTorch: weight, bias parameters; running_mean, running_var, num_batches_tracked buffers."""
    a = c.a
    n = _normalized_size(c)
    center = a.center if a.affine is None else a.affine
    scale = a.scale if a.affine is None else a.affine

    def keras():
        if not a.track_running_stats:
            c.cannot_express("Keras's BatchNormalization always keeps moving statistics")
        return [*when(scale, w("gamma", (n,))), *when(center, w("beta", (n,))),
                w("moving_mean", (n,), False), w("moving_variance", (n,), False)]

    def torch():
        if center != scale:
            c.cannot_express("PyTorch's affine= adds both weight and bias or neither; center and scale differ")
        return [*when(center, w("weight", (n,)), w("bias", (n,))),
                *when(a.track_running_stats, w("running_mean", (n,), False, True), w("running_var", (n,), False, True),
                      w("num_batches_tracked", (), False, True))]
    # the batch's mean and 1/std per channel: 2*n values whatever the batch
    return Built(c.shape, c.pick(keras, torch), saved=_keeps(c, 2 * n, per_batch=True))


@layer("layer_norm", "LayerNormalization", "LayerNorm", input_size=lambda c: c.features,
       params=[P("axis", OneOf((INDEX, INDEX_TUPLE)), -1),
               P("center", BOOL, True, "bias"),
               P("scale", BOOL, True),
               P("elementwise_affine", Optional(BOOL), None),
               P("normalized_shape", Optional(OneOf((SIZE, SIZE_TUPLE))), None)])
def layer_norm(c):
    """gamma/beta (Keras) or weight/bias (PyTorch), one per element of the normalized axes."""
    a = c.a
    shape = _norm_axis_sizes(c, a.axis)
    if a.normalized_shape is not None:
        given = a.normalized_shape if isinstance(a.normalized_shape, tuple) else (a.normalized_shape,)
        shape = c.shape[len(c.shape) - len(given):]
        c.same_shapes([tuple(given), shape], "normalized_shape does not match the input's last axes")
    center = a.center if a.elementwise_affine is None else a.elementwise_affine and a.center
    scale = a.scale if a.elementwise_affine is None else a.elementwise_affine

    def torch():
        if center and not scale:
            c.cannot_express("PyTorch's LayerNorm has no bias without a weight (center=true, scale=false)")
        return [*when(scale, w("weight", shape)), *when(center, w("bias", shape))]
    weights = c.pick(lambda: [*when(scale, w("gamma", shape)), *when(center, w("beta", shape))], torch)
    return Built(c.shape, weights, saved=_keeps(c, 2 * prod(c.shape) / prod(shape)))


@layer("group_norm", "GroupNormalization", "GroupNorm", input_size=_normalized_size,
       params=[P("groups", SIZE, 32, "num_groups"),
               P("axis", Optional(INDEX), None),
               P("center", BOOL, True),
               P("scale", BOOL, True),
               P("affine", Optional(BOOL), None)])
def group_norm(c):
    a = c.a
    n = _normalized_size(c)
    c.divisible(n, a.groups, lambda: f"groups={a.groups} must divide the {n} channels")
    center = a.center if a.affine is None else a.affine
    scale = a.scale if a.affine is None else a.affine

    def torch():
        if center != scale:
            c.cannot_express("PyTorch's GroupNorm affine= adds both weight and bias or neither")
        return when(center, w("weight", (n,)), w("bias", (n,)))
    weights = c.pick(lambda: [*when(scale, w("gamma", (n,))), *when(center, w("beta", (n,)))], torch)
    return Built(c.shape, weights, saved=_keeps(c, 2 * a.groups))


@layer("rms_norm", "RMSNormalization", "RMSNorm", input_size=lambda c: c.features,
       params=[P("axis", OneOf((INDEX, INDEX_TUPLE)), -1),
               P("elementwise_affine", BOOL, True)])
def rms_norm(c):
    """One scale per element of the normalized axes: Keras `scale`, PyTorch `weight`."""
    shape = _norm_axis_sizes(c, c.a.axis)
    rows = prod(c.shape) / prod(shape)
    if not c.a.elementwise_affine:
        if c.keras:
            c.cannot_express("Keras's RMSNormalization always has its scale")
        return Built(c.shape, [], saved=_keeps(c, rows))      # (recorded only when the input needs a gradient)
    return Built(c.shape, [w(c.pick("scale", "weight"), shape)], saved=_keeps(c, rows, normalized=True))
