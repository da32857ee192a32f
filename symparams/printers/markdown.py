"""A GitHub-flavoured Markdown table, formulas in $...$."""
from __future__ import annotations

from .json import expr_text
from .latex import latex


def _math(expr) -> str:
    return f"${latex(expr)}$"


def _shape(shape) -> str:
    return "$(" + ", ".join(latex(d) for d in shape) + ("," if len(shape) == 1 else "") + ")$"


def render(net) -> str:
    lines = [f"**Model {net.name}** ({net.convention} convention)", "",
             "| Layer (type) | Output shape | Params | MACs |", "|---|---|---|---|"]
    for row in net.layers:
        shapes = ", ".join(_shape(s) for s in row.output_shapes)
        times = "".join(f" × ${latex(c.count)}$" for c in row.repeat)
        lines.append(f"| {row.name} ({row.type}) | {shapes} | {_math(row.params)}{times} | {_math(row.macs)}{times} |")
    lines += ["", f"- Total params: {_math(net.params)}", f"- Trainable params: {_math(net.trainable)}",
              f"- Non-trainable params: {_math(net.non_trainable)}"]
    if net.convention == "torch":
        lines.append(f"- Buffers: {_math(net.buffers)}")
    lines.append(f"- MACs: {_math(net.macs)} (FLOPs = 2 × MACs)")
    return "\n".join(lines)


__all__ = ["render", "expr_text"]
