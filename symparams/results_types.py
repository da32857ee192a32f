"""Small immutable records shared by the catalog, the evaluator and the results."""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from .expressions import as_expr


@dataclass(frozen=True)
class Weight:
    """One weight as the framework names it. `buffer` marks PyTorch buffers
    (running statistics): not parameters, reported apart as `buffers`."""
    name: str
    shape: tuple
    trainable: bool = True
    buffer: bool = False

    @property
    def size(self) -> sympy.Expr:
        return sympy.Mul(*self.shape) if self.shape else sympy.Integer(1)

    def subs(self, mapping) -> "Weight":
        return Weight(self.name, tuple(as_expr(d).xreplace(mapping) if mapping else d for d in self.shape),
                      self.trainable, self.buffer)


@dataclass(frozen=True)
class Constraint:
    """A rule the sizes must obey once numbers are known: kind is 'positive' or 'integer'."""
    kind: str
    expr: sympy.Expr
    layer: str
    what: str
    span: object

    @property
    def description(self) -> str:
        return self.what() if callable(self.what) else self.what

    def violated(self, expr=None) -> bool:
        e = self.expr if expr is None else expr
        if self.kind == "positive":
            return e.is_positive is False
        if self.kind == "integer":
            return e.is_integer is False
        if self.kind == "nonnegative":
            return e.is_nonnegative is False
        raise AssertionError(self.kind)

    def decided(self, expr=None) -> bool:
        e = self.expr if expr is None else expr
        attr = {"positive": "is_positive", "integer": "is_integer", "nonnegative": "is_nonnegative"}[self.kind]
        return getattr(e, attr) is not None
