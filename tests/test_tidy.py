"""One tidy form: every output shows a figure as `net.params` returns it, and tidying never
runs away on a large expression."""
import json
import re
import time

import pytest
import sympy

import symparams
from goldens.cases import ROOT, example_models
from symparams.printers.latex import latex
from symparams.text import expr_text
from symparams.tidy import factored, factored_sum, tidy

MODELS = list(example_models())


def _load(spec):
    path, name = spec.split(":")
    try:
        return symparams.load(ROOT / path).model(name)
    except symparams.SymparamsError:          # examples/seeds.arch holds models that must fail
        return None


def test_gpt2_params_are_the_form_the_latex_table_prints():
    net = symparams.load(ROOT / "examples" / "gpt2.arch").model()
    L, T, V, d = (net.symbol(n) for n in "LTVd")
    # Hand derivation (LANGUAGE.md §11): per block 12d^2 + 13d, embeddings (T + V)d, final norm 2d.
    assert net.params == L * (12 * d**2 + 13 * d) + T * d + V * d + 2 * d
    assert expr_text(net.params) == "L*(12*d**2 + 13*d) + T*d + V*d + 2*d"
    assert "L \\left(12 d^{2} + 13 d\\right) + T d + V d + 2 d" in net._repr_latex_()


@pytest.mark.parametrize("spec", MODELS)
def test_every_output_shows_the_same_form(spec):
    net = _load(spec)
    if net is None:
        pytest.skip("a model that must fail")
    text = net.summary()
    as_json = net.as_dict()
    from symparams.printers import latex_table, markdown
    tex_table, md = latex_table.render(net), markdown.render(net)
    for figure, label in (("params", "Total params"), ("macs", "MACs")):
        expr = getattr(net, figure)
        shown = expr_text(expr)
        assert as_json[figure] == shown                  # JSON keeps plain digits
        tex = latex(expr, first=net.count_symbols)
        md_tex = tex.replace("|", chr(92) + "vert ")
        if expr.is_Integer:                              # tables: thousands separators (issue 15)
            shown = f"{int(expr):,}"
            tex, md_tex = shown.replace(",", r"\,"), shown.replace(",", "{,}")
        assert re.search(rf"^ {label}: {re.escape(shown)}$", text, re.M), (figure, text[-300:])
        assert f"${md_tex}$" in md
        assert tex in net._repr_latex_()
        assert tex.split(" ")[0] in tex_table
    assert repr(net).startswith(f"<ModelResult {net.name} ({net.convention}): params={shown_prefix(net)}")


def shown_prefix(net):
    text = expr_text(net.params)
    return text if len(text) <= 60 else text[:59]


def widening_stack(repeats):
    """Issue 11's file, derived by hand: `x = identity; dense(w * (w + 1))` with w the width.
    Each dense maps w to w(w + 1) and has w*w' + w' = w'(w + 1) parameters."""
    H = sympy.Symbol("H")              # no assumptions: SymPy would ask for signs of huge sums
    width, params = H, []
    for _ in range(repeats):
        wider = width * (width + 1)
        params.append(wider * (width + 1))
        width = wider
    return H, width, sympy.Add(*params)


def test_tidying_a_huge_figure_keeps_it_as_built_and_is_fast():
    _, _, total = widening_stack(12)           # a polynomial of degree 6144: expanding it would hang
    start = time.perf_counter()
    assert tidy(total, [sympy.Symbol("L")]) is total
    assert factored(total) is total and factored_sum([total, total]) == 2 * total
    assert time.perf_counter() - start < 5


ISSUE_11 = """model M(H):
    input (H,)
    repeat {n}:
        x = identity
        dense(shape(x)[-1] * (shape(x)[-1] + 1))
"""


def test_issue_11_file_finishes_with_the_hand_derived_figure():
    n = 6                                       # 12 spends minutes in evaluation (issue 11), not here
    net = symparams.parse(ISSUE_11.format(n=n)).model()
    H, width, total = widening_stack(n)
    assert net.output_shape == (width.xreplace({H: net.symbol("H")}),)   # the same tree, built by hand
    at = {"H": 2}
    w, hand = 2, 0
    for _ in range(n):                          # the same recurrence in whole numbers
        hand += w * (w + 1) * (w + 1)
        w = w * (w + 1)
    assert net.subs(**at).params == hand
    assert json.loads(json.dumps(net.as_dict()))["params"] == expr_text(net.params)
    assert "Total params" in net.summary()
