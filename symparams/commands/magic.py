"""`%load_ext symparams` then a `%%symparams` cell: the cell is an .arch source, evaluated and
shown as the model's table, and its result bound to a name in the notebook (`net`, or -o NAME).

    %%symparams --model Tiny --set k=3 --convention torch -o tiny
    model Tiny(H, W, C, n, k, f):
        input (H, W, C)
        conv2d(f, k) -> relu
        conv2d(n, k)

A located error is shown against the cell's own lines (`<cell>:LINE:COL`), with no traceback."""
from __future__ import annotations

import argparse
import shlex
import sys

from .common import UsageError, parse_sets

CELL = "<cell>"


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%%symparams", add_help=False, exit_on_error=False)
    parser.add_argument("--model", help="the model to show (needed when the cell has several)")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE")
    parser.add_argument("--defaults", action="store_true")
    parser.add_argument("--convention", choices=("keras", "torch"), default="keras")
    parser.add_argument("-o", "--output", default="net", metavar="NAME",
                        help="the notebook variable the result is bound to (default: net)")
    return parser


def evaluate_cell(line: str, cell: str):
    """(name to bind, result) for one cell; raises UsageError or SymparamsError."""
    from ..program import parse
    try:
        args, extra = _arguments().parse_known_args(shlex.split(line))
    except (argparse.ArgumentError, ValueError) as err:
        raise UsageError(str(err)) from None
    if extra:
        raise UsageError(f"unknown option {extra[0]!r}; known: --model, --set, --defaults, --convention, -o")
    if not args.output.isidentifier():
        raise UsageError(f"-o {args.output!r}: expected a Python name")
    program = parse(cell, CELL)
    try:
        net = program.model(args.model, convention=args.convention, values=parse_sets(args.set),
                            defaults=args.defaults)
    except ValueError as err:
        raise UsageError(str(err)) from None
    return args.output, net


def symparams_magic(shell, line: str, cell: str):
    from ..errors import SymparamsError
    try:
        name, net = evaluate_cell(line, cell)
    except UsageError as err:
        print(f"%%symparams: error: {err}", file=sys.stderr)
        return None
    except SymparamsError as err:
        print(err.render(), file=sys.stderr)
        return None
    shell.user_ns[name] = net
    return net        # the cell's value: IPython displays its table


def load_ipython_extension(shell):
    shell.register_magic_function(lambda line, cell: symparams_magic(shell, line, cell),
                                  magic_kind="cell", magic_name="symparams")
