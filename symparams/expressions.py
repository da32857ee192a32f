"""Expressions (§5) built into SymPy straight from the AST, with bounds on size.
Nothing here reads text: numbers arrive as Fractions from the parser."""
from __future__ import annotations

import math
from typing import Callable

import sympy
from sympy import Integer, Rational

from . import ast, limits
from .errors import ArgumentError, LimitError
from .values import BlockSpec, LayerSpec, SharedLayer, Tensor

LITERALS = {"true": True, "True": True, "false": False, "False": False, "none": None, "None": None}
FUNCTIONS = ("floor", "ceil", "min", "max", "sqrt", "log", "exp", "shape")

Resolver = Callable[[ast.Name], object]
CallHook = Callable[[ast.Call], object]


def describe(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "none"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, tuple):
        return "a tuple"
    if isinstance(value, Tensor):
        return "a tensor"
    if isinstance(value, LayerSpec):
        return f"a layer call ({value.definition.name})"
    if isinstance(value, BlockSpec):
        return f"a block call ({value.definition.name})"
    if isinstance(value, sympy.Basic):
        return "a number" if value.is_number else "an expression"
    if isinstance(value, SharedLayer):
        return f"the shared layer {value.name}"
    return "a value of another kind"


def check_size(value, span):
    """Refuse integers too large to print or compute with."""
    if isinstance(value, sympy.Integer) and value.p.bit_length() > limits.MAX_RESULT_DIGITS * 3.33:
        raise LimitError(f"a number here has more than {limits.MAX_RESULT_DIGITS} digits", span)
    if isinstance(value, sympy.Rational) and not isinstance(value, sympy.Integer):
        if max(value.p.bit_length(), value.q.bit_length()) > limits.MAX_RESULT_DIGITS * 3.33:
            raise LimitError(f"a number here has more than {limits.MAX_RESULT_DIGITS} digits", span)
    return value


def _numeric(value, node, what="an arithmetic operand"):
    if isinstance(value, sympy.Expr) and not isinstance(value, bool):
        return value
    raise ArgumentError(f"expected a number or expression as {what}, found {describe(value)}", node.span)


def _power(base, exponent, span):
    if exponent.is_number and base.is_number:
        if exponent.is_integer and not base.is_zero and abs(exponent) > 0:
            magnitude = abs(base)
            if magnitude != 1:
                digits = float(abs(exponent)) * abs(math.log10(float(magnitude))) if magnitude.is_finite else math.inf
                if digits > limits.MAX_RESULT_DIGITS:
                    raise LimitError(f"{base}**{_short(exponent)} would have about {digits:.3g} digits "
                                     f"(limit: {limits.MAX_RESULT_DIGITS})", span)
    if exponent.is_number and abs(exponent) > limits.MAX_EXPONENT and not (base.is_number and abs(base) in (0, 1)):
        raise LimitError(f"exponent {_short(exponent)} is too large (limit: {limits.MAX_EXPONENT})", span)
    return sympy.Pow(base, exponent)


def _short(value) -> str:
    text = str(value)
    return text if len(text) < 30 else text[:12] + "..." + text[-6:]


_SIGNS = {"==": lambda e: e.is_zero, "!=": lambda e: None if e.is_zero is None else not e.is_zero,
          ">": lambda e: e.is_positive, ">=": lambda e: e.is_nonnegative,
          "<": lambda e: e.is_negative, "<=": lambda e: e.is_nonpositive}
_PROOF_BUDGET = 200     # operations: factor() on a larger difference could take long


def _proved(value):
    """A relation SymPy left open, settled by the sign of lhs - rhs, expanded or factored
    (c*c >= c holds for every positive integer c: c*(c - 1) >= 0)."""
    if isinstance(value, sympy.core.relational.Relational):
        difference = sympy.expand(value.lhs - value.rhs)
        forms = [difference]
        if sympy.count_ops(difference) <= _PROOF_BUDGET:
            forms.append(sympy.factor(difference))
        for form in forms:
            sign = _SIGNS[value.rel_op](form)
            if sign is not None:
                return sympy.true if sign else sympy.false
        return value
    if isinstance(value, (sympy.And, sympy.Or, sympy.Not)):
        return value.func(*(_proved(arg) for arg in value.args))
    return value


def _condition_text(value) -> str:
    """A condition as the language writes it: `s == 1 and c_in == c`, not SymPy's `Eq(s, 1) & ...`."""
    if isinstance(value, sympy.core.relational.Relational):
        return f"{value.lhs} {value.rel_op} {value.rhs}"
    if isinstance(value, sympy.Not):
        return f"not ({_condition_text(value.args[0])})"
    if isinstance(value, (sympy.And, sympy.Or)):
        word = " and " if isinstance(value, sympy.And) else " or "
        return word.join(f"({_condition_text(a)})" if isinstance(a, (sympy.And, sympy.Or)) else _condition_text(a)
                         for a in value.args)
    return str(value)


_RELATIONS = {"==": sympy.Eq, "!=": sympy.Ne, "<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge}


def number(node: ast.Number):
    frac = node.value
    return Integer(frac.numerator) if frac.denominator == 1 else Rational(frac.numerator, frac.denominator)


class ExpressionEvaluator:
    """Evaluates an AST expression. Names go to `resolve`; calls that are not the
    built-in functions go to `call_hook` (layer calls used as values)."""

    def __init__(self, resolve: Resolver, call_hook: CallHook | None = None):
        self.resolve = resolve
        self.call_hook = call_hook

    def __call__(self, node, depth: int = 0):
        if depth > limits.MAX_EXPR_DEPTH:
            raise LimitError(f"expression nested more than {limits.MAX_EXPR_DEPTH} deep", node.span)
        method = getattr(self, "_" + type(node).__name__)
        value = method(node, depth + 1)
        if isinstance(value, sympy.Basic):
            check_size(value, node.span)
        return value

    def _Number(self, node, depth):
        return number(node)

    def _String(self, node, depth):
        return node.value

    def _Compare(self, node, depth):
        left, right = self(node.left, depth), self(node.right, depth)
        if isinstance(left, str) and isinstance(right, str) and node.op in ("==", "!="):
            return (left == right) == (node.op == "==")
        left = _numeric(left, node.left, f"the left side of {node.op}")
        right = _numeric(right, node.right, f"the right side of {node.op}")
        return _RELATIONS[node.op](left, right)

    def _BoolOp(self, node, depth):
        values = [self.truth(operand, depth) for operand in node.operands]
        return {"and": sympy.And, "or": sympy.Or, "not": sympy.Not}[node.op](*values)

    def truth(self, node, depth: int = 0):
        """A condition's value: True, False, or a SymPy condition not yet decided."""
        value = self(node, depth)
        if isinstance(value, (bool, sympy.logic.boolalg.Boolean)):
            return sympy.true if value is True else sympy.false if value is False else value
        raise ArgumentError(f"expected a condition (a comparison, true or false), found {describe(value)}",
                            node.span)

    def decide(self, node) -> bool:
        """Whether a condition holds, from numbers or the symbols' assumptions; a condition
        that depends on values not given is an error naming it."""
        value = _proved(self.truth(node))
        if value in (sympy.true, sympy.false):
            return bool(value)
        names = ", ".join(sorted(s.name for s in value.free_symbols))
        raise ArgumentError(f"cannot decide {_condition_text(value)} without values for {names}: "
                            f"give them with --set (or subs before evaluation), or declare assumptions "
                            f"that settle it", node.span)

    def _Name(self, node, depth):
        if node.id in LITERALS:
            return LITERALS[node.id]
        return self.resolve(node)

    def _TupleExpr(self, node, depth):
        return tuple(self(item, depth) for item in node.items)

    def _Index(self, node, depth):
        target = self(node.target, depth)
        index = self(node.index, depth)
        if not isinstance(target, tuple):
            raise ArgumentError(f"only a tuple can be indexed, found {describe(target)}", node.target.span)
        if not (isinstance(index, sympy.Integer)):
            raise ArgumentError(f"a tuple index must be an integer, found {describe(index)} {index}", node.index.span)
        i = int(index)
        if not -len(target) <= i < len(target):
            raise ArgumentError(f"index {i} is out of range for a tuple of {len(target)} items", node.index.span)
        return target[i]

    def _UnaryOp(self, node, depth):
        value = _numeric(self(node.operand, depth), node.operand)
        return -value if node.op == "-" else value

    def _BinOp(self, node, depth):
        left = self(node.left, depth)
        right = self(node.right, depth)
        if node.op == "+" and isinstance(left, tuple) and isinstance(right, tuple):
            return left + right
        left = _numeric(left, node.left)
        right = _numeric(right, node.right)
        op = node.op
        if op in ("/", "//", "%") and right.is_zero:
            raise ArgumentError("division by zero", node.right.span)
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            return left / right
        if op == "//":
            return sympy.floor(left / right)
        if op == "%":
            return sympy.Mod(left, right)
        if op == "**":
            if left.is_zero and right.is_negative:
                raise ArgumentError("division by zero (0 to a negative power)", node.span)
            return _power(left, right, node.span)
        raise AssertionError(op)

    def _Call(self, node, depth):
        if node.func in FUNCTIONS:
            return self._builtin(node, depth)
        if self.call_hook is None:
            raise ArgumentError(f"'{node.func}' is not a function here; functions are {', '.join(FUNCTIONS)}",
                                node.name_span)
        return self.call_hook(node)

    def _builtin(self, node, depth):
        for arg in node.args:
            if arg.keyword is not None:
                raise ArgumentError(f"{node.func}() takes no keyword arguments", arg.keyword_span or arg.span)
        if node.func == "shape":
            if len(node.args) != 1:
                raise ArgumentError(f"shape() takes one tensor name, found {len(node.args)} arguments", node.span)
            value = self(node.args[0].value, depth)
            if not isinstance(value, Tensor):
                raise ArgumentError(f"shape() takes a tensor, found {describe(value)}", node.args[0].span)
            return tuple(value.shape)
        values = [_numeric(self(a.value, depth), a.value, f"an argument of {node.func}()") for a in node.args]
        if node.func in ("min", "max"):
            if not values:
                raise ArgumentError(f"{node.func}() needs at least one argument", node.span)
            return (sympy.Min if node.func == "min" else sympy.Max)(*values)
        if len(values) != 1 and not (node.func == "log" and len(values) == 2):
            raise ArgumentError(f"{node.func}() takes one argument, found {len(values)}", node.span)
        if node.func == "floor":
            return sympy.floor(values[0])
        if node.func == "ceil":
            return sympy.ceiling(values[0])
        if node.func == "sqrt":
            return sympy.sqrt(values[0])
        if node.func == "exp":
            if values[0].is_number and abs(values[0]) > limits.MAX_EXPONENT:
                raise LimitError(f"exp() argument {values[0]} is too large", node.span)
            return sympy.exp(values[0])
        if node.func == "log":
            if any(v.is_zero for v in values):
                raise ArgumentError("log(0) is undefined", node.span)
            return sympy.log(*values)
        raise AssertionError(node.func)


def as_expr(value) -> sympy.Expr:
    """A Python int or a SymPy object as a SymPy expression. Never text: strings are
    refused, so nothing here can reach sympify's eval."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int or a SymPy expression, not {type(value).__name__}")
    return Integer(value)


def is_expr(value) -> bool:
    return isinstance(value, sympy.Expr) and not isinstance(value, bool)
