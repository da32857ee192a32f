"""symparams solve FILE --for d --params 1e9: the positive value of a symbol that gives a figure."""
from __future__ import annotations

from .common import UsageError, add_model_arguments, load_model

HELP = "solve figure = value for a symbol (e.g. which d gives 1e9 parameters)"
TARGETS = ("params", "trainable", "macs", "flops")


def add_arguments(parser):
    add_model_arguments(parser, ("text", "json", "markdown", "latex"))
    parser.add_argument("--for", dest="unknown", required=True, metavar="SYMBOL", help="the symbol to solve for")
    group = parser.add_mutually_exclusive_group(required=True)
    for figure in TARGETS:
        group.add_argument(f"--{figure}", metavar="VALUE", help=f"the {figure} to reach (an expression)")
    parser.add_argument("--multiple-of", type=int, metavar="N",
                        help="round to a multiple of N (as well as of what the model's size rules need, "
                             "such as d/h whole)")


def _target(args):
    from ..errors import SymparamsError
    from ..inputs import parse_value
    for figure in TARGETS:
        text = getattr(args, figure)
        if text is not None:
            try:
                return figure, parse_value(text)
            except SymparamsError as err:
                raise UsageError(f"--{figure} {text}: {err.message}") from None
    raise UsageError("give one of " + ", ".join(f"--{f}" for f in TARGETS))


def run(args) -> str:
    figure, target = _target(args)
    net = load_model(args)
    try:
        symbol = net.symbol(args.unknown)
    except KeyError:
        raise UsageError(f"model {net.name} has no symbol {args.unknown!r} "
                         f"(its symbols: {', '.join(net.symbols) or 'none'})") from None
    if args.multiple_of is not None and args.multiple_of < 1:
        raise UsageError(f"--multiple-of must be a positive whole number, not {args.multiple_of}")
    solution = net.solve(symbol.name, multiple_of=args.multiple_of, **{figure: target})
    if args.format == "json":
        import json

        from ..printers.json import solution_dict
        return json.dumps(solution_dict(solution), indent=1)
    from ..printers import render_table
    return render_table("solution", args.format, solution)
