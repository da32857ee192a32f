"""When two sizes are equal: the one rule every shape check uses (merges, shared
layers, stage repeats, in_channels=, tie=, ...).

Sizes are compared after nested roundings are collapsed with identities that hold
for every real x, integer r and positive integer s:

    floor((floor(x) + r) / s) = floor((x + r) / s)
    ceil((ceil(x) + r) / s)   = ceil((x + r) / s)
    floor((ceil(x) + r) / s)  = ceil((x + r - s + 1) / s)
    ceil((floor(x) + r) / s)  = floor((x + r + s - 1) / s)

and ceil(p/s) is written floor((p + s - 1)/s) for an integer p: one form for both.
"""
from __future__ import annotations

import sympy

from . import signs
from .expressions import as_expr

ROUNDINGS = (sympy.floor, sympy.ceiling)
_ROUND = {sympy.floor: signs.floor, sympy.ceiling: signs.ceiling}   # without SymPy's slow sign tests


def decide_equal(a, b) -> bool | None:
    """True when a = b for every value of the symbols, False when a != b for every value,
    None while it depends on the values (a rule to keep until numbers are known)."""
    if a is b or a == b:
        return True     # the same expression (a residual block's two branches): nothing to rewrite
    difference = canonical(a) - canonical(b)
    if difference == 0:
        return True
    # No simplify(): it costs a quarter of a second on a pair that differs, as most tried pairs do.
    difference = sympy.expand(powsimp(difference))
    if difference == 0:
        return True
    if difference.is_zero is False or difference.is_number:
        return False
    return None


def same_size(a, b) -> bool:
    return decide_equal(a, b) is True


def shapes_equal(a, b) -> bool:
    return len(a) == len(b) and all(same_size(x, y) for x, y in zip(a, b))


def powsimp(expr):
    """sympy.powsimp(expr, deep=True) (2*2**i as 2**(i + 1)), with each floor and ceiling rebuilt
    by signs.floor/ceiling: SymPy would rebuild them with its slow sign tests."""
    expr = as_expr(expr)
    if not expr.has(*ROUNDINGS):
        return sympy.powsimp(expr, deep=True)
    if isinstance(expr, ROUNDINGS):
        return _ROUND[type(expr)](powsimp(expr.args[0]))
    return sympy.powsimp(expr.func(*[powsimp(a) for a in expr.args]))


def canonical(expr):
    """Nested roundings collapsed and powers merged, bottom-up."""
    expr = as_expr(expr)
    if not expr.args:
        return expr
    args = [canonical(arg) for arg in expr.args]
    rebuilt = _ROUND[expr.func](*args) if expr.func in _ROUND else expr.func(*args)
    if isinstance(rebuilt, ROUNDINGS):
        rebuilt = _collapse(rebuilt)
    return rebuilt


def _collapse(rounding, depth=0):
    if not isinstance(rounding, ROUNDINGS):
        return rounding     # SymPy evaluated it: floor(H/2 + 1) is floor(H/2) + 1
    outer = type(rounding)
    argument = powsimp(sympy.expand(rounding.args[0]))
    numerator, denominator = sympy.fraction(sympy.together(argument))
    if outer is sympy.ceiling and signs.is_integer(numerator) and denominator.is_Integer and denominator > 1:
        # ceil(p/s) = floor((p + s - 1)/s) for an integer p: one form for both.
        return canonical(_collapse(signs.floor((numerator + denominator - 1) / denominator), depth + 1))
    if not (denominator.is_Integer and denominator > 0) or depth > 8:
        return _ROUND[outer](argument)
    inner = [t for t in sympy.Add.make_args(numerator) if isinstance(t, ROUNDINGS)]
    if len(inner) != 1:
        return _ROUND[outer](argument)
    rest = numerator - inner[0]
    if signs.is_integer(rest) is not True:
        return _ROUND[outer](argument)
    x, s = inner[0].args[0], denominator
    if type(inner[0]) is outer:
        collapsed = _ROUND[outer]((x + rest) / s)
    elif outer is sympy.floor:
        collapsed = signs.ceiling((x + rest - s + 1) / s)
    else:
        collapsed = signs.floor((x + rest + s - 1) / s)
    return _collapse(collapsed, depth + 1) if isinstance(collapsed, ROUNDINGS) else canonical(collapsed)


