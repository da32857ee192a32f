"""What several subcommands share: usage errors, --set values, loading a model."""
from __future__ import annotations

import re

_SET_ITEM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$", re.S)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class UsageError(Exception):
    """A mistake on the command line (exit status 2)."""


def split_top_level(text: str) -> list[str]:
    """`L=24,d=768` -> ['L=24', 'd=768'], keeping commas inside parentheses."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def parse_sets(items) -> dict:
    """--set NAME=VALUE (repeatable, comma-separated): values are expressions."""
    from ..errors import SymparamsError
    from ..inputs import parse_value
    values = {}
    for item in items or ():
        for part in split_top_level(item):
            match = _SET_ITEM.match(part)
            if not match:
                raise UsageError(f"--set {part!r}: expected NAME=VALUE, e.g. --set H=224")
            name, text = match.group(1), match.group(2)
            if name in values:
                raise UsageError(f"--set {name} is given twice; give each symbol one value")
            try:
                values[name] = parse_value(text)
            except SymparamsError as err:
                raise UsageError(f"--set {name}={text}: {err.message}") from None
    return resolve_chained(values)


def resolve_chained(values: dict) -> dict:
    """`--set H=224,W=H`: a value may name another --set symbol; follow such links."""
    for _ in range(len(values) + 1):
        changed = False
        for name, value in values.items():
            links = {s: values[s.name] for s in value.free_symbols if s.name in values and s.name != name}
            if links:
                values[name] = value.xreplace(links)
                changed = True
        if not changed:
            return values
    raise UsageError(f"--set values refer to each other in a cycle ({', '.join(sorted(values))})")


def add_model_arguments(parser, formats=None):
    """FILE --model --set --defaults --convention (and --format when given)."""
    parser.add_argument("file")
    parser.add_argument("--model", help="the model to evaluate (needed when the file has several)")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE",
                        help="give a symbol a value (an expression); repeat or separate with commas")
    parser.add_argument("--defaults", action="store_true", help="use the defaults the model declares")
    parser.add_argument("--convention", choices=("keras", "torch"), default="keras")
    parser.add_argument("--quiet", action="store_true", help="do not print warnings (they never change a figure)")
    if formats:
        parser.add_argument("--format", choices=formats, default=formats[0])


def split_model_spec(text: str):
    """`path/to/file.arch:Model` -> (path, "Model"); a spec without a model name -> (text, None)."""
    head, sep, tail = text.rpartition(":")
    if sep and head and _IDENT.match(tail):
        return head, tail
    return text, None


def evaluate(path, model, convention, values=None, defaults=False, quiet=False):
    """Load a file and evaluate one of its models; usage mistakes become UsageError. Its
    warnings go to stderr as FILE:LINE:COL: warning: ... unless quiet."""
    from ..errors import ChoiceError
    from ..program import load
    try:
        program = load(path)
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from None
    try:
        net = program.model(model, convention=convention, values=values, defaults=defaults)
    except ChoiceError as err:          # --model or --set named something the file lacks
        raise UsageError(str(err)) from None
    if not quiet:
        print_warnings(net)
    return net


def print_warnings(net):
    import sys

    from ..errors import SymparamsError
    for message, span in net.warnings:
        print(SymparamsError(message, span, net.source, net.filename).render("warning"), file=sys.stderr)


def load_model(args):
    """Evaluate the model FILE[:MODEL] --model --set --defaults --convention name."""
    import os
    path, model = (args.file, None) if os.path.exists(args.file) else split_model_spec(args.file)
    option = getattr(args, "model", None)
    if model and option and model != option:
        raise UsageError(f"{args.file} names model {model} but --model names {option}: give one")
    return evaluate(path, model or option, args.convention, parse_sets(getattr(args, "set", None)),
                    getattr(args, "defaults", False), getattr(args, "quiet", False))
