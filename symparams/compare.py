"""Two models side by side: the difference and the ratio of their params and MACs as tidy
formulas, and per layer where both have the same sequence of layer types. Symbols are matched by
name, so `N` in one file is `N` in the other."""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from .algebra import tidy

FIGURES = ("params", "macs")


@dataclass(frozen=True)
class FigureComparison:
    figure: str
    a: sympy.Expr
    b: sympy.Expr
    difference: sympy.Expr   # a - b
    ratio: sympy.Expr | None  # a / b (None when b is 0)


@dataclass(frozen=True)
class LayerComparison:
    a_name: str
    b_name: str
    type: str
    figures: tuple           # FigureComparison per figure


@dataclass(frozen=True)
class Comparison:
    a_name: str
    b_name: str
    figures: tuple           # FigureComparison for params, macs
    layers: tuple            # LayerComparison per layer; empty when the structures differ
    same_structure: bool

    def __getitem__(self, figure) -> FigureComparison:
        for f in self.figures:
            if f.figure == figure:
                return f
        raise KeyError(figure)


def compare_figure(figure, a, b) -> FigureComparison:
    a, b = sympy.Integer(a) if isinstance(a, int) else a, sympy.Integer(b) if isinstance(b, int) else b
    ratio = None if b == 0 else tidy(a / b)
    return FigureComparison(figure, a, b, tidy(a - b), ratio)


def _weighted(rows):
    return [r for r in rows if r.type != "input"]


def compare(a, b, figures=FIGURES) -> Comparison:
    """Compare two ModelResults (a against b)."""
    totals = tuple(compare_figure(f, getattr(a, f), getattr(b, f)) for f in figures)
    ra, rb = _weighted(a.layers), _weighted(b.layers)
    same = [r.type for r in ra] == [r.type for r in rb]
    layers = ()
    if same:
        layers = tuple(LayerComparison(x.name, y.name, x.type,
                                       tuple(compare_figure(f, x.total(f), y.total(f)) for f in figures))
                       for x, y in zip(ra, rb))
    return Comparison(a.name, b.name, totals, layers, same)
