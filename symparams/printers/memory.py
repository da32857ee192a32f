"""`symparams memory`: the parts of training and inference memory as a table, formulas in bytes
and, once they are numbers, sizes in binary units (KiB, MiB, GiB, TiB)."""
from __future__ import annotations

import json

from ..expressions import as_expr
from .json import expr_text
from .latex import latex
from .markdown import text_cell
from ..tidy import tidy

UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
PART_NAMES = {"weights": "weights", "gradients": "gradients", "optimizer": "optimizer states",
              "activations": "activations", "kv_cache": "KV cache"}


def size_text(expr) -> str:
    """`13.50 GiB` for a number of bytes; `—` while the figure has symbols."""
    expr = as_expr(expr)
    if not expr.is_number:
        return "—"
    value, unit = float(expr), 0
    while abs(value) >= 1024 and unit < len(UNITS) - 1:
        value /= 1024
        unit += 1
    return f"{int(value)} B" if unit == 0 else f"{value:.2f} {UNITS[unit]}"


def _settings_text(mem) -> str:
    o = mem.settings
    words = [f"dtype {o['dtype']}", f"optimizer {o['optimizer']}" + (" + fp32 master" if o["master_weights"] else ""),
             f"batch {expr_text(o['batch'])}", f"accounting {o['accounting']}", f"recompute {o['recompute']}"]
    if o["grad_dtype"] != o["dtype"]:
        words.insert(1, f"gradients {o['grad_dtype']}")
    if o["data_parallel"] != 1 or o["zero"]:
        words.append(f"data parallel {o['data_parallel']}, ZeRO stage {o['zero']}")
    return ", ".join(words)


def memory_rows(mem, parts=None) -> list:
    """(part, count or "", bytes formula, size) per line: the activations one line, or one per
    block when `parts` (memory.activation_parts) is given; then the two totals."""
    rows = []
    for name in ("weights", "gradients", "optimizer", "activations", "kv_cache"):
        if name == "activations" and parts is not None:
            rows += [(f"activations: {p.label}", p.count, p.one, p.total) for p in parts if p.total != 0]
            continue
        rows.append((PART_NAMES[name], 1, getattr(mem, name), getattr(mem, name)))
    rows += [("training (weights + gradients + optimizer + activations)", 1, mem.training, mem.training),
             ("inference (weights + KV cache)", 1, mem.inference, mem.inference)]
    return rows


def render_text(net, mem, parts=None) -> str:
    from .text import count_text, table
    counts, body = net.count_symbols, []
    for label, count, one, total in memory_rows(mem, parts):
        shown = expr_text(tidy(total, counts))
        if count != 1:
            one = tidy(one, counts)
            shown = f"{count_text(count)} × " + (f"({expr_text(one)})" if one.is_Add else expr_text(one))
        body.append((label, shown, size_text(total)))
    return "\n".join([f"Model: {net.name}   convention: {net.convention}   memory in bytes",
                      f" {_settings_text(mem)}",
                      table(("Part", "Bytes", "Size"), body)])


def render_markdown(net, mem, parts=None) -> str:
    counts = net.count_symbols
    lines = [f"**{text_cell(net.name)}** memory in bytes ({text_cell(_settings_text(mem))})", "",
             "| Part | Bytes | Size |", "|---|---|---|"]
    for label, count, one, total in memory_rows(mem, parts):
        formula = latex(tidy(total, counts)) if count == 1 else f"{latex(count)} \\times {latex(tidy(one, counts))}"
        lines.append(f"| {text_cell(label)} | ${formula.replace('|', chr(92) + 'vert ')}$ | {size_text(total)} |")
    return "\n".join(lines)


def render_latex(net, mem, parts=None) -> str:
    counts = net.count_symbols
    lines = [r"\begin{tabular}{lll}", r"\hline", r"Part & Bytes & Size \\", r"\hline"]
    for label, count, one, total in memory_rows(mem, parts):
        formula = latex(tidy(total, counts)) if count == 1 else f"{latex(count)} \\times {latex(tidy(one, counts))}"
        lines.append(f"{label.replace('_', chr(92) + '_')} & ${formula}$ & {size_text(total)} \\\\")
    return "\n".join([*lines, r"\hline", r"\end{tabular}"])


def as_dict(net, mem, parts=None) -> dict:
    """Every figure as text (a formula) and, when a number, as an int of bytes."""
    def figure(expr):
        expr = as_expr(expr)
        out = {"bytes": expr_text(tidy(expr, net.count_symbols)), "size": size_text(expr)}
        if expr.is_number:
            out["value"] = int(expr) if expr.is_integer else float(expr)
        return out
    settings = {k: (expr_text(v) if k == "batch" else v) for k, v in mem.settings.items()}
    out = {"model": net.name, "convention": net.convention, "settings": settings,
           **{name: figure(value) for name, value in mem.parts().items()}}
    if parts is not None:
        out["activations_by_block"] = [{"part": p.label, "count": expr_text(p.count), "one": figure(p.one),
                                        "total": figure(p.total)} for p in parts]
    return out


def render_json(net, mem, parts=None) -> str:
    return json.dumps(as_dict(net, mem, parts), indent=1)


RENDERERS = {"text": render_text, "markdown": render_markdown, "latex": render_latex, "json": render_json}
