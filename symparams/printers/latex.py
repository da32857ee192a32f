"""LaTeX: symbol names the way authors write them (d_model -> d_{\\mathrm{model}})."""
from __future__ import annotations

import re

import sympy

from ..expressions import as_expr
from sympy.printing.latex import LatexPrinter

_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
          "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"}


def symbol_latex(name: str) -> str:
    head, sep, tail = name.partition("_")
    base = f"\\{head}" if head in _GREEK else (head if len(head) == 1 else f"\\mathrm{{{head}}}")
    if not sep:
        return base
    escaped = tail.replace("_", r"\_")
    sub = f"\\{tail}" if tail in _GREEK else (tail if re.fullmatch(r"[A-Za-z0-9]", tail) else
                                              f"\\mathrm{{{escaped}}}")
    return f"{base}_{{{sub}}}"


class SymparamsLatexPrinter(LatexPrinter):
    def __init__(self, names: dict | None = None, **settings):
        super().__init__(settings)
        self.names = names or {}

    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self.names:
            return self.names[expr.name]
        return symbol_latex(expr.name)


def latex(expr, names: dict | None = None) -> str:
    """LaTeX for a figure; `names` overrides how given symbols are written."""
    return SymparamsLatexPrinter(names).doprint(as_expr(expr))
