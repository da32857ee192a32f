"""A learned free tensor: ViT's class token and position table, ConvNeXt's layer scale."""
from __future__ import annotations

from .base import REQUIRED, SIZE_TUPLE, Built, P, w
from .core import layer


@layer("parameter", "Parameter", params=[P("shape", SIZE_TUPLE, REQUIRED)])
def parameter(c):
    """A learned tensor of `shape`, the same for every example (no batch axis). Its output
    is the tensor itself: the current tensor is not read. Its one weight is named after
    the layer, as PyTorch names an nn.Parameter attribute (`self.class_token`) and as
    Keras's add_weight(name=...) does. The shape is taken as written in both conventions
    (it is not converted between layouts) and the tensor is layout-free: a merge gives it
    the layout of the tensor it meets (see the merge layers in core.py). No MACs."""
    shape = tuple(c.positive(d, "a parameter size") for d in c.a.shape)
    # training: it reads no input, keeps nothing, and its gradient is a sum (no MACs)
    return Built(shape, [w(c.layer_name, shape)], 0, layout=None, saved=(), differentiable=False)
