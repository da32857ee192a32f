"""The command line: `symparams summary FILE` and `symparams eval 'LAYER(...)'`.
Exit 0 on success, 1 for an error in the input, 2 for a usage error. Never a traceback."""
from __future__ import annotations

import argparse
import re
import sys

FORMATS = ("text", "json", "markdown", "latex")
_SET_ITEM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$", re.S)


class UsageError(Exception):
    pass


def _split_top_level(text: str) -> list[str]:
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
    from .errors import SymparamsError
    from .program import parse_value
    values = {}
    for item in items or ():
        for part in _split_top_level(item):
            match = _SET_ITEM.match(part)
            if not match:
                raise UsageError(f"--set {part!r}: expected NAME=VALUE, e.g. --set H=224")
            name, text = match.group(1), match.group(2)
            try:
                values[name] = parse_value(text)
            except SymparamsError as err:
                raise UsageError(f"--set {name}={text}: {err.message}") from None
    return _resolve_chained(values)


def _resolve_chained(values: dict) -> dict:
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
    cycle = ", ".join(sorted(values))
    raise UsageError(f"--set values refer to each other in a cycle ({cycle})")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="symparams", description="Closed-form parameter counts, shapes and "
                                     "MACs of neural-network architectures.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    summary = sub.add_parser("summary", help="per-layer table and totals of a model in a .arch file")
    summary.add_argument("file")
    summary.add_argument("--model", help="the model to evaluate (needed when the file has several)")
    summary.add_argument("--set", action="append", metavar="NAME=VALUE",
                         help="give a symbol a value (an expression); repeat or separate with commas")
    summary.add_argument("--defaults", action="store_true", help="use the defaults the model declares")
    summary.add_argument("--convention", choices=("keras", "torch"), default="keras")
    summary.add_argument("--format", choices=FORMATS, default="text")

    ev = sub.add_parser("eval", help="evaluate one layer call on an input shape")
    ev.add_argument("layer", help="a layer call, e.g. 'conv2d(n, k)'")
    ev.add_argument("--input", required=True, help="the input shape without the batch axis, e.g. '(H, W, f)'")
    ev.add_argument("--convention", choices=("keras", "torch"), default="keras")
    ev.add_argument("--layout", choices=("channels_last", "channels_first"),
                    help="the layout the input shape is written in (default: the convention's)")
    ev.add_argument("--set", action="append", metavar="NAME=VALUE")
    ev.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _summary(args) -> str:
    from .program import load
    values = parse_sets(args.set)
    try:
        program = load(args.file)
    except OSError as err:
        raise UsageError(f"cannot read {args.file}: {err.strerror or err}") from None
    try:
        net = program.model(args.model, convention=args.convention, values=values, defaults=args.defaults)
    except ValueError as err:
        raise UsageError(str(err)) from None
    return _render(net, args.format)


def _render(net, fmt) -> str:
    if fmt == "json":
        from .printers.json import render
    elif fmt == "markdown":
        from .printers.markdown import render
    elif fmt == "latex":
        from .printers.latex_table import render
    else:
        from .printers.text import render_model as render
    return render(net)


def _eval(args) -> str:
    from .program import eval_layer
    values = parse_sets(args.set)
    result = eval_layer(args.layer, args.input, convention=args.convention, layout=args.layout)
    if values:
        try:
            result = result.subs(values)
        except ValueError as err:
            raise UsageError(str(err)) from None
    if args.format == "json":
        import json

        from .printers.json import model_dict
        return json.dumps(model_dict(result.model), indent=1)
    from .printers.text import render_layer
    return render_layer(result)


def main(argv=None) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    from .errors import SymparamsError
    try:
        out = _summary(args) if args.command == "summary" else _eval(args)
    except UsageError as err:
        print(f"symparams: error: {err}", file=sys.stderr)
        return 2
    except SymparamsError as err:
        if err.filename is None and args.command == "summary":
            err.filename = args.file
        print(err.render(), file=sys.stderr)
        return 1
    except RecursionError:
        print("symparams: error: the input nests too deeply to evaluate", file=sys.stderr)
        return 1
    except MemoryError:
        print("symparams: error: out of memory evaluating the input", file=sys.stderr)
        return 1
    try:
        sys.stdout.write(out + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
