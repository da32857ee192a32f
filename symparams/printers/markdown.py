"""A GitHub-flavoured Markdown table, formulas in $...$ (GitHub, Jupyter and most static-site
generators render them with MathJax or KaTeX)."""
from __future__ import annotations

from ..figures import totals
from ..text import expr_text, shape_text
from .latex import counted_tex, latex
from .present import (approximately, breakdown_cells, breakdown_headers, comparison_cells, COMPARISON_HEADERS,
                      display_rows, grouped, layer_comparison_cells, LAYER_COMPARISON_HEADERS, point_text,
                      shown_symbols, shows_active, skipped_note, solution_cells, solution_headers,
                      sweep_cells)


def _cell_math(tex: str) -> str:
    # A bare | ends a table cell even inside $...$ on GitHub.
    return tex.replace("|", r"\vert ")


def text_cell(text: str) -> str:
    """Plain text for a table cell: Markdown's active characters escaped."""
    out = []
    for ch in text:
        out.append("\\" + ch if ch in "\\`*[]<>|$#" else ch)
    return "".join(out)


class _Math:
    def __init__(self, names=None, first=()):
        self.names, self.first = names, first

    def tex(self, expr) -> str:
        return _cell_math(latex(expr, self.names, self.first))

    def __call__(self, expr) -> str:
        return self.counted(expr, ())

    def shape(self, shape) -> str:
        return f"${shape_text(shape, self.tex)}$"

    def counted(self, expr, counts) -> str:
        """A figure times its repeat counts; a plain number with separators, `$38{,}597{,}376$`."""
        return f"${counted_tex(expr, counts, lambda e: grouped(e, 'math') or self.tex(e))}$"


def render(net, names=None, expand=False) -> str:
    counts = net.count_symbols
    m = _Math(names, counts)
    symbols = ", ".join(f"${_sym(n, names)}" + (f" = {latex(net.defaults[n])}" if n in net.defaults else "") + "$"
                        for n in shown_symbols(net))
    lines = [f"**Model {text_cell(net.name)}** ({net.convention} convention)", ""]
    if symbols:
        lines += [f"Symbols: {symbols}" + (" (declared defaults)" if net.defaults else ""), ""]
    lines += ["| Layer (type) | Output shape | Params | MACs |", "|---|---|---|---|"]
    for row in display_rows(net, expand):
        indent = "&emsp;" * row.depth
        name = f"**{text_cell(row.name)}**" if row.is_block else text_cell(row.name)
        shapes = ", ".join(m.shape(s) for s in row.output_shapes)
        params = (f"$0$ (shares {text_cell(row.shared_with)})" if row.shared_with
                  else m.counted(row.params, row.params_counts))
        lines.append(f"| {indent}{name} ({text_cell(row.type)}) | {shapes} | {params} | "
                     f"{m.counted(row.macs, row.macs_counts)} |")
    lines.append("")
    lines += [f"- {label}: {m(getattr(net, figure))}" for label, figure in totals(net.convention, shows_active(net))]
    lines[-1] += " (FLOPs = 2 × MACs)"
    return "\n".join(lines)


def table(headers, rows) -> list[str]:
    """A GitHub table's lines: a header row, the rule, a line per row."""
    return ["| " + " | ".join(map(text_cell, headers)) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(row) + " |" for row in rows)]


def code(figure) -> str:
    """A figure in an analysis table: a plain number with separators, else its formula as code."""
    return f"`{grouped(figure) or expr_text(figure)}`"


def ratio_code(ratio) -> str:
    return "—" if ratio is None else code(ratio) + approximately(ratio)


def render_breakdown(net, rows) -> str:
    """`summary --by block --format markdown`: symparams.breakdown's rows."""
    active = shows_active(net)     # an Active column only for a model with experts
    lines = [f"**{net.name}** ({net.convention}) by block", "",
             *table(breakdown_headers(active), breakdown_cells(rows, code, text_cell, active))]
    lines += [f"| **Total** | | | {code(net.params)} | 100% | "
              + (f"{code(net.active_params)} | " if active else "") + f"{code(net.macs)} |"]
    return "\n".join(lines)


def render_comparison(c) -> str:
    """A symparams.compare.Comparison: totals, then per layer when the structures match."""
    lines = [f"**Compare** A = {text_cell(c.a_name)}, B = {text_cell(c.b_name)}", "",
             *table(COMPARISON_HEADERS, comparison_cells(c, code, text_cell, ratio_code)), ""]
    per_layer = layer_comparison_cells(c, code, text_cell, ratio_code)
    if per_layer is None:
        return "\n".join(lines + ["Per layer: the two models have different sequences of layer types; totals only."])
    return "\n".join(lines + ["Per layer (same sequence of layer types):", "",
                              *table(LAYER_COMPARISON_HEADERS, per_layer)])


def render_sweep(net, columns: dict, limit: int | None = None) -> str:
    n = len(next(iter(columns.values()))) if columns else 0
    note = skipped_note(columns)
    return "\n".join([f"**Sweep {text_cell(net.name)}** ({net.convention}), {n} points", "",
                      *table(list(columns), sweep_cells(columns, point_text, limit)),
                      *(["", text_cell(note[0].upper() + note[1:])] if note else [])])


def render_solution(s) -> str:
    head = (f"**{text_cell(s.model)}**: {text_cell(s.figure)} = {code(s.target)}, solved for "
            f"{text_cell(s.symbol.name)}")
    lines = [head, "", *table(solution_headers(s), solution_cells(s, code, text_cell))]
    if s.multiple > 1:
        lines += ["", f"A multiple of {s.multiple}: {text_cell('; '.join(s.reasons))}"]
    if s.note:
        lines += ["", f"Note: {text_cell(s.note)}"]
    return "\n".join(lines)


def _sym(name, names):
    from .latex import symbol_latex
    return (names or {}).get(name, symbol_latex(name))


__all__ = ["render", "render_breakdown", "render_comparison", "render_solution", "render_sweep", "expr_text",
           "text_cell"]
