"""Analyses and printers at their edges, the expected text written out by hand: the inputs
where a mutation run (tools/mutate.py) found a single-point bug nothing else caught."""
import json

import pytest
import sympy

import symparams
from symparams import algebra
from symparams.printers.json import model_dict
from symparams.printers.latex_table import escape

H, c = sympy.symbols("H c", integer=True, positive=True)


def test_leading_term_drops_only_the_roundings_that_grow_with_the_symbol():
    # floor(H/2) ~ H/2 as H grows; floor(c/2) does not grow with H and stays a floor
    assert algebra.leading_term(c * sympy.floor(H / 2) + 7, H) == c * H / 2
    assert algebra.leading_term(H * sympy.floor(c / 2) + 7, H) == H * sympy.floor(c / 2)


def test_json_rows_give_trainable_and_non_trainable_apart():
    net = symparams.parse("model M():\n    input (4,)\n    dense(3, trainable=false)\n").model()
    row = model_dict(net)["layers"][-1]
    # a frozen 4x3 kernel and its bias: 15 parameters, none trainable
    assert (row["params"], row["trainable"], row["non_trainable"]) == ("15", "0", "15")
    assert json.loads(json.dumps(row)) == row


def test_latex_text_cells_escape_every_special_character():
    assert escape("a_b~c^d&e%f$g#h{i}j\\k") == (r"a\_b\textasciitilde{}c\textasciicircum{}d\&e\%f\$g\#h\{i\}j"
                                                 r"\textbackslash{}k")


def test_nested_repeat_counts_read_outermost_first():
    from symparams.printers.text import render_model
    net = symparams.parse("model M(L, N, d):\n    input (d,)\n    repeat L:\n        repeat N:\n"
                          "            dense(d)\n").model()
    # dense(d) on (d,) holds d*(d + 1), run N times inside each of the L passes
    assert "d*(d + 1)  ×L  ×N" in render_model(net)


@pytest.mark.parametrize("k", [3, 64, 65, 400])
def test_a_linear_sum_with_huge_fractions_prints_as_sympy_prints_it(k):
    # expr_text orders such a sum on its monomials (SymPy's own order, without converting each
    # 400-bit fraction to a float): the text must be SymPy's str() exactly
    from symparams.text import expr_text
    H, W = sympy.symbols("H W", integer=True, positive=True)
    for e in (H / 2**k + sympy.Rational(2**k - 1, 2**k), W / 2**k - 3 * H / 2**k + sympy.Rational(2**k - 1, 2**k),
              sympy.floor(-H / 2**k + 7), 9 * sympy.floor(H / 2**k + sympy.Rational(2**k - 1, 2**k))):
        assert expr_text(e) == str(e)
