"""A GitHub-flavoured Markdown table, formulas in $...$ (GitHub, Jupyter and most static-site
generators render them with MathJax or KaTeX)."""
from __future__ import annotations

from ..figures import totals
from ..text import expr_text, shape_text
from .latex import counted_tex, latex
from .present import display_rows, share_text, shown_symbols, shows_active


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
        return f"${self.tex(expr)}$"

    def shape(self, shape) -> str:
        return f"${shape_text(shape, self.tex)}$"

    def counted(self, expr, counts) -> str:
        return f"${counted_tex(expr, counts, self.tex)}$"


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


def render_breakdown(net, rows) -> str:
    """`summary --by block --format markdown`: symparams.breakdown's rows."""
    def code(e):
        return f"`{expr_text(e)}`"
    shown = shows_active(net)     # an Active column only for a model with experts

    def active(e):
        return f"{code(e)} | " if shown else ""
    lines = [f"**{net.name}** ({net.convention}) by block", "",
             "| Part | Count | Params (one) | Params (all) | Share | " + ("Active (all) | " if shown else "")
             + "MACs (all) |", "|---|---|---|---|---|" + ("---|" if shown else "") + "---|"]
    lines += [f"| {r.label} | {code(r.count)} | {code(r.params_one)} | {code(r.params)} | {share_text(r)} | "
              f"{active(r.active)}{code(r.macs)} |" for r in rows]
    lines += [f"| **Total** | | | {code(net.params)} | 100% | {active(net.active_params)}{code(net.macs)} |"]
    return "\n".join(lines)


def _sym(name, names):
    from .latex import symbol_latex
    return (names or {}).get(name, symbol_latex(name))


__all__ = ["render", "render_breakdown", "expr_text", "text_cell"]
