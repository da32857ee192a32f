"""`symparams plot`: the image is written and the plotted points are the formula's values."""
import subprocess
import sys

import pytest
import sympy

import symparams
from support import EXAMPLES
from symparams.commands.plot import curve, figure, parse_range

pytest.importorskip("matplotlib", reason="matplotlib is not installed (it is the `plot` extra)")

GPT2 = EXAMPLES / "gpt2.arch"


def test_ranges():
    assert parse_range("d=64:4096", 7) == ("d", [64, 128, 256, 512, 1024, 2048, 4096])
    assert parse_range("d=96:480:96") == ("d", [96, 192, 288, 384, 480])


def test_plotted_values_are_the_formula(tmp_path):
    if not GPT2.exists():
        pytest.skip("examples/gpt2.arch is not there")
    out = tmp_path / "params.png"
    p = subprocess.run([sys.executable, "-m", "symparams", "plot", str(GPT2), str(EXAMPLES / "resnet.arch:Tiny"),
                        "--x", "f=64:4096", "--points", "5", "--set", "H=32,W=32,C=3,n=10,k=3", "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "GPT2 has no symbol f" in p.stderr          # the x symbol must exist in each
    p = subprocess.run([sys.executable, "-m", "symparams", "plot", str(GPT2), "--x", "d=96:4608:96", "--defaults",
                        "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    # The figure's points: params = V*d + T*d + L*(12*d**2 + 13*d) + 2*d at GPT-2 small's V, T, L.
    net = symparams.load(GPT2).model().subs(V=50257, T=1024, L=12, h=12)
    c = curve(net, "d", [96, 768, 1536, 100], skip_invalid=True)
    assert c.x == [96, 768, 1536] and c.skipped == [100]                   # 12 heads must divide d
    fig = figure([c], "d")
    params_line, macs_line = fig.axes[0].lines[0], fig.axes[1].lines[0]
    for x, y in zip(params_line.get_xdata(), params_line.get_ydata()):
        assert y == 50257 * x + 1024 * x + 12 * (12 * x**2 + 13 * x) + 2 * x
    for x, y in zip(macs_line.get_xdata(), macs_line.get_ydata()):
        assert y == 12 * (12 * 1024 * x**2 + 2 * 1024**2 * x)
    assert fig.axes[0].get_xscale() == fig.axes[0].get_yscale() == "log"
    assert c.params[1] == 124439808                                          # GPT-2 small, exactly


def test_several_models_on_one_figure(tmp_path):
    out = tmp_path / "two.png"
    p = subprocess.run([sys.executable, "-m", "symparams", "plot", str(EXAMPLES / "resnet.arch:Tiny"),
                        str(EXAMPLES / "vgg16.arch"), "--x", "H=32:512", "--points", "9", "--set", "W=H,C=3,n=10,k=3,f=8",
                        "--defaults", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Tiny, VGG16" in p.stdout and out.exists()
    tiny = symparams.load(EXAMPLES / "resnet.arch").model("Tiny")
    c = curve(tiny.subs(W=sympy.Symbol("H", positive=True, integer=True), C=3, n=10, k=3, f=8), "H", [32, 64])
    # MACs = C*f*k**2*(H - k + 1)*(W - k + 1) + f*k**2*n*(H - 2*k + 2)*(W - 2*k + 2) with W = H
    assert c.macs == [3 * 8 * 9 * 30**2 + 8 * 9 * 10 * 28**2, 3 * 8 * 9 * 62**2 + 8 * 9 * 10 * 60**2]


def test_plot_and_sweep_read_one_range_syntax():
    from symparams.sweep import parse_range as sweep_range
    # STEP and lists mean the same in both; LO:HI is step 1 for sweep, log-spaced for plot.
    assert parse_range("d=2**6:320:64") == ("d", sweep_range("64:320:64").tolist()) == ("d", [64, 128, 192, 256, 320])
    assert parse_range("d=8,16,64") == ("d", sweep_range("8,16,64").tolist())
    assert sweep_range("1:4").tolist() == [1, 2, 3, 4] and parse_range("d=1:1000", 4)[1] == [1, 10, 100, 1000]


def test_plot_refuses_a_value_the_model_refuses_as_sweep_does(tmp_path):
    # --x d=0:8:2: d = 0 is no width, refused by the model's size rule (the one sweep applies),
    # at the first bad point; --skip-invalid draws the others and counts the one dropped
    source = tmp_path / "m.arch"
    source.write_text("model M(H, d):\n    input (H, 3)\n    dense(d)\n")
    for command in (["plot", "--x", "d=0:8:2", "--out", str(tmp_path / "p.png")], ["sweep", "--vary", "d=0:8:2"]):
        p = subprocess.run([sys.executable, "-m", "symparams", command[0], str(source), *command[1:], "--set", "H=4"],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 1, p.stderr
        assert p.stderr.splitlines()[0] == (f"{source}:3:11: error: at d = 0: dense: argument 'units' = d becomes 0, "
                                            f"which is not positive")
    p = subprocess.run([sys.executable, "-m", "symparams", "plot", str(source), "--x", "d=1.5,2", "--set", "H=4",
                        "--out", str(tmp_path / "p.png")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert p.stderr.splitlines()[0] == f"{source}:3:11: error: at d = 1.5: dense: argument 'units' = d must be whole " \
                                       f"(it comes to 3/2)"
    p = subprocess.run([sys.executable, "-m", "symparams", "plot", str(source), "--x", "d=0:8:2", "--set", "H=4",
                        "--skip-invalid", "--out", str(tmp_path / "p.png")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == " M: skipped 1 points that break a size rule (the first: d = 0)"
    # d = 2, 4, 6, 8 drawn: params 3d + d
    c = curve(symparams.parse("model M(H, d):\n    input (H, 3)\n    dense(d)\n").model().subs(H=4), "d", [0, 2, 4])
    assert c.x == [2, 4] and c.params == [8, 16] and c.skipped == [0]
