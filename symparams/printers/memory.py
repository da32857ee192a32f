"""`symparams memory`: the parts of training and inference memory as a table, formulas in bytes
and, once they are numbers, sizes in binary units (KiB, MiB, GiB, TiB)."""
from __future__ import annotations

import json

from ..expressions import as_expr
from .json import expr_text
from .latex import latex
from .markdown import text_cell
from .present import grouped
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


def bytes_cell(count, one, total, counts, write, times: str, parenthesized) -> str:
    """A part's bytes in a printer's syntax: `write(formula)`, or for a repeated block the count
    times one instance's bytes (`L × (...)`, a sum in parentheses)."""
    if count == 1:
        return write(tidy(total, counts))
    one = tidy(one, counts)
    count, one_text = as_expr(count), write(one)
    return (f"{parenthesized(write(count)) if count.is_Add else write(count)}{times}"
            f"{parenthesized(one_text) if one.is_Add else one_text}")


def memory_cells(net, mem, parts, write, times, parenthesized=lambda t: f"({t})", label=str) -> list[tuple]:
    """(part, bytes, size) per table row, in one printer's syntax."""
    return [(label(name), bytes_cell(count, one, total, net.count_symbols, write, times, parenthesized),
             size_text(total)) for name, count, one, total in memory_rows(mem, parts)]


HEADERS = ("Part", "Bytes", "Size")


def render_text(net, mem, parts=None) -> str:
    from .text import table
    body = memory_cells(net, mem, parts, lambda e: grouped(e) or expr_text(e), " × ")
    return "\n".join([f"Model: {net.name}   convention: {net.convention}   memory in bytes",
                      f" {_settings_text(mem)}", table(HEADERS, body)])


def _tex(where):
    """A formula in LaTeX math; a plain number with separators (`{,}` in Markdown's math, `\\,` in LaTeX)."""
    return lambda e: grouped(e, where) or latex(e)


def _tex_parenthesized(tex: str) -> str:
    return f"\\left({tex}\\right)"


def render_markdown(net, mem, parts=None) -> str:
    from .markdown import table
    body = [(text_cell(part), f"${formula.replace('|', chr(92) + 'vert ')}$", size)
            for part, formula, size in memory_cells(net, mem, parts, _tex("math"), " \\times ", _tex_parenthesized)]
    return "\n".join([f"**{text_cell(net.name)}** memory in bytes ({text_cell(_settings_text(mem))})", "",
                      *table(HEADERS, body)])


def render_latex(net, mem, parts=None) -> str:
    from .latex_table import booktabs, escape
    body = [(escape(part), f"${formula}$", size)
            for part, formula, size in memory_cells(net, mem, parts, _tex("latex"), " \\times ", _tex_parenthesized)]
    return booktabs(HEADERS, body, f"{net.name}, {net.convention} convention, memory in bytes: "
                    + _settings_text(mem))


def render_html(net, mem, parts=None) -> str:
    """The notebook's table (net.memory(...) in Jupyter): numbers as text, formulas in MathJax."""
    import html

    from .notebook import table_html

    def write(e):
        number = grouped(e)
        return number if number is not None else f"\\({html.escape(latex(e))}\\)"

    def parenthesized(cell):     # a formula's cell is \(...\): the parentheses go inside the math
        return f"\\(\\left({cell[2:-2]}\\right)\\)" if cell.startswith("\\(") else f"({cell})"
    body = memory_cells(net, mem, parts, write, " × ", parenthesized, html.escape)
    head = (f"<b>Model {html.escape(net.name)}</b> &nbsp; convention: {html.escape(net.convention)} &nbsp; "
            f"memory in bytes: {html.escape(_settings_text(mem))}")
    return table_html(HEADERS, body, head)


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


RENDERERS = {"text": render_text, "markdown": render_markdown, "latex": render_latex, "json": render_json,
             "html": render_html}
