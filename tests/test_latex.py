"""LaTeX for slides and papers: symbol names, `summary --format latex`, and documents that
pdflatex compiles without an error (skipped, with the reason, where pdflatex is absent)."""
import shutil
import subprocess
import sys

import pytest
import sympy

import symparams
from support import EXAMPLES
from symparams.printers.latex import broken_lines, document, symbol_latex
from symparams.printers.latex_table import render

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (apt-get install "
                                    "texlive-latex-base texlive-latex-recommended)")

TINY = EXAMPLES / "resnet.arch"
GPT2 = EXAMPLES / "gpt2.arch"


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "symparams", *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize("name, tex", [
    ("d_model", r"d_{\mathrm{model}}"), ("n_layer", r"n_{\mathrm{layer}}"), ("alpha", r"\alpha"),
    ("alpha_1", r"\alpha_{1}"), ("Delta", r"\Delta"), ("lamda", r"\lambda"), ("h2", "h_{2}"), ("d_k", "d_{k}"),
    ("W_q_proj", r"W_{q,\mathrm{proj}}"), ("vocab", r"\mathrm{vocab}"), ("d", "d"), ("Alpha", "A"),
    ("_x", r"\mathrm{\_x}")])
def test_symbol_names_as_authors_write_them(name, tex):
    assert symbol_latex(name) == tex
    assert symparams.latex(sympy.Symbol(name, positive=True, integer=True)) == tex


def test_names_override_any_symbol():
    d, L = sympy.symbols("d L", positive=True, integer=True)
    assert symparams.latex(12 * L * d**2, names={"d": r"d_{m}"}) == r"12 L d_{m}^{2}"
    assert symparams.latex(d**2, names={"d": r"d^{m}"}) == r"\left(d^{m}\right)^{2}"


def test_words_get_a_thin_space_in_products():
    classes, d = sympy.symbols("classes d", positive=True, integer=True)
    assert symparams.latex(2049 * classes) == r"2049\, \mathrm{classes}"
    assert symparams.latex(classes * d) == r"\mathrm{classes}\, d"


def test_nested_floors_stay_one_line_high():
    H = sympy.Symbol("H", positive=True, integer=True)
    e = sympy.floor(sympy.floor(H / 2 - sympy.Rational(1, 2)) / 2) + 1
    assert symparams.latex(e) == r"\left\lfloor \left\lfloor H / 2 - 1 / 2 \right\rfloor / 2 \right\rfloor + 1"


def test_long_sums_break_after_whole_terms():
    x = sympy.symbols("a b c d e f g", positive=True)
    lines = broken_lines(sum(1000 * s for s in x), width=24)
    assert lines == ["1000 a + 1000 b + 1000 c", "+ 1000 d + 1000 e", "+ 1000 f + 1000 g"]


def test_tiny_table_is_exact():
    net = symparams.load(TINY).model("Tiny")
    assert render(net) == r"""% Tiny, keras convention; needs \usepackage{booktabs}, \usepackage{array}
\begin{tabular}{lll>{\raggedright\arraybackslash}p{5.5cm}}
\toprule
Layer (type) & Output shape & Params & MACs \\
\midrule
input (input) & $(H, W, C)$ & $0$ & $0$ \\
conv2d (conv2d) & $(H - k + 1, W - k + 1, f)$ & $f \left(C k^{2} + 1\right)$ & $C f k^{2} \left(H - k + 1\right)\allowbreak \left(W - k + 1\right)$ \\
relu (relu) & $(H - k + 1, W - k + 1, f)$ & $0$ & $0$ \\
conv2d\_1 (conv2d) & $(H - 2 k + 2, W - 2 k + 2, n)$ & $n \left(f k^{2} + 1\right)$ & $f k^{2} n \left(H - 2 k + 2\right)\allowbreak \left(W - 2 k + 2\right)$ \\
\midrule
Total params & \multicolumn{3}{l}{$f \left(C k^{2} + 1\right) + n \left(f k^{2} + 1\right)$} \\
Trainable params & \multicolumn{3}{l}{$f \left(C k^{2} + 1\right) + n \left(f k^{2} + 1\right)$} \\
Non-trainable params & \multicolumn{3}{l}{$0$} \\
MACs & \multicolumn{3}{l}{$C f k^{2} \left(H - k + 1\right)\allowbreak \left(W - k + 1\right) + f k^{2} n \left(H - 2 k + 2\right)\allowbreak \left(W - 2 k + 2\right)$} \\
\bottomrule
\end{tabular}"""


def test_gpt2_block_is_one_row_with_its_repeat_count():
    if not GPT2.exists():
        pytest.skip("examples/gpt2.arch is not there")
    net = symparams.load(GPT2).model()
    tex = render(net)
    # One GPT-2 block: 2 LayerNorms 4d, attention 4d(d+1), MLP 4d(d+1) + d(4d+1): 12d^2 + 13d, L times.
    assert r"\textbf{GPT2Block} (GPT2Block) & $(T, d)$ & $d \left(12 d + 13\right) \times L$" in tex
    assert r"Total params & \multicolumn{3}{l}{$L \left(12 d^{2} + 13 d\right) + T d + V d + 2 d$}" in tex
    assert "multi\\_head\\_attention" in render(net, expand=True)


def test_formula_only_and_latex_names_from_the_command_line():
    code, out, err = cli("summary", str(TINY), "--model", "Tiny", "--format", "latex", "--formula", "params",
                         "--latex-name", "f=F_{1}", "--latex-name", "n=F_{2}")
    assert (code, err) == (0, "")
    assert out == r"F_{1} \left(C k^{2} + 1\right) + F_{2} \left(F_{1} k^{2} + 1\right)" + "\n"
    code, out, err = cli("summary", str(TINY), "--model", "Tiny", "--format", "latex", "--latex-name", "oops")
    assert code == 2 and "NAME=LATEX" in err


def test_standalone_document_has_the_packages():
    net = symparams.load(TINY).model("Tiny")
    doc = render(net, standalone=True)
    for package in ("amsmath", "booktabs", "array", "longtable"):
        assert f"\\usepackage{{{package}}}" in doc
    assert doc.startswith("\\documentclass") and doc.rstrip().endswith("\\end{document}")
    assert "\\begin{align*}" in doc and "\\begin{tabular}" in doc    # 4 rows: a page holds them


def compile_tex(tmp_path, name, tex):
    (tmp_path / f"{name}.tex").write_text(tex)
    for _ in range(2):          # longtable settles its column widths on the second run
        p = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=180)
        log = (tmp_path / f"{name}.log").read_text(errors="replace")
        errors = [line for line in log.splitlines() if line.startswith("!")]
        assert p.returncode == 0 and not errors, f"{name}: {errors or p.stdout[-1500:]}"
    return tmp_path / f"{name}.pdf"


CASES = [("tiny", TINY, "Tiny", {}), ("resnet50", EXAMPLES / "resnet50.arch", None, {}),
         ("resnet50_224", EXAMPLES / "resnet50.arch", None, {"defaults": True}),
         ("vgg16", EXAMPLES / "vgg16.arch", None, {}), ("gpt2", GPT2, None, {})]


@needs_pdflatex
@pytest.mark.parametrize("name, path, model, options", CASES, ids=[c[0] for c in CASES])
def test_pdflatex_compiles_tables_and_formulas(tmp_path, name, path, model, options):
    if not path.exists():
        pytest.skip(f"{path.name} is not there")
    net = symparams.load(path).model(model, **options)
    assert compile_tex(tmp_path, name, render(net, standalone=True)).stat().st_size > 1000
    assert compile_tex(tmp_path, name + "_expanded", render(net, standalone=True, expand=True)).exists()
    # The bare table and the formulas, pasted into a document of one's own.
    body = render(net) + "\n\n" + render(net, figures=["params", "trainable", "macs"])
    compile_tex(tmp_path, name + "_pasted", document(body, landscape=True))
    # A one-formula paste into inline math.
    compile_tex(tmp_path, name + "_inline", document("$" + render(net, figures=["params"]) + "$"))


@needs_pdflatex
def test_the_command_line_document_compiles_with_renamed_symbols(tmp_path):
    if not GPT2.exists():
        pytest.skip("examples/gpt2.arch is not there")
    code, out, err = cli("summary", str(GPT2), "--format", "latex", "--standalone", "--expand",
                         "--latex-name", r"d=d_{\mathrm{model}}", "--latex-name", r"L=n_{\mathrm{layer}}")
    assert (code, err) == (0, "")
    assert r"n_{\mathrm{layer}} \left(12 d_{\mathrm{model}}^{2} + 13 d_{\mathrm{model}}\right)" in out
    compile_tex(tmp_path, "gpt2_cli", out)


def compile_once(tmp_path, name, tex):
    """One pdflatex run must give the finished document: no error and no request to rerun."""
    (tmp_path / f"{name}.tex").write_text(tex)
    p = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=180)
    log = (tmp_path / f"{name}.log").read_text(errors="replace")
    problems = [line for line in log.splitlines() if line.startswith("!") or "Rerun to" in line
                or "Rerun LaTeX" in line or line.startswith("Overfull \\vbox")]
    assert p.returncode == 0 and not problems, f"{name}: {problems or p.stdout[-1500:]}"
    return log


# Rows of the table (layers shown + totals): a page holds 26; longer tables break across pages.
@pytest.mark.parametrize("path, model, expand, environment", [
    (TINY, "Tiny", False, "tabular"),                 # 4 layers
    (GPT2, None, False, "tabular"),                   # 7 rows, GPT2Block once
    (EXAMPLES / "resnet50.arch", None, False, "tabular"),     # 17 rows: stages as block calls
    (EXAMPLES / "resnet50.arch", None, True, "longtable"),    # 177 layers expanded
])
def test_standalone_uses_a_longtable_only_for_a_table_a_page_cannot_hold(path, model, expand, environment):
    tex = render(symparams.load(path).model(model), standalone=True, expand=expand)
    assert f"\\begin{{{environment}}}" in tex
    assert ("\\begin{longtable}" in tex) == (environment == "longtable")


@needs_pdflatex
@pytest.mark.parametrize("path, model", [(TINY, "Tiny"), (GPT2, None), (EXAMPLES / "resnet50.arch", None)])
def test_a_standalone_page_is_finished_after_one_pdflatex_run(tmp_path, path, model):
    compile_once(tmp_path, "page", render(symparams.load(path).model(model), standalone=True))


@needs_pdflatex
@pytest.mark.parametrize("path, model, expand", [(TINY, "Tiny", False), (GPT2, None, True),
                                                 (EXAMPLES / "resnet50.arch", None, True)])
def test_a_beamer_deck_compiles_in_one_run_and_the_table_fits_the_frame(tmp_path, path, model, expand):
    net = symparams.load(path).model(model)
    frame = render(net, beamer=True, expand=expand)
    assert frame.startswith("\\begin{frame}{Model ") and frame.endswith("\\end{frame}")
    deck = render(net, beamer=True, standalone=True, expand=expand)
    assert deck.startswith("\\documentclass{beamer}") and frame in deck
    log = compile_once(tmp_path, "deck", deck)
    assert "Output written on deck.pdf (1 page" in log.replace("\n", "")


@pytest.mark.parametrize("args, message", [
    (["--beamer"], "--standalone, --beamer and --formula go with --format latex"),
    (["--format", "latex", "--beamer", "--formula", "params"], "--beamer shows the table; --formula gives"),
])
def test_beamer_usage_errors(args, message):
    code, out, err = cli("summary", str(TINY), "--model", "Tiny", *args)
    assert code == 2 and message in err
