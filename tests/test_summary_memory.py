"""`symparams summary FILE --memory [memory options]`: after the summary, the table `symparams
memory` prints for the same options (issue 13: "summary --memory ... show the same figures").

The figures are derived by hand for a one-layer model written below."""
import json
import shutil
import subprocess

import pytest

from symparams.cli import main
from support import EXAMPLES

DENSE = """model Dense10():
    input (100,)
    dense(10)
"""
# Keras Dense(10) on 100 features: a 100 x 10 kernel and 10 biases = 1,010 params.
# fp32 weights: 1,010 x 4 = 4,040 bytes = 3.95 KiB (4040 / 1024 = 3.945...).
# Adam: two fp32 moments, 8 bytes per param = 8,080 bytes = 7.89 KiB.
WEIGHTS, OPTIMIZER = 1010 * 4, 1010 * 8


@pytest.fixture()
def dense(tmp_path):
    path = tmp_path / "dense.arch"
    path.write_text(DENSE)
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


MEMORY_OPTIONS = ("--dtype", "fp32", "--optimizer", "adam", "--batch", "1")


@pytest.mark.parametrize("form", ["text", "markdown", "latex"])
def test_the_memory_table_follows_the_summary_as_the_memory_command_prints_it(capsys, dense, form):
    code, summary, _ = run(capsys, "summary", dense, "--format", form)
    assert code == 0
    code, memory, _ = run(capsys, "memory", dense, "--format", form, *MEMORY_OPTIONS)
    assert code == 0
    code, both, _ = run(capsys, "summary", dense, "--format", form, "--memory", *MEMORY_OPTIONS)
    assert code == 0
    assert both == summary.rstrip("\n") + "\n\n" + memory


@pytest.mark.parametrize("form, weights_cell", [
    ("text", f"{WEIGHTS:,}"),                                  # 4,040
    ("markdown", "$" + f"{WEIGHTS:,}".replace(",", "{,}") + "$"),
    ("latex", "$" + f"{WEIGHTS:,}".replace(",", "\\,") + "$"),
])
def test_the_weights_row_is_params_times_four_bytes(capsys, dense, form, weights_cell):
    _, out, _ = run(capsys, "summary", dense, "--format", form, "--memory", *MEMORY_OPTIONS)
    weights = next(line for line in out.splitlines() if "weights" in line and "KiB" in line)
    assert weights_cell in weights and "3.95 KiB" in weights


def test_json_has_a_memory_key_with_plain_integers(capsys, dense):
    _, out, _ = run(capsys, "summary", dense, "--format", "json", "--memory", *MEMORY_OPTIONS)
    figures = json.loads(out)
    assert figures["params"] == "1010"
    assert figures["memory"]["weights"] == {"bytes": str(WEIGHTS), "size": "3.95 KiB", "value": WEIGHTS}
    assert figures["memory"]["optimizer"]["value"] == OPTIMIZER
    _, alone, _ = run(capsys, "memory", dense, "--format", "json", *MEMORY_OPTIONS)
    assert figures["memory"] == json.loads(alone)


def test_by_block_shows_the_breakdown_then_the_activations_per_block(capsys):
    # Korthikanti et al. 2022, Table 2 (no recompute): s*b*h*(34 + 5*a*s/h) bytes per GPT-2 layer
    argv = (str(EXAMPLES / "gpt2_dropout.arch"), "--accounting", "megatron")
    _, breakdown, _ = run(capsys, "summary", argv[0], "--by", "block")
    _, memory, _ = run(capsys, "memory", *argv, "--by", "block")
    _, both, _ = run(capsys, "summary", *argv, "--by", "block", "--memory")
    assert both == breakdown.rstrip("\n") + "\n\n" + memory
    assert "L × (5*T**2*b*h + 34*T*b*d)" in both


@pytest.mark.parametrize("argv, message", [
    (("--dtype", "fp32"), "symparams: error: --dtype goes with --memory"),
    (("--batch", "8", "--zero", "1"), "symparams: error: --batch, --zero go with --memory"),
    (("--memory", "--format", "latex", "--beamer"), "symparams: error: --memory adds a table after the summary's"),
    (("--memory", "--zero", "2"), "symparams: error: --zero splits over data-parallel replicas"),
])
def test_usage_mistakes(capsys, dense, argv, message):
    code, _, err = run(capsys, "summary", dense, *argv)
    assert code == 2 and err.startswith(message)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_a_standalone_document_holds_both_tables_and_compiles(capsys, dense, tmp_path):
    _, out, _ = run(capsys, "summary", dense, "--format", "latex", "--standalone", "--memory", *MEMORY_OPTIONS)
    assert out.count("\\end{document}") == 1 and out.index("Part & Bytes & Size") < out.index("\\end{document}")
    (tmp_path / "s.tex").write_text(out)
    p = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "s.tex"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=180)
    errors = [line for line in (tmp_path / "s.log").read_text(errors="replace").splitlines() if line.startswith("!")]
    assert p.returncode == 0 and not errors, errors or p.stdout[-1500:]
