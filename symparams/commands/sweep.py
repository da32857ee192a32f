"""symparams sweep FILE --vary d=128:4096:128: a figure over a range (or grid) of values."""
from __future__ import annotations

import re

from .common import UsageError, add_model_arguments, load_model

HELP = "evaluate figures over ranges of values (vectorized; needs numpy)"
_VARY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.+)$", re.S)


def add_arguments(parser):
    add_model_arguments(parser, ("text", "csv", "json", "markdown", "latex"))
    parser.add_argument("--vary", action="append", required=True, metavar="NAME=START:STOP[:STEP]",
                        help="a symbol and its values: START:STOP:STEP (STOP included) or v1,v2,...; "
                             "several --vary make a grid")
    parser.add_argument("--skip-invalid", action="store_true",
                        help="drop the points that break a size rule (counted) instead of stopping at the first")
    parser.add_argument("--of", default="params,macs", metavar="FIGURES",
                        help="comma-separated figures (params, trainable, non_trainable, buffers, active_params, macs, flops)")


def run(args) -> str:
    from ..errors import SymparamsError
    from ..figures import FIGURES
    from ..sweep import numpy, parse_range, sweep
    numpy()
    figures = [f.strip() for f in args.of.split(",") if f.strip()]
    bad = [f for f in figures if f not in FIGURES]
    if bad or not figures:
        raise UsageError(f"--of {args.of}: choose from {', '.join(FIGURES)}")
    vary = {}
    for item in args.vary:
        match = _VARY.match(item)
        if not match:
            raise UsageError(f"--vary {item!r}: expected NAME=START:STOP[:STEP] or NAME=v1,v2,...")
        name = match.group(1)
        if name in vary:
            raise UsageError(f"--vary {name} is given twice")
        try:
            vary[name] = parse_range(match.group(2))
        except SymparamsError as err:
            raise UsageError(f"--vary {item}: {err.message}") from None
    net = load_model(args)
    table = sweep(net, vary, figures, skip_invalid=args.skip_invalid)
    if args.format == "csv":
        from ..printers.csv import render_sweep
        return render_sweep(table)
    if args.format == "json":
        import json

        from ..printers.json import sweep_dict
        return json.dumps(sweep_dict(net, table))
    from ..printers import render_table
    return render_table("sweep", args.format, net, table)
