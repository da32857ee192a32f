"""Stage repeats (LANGUAGE.md §6): is the shape a pass produces the shape the
user stated for the next iteration?

`repeat S as i, input (H / 2**i, W / 2**i, c * 2**i):` states the input of
iteration i. Two sizes match when they are equal for every integer value of
the symbols (sizes.same_size, which collapses nested roundings first).

A stated size that is an exact quotient such as H / 2**(i+1) also matches a
computed floor((H / 2**i + 1) / 2) on condition that it is a whole number:
with H = 2**(i+1) * m for a positive integer m both sides are m. `Stage`
records that condition, to be re-checked when numbers are substituted, and
rewrites the pass's rows under it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sympy

from . import signs
from .errors import ShapeError
from .expressions import as_expr
from .results_types import Constraint
from .rules import check_or_keep
from .sizes import ROUNDINGS, canonical, powsimp, same_size
from .text import expr_text, shape_text
from .values import Tensor



@dataclass(frozen=True)
class WholeSize:
    """A stated size that must be a whole number, and how to rewrite any
    expression under that assumption: `target` (a symbol such as H, or a power
    such as 2**i) is what the size, written m, determines."""
    size: sympy.Expr
    target: sympy.Expr
    solution: sympy.Expr      # target's value in terms of `whole`
    whole: sympy.Dummy

    def simplify(self, expr):
        """expr with the size taken to be whole: floor(1/2 + H/2**(i+1)) becomes H/2**(i+1)."""
        expr = as_expr(expr)
        if not expr.has(*ROUNDINGS) or not expr.free_symbols & self.target.free_symbols:
            return expr     # only roundings change: the rest reads the same after the round trip
        rewritten = powsimp(_substitute(expr, self.target, self.solution))
        return signs.substitute(rewritten, {self.whole: self.size})


def match_shapes(computed: tuple, stated: tuple, index=None):
    """None if the shapes differ; otherwise the stated sizes that must be whole
    numbers for them to be equal (WholeSize; none when they are equal outright)."""
    if len(computed) != len(stated):
        return None
    conditions = []
    for a, b in zip(computed, stated):
        a, b = as_expr(a), as_expr(b)
        if same_size(a, b):
            continue
        condition = _match_if_whole(a, b, index)
        if condition is None:
            return None
        conditions.append(condition)
    return conditions


def _match_if_whole(computed, stated, index):
    """A WholeSize if the two are equal whenever the stated size is a whole number.
    The size must be k * t or k / t for some t it determines: a symbol (H / 2**(i+1)
    determines H) or a power of the index (64 / 2**(i+1) determines 2**i)."""
    if stated.is_integer:
        return None
    whole = sympy.Dummy("m", integer=True, positive=True)
    for target in _targets(stated, index):
        placeholder = sympy.Dummy("t", positive=True)
        coefficient, power = _substitute(stated, target, placeholder).as_independent(placeholder, as_Add=False)
        if coefficient.has(placeholder) or coefficient == 0:
            continue
        if power == placeholder:
            solution = whole / coefficient
        elif power == 1 / placeholder:
            solution = coefficient / whole
        else:
            continue
        if same_size(_substitute(computed, target, solution), whole):
            return WholeSize(stated, target, solution, whole)
    return None


def _targets(stated, index):
    symbols = sorted((s for s in stated.free_symbols - {index} if s.is_integer), key=lambda s: s.name)
    powers = []
    if index is not None:
        for power in stated.atoms(sympy.Pow):
            if power.base.is_Integer and power.exp.has(index):
                powers.append(power.base ** index)
    return [*symbols, *dict.fromkeys(powers)]


def _substitute(expr, target, value):
    """Replace a symbol, or every power of the index's base (2**(-i-1) -> 1/(2 t))."""
    if target.is_Symbol:
        return signs.substitute(expr, {target: value})
    return expr.subs(target, value)


# ---- the repeat ------------------------------------------------------------------------------------

def _rewriter(rewrites):
    """The rewrites one after another, each distinct size once: neighbouring rows and their
    weights repeat the same sizes."""
    done = {}

    def rewrite(expr):
        if expr not in done:
            result = expr
            for step in rewrites:
                result = step(result)
            done[expr] = result
        return done[expr]
    return rewrite


def _collapse_roundings(expr):
    return canonical(expr) if expr.has(sympy.floor, sympy.ceiling) else expr


def _whole_size_rule(size):
    return lambda: f"the stage size {expr_text(size)} must be a whole number for the iterations' shapes to chain"


@dataclass(frozen=True)
class StageEntry:
    """What entering an iteration gives: its stated input, how to rewrite the finished
    pass's rows (None: as they are), and the rules it leaves open."""
    stated: Tensor
    rewrite: Callable | None
    constraints: tuple


@dataclass(frozen=True)
class Stage:
    """`repeat COUNT as i, input (...)`: the input shape the user states for iteration i."""
    label: str                # `repeat S as i`, for messages
    var: str
    span: Any                 # the stated input's, for errors
    index: sympy.Symbol
    sizes: tuple
    layout: str | None
    producer: str
    shown: Callable           # a tensor -> its shape as results report it (the convention's layout)

    def at(self, iteration) -> Tensor:
        iteration = as_expr(iteration)
        return Tensor(tuple(signs.substitute(size, {self.index: iteration}) for size in self.sizes), self.layout,
                      self.producer)

    def enter(self, computed: Tensor, iteration, last=None) -> StageEntry:
        """The stated input of `iteration`, once `computed` (the tensor entering the repeat,
        or the output of a pass) is checked against it. Sizes that match only as whole
        numbers become constraints, and the pass's rows are to be rewritten under them, so
        that sums over i keep a closed form. A generic pass (`last` = COUNT-1) records its
        constraints where they are strongest, at i = last."""
        stated = self.at(iteration)
        shown_stated, shown_computed = self.shown(stated), self.shown(computed)
        conditions = match_shapes(shown_computed, shown_stated, self.index)
        if conditions is None:
            self._mismatch(shown_computed, shown_stated, iteration, last)
        # A pass's own sizes with nested roundings collapsed (exact): ceil(H/2**(i+1)), not
        # floor(ceil(H/2**i)/2 + 1/2), in its rows and in sums that stay sums; then each
        # size taken to be whole as the conditions require.
        rewrites = [_collapse_roundings] if last is not None or iteration != 0 else []
        rewrites += [condition.simplify for condition in conditions]
        pending = []
        for condition in conditions:
            size = condition.size if last is None else signs.substitute(condition.size, {self.index: last})
            check_or_keep(Constraint("integer", size, self.label, _whole_size_rule(size), self.span), pending)
        return StageEntry(stated, _rewriter(rewrites) if rewrites else None, tuple(pending))

    def _mismatch(self, computed, stated, iteration, last):
        var = self.var
        if last is not None:
            source, label = f"iteration {var}", f"{var} + 1"
        else:
            source = "the tensor entering the repeat" if iteration == 0 else f"iteration {iteration - 1}"
            label = str(iteration)
        found = shape_text(tuple(canonical(d) for d in computed))
        raise ShapeError(
            f"{self.label}: {source} gives {found}, but the stated input of iteration {label} is "
            f"{shape_text(stated)}; state each size as the layers compute it (an exact quotient "
            f"such as H / 2**{var} matches on condition that it is a whole number)", self.span)
