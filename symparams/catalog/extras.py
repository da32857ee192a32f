"""PReLU and Keras's Resizing (PyTorch: nn.Upsample to a size)."""
from __future__ import annotations

import sympy

from ..results_types import Constraint
from .base import (BOOL, INDEX_TUPLE, K, NUMBER, P, SIZE, SIZE_TUPLE, TEXT, Built, Optional, Sizes,
                   decide_equal, format_shape, saves, w)
from .core import layer


def _torch_channel_index(c) -> int:
    """Where nn.PReLU(num_parameters=C)'s channel axis (PyTorch's dim 1) is in the stored
    shape: the channel axis as every channel-wise layer here reads it, so a layout-free
    tensor (a sequence (T, d), a reshaped map) has its channels last, as batch_norm has."""
    return 0 if c.channels_first or c.x.rank == 1 else c.x.rank - 1


def _unshared_from_count(c, n, index):
    """The axes nn.PReLU(num_parameters=n) keeps one alpha per element of."""
    size = c.shape[index]
    if n == 1:
        return frozenset()
    decided = decide_equal(n, size)
    if decided is True:
        return frozenset({index})
    if decided is False:
        c.fail(f"num_parameters must be 1 or the number of channels (axis {index + 1}, of size {size}), "
               f"found {n}", "num_parameters")
    # A number against a symbolic channel count can only mean one per channel; for
    # integers 1 - |n - size| > 0 says exactly n == size, re-checked by subs.
    c.constraints.append(Constraint("positive", 1 - sympy.Abs(n - size), c.layer_name,
                                    f"num_parameters={n} must equal the channel count {size}, "
                                    f"so 1 - |{n} - {size}|", c.span))
    return frozenset({index})


@layer("prelu", "PReLU",
       params=[K("shared_axes", Optional(INDEX_TUPLE), None),
               K("num_parameters", Optional(SIZE), None),
               K("init", NUMBER, sympy.Rational(1, 4))])
def prelu(c):
    """A learned slope for negative inputs. Keras: `alpha`, one per element of the input
    shape, except 1 along each of shared_axes (batch axis = 0; negative axes count from
    the end). PyTorch: nn.PReLU(num_parameters) has `weight` (num_parameters,),
    num_parameters 1 (one slope) or the channel count (dim 1; a layout-free tensor such
    as a sequence (T, d) has its channels last here, as batch_norm reads it).

    With neither argument each convention builds its framework's default: Keras one alpha
    per element, PyTorch one weight. The other framework's argument gives the same network:
    num_parameters=1 in Keras is shared_axes on every axis (alpha (1, ..., 1)); num_parameters=C
    shares every axis but the channel axis. In PyTorch, shared_axes must leave no axis or
    only dim 1 unshared; anything else has no nn.PReLU and is a ConventionError.
    Element-wise: 0 MACs, like the other activations."""
    c.need_rank(1)
    rank, shape = c.x.rank, c.shape
    index = _torch_channel_index(c)
    unshared = None
    if c.a.shared_axes is not None:
        shared = {c.axis(ax) for ax in c.a.shared_axes}
        unshared = frozenset(range(rank)) - shared
    if c.a.num_parameters is not None:
        from_count = _unshared_from_count(c, c.a.num_parameters, index)
        if unshared is not None and unshared != from_count:
            c.fail(f"shared_axes={format_shape(c.a.shared_axes)} and num_parameters={c.a.num_parameters} "
                   f"describe different slopes; give one of them", "num_parameters")
        unshared = from_count
    if unshared is None:
        unshared = c.pick(keras=frozenset(range(rank)), torch=frozenset())
    # A number given for a symbolic channel count is what the framework is told.
    sizes = list(shape)
    if c.a.num_parameters is not None and unshared:
        sizes[index] = c.a.num_parameters
    keep = saves(c, "input")      # both gradients read the input (PyTorch's _prelu_kernel_backward)
    if c.keras:
        return Built(shape, [w("alpha", tuple(d if i in unshared else 1 for i, d in enumerate(sizes)))], saved=keep)
    if not unshared:
        return Built(shape, [w("weight", (1,))], saved=keep)
    if unshared == {index}:
        return Built(shape, [w("weight", (sizes[index],))], saved=keep)
    kept = ", ".join(str(i + 1) for i in sorted(unshared))
    c.cannot_express(f"nn.PReLU has one weight or one per channel (axis {index + 1}); shared_axes="
                     f"{format_shape(c.a.shared_axes)} keeps one alpha per element along axes {kept}")


@layer("resizing", "Resizing",
       params=[P("height", Optional(SIZE), None),
               P("width", Optional(SIZE), None),
               P("interpolation", TEXT, "bilinear"),
               P("crop_to_aspect_ratio", BOOL, False),
               P("pad_to_aspect_ratio", BOOL, False),
               P("fill_mode", TEXT, "constant"),
               P("fill_value", NUMBER, 0),
               P("antialias", BOOL, False),
               K("size", Optional(Sizes(2)), None),
               K("mode", Optional(TEXT), None)])
def resizing(c):
    """Keras's Resizing(height, width): an image resized to (height, width), channels kept;
    no weights, and its interpolation is not counted as MACs (as up-sampling's is not).
    PyTorch's equivalent is nn.Upsample(size=(height, width)), so size=(h, w) is accepted
    in place of height and width. crop_to_aspect_ratio and pad_to_aspect_ratio change
    which pixels are sampled, not the shape."""
    c.need_rank(3, exact=True, what="(height, width, channels) in channels_last, channels first in channels_first")
    a = c.a
    if a.size is not None:
        if a.height is not None or a.width is not None:
            c.fail("give either height and width or size=(height, width), not both", "size")
        height, width = a.size
    else:
        if a.height is None or a.width is None:
            c.fail("needs height and width (or size=(height, width))")
        height, width = a.height, a.width
    if a.crop_to_aspect_ratio and a.pad_to_aspect_ratio:
        c.fail("only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be true", "pad_to_aspect_ratio")
    out = (c.positive(height, "height"), c.positive(width, "width"))
    return Built(c.feature_map(out, c.channels))
