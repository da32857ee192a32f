"""Small immutable records shared by the catalog, the evaluator and the results."""
from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from . import limits, signs
from .errors import ConstraintError
from .expressions import as_expr


@dataclass(frozen=True)
class Weight:
    """One weight as the framework names it. `buffer` marks PyTorch buffers
    (running statistics): not parameters, reported apart as `buffers`. `active` is how many
    of its values one token uses (a mixture of experts' stacked experts: k of E); None: all."""
    name: str
    shape: tuple
    trainable: bool = True
    buffer: bool = False
    active: object = None

    @property
    def active_size(self) -> sympy.Expr:
        return self.size if self.active is None else as_expr(self.active)

    @property
    def size(self) -> sympy.Expr:
        return sympy.Mul(*self.shape) if self.shape else sympy.Integer(1)

    def transform(self, rewrite) -> "Weight":
        """The weight with `rewrite` applied to each dimension."""
        return replace(self, shape=tuple(rewrite(as_expr(d)) for d in self.shape),
                       active=None if self.active is None else rewrite(as_expr(self.active)))


@dataclass(frozen=True)
class Constraint:
    """A rule the sizes must obey once numbers are known: kind is 'positive', 'integer' or
    'nonnegative'. A rule made inside symbolic repeats `repeat COUNT as i` holds for every
    i = 0 .. COUNT-1: `ranges` holds those (i, COUNT), and once the counts are numbers the
    rule is checked at each i (a stage that halves a map must not reach an empty one)."""
    kind: str
    expr: sympy.Expr
    layer: str
    what: str
    span: object
    ranges: tuple = ()
    shown: bool = False       # a size rule on an argument or an input size: listed under "Requires"

    @property
    def description(self) -> str:
        return self.what() if callable(self.what) else self.what

    def subs(self, mapping) -> "Constraint":
        return replace(self, expr=signs.substitute(self.expr, mapping),
                       ranges=tuple((index, signs.substitute(as_expr(count), mapping)) for index, count in self.ranges))

    def _holds(self, e):
        return signs.decide(e, self.kind)

    def instances(self):
        """(index values, expression) at every point of the ranges; None while a count is a symbol
        (or the points are too many to check)."""
        ranges = [(i, n) for i, n in self.ranges if i in self.expr.free_symbols]
        if not ranges:
            return [((), self.expr)]
        if not all(n.is_Integer for _, n in ranges):
            return None
        points = [()]
        for index, count in ranges:
            points = [p + ((index, v),) for p in points for v in range(int(count))]
            if len(points) > limits.MAX_RANGE_CHECKS:
                return None
        return [(p, signs.substitute(self.expr, dict(p))) for p in points]

    def violation(self):
        """The first (index values, value) that breaks the rule, or None."""
        instances = self.instances()
        if instances is None:
            instances = [((), self.expr)]       # the rule as a formula in i: false for every i?
        for point, e in instances:
            if self._holds(e) is False:
                return point, e
        return None

    def violated(self) -> bool:
        return self.violation() is not None

    def enforce(self, pending: list, message) -> None:
        """Raise ConstraintError(message) if the rule is broken already; keep it in `pending`
        while it cannot be decided. `message` may be a callable: printing SymPy is slow."""
        if self.violated():
            raise ConstraintError(message() if callable(message) else message, self.span)
        if not self.decided():
            pending.append(self)

    def decided(self) -> bool:
        instances = self.instances()
        if instances is None:
            return self._holds(self.expr) is True
        return all(self._holds(e) is not None for _, e in instances)


# ---- what a layer keeps for training (symparams.memory reads these) ----------------

SAVED_KINDS = ("act", "mask", "index", "stat")


@dataclass(frozen=True)
class Saved:
    """One tensor a layer keeps for its backward pass, per example.
    `source`: "input" (the layer's input number `input`), "output" (its own output) or "own"
    (a tensor it makes, such as a dropout mask). `kind` sets the bytes per element:
    "act" the activation dtype, "mask" a dropout mask, "index" int64, "stat" float statistics.
    `core`: one of attention's s**2 tensors (selective recompute drops them).
    `accountings`: the accountings that count it ("torch", "megatron").
    `per_batch`: the elements are per batch, not per example (batch statistics).
    `for_weights`: kept only for the weight gradient (a GEMM's input): not when the weights are frozen.
    `for_input`: kept only for the input gradient: not when the input needs none."""
    elements: sympy.Expr
    kind: str = "act"
    source: str = "own"
    input: int = 0
    core: bool = False
    accountings: tuple = ("torch", "megatron")
    per_batch: bool = False
    for_weights: bool = False
    for_input: bool = False

    def transform(self, rewrite) -> "Saved":
        return replace(self, elements=rewrite(as_expr(self.elements)))


@dataclass(frozen=True)
class Training:
    """A layer's training figures, per example (symparams.memory multiplies by the batch).
    `saved`: the tensors kept for the backward pass. Backward MACs in three parts:
    `backward_input`, spent only when the input needs a gradient; `backward_weights`, only when
    the weights are trainable; `backward_inner`, gradients inside the layer that either needs
    (attention's scores and weighted sum). `kv_cache`: elements of
    the keys and values an attention layer caches for generation. `view`: the output shares
    the input's storage (flatten, reshape). `inputs`: the producers of the input tensors.
    `differentiable`: False when no gradient flows to the input (embedding's integer ids)."""
    saved: tuple = ()
    backward_input: sympy.Expr = sympy.Integer(0)
    backward_weights: sympy.Expr = sympy.Integer(0)
    backward_inner: sympy.Expr = sympy.Integer(0)
    kv_cache: sympy.Expr = sympy.Integer(0)
    view: bool = False
    inputs: tuple = ()
    differentiable: bool = True
    unmodeled: str = ""          # why the training figures are not modeled: memory and backward refuse

    def transform(self, rewrite) -> "Training":
        return replace(self, saved=tuple(s.transform(rewrite) for s in self.saved),
                       backward_input=rewrite(as_expr(self.backward_input)),
                       backward_weights=rewrite(as_expr(self.backward_weights)),
                       backward_inner=rewrite(as_expr(self.backward_inner)),
                       kv_cache=rewrite(as_expr(self.kv_cache)))
