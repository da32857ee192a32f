"""Adaptive pooling: the output size is given and the windows follow from it
(PyTorch's AdaptiveAvgPool/AdaptiveMaxPool, Keras's AdaptiveAveragePooling/AdaptiveMaxPooling)."""
from __future__ import annotations

from dataclasses import dataclass

from .. import rules
from ..expressions import describe, is_expr
from ..results_types import Saved
from ..text import expr_text
from .base import (P, REQUIRED, Built, Kind, format_shape, obey_rule, prod, saves)
from .conv import AXES, SPATIAL
from .core import layer


def _whole_or_none(value) -> bool:
    return value is None or (is_expr(value) and value.is_integer is not False)


@dataclass(frozen=True)
class OutputSizes(Kind):
    """PyTorch's output_size: one size for every axis, or a tuple of n, where none keeps that
    axis's size (2-D and 3-D only: AdaptiveAvgPool1d refuses none)."""
    n: int
    rule = rules.SIZE

    @property
    def label(self):
        keep = " (none keeps an axis's size)" if self.n > 1 else ""
        return f"a size or a tuple of {self.n} sizes{keep}"

    def __call__(self, value, fail):
        allowed = _whole_or_none if self.n > 1 else (lambda v: v is not None and _whole_or_none(v))
        if value is not None and _whole_or_none(value):
            obey_rule((value,), self.rule, fail)
            return (value,) * self.n
        if isinstance(value, tuple) and len(value) == self.n and all(allowed(v) for v in value):
            obey_rule([v for v in value if v is not None], self.rule, fail)
            return value
        fail(f"expected {self.label}, found {_written(value) if isinstance(value, tuple) else describe(value)}")


def _written(sizes: tuple) -> str:
    """A tuple as written, `none` included (the shape writer takes sizes only)."""
    items = ["none" if v is None else expr_text(v) if is_expr(v) else describe(v) for v in sizes]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _adaptive_pool(kind, rank):
    keras_class = {"avg": "AdaptiveAveragePooling", "max": "AdaptiveMaxPooling"}[kind] + SPATIAL[rank]
    torch_class = {"avg": "AdaptiveAvgPool", "max": "AdaptiveMaxPool"}[kind] + f"{rank}d"

    @layer(f"adaptive_{kind}_pool{rank}d", keras_class, torch_class,
           params=[P("output_size", OutputSizes(rank), REQUIRED)])
    def build(c):
        """Pools each channel to output_size along the spatial axes, whatever the input size
        (larger outputs than inputs too: windows then overlap). No weights; no MACs, as for
        every pooling layer (docs/MACS.md). Keras's layers take no `none` in output_size."""
        c.need_rank(rank + 1, exact=True, what=AXES[rank])
        if c.keras and None in c.a.output_size:
            c.cannot_express(f"Keras's {keras_class} needs every output size; none (keep the input's "
                             f"size) is PyTorch's")
        out = [length if size is None else c.positive(size, "output_size")
               for length, size in zip(c.spatial, c.a.output_size)]
        # backward: the maximum keeps its input and an int64 argmax per output; the average its input,
        # or nothing when every output size is 1 (PyTorch then takes a mean)
        if kind == "max":
            saved = (*saves(c, "input"), Saved(prod(out) * c.channels, "index"))
        else:
            saved = () if all(size == 1 for size in out) else saves(c, "input")
        return Built(c.feature_map(out, c.channels), saved=saved)
    return build


for _rank in (1, 2, 3):
    _adaptive_pool("avg", _rank)
    _adaptive_pool("max", _rank)
