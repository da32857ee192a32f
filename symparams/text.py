"""Expressions as text: SymPy's str() syntax, one way for messages and printers."""
from __future__ import annotations

from functools import lru_cache

import sympy
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from .expressions import as_expr


def expr_text(expr) -> str:
    """SymPy's str() syntax; a whole number as its plain digits."""
    return _text(as_expr(expr))


@lru_cache(maxsize=8192)
def _text(expr) -> str:
    # Printing is the slowest step of a summary, and neighbouring layers share their
    # shapes: ResNet50's JSON prints 759 expressions, most of them several times.
    return str(int(expr)) if expr.is_Integer else _TEXT.doprint(expr)


def shape_text(shape, show=None) -> str:
    """A shape in the language's syntax: `(H, W, 3)`, `(d,)`. `show` writes one size
    (default: expr_text); the one writer of this syntax for messages, printers and the API."""
    items = [(show or expr_text)(d) for d in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def shapes_text(shapes) -> str:
    """Several shapes (a layer's outputs), comma-separated."""
    return ", ".join(shape_text(s) for s in shapes)


def author_fraction(product):
    """H * 2**(-i - 3), a stage's size, as the fraction an author writes: (sign, H, 2**(i + 3)).
    None unless the product has a factor with a negative symbolic exponent."""
    if not any(f.is_Pow and not f.exp.is_number and (f.exp.is_negative or f.exp.could_extract_minus_sign())
               for f in product.args):
        return None
    sign = "-" if product.could_extract_minus_sign() else ""
    numerator, denominator = sympy.fraction(-product if sign else product)
    if denominator == 1:
        return None
    return sign, numerator, sympy.powsimp(denominator)     # 2*2**i as 2**(i + 1)


class _TextPrinter(StrPrinter):
    """str() syntax, with a stage's size H * 2**(-i - 3) written as H/2**(i + 3).
    A subexpression is printed once: a width that squares itself layer after layer holds its
    previous width many times over, a layer's MACs hold its output size, and SymPy orders an
    Add's terms anew each time (0.5 ms for a sum of two 400-bit fractions)."""
    _MEMO_SIZE = 20_000

    def __init__(self):
        super().__init__()
        self._memo = {}

    def _print(self, expr, **kwargs):
        if kwargs or not isinstance(expr, sympy.Basic) or not expr.args:
            return super()._print(expr, **kwargs)
        text = self._memo.get(expr)
        if text is None:
            if len(self._memo) > self._MEMO_SIZE:
                self._memo.clear()
            text = self._memo[expr] = super()._print(expr)
        return text

    def _as_ordered_terms(self, expr, order=None):
        """SymPy's order of a sum's terms depends on their monomials alone (the coefficients only
        break ties, and a sum has no two equal monomials). For a linear sum, H/2**400 + (2**400 - 1)/2**400
        after 400 strided layers, the order is found on the monomials with unit coefficients: SymPy
        converts every coefficient to a complex float to sort, a millisecond per huge fraction."""
        parts = [term.as_coeff_Mul() for term in expr.args] if expr.is_Add and order is None else ()
        if parts and all(c.is_Rational and (m is sympy.S.One or m.is_Symbol) for c, m in parts) and \
                any(_bits(c) > 64 for c, _ in parts):
            by_monomial = {m: term for (c, m), term in zip(parts, expr.args)}
            return [by_monomial[m] for m in sympy.Add(*by_monomial).as_ordered_terms()]
        return super()._as_ordered_terms(expr, order)

    def _print_Mul(self, expr):
        fraction = author_fraction(expr)
        if fraction is None:
            return super()._print_Mul(expr)
        sign, numerator, denominator = fraction
        # (a + b)/c and a*b/(c*d): StrPrinter's `strict` means "only below this level".
        return (sign + self.parenthesize(numerator, PRECEDENCE["Mul"], strict=True) + "/" +
                self.parenthesize(denominator, PRECEDENCE["Mul"]))


def _bits(number) -> int:
    return max(abs(number.p).bit_length(), number.q.bit_length())


_TEXT = _TextPrinter()
