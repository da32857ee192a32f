"""Values given from outside a file: a --set value, a value passed to the API (`subs`,
`values=`, the REPL). Text is parsed as an expression of the language, never sympified."""
from __future__ import annotations

import sympy

from . import rules
from .errors import ArgumentError, SymparamsError
from .evaluator import make_symbol
from .expressions import ExpressionEvaluator, is_expr
from .parser import parse_expression


def parse_value(text: str, declared: dict | None = None) -> sympy.Expr:
    """A --set value such as `64*h` or `1e9`: an expression over free symbols, built safely."""
    node = parse_expression(text)
    declared = declared or {}

    def resolve(name_node):
        return make_symbol(name_node.id, declared)
    try:
        value = ExpressionEvaluator(resolve)(node)
    except SymparamsError as err:
        raise err.located(text, None) from None
    if not is_expr(value):
        raise ArgumentError(f"expected a number or expression, found {value!r}", None, text)
    return value


def as_value(v, name: str = "a value") -> sympy.Expr:
    """A value given through the API (subs, values=, the REPL) as a SymPy expression:
    an int, a float (exact; NaN and infinities refused, rules.from_python), a SymPy object, or
    text parsed as an expression of the language. Misuse raises TypeError, an impossible
    number ValueError, as the API does everywhere."""
    if isinstance(v, str):
        try:
            value = parse_value(v)
        except SymparamsError as err:
            raise ValueError(f"{name} = {v!r}: {err.message}") from None
        return rules.from_python(value, name)
    return rules.from_python(v, name)
