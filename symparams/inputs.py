"""Values given from outside a file: a --set value, a value passed to the API (`subs`,
`values=`, the REPL). Text is parsed as an expression of the language, never sympified."""
from __future__ import annotations

import sympy

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


def as_value(v) -> sympy.Expr:
    """A value given through the API (subs, values=, the REPL) as a SymPy expression:
    an int, a float, a SymPy object, or text parsed as an expression of the language.
    Misuse raises TypeError, as the API does everywhere."""
    if isinstance(v, bool):
        raise TypeError("a value must be a number or expression, not a bool")
    if isinstance(v, int):
        return sympy.Integer(v)
    if isinstance(v, float):
        return sympy.Integer(int(v)) if v.is_integer() else sympy.Rational(v)
    if isinstance(v, sympy.Basic):
        return v
    if isinstance(v, str):
        return parse_value(v)
    raise TypeError(f"a value must be a number or expression, not {type(v).__name__}")
