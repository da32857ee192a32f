"""symparams summary FILE: the per-layer table and the totals of a model."""
from __future__ import annotations

from .common import add_model_arguments, load_model

HELP = "per-layer table and totals of a model in a .arch file"
FORMATS = ("text", "json", "markdown", "latex")


def add_arguments(parser):
    add_model_arguments(parser, FORMATS)


def render(net, fmt: str) -> str:
    if fmt == "json":
        from ..printers.json import render as printer
    elif fmt == "markdown":
        from ..printers.markdown import render as printer
    elif fmt == "latex":
        from ..printers.latex_table import render as printer
    else:
        from ..printers.text import render_model as printer
    return printer(net)


def run(args) -> str:
    return render(load_model(args), args.format)
