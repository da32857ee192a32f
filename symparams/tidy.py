"""The one tidy form of a figure, and the budget that keeps tidying cheap.

A figure is shown (and returned by `net.params`, `net.macs`, ...) in the form authors write:
with symbolic repeat counts, expanded and collected by those counts
(`L*(12*d**2 + 13*d) + T*d + V*d + 2*d`); without, as the layers' terms add up. A sum of one
pass's terms (a row, a block's rows) has its common factors pulled out (`d*(12*d + 13)`).

SymPy's expand, collect and factor_terms can take minutes on a large expression (twelve
layers whose width squares each time make a polynomial of degree 4096), so each step runs only
while the expression is within a budget of tree nodes; past it the expression is kept as built."""
from __future__ import annotations

import sympy

NODE_BUDGET = 1500       # tree nodes (about 600 operations): past this, a figure is shown as built
FACTOR_BUDGET = 150      # factor_terms is slow on long products of sums: one pass's figure past this stays as built


def within_budget(expr, budget: int = NODE_BUDGET) -> bool:
    """True when `expr` has at most `budget` tree nodes. Stops counting at the budget: cheap on any
    expression, however large."""
    if not isinstance(expr, sympy.Basic):
        return True
    for n, _ in enumerate(sympy.preorder_traversal(expr)):
        if n >= budget:
            return False
    return True


def tidy(expr, counts=()) -> sympy.Expr:
    """A figure in the form authors write: with symbolic repeats (`counts`, the symbols of
    `repeat L:`), expanded and collected by their counts; without, as it is. Expanding is kept
    only when it does not blow the expression up."""
    if not isinstance(expr, sympy.Basic) or not within_budget(expr):
        return expr
    counts = [c for c in counts if c in expr.free_symbols]
    if not counts:
        return expr
    size = sympy.count_ops(expr)
    expanded = sympy.expand(expr)
    if not within_budget(expanded) or sympy.count_ops(expanded) > 3 * size + 20:
        return expr
    return sympy.collect(expanded, counts)


def factored(expr) -> sympy.Expr:
    """One pass's figure with common factors pulled out: `f*(C*k**2 + 1)`, not `C*f*k**2 + f`."""
    if not isinstance(expr, sympy.Basic) or not expr.free_symbols or not within_budget(expr, FACTOR_BUDGET):
        return expr
    return sympy.factor_terms(expr)


def factored_sum(terms) -> sympy.Expr:
    """Several passes' figures summed (a block's layers): expanded so that like terms merge,
    then common factors pulled out. A sum with floors stays as SymPy merged it."""
    total = sympy.Add(*terms)
    if not total.free_symbols or not within_budget(total) or not total.is_polynomial():
        return total
    expanded = sympy.expand(total)
    if within_budget(expanded) and sympy.count_ops(expanded) <= 2 * sympy.count_ops(total) + 10:
        total = expanded
    return factored(total)
