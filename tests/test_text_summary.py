"""The text summary: block calls as rows (expandable), wrapping with --width, symbols with their
defaults, colour only on a terminal without NO_COLOR."""
import subprocess
import sys

import pytest

import symparams
from support import EXAMPLES
from symparams.printers.text import render_model, wrap_cell

GPT2 = EXAMPLES / "gpt2.arch"


def cli(*args, env=None):
    p = subprocess.run([sys.executable, "-m", "symparams", *args], capture_output=True, text=True, timeout=120,
                       env=env)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def gpt2():
    if not GPT2.exists():
        pytest.skip("examples/gpt2.arch is not there")
    return symparams.load(GPT2).model()


GPT2_TEXT = """\
Model: GPT2   convention: keras   symbols: L=12, T=1024, V=50257, d=768, h=12
┏━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)          ┃ Output shape ┃ Params            ┃
┡━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ tokens (input)        │ (T,)         │ 0                 │
│ positions (input)     │ (T,)         │ 0                 │
│ wte (embedding)       │ (T, d)       │ V*d               │
│ wpe (embedding)       │ (T, d)       │ T*d               │
│ add (add)             │ (T, d)       │ 0                 │
│ GPT2Block (GPT2Block) │ (T, d)       │ d*(12*d + 13)  ×L │
│ ln_f (layer_norm)     │ (T, d)       │ 2*d               │
└───────────────────────┴──────────────┴───────────────────┘
 Total params: L*(12*d**2 + 13*d) + T*d + V*d + 2*d
 Trainable params: L*(12*d**2 + 13*d) + T*d + V*d + 2*d
 Non-trainable params: 0
 MACs: L*(2*T**2*d + 12*T*d**2)
 Requires: d/h whole"""


def test_a_block_call_is_one_row_by_default(gpt2):
    # One block: LayerNorms 2*2d, attention 4d(d+1), MLP 4d(d+1) + d(4d+1) = 12d^2 + 13d, L times.
    assert render_model(gpt2) == GPT2_TEXT


def test_expand_shows_the_layers_indented_under_their_block(gpt2):
    lines = render_model(gpt2, expand=True).splitlines()
    block = next(i for i, line in enumerate(lines) if "GPT2Block (GPT2Block)" in line)
    assert lines[block + 1] == "│   layer_norm (layer_norm)                     │ (T, d)       │ 2*d  ×L           │"
    assert lines[block + 2].startswith("│   multi_head_attention (multi_head_attention) │ (T, d)       │ 4*d*(d + 1)  ×L")
    assert sum("×L" in line for line in lines) == 5 + 1        # 5 layers with weights, and the block row


def test_nested_blocks_and_depth():
    net = symparams.load(EXAMPLES / "resnet50.arch").model(defaults=True)
    collapsed = render_model(net)
    assert "│ Stage (Stage) " in collapsed and "ConvBlock" not in collapsed
    assert collapsed.count("(Stage)") == 4
    one = render_model(net, expand=1)
    assert "│   ConvBlock (ConvBlock) " in one and "│     conv2d_1 (conv2d)" not in one
    everything = render_model(net, expand=True)
    assert "│     conv2d_1 (conv2d)" in everything
    # Stage 1 = ConvBlock(64) + 2 IdentityBlock(64) with Keras's biases and 4 BN weights per channel
    conv_block = (64 * 256 + 256 + 4 * 256) + (64 * 64 + 64 + 4 * 64) + (9 * 64 * 64 + 64 + 4 * 64) \
        + (64 * 256 + 256 + 4 * 256)
    identity = (256 * 64 + 64 + 4 * 64) + (9 * 64 * 64 + 64 + 4 * 64) + (64 * 256 + 256 + 4 * 256)
    row = next(line for line in collapsed.splitlines() if "│ Stage (Stage) " in line)
    assert row.split("│")[3].strip() == f"{conv_block + 2 * identity:,}"   # 220,032: Keras's separators
    assert "symbols: none" in collapsed.splitlines()[0]


def test_wrapping_keeps_the_table_inside_the_width():
    net = symparams.load(EXAMPLES / "resnet50.arch").model()
    text = render_model(net, width=90)
    assert max(len(line) for line in text.splitlines()) <= 90
    # Wrapping only moves line breaks: the MACs total reads the same once joined.
    macs = text[text.index(" MACs: ") + 7:]
    assert " ".join(part.strip() for part in macs.splitlines()) == str(net.macs)
    assert wrap_cell("a + bb + ccc + dddd", 9) == ["a + bb", "+ ccc", "+ dddd"]
    assert wrap_cell("  x_y_z_w", 6) == ["  x_y_", "  z_w"]


def test_piped_output_has_no_colour_and_no_wrapping():
    code, out, _ = cli("summary", str(EXAMPLES / "resnet50.arch"))
    assert code == 0 and "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) > 200        # the MACs line, unwrapped
    code, out, _ = cli("summary", str(EXAMPLES / "resnet50.arch"), "--width", "100")
    assert max(len(line) for line in out.splitlines()) <= 100


def test_colour_on_a_terminal_unless_no_color():
    pexpect = pytest.importorskip("pexpect", reason="pexpect is not installed (it is in the `test` extra)")
    def run(env):
        child = pexpect.spawn(sys.executable, ["-m", "symparams", "summary", str(EXAMPLES / "resnet.arch"), "--model",
                                               "Tiny"], env={"TERM": "xterm", "PATH": "/usr/bin:/bin", **env},
                              encoding="utf-8", dimensions=(40, 120), timeout=60)
        out = child.read()
        child.close()
        return out
    coloured, plain = run({}), run({"NO_COLOR": "1"})
    assert "\x1b[1m" in coloured and "\x1b[" not in plain
    assert "conv2d_1 (conv2d) │ (H - 2*k + 2, W - 2*k + 2, n) │ n*(f*k**2 + 1)" in plain


def test_usage_errors():
    assert cli("summary", str(EXAMPLES / "vgg16.arch"), "--expand", "x")[0] == 2
    assert cli("summary", str(EXAMPLES / "vgg16.arch"), "--standalone")[0] == 2
