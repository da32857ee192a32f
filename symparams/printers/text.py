"""The text summary: a box-drawn table like Keras's summary(), with expressions in the cells.

Block calls are one row each unless expanded (their layers then follow, indented); long
expressions wrap inside their column when a width is given; colour is opt-in (the command
turns it on for a terminal without NO_COLOR)."""
from __future__ import annotations

from ..expressions import as_expr
from ..figures import totals
from ..text import expr_text, shape_text, shapes_text
from .present import (approximately, breakdown_cells, breakdown_headers, comparison_cells, COMPARISON_HEADERS,
                      defaults_text, display_rows, grouped, layer_comparison_cells, LAYER_COMPARISON_HEADERS,
                      point_text, requirements, shows_active, skipped_note, solution_rows, sweep_cells)

BOLD, DIM, CYAN, RESET = "\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[0m"
_MIN_COLUMN = 12


def figure_text(figure) -> str:
    """A figure in a table or a total: a plain number with thousands separators, else its formula."""
    return grouped(figure) or expr_text(figure)


def count_text(count) -> str:
    """A repeat count after `×`: `L`, or `(N - 1)` for a sum."""
    text = expr_text(count)
    return f"({text})" if as_expr(count).is_Add else text


def display_params_text(row) -> str:
    """A DisplayRow's params cell."""
    if row.shared_with:
        return f"0 (shares {row.shared_with})"
    text = figure_text(row.params)
    return text + "".join(f"  ×{count_text(c)}" for c in row.params_counts) if text != "0" else text


def _depths(text: str) -> list[int]:
    depth, out = 0, []
    for ch in text:
        if ch in ")]":
            depth -= 1
        out.append(depth)
        if ch in "([":
            depth += 1
    return out


def _tokens(text: str, level: int) -> list[str]:
    """Split at the spaces nested at most `level` parentheses deep, keeping an operator with the
    term after it ("a + b" -> ["a", "+ b"])."""
    pieces, start = [], 0
    for i, (ch, depth) in enumerate(zip(text, _depths(text))):
        if ch == " " and depth <= level:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    tokens = []
    for piece in pieces:
        if tokens and tokens[-1] in ("+", "-", "×", "="):
            tokens[-1] += " " + piece
        elif piece:
            tokens.append(piece)
    return tokens


def _wrap(text: str, width: int, level: int = 0) -> list[str]:
    if len(text) <= width:
        return [text]
    if level > max(_depths(text), default=0):          # no space left to break at: cut after * or ,
        out = []
        while len(text) > width:
            cut = max(text.rfind("*", 1, width), text.rfind(",", 1, width), text.rfind("_", 1, width))
            cut = cut + 1 if cut > 0 else width
            out.append(text[:cut])
            text = text[cut:]
        return out + [text]
    tokens = _tokens(text, level)
    if len(tokens) == 1:
        return _wrap(text, width, level + 1)
    lines, current = [], ""
    for token in tokens:
        if current and len(current) + 1 + len(token) <= width:
            current += " " + token
        else:
            if current:
                lines.append(current)
            current = token
    lines.append(current)
    out = []
    for line in lines:
        out += _wrap(line, width, level + 1) if len(line) > width else [line]
    return out


def wrap_cell(text: str, width: int) -> list[str]:
    """Cut a cell into lines of at most `width` characters: at the least nested spaces first (a
    sum's continuation lines start with its operator), then deeper, then after `*` or `,`.
    A leading indentation (a block's layers) is kept on every line."""
    if len(text) <= width:
        return [text]
    indent = len(text) - len(text.lstrip(" "))
    room = max(width - indent, 1)
    return [" " * indent + line for line in _wrap(text[indent:], room)]


def _fit_widths(widths, headers, limit):
    """Shrink the widest columns until the table fits in `limit` characters (or cannot shrink)."""
    widths = list(widths)
    floor = [max(len(h), _MIN_COLUMN) for h in headers]
    while sum(widths) + 3 * len(widths) + 1 > limit:
        candidates = [i for i, w in enumerate(widths) if w > floor[i]]
        if not candidates:
            break
        i = max(candidates, key=lambda k: widths[k])
        widths[i] -= 1
    return widths


def table(headers, rows, width: int | None = None, styles=None, color: bool = False) -> str:
    """A Keras-style box table. `width`: wrap cells so that the table fits; `styles`: an ANSI
    prefix per row (used only with `color`)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    if width:
        widths = _fit_widths(widths, headers, width)

    def line(left, mid, right, fill):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def cells(values, bar, style=""):
        parts = [wrap_cell(v, w) for v, w in zip(values, widths)]
        height = max(len(p) for p in parts)
        out = []
        for k in range(height):
            texts = [(p[k] if k < len(p) else "").ljust(w) for p, w in zip(parts, widths)]
            if color and style:
                texts = [f"{style}{t}{RESET}" for t in texts]
            out.append(bar + bar.join(f" {t} " for t in texts) + bar)
        return out

    out = [line("┏", "┳", "┓", "━"), *cells(headers, "┃", BOLD), line("┡", "╇", "┩", "━")]
    for i, r in enumerate(rows):
        out += cells(r, "│", (styles[i] if styles else ""))
    out.append(line("└", "┴", "┘", "─"))
    return "\n".join(out)


def _total_line(label: str, value: str, width: int | None, color: bool) -> list[str]:
    """` Total params: VALUE`, continuation lines aligned under the value's first character."""
    head = f" {label}: "
    shown = f" {BOLD}{label}{RESET}: " if color else head
    if not width or len(head) + len(value) <= width:
        return [shown + value]
    lines = _wrap(value, max(width - len(head), 20))
    return [shown + lines[0]] + [" " * len(head) + line for line in lines[1:]]


def render_model(net, width: int | None = None, expand=False, color: bool = False) -> str:
    """The summary of LANGUAGE.md §10. `expand`: False (one row per block call), True (every layer)
    or a depth; `width`: wrap to that many columns; `color`: ANSI styles."""
    shown = display_rows(net, expand)
    rows, styles = [], []
    for r in shown:
        rows.append(("  " * r.depth + f"{r.name} ({r.type})", shapes_text(r.output_shapes),
                     display_params_text(r)))
        styles.append(CYAN if r.is_block else (DIM if expr_text(r.params) == "0" else ""))
    symbols = defaults_text(net, expr_text) or "none"
    lines = [f"Model: {net.name}   convention: {net.convention}   symbols: {symbols}",
             table(("Layer (type)", "Output shape", "Params"), rows, width, styles, color)]
    for label, figure in totals(net.convention, shows_active(net)):
        if figure == "macs" and len(net.output_shapes) > 1:
            lines += _total_line("Outputs", shapes_text(net.output_shapes), width, color)
        lines += _total_line(label, figure_text(getattr(net, figure)), width, color)
    needs = requirements(net)
    if needs:
        lines += _total_line("Requires", ", ".join(needs), width, color)
    return "\n".join(lines)


def render_layer(result) -> str:
    row = result.row
    lines = [f"Layer: {row.name} ({row.type})   convention: {result.model.convention}",
             f" Output shape: {shapes_text(row.output_shapes)}",
             f" Params: {figure_text(result.params)}"
             f"   (trainable {figure_text(result.trainable)}, non-trainable {figure_text(result.non_trainable)}"
             + (f", active {figure_text(result.active_params)}" if shows_active(result.model) else "")
             + (f", buffers {figure_text(result.buffers)}" if result.model.convention == "torch" else "") + ")",
             f" MACs: {figure_text(result.macs)}"]
    if row.weights:
        weight_rows = [(w.name, shape_text(w.shape), figure_text(w.size),
                        "buffer" if w.buffer else ("yes" if w.trainable else "no")) for w in row.weights]
        lines.append(table(("Weight", "Shape", "Size", "Trainable"), weight_rows))
    return "\n".join(lines)


# ---- analyses: breakdown (summary --by block), compare, sweep ---------------------------------------

def render_breakdown(net, rows) -> str:
    active = shows_active(net)      # a column only where it differs from params (a mixture of experts)
    cells = breakdown_cells(rows, figure_text, str, active)
    head = f"Model: {net.name}   convention: {net.convention}   by block   symbols: {', '.join(net.symbols) or 'none'}"
    totals = [f" Total params: {figure_text(net.params)}",
              *([f" Active params: {figure_text(net.active_params)}"] if active else []), f" MACs: {figure_text(net.macs)}"]
    return "\n".join([head, table(breakdown_headers(active), cells), *totals])


def ratio_text(ratio):
    if ratio is None:
        return "—"
    return figure_text(ratio) + approximately(ratio)


def render_comparison(c) -> str:
    """A symparams.compare.Comparison: totals, then per layer when the structures match."""
    lines = [f"Compare: A = {c.a_name}, B = {c.b_name}",
             table(COMPARISON_HEADERS, comparison_cells(c, figure_text, str, ratio_text))]
    per_layer = layer_comparison_cells(c, figure_text, str, ratio_text)
    if per_layer is None:
        lines.append(" Per layer: the two models have different sequences of layer types; totals only.")
    else:
        lines += [" Per layer (same sequence of layer types):", table(LAYER_COMPARISON_HEADERS, per_layer)]
    return "\n".join(lines)


def render_sweep(net, columns: dict, limit: int | None = None) -> str:
    """A sweep's {name: array} as a box table, one row per point (with `limit`, its ends)."""
    n = len(next(iter(columns.values()))) if columns else 0
    note = skipped_note(columns)
    return (f"Sweep: {net.name}   convention: {net.convention}   {n} points\n"
            + table(list(columns), sweep_cells(columns, point_text, limit)) + (f"\n {note}" if note else ""))


def render_solution(s) -> str:
    """`symparams solve` and repr(net.solve(...)): the roots, the whole value the model allows
    and the figure there."""
    name, target = s.symbol.name, figure_text(s.target)
    rows = solution_rows(s)
    lines = [f"{s.model}: {s.figure} = {target}, solved for {name} (positive real roots: {len(rows)})"]
    if not rows:
        lines.append(f" no positive real {name} gives {s.figure} = {target}")
    for row in rows:
        if "value" not in row:
            lines.append(f" {name} = {expr_text(row['exact'])}")
            continue
        lines.append(f" {name} = {row['rounded']}   (≈ {row['value']:.6f}; exact: {expr_text(row['exact'])})")
        if s.multiple > 1:
            lines.append(f"   the nearest multiple of {s.multiple}: {'; '.join(s.reasons)}")
        lines.append(f"   {s.figure} at {name} = {row['rounded']}: {figure_text(row['figure_at_rounded'])}")
    if s.note:
        lines.append(f" note: {s.note}")
    return "\n".join(lines)
