"""`%load_ext symparams` and the `%%symparams` cell magic, through IPython's own machinery, and
in a notebook executed by nbclient (the `notebook` extra)."""
import os
import sys

import pytest
import sympy

from support import ROOT

pytest.importorskip("IPython", reason="IPython is not installed (it is in the `test` extra)")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

TINY = """model Tiny(H, W, C, n, k, f):
    input (H, W, C)
    conv2d(f, k) -> relu
    conv2d(n, k)
"""
H, W, C, n, k, f = sympy.symbols("H W C n k f", positive=True, integer=True)


@pytest.fixture()
def shell():
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext symparams")
    yield shell
    for name in ("net", "tiny"):
        shell.user_ns.pop(name, None)


def cell(shell, line, body):
    return shell.run_cell(f"%%symparams {line}\n{body}")


def test_the_cell_is_evaluated_displayed_and_bound_to_net(shell):
    result = cell(shell, "", TINY)
    net = shell.user_ns["net"]
    assert result.result is net
    # Keras's Conv2D: f*(C*k*k + 1) then n*(f*k*k + 1).
    assert sympy.expand(net.params - (f * (C * k**2 + 1) + n * (f * k**2 + 1))) == 0
    data, _ = shell.display_formatter.format(result.result)
    assert "<td>conv2d_1 (conv2d)</td>" in data["text/html"]


@pytest.mark.parametrize("line, figure", [
    ("--set k=3,f=8 -o tiny", 8 * (9 * C + 1) + n * (8 * 9 + 1)),
    # torch reads (H, W, C) channels first (LANGUAGE.md §8): the first conv sees H = 32 channels.
    ("--convention torch -o tiny --set H=32,W=32,C=8,n=16,k=3,f=8", 8 * (32 * 9 + 1) + 16 * (8 * 9 + 1)),
])
def test_options_bind_values_and_name(shell, line, figure):
    cell(shell, line, TINY)
    assert "net" not in shell.user_ns
    assert sympy.expand(shell.user_ns["tiny"].params - figure) == 0


def test_a_located_error_points_into_the_cell(shell, capsys):
    result = cell(shell, "", "model M(H):\n    input (H, 3)\n    dense(4) -> nonsense_layer\n")
    err = capsys.readouterr().err
    assert result.result is None and "net" not in shell.user_ns
    assert err.startswith("<cell>:3:17: error: unknown layer, block or tensor 'nonsense_layer'\n")
    assert err.endswith("        dense(4) -> nonsense_layer\n                    ^~~~~~~~~~~~~~\n")
    assert "Traceback" not in err


@pytest.mark.parametrize("line, message", [
    ("--colour red", "%%symparams: error: unknown option '--colour'"),
    ("-o 2x", "%%symparams: error: -o '2x': expected a Python name"),
    ("--set q=1", "%%symparams: error: model Tiny has no symbol q"),
])
def test_usage_mistakes_are_one_line(shell, capsys, line, message):
    cell(shell, line, TINY)
    assert capsys.readouterr().err.startswith(message)


def test_an_executed_notebook_renders_the_cell_as_a_table(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="the notebook extra (nbformat, nbclient) is not installed")
    nbclient = pytest.importorskip("nbclient", reason="the notebook extra (nbformat, nbclient) is not installed")
    pytest.importorskip("ipykernel", reason="the notebook extra (ipykernel) is not installed")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%load_ext symparams"),
        nbformat.v4.new_code_cell("%%symparams --set H=32,W=32,C=3,n=16,k=3,f=8\n" + TINY),
        nbformat.v4.new_code_cell("net.params"),
        # n free: params = 8*(3*9 + 1) + n*(8*9 + 1) = 224 + 73*n
        nbformat.v4.new_code_cell("%%symparams --set H=32,W=32,C=3,k=3,f=8 -o free\n" + TINY),
        nbformat.v4.new_code_cell("free.breakdown()"),
        nbformat.v4.new_code_cell("free.compare(net)"),
        nbformat.v4.new_code_cell("free.solve('n', params=1392)"),
        nbformat.v4.new_code_cell("free.sweep(n='8,16')"),
        nbformat.v4.new_code_cell("net.memory(dtype='fp32', optimizer='sgd', batch=1)"),
    ])
    env_path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    os.environ["PYTHONPATH"] = env_path
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    table = notebook.cells[1].outputs[0]["data"]
    assert "<td>conv2d_1 (conv2d)</td>" in table["text/html"]
    # 8*(3*9 + 1) + 16*(8*9 + 1) = 224 + 1168
    assert notebook.cells[2].outputs[0]["data"]["text/plain"] == "1392"
    shown = {cell.source: cell.outputs[0]["data"] for cell in notebook.cells[4:]}
    for source, data in shown.items():
        assert "<table>" in data["text/html"], source
        assert {"text/markdown", "text/latex", "text/plain"} <= set(data), source
    # compare: A - B = 73*n - 1168 (n = 16 in B); solve: 73*n + 224 = 1392 at n = 16;
    # sweep: n = 8 gives 224 + 584 = 808, n = 16 gives 1,392.
    assert r"<td>\(73 n - 1168\)</td>" in shown["free.compare(net)"]["text/html"]
    solved = shown["free.solve('n', params=1392)"]["text/html"]
    assert "<tr><td>16</td><td>16.000000</td><td>16</td><td>1,392</td></tr>" in solved
    assert "<tr><td>16</td><td>1,392</td>" in shown["free.sweep(n='8,16')"]["text/html"]
    # memory: 1,392 params x 4 bytes (fp32) = 5,568 bytes = 5.44 KiB
    memory = shown["net.memory(dtype='fp32', optimizer='sgd', batch=1)"]["text/html"]
    assert "<tr><td>weights</td><td>5,568</td><td>5.44 KiB</td></tr>" in memory
