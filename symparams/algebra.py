"""Algebra on figures: tidy forms, expand/factor/collect, derivatives, leading terms, and solving
`figure(symbol) = target` for a symbol. Targeted rewrites (expand, factor, cancel) rather than
sympy.simplify, which is slow on large sums."""
from __future__ import annotations

from dataclasses import dataclass, replace

import sympy
from sympy.core.function import PoleError

from .errors import SymparamsError
from .text import expr_text

# Above this many operations, factor() and cancel() can take seconds: tidy() only expands.
_TIDY_LIMIT = 400


def _size(expr) -> tuple:
    return (sympy.count_ops(expr), len(str(expr)))


def tidy(expr) -> sympy.Expr:
    """The shortest of a few cheap equivalent forms: factor_terms, expand, cancel, factor.
    `(N + k**2)/(N*k**2)` becomes `1/N + 1/k**2`; `L*(12*d**2 + 13*d) + ...` keeps its factors."""
    if not isinstance(expr, sympy.Basic) or not expr.free_symbols:
        return sympy.nsimplify(expr) if isinstance(expr, sympy.Float) else expr
    candidates = [expr, sympy.factor_terms(expr), sympy.expand(expr)]
    if sympy.count_ops(expr) <= _TIDY_LIMIT:
        cancelled = sympy.cancel(expr)
        candidates += [cancelled, sympy.expand(cancelled), sympy.factor_terms(cancelled)]
        if not expr.has(sympy.floor, sympy.ceiling, sympy.Max, sympy.Min):
            candidates.append(sympy.factor(expr))
    return min(candidates, key=_size)


def expand(expr) -> sympy.Expr:
    return sympy.expand(expr)


def factor(expr) -> sympy.Expr:
    return sympy.factor(expr)


def collect(expr, symbol) -> sympy.Expr:
    """Powers of `symbol` with tidy coefficients: `12*L*d**2 + d*(13*L + T + V + 2)`."""
    return sympy.collect(sympy.expand(expr), symbol, func=sympy.factor_terms)


def diff(expr, symbol, order: int = 1) -> sympy.Expr:
    """∂expr/∂symbol, tidied: ∂params/∂L of a GPT is one block's parameters."""
    return tidy(sympy.diff(expr, symbol, order))


def degree(expr, symbol) -> int | None:
    """The polynomial degree in `symbol`, or None when the figure is not a polynomial in it."""
    try:
        return sympy.Poly(sympy.expand(expr), symbol).degree()
    except sympy.PolynomialError:
        return None


def _relax_floors(expr, symbol):
    """floor(a) and ceiling(a) ~ a when `a` grows with `symbol` (asymptotically equal)."""
    def grows(arg):
        d = degree(sympy.cancel(arg), symbol)
        return d is not None and d > 0
    return expr.replace(lambda e: isinstance(e, (sympy.floor, sympy.ceiling)) and grows(e.args[0]),
                        lambda e: e.args[0])


def leading_term(expr, symbol) -> sympy.Expr:
    """The dominant term as `symbol` -> oo: `12*L*d**2` for a GPT's params in d."""
    expr = _relax_floors(expr, symbol)
    if symbol not in expr.free_symbols:
        return expr
    num, den = sympy.fraction(sympy.cancel(sympy.together(expr)))
    try:
        pn, pd = sympy.Poly(num, symbol), sympy.Poly(den, symbol)
    except sympy.PolynomialError:
        pn = pd = None
    if pn is not None:
        n_lead = sympy.factor_terms(pn.LC()) * symbol ** pn.degree()
        d_lead = sympy.factor_terms(pd.LC()) * symbol ** pd.degree()
        return tidy(n_lead / d_lead)
    exponential = _exponential_leading_term(expr, symbol)
    if exponential is not None:
        return tidy(exponential)
    t = sympy.Dummy("t", positive=True)
    try:
        term = expr.xreplace({symbol: 1 / t}).as_leading_term(t)
    except PoleError:
        # SymPy's series cannot expand an exponential around infinity, and the figure is no sum of
        # c * S**k * b**S terms (a floor or an open Sum in the exponent's company)
        raise SymparamsError(f"cannot find the leading term as {symbol} grows: the figure is exponential in "
                             f"{symbol} (such as 2**{symbol}) and not a sum of terms c*{symbol}**k*b**{symbol}") from None
    except (NotImplementedError, ValueError, TypeError) as err:
        raise SymparamsError(f"cannot find the leading term of {expr} as {symbol} grows: {err}") from None
    return tidy(term.xreplace({t: 1 / symbol}))


def _exponential_leading_term(expr, symbol):
    """A stage model's closed form is a sum of terms c * S**k * b**S (b > 0 a number, c free of S):
    as S grows the terms of the largest b, then the largest k, win; their sum is the leading term
    unless it is identically 0 (then the next class). None when the figure is not such a sum."""
    if not any(p.exp.has(symbol) for p in expr.atoms(sympy.Pow)):
        return None
    classes = {}
    for term in sympy.Add.make_args(sympy.expand(sympy.expand_power_exp(expr))):
        growth = _growth(term, symbol)
        if growth is None:
            return None
        classes.setdefault(growth, []).append(term)
    order = sorted(classes, key=lambda g: (g[0], g[1]), reverse=True)
    for growth in order:
        total = sympy.Add(*classes[growth])
        if sympy.expand(total) != 0:
            return total
    return sympy.Integer(0)


def _growth(term, symbol):
    """(b, k) for c * S**k * b**S, or None."""
    base, power = sympy.Integer(1), sympy.Integer(0)
    for factor in sympy.Mul.make_args(term):
        if not factor.has(symbol):
            continue
        if factor == symbol:
            power += 1
        elif factor.is_Pow and factor.base == symbol and factor.exp.is_Rational:
            power += factor.exp
        elif factor.is_Pow and factor.base.is_number and factor.base.is_positive and \
                sympy.degree(factor.exp, symbol) == 1 and not (factor.exp - factor.exp.coeff(symbol) * symbol).has(symbol):
            rate = factor.exp.coeff(symbol)
            if not rate.is_number:
                return None
            base *= factor.base ** rate
        else:
            return None
    return base, power


# ---- solving ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Solution:
    """The positive real roots of figure(symbol) = target."""
    symbol: sympy.Symbol
    target: sympy.Expr
    exact: tuple            # exact roots (radicals, CRootOf, or symbolic expressions)
    numeric: tuple          # their floating values (empty when the roots are symbolic)
    note: str = ""
    multiple: int = 1       # `rounded` is a multiple of this (e.g. 16 when d/16 must be whole)
    reasons: tuple = ()     # why: the size rules that ask for it, or the caller's request

    @property
    def root(self):
        """The root: the only one, or the smallest positive one."""
        if not self.exact:
            raise SymparamsError(f"no positive real {self.symbol} gives {self.target}")
        return self.exact[0]

    @property
    def value(self) -> float:
        if not self.numeric:
            raise SymparamsError(f"the root for {self.symbol} is symbolic: {self.root}")
        return self.numeric[0]

    @property
    def rounded(self) -> int:
        self.value                      # refuses a symbolic root
        return self.round(self.root)

    def round(self, value: float) -> int:
        """The whole value nearest `value` that the model allows: the nearest multiple of
        `multiple`, and at least one multiple (a size is never 0)."""
        # From the exact root when given one: a float has 16 digits, and 400000000000000003 has 18.
        nearest = (value if isinstance(value, sympy.Basic) else sympy.Float(value, 30)) / self.multiple
        if not nearest.is_Rational:
            nearest = sympy.N(nearest, 60)
        return self.multiple * max(1, int(sympy.floor(nearest + sympy.Rational(1, 2))))


def required_multiple(constraints, symbol) -> tuple[int, tuple]:
    """The step the model's divisibility rules put on `symbol`, and those rules: a rule
    `d/16 must be whole` (MultiHeadAttention's key_dim with h = 16) makes d a multiple of 16."""
    step, reasons = 1, {}
    for constraint in constraints:
        expr = constraint.expr
        if constraint.kind != "integer" or expr.free_symbols != {symbol}:
            continue
        coefficient = expr / symbol
        if coefficient.is_Rational and coefficient.q > 1:
            step = sympy.ilcm(step, coefficient.q)
            reason, here = constraint.description, expr_text(expr)
            reasons.setdefault(reason if here in reason else f"{reason} (here {here})", None)
    return int(step), tuple(reasons)


def _free(expr):
    return expr.free_symbols if isinstance(expr, sympy.Basic) else set()


def solve(expr, symbol, target, multiple: int = 1, reasons: tuple = ()) -> Solution:
    """`solve_roots`, with whole values rounded to a multiple of `multiple` (see Solution.rounded)."""
    return replace(solve_roots(expr, symbol, target), multiple=multiple, reasons=tuple(reasons))


def solve_roots(expr, symbol, target) -> Solution:
    """Positive real solutions of expr = target for `symbol`. With every other symbol given,
    a polynomial gives exact roots (radicals up to degree 4, CRootOf above) and their values;
    floor/ceiling are relaxed to their arguments (the note says so). With other symbols
    still free, the roots are formulas in them."""
    note = ""
    relaxed = _relax_floors(expr, symbol)
    if relaxed != expr:
        note = "floor/ceiling relaxed to their arguments; check the integer neighbours"
        expr = relaxed
    if expr.has(sympy.floor, sympy.ceiling):
        raise SymparamsError(f"cannot solve for {symbol}: the figure has floor/ceiling in it that do not "
                             f"grow with {symbol}")
    # Solve for a real unknown: the model's symbol is an integer, and sympy.solve would keep
    # only integer roots.
    x = sympy.Dummy(symbol.name, positive=True)
    equation = sympy.together((expr - target).xreplace({symbol: x}))
    numerator = sympy.fraction(equation)[0]
    others = (_free(numerator) - {x})
    if x not in _free(numerator):
        raise SymparamsError(f"the figure does not depend on {symbol}")
    if others:
        roots = sympy.solve(numerator, x)
        keep = [r for r in roots if r.is_negative is not True and r.is_extended_real is not False]
        positive = [r for r in keep if r.is_positive]
        return Solution(symbol, target, tuple(tidy(r) for r in (positive or keep)), (), note)
    real = sympy.Dummy(symbol.name)          # no assumptions: every root is seen, then filtered
    numerator = numerator.xreplace({x: real})
    symbol_out, symbol = symbol, real
    try:
        poly = sympy.Poly(sympy.expand(numerator), symbol)
    except sympy.PolynomialError:
        poly = None
    if poly is not None and poly.degree() <= 4:
        roots = sympy.solve(poly.as_expr(), symbol)
    elif poly is not None:
        roots = poly.real_roots()
    else:
        roots = _numeric_roots(numerator, symbol)
    found = []
    for r in roots:
        value = complex(sympy.N(r, 30))
        if abs(value.imag) <= 1e-9 * max(1.0, abs(value.real)) and value.real > 0:
            found.append((value.real, r))
    found.sort(key=lambda pair: pair[0])
    return Solution(symbol_out, target, tuple(r for _, r in found), tuple(v for v, _ in found), note)


def _numeric_roots(expr, symbol):
    """nsolve from a few starting points, for figures that are not polynomials (exp, log, sqrt)."""
    roots = []
    for start in (1, 10, 100, 10**3, 10**4, 10**6):
        try:
            r = sympy.nsolve(expr, symbol, start, prec=30)
        except (ValueError, ZeroDivisionError):   # no root near this start
            continue
        if all(abs(r - other) > 1e-9 * abs(r) for other in roots):
            roots.append(r)
    return roots
