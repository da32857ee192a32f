"""The model facade: the records of symparams.results with the methods that call analyses
(breakdown, algebra, compare, sweep) and printers (text, JSON, notebook). `Program.model` and
`symparams.load(...).model()` return these; the evaluator builds the plain records.

Analyses and printers are imported inside the methods: a command pays only for what it uses."""
from __future__ import annotations

from dataclasses import fields

import sympy

from . import results
from .figures import check_figure
from .inputs import as_value


class LayerRow(results.LayerRow):
    """One layer's record, shown the way Jupyter and the REPL show it."""

    @classmethod
    def of(cls, row: results.LayerRow) -> "LayerRow":
        if isinstance(row, cls):
            return row
        return cls(**{f.name: getattr(row, f.name) for f in fields(row)})

    def __repr__(self):
        from .printers.notebook import row_repr
        return row_repr(self)

    def _repr_latex_(self):
        from .printers.notebook import row_latex
        return row_latex(self)

    def _repr_markdown_(self):
        from .printers.notebook import row_markdown
        return row_markdown(self)

    def _repr_html_(self):
        from .printers.notebook import row_html
        return row_html(self)


class ModelResult(results.ModelResult):
    """A model's figures in one convention. Every figure is a SymPy expression."""

    def __init__(self, name, convention, rows, *args, **kwargs):
        super().__init__(name, convention, [LayerRow.of(row) for row in rows], *args, **kwargs)

    @classmethod
    def of(cls, record: results.ModelResult) -> "ModelResult":
        """The facade over the evaluator's record."""
        return cls(record.name, record.convention, record.layers, record.output_shapes, record.constraints,
                   record.parameters, record.defaults, record.source, record.filename, record.warnings)

    @staticmethod
    def _value(value, name: str = "a value") -> sympy.Expr:
        return as_value(value, name)

    # ---- presentation -------------------------------------------------------
    def as_dict(self) -> dict:
        from .printers.json import model_dict
        return model_dict(self)

    def summary(self) -> str:
        from .printers.text import render_model
        return render_model(self)

    def __repr__(self):
        from .printers.notebook import model_repr
        return model_repr(self)

    def _repr_latex_(self):
        from .printers.notebook import model_latex
        return model_latex(self)

    def _repr_markdown_(self):
        from .printers.notebook import model_markdown
        return model_markdown(self)

    def _repr_html_(self):
        from .printers.notebook import model_html
        return model_html(self)

    # ---- formulas: breakdown, algebra, comparison, sweeps (symparams.breakdown/algebra/compare/sweep) --
    def breakdown(self):
        """Rows per top-level block call, layer and repeat (Kaplan et al. 2020, Table 1 style):
        a list of breakdown.BreakdownRow that shows as a table (displays.Breakdown)."""
        from .breakdown import breakdown
        from .displays import Breakdown
        return Breakdown(self, breakdown(self))

    def _figure(self, figure: str) -> sympy.Expr:
        return getattr(self, check_figure(figure))

    def _sym(self, symbol) -> sympy.Symbol:
        return symbol if isinstance(symbol, sympy.Symbol) else self.symbol(symbol)

    def simplify(self, figure: str = "params") -> sympy.Expr:
        from .algebra import tidy
        return tidy(self._figure(figure))

    def expand(self, figure: str = "params") -> sympy.Expr:
        return sympy.expand(self._figure(figure))

    def factor(self, figure: str = "params") -> sympy.Expr:
        return sympy.factor(self._figure(figure))

    def collect(self, symbol, figure: str = "params") -> sympy.Expr:
        from .algebra import collect
        return collect(self._figure(figure), self._sym(symbol))

    def diff(self, symbol, figure: str = "params") -> sympy.Expr:
        """∂figure/∂symbol: net.diff("L") is one block's parameters for a `repeat L` model."""
        from .algebra import diff
        return diff(self._figure(figure), self._sym(symbol))

    def leading_term(self, symbol, figure: str = "params") -> sympy.Expr:
        """The dominant term as `symbol` grows: 12*L*d**2 for a GPT's params in d."""
        from .algebra import leading_term
        return leading_term(self._figure(figure), self._sym(symbol))

    def solve(self, symbol, multiple_of: int | None = None, **target):
        """net.solve("d", params=1e9): the positive real roots (algebra.Solution: .exact, .value,
        .rounded). `.rounded` is a multiple of what the model's size rules need (d/h whole makes
        d a multiple of h once h is a number) and of `multiple_of` if given."""
        from .algebra import required_multiple, solve
        from .displays import Solution
        if len(target) != 1:
            raise TypeError("solve() takes one target, e.g. params=1e9 or macs=4e12")
        (figure, value), = target.items()
        check_figure(figure)
        if multiple_of is not None and (isinstance(multiple_of, bool) or not isinstance(multiple_of, int)
                                        or multiple_of < 1):
            raise ValueError(f"multiple_of must be a positive int, not {multiple_of!r}")
        unknown = self._sym(symbol)
        step, reasons = required_multiple(self.constraints, unknown)
        if multiple_of is not None and multiple_of > 1:
            step = int(sympy.ilcm(step, multiple_of))
            reasons += (f"a multiple of {multiple_of} was asked for",)
        return Solution.of(solve(self._figure(figure), unknown, as_value(value), step, reasons), self, figure)

    # ---- memory and training compute (symparams.memory/compute; docs/MEMORY.md) --------------
    def memory(self, dtype="bf16", optimizer="adamw", recompute="none", batch="b", accounting="torch", **options):
        """Bytes for training and inference: weights, gradients, optimizer, activations, KV cache
        (symparams.memory.Memory, shown as the `symparams memory` table: displays.Memory)."""
        from .displays import Memory
        from .memory import memory
        return Memory.of(memory(self, dtype, optimizer, recompute, batch, accounting, **options), self)

    @property
    def backward_macs(self) -> sympy.Expr:
        """MACs of the backward pass per example: input and weight gradients (symparams.compute)."""
        from .compute import backward_macs
        return backward_macs(self)

    @property
    def training_macs(self) -> sympy.Expr:
        """macs + backward_macs (symparams.compute.training_macs(net, "full") adds one more forward)."""
        from .compute import training_macs
        return training_macs(self)

    def train_flops(self, tokens, recompute="none") -> sympy.Expr:
        """Training FLOPs over `tokens` tokens (the first input's size per example)."""
        from .compute import train_flops
        return train_flops(self, tokens, recompute)

    def compare(self, other: "ModelResult"):
        """Difference and ratio of params and MACs against `other` (symparams.compare.Comparison)."""
        from .compare import compare
        from .displays import Comparison
        return Comparison.of(compare(self, other))

    def sweep(self, figures=("params", "macs"), skip_invalid: bool = False, **vary):
        """net.sweep(d="128:4096:128") or net.sweep(d=numpy_array): {name: numpy array} (needs numpy);
        with skip_invalid, the points that break a size rule are dropped and counted (`.skipped`)."""
        from .displays import Sweep
        from .sweep import numpy, parse_range, sweep
        for figure in figures:
            check_figure(figure)
        np = numpy()
        ranges = {name: parse_range(v) if isinstance(v, str) else np.asarray(v) for name, v in vary.items()}
        return Sweep(self, sweep(self, ranges, figures, skip_invalid))


__all__ = ["LayerRow", "ModelResult"]
