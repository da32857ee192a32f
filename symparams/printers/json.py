"""The JSON object of LANGUAGE.md §10."""
from __future__ import annotations

import json

from ..text import expr_text
from .present import solution_rows


def shape_list(shape) -> list:
    return [expr_text(d) for d in shape]


def row_dict(row) -> dict:
    shapes = [shape_list(s) for s in row.output_shapes]
    out = {
        "name": row.name,
        "type": row.type,
        "output_shape": shapes[0] if len(shapes) == 1 else shapes,
        "params": expr_text(row.params),
        "trainable": expr_text(row.trainable),
        "non_trainable": expr_text(row.non_trainable),
        "active_params": expr_text(row.active_params),
        "buffers": expr_text(row.buffers),
        "macs": expr_text(row.macs),
        "weights": [{"name": w.name, "shape": shape_list(w.shape), "trainable": w.trainable,
                     **({"buffer": True} if w.buffer else {})} for w in row.weights],
    }
    if row.path:
        out["block"] = "/".join(row.path)
    if row.repeat:
        out["repeat"] = [expr_text(c.count) for c in row.repeat]
    if row.shared_with:
        out["shares_weights_of"] = row.shared_with
    return out


def model_dict(net) -> dict:
    shapes = [shape_list(s) for s in net.output_shapes]
    return {
        "model": net.name,
        "convention": net.convention,
        "symbols": net.symbols,
        "params": expr_text(net.params),
        "trainable": expr_text(net.trainable),
        "non_trainable": expr_text(net.non_trainable),
        "buffers": expr_text(net.buffers),
        "active_params": expr_text(net.active_params),
        "macs": expr_text(net.macs),
        "output_shape": shapes[0] if len(shapes) == 1 else shapes,
        "layers": [row_dict(r) for r in net.layers],
        **({"warnings": [{"message": message, "line": span.line, "column": span.column}
                         for message, span in net.warnings]} if net.warnings else {}),
    }


def breakdown_dict(net, rows) -> dict:
    """`summary --by block --format json`: symparams.breakdown's rows."""
    return {"model": net.name, "convention": net.convention, "symbols": net.symbols, "by": "block",
            "params": expr_text(net.params), "active_params": expr_text(net.active_params),
            "macs": expr_text(net.macs),
            "parts": [{"part": r.label, "kind": r.kind, "count": expr_text(r.count),
                       "params_one": expr_text(r.params_one), "params": expr_text(r.params),
                       "share": expr_text(r.share), **({"percent": r.percent} if r.percent is not None else {}),
                       "active_params_one": expr_text(r.active_one), "active_params": expr_text(r.active),
                       "macs_one": expr_text(r.macs_one), "macs": expr_text(r.macs), "layers": list(r.layers)}
                      for r in rows]}


def comparison_dict(c) -> dict:
    """A symparams.compare.Comparison."""
    def fig(f):
        return {"a": expr_text(f.a), "b": expr_text(f.b), "difference": expr_text(f.difference),
                "ratio": None if f.ratio is None else expr_text(f.ratio)}
    return {"a": c.a_name, "b": c.b_name, **{f.figure: fig(f) for f in c.figures},
            "same_structure": c.same_structure,
            "layers": [{"a": lc.a_name, "b": lc.b_name, "type": lc.type, **{f.figure: fig(f) for f in lc.figures}}
                       for lc in c.layers]}


def sweep_dict(net, columns: dict) -> dict:
    """A sweep's {name: array}: the column names and one row per point."""
    skipped = getattr(columns, "skipped", 0)       # sweep(skip_invalid=True): points that broke a size rule
    return {"model": net.name, "convention": net.convention, "columns": list(columns),
            **({"skipped": skipped} if skipped else {}),
            "rows": [list(r) for r in zip(*[c.tolist() for c in columns.values()])]}


def solution_dict(s) -> dict:
    """`symparams solve --format json`: a facade Solution (symparams.model.Solution)."""
    roots = []
    for row in solution_rows(s):
        out = {"exact": expr_text(row["exact"])}
        if "value" in row:
            out.update(value=row["value"], rounded=row["rounded"],
                       figure_at_rounded=expr_text(row["figure_at_rounded"]))
        roots.append(out)
    return {"model": s.model, "convention": s.convention, "figure": s.figure, "target": expr_text(s.target),
            "symbol": s.symbol.name, "roots": roots, "multiple_of": s.multiple, "because": list(s.reasons),
            **({"note": s.note} if s.note else {})}


def render(net) -> str:
    return json.dumps(model_dict(net), indent=1)
