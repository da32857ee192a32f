"""What every table printer shows: rows grouped by block call, figures in a readable form.

A row's `path` holds the labels of the block calls around it (`Stage`, `Stage_1`, ...: one
label per call). By default a table shows one row per top-level block call (`collapsed`),
its figures summed over the layers inside; `expand` shows the layers too, indented under
their block's row, down to a given depth (None: all the way)."""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ..expressions import as_expr
from ..results import split_repeats
from ..tidy import factored_sum



@dataclass
class DisplayRow:
    name: str                     # layer name or block-call label
    type: str                     # layer type or block name
    depth: int                    # indentation level (0: the model's own statements)
    output_shapes: tuple
    params: sympy.Expr            # one pass of the repeats in `params_counts`
    macs: sympy.Expr              # one pass of the repeats in `macs_counts`
    params_counts: list = field(default_factory=list)   # repeat counts, outermost first (shown as ×L)
    macs_counts: list = field(default_factory=list)
    is_block: bool = False
    shared_with: str | None = None
    layer: object = None          # the LayerRow of a layer row


def _aggregate(expr, contexts):
    expr, counts = split_repeats(expr, contexts)
    return sympy.Mul(*counts, expr)


def _common_prefix(seqs):
    seqs = list(seqs)
    if not seqs:
        return ()
    first = seqs[0]
    n = 0
    while n < len(first) and all(len(s) > n and s[n] == first[n] for s in seqs):
        n += 1
    return tuple(first[:n])


def shows_active(net) -> bool:
    """Whether the totals show active_params: when some weight serves only some tokens (a
    mixture of experts). Otherwise it equals params and only JSON carries it."""
    return any(wt.active is not None for row in net.layers for wt in row.weights)


def _layer_row(row, depth) -> DisplayRow:
    contexts = row.weight_contexts
    if contexts is None:
        params, params_counts = sympy.Integer(0), []
    else:
        params, params_counts = split_repeats(row.params, contexts)
    macs, macs_counts = split_repeats(row.macs, row.repeat)
    return DisplayRow(row.name, row.type, depth, row.output_shapes, params, macs, params_counts, macs_counts,
                      shared_with=row.shared_with, layer=row)


def _block_row(rows, label, depth) -> DisplayRow:
    weighted = [(r, r.weight_contexts) for r in rows]
    weighted = [(r, c) for r, c in weighted if c is not None]
    p_prefix = _common_prefix(c for _, c in weighted)
    m_prefix = _common_prefix(r.repeat for r in rows)
    params = factored_sum([_aggregate(r.params, c[len(p_prefix):]) for r, c in weighted])
    macs = factored_sum([_aggregate(r.macs, r.repeat[len(m_prefix):]) for r in rows])
    params, params_counts = split_repeats(params, p_prefix)
    macs, macs_counts = split_repeats(macs, m_prefix)
    path = rows[0].path[:depth + 1]
    shapes = dict(rows[-1].block_outputs).get(path, rows[-1].output_shapes)
    return DisplayRow(label, rows[0].blocks[depth], depth, shapes, params, macs,
                      params_counts, macs_counts, is_block=True)


def display_rows(net, expand: int | None | bool = False) -> list[DisplayRow]:
    """The rows a table shows. expand=False: one row per top-level block call; True or None: every
    layer, under its block rows; an int n: block rows down to depth n, layers below that collapsed."""
    if expand is True:
        expand = None
    max_depth = 0 if expand is False else (10**9 if expand is None else int(expand))

    def build(rows, depth):
        out, i = [], 0
        while i < len(rows):
            row = rows[i]
            if len(row.path) > depth:
                label = row.path[depth]
                j = i
                while j < len(rows) and len(rows[j].path) > depth and rows[j].path[depth] == label:
                    j += 1
                group = rows[i:j]
                out.append(_block_row(group, label, depth))
                if depth < max_depth:
                    out += build(group, depth + 1)
                i = j
            else:
                out.append(_layer_row(row, depth))
                i += 1
        return out
    return build(list(net.layers), 0)


def shown_symbols(net) -> list[str]:
    """The symbols the figures still depend on (in a figure, a shape, a weight or a pending size
    rule), sorted: a model parameter that --set or --defaults replaced is not listed."""
    found = set()
    for figure in (net.params, net.buffers, net.macs):
        found |= as_expr(figure).free_symbols
    for row in net.layers:
        for shape in (*row.output_shapes, *(w.shape for w in row.weights)):
            for d in shape:
                found |= as_expr(d).free_symbols
    for shape in net.output_shapes:
        for d in shape:
            found |= as_expr(d).free_symbols
    for c in net.constraints:
        found |= c.expr.free_symbols
    return sorted({s.name for s in found - net.repeat_indices})


def requirements(net, most: int = 8) -> list[str]:
    """The size rules still pending on symbols (rules.py), as a reader writes them: `n > 5`,
    `d/h whole`. At most `most`, then a count."""
    from ..rules import condition_text
    found, strongest = [], {}
    # only the rules on arguments and input sizes: a conv's H - k + 1 > 0, a stage's per-index rules
    # and rules through floor(H/p) are checked on substitution too, but follow from the model's shapes
    shown = [c for c in net.constraints
             if c.shown and not (c.ranges or c.decided() or c.expr.has(sympy.floor, sympy.ceiling))]
    for c in shown:
        if c.kind == "integer":          # H/8 whole implies H/4 whole: keep the largest denominator
            coefficient, rest = c.expr.as_coeff_Mul()
            if coefficient.is_Rational and coefficient.q > strongest.get(rest, (0, None))[0]:
                strongest[rest] = (coefficient.q, c)
    for c in shown:
        if c.kind == "integer" and strongest.get(c.expr.as_coeff_Mul()[1], (0, c))[1] is not c:
            continue
        text = condition_text(c.kind, c.expr)
        if text not in found:
            found.append(text)
    return found if len(found) <= most else found[:most] + [f"and {len(found) - most} more"]


def defaults_text(net, show) -> str:
    """`C, H, W` or, with declared defaults, `H=224, W=224, classes=1000` (symbols in sorted order)."""
    parts = []
    for name in shown_symbols(net):
        if name in net.defaults:
            parts.append(f"{name}={show(net.defaults[name])}")
        else:
            parts.append(name)
    return ", ".join(parts)


def share_text(row) -> str:
    """A breakdown row's share of the parameters: `12.34%`, or a dash when it is a formula."""
    pct = row.percent
    return f"{pct:.2f}%" if pct is not None else "—"


# Thousands separators, by where a number is written: Keras's summary writes 38,597,376; inside
# a formula a bare comma is punctuation, so math gets {,}; LaTeX typesets a thin space.
SEPARATORS = {"text": ",", "math": "{,}", "latex": "\\,"}


def plain_integer(figure) -> int | None:
    """The figure as an int when it is a plain whole number (a SymPy, Python or NumPy integer);
    None for a formula, a fraction or a float."""
    if isinstance(figure, bool):
        return None
    if isinstance(figure, (int, sympy.Integer)):
        return int(figure)
    if getattr(getattr(figure, "dtype", None), "kind", None) in ("i", "u"):
        return int(figure)
    return None


def grouped(figure, where: str = "text") -> str | None:
    """The one number format of every table and total: a plain whole number with thousands
    separators (`38,597,376`; `38\\,597\\,376` in LaTeX); None for any other figure, which its
    printer writes as a formula. JSON and CSV keep plain digits and never call this."""
    number = plain_integer(figure)
    if number is None:
        return None
    return ("-" if number < 0 else "") + f"{abs(number):,}".replace(",", SEPARATORS[where])


# ---- the analyses' tables: what each shows, written by every format's own cell writers -----------
# `figure(expr)` writes a figure, `text(str)` a plain-text cell, in the printer's own syntax.

COMPARISON_HEADERS = ("Figure", "A", "B", "A - B", "A / B")
LAYER_COMPARISON_HEADERS = ("Layer (type)", "Figure", "A - B", "A / B")
ELLIPSIS = "…"


def breakdown_headers(active: bool) -> tuple:
    """The breakdown's columns; an Active one only for a model with experts (shows_active)."""
    return ("Part", "Count", "Params (one)", "Params (all)", "Share", *(["Active (all)"] if active else []),
            "MACs (all)")


def breakdown_cells(rows, figure, text, active: bool = False) -> list[tuple]:
    """symparams.breakdown's rows, one table row each."""
    return [(text(r.label), figure(r.count), figure(r.params_one), figure(r.params), text(share_text(r)),
             *([figure(r.active)] if active else []), figure(r.macs)) for r in rows]


def comparison_cells(c, figure, text, ratio) -> list[tuple]:
    """A Comparison's totals: figure, A, B, A - B, A / B (`ratio` writes a ratio or None)."""
    return [(text(f.figure), figure(f.a), figure(f.b), figure(f.difference), ratio(f.ratio)) for f in c.figures]


def layer_comparison_cells(c, figure, text, ratio) -> list[tuple] | None:
    """Per layer, the figures that are not 0 in both models; None when the structures differ."""
    if not (c.same_structure and c.layers):
        return None
    cells = []
    for lc in c.layers:
        name = lc.a_name if lc.a_name == lc.b_name else f"{lc.a_name} / {lc.b_name}"
        cells += [(text(f"{name} ({lc.type})"), text(f.figure), figure(f.difference), ratio(f.ratio))
                  for f in lc.figures if not (f.a == 0 and f.b == 0)]
    return cells


def approximately(ratio) -> str:
    """` (≈ 1.23457)` after a ratio that is a number but not a whole one; else nothing."""
    if ratio is None or not ratio.is_number or ratio.is_Integer:
        return ""
    return f" (≈ {float(ratio):.6g})"


def point_text(value, where: str = "text") -> str:
    """A sweep's value: a whole number with separators, a float as Python writes it (shortest
    round-tripping digits)."""
    return grouped(value, where) or repr(float(value))


def sweep_cells(columns: dict, number, limit: int | None = None) -> list[tuple]:
    """One row per point; with `limit`, the first and last limit/2 points around a row of `…`
    (a display of a 10**6-point sweep shows its ends)."""
    cols = list(columns.values())
    n = len(cols[0]) if cols else 0
    if limit is None or n <= limit:
        return [tuple(number(c[i]) for c in cols) for i in range(n)]
    half = max(limit // 2, 1)
    head = [tuple(number(c[i]) for c in cols) for i in range(half)]
    tail = [tuple(number(c[i]) for c in cols) for i in range(n - half, n)]
    return head + [(ELLIPSIS,) * len(cols)] + tail


def skipped_note(columns) -> str | None:
    """Under a sweep(skip_invalid=True): how many points broke a size rule, and the first."""
    skipped = getattr(columns, "skipped", 0)
    if not skipped:
        return None
    first = ", ".join(f"{k} = {v}" for k, v in (getattr(columns, "first_skipped", None) or {}).items())
    return f"skipped {skipped} points that break a size rule (the first: {first})"


def solution_rows(solution) -> list[dict]:
    """Per positive root: `exact`; when the roots are numbers, also `value`, `rounded` (the whole
    value the model allows) and `figure_at_rounded` (the figure there)."""
    rows = []
    for i, root in enumerate(solution.exact):
        row = {"exact": root}
        if solution.numeric:
            rounded = solution.round(root)   # from the exact root: a float has 16 digits
            row.update(value=solution.numeric[i], rounded=rounded,
                       figure_at_rounded=solution.expr.xreplace({solution.symbol: rounded}))
        rows.append(row)
    return rows


def solution_headers(solution) -> tuple:
    name = solution.symbol.name
    if not solution.numeric:
        return (name,)
    return (name, "≈", "exact", f"{solution.figure} at {name}")


def solution_cells(solution, figure, text) -> list[tuple]:
    """One row per root: the whole value, the root's value and exact form, the figure there."""
    cells = []
    for row in solution_rows(solution):
        if "value" in row:
            exact = text(str(row["exact"])) if row["exact"].is_Integer else figure(row["exact"])   # a size
            cells.append((text(str(row["rounded"])), text(f"{row['value']:.6f}"), exact,
                          figure(row["figure_at_rounded"])))
        else:
            cells.append((figure(row["exact"]),))
    return cells


__all__ = ["point_text", "approximately", "breakdown_cells", "breakdown_headers", "comparison_cells", "layer_comparison_cells",
           "sweep_cells", "skipped_note", "solution_rows", "solution_cells", "solution_headers", "grouped",
           "plain_integer", "requirements", "share_text", "shows_active", "DisplayRow", "display_rows",
           "defaults_text"]
