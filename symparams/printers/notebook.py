"""What Jupyter shows: the _repr_html_, _repr_markdown_, _repr_latex_ and __repr__ of results.

HTML is a table whose formula cells are \\(...\\) for MathJax/KaTeX (Jupyter typesets them);
LaTeX is the totals as an aligned display (it is what nbconvert's PDF export uses); Markdown
is the table of `summary --format markdown`. __repr__ stays on one short line."""
from __future__ import annotations

import html

from ..figures import totals
from ..text import expr_text, shape_text, shapes_text
from .latex import counted_tex, latex, symbol_latex
from .present import display_rows, shown_symbols, shows_active

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


def _counted(expr, counts, first) -> str:
    return counted_tex(expr, counts, lambda e: latex(e, first=first))


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
                  else _math(_counted(r.params, r.params_counts, counts)))
        pad = f' style="padding-left:{0.6 + 1.5 * r.depth}em"' if r.depth else ""
        klass = ' class="block"' if r.is_block else ""
        out.append(f'<tr{klass}><td{pad}>{html.escape(r.name)} '
                   f"({html.escape(r.type)})</td><td>{shapes}</td><td>{params}</td>"
                   f"<td>{_math(_counted(r.macs, r.macs_counts, counts))}</td></tr>")
    out.append("</tbody></table><table><tbody>")
    for label, figure in totals(net.convention, shows_active(net)):
        out.append(f"<tr><th>{label}</th><td>{_math(latex(getattr(net, figure), first=counts))}</td></tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def model_latex(net) -> str:
    counts = net.count_symbols
    lines = [f"\\text{{Params}} &= {latex(net.params, first=counts)}",
             f"\\text{{MACs}} &= {latex(net.macs, first=counts)}"]
    if net.non_trainable != 0:
        lines.insert(1, f"\\text{{Non-trainable}} &= {latex(net.non_trainable, first=counts)}")
    if shows_active(net):
        lines.insert(-1, f"\\text{{Active params}} &= {latex(net.active_params, first=counts)}")
    if net.convention == "torch" and net.buffers != 0:
        lines.insert(-1, f"\\text{{Buffers}} &= {latex(net.buffers, first=counts)}")
    return "$$\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}$$"


def model_markdown(net) -> str:
    from .markdown import render
    return render(net)


# ---- one layer (LayerRow) --------------------------------------------------------
def _row_fields(row):
    shapes = ", ".join(_shape_tex(s, ()) for s in row.output_shapes)
    return shapes, latex(row.params), latex(row.macs)


def row_latex(row) -> str:
    shapes, params, macs = _row_fields(row)
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


__all__ = ["model_html", "model_latex", "model_markdown", "model_repr", "row_html", "row_latex", "row_markdown",
           "row_repr", "short"]
