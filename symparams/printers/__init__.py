"""Printers: results -> text, JSON, Markdown, LaTeX."""
from __future__ import annotations

# The printer of an analysis's table (breakdown, comparison, solution, sweep) in each form it is
# shown in: the commands' --format and Jupyter's reprs (displays.Shown) both come through here.
TABLES = {"text": "text", "html": "notebook", "markdown": "markdown", "latex": "latex_table"}


def render_table(kind: str, form: str, *args) -> str:
    """`render_<kind>(*args)` of the form's printer module (imported only when used)."""
    from importlib import import_module
    return getattr(import_module(f".{TABLES[form]}", __name__), f"render_{kind}")(*args)


__all__ = ["TABLES", "render_table"]
