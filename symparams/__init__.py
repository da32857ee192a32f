"""symparams: closed-form parameter counts, shapes and MACs of neural networks.

    import symparams
    net = symparams.load("examples/resnet50.arch").model()
    net.params, net.macs, net.output_shape
"""
from .errors import (ArgumentError, ConstraintError, ConventionError, LimitError, ParseError, ShapeError,
                     SymparamsError, UnknownNameError)
from .model import LayerRow, ModelResult
from .program import LayerResult, Program, eval_layer, load, parse

__version__ = "0.1.0"


def latex(expr, names=None, first=()) -> str:
    """LaTeX for a figure (symparams.printers.latex.latex), imported when first used: the
    command line does not pay for SymPy's LaTeX printer unless it prints LaTeX."""
    from .printers.latex import latex as to_latex
    return to_latex(expr, names, first)


def load_ipython_extension(shell):
    """`%load_ext symparams`: the `%%symparams` cell magic (symparams/commands/magic.py)."""
    from .commands.magic import load_ipython_extension as load
    load(shell)
__all__ = ["parse", "load", "eval_layer", "latex", "Program", "ModelResult", "LayerRow", "LayerResult",
           "SymparamsError", "ParseError", "UnknownNameError", "ArgumentError", "ShapeError", "ConstraintError",
           "ConventionError", "LimitError"]
