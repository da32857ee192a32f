"""A booktabs table of a model's layers and totals, ready for a paper or a slide; or the totals as
display equations; either one alone (to paste into a document) or in a compilable document."""
from __future__ import annotations

from ..figures import FIGURES, totals
from ..text import expr_text, shape_text
from .latex import align, counted_tex, document, latex, visible_width
from .present import (approximately, breakdown_cells, breakdown_headers, comparison_cells, COMPARISON_HEADERS,
                      display_rows, ELLIPSIS, grouped, layer_comparison_cells, LAYER_COMPARISON_HEADERS,
                      point_text, shown_symbols, shows_active, skipped_note, solution_cells, solution_headers,
                      sweep_cells)

_LONG_CELL = 32          # wider cells (in characters) go into a fixed-width column that wraps


_TEXT_SYMBOLS = {"—": "---", "≈": r"$\approx$", "…": r"\ldots{}"}   # what the tables write in Unicode


def escape(text: str) -> str:
    """Text for a LaTeX text-mode cell."""
    out = []
    for ch in text:
        if ch in "&%$#_{}":
            out.append("\\" + ch)
        elif ch == "\\":
            out.append(r"\textbackslash{}")
        elif ch == "~":
            out.append(r"\textasciitilde{}")
        elif ch == "^":
            out.append(r"\textasciicircum{}")
        elif ch in _TEXT_SYMBOLS:
            out.append(_TEXT_SYMBOLS[ch])
        else:
            out.append(ch)
    return "".join(out)


class _Tex:
    def __init__(self, names=None, first=()):
        self.names, self.first = names, first

    def __call__(self, expr) -> str:
        """A figure: a plain number with thin spaces between thousands, else its formula."""
        return grouped(expr, "latex") or self.formula(expr)

    def formula(self, expr) -> str:
        # A line may break between the factors of a long product (in a wrapping column).
        return latex(expr, self.names, self.first).replace("\\right) \\left(", "\\right)\\allowbreak \\left(")

    def shape(self, shape) -> str:
        return shape_text(shape, self.formula)

    def counted(self, expr, counts) -> str:
        return counted_tex(expr, counts, self)


_CM_PER_CHAR = 0.17       # about, for \small math
_MAX_COLUMN_CM = 8.0


def _column(cells, width_cm: float) -> str:
    """`l`, or a wrapping column wide enough for the widest piece TeX cannot break (the inside
    of \\left( ... \\right)), so that no formula runs into the next column."""
    wide = max((visible_width(c) for c in cells), default=0) > _LONG_CELL
    if not wide:
        return "l"
    unbreakable = max((visible_width(piece) for c in cells for piece in _unbreakable_pieces(c)), default=0)
    width_cm = min(_MAX_COLUMN_CM, max(width_cm, round(unbreakable * _CM_PER_CHAR + 0.05, 1)))
    return f">{{\\raggedright\\arraybackslash}}p{{{width_cm}cm}}"


def _unbreakable_pieces(tex: str) -> list[str]:
    """The pieces between the places TeX may break an inline formula: a + or - outside
    any group, \\allowbreak, and \\times (our `× L` counts)."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(tex):
        if tex.startswith("\\left", i) or tex[i] == "{":
            depth += 1
        elif tex.startswith("\\right", i) or tex[i] == "}":
            depth -= 1
        elif depth == 0 and (tex.startswith(" + ", i) or tex.startswith(" - ", i) or
                             tex.startswith("\\allowbreak", i) or tex.startswith("\\times", i)):
            pieces.append(tex[start:i])
            start = i + 1
        i += 1
    pieces.append(tex[start:])
    return pieces


def _totals(net):
    return [(label, getattr(net, figure)) for label, figure in totals(net.convention, shows_active(net))]


def table(net, names=None, expand=False, long: bool = False) -> str:
    """The tabular (or, with `long`, a longtable): Layer (type), Output shape, Params, MACs, then totals."""
    counts = net.count_symbols
    tex = _Tex(names, counts)
    body_cells = []
    for r in display_rows(net, expand):
        indent = "\\quad " * r.depth
        name = f"\\textbf{{{escape(r.name)}}}" if r.is_block else escape(r.name)
        layer = f"{indent}{name} ({escape(r.type)})"
        shapes = ", ".join(f"${tex.shape(s)}$" for s in r.output_shapes)
        if r.shared_with:
            params = f"$0$ (shares {escape(r.shared_with)})"
        else:
            params = f"${tex.counted(r.params, r.params_counts)}$"
        body_cells.append((layer, shapes, params, f"${tex.counted(r.macs, r.macs_counts)}$"))
    spec = "l" + "".join(_column([row[i] for row in body_cells], w) for i, w in ((1, 4.5), (2, 4.0), (3, 5.5)))
    shown_totals = _totals(net)
    wide_totals = any(visible_width(tex(e)) > 3 * _LONG_CELL for _, e in shown_totals)
    total_spec = ">{\\raggedright\\arraybackslash}p{14cm}" if wide_totals else "l"
    rows = [" & ".join(cells) + " \\\\" for cells in body_cells]
    total_rows = [f"{label} & \\multicolumn{{3}}{{{total_spec}}}{{${tex(expr)}$}} \\\\" for label, expr in shown_totals]
    env = "longtable" if long else "tabular"
    header = ["\\toprule", "Layer (type) & Output shape & Params & MACs \\\\", "\\midrule"]
    if long:
        header += ["\\endhead", "\\bottomrule", "\\endfoot"]
    return "\n".join([
        f"% {net.name}, {net.convention} convention; needs \\usepackage{{booktabs}}"
        + (", \\usepackage{array}" if ">{" in spec + total_spec else "")
        + (", \\usepackage{longtable}" if long else ""),
        f"\\begin{{{env}}}{{{spec}}}", *header, *rows, "\\midrule", *total_rows,
        *([] if long else ["\\bottomrule"]), f"\\end{{{env}}}"])


def equations(net, figures=("params", "macs"), names=None, width: int = 70) -> str:
    """The chosen totals as an align* environment, long sums broken across lines."""
    counts = net.count_symbols
    eqs = []
    for figure in figures:
        expr = getattr(net, figure)
        eqs.append((f"\\text{{{FIGURES[figure]}}}", expr))
    return align(eqs, width, names, counts)


def render(net, names=None, standalone: bool = False, expand=False, figures=None, beamer: bool = False) -> str:
    """`summary --format latex`: the table, or with `figures` just those formulas; `standalone`
    wraps either in a compilable document (the table followed by the totals as equations);
    `beamer` gives the table as a Beamer frame (with `standalone`, a whole deck)."""
    if figures:
        if not standalone and len(figures) == 1:
            figure = getattr(net, figures[0])
            return grouped(figure, "latex") or latex(figure, names, net.count_symbols)
        body = equations(net, figures, names)
        return document(body) if standalone else body
    if beamer:
        frame = beamer_frame(net, names, expand)
        return beamer_document(frame, net.name) if standalone else frame
    if not standalone:
        return table(net, names, expand)
    # A tabular is right after one pdflatex run; a longtable (which breaks across pages) needs
    # a second run to settle its column widths, so it is used only for a table a page cannot hold.
    long = len(display_rows(net, expand)) > _ROWS_ON_A_PAGE
    tex = table(net, names, expand, long=long)
    sym = _symbol_list(net, names)
    intro = f"{escape(net.convention)} convention"
    if sym:
        intro += "; symbols " + ", ".join(f"${t}$" for t in sym.values())
        given = [f"${sym[n]} = {latex(net.defaults[n])}$" for n in sym if n in net.defaults]
        if given:
            intro += " (declared defaults: " + ", ".join(given) + ")"
    body = "\n\n".join([intro, "{\\small\n" + tex + "\n}", equations(net, ("params", "macs"), names)])
    return document(body, landscape=True, title=f"Model {escape(net.name)}")


_ROWS_ON_A_PAGE = 26     # body and total rows a landscape A4 page holds in \small, with room for wrapping


def beamer_frame(net, names=None, expand=False) -> str:
    """One frame holding the table, shrunk to the frame's width and height when it is larger
    (never enlarged): graphicx's \\resizebox, whose arguments may name the box's own size."""
    title = f"Model {escape(net.name)} ({escape(net.convention)} convention)"
    return "\n".join([f"\\begin{{frame}}{{{title}}}", "\\centering\\scriptsize",
                      "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%",
                      "\\resizebox*{!}{\\ifdim\\totalheight>0.75\\textheight 0.75\\textheight\\else\\totalheight\\fi}{%",
                      table(net, names, expand), "}}", "\\end{frame}"])


def beamer_document(frames: str, title: str) -> str:
    """A compilable Beamer deck around `frames`; `bookmark` writes the PDF outline in the same run,
    so one pdflatex run gives the finished slides (hyperref alone asks for a rerun)."""
    return "\n".join([r"\documentclass{beamer}", r"\usepackage{amsmath}", r"\usepackage{booktabs}",
                      r"\usepackage{array}", r"\usepackage{bookmark}", r"\setbeamertemplate{navigation symbols}{}",
                      f"\\title{{{escape(title)}}}", r"\begin{document}", frames, r"\end{document}"]) + "\n"


# ---- the analyses: breakdown, comparison, sweep, solution (their _repr_latex_) ----------------------
def booktabs(headers, rows, caption: str = "") -> str:
    """A tabular of `rows` (cells already LaTeX) under `headers`; `caption` a comment line above."""
    return "\n".join([f"% {caption}; needs \\usepackage{{booktabs}}" if caption else "% needs \\usepackage{booktabs}",
                      f"\\begin{{tabular}}{{{'l' * len(headers)}}}", "\\toprule",
                      " & ".join(map(escape, headers)) + " \\\\", "\\midrule",
                      *(" & ".join(row) + " \\\\" for row in rows), "\\bottomrule", "\\end{tabular}"])


def _math(figure) -> str:
    return f"${_Tex()(figure)}$"


def _ratio(ratio) -> str:
    return "---" if ratio is None else _math(ratio) + escape(approximately(ratio))


def render_breakdown(net, rows) -> str:
    active = shows_active(net)
    body = breakdown_cells(rows, _math, escape, active)
    body.append(("\\textbf{Total}", "", "", _math(net.params), "100\\%",
                 *([_math(net.active_params)] if active else []), _math(net.macs)))
    return booktabs(breakdown_headers(active), body, f"{net.name}, {net.convention} convention, by block")


def render_comparison(c) -> str:
    totals = booktabs(COMPARISON_HEADERS, comparison_cells(c, _math, escape, _ratio),
                      f"A = {c.a_name}, B = {c.b_name}")
    per_layer = layer_comparison_cells(c, _math, escape, _ratio)
    if per_layer is None:
        return totals
    return totals + "\n\n" + booktabs(LAYER_COMPARISON_HEADERS, per_layer, "per layer")


def render_sweep(net, columns: dict, limit: int | None = None) -> str:
    def number(v):
        return f"${point_text(v, 'latex')}$"
    cells = [tuple(escape(cell) if cell == ELLIPSIS else cell for cell in row)
             for row in sweep_cells(columns, number, limit)]
    note = skipped_note(columns)          # a comment: the table itself stays a bare tabular
    return booktabs(list(columns), cells, f"sweep of {net.name}, {net.convention} convention"
                    + (f"; {note}" if note else ""))


def render_solution(s) -> str:
    why = [f"a multiple of {s.multiple}: {'; '.join(s.reasons)}"] if s.multiple > 1 else []
    return booktabs(solution_headers(s), solution_cells(s, _math, escape),   # the why in the comment line
                    "; ".join([f"{s.model}: {s.figure} = {expr_text(s.target)}, solved for {s.symbol.name}", *why,
                               *([f"note: {s.note}"] if s.note else [])]))


def _symbol_list(net, names):
    from .latex import symbol_latex
    names = names or {}
    return {n: names.get(n, symbol_latex(n)) for n in shown_symbols(net)}


__all__ = ["render", "table", "equations", "escape", "booktabs", "render_breakdown", "render_comparison",
           "render_solution", "render_sweep"]
