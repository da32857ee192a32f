"""The command line of LANGUAGE.md §10, run as users run it."""
import json
import subprocess
import sys

import pytest

from support import EXAMPLES

TINY_TEXT = """\
Model: Tiny   convention: keras   symbols: C, H, W, f, k, n
┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┓
┃ Layer (type)      ┃ Output shape                  ┃ Params         ┃
┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━┩
│ input (input)     │ (H, W, C)                     │ 0              │
│ conv2d (conv2d)   │ (H - k + 1, W - k + 1, f)     │ f*(C*k**2 + 1) │
│ relu (relu)       │ (H - k + 1, W - k + 1, f)     │ 0              │
│ conv2d_1 (conv2d) │ (H - 2*k + 2, W - 2*k + 2, n) │ n*(f*k**2 + 1) │
└───────────────────┴───────────────────────────────┴────────────────┘
 Total params: f*(C*k**2 + 1) + n*(f*k**2 + 1)
 Trainable params: f*(C*k**2 + 1) + n*(f*k**2 + 1)
 Non-trainable params: 0
 MACs: C*f*k**2*(H - k + 1)*(W - k + 1) + f*k**2*n*(H - 2*k + 2)*(W - 2*k + 2)
"""


def symparams(*args):
    p = subprocess.run([sys.executable, "-m", "symparams", *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_summary_text_is_the_language_reference_table():
    # LANGUAGE.md §10 prints this table for Tiny of §1, verbatim.
    code, out, err = symparams("summary", str(EXAMPLES / "resnet.arch"), "--model", "Tiny")
    assert (code, err) == (0, "")
    assert out == TINY_TEXT


def test_summary_json_has_exactly_the_documented_keys():
    code, out, _ = symparams("summary", str(EXAMPLES / "resnet.arch"), "--model", "Tiny", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert list(data) == ["model", "convention", "symbols", "params", "trainable", "non_trainable", "buffers",
                          "active_params", "macs", "output_shape", "layers"]
    assert data["symbols"] == ["C", "H", "W", "f", "k", "n"]
    assert data["params"] == "f*(C*k**2 + 1) + n*(f*k**2 + 1)"
    assert data["output_shape"] == ["H - 2*k + 2", "W - 2*k + 2", "n"]
    conv = data["layers"][1]
    assert {k: conv[k] for k in ("name", "type", "params")} == {"name": "conv2d", "type": "conv2d",
                                                                  "params": "f*(C*k**2 + 1)"}
    assert conv["weights"] == [{"name": "kernel", "shape": ["k", "k", "C", "f"], "trainable": True},
                               {"name": "bias", "shape": ["f"], "trainable": True}]


def test_summary_defaults_give_plain_integers():
    code, out, _ = symparams("summary", str(EXAMPLES / "resnet50.arch"), "--defaults", "--format", "json")
    data = json.loads(out)
    # keras.applications.ResNet50(weights=None).count_params() (shared/oracle/README.md)
    assert (data["params"], data["trainable"], data["non_trainable"]) == ("25636712", "25583592", "53120")
    assert data["output_shape"] == ["1000"]


@pytest.mark.parametrize("sets", [["--set", "H=224", "--set", "W=224"], ["--set", "H=224,W=224"],
                                  ["--set", "H=7*32,W=H"]])
def test_set_values_are_expressions(sets):
    code, out, err = symparams("summary", str(EXAMPLES / "vgg16.arch"), *sets, "--set", "classes=1000",
                               "--format", "json")
    assert code == 0, err
    assert json.loads(out)["params"] == "138357544"    # keras.applications.VGG16(weights=None)


def test_torch_convention_reports_buffers():
    code, out, _ = symparams("summary", str(EXAMPLES / "seeds.arch"), "--model", "BatchNormOn32",
                             "--convention", "torch")
    assert code == 0
    # BatchNorm2d(32): weight and bias (64 parameters); running_mean, running_var and the
    # one-element num_batches_tracked buffer (65).
    assert " Total params: 64\n" in out and " Buffers: 65\n" in out


def test_eval_one_layer():
    code, out, _ = symparams("eval", "conv2d(n, k)", "--input", "(H, W, f)", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["params"] == "n*(f*k**2 + 1)"
    code, out, _ = symparams("eval", "conv2d(16, 3)", "--input", "(6, 5, 10)", "--convention", "torch")
    assert code == 0
    assert "Output shape: (16, 3, 8)" in out and "(16, 6, 3, 3)" in out


def test_eval_error_points_into_the_layer_text():
    code, _, err = symparams("eval", "conv2d(4, 3, stridez=2)", "--input", "(8, 8, 3)")
    assert code == 1
    assert err.startswith("<layer>:1:14: error: conv2d has no argument 'stridez'")
    assert err.splitlines()[1].strip() == "conv2d(4, 3, stridez=2)"


@pytest.mark.parametrize("args", [[], ["summary"], ["frobnicate"], ["summary", "x.arch", "--format", "pdf"]])
def test_usage_errors_exit_2(args):
    code, _, err = symparams(*args)
    assert code == 2 and "usage" in err.lower()


def test_missing_file_is_a_usage_error():
    code, _, err = symparams("summary", "no/such/file.arch")
    assert code == 2 and "no/such/file.arch" in err


def test_help_exits_0():
    code, out, _ = symparams("--help")
    assert code == 0 and "summary" in out


def test_markdown_and_latex_formats():
    code, out, _ = symparams("summary", str(EXAMPLES / "resnet.arch"), "--model", "Tiny", "--format", "markdown")
    assert code == 0
    assert "| conv2d_1 (conv2d) | $(H - 2 k + 2, W - 2 k + 2, n)$ | $n \\left(f k^{2} + 1\\right)$ |" in out
    code, out, _ = symparams("summary", str(EXAMPLES / "resnet.arch"), "--model", "Tiny", "--format", "latex")
    assert code == 0
    assert out.count("\\toprule") == 1 and out.rstrip().endswith("\\end{tabular}")


def test_summary_takes_file_colon_model_like_compare():
    code, out, _ = symparams("summary", str(EXAMPLES / "densenet121.arch") + ":OneDenseBlock")
    assert code == 0 and out.startswith("Model: OneDenseBlock")
    code, _, err = symparams("summary", str(EXAMPLES / "densenet121.arch") + ":OneDenseBlock",
                             "--model", "DenseNet121")
    assert code == 2 and "names model OneDenseBlock but --model names DenseNet121" in err
