"""symparams compare A.arch:ModelA B.arch:ModelB: difference and ratio of params and MACs."""
from __future__ import annotations

from .common import evaluate, parse_sets, split_model_spec

HELP = "compare two models: difference and ratio of params and MACs, per layer when they match"


def add_arguments(parser):
    parser.add_argument("a", metavar="FILE[:MODEL]", help="the first model, e.g. examples/x.arch:Separable")
    parser.add_argument("b", metavar="FILE[:MODEL]", help="the model to compare it with")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="values for both models")
    parser.add_argument("--set-a", action="append", metavar="NAME=VALUE", help="values for the first model only")
    parser.add_argument("--set-b", action="append", metavar="NAME=VALUE", help="values for the second model only")
    parser.add_argument("--defaults", action="store_true", help="use the defaults the models declare")
    parser.add_argument("--convention", choices=("keras", "torch"), default="keras")
    parser.add_argument("--format", choices=("text", "json", "markdown", "latex"), default="text")
    parser.add_argument("--quiet", action="store_true", help="do not print warnings (they never change a figure)")


def _load(spec, values, args):
    return evaluate(*split_model_spec(spec), args.convention, values, args.defaults, args.quiet)


def run(args) -> str:
    from ..compare import compare
    shared = parse_sets(args.set)
    a = _load(args.a, {**shared, **parse_sets(args.set_a)}, args)
    b = _load(args.b, {**shared, **parse_sets(args.set_b)}, args)
    result = compare(a, b)
    if args.format == "json":
        import json

        from ..printers.json import comparison_dict
        return json.dumps(comparison_dict(result), indent=1)
    from ..printers import render_table
    return render_table("comparison", args.format, result)
