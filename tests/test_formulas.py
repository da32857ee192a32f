"""Formulas for papers: the breakdown by block, algebra (simplify, expand, factor, collect, diff,
leading terms, solve), comparisons and sweeps, in the API and on the command line. Expected
values are derived by hand in the test (each derivation is written next to its case)."""
import json
import math
import subprocess
import sys

import pytest
import sympy

import symparams
from symparams.commands.common import split_model_spec as split_spec
from support import EXAMPLES


def sym(name):
    return sympy.Symbol(name, integer=True, positive=True)


L, T, V, d, h, N, k, C, f, n, u = (sym(x) for x in ("L", "T", "V", "d", "h", "N", "k", "C", "f", "n", "u"))

# One GPT-2 block (examples/gpt2.arch): ln_1 2d, attention q,k,v,o 4*(d*d + d), ln_2 2d,
# c_fc d*4d + 4d, c_proj 4d*d + d  ->  12*d**2 + 13*d.
GPT2_BLOCK = 12 * d**2 + 13 * d

TINY = """\
model Tiny(H, W, C, n, k, f):
    input (H, W, C)
    conv2d(f, k) -> relu
    conv2d(n, k)
"""
# LANGUAGE.md §1: params = f*(C*k**2 + 1) + n*(f*k**2 + 1)

BLOCKS = """\
block A(d): dense(d)
block B(d): dense(d, use_bias=false) -> relu
model Two(d, L):
    input (d,)
    A(d)
    A(d)
    repeat L:
        A(d) -> B(d)
    repeat 3: dense(d)
    B(2*d)
    B(3*d)
"""


def symparams_cli(*args):
    p = subprocess.run([sys.executable, "-m", "symparams", *map(str, args)], capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def gpt2():
    return symparams.load(EXAMPLES / "gpt2.arch").model()


# ---- breakdown ------------------------------------------------------------------------------------------

def test_breakdown_of_a_symbolic_gpt(gpt2):
    rows = [(r.label, r.count, r.params_one, r.params) for r in gpt2.breakdown()]
    assert rows == [
        ("wte", 1, V * d, V * d),
        ("wpe", 1, T * d, T * d),
        ("repeat L: GPT2Block", L, sympy.factor_terms(GPT2_BLOCK), sympy.factor_terms(L * GPT2_BLOCK)),
        ("ln_f", 1, 2 * d, 2 * d),
    ]


@pytest.mark.parametrize("when, label", [("before evaluation (unrolled, merged)", "GPT2Block"),
                                         ("after evaluation (subs into the symbolic repeat)", "repeat 12: GPT2Block")])
def test_breakdown_of_gpt2_small(gpt2, when, label):
    rows = (symparams.load(EXAMPLES / "gpt2.arch").model(defaults=True) if label == "GPT2Block"
            else gpt2.with_defaults()).breakdown()
    block = 12 * 768**2 + 13 * 768                 # 7,087,872 per block
    assert [(r.label, r.count, r.params_one) for r in rows] == [
        ("wte", 1, 50257 * 768), ("wpe", 1, 1024 * 768), (label, 12, block), ("ln_f", 1, 2 * 768)]
    assert rows[2].params == 12 * block
    assert sum(r.share for r in rows) == 1
    assert round(rows[2].percent, 2) == round(100 * 12 * block / 124_439_808, 2)


BLOCK_CASES = [
    # (label, count, params of one instance)
    ("A", 2, d * (d + 1)),                               # two calls in a row with one formula: count 2
    ("repeat L: A, B", L, d * (d + 1) + d**2),           # both calls sit in the one top-level repeat
    ("dense", 3, d * (d + 1)),                           # an unrolled top-level repeat: one row, count 3
    ("B_1", 1, d * 2 * d),                               # B(2*d) on d features (B's second call)
    ("B_2", 1, 2 * d * 3 * d),                           # B(3*d) on 2d features: another formula
]


def test_breakdown_rows_per_top_level_call_and_repeat():
    net = symparams.parse(BLOCKS).model()
    rows = net.breakdown()
    assert [(r.label, r.count) for r in rows] == [(label, count) for label, count, _ in BLOCK_CASES]
    for row, (_, _, one) in zip(rows, BLOCK_CASES):
        assert sympy.expand(row.params_one - one) == 0, row.label
    assert sympy.expand(sum(r.params for r in rows) - net.params) == 0
    assert sympy.expand(sum(r.macs for r in rows) - net.macs) == 0


def test_summary_by_block_cli():
    code, out, err = symparams_cli("summary", EXAMPLES / "gpt2.arch", "--by", "block")
    assert (code, err) == (0, "")
    assert "│ repeat L: GPT2Block │ L     │ d*(12*d + 13) │ L*d*(12*d + 13) │" in out
    code, out, _ = symparams_cli("summary", EXAMPLES / "gpt2.arch", "--by", "block", "--defaults", "--format", "json")
    parts = json.loads(out)["parts"]
    assert [(p["part"], p["count"], p["params"]) for p in parts] == [
        ("wte", "1", str(50257 * 768)), ("wpe", "1", str(1024 * 768)),
        ("GPT2Block", "12", str(12 * (12 * 768**2 + 13 * 768))), ("ln_f", "1", "1536")]
    # LaTeX too (a booktabs tabular): one GPT-2 block holds 12d² + 13d params, L of them
    code, out, _ = symparams_cli("summary", EXAMPLES / "gpt2.arch", "--by", "block", "--format", "latex")
    assert code == 0
    assert r"repeat L: GPT2Block & $L$ & $d \left(12 d + 13\right)$ & $L d \left(12 d + 13\right)$" in out
    # a bare table: not a whole document
    assert symparams_cli("summary", EXAMPLES / "gpt2.arch", "--by", "block", "--format", "latex",
                         "--standalone")[0] == 2


# ---- algebra --------------------------------------------------------------------------------------------

TINY_PARAMS = f * (C * k**2 + 1) + n * (f * k**2 + 1)
ALGEBRA_CASES = [
    # (operation, symbol, expected)
    ("expand", None, C * f * k**2 + f + f * k**2 * n + n),
    ("collect", "k", k**2 * f * (C + n) + f + n),
    ("diff", "n", f * k**2 + 1),
    ("diff", "k", 2 * f * k * (C + n)),
    ("leading_term", "k", f * k**2 * (C + n)),
    ("leading_term", "n", n * (f * k**2 + 1)),
]


@pytest.mark.parametrize("op, symbol, expected", ALGEBRA_CASES, ids=[f"{o}-{s}" for o, s, _ in ALGEBRA_CASES])
def test_algebra_on_tiny(op, symbol, expected):
    net = symparams.parse(TINY).model()
    assert sympy.expand(net.params - TINY_PARAMS) == 0
    result = getattr(net, op)(*([symbol] if symbol else []))
    assert sympy.expand(result - expected) == 0


def test_algebra_on_gpt(gpt2):
    assert gpt2.diff("L") == sympy.factor_terms(GPT2_BLOCK)          # ∂params/∂L: one block
    assert gpt2.leading_term("d") == 12 * L * d**2                    # Kaplan's 12 n_layer d_model**2
    assert gpt2.leading_term("T", "macs") == 2 * L * T**2 * d          # attention's T**2 term dominates
    assert gpt2.collect("d") == 12 * L * d**2 + d * (13 * L + T + V + 2)
    assert sympy.expand(gpt2.simplify() - gpt2.params) == 0
    assert gpt2.simplify() == d * (L * (12 * d + 13) + T + V + 2)
    from symparams.algebra import degree, tidy
    assert degree(gpt2.params, d) == 2 and degree(gpt2.macs, T) == 2
    assert tidy((N + k**2) / (N * k**2)) == 1 / N + 1 / k**2


def test_algebra_cli():
    code, out, err = symparams_cli("algebra", EXAMPLES / "gpt2.arch", "--diff", "L", "--collect", "d",
                                   "--leading", "d", "--degree", "d")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [" ∂/∂L: d*(12*d + 13)", " collected in d: 12*d**2 + 13*d",
                                    " leading term as d → ∞: 12*d**2", " degree in d: 2"]
    code, out, _ = symparams_cli("algebra", EXAMPLES / "gpt2.arch", "--simplify", "--expand", "--factor")
    assert out.splitlines()[1:] == [" simplify: d*(L*(12*d + 13) + T + V + 2)",
                                    " expand: 12*L*d**2 + 13*L*d + T*d + V*d + 2*d",
                                    " factor: d*(12*L*d + 13*L + T + V + 2)"]
    assert symparams_cli("algebra", EXAMPLES / "gpt2.arch")[0] == 2              # no operation
    assert symparams_cli("algebra", EXAMPLES / "gpt2.arch", "--diff", "q")[0] == 2  # no such symbol


# ---- solve ------------------------------------------------------------------------------------------------

GPT_1E9 = dict(L=24, T=1024, V=50257)


def test_solve_gpt_width_for_a_billion_parameters(gpt2):
    # params = 12*L*d**2 + (13*L + T + V + 2)*d = 1e9, a quadratic a*d**2 + b*d - 1e9 = 0.
    a, b = 12 * 24, 13 * 24 + 1024 + 50257 + 2
    root = (-b + sympy.sqrt(b**2 + 4 * a * 10**9)) / (2 * a)
    solution = gpt2.subs(GPT_1E9).solve("d", params=1e9)
    assert len(solution.exact) == 1 and sympy.expand(solution.exact[0] - root) == 0
    assert math.isclose(solution.value, (-b + math.sqrt(b * b + 4 * a * 10**9)) / (2 * a), rel_tol=1e-12)
    assert solution.rounded == 1776


# The root is d ≈ 1775.967 (above). MultiHeadAttention needs d/h whole, so with h set the
# rounded width is the nearest multiple of h, and of any asked-for multiple (lcm):
#   h = 16: 1775.967/16 = 110.998 -> 111*16 = 1776;   h = 20: 88.798 -> 89*20 = 1780
#   h = 12 and multiple_of 64: lcm 192, 1775.967/192 = 9.2498 -> 9*192 = 1728
@pytest.mark.parametrize("h, multiple_of, step, rounded", [
    (16, None, 16, 1776),
    (20, None, 20, 1780),
    (12, 64, 192, 1728),
    (None, 64, 64, 1792),
])
def test_solve_rounds_to_the_multiple_the_heads_need(gpt2, h, multiple_of, step, rounded):
    values = dict(GPT_1E9, **({"h": h} if h else {}))
    solution = gpt2.subs(values).solve("d", multiple_of=multiple_of, params=1e9)
    assert (solution.multiple, solution.rounded) == (step, rounded)
    assert math.isclose(solution.value, 1775.967049, rel_tol=1e-9)
    if h:
        assert f"key_dim = d/h must be a whole number (here d/{h})" in solution.reasons


@pytest.mark.parametrize("bad", [0, -4, 2.5, "64", True])
def test_solve_multiple_of_must_be_a_positive_int(gpt2, bad):
    with pytest.raises(ValueError, match="multiple_of must be a positive int"):
        gpt2.subs(GPT_1E9).solve("d", multiple_of=bad, params=1e9)


def test_solve_cli_multiple_of():
    code, out, err = symparams_cli("solve", EXAMPLES / "gpt2.arch", "--for", "d", "--params", "1e9",
                                   "--set", "L=24,T=1024,V=50257,h=20")
    assert (code, err) == (0, "")
    assert " d = 1780 " in out and "the nearest multiple of 20: key_dim = d/20 must be a whole number" in out
    code, out, _ = symparams_cli("solve", EXAMPLES / "gpt2.arch", "--for", "d", "--params", "1e9",
                                 "--set", "L=24,T=1024,V=50257,h=12", "--multiple-of", "64", "--format", "json")
    answer = json.loads(out)
    assert (answer["multiple_of"], answer["roots"][0]["rounded"]) == (192, 1728)
    # params at d = 1728, by hand: 12*24*1728**2 + (13*24 + 1024 + 50257 + 2)*1728
    assert answer["roots"][0]["figure_at_rounded"] == str(12 * 24 * 1728**2 + (13 * 24 + 1024 + 50257 + 2) * 1728)
    assert symparams_cli("solve", EXAMPLES / "gpt2.arch", "--for", "d", "--params", "1e9",
                         "--multiple-of", "0")[0] == 2


SOLVE_CASES = [
    # (model text, values, symbol, target, expected exact roots)
    ("model D(d, u):\n    input (d,)\n    dense(u)\n", dict(d=9), "u", 1000, [100]),        # u*(9 + 1) = 1000
    ("model D(d, u):\n    input (d,)\n    dense(u)\n", dict(u=10), "d", 1000, [99]),        # 10*(d + 1) = 1000
    ("model D(d, u):\n    input (d,)\n    dense(u)\n", dict(u=10), "d", 5, []),             # d would be -1/2
    ("model Q(d):\n    input (d,)\n    dense(d)\n", {}, "d", 110, [10]),                    # d**2 + d = 110
]


@pytest.mark.parametrize("text, values, symbol, target, roots", SOLVE_CASES)
def test_solve_cases(text, values, symbol, target, roots):
    net = symparams.parse(text).model(values=values)
    assert list(net.solve(symbol, params=target).exact) == roots


def test_solve_with_a_symbolic_target(gpt2):
    # d as a formula in L and the budget N: substituting it back gives N.
    net = gpt2.subs(T=1024, V=50257)
    budget = sympy.Symbol("N", positive=True)
    (root,) = net.solve("d", params=budget).exact
    assert sympy.expand(sympy.expand(net.params.xreplace({net.symbol("d"): root})) - budget) == 0


def test_solve_cli():
    code, out, err = symparams_cli("solve", EXAMPLES / "gpt2.arch", "--for", "d", "--params", "1e9",
                                   "--set", "L=24,T=1024,V=50257")
    assert (code, err) == (0, "")
    assert " d = 1776 " in out
    # params at d = 1776, by hand: 12*24*1776**2 + (13*24 + 1024 + 50257 + 2)*1776
    assert f"params at d = 1776: {12 * 24 * 1776**2 + (13 * 24 + 1024 + 50257 + 2) * 1776:,}" in out   # separators
    code, out, _ = symparams_cli("solve", EXAMPLES / "gpt2.arch", "--for", "L", "--params", "1e9",
                                 "--set", "T=1024,V=50257,d=1024", "--format", "json")
    # L = (1e9 - (1024 + 50257 + 2)*1024) / (12*1024**2 + 13*1024)
    expected = sympy.Rational(10**9 - (1024 + 50257 + 2) * 1024, 12 * 1024**2 + 13 * 1024)
    assert json.loads(out)["roots"][0]["exact"] == str(expected)
    assert symparams_cli("solve", EXAMPLES / "gpt2.arch", "--for", "q", "--params", "1e9")[0] == 2
    assert symparams_cli("solve", EXAMPLES / "gpt2.arch", "--for", "d", "--params", "1e9 +")[0] == 2


# ---- compare -------------------------------------------------------------------------------------------

def test_compare_gpt_widths_layer_by_layer():
    program = symparams.load(EXAMPLES / "gpt2.arch")
    wide, narrow = program.model(values=dict(d=1024)), program.model(values=dict(d=768))
    c = wide.compare(narrow)
    assert c.same_structure
    by_layer = {lc.a_name: lc.figures[0] for lc in c.layers}
    assert by_layer["wte"].difference == 256 * V and by_layer["wte"].ratio == sympy.Rational(4, 3)
    # one block: 12*d**2 + 13*d at 1024 against 768
    assert sympy.expand(c["params"].difference - L * (12 * (1024**2 - 768**2) + 13 * 256) - 256 * (T + V + 2)) == 0


def test_compare_different_structures_gives_totals_only():
    program = symparams.load(EXAMPLES / "mobilenet_compare.arch")
    c = program.model("Separable").compare(program.model("Standard"))
    assert not c.same_structure and c.layers == ()
    # M*k**2 + M*N against M*N*k**2
    assert sympy.expand(c["params"].difference - (sym("M") * k**2 + sym("M") * N - sym("M") * N * k**2)) == 0


SPECS = [("a.arch:Model", ("a.arch", "Model")), ("a.arch", ("a.arch", None)),
         ("dir:x/a.arch", ("dir:x/a.arch", None)), ("C:\\m\\a.arch:M", ("C:\\m\\a.arch", "M"))]


@pytest.mark.parametrize("spec, expected", SPECS)
def test_compare_spec(spec, expected):
    assert split_spec(spec) == expected


def test_compare_cli():
    path = EXAMPLES / "mobilenet_compare.arch"
    code, out, err = symparams_cli("compare", f"{path}:Separable", f"{path}:Standard", "--format", "json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["macs"]["ratio"] == str(1 / N + 1 / k**2)
    code, out, _ = symparams_cli("compare", f"{path}:Separable", f"{path}:Standard", "--set", "N=128,k=3")
    # (9 + 128) / (9 * 128) = 137/1152
    assert "137/1152" in out
    assert symparams_cli("compare", f"{path}:Nope", f"{path}:Standard")[0] == 2
    assert symparams_cli("compare", EXAMPLES / "missing.arch", f"{path}:Standard")[0] == 2


# ---- sweep -----------------------------------------------------------------------------------------------

np = pytest.importorskip("numpy")


def gpt_params(L, T, V, d):
    return 12 * L * d * d + (13 * L + T + V + 2) * d


def test_sweep_matches_the_formula(gpt2):
    table = gpt2.subs(L=24, T=1024, V=50257).sweep(("params",), d="128:4096:128")
    assert table["d"].tolist() == list(range(128, 4097, 128))
    assert table["params"].tolist() == [gpt_params(24, 1024, 50257, x) for x in range(128, 4097, 128)]


RANGES = [("1:5", [1, 2, 3, 4, 5]), ("128:512:128", [128, 256, 384, 512]), ("1,2,4,8", [1, 2, 4, 8]),
          ("0.5:2:0.5", [0.5, 1.0, 1.5, 2.0]), ("7", [7]), ("1e3:3e3:1e3", [1000, 2000, 3000])]


@pytest.mark.parametrize("text, values", RANGES)
def test_sweep_ranges(text, values):
    from symparams.sweep import parse_range
    assert parse_range(text).tolist() == values


@pytest.mark.parametrize("text", ["5:1", "1:2:0", "a:b", "1:", "1:2:3:4", ""])
def test_sweep_bad_ranges(text):
    from symparams.sweep import parse_range
    with pytest.raises(symparams.SymparamsError):
        parse_range(text)


def test_sweep_a_million_points_exactly(gpt2):
    table = gpt2.subs(L=24, T=1024, V=50257).sweep(("params",), d="1:1000000")
    assert len(table["params"]) == 10**6 and table["params"].dtype == np.int64
    assert table["params"][-1] == gpt_params(24, 1024, 50257, 10**6)


def test_sweep_switches_to_float_before_int64_overflows(gpt2):
    # macs = L*(2*T**2*d + 12*T*d**2): at d = 1e8, 24*12*1024*1e16 ≈ 2.9e21 > 2**63.
    table = gpt2.subs(L=24, T=1024, V=50257).sweep(("macs",), d="1e8")
    assert table["macs"].dtype == np.float64
    assert math.isclose(table["macs"][0], 24 * (2 * 1024**2 * 10**8 + 12 * 1024 * 10**16), rel_tol=1e-12)


def test_sweep_needs_values_for_the_other_symbols(gpt2):
    with pytest.raises(symparams.SymparamsError, match="needs a value for L, T, V"):
        gpt2.sweep(d="1:4")


def test_sweep_without_numpy_says_how_to_install(monkeypatch):
    from symparams import sweep
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(symparams.SymparamsError, match=r"pip install 'symparams\[sweep\]'"):
        sweep.numpy()


def test_sweep_cli_grid_csv():
    code, out, err = symparams_cli("sweep", EXAMPLES / "gpt2.arch", "--vary", "d=768,1024", "--vary", "L=12:24:12",
                                   "--set", "T=1024,V=50257,h=16", "--of", "params", "--format", "csv")
    assert (code, err) == (0, "")
    assert out.splitlines() == ["d,L,params"] + [f"{dd},{ll},{gpt_params(ll, 1024, 50257, dd)}"
                                                  for dd in (768, 1024) for ll in (12, 24)]
    assert symparams_cli("sweep", EXAMPLES / "gpt2.arch", "--vary", "d=1:x")[0] == 2
    assert symparams_cli("sweep", EXAMPLES / "gpt2.arch", "--vary", "d=1:4", "--of", "weight")[0] == 2
    assert symparams_cli("sweep", EXAMPLES / "gpt2.arch", "--vary", "d=1:4")[0] == 1     # L, T, V unset
