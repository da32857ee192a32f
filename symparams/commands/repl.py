"""symparams repl FILE: an interactive Python console with the model loaded.

This is a Python prompt by design (code.InteractiveConsole): what the user types there is
Python, run by the standard library's console, as in `python -i`. Nothing from the .arch file
or from --set reaches it as code: the model is parsed and evaluated as everywhere else."""
from __future__ import annotations

import sys

from .common import add_model_arguments, load_model

HELP = "an interactive Python console with a model, its symbols and SymPy ready"

BANNER = """\
symparams {version} · model {name} ({convention}) from {file}
  net                    the model: net.params net.trainable net.macs net.output_shape net.layers
  {symbols}
  subs(net.params, {example}=...)   substitute by name (numbers or expressions such as "64*h")
  subs(net, ...)         the whole model with values substituted (a new result)
  diff(net.params, {first})   solve(net.params, {first}, 10**9)   (solve expr = value for a symbol)
  latex(net.params)      LaTeX, symbol names as authors write them; sympy is imported
  summary()              the text table;  net.layers[i] for one layer
Ctrl-D (Ctrl-Z Enter on Windows) leaves."""


def add_arguments(parser):
    add_model_arguments(parser)


def _number(value):
    from ..inputs import as_value
    return as_value(value)


def namespace(net) -> dict:
    """The console's globals: the helpers, then the model's symbols by name (a symbol whose name
    a helper takes stays reachable as net.symbol("name"))."""
    import sympy

    from ..expressions import as_expr
    from ..printers.latex import latex
    from ..printers.text import render_model
    from ..model import ModelResult

    symbols = {name: net.symbol(name) for name in net.symbols}

    def subs(target=None, /, **values):
        """subs(expr, H=224) or subs(net, H=224): replace symbols given by name."""
        if target is None or isinstance(target, ModelResult):
            return (target or net).subs(values)
        unknown = sorted(set(values) - set(symbols))
        if unknown:
            raise NameError(f"no symbol {', '.join(unknown)} in model {net.name} "
                            f"(its symbols: {', '.join(symbols) or 'none'})")
        mapping = {symbols[k]: _number(v) for k, v in values.items()}
        if isinstance(target, (tuple, list)):
            return type(target)(as_expr(d).xreplace(mapping) for d in target)
        return target.xreplace(mapping)

    def solve(expr, symbol, value=0, **kwargs):
        """Values of `symbol` that make `expr` equal `value` (positive solutions for a size)."""
        return sympy.solve(sympy.Eq(expr, _number(value)), symbol, **kwargs)

    def summary(**kwargs):
        print(render_model(net, **kwargs))

    ns = {"__name__": "__console__", "__doc__": None}
    ns.update({k: v for k, v in symbols.items()})
    ns.update({"net": net, "sympy": sympy, "subs": subs, "diff": sympy.diff, "solve": solve, "latex": latex,
               "summary": summary, "symbols": symbols})
    return ns


def banner(net, file) -> str:
    from .. import __version__
    names = net.symbols
    shown = ", ".join(names) if names else "(none: every size is a number)"
    in_params = sorted(s.name for s in net.params.free_symbols)
    first = (in_params or names or ["H"])[0]          # a symbol the parameter count depends on
    return BANNER.format(version=__version__, name=net.name, convention=net.convention, file=file,
                         symbols=f"{shown:<22} the symbols, by name; symbols['name'] also works",
                         example=first, first=first)


def run(args) -> str:
    import code
    net = load_model(args)
    ns = namespace(net)
    try:
        import readline
        import rlcompleter
        readline.set_completer(rlcompleter.Completer(ns).complete)
        readline.parse_and_bind("tab: complete")
    except ImportError:          # pragma: no cover (Windows without pyreadline)
        pass
    console = code.InteractiveConsole(ns, filename="<symparams>")
    sys.ps1, sys.ps2 = ">>> ", "... "
    console.interact(banner=banner(net, args.file), exitmsg="")
    return ""
