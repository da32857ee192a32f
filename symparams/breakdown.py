"""A model's parameters and MACs per top-level block call and per top-level repeat, in the
style of Kaplan et al. 2020, Table 1: each part's formula for one instance, how many times it
occurs, its total and its share of the model's parameters."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sympy

from .results import aggregate
from .tidy import factored, within_budget


@dataclass(frozen=True)
class BreakdownRow:
    label: str              # a block call ("GPT2Block"), a top-level layer ("wte") or "repeat L: ..."
    kind: str               # "block", "layer" or "repeat"
    count: sympy.Expr       # how many instances (a repeat's count; 1 otherwise)
    params_one: sympy.Expr  # one instance
    params: sympy.Expr      # all instances
    macs_one: sympy.Expr
    macs: sympy.Expr
    share: sympy.Expr       # params / the model's params
    layers: tuple           # the layer names the row gathers
    active_one: sympy.Expr = sympy.Integer(0)   # active params (a mixture of experts: top-k) of one instance
    active: sympy.Expr = sympy.Integer(0)       # ... of all instances

    @property
    def percent(self) -> float | None:
        """The share in percent, when it is a number."""
        return float(100 * self.share) if self.share.is_number else None


def _key(row):
    if row.path:
        return ("block", row.path[0])
    return ("layer", row.name)


def _groups(rows):
    """Consecutive rows of one top-level block call or layer; then consecutive groups that sit in
    the same outermost symbolic repeat (a repeat inside a block cannot span two top-level calls,
    so it is a top-level repeat)."""
    groups = []
    for row in rows:
        if row.type == "input":
            continue
        key = _key(row)
        if groups and groups[-1][0] == key:
            groups[-1][1].append(row)
        else:
            groups.append((key, [row]))
    merged = []   # (kind, label, repeat context or None, rows)
    for (kind, label), members in groups:
        outer = {r.repeat[0] if r.repeat else None for r in members}
        ctx = outer.pop() if len(outer) == 1 else None
        if ctx is not None and merged and merged[-1][2] == ctx:
            merged[-1][3].extend(members)
            merged[-1][4].append(label)
            continue
        merged.append([kind, label, ctx, list(members), [label]])
    return merged


def _weight_figures(members, ctx, figure):
    """(one instance, all instances) of a weight figure (params, active_params)."""
    per, once = [], []
    for row in members:
        contexts = row.weight_contexts
        if contexts is None:
            continue
        if ctx is not None and contexts and contexts[0] == ctx:
            per.append(aggregate(getattr(row, figure), contexts[1:]))
        else:
            once.append(aggregate(getattr(row, figure), contexts))
    one = sympy.Add(*per) + sympy.Add(*once)
    return one, (aggregate(sympy.Add(*per), (ctx,)) if ctx is not None else sympy.Add(*per)) + sympy.Add(*once)


def _figures(members, ctx):
    """(params of one instance, params in all, MACs of one, MACs in all)."""
    params_one, params = _weight_figures(members, ctx, "params")
    macs_one = sympy.Add(*[aggregate(r.macs, r.repeat[1:] if ctx is not None else r.repeat) for r in members])
    macs = aggregate(macs_one, (ctx,)) if ctx is not None else macs_one
    return params_one, params, macs_one, macs


def tidy(expr):
    """A part's figure for a Kaplan-style table: always expanded, then common factors out
    (`d*(12*d + 13)`), within the tidy budget. Unlike `tidy.factored_sum` it expands even when
    that lengthens the formula: the table compares parts term by term."""
    if not expr.free_symbols or not within_budget(expr):
        return expr
    return factored(sympy.expand(expr))


_SUFFIX = re.compile(r"_\d+$")


def breakdown(net) -> list[BreakdownRow]:
    """Rows per top-level block call, top-level layer and top-level symbolic repeat. Unrolled
    calls of one block (or one layer type) in a row with equal formulas are one row with a count.
    Rows with no parameters, buffers or MACs are left out."""
    total = net.params
    out = []
    for kind, label, ctx, members, labels in _groups(net.layers):
        p1, p, m1, m = _figures(members, ctx)
        a1, a = (tidy(e) for e in _weight_figures(members, ctx, "active_params"))
        if ctx is not None:
            kind, count = "repeat", ctx.count
            names = list(dict.fromkeys(_SUFFIX.sub("", name) for name in labels))
            head = f"repeat {ctx.count}" + (f" as {ctx.index}" if ctx.index is not None else "")
            label = f"{head}: {', '.join(names)}"
        else:
            count = sympy.Integer(1)
        if all(e == 0 for e in (p, m)) and not any(w.buffer for r in members for w in r.weights):
            continue
        p1, m1 = tidy(p1), tidy(m1)
        base = _SUFFIX.sub("", label) if kind != "repeat" else label
        typ = members[0].type if kind == "layer" else None
        if out and kind != "repeat" and out[-1][0] == (kind, base, typ) and out[-1][1].params_one == p1 \
                and out[-1][1].macs_one == m1:
            prev = out[-1][1]
            n = prev.count + 1
            out[-1] = ((kind, base, typ), BreakdownRow(base, kind, n, p1, tidy(n * p1), m1, tidy(n * m1), 0,
                                                       prev.layers + tuple(r.name for r in members),
                                                       a1, tidy(n * a1)))
            continue
        row = BreakdownRow(label, kind, count, p1, tidy(p), m1, tidy(m), 0, tuple(r.name for r in members), a1, a)
        out.append(((kind, base, typ), row))
    rows = []
    for _, row in out:
        share = sympy.Integer(0) if total == 0 else row.params / (total if total.is_number else tidy(total))
        rows.append(replace(row, share=share))
    return rows
