"""Whether a size expression is whole, positive, nonnegative or negative: decided from its
structure in time linear in its size, and asked of SymPy only when it is small.

SymPy's own answer (`expr.is_positive`, `expr.is_integer`) can expand a polynomial and look
for its real roots: minutes on a width that squares itself a dozen times
(`dense(shape(x)[-1] * (shape(x)[-1] + 1))`). Here a polynomial with integer coefficients in
integer symbols is whole by its structure, and a sign comes from interval bounds carried up
the tree (a positive whole symbol is >= 1, bounds of a sum add up, a whole number > 0 is
>= 1). What the structure leaves open is asked of SymPy only when the expression has at most
SYMPY_NODES nodes; past that the answer is None (undecided), which the callers keep as a
condition checked again by `subs`/`--set`: never an accepted size, never a hang.
"""
from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import sympy

SYMPY_NODES = 60        # nodes of an expression SymPy's assumptions may still look at
_MAX_BITS = 4096        # bounds are kept below 2**_MAX_BITS (a lower bound past it is lowered)
_HUGE = Fraction(2) ** _MAX_BITS


def decide(expr, attribute: str) -> bool | None:
    """`attribute` is 'integer', 'positive', 'nonnegative' or 'negative'. True or False when
    decided, None while the symbols' values decide it."""
    if not isinstance(expr, sympy.Basic):
        return None
    if expr.is_Integer:
        return getattr(expr, f"is_{attribute}")
    return _decide(expr, attribute)


@lru_cache(maxsize=8192)
def _decide(expr, attribute: str) -> bool | None:
    # a fact about an expression holds wherever it appears: the same size is asked about by the
    # argument rule, the layer's own checks and the next layer
    facts = _Facts()
    try:
        answer = _structural(facts, expr, attribute)
    except RecursionError:          # nested past Python's stack: SymPy's answer if small, else open
        answer = None
    facts.teach_sympy()
    # An open wholeness read from sums, products and powers of known parts is open for SymPy
    # too (H/2): asking it would only cost time. Signs may still yield to its root finding.
    if answer is None and (attribute != "integer" or facts.opaque) and _small(expr):
        return getattr(expr, f"is_{attribute}")
    return answer


def _structural(facts, expr, attribute):
    if attribute == "integer":
        return facts.whole(expr)
    low, high = facts.bounds(expr)
    at_least_zero = low is not None and low >= 0
    if attribute == "positive":
        return True if facts.positive(expr) else False if high is not None and high <= 0 else None
    if attribute == "nonnegative":
        return True if at_least_zero or facts.positive(expr) else False if high is not None and high < 0 else None
    return True if high is not None and high < 0 else False if at_least_zero or facts.positive(expr) else None


def is_integer(expr) -> bool | None:
    return decide(expr, "integer")


def is_positive(expr) -> bool | None:
    return decide(expr, "positive")


def is_nonnegative(expr) -> bool | None:
    return decide(expr, "nonnegative")


def is_negative(expr) -> bool | None:
    return decide(expr, "negative")


def floor(arg) -> sympy.Expr:
    """floor(arg) as SymPy evaluates it (whole terms taken out, a value the bounds fix
    returned), without SymPy's root-finding sign tests: 400 stride-2 layers nest a floor
    each, and SymPy spends seconds deciding 0 <= arg < 1 on each."""
    return _rounded(sympy.floor, arg)


def ceiling(arg) -> sympy.Expr:
    return _rounded(sympy.ceiling, arg)


def substitute(expr, mapping: dict) -> sympy.Expr:
    """expr.xreplace(mapping), with each floor and ceiling rebuilt by `floor`/`ceiling` above:
    putting a stage's index into floor(H/2**i) makes SymPy test the sign of every new floor."""
    memo = {}

    def walk(e):
        if e in mapping:
            return mapping[e]
        if not e.args:
            return e
        if e not in memo:
            args = tuple(walk(a) for a in e.args)
            if args == e.args:
                memo[e] = e
            elif isinstance(e, (sympy.floor, sympy.ceiling)):
                memo[e] = _rounded(type(e), args[0])
            else:
                memo[e] = e.func(*args)
        return memo[e]
    return walk(expr) if isinstance(expr, sympy.Basic) else expr


def _rounded(kind, arg):
    arg = arg if isinstance(arg, sympy.Basic) else sympy.Rational(arg)      # a Python int or Fraction
    if arg.is_number or is_integer(arg):
        return kind(arg)
    facts = _Facts()
    try:
        low, high = facts.bounds(arg)
        positive = facts.positive(arg)
    except RecursionError:
        return kind(arg)
    to_whole = math.floor if kind is sympy.floor else math.ceil
    if low is not None and high is not None and to_whole(low) == to_whole(high):
        return sympy.Integer(to_whole(low))
    if kind is sympy.ceiling and positive and high is not None and high <= 1:
        return sympy.Integer(1)
    whole, rest = [], []
    for term in sympy.Add.make_args(arg):
        (whole if is_integer(term) else rest).append(term)
    whole, rest = sympy.Add(*whole), sympy.Add(*rest)
    if rest.is_number or isinstance(rest, (sympy.floor, sympy.ceiling)):
        return whole + kind(rest)
    return whole + kind(rest, evaluate=False)


def _small(expr) -> bool:
    stack, nodes = [expr], 0
    while stack:
        nodes += 1
        if nodes > SYMPY_NODES:
            return False
        stack.extend(stack.pop().args)
    return True


class _Facts:
    """One question's memo: a subexpression shared many times is looked at once."""

    def __init__(self):
        self._memo = {}
        self.opaque = False     # wholeness met something unread, which SymPy may decide

    def _remember(self, kind, e, compute):
        key = (kind, e)
        if key not in self._memo:
            self._memo[key] = compute(e)
        return self._memo[key]

    def teach_sympy(self):
        """Hand what was decided to SymPy's own assumption cache: building `d * u` later asks
        `(d + 1).is_infinite`, and SymPy would find that out by expanding a huge polynomial.
        Only facts true for every value of the symbols are handed over (no conditions)."""
        for (kind, e), value in list(self._memo.items()):
            if kind != "bounds" or not e.is_Add:     # SymPy is slow on sums (it seeks their roots)
                continue
            known = {"finite": True, "real": True} if value != (None, None) else {}
            if self._memo.get(("whole", e)) is True:
                known["integer"] = True
            if self._memo.get(("positive", e)) is True:
                known["positive"] = True
            elif value[0] is not None and value[0] >= 0:
                known["nonnegative"] = True
            if known:
                _tell(e, known)

    def whole(self, e) -> bool | None:
        """True, False (a whole part plus a fraction), or None (open)."""
        return self._remember("whole", e, self._whole)

    def positive(self, e) -> bool:
        """True when e > 0 follows from the structure (False: not shown, not refuted)."""
        return self._remember("positive", e, self._positive)

    def bounds(self, e):
        """(low, high) as Fractions, None for unbounded."""
        return self._remember("bounds", e, self._bounds)

    def _whole(self, e):
        if e.is_Rational:
            return e.is_Integer
        if e.is_Number or e.is_Symbol:
            self.opaque = self.opaque or e.is_integer is None
            return e.is_integer
        if isinstance(e, (sympy.floor, sympy.ceiling)):
            return True
        if e.is_Add or e.is_Mul or isinstance(e, (sympy.Max, sympy.Min, sympy.Mod)):
            parts = [self.whole(a) for a in e.args]
            if all(parts):
                return True
            if e.is_Add and parts.count(True) == len(parts) - 1:
                odd = next(a for a, p in zip(e.args, parts) if p is not True)
                return False if odd.is_Rational else None     # whole + 1/2 is never whole
            return None
        if e.is_Pow and self.whole(e.base) and self.whole(e.exp):
            low, _ = self.bounds(e.exp)
            return True if low is not None and low >= 0 else None
        if not e.is_Pow:
            self.opaque = True          # a function this module does not read: SymPy may know it
        return None

    def _positive(self, e):
        low = self._raw_bounds(e)[0]
        if low is not None and low > 0:
            return True
        if e.is_Number or e.is_Symbol:
            return e.is_positive is True
        if e.is_Add:
            lows = [self.bounds(a)[0] for a in e.args]
            return all(low is not None and low >= 0 for low in lows) and any(self.positive(a) for a in e.args)
        if e.is_Mul or isinstance(e, sympy.Min):
            return all(self.positive(a) for a in e.args)
        if e.is_Pow:
            return self.positive(e.base)
        if isinstance(e, sympy.ceiling):
            return self.positive(e.args[0])
        if isinstance(e, sympy.Max):
            return any(self.positive(a) for a in e.args)
        return False

    def _bounds(self, e):
        low, high = self._raw_bounds(e)
        if self.whole(e):
            if self.positive(e):
                low = max(low or 0, Fraction(1))
            low = None if low is None else Fraction(math.ceil(low))
            high = None if high is None else Fraction(math.floor(high))
        return _lowered(low), _raised(high)

    def _raw_bounds(self, e):
        if e.is_Rational:
            return (Fraction(e.p, e.q),) * 2
        if e.is_Float and e.is_finite:
            return (Fraction(float(e)),) * 2
        if e.is_Symbol:
            return _symbol_bounds(e)
        if e.is_Add:
            lows, highs = zip(*(self.bounds(a) for a in e.args))
            return (None if None in lows else sum(lows)), (None if None in highs else sum(highs))
        if e.is_Mul:
            return self._product(e.args)
        if e.is_Pow:
            return self._power(e)
        if isinstance(e, (sympy.floor, sympy.ceiling)):
            rounding = math.floor if isinstance(e, sympy.floor) else math.ceil
            return tuple(None if b is None else Fraction(rounding(b)) for b in self.bounds(e.args[0]))
        if isinstance(e, (sympy.Max, sympy.Min)):
            return self._extremum(e)
        return None, None

    def _product(self, factors):
        """Each factor of one sign (>= 0, or <= 0 and flipped): the bounds multiply."""
        negative, low, high = False, Fraction(1), Fraction(1)
        for factor in factors:
            a, b = self.bounds(factor)
            if b is not None and b <= 0 and not (a is not None and a >= 0):
                negative, a, b = not negative, -b, (None if a is None else -a)
            elif a is None or a < 0:
                return None, None
            low = _lowered(low * a)
            high = None if high is None or b is None else _raised(high * b)
        return ((None if high is None else -high), -low) if negative else (low, high)

    def _power(self, e):
        base_low, base_high = self.bounds(e.base)
        if e.exp.is_Integer:
            n = int(e.exp)
            if base_low is not None and base_low >= 0 and n >= 0:
                return _power_low(base_low, n), (None if base_high is None else _power_high(base_high, n))
            if base_low is not None and base_low > 0:               # 1/x**n lies in (0, 1/low**n]
                return Fraction(0), _power_high(1 / base_low, -n)
            real = base_low is not None or base_high is not None or (e.base.is_Symbol and e.base.is_real)
            return (Fraction(0), None) if n % 2 == 0 and real else (None, None)
        exp_low, exp_high = self.bounds(e.exp)
        if base_low is None or base_low < 0:
            return None, None
        if base_low >= 1 and exp_low is not None and exp_low >= 0:   # b**x grows with x when b >= 1
            return (_power_low(base_low, math.floor(exp_low)),
                    None if base_high is None or exp_high is None else _power_high(base_high, math.ceil(exp_high)))
        if (base_low >= 1 and exp_high is not None and exp_high <= 0) or \
                (base_high is not None and base_high <= 1 and exp_low is not None and exp_low >= 0):
            return Fraction(0), Fraction(1)                          # 2**(-i), (1/2)**i
        return Fraction(0), None

    def _extremum(self, e):
        """Max is at least each argument's low; Min at most each argument's high."""
        lows, highs = zip(*(self.bounds(a) for a in e.args))
        known_lows, known_highs = [x for x in lows if x is not None], [x for x in highs if x is not None]
        if isinstance(e, sympy.Max):
            return (max(known_lows) if known_lows else None), (None if None in highs else max(highs))
        return (None if None in lows else min(lows)), (min(known_highs) if known_highs else None)


def _tell(e, known: dict):
    try:
        assumptions = e._assumptions
        if assumptions is e.default_assumptions:
            assumptions = e._assumptions = assumptions.copy()
        assumptions.deduce_all_facts(known.items())
    except Exception:           # SymPy's private cache changed shape, or disagrees: keep its own answers
        return


def _symbol_bounds(symbol):
    if symbol.is_positive:
        return (Fraction(1) if symbol.is_integer else Fraction(0)), None
    if symbol.is_nonnegative:
        return Fraction(0), None
    if symbol.is_negative:
        return None, (Fraction(-1) if symbol.is_integer else Fraction(0))
    if symbol.is_nonpositive:
        return None, Fraction(0)
    return None, None


def _bits(value: Fraction) -> int:
    return max(abs(value.numerator).bit_length(), value.denominator.bit_length())


def _power_low(base: Fraction, n: int) -> Fraction:
    """A lower bound of base**n (base >= 0, n >= 0), exact when small."""
    if n == 0 or _bits(base) * n <= _MAX_BITS:
        return base ** n
    if base < 1:
        return Fraction(0)
    whole_bits = math.floor(base).bit_length() - 1            # base >= 2**whole_bits
    return Fraction(2) ** min(whole_bits * n, _MAX_BITS)


def _power_high(base: Fraction, n: int):
    """base**n (base >= 0, n >= 0) when small enough to carry, else None (unbounded)."""
    if base <= 1:
        return Fraction(1) if _bits(base) * n > _MAX_BITS else base ** n
    return base ** n if _bits(base) * n <= _MAX_BITS else None


def _lowered(low):
    """A lower bound too large to carry is replaced by a smaller one (still a lower bound)."""
    if low is None or _bits(low) <= _MAX_BITS:
        return low
    low = Fraction(math.floor(low))
    return low if _bits(low) <= _MAX_BITS else _HUGE if low > 0 else None


def _raised(high):
    if high is None or _bits(high) <= _MAX_BITS:
        return high
    high = Fraction(math.ceil(high))
    return high if _bits(high) <= _MAX_BITS else -_HUGE if high < 0 else None
