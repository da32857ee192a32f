"""The text summary: a box-drawn table like Keras's summary(), with expressions in the cells."""
from __future__ import annotations

from .json import expr_text


def shape_text(shape) -> str:
    items = [expr_text(d) for d in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def row_shape_text(row) -> str:
    return ", ".join(shape_text(s) for s in row.output_shapes)


def row_params_text(row) -> str:
    text = expr_text(row.params)
    if row.shared_with:
        return f"0 (shares {row.shared_with})"
    counts = [expr_text(c.count) for c in row.repeat]
    return text + "".join(f"  ×{c}" for c in counts) if counts and text != "0" else text


def table(headers, rows) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(left, mid, right, fill):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def cells(values, bar):
        return bar + bar.join(f" {v.ljust(w)} " for v, w in zip(values, widths)) + bar

    out = [line("┏", "┳", "┓", "━"), cells(headers, "┃"), line("┡", "╇", "┩", "━")]
    out += [cells(r, "│") for r in rows]
    out.append(line("└", "┴", "┘", "─"))
    return "\n".join(out)


def render_model(net) -> str:
    rows = [(f"{r.name} ({r.type})", row_shape_text(r), row_params_text(r)) for r in net.layers]
    lines = [f"Model: {net.name}   convention: {net.convention}   symbols: {', '.join(net.symbols) or 'none'}",
             table(("Layer (type)", "Output shape", "Params"), rows),
             f" Total params: {expr_text(net.params)}",
             f" Trainable params: {expr_text(net.trainable)}",
             f" Non-trainable params: {expr_text(net.non_trainable)}"]
    if net.convention == "torch":
        lines.append(f" Buffers: {expr_text(net.buffers)}")
    if len(net.output_shapes) > 1:
        lines.append(" Outputs: " + ", ".join(shape_text(s) for s in net.output_shapes))
    lines.append(f" MACs: {expr_text(net.macs)}")
    return "\n".join(lines)


def render_layer(result) -> str:
    row = result.row
    lines = [f"Layer: {row.name} ({row.type})   convention: {result.model.convention}",
             f" Output shape: {row_shape_text(row)}",
             f" Params: {expr_text(result.params)}"
             f"   (trainable {expr_text(result.trainable)}, non-trainable {expr_text(result.non_trainable)}"
             + (f", buffers {expr_text(result.buffers)}" if result.model.convention == "torch" else "") + ")",
             f" MACs: {expr_text(result.macs)}"]
    if row.weights:
        weight_rows = [(w.name, shape_text(w.shape), expr_text(w.size),
                        "buffer" if w.buffer else ("yes" if w.trainable else "no")) for w in row.weights]
        lines.append(table(("Weight", "Shape", "Size", "Trainable"), weight_rows))
    return "\n".join(lines)
