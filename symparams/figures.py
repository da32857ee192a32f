"""The figures a model has, their titles, and the totals a summary lists: one table for the
API, every printer and every command."""
from __future__ import annotations

from .errors import ChoiceError

# name -> title, in the order a summary lists them
FIGURES = {"params": "Params", "trainable": "Trainable", "non_trainable": "Non-trainable",
           "buffers": "Buffers", "active_params": "Active params", "macs": "MACs", "flops": "FLOPs"}


def check_figure(name, allowed=tuple(FIGURES)) -> str:
    """`name` if it names a figure; otherwise ChoiceError listing the figures (API misuse)."""
    if not isinstance(name, str):
        raise TypeError(f"a figure is named by a str, not {type(name).__name__}")
    if name not in allowed:
        raise ChoiceError(f"unknown figure {name!r}; choose from {', '.join(allowed)}")
    return name


def totals(convention: str, active: bool = False) -> list[tuple[str, str]]:
    """(label, figure) of the totals under a summary table; PyTorch's buffers only for torch;
    active params when `active` (a model with experts: otherwise they equal params)."""
    shown = [("Total params", "params"), ("Trainable params", "trainable"),
             ("Non-trainable params", "non_trainable")]
    if active:
        shown.append(("Active params", "active_params"))
    if convention == "torch":
        shown.append(("Buffers", "buffers"))
    return shown + [("MACs", "macs")]
