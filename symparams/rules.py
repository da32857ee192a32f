"""The size rules, written once (LANGUAGE.md §3.1). Every place a number becomes a size asks
here: a layer's arguments (catalog/base.py's kinds), `input` shapes, repeat counts, values
given from outside (`--set`, `subs`, `with_defaults`, `sweep`, `plot`, `solve`, `eval_layer`).

- a size (widths, kernels, strides, dilations, groups, depth multipliers, up-sampling
  factors, every computed shape) is a positive whole number;
- an amount (padding, cropping, output_padding, proj_size) and a repeat count are whole, >= 0;
- a rate (dropout) lies in [0, 1);
- every value is a finite real number of at most MAX_RESULT_DIGITS digits.

A value the rule refuses is refused where it is written. A symbolic value that may break
the rule (`n - 5`) is kept as a condition (results_types.Constraint: kind, expression),
shown in the summary (`requires: n > 5`) and checked again when numbers are substituted.
This module decides; its callers raise the error their layer uses.

The second half words a broken rule (a Constraint), one way whether it breaks as written or
once numbers are substituted, and checks a rule now or keeps it open."""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import sympy

from . import limits, signs
from .text import expr_text


@dataclass(frozen=True)
class Rule:
    noun: str          # "a size"
    wording: str       # "a positive whole number"
    minimum: int | None  # the least whole value allowed; None: a rate in [0, 1)


SIZE = Rule("a size", "a positive whole number", 1)
AMOUNT = Rule("an amount", "a whole number >= 0", 0)
COUNT = Rule("a repeat count", "a whole number >= 0", 0)
RATE = Rule("a rate", "a number in [0, 1)", None)
INDEX = Rule("an index", "a whole number", None)   # axes and dims: any sign


def describe_rule(rule: Rule) -> str:
    return f"{rule.noun} ({rule.wording})"


def number_problem(value) -> str | None:
    """Why a number is no value at all (NaN, an infinity, complex, too many digits), or None."""
    if not isinstance(value, sympy.Basic):
        return None
    if value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return f"{_short(value)} (not a finite number)"
    if value.is_number and value.is_real is False:
        return f"{_short(value)} (not a real number)"
    if value.is_Rational and max(value.p.bit_length(), value.q.bit_length()) > _MAX_BITS:
        return f"a number of more than {limits.MAX_RESULT_DIGITS} digits (limit: MAX_RESULT_DIGITS)"
    return None


_MAX_BITS = int(limits.MAX_RESULT_DIGITS * math.log2(10)) + 1


def problem(value, rule: Rule) -> str | None:
    """What is wrong with `value` under `rule` when that is already decided, else None."""
    bad = number_problem(value)
    if bad is not None:
        return bad
    if not isinstance(value, sympy.Expr):
        return None
    if rule is RATE:
        if value.is_number and not (0 <= value < 1):
            return f"{_short(value)} is not in [0, 1)"
        return None
    if signs.is_integer(value) is False and (value.is_number or rule is not INDEX):
        return f"{_short(value)} is not a whole number"
    if rule.minimum is not None and signs.is_negative(value - rule.minimum):
        return f"{_short(value)} is {'negative' if signs.is_negative(value) else 'zero'}"
    return None


def refusal(value, rule: Rule) -> str | None:
    """A whole message for a refused value: 'expected a size (a positive whole number), found -4'."""
    bad = problem(value, rule)
    if bad is None:
        return None
    if number_problem(value) is not None:
        return f"expected {describe_rule(rule)}, found {bad}"
    return f"expected {describe_rule(rule)}, found {_short(value)}"


def became(what: str, value, rule: Rule) -> str | None:
    """After a substitution: 'an output size becomes 1/2, which is not a positive whole number'."""
    bad = problem(value, rule)
    if bad is None:
        return None
    if number_problem(value) is not None:
        return f"{what} becomes {bad}"
    return f"{what} becomes {_short(value)}, which is not {rule.wording}"


def conditions(value, rule: Rule) -> list[tuple[str, sympy.Expr]]:
    """What a symbolic value must meet once numbers are known, as (kind, expression) with the
    kinds results_types.Constraint takes ('positive', 'integer', 'nonnegative'). Kept even when
    the symbols' assumptions decide them: subs(n=0.5) must not slip past `n` being declared whole."""
    if not isinstance(value, sympy.Expr) or value.is_number or rule is INDEX:
        return []
    if rule is RATE:
        return [("nonnegative", value), ("positive", 1 - value)]
    return [("integer", value), ("positive" if rule.minimum == 1 else "nonnegative", value)]


def pending(value, rule: Rule) -> list[tuple[str, sympy.Expr]]:
    """The conditions the symbols' assumptions leave undecided (`n - 5 > 0`)."""
    return [(kind, expr) for kind, expr in conditions(value, rule) if signs.decide(expr, kind) is None]


def condition_text(kind: str, expr) -> str:
    """A pending condition as a reader writes it: `n > 5`, `H > k - 1`, `d/h whole`."""
    if kind == "integer":
        return f"{expr_text(expr)} whole"
    terms = sympy.Add.make_args(sympy.expand(expr)) if expr.is_Add else (expr,)
    left = [t for t in terms if not t.is_number and not t.could_extract_minus_sign()]
    right = -sympy.Add(*[t for t in terms if t not in left])
    if not left:
        left, right = [expr], sympy.Integer(0)
    sign = ">" if kind == "positive" else ">="
    return f"{expr_text(sympy.Add(*left))} {sign} {expr_text(right)}"


def from_python(value, name: str = "a value") -> sympy.Expr:
    """A number given through the API (int, float, numpy scalar, SymPy) as an exact SymPy
    number; ValueError for NaN, infinities and too many digits, TypeError for what is no number.
    Floats are exact: 0.5 is 1/2, 1e9 is 1000000000; a float is a size only when whole."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number or expression, not a bool")
    if isinstance(value, numbers.Integral):
        out = sympy.Integer(int(value))
    elif isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{name}: expected a finite number, found {number}")
        out = sympy.Integer(int(number)) if number.is_integer() else sympy.Rational(repr(number))
    elif isinstance(value, sympy.Basic):
        out = value
    else:
        raise TypeError(f"{name} must be a number or expression, not {type(value).__name__}")
    bad = number_problem(out)
    if bad is not None:
        raise ValueError(f"{name}: expected a finite number, found {bad}")
    return out


def _short(value) -> str:
    if isinstance(value, sympy.Integer) and value.p.bit_length() > 200:
        return f"a number of {len(str(abs(value.p))) if value.p.bit_length() < 40_000 else 'many'} digits"
    text = expr_text(value) if isinstance(value, sympy.Basic) else str(value)
    return text if len(text) <= 60 else text[:28] + "..." + text[-12:]


# ---- how a broken rule reads ----------------------------------------------------------------------

def broken_rule_message(constraint, value, point=(), substituted: bool = False) -> str:
    """`layer: what is VALUE, which is not positive`; `point` gives the repeat indices it
    breaks at (`at i = 2`); `substituted`: VALUE comes from numbers given later."""
    where = "".join(f" at {index} = {at}" for index, at in point)
    head = f"{constraint.layer}: {constraint.description}"
    if constraint.kind == "integer":
        return f"{head} (it comes to {expr_text(value)}{where})"
    verb = "becomes" if substituted else "is"
    broken = "which is negative" if constraint.kind == "nonnegative" else "which is not positive"
    return f"{head} {verb} {expr_text(value)}{where}, {broken}"


def check_or_keep(constraint, pending: list):
    """Raise the rule's ConstraintError now if it is already broken; keep it in `pending`
    while the symbols leave it open."""
    def message():
        point, value = constraint.violation()
        return broken_rule_message(constraint, value, point)
    constraint.enforce(pending, message)
