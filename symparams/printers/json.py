"""The JSON object of LANGUAGE.md §10."""
from __future__ import annotations

import json

from ..text import expr_text


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
        "macs": expr_text(net.macs),
        "output_shape": shapes[0] if len(shapes) == 1 else shapes,
        "layers": [row_dict(r) for r in net.layers],
    }


def render(net) -> str:
    return json.dumps(model_dict(net), indent=1)
