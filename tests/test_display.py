"""Every result shows as a table (issue 15): net.breakdown(), net.compare(...), net.solve(...) and
net.sweep(...) give text/html, text/markdown and text/latex through the printers the commands use,
and a figure that is a plain whole number has thousands separators (`,`; `\\,` in LaTeX; `{,}`
inside Markdown math), while JSON keeps plain integers.

The expected cells are derived by hand from a two-layer perceptron, written out below."""
import io
import json
import shutil
import subprocess
from contextlib import redirect_stdout

import numpy as np
import pytest
import sympy

import symparams
from symparams.cli import main
from symparams.printers.present import grouped
from support import EXAMPLES

MLP = """model Mlp(n):
    input (784,)
    dense(n)
    dense(10)
"""
# Keras weights: dense = 784*n + n, dense_1 = 10*n + 10; MACs: 784*n and 10*n.
# n = 1000: dense 785,000 params, 784,000 MACs; dense_1 10,010 params, 10,000 MACs;
#           total 795,010 params, 794,000 MACs.
# n = 500:  dense 392,500 params, 392,000 MACs; dense_1 5,010 params, 5,000 MACs;
#           total 397,510 params, 397,000 MACs.


def mlp(n=None):
    return symparams.parse(MLP).model(values=None if n is None else {"n": n})


@pytest.mark.parametrize("figure, where, expected", [
    (sympy.Integer(38597376), "text", "38,597,376"),        # Keras's summary of the issue
    (sympy.Integer(38597376), "latex", r"38\,597\,376"),
    (sympy.Integer(38597376), "math", "38{,}597{,}376"),
    (-1234567, "text", "-1,234,567"),                        # a comparison's difference
    (np.int64(1000), "text", "1,000"),                       # a sweep's value
    (999, "text", "999"),
    (0, "text", "0"),
    (sympy.Symbol("d") * 50257, "text", None),               # a formula keeps its coefficients
    (sympy.Rational(1, 2), "text", None),
    (1.5e20, "text", None),
    (True, "text", None),
])
def test_the_one_number_format(figure, where, expected):
    assert grouped(figure, where) == expected


def cli(*argv):
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(list(argv)) == 0
    return out.getvalue()


def test_summary_tables_and_totals_have_separators_json_keeps_integers(tmp_path):
    path = tmp_path / "mlp.arch"
    path.write_text(MLP)
    text = cli("summary", str(path), "--set", "n=1000")
    assert "│ 785,000 │" in text and "│ 10,010  │" in text
    assert " Total params: 795,010\n" in text and " MACs: 794,000" in text
    assert "| dense (dense) | $(1000,)$ | $785{,}000$ | $784{,}000$ |" in cli("summary", str(path), "--set", "n=1000",
                                                                            "--format", "markdown")
    latex = cli("summary", str(path), "--set", "n=1000", "--format", "latex")
    assert r"dense (dense) & $(1000,)$ & $785\,000$ & $784\,000$ \\" in latex
    assert r"Total params & \multicolumn{3}{l}{$795\,010$} \\" in latex
    data = json.loads(cli("summary", str(path), "--set", "n=1000", "--format", "json"))
    assert (data["params"], data["macs"], data["layers"][1]["params"]) == ("795010", "794000", "785000")
    html = mlp(1000)._repr_html_()
    assert "<td>785,000</td><td>784,000</td>" in html and "<th>Total params</th><td>795,010</td>" in html


# ---- net.breakdown() --------------------------------------------------------------------------
# Shares: 785,000 / 795,010 = 98.74%, 10,010 / 795,010 = 1.26%.

def test_breakdown_is_still_its_rows():
    rows = mlp(1000).breakdown()
    assert isinstance(rows, list) and [r.label for r in rows] == ["dense", "dense_1"]
    assert [r.params for r in rows] == [785000, 10010]


def test_breakdown_shows_as_a_table_in_every_format():
    rows = mlp(1000).breakdown()
    assert ("<tr><td>dense</td><td>1</td><td>785,000</td><td>785,000</td><td>98.74%</td><td>784,000</td></tr>"
            in rows._repr_html_())
    assert "<tr><td><b>Total</b></td><td></td><td></td><td>795,010</td><td>100%</td><td>794,000</td></tr>" \
        in rows._repr_html_()
    assert "| dense_1 | `1` | `10,010` | `10,010` | 1.26% | `10,000` |" in rows._repr_markdown_()
    assert r"dense & $1$ & $785\,000$ & $785\,000$ & 98.74\% & $784\,000$ \\" in rows._repr_latex_()
    assert "│ dense   │ 1     │ 785,000      │ 785,000      │ 98.74% │ 784,000    │" in repr(rows)


# ---- net.compare(other) -----------------------------------------------------------------------
# A - B: params 795,010 - 397,510 = 397,500; MACs 794,000 - 397,000 = 397,000.
# A / B: params 795010/397510 = 79501/39751 (≈ 1.99997); MACs 794000/397000 = 2.
# Per layer: dense_1 params 10,010 - 5,010 = 5,000, ratio 10010/5010 = 1001/501 (≈ 1.998).

def test_comparison_is_still_a_comparison():
    c = mlp(1000).compare(mlp(500))
    assert c["params"].difference == 397500 and c["macs"].ratio == 2 and c.same_structure


def test_comparison_shows_as_tables_in_every_format():
    c = mlp(1000).compare(mlp(500))
    html = c._repr_html_()
    assert ("<tr><td>params</td><td>795,010</td><td>397,510</td><td>397,500</td>"
            r"<td>\(\frac{79501}{39751}\) (≈ 1.99997)</td></tr>") in html
    assert "<tr><td>macs</td><td>794,000</td><td>397,000</td><td>397,000</td><td>2</td></tr>" in html
    assert r"<tr><td>dense_1 (dense)</td><td>params</td><td>5,000</td><td>\(\frac{1001}{501}\) (≈ 1.998)</td></tr>" \
        in html
    assert html.count("<table>") == 2
    markdown = c._repr_markdown_()
    assert "| params | `795,010` | `397,510` | `397,500` | `79501/39751` (≈ 1.99997) |" in markdown
    assert "| dense_1 (dense) | macs | `5,000` | `2` |" in markdown
    latex = c._repr_latex_()
    assert r"macs & $794\,000$ & $397\,000$ & $397\,000$ & $2$ \\" in latex
    assert r"$\frac{79501}{39751}$ ($\approx$ 1.99997) \\" in latex
    assert "│ params │ 795,010 │ 397,510 │ 397,500 │ 79501/39751 (≈ 1.99997) │" in repr(c)


def test_the_repr_is_what_the_command_prints():
    a = symparams.load(EXAMPLES / "mobilenet_compare.arch")
    c = a.model("Separable").compare(a.model("Standard"))
    path = EXAMPLES / "mobilenet_compare.arch"
    printed = cli("compare", f"{path}:Separable", f"{path}:Standard")
    assert repr(c) + "\n" == printed


SHOWN = {"text": repr, "markdown": lambda r: r._repr_markdown_(), "latex": lambda r: r._repr_latex_()}


@pytest.mark.parametrize("form", ["text", "markdown", "latex"])
def test_every_command_prints_the_display_of_its_result(tmp_path, form):
    # compare, solve, sweep and summary --by block print, in each --format, the table the
    # result shows in a notebook: the same printer, so a table pasted from either is the same
    source = tmp_path / "mlp.arch"
    source.write_text(MLP)
    shown = SHOWN[form]
    big, small = mlp(1000), mlp(500)
    runs = [(big.compare(small), ["compare", f"{source}", f"{source}", "--set-a", "n=1000", "--set-b", "n=500"]),
            (mlp().solve("n", params=10**6), ["solve", str(source), "--for", "n", "--params", "10**6"]),
            (mlp().sweep(n="500,1000"), ["sweep", str(source), "--vary", "n=500,1000"]),
            (big.breakdown(), ["summary", str(source), "--set", "n=1000", "--by", "block"])]
    for result, argv in runs:
        assert cli(*argv, "--format", form) == shown(result) + "\n", argv[0]
    assert "| 1,000 | 795,010 | 794,000 |" in cli("sweep", str(source), "--vary", "n=500,1000", "--format", "markdown")


# ---- net.solve(...) ---------------------------------------------------------------------------
# params = 795*n + 10 = 10**6  ->  n = 999990/795 = 66666/53 (both divided by 15) ≈ 1257.849057;
# whole: 1258,
# where params = 795*1258 + 10 = 1,000,120.

def test_solution_is_still_a_solution():
    s = mlp().solve("n", params=10**6)
    assert (s.exact, s.rounded) == ((sympy.Rational(66666, 53),), 1258)


def test_solution_shows_as_a_table_in_every_format():
    s = mlp().solve("n", params=10**6)
    html = s._repr_html_()
    assert "<p><b>Mlp</b>: params = 1,000,000, solved for n</p>" in html
    assert "<tr><th>n</th><th>≈</th><th>exact</th><th>params at n</th></tr>" in html
    assert r"<tr><td>1258</td><td>1257.849057</td><td>\(\frac{66666}{53}\)</td><td>1,000,120</td></tr>" in html
    assert "| 1258 | 1257.849057 | `66666/53` | `1,000,120` |" in s._repr_markdown_()
    assert r"1258 & 1257.849057 & $\frac{66666}{53}$ & $1\,000\,120$ \\" in s._repr_latex_()
    assert repr(s) == ("Mlp: params = 1,000,000, solved for n (positive real roots: 1)\n"
                       " n = 1258   (≈ 1257.849057; exact: 66666/53)\n"
                       "   params at n = 1258: 1,000,120")


# ---- net.sweep(...) ---------------------------------------------------------------------------

def test_sweep_is_still_its_columns_and_shows_as_a_table():
    w = mlp().sweep(n="500,1000")
    assert {k: v.tolist() for k, v in w.items()} == {"n": [500, 1000], "params": [397510, 795010],
                                                     "macs": [397000, 794000]}
    html = w._repr_html_()
    assert "<tr><td>500</td><td>397,510</td><td>397,000</td></tr>" in html
    assert "<tr><td>1,000</td><td>795,010</td><td>794,000</td></tr>" in html
    assert "| 1,000 | 795,010 | 794,000 |" in w._repr_markdown_()
    assert r"$1\,000$ & $795\,010$ & $794\,000$ \\" in w._repr_latex_()
    assert "│ 1,000 │ 795,010 │ 794,000 │" in repr(w)


def test_a_long_sweep_shows_its_ends():
    # n = 1..100: 100 points; the display shows 20 at each end. n = 1: 795 + 10 = 805;
    # n = 100: 79,510.
    html = mlp().sweep(n="1:100")._repr_html_()
    assert "100 points" in html and html.count("<tr><td>") == 41 and "<tr><td>…</td>" in html
    assert "<tr><td>1</td><td>805</td><td>794</td></tr>" in html
    assert "<tr><td>100</td><td>79,510</td><td>79,400</td></tr>" in html
    assert "<tr><td>50</td>" not in html


def test_a_sweep_that_skipped_points_says_so_in_every_display():
    # d/12 must be whole (key_dim = d/h, h = 12): of d = 96, 102, ..., 120 the multiples of 12 stay
    net = symparams.parse("model M(d):\n    input (8, d)\n    multi_head_attention(12, d / 12)\n").model()
    w = net.sweep(d="96:120:6", skip_invalid=True)
    assert w["d"].tolist() == [96, 108, 120] and w.skipped == 2
    note = "skipped 2 points that break a size rule (the first: d = 102)"
    assert repr(w).splitlines()[-1] == " " + note
    assert w._repr_html_().count(note) == 1 and w._repr_latex_().count(note) == 1
    assert w._repr_markdown_().splitlines()[-1] == "S" + note[1:]


# ---- net.memory(...) ----------------------------------------------------------------------------
# fp32 weights at n = 1000: 795,010 params x 4 bytes = 3,180,040 bytes = 3.03 MiB (/ 1024**2);
# Adam's two fp32 moments: 8 bytes per param = 6,360,080 bytes = 6.07 MiB; no master copy in fp32.

def test_memory_is_still_its_byte_counts_and_shows_as_a_table():
    m = mlp(1000).memory(dtype="fp32", optimizer="adam", batch=1)
    assert (m.weights, m.optimizer) == (3180040, 6360080)
    weights = next(line for line in repr(m).splitlines() if line.startswith("│ weights "))
    assert [cell.strip() for cell in weights.strip("│").split("│")] == ["weights", "3,180,040", "3.03 MiB"]
    assert "<tr><td>weights</td><td>3,180,040</td><td>3.03 MiB</td></tr>" in m._repr_html_()
    assert "<tr><td>optimizer states</td><td>6,360,080</td><td>6.07 MiB</td></tr>" in m._repr_html_()
    assert "| weights | $3{,}180{,}040$ | 3.03 MiB |" in m._repr_markdown_()
    assert r"weights & $3\,180\,040$ & 3.03 MiB \\" in m._repr_latex_()


def test_memory_display_is_what_the_command_prints(tmp_path):
    source = tmp_path / "mlp.arch"
    source.write_text(MLP)
    for form, shown in [("text", repr), ("markdown", lambda m: m._repr_markdown_()),
                        ("latex", lambda m: m._repr_latex_())]:
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["memory", str(source), "--set", "n=1000", "--dtype", "fp32", "--optimizer", "adam",
                         "--batch", "1", "--format", form]) == 0
        assert out.getvalue() == shown(mlp(1000).memory(dtype="fp32", optimizer="adam", batch=1)) + "\n", form


def test_memory_by_block_shows_one_block_times_its_count():
    # Korthikanti et al. 2022, Table 2 (no recompute): s*b*h*(34 + 5*a*s/h) bytes per GPT-2 layer
    net = symparams.load(EXAMPLES / "gpt2_dropout.arch").model()
    m = net.memory(accounting="megatron").by_block()
    assert "L × (5*T**2*b*h + 34*T*b*d)" in repr(m)
    assert r"$L \times \left(5 T^{2} b h + 34 T b d\right)$" in m._repr_markdown_()
    assert m.subs({"b": 8}).blocks is None and "memory in bytes" in repr(m.subs({"b": 8}))


# ---- LaTeX: what nbconvert's PDF export includes compiles --------------------------------------

@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_the_latex_of_every_result_compiles(tmp_path):
    big, small = mlp(1000), mlp(500)
    body = "\n\n".join([big.breakdown()._repr_latex_(), big.compare(small)._repr_latex_(),
                        mlp().solve("n", params=10**6)._repr_latex_(), mlp().sweep(n="1:100")._repr_latex_(),
                        mlp().memory()._repr_latex_(), mlp(1000).memory(dtype="fp32")._repr_latex_()])
    (tmp_path / "results.tex").write_text("\\documentclass{article}\n\\usepackage{booktabs}\n"
                                          f"\\begin{{document}}\n{body}\n\\end{{document}}\n")
    p = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "results.tex"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=180)
    errors = [line for line in (tmp_path / "results.log").read_text(errors="replace").splitlines()
              if line.startswith("!")]
    assert p.returncode == 0 and not errors, errors or p.stdout[-1500:]


def test_a_whole_root_is_written_as_a_size():
    # 795*n + 10 = 795,010 at n = 1000 exactly: a size, written plain like the rounded value.
    html = mlp().solve("n", params=795010)._repr_html_()
    assert "<tr><td>1000</td><td>1000.000000</td><td>1000</td><td>795,010</td></tr>" in html
