"""Convolution and pooling output lengths: the integer path (every input a number) against
lengths derived by hand from the frameworks' documented formulas, and against the symbolic
path with the numbers put in afterwards (both must give the same figure).

PyTorch (Conv1d, MaxPool1d docs): L_out = floor((L + 2p - d(k - 1) - 1) / s) + 1, and with
ceil_mode ceil(...) + 1, dropping a last window that starts in the right padding.
Keras: "valid" as PyTorch with p = 0; "same" (and "causal") ceil(L / s).
"""
import pytest
import sympy

from symparams.catalog.conv import output_length, pooled_length

CONV = [
    # L, k, s, d, padding, hand-derived length
    (224, 7, 2, 1, (3, 3), 112),      # ResNet stem: (224 + 6 - 6 - 1) // 2 + 1 = 112
    (112, 3, 2, 1, (1, 1), 56),       # (112 + 2 - 2 - 1) // 2 + 1 = 56
    (56, 1, 2, 1, "valid", 28),       # (56 - 1) // 2 + 1 = 28
    (7, 3, 1, 2, "valid", 3),         # span 5: 7 - 5 + 1 = 3
    (10, 3, 3, 1, "valid", 3),        # (10 - 3) // 3 + 1 = 3
    (3, 3, 1, 1, "valid", 1),
    (2, 3, 1, 1, "valid", 0),         # window longer than the input: 0 (refused by the layer)
    (2, 5, 1, 1, "valid", -2),
    (7, 3, 2, 1, "same", 4),          # ceil(7 / 2)
    (8, 5, 3, 1, "same", 3),          # ceil(8 / 3)
    (9, 4, 1, 3, "causal", 9),        # ceil(9 / 1)
    (5, 2, 2, 1, (0, 1), 3),          # (5 + 1 - 2) // 2 + 1 = 3
]

POOL_CEIL = [
    # L, k, s, d, padding, hand-derived length with ceil_mode
    (5, 2, 2, 1, (1, 1), 3),          # ceil(5/2) + 1 = 4 windows, the last starts at 5 = L + p: dropped
    (6, 2, 2, 1, (1, 1), 4),          # ceil(6/2) + 1 = 4, the last starts at 5 < 7: kept
    (112, 3, 2, 1, "valid", 56),      # ceil(109/2) + 1 = 56, the last starts at 110 < 112
    (10, 3, 3, 1, "valid", 4),        # ceil(7/3) + 1 = 4, the last starts at 9 < 10
    (9, 2, 2, 2, "valid", 4),         # span 3: ceil((9 - 3)/2) + 1 = 4, the last starts at 6 < 9
]


def _symbolic(fn, L, *rest):
    x = sympy.Symbol("x", integer=True, positive=True)
    return fn(x, *rest).subs(x, L)


@pytest.mark.parametrize("L, k, s, d, padding, expected", CONV)
def test_a_convolution_on_numbers_takes_the_hand_derived_length(L, k, s, d, padding, expected):
    length = output_length(sympy.Integer(L), k, s, d, padding)
    assert length == expected and isinstance(length, sympy.Integer)
    assert output_length(L, sympy.Integer(k), sympy.Integer(s), d, padding) == expected
    assert _symbolic(output_length, L, k, s, d, padding) == expected


@pytest.mark.parametrize("L, k, s, d, padding, expected", POOL_CEIL)
def test_a_ceil_mode_pool_on_numbers_takes_the_hand_derived_length(L, k, s, d, padding, expected):
    length = pooled_length(sympy.Integer(L), k, s, d, padding, True)
    assert length == expected and isinstance(length, sympy.Integer)
    assert _symbolic(lambda *a: pooled_length(*a, True), L, k, s, d, padding) == expected


def test_numbers_and_symbols_mixed_keep_the_symbolic_form():
    H = sympy.Symbol("H", integer=True, positive=True)
    assert output_length(H + 6, 7, 2, 1, "valid") == sympy.floor(H / 2 + sympy.Rational(1, 2))
    assert output_length(8, sympy.Symbol("k", integer=True, positive=True), 1, 1, "valid") == \
        9 - sympy.Symbol("k", integer=True, positive=True)
