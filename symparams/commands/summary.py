"""symparams summary FILE: the per-layer table and the totals of a model."""
from __future__ import annotations

import os
import re
import shutil
import sys

from ..figures import FIGURES
from .common import UsageError, add_model_arguments, load_model

HELP = "per-layer table and totals of a model in a .arch file"
FORMATS = ("text", "json", "markdown", "latex")
_LATEX_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.+)$", re.S)


def add_arguments(parser):
    add_model_arguments(parser, FORMATS)
    parser.add_argument("--expand", nargs="?", const="all", metavar="DEPTH",
                        help="show the layers inside block calls (default: one row per block call, its figures "
                             "summed); a number limits the depth")
    parser.add_argument("--width", type=int, metavar="N",
                        help="text: wrap long expressions so the table fits in N columns (default: the terminal's "
                             "width on a terminal, no wrapping otherwise; 0: no wrapping)")
    parser.add_argument("--latex-name", action="append", metavar="NAME=LATEX",
                        help="latex/markdown: write symbol NAME as LATEX, e.g. --latex-name 'd=d_{m}' (repeatable)")
    parser.add_argument("--standalone", action="store_true",
                        help="latex: a complete, compilable document (booktabs, amsmath)")
    parser.add_argument("--beamer", action="store_true",
                        help="latex: the table as a Beamer frame, scaled to the frame's width (with --standalone, "
                             "a whole deck)")
    parser.add_argument("--formula", action="append", choices=tuple(FIGURES), metavar="FIGURE",
                        help=f"latex: only these totals as formulas ({', '.join(FIGURES)}); repeatable")
    parser.add_argument("--by", choices=("layer", "block"), default="layer",
                        help="block: one row per top-level block call, layer and repeat, with its formula for one "
                             "instance, its count, its total and its share of the params; "
                             "with --memory, the activations per block too")
    from .memory import add_memory_options
    parser.add_argument("--memory", action="store_true",
                        help="after the summary, the table `symparams memory` prints for the options below "
                             "(json: a \"memory\" key)")
    add_memory_options(parser.add_argument_group("memory (with --memory; as `symparams memory` takes them)"))


def latex_names(items) -> dict:
    names = {}
    for item in items or ():
        match = _LATEX_NAME.match(item)
        if not match:
            raise UsageError(f"--latex-name {item!r}: expected NAME=LATEX, e.g. --latex-name 'd=d_{{m}}'")
        names[match.group(1)] = match.group(2).strip()
    return names


def expand_depth(value):
    if value is None:
        return False
    if value == "all":
        return True
    try:
        depth = int(value)
    except ValueError:
        raise UsageError(f"--expand {value!r}: expected a depth (a whole number) or nothing") from None
    if depth < 0:
        raise UsageError(f"--expand {value}: the depth cannot be negative")
    return depth


def use_color(stream=None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    stream = stream or sys.stdout
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def text_width(requested):
    if requested is not None:
        if requested < 0:
            raise UsageError(f"--width {requested}: expected a positive number of columns (or 0: no wrapping)")
        return requested or None
    if hasattr(sys.stdout, "isatty") and sys.stdout.isatty():
        return shutil.get_terminal_size((100, 24)).columns
    return None


def render(net, fmt: str, args=None) -> str:
    expand = expand_depth(getattr(args, "expand", None))
    names = latex_names(getattr(args, "latex_name", None))
    if fmt == "json":
        from ..printers.json import render as printer
        return printer(net)
    if fmt == "markdown":
        from ..printers.markdown import render as printer
        return printer(net, names=names, expand=expand)
    if fmt == "latex":
        from ..printers.latex_table import render as printer
        return printer(net, names=names, standalone=getattr(args, "standalone", False), expand=expand,
                       figures=getattr(args, "formula", None), beamer=getattr(args, "beamer", False))
    from ..printers.text import render_model
    return render_model(net, width=text_width(getattr(args, "width", None)), expand=expand, color=use_color())


def run(args) -> str:
    if args.format != "latex" and (args.standalone or args.formula or args.beamer):
        raise UsageError("--standalone, --beamer and --formula go with --format latex")
    if args.beamer and args.formula:
        raise UsageError("--beamer shows the table; --formula gives formulas alone: choose one")
    if args.format not in ("latex", "markdown") and args.latex_name:
        raise UsageError("--latex-name goes with --format latex or markdown")
    _check_memory_options(args)
    by_block = getattr(args, "by", "layer") == "block"
    if by_block and (args.standalone or args.beamer or args.formula):
        raise UsageError("--by block prints its table alone: --standalone, --beamer and --formula go with the "
                         "per-layer table")
    net = load_model(args)
    if args.memory and args.format == "json":
        return _json_with_memory(net, args, by_block)
    shown = render_by_block(net, args.format) if by_block else render(net, args.format, args)
    return with_memory(net, args, shown, by_block) if args.memory else shown


def _check_memory_options(args):
    from .memory import given_options
    given = given_options(args)
    if given and not args.memory:
        raise UsageError(f"{', '.join(given)} {'go' if len(given) > 1 else 'goes'} with --memory")
    if args.memory and (args.beamer or args.formula):
        raise UsageError("--memory adds a table after the summary's: not with --beamer or --formula")


def with_memory(net, args, shown: str, by_block: bool) -> str:
    """The summary, then the table `symparams memory` prints for the same options (inside the
    document with --standalone)."""
    from ..printers.memory import RENDERERS
    from .memory import memory_of
    table = RENDERERS[args.format](net, *memory_of(net, args, by_block))
    end = "\\end{document}\n"
    if args.format == "latex" and args.standalone and shown.endswith(end):
        return shown[:-len(end)] + "\n" + table + "\n" + end
    return shown + "\n\n" + table


def _json_with_memory(net, args, by_block: bool) -> str:
    import json

    from ..breakdown import breakdown
    from ..printers.json import breakdown_dict, model_dict
    from ..printers.memory import as_dict
    from .memory import memory_of
    out = breakdown_dict(net, breakdown(net)) if by_block else model_dict(net)
    out["memory"] = as_dict(net, *memory_of(net, args, by_block))
    return json.dumps(out, indent=1)


def render_by_block(net, fmt: str) -> str:
    """--by block: symparams.breakdown (Kaplan et al. 2020, Table 1 style)."""
    from ..breakdown import breakdown
    rows = breakdown(net)
    if fmt == "json":
        import json

        from ..printers.json import breakdown_dict
        return json.dumps(breakdown_dict(net, rows), indent=1)
    from ..printers import render_table
    return render_table("breakdown", fmt, net, rows)
