"""A booktabs table of a model's layers and totals, ready for a paper or a slide."""
from __future__ import annotations

from .latex import latex


def _escape(text: str) -> str:
    return text.replace("\\", r"\textbackslash{}").replace("_", r"\_").replace("&", r"\&").replace("%", r"\%")


def _shape(shape) -> str:
    return "$(" + ", ".join(latex(d) for d in shape) + ("," if len(shape) == 1 else "") + ")$"


def render(net) -> str:
    rows = []
    for row in net.layers:
        times = "".join(f" \\times {latex(c.count)}" for c in row.repeat)
        shapes = ", ".join(_shape(s) for s in row.output_shapes)
        rows.append(f"{_escape(row.name)} ({_escape(row.type)}) & {shapes} & ${latex(row.params)}{times}$ & "
                    f"${latex(row.macs)}{times}$ \\\\")
    totals = [f"\\multicolumn{{2}}{{l}}{{Total params}} & \\multicolumn{{2}}{{l}}{{${latex(net.params)}$}} \\\\",
              f"\\multicolumn{{2}}{{l}}{{Trainable}} & \\multicolumn{{2}}{{l}}{{${latex(net.trainable)}$}} \\\\",
              f"\\multicolumn{{2}}{{l}}{{MACs}} & \\multicolumn{{2}}{{l}}{{${latex(net.macs)}$}} \\\\"]
    return "\n".join([
        f"% {net.name}, {net.convention} convention; requires \\usepackage{{booktabs}}",
        "\\begin{tabular}{llll}", "\\toprule",
        "Layer (type) & Output shape & Params & MACs \\\\", "\\midrule", *rows, "\\midrule", *totals,
        "\\bottomrule", "\\end{tabular}"])
