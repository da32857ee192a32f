"""Buffers: tensors a PyTorch module registers with `register_buffer` (rotary frequencies,
position-id tables). They are state, not parameters: counted under `buffers` only."""
from __future__ import annotations

from .base import REQUIRED, SIZE_TUPLE, Built, P, w
from .core import layer


@layer("buffer", params=[P("shape", SIZE_TUPLE, REQUIRED)])
def buffer(c):
    """A PyTorch buffer of the given shape, named by the layer name (`rotary_emb.inv_freq`).
    Its output is the buffer itself; it ignores the current tensor. Keras has no buffers: in
    the keras convention it has no weights. No multiply-adds."""
    shape = tuple(c.divisible(c.positive(d, "shape"), 1, f"the buffer size {d} must be a whole number")
                  for d in c.a.shape)
    weights = c.pick(keras=lambda: [], torch=lambda: [w(c.layer_name, shape, trainable=False, buffer=True)])
    return Built(shape, weights, 0, layout=None)
