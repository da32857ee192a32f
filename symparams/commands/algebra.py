"""symparams algebra FILE --diff L --factor ...: rewrite a figure, step by step."""
from __future__ import annotations

import argparse

from ..figures import FIGURES
from .common import UsageError, add_model_arguments, load_model

HELP = "simplify, expand, factor, collect, differentiate a figure, or take its leading term"


class _Step(argparse.Action):
    """Each operation is appended in command-line order: `--diff L --factor` factors ∂/∂L."""

    def __call__(self, parser, namespace, values, option_string=None):
        steps = list(getattr(namespace, "steps", None) or [])
        steps.append((self.const, None if self.nargs == 0 else values))
        namespace.steps = steps


def add_arguments(parser):
    add_model_arguments(parser, ("text", "json"))
    parser.add_argument("--of", choices=tuple(FIGURES), default="params", help="the figure (default: params)")
    parser.set_defaults(steps=[])
    for name, helptext in (("simplify", "the shortest of a few cheap equivalent forms"),
                           ("expand", "multiply out"), ("factor", "factor over the rationals")):
        parser.add_argument(f"--{name}", action=_Step, const=name, nargs=0, help=helptext)
    for name, helptext in (("collect", "group the powers of SYMBOL"), ("diff", "differentiate by SYMBOL"),
                           ("leading", "the leading term as SYMBOL grows without bound"),
                           ("degree", "the polynomial degree in SYMBOL")):
        parser.add_argument(f"--{name}", action=_Step, const=name, metavar="SYMBOL", help=helptext)


def run(args) -> str:
    from .. import algebra
    from ..printers.json import expr_text
    if not args.steps:
        raise UsageError("give at least one of --simplify --expand --factor --collect --diff --leading --degree")
    net = load_model(args)
    expr = getattr(net, args.of)
    results = []
    for op, arg in args.steps:
        symbol = None
        if arg is not None:
            try:
                symbol = net.symbol(arg)
            except KeyError:
                raise UsageError(f"--{op} {arg}: model {net.name} has no symbol {arg!r} "
                                 f"(its symbols: {', '.join(net.symbols) or 'none'})") from None
        if op == "degree":
            d = algebra.degree(expr, symbol)
            results.append((f"degree in {arg}", "not a polynomial" if d is None else str(d)))
            continue
        expr = {"simplify": lambda: algebra.tidy(expr), "expand": lambda: algebra.expand(expr),
                "factor": lambda: algebra.factor(expr), "collect": lambda: algebra.collect(expr, symbol),
                "diff": lambda: algebra.diff(expr, symbol),
                "leading": lambda: algebra.leading_term(expr, symbol)}[op]()
        label = {"diff": f"∂/∂{arg}", "leading": f"leading term as {arg} → ∞",
                 "collect": f"collected in {arg}"}.get(op, op)
        results.append((label, expr_text(expr)))
    if args.format == "json":
        import json
        return json.dumps({"model": net.name, "convention": net.convention, "figure": args.of,
                           "expr": expr_text(getattr(net, args.of)),
                           "steps": [{"step": label, "result": text} for label, text in results],
                           "result": results[-1][1]}, indent=1)
    lines = [f"{net.name} {args.of} = {expr_text(getattr(net, args.of))}"]
    lines += [f" {label}: {text}" for label, text in results]
    return "\n".join(lines)
