"""What expressions and chains evaluate to, besides SymPy expressions."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import Span

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


@dataclass
class SharedLayer:
    """`let NAME = LAYERCALL`: built on first use, its weights counted once."""
    name: str
    spec: LayerSpec
    span: Span
    repeat: tuple = ()       # the repeats around the `let`: they, not a use's, multiply the weights
    built_row: Any = None
