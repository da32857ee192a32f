"""What Jupyter shows: the _repr_html_, _repr_markdown_, _repr_latex_ and __repr__ of results.

HTML is a table whose formula cells are \\(...\\) for MathJax/KaTeX (Jupyter typesets them);
LaTeX is the totals as an aligned display (it is what nbconvert's PDF export uses); Markdown
is the table of `summary --format markdown`. __repr__ stays on one short line."""
from __future__ import annotations

import html

from ..figures import totals
from ..text import expr_text, shape_text, shapes_text
from .latex import counted_tex, latex, symbol_latex
from .present import (approximately, breakdown_cells, breakdown_headers, comparison_cells, COMPARISON_HEADERS,
                      display_rows, grouped, layer_comparison_cells, LAYER_COMPARISON_HEADERS, point_text,
                      shown_symbols, shows_active, skipped_note, solution_cells, solution_headers,
                      sweep_cells)

_REPR_LIMIT = 60


def short(expr, limit: int = _REPR_LIMIT) -> str:
    text = expr if isinstance(expr, str) else expr_text(expr)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def model_repr(net) -> str:
    return (f"<ModelResult {net.name} ({net.convention}): params={short(net.params)}, "
            f"output_shape={short(shapes_text(net.output_shapes), 80)}>")


def _math(tex: str) -> str:
    return f"\\({html.escape(tex)}\\)"


def _shape_tex(shape, first) -> str:
    return shape_text(shape, lambda d: latex(d, first=first))


def _figure(expr, counts=(), first=()) -> str:
    """A figure's cell (times its repeat counts): a plain number as text, `38,597,376`; else a formula."""
    number = grouped(expr)
    if number is not None and not counts:
        return number
    return _math(counted_tex(expr, counts, lambda e: grouped(e, "math") or latex(e, first=first)))


_STYLE = ("<style>.symparams td,.symparams th{text-align:left;padding:2px 10px}"
          ".symparams tr.block td{font-weight:bold}</style>")


def model_html(net, expand=False) -> str:
    counts = net.count_symbols
    symbols = ", ".join(_math(symbol_latex(n) + (f" = {latex(net.defaults[n])}" if n in net.defaults else ""))
                        for n in shown_symbols(net)) or "none"
    out = [_STYLE, '<div class="symparams">',
           f"<p><b>Model {html.escape(net.name)}</b> &nbsp; convention: {html.escape(net.convention)}"
           f" &nbsp; symbols: {symbols}</p>",
           "<table><thead><tr><th>Layer (type)</th><th>Output shape</th><th>Params</th><th>MACs</th></tr>"
           "</thead><tbody>"]
    for r in display_rows(net, expand):
        shapes = ", ".join(_math(_shape_tex(s, counts)) for s in r.output_shapes)
        params = ("0 (shares " + html.escape(r.shared_with) + ")" if r.shared_with
                  else _figure(r.params, r.params_counts, counts))
        pad = f' style="padding-left:{0.6 + 1.5 * r.depth}em"' if r.depth else ""
        klass = ' class="block"' if r.is_block else ""
        out.append(f'<tr{klass}><td{pad}>{html.escape(r.name)} '
                   f"({html.escape(r.type)})</td><td>{shapes}</td><td>{params}</td>"
                   f"<td>{_figure(r.macs, r.macs_counts, counts)}</td></tr>")
    out.append("</tbody></table><table><tbody>")
    for label, figure in totals(net.convention, shows_active(net)):
        out.append(f"<tr><th>{label}</th><td>{_figure(getattr(net, figure), first=counts)}</td></tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def model_latex(net) -> str:
    counts = net.count_symbols

    def tex(figure):
        return grouped(figure, "latex") or latex(figure, first=counts)
    lines = [f"\\text{{Params}} &= {tex(net.params)}", f"\\text{{MACs}} &= {tex(net.macs)}"]
    if net.non_trainable != 0:
        lines.insert(1, f"\\text{{Non-trainable}} &= {tex(net.non_trainable)}")
    if shows_active(net):
        lines.insert(-1, f"\\text{{Active params}} &= {tex(net.active_params)}")
    if net.convention == "torch" and net.buffers != 0:
        lines.insert(-1, f"\\text{{Buffers}} &= {tex(net.buffers)}")
    return "$$\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}$$"


def model_markdown(net) -> str:
    from .markdown import render
    return render(net)


# ---- the analyses: breakdown, comparison, sweep, solution (net.breakdown(), net.compare(...), ...) --
def table_html(headers, rows, head: str = "", foot=()) -> str:
    """A titled table; `rows` hold cells already written as HTML."""
    out = [_STYLE, '<div class="symparams">', *([f"<p>{head}</p>"] if head else []),
           "<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr></thead><tbody>",
           *("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows),
           "</tbody></table>", *(f"<p>{line}</p>" for line in foot), "</div>"]
    return "\n".join(out)


def _ratio(ratio) -> str:
    return "—" if ratio is None else _figure(ratio) + approximately(ratio)


def render_breakdown(net, rows) -> str:
    active = shows_active(net)
    body = breakdown_cells(rows, _figure, html.escape, active)
    body.append(("<b>Total</b>", "", "", _figure(net.params), "100%",
                 *([_figure(net.active_params)] if active else []), _figure(net.macs)))
    head = f"<b>Model {html.escape(net.name)}</b> &nbsp; convention: {html.escape(net.convention)} &nbsp; by block"
    return table_html(breakdown_headers(active), body, head)


def render_comparison(c) -> str:
    head = f"<b>Compare</b> &nbsp; A = {html.escape(c.a_name)}, B = {html.escape(c.b_name)}"
    totals = table_html(COMPARISON_HEADERS, comparison_cells(c, _figure, html.escape, _ratio), head)
    per_layer = layer_comparison_cells(c, _figure, html.escape, _ratio)
    if per_layer is None:
        return totals + "\n<p>Per layer: the two models have different sequences of layer types; totals only.</p>"
    return totals + "\n" + table_html(LAYER_COMPARISON_HEADERS, per_layer, "Per layer (same sequence of layer types)")


def render_sweep(net, columns: dict, limit: int | None = None) -> str:
    n = len(next(iter(columns.values()))) if columns else 0
    head = f"<b>Sweep {html.escape(net.name)}</b> &nbsp; convention: {html.escape(net.convention)} &nbsp; {n} points"
    note = skipped_note(columns)
    return table_html(list(columns), sweep_cells(columns, point_text, limit), head,
                      [html.escape(note)] if note else [])


def render_solution(s) -> str:
    head = (f"<b>{html.escape(s.model)}</b>: {html.escape(s.figure)} = {_figure(s.target)}, "
            f"solved for {html.escape(s.symbol.name)}")
    foot = [f"A multiple of {s.multiple}: {html.escape('; '.join(s.reasons))}"] if s.multiple > 1 else []
    foot += [f"Note: {html.escape(s.note)}"] if s.note else []
    return table_html(solution_headers(s), solution_cells(s, _figure, html.escape), head, foot)


# ---- one layer (LayerRow) --------------------------------------------------------
def _row_fields(row, where="math"):
    shapes = ", ".join(_shape_tex(s, ()) for s in row.output_shapes)
    return shapes, grouped(row.params, where) or latex(row.params), grouped(row.macs, where) or latex(row.macs)


def row_latex(row) -> str:
    shapes, params, macs = _row_fields(row, "latex")
    label = f"{row.name} ({row.type})".replace("_", r"\_")
    return (f"$\\text{{{label}}}: {shapes},\\ "
            f"\\text{{params}} = {params},\\ \\text{{MACs}} = {macs}$")


def row_markdown(row) -> str:
    from .markdown import text_cell
    shapes, params, macs = _row_fields(row)
    return f"**{text_cell(row.name)}** ({text_cell(row.type)}): ${shapes}$, params ${params}$, MACs ${macs}$"


def row_html(row) -> str:
    shapes, params, macs = _row_fields(row)
    return (f"<table><tr><th>Layer (type)</th><th>Output shape</th><th>Params</th><th>MACs</th></tr>"
            f"<tr><td>{html.escape(row.name)} ({html.escape(row.type)})</td><td>{_math(shapes)}</td>"
            f"<td>{_math(params)}</td><td>{_math(macs)}</td></tr></table>")


def row_repr(row) -> str:
    return f"<LayerRow {row.name} ({row.type}) params={short(row.params)} output={short(shapes_text(row.output_shapes), 80)}>"


__all__ = ["render_breakdown", "render_comparison", "render_solution", "render_sweep", "table_html",
           "model_html", "model_latex", "model_markdown", "model_repr", "row_html", "row_latex", "row_markdown",
           "row_repr", "short"]
