"""symparams eval 'LAYER(...)' --input '(...)': one layer on one input shape."""
from __future__ import annotations

from .common import UsageError, parse_sets

HELP = "evaluate one layer call on an input shape"


def add_arguments(parser):
    parser.add_argument("layer", help="a layer call, e.g. 'conv2d(n, k)'")
    parser.add_argument("--input", required=True, help="the input shape without the batch axis, e.g. '(H, W, f)'")
    parser.add_argument("--convention", choices=("keras", "torch"), default="keras")
    parser.add_argument("--layout", choices=("channels_last", "channels_first"),
                        help="the layout the input shape is written in (default: the convention's)")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args) -> str:
    from ..errors import ChoiceError
    from ..program import eval_layer
    values = parse_sets(args.set)
    result = eval_layer(args.layer, args.input, convention=args.convention, layout=args.layout)
    if values:
        try:
            result = result.subs(values)
        except ChoiceError as err:
            raise UsageError(str(err)) from None
    if args.format == "json":
        import json

        from ..printers.json import model_dict
        return json.dumps(model_dict(result.model), indent=1)
    from ..printers.text import render_layer
    return render_layer(result)
