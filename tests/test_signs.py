"""signs.py decides wholeness and signs of size expressions from their structure. Each answer it
gives must hold at every value of the symbols: checked here against brute force, the expression
evaluated exactly at many points. A wrong True here would let an impossible size through."""
import itertools

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from symparams import signs

H, W = sympy.symbols("H W", integer=True, positive=True)
i = sympy.Symbol("i", integer=True, nonnegative=True)
POINTS = [dict(zip((H, W, i), map(sympy.Integer, p))) for p in itertools.product((1, 2, 3, 7, 64), (1, 5, 32), (0, 1, 2, 5))]
HOLDS = {"integer": lambda v: v.is_Integer, "positive": lambda v: v > 0,
         "nonnegative": lambda v: v >= 0, "negative": lambda v: v < 0}

leaves = st.sampled_from([H, W, i, sympy.Integer(1), sympy.Integer(2), sympy.Integer(-3), sympy.Rational(1, 2),
                          sympy.Integer(0)])


def _combine(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: p[0] + p[1]), pair.map(lambda p: p[0] - p[1]), pair.map(lambda p: p[0] * p[1]),
        children.map(lambda e: e / 2), children.map(lambda e: 2**e if e.free_symbols <= {i} else e),
        children.map(lambda e: e**2), children.map(sympy.floor), children.map(sympy.ceiling),
        pair.map(lambda p: sympy.Max(*p)), pair.map(lambda p: sympy.Min(*p)),
        children.map(lambda e: 1 / (e + 1) if signs.is_positive(e) else e))


expressions = st.recursive(leaves, _combine, max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(expressions, st.sampled_from(sorted(HOLDS)))
def test_a_decided_fact_holds_at_every_point(expr, attribute):
    answer = signs.decide(expr, attribute)
    if answer is None:
        return
    for point in POINTS:
        value = expr.xreplace(point)
        if value.has(sympy.zoo, sympy.nan) or not value.is_number:
            continue
        assert bool(HOLDS[attribute](value)) is answer, (expr, attribute, point, value)


# (expression, attribute, answer): what the structure decides, each by a hand argument
CASES = [
    (H * (H + 1) - 1, "positive", True),                 # H >= 1: H*(H + 1) >= 2
    (H - 1, "nonnegative", True), (H - 1, "positive", None),   # H = 1 gives 0
    (H / 2, "integer", None), (H + sympy.Rational(1, 2), "integer", False),
    (H / 2**i, "positive", True), (2**i, "integer", True), (2**-i, "integer", None),
    (sympy.floor(H / 2), "nonnegative", True), (sympy.floor(H / 2), "positive", None),   # floor(1/2) = 0
    (sympy.ceiling(H / 2**i), "positive", True), (-H, "negative", True),
    (1 / H - 1, "positive", False),                      # 1/H <= 1
    ((H - 3)**2, "nonnegative", True), (sympy.Symbol("x")**2, "nonnegative", None),   # x may be complex
]


@pytest.mark.parametrize("expr, attribute, answer", CASES)
def test_the_structure_decides(expr, attribute, answer):
    assert signs.decide(expr, attribute) is answer


def test_a_width_squared_twelve_times_is_decided_at_once():
    # SymPy's own is_positive expands this polynomial of degree 4096 and seeks its roots (minutes)
    w = H
    for _ in range(12):
        w = w * (w + 1)
    assert signs.is_positive(w - 1) is True and signs.is_integer(w) is True


@pytest.mark.parametrize("arg, floor, ceiling", [
    (H / 2 + sympy.Rational(1, 2), sympy.floor(H / 2 + sympy.Rational(1, 2)), sympy.ceiling(H / 2 + sympy.Rational(1, 2))),
    (H + sympy.Rational(1, 2), H, H + 1),                 # a whole part comes out
    (1 / (H + 1), 0, 1),                                  # 0 < 1/(H + 1) <= 1/2
    (sympy.Rational(7, 2), 3, 4),
])
def test_floor_and_ceiling_as_sympy_evaluates_them(arg, floor, ceiling):
    assert signs.floor(arg) == floor and signs.ceiling(arg) == ceiling
    for h in (1, 2, 5, 8):
        assert signs.floor(arg).subs(H, h) == sympy.floor(arg.subs(H, h))
        assert signs.ceiling(arg).subs(H, h) == sympy.ceiling(arg.subs(H, h))
