"""The analyses' results as the facade returns them (net.breakdown(), net.compare(...),
net.solve(...), net.sweep(...), net.memory(...)): the records of
symparams.breakdown/compare/algebra/sweep/memory, unchanged,
with the displays Jupyter and the REPL use, all written by the printers. A module of the facade's
layer of its own so that `symparams.model` (every command's import) does not load the analyses."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import sympy

from . import algebra, compare, memory, sweep

# How many points a sweep's display shows (its first and last half); the CLI prints them all.
SWEEP_DISPLAY_POINTS = 40


class Shown:
    """A result shown by the printers the CLI uses, never by code of its own (SymPy's printing
    style): repr() is the text printer's table; Jupyter's _repr_html_, _repr_markdown_ and
    _repr_latex_ are the notebook (HTML), markdown and LaTeX printers. A result type names its
    printers' function (`render_<kind>` in printers.text, .notebook, .markdown and .latex_table)
    and the arguments they take (`_printed`); a result with a printer module of its own (memory)
    overrides `_render`."""

    _kind = ""

    def _printed(self) -> tuple:
        return (self,)

    def _render(self, form: str) -> str:
        from .printers import render_table
        return render_table(self._kind, form, *self._printed())

    def __repr__(self):
        return self._render("text")

    def _repr_html_(self):
        return self._render("html")

    def _repr_markdown_(self):
        return self._render("markdown")

    def _repr_latex_(self):
        return self._render("latex")


class Breakdown(Shown, list):
    """net.breakdown(): a list of breakdown.BreakdownRow, shown as the `summary --by block` table."""

    _kind = "breakdown"

    def __init__(self, net, rows):
        super().__init__(rows)
        self.net = net

    def _printed(self):
        return (self.net, list(self))


class Comparison(Shown, compare.Comparison):
    """net.compare(other): a compare.Comparison, shown as the `symparams compare` tables."""

    _kind = "comparison"

    @classmethod
    def of(cls, c: compare.Comparison) -> "Comparison":
        return cls(**{f.name: getattr(c, f.name) for f in fields(c)})


@dataclass(frozen=True, repr=False)
class Solution(Shown, algebra.Solution):
    """net.solve(...): an algebra.Solution that knows what was solved (the model, the figure and
    its formula), so that the printers can show the figure at the rounded value."""

    _kind = "solution"
    model: str = ""
    convention: str = ""
    figure: str = "params"
    expr: sympy.Expr = sympy.Integer(0)

    @classmethod
    def of(cls, s: algebra.Solution, net, figure: str) -> "Solution":
        return cls(**{f.name: getattr(s, f.name) for f in fields(s)}, model=net.name, convention=net.convention,
                   figure=figure, expr=getattr(net, figure))


class Sweep(Shown, sweep.Table):
    """net.sweep(...): {name: numpy array} (a sweep.Table, with its count of skipped points),
    shown as the `symparams sweep` table (its ends, when long)."""

    _kind = "sweep"

    def __init__(self, net, table: sweep.Table):
        super().__init__(table)
        self.net = net
        self.skipped, self.first_skipped = table.skipped, table.first_skipped

    def _printed(self):
        return (self.net, self, SWEEP_DISPLAY_POINTS)


@dataclass(frozen=True, repr=False)
class Memory(Shown, memory.Memory):
    """net.memory(...): a memory.Memory (weights, gradients, optimizer, activations, kv_cache,
    training, inference), shown as the `symparams memory` table; `.by_block()` splits the
    activations per top-level block call, layer and repeat, as `memory --by block` does."""

    net: object = field(default=None, compare=False)
    blocks: tuple | None = field(default=None, compare=False)    # memory.activation_parts, once asked

    @classmethod
    def of(cls, m: memory.Memory, net, blocks=None) -> "Memory":
        return cls(**{f.name: getattr(m, f.name) for f in fields(memory.Memory)}, net=net,
                   blocks=None if blocks is None else tuple(blocks))

    def by_block(self) -> "Memory":
        return Memory.of(self, self.net, memory.activation_parts(self.net, self))

    def subs(self, mapping) -> "Memory":
        return Memory.of(super().subs(mapping), self.net)

    def _render(self, form: str) -> str:
        from .printers.memory import RENDERERS
        return RENDERERS[form](self.net, self, None if self.blocks is None else list(self.blocks))


__all__ = ["Breakdown", "Comparison", "Memory", "Shown", "Solution", "Sweep", "SWEEP_DISPLAY_POINTS"]
