"""What Jupyter shows for results: checked through IPython's own display formatter."""
import pytest

import symparams
from support import EXAMPLES

IPython = pytest.importorskip("IPython", reason="IPython is not installed (it is in the `test` extra)")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

TINY = EXAMPLES / "resnet.arch"


@pytest.fixture(scope="module")
def formatter():
    return InteractiveShell.instance().display_formatter


@pytest.fixture(scope="module")
def tiny():
    return symparams.load(TINY).model("Tiny")


def test_model_offers_html_markdown_latex_and_plain(formatter, tiny):
    data, _ = formatter.format(tiny)
    assert {"text/plain", "text/html", "text/markdown", "text/latex"} <= set(data)
    assert data["text/plain"] == "<ModelResult Tiny (keras): params=f*(C*k**2 + 1) + n*(f*k**2 + 1), " \
                                 "output_shape=(H - 2*k + 2, W - 2*k + 2, n)>"
    assert data["text/latex"] == (
        r"$$\begin{aligned}\text{Params} &= f \left(C k^{2} + 1\right) + n \left(f k^{2} + 1\right) \\ "
        r"\text{MACs} &= C f k^{2} \left(H - k + 1\right) \left(W - k + 1\right) + f k^{2} n \left(H - 2 k + 2\right)"
        r" \left(W - 2 k + 2\right)\end{aligned}$$")
    assert data["text/markdown"] == TINY_MARKDOWN


# Written out by hand: conv2d(f, k) on (H, W, C) holds f*(C*k**2 + 1) and makes C*f*k**2 MACs at
# each of its (H - k + 1)(W - k + 1) positions; relu holds nothing; conv2d(n, k) on f channels the same.
TINY_MARKDOWN = r"""**Model Tiny** (keras convention)

Symbols: $C$, $H$, $W$, $f$, $k$, $n$

| Layer (type) | Output shape | Params | MACs |
|---|---|---|---|
| input (input) | $(H, W, C)$ | $0$ | $0$ |
| conv2d (conv2d) | $(H - k + 1, W - k + 1, f)$ | $f \left(C k^{2} + 1\right)$ | $C f k^{2} \left(H - k + 1\right) \left(W - k + 1\right)$ |
| relu (relu) | $(H - k + 1, W - k + 1, f)$ | $0$ | $0$ |
| conv2d_1 (conv2d) | $(H - 2 k + 2, W - 2 k + 2, n)$ | $n \left(f k^{2} + 1\right)$ | $f k^{2} n \left(H - 2 k + 2\right) \left(W - 2 k + 2\right)$ |

- Total params: $f \left(C k^{2} + 1\right) + n \left(f k^{2} + 1\right)$
- Trainable params: $f \left(C k^{2} + 1\right) + n \left(f k^{2} + 1\right)$
- Non-trainable params: $0$
- MACs: $C f k^{2} \left(H - k + 1\right) \left(W - k + 1\right) + f k^{2} n \left(H - 2 k + 2\right) \left(W - 2 k + 2\right)$ (FLOPs = 2 × MACs)"""


def test_html_cells_are_mathjax_ready(formatter, tiny):
    html = formatter.format(tiny)[0]["text/html"]
    assert ("<td>conv2d_1 (conv2d)</td><td>\\((H - 2 k + 2, W - 2 k + 2, n)\\)</td>"
            "<td>\\(n \\left(f k^{2} + 1\\right)\\)</td>") in html
    assert "<tr><th>Total params</th><td>\\(f \\left(C k^{2} + 1\\right) + n \\left(f k^{2} + 1\\right)\\)</td></tr>" \
        in html
    assert html.count("<tr") == 1 + 4 + 4            # header, 4 layers, 4 totals (keras: no buffers)


def test_blocks_are_rows_in_html_and_symbols_show_defaults(formatter):
    path = EXAMPLES / "gpt2.arch"
    if not path.exists():
        pytest.skip("examples/gpt2.arch is not there")
    html = formatter.format(symparams.load(path).model())[0]["text/html"]
    assert ('<tr class="block"><td>GPT2Block (GPT2Block)</td><td>\\((T, d)\\)</td>'
            '<td>\\(d \\left(12 d + 13\\right) \\times L\\)</td>') in html
    assert "\\(L = 12\\)" in html and "\\(d = 768\\)" in html


def test_layer_row(formatter, tiny):
    data, _ = formatter.format(tiny.layers[-1])
    assert data["text/plain"] == "<LayerRow conv2d_1 (conv2d) params=n*(f*k**2 + 1) output=(H - 2*k + 2, W - 2*k + 2, n)>"
    assert data["text/latex"] == (r"$\text{conv2d\_1 (conv2d)}: (H - 2 k + 2, W - 2 k + 2, n),\ "
                                  r"\text{params} = n \left(f k^{2} + 1\right),\ \text{MACs} = f k^{2} n "
                                  r"\left(H - 2 k + 2\right) \left(W - 2 k + 2\right)$")
    assert data["text/markdown"].startswith("**conv2d_1** (conv2d): $(H - 2 k + 2, W - 2 k + 2, n)$")
    assert "<td>\\(n \\left(f k^{2} + 1\\right)\\)</td>" in data["text/html"]


def test_repr_stays_short():
    net = symparams.load(EXAMPLES / "resnet50.arch").model()
    assert repr(net) == "<ModelResult ResNet50 (keras): params=2049*classes + 23587712, output_shape=(classes,)>"
    assert repr(net.subs(classes=10).macs) != repr(net.macs)
    # ResNet's stages collapse to one floor each: floor(H/32 + 31/32) after five stride-2 layers.
    assert repr(net.layers[-3]) == ("<LayerRow relu_48 (relu) params=0 output=(floor(H/32 + 31/32), "
                                    "floor(W/32 + 31/32), 2048)>")
    # Upsampling by 3 between stride-2 layers nests floors that do not collapse: the repr is cut.
    nested = symparams.parse("model M(H):\n    input (H, 3)\n"
                             + "    up_sampling1d(3) -> conv1d(3, 1, strides=2, padding='same')\n" * 5).model()
    row = nested.layers[-1]
    assert len(repr(row)) < 170 and repr(row).endswith("…>")
    assert repr(row).startswith("<LayerRow conv1d_4 (conv1d) params=12 output=(floor(3*floor(3*floor(")


def test_eval_layer_shows_as_its_one_layer_table(formatter):
    # conv2d(64, 3) on 32x32x3: 64 * (3*3*3 + 1) = 1,792 params; 30*30 positions * 64 * 27 = 1,555,200 MACs.
    data, _ = formatter.format(symparams.eval_layer("conv2d(64, 3)", input=(32, 32, 3)))
    assert data["text/plain"] == "<LayerResult conv2d: params=1792, output_shape=(30, 30, 64)>"
    assert "| conv2d (conv2d) | $(30, 30, 64)$ | $1{,}792$ | $1{,}555{,}200$ |" in data["text/markdown"]
    assert "<table" in data["text/html"] and "1,555,200" in data["text/html"]
    assert r"1\,792" in data["text/latex"]
