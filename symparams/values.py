"""What expressions and chains evaluate to, besides SymPy expressions."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import Span, UnknownNameError, did_you_mean

CHANNELS_LAST = "channels_last"
CHANNELS_FIRST = "channels_first"
LAYOUTS = (CHANNELS_LAST, CHANNELS_FIRST)
CONVENTION_LAYOUT = {"keras": CHANNELS_LAST, "torch": CHANNELS_FIRST}


@dataclass(frozen=True)
class Tensor:
    """A tensor without its batch axis. `layout` says where a feature map keeps its
    channels; None means features are last in every framework (sequences)."""
    shape: tuple
    layout: str | None
    producer: str = "input"

    @property
    def rank(self) -> int:
        return len(self.shape)


@dataclass(frozen=True)
class ArgValue:
    keyword: str | None
    value: Any
    span: Span
    keyword_span: Span | None = None


@dataclass(frozen=True)
class LayerSpec:
    """A layer call used as a value, e.g. the `lstm(16)` in `bidirectional(lstm(16))`."""
    definition: Any  # catalog.LayerDef
    args: tuple[ArgValue, ...]
    span: Span
    name_span: Span
    written: str | None = None   # the name the call used: its positional order follows that framework


@dataclass(frozen=True)
class BlockSpec:
    """A block call used as a value, e.g. the `SwiGLU(d, ff)` in `moe(SwiGLU(d, ff), experts=8, top_k=2)`."""
    definition: Any  # ast.Definition
    args: tuple[ArgValue, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True, eq=False)
class SharedLayer:
    """`let NAME = LAYERCALL`: built on first use, its weights counted once. Each `let`
    is its own layer (compared by identity): a block called twice declares two."""
    name: str
    spec: LayerSpec
    span: Span
    repeat: tuple = ()       # the repeats around the `let`: they, not a use's, multiply the weights


def check_layout(name: str, span) -> str:
    if name not in LAYOUTS:
        raise UnknownNameError(f"unknown layout '{name}'{did_you_mean(name, LAYOUTS)}; "
                               f"use channels_last or channels_first", span)
    return name


def display_shape(tensor: Tensor, convention: str) -> tuple:
    """A tensor's shape in the convention's layout, as results report it (LANGUAGE.md §8)."""
    target = CONVENTION_LAYOUT[convention]
    shape = tuple(tensor.shape)
    if tensor.layout is None or tensor.layout == target or len(shape) < 2:
        return shape
    if target == CHANNELS_FIRST:
        return (shape[-1], *shape[:-1])
    return (*shape[1:], shape[0])
