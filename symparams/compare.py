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
                                       tuple(compare_figure(f, _row_total(x, f), _row_total(y, f)) for f in figures))
                       for x, y in zip(ra, rb))
    return Comparison(a.name, b.name, totals, layers, same)


def _row_total(row, figure):
    from .results import aggregate
    if figure == "macs":
        return aggregate(row.macs, row.repeat)
    contexts = row.weight_contexts
    return sympy.Integer(0) if contexts is None else aggregate(getattr(row, figure), contexts)


# ---- rendering ------------------------------------------------------------------------------------

def _ratio_text(ratio):
    from .printers.json import expr_text
    if ratio is None:
        return "—"
    text = expr_text(ratio)
    if ratio.is_number and not ratio.is_Integer:
        text += f" (≈ {float(ratio):.6g})"
    return text


def render_text(c: Comparison) -> str:
    from .printers.json import expr_text
    from .printers.text import table
    lines = [f"Compare: A = {c.a_name}, B = {c.b_name}"]
    rows = [(f.figure, expr_text(f.a), expr_text(f.b), expr_text(f.difference), _ratio_text(f.ratio))
            for f in c.figures]
    lines.append(table(("Figure", "A", "B", "A - B", "A / B"), rows))
    if c.same_structure and c.layers:
        lines.append(" Per layer (same sequence of layer types):")
        cells = []
        for lc in c.layers:
            for f in lc.figures:
                if f.a == 0 and f.b == 0:
                    continue
                name = lc.a_name if lc.a_name == lc.b_name else f"{lc.a_name} / {lc.b_name}"
                cells.append((f"{name} ({lc.type})", f.figure, expr_text(f.difference),
                              _ratio_text(f.ratio)))
        lines.append(table(("Layer (type)", "Figure", "A - B", "A / B"), cells))
    else:
        lines.append(" Per layer: the two models have different sequences of layer types; totals only.")
    return "\n".join(lines)


def as_dict(c: Comparison) -> dict:
    from .printers.json import expr_text

    def fig(f):
        return {"a": expr_text(f.a), "b": expr_text(f.b), "difference": expr_text(f.difference),
                "ratio": None if f.ratio is None else expr_text(f.ratio)}
    return {"a": c.a_name, "b": c.b_name, **{f.figure: fig(f) for f in c.figures},
            "same_structure": c.same_structure,
            "layers": [{"a": lc.a_name, "b": lc.b_name, "type": lc.type, **{f.figure: fig(f) for f in lc.figures}}
                       for lc in c.layers]}
