"""The layer catalog: every layer declared once, found by its name or a class alias."""
from __future__ import annotations

from . import (adaptive, attention, buffers, conv, experts, extras, learned, lora, norm,  # noqa: F401
               recurrent, transpose)  # (each registers its layers)
from .base import LayerDef
from .core import LAYERS

CANONICAL: dict[str, LayerDef] = {}
BY_NAME: dict[str, LayerDef] = {}
for _layer in LAYERS:
    CANONICAL[_layer.name] = _layer
    for _alias in (_layer.name, *_layer.aliases):
        BY_NAME.setdefault(_alias, _layer)


def lookup(name: str) -> LayerDef | None:
    return BY_NAME.get(name)

