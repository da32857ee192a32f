"""Bad input: a located error (FILE:LINE:COL, the line, a caret), the right exit code,
never a traceback. Each row: source, extra CLI args, words the message must hold,
expected line:column (None when the error has no place in the file), exit code."""
import subprocess
import sys

import pytest

import symparams

CASES = [
    ("unclosed-paren", "model M():\n    input (8, 8, 3)\n    conv2d(4, 3\n", [], ["never closed"], "3:11", 1),
    ("unknown-layer", "model M():\n    input (8, 8, 3)\n    conv2x(4, 3)\n", [], ["conv2x", "did you mean conv2d"], "3:5", 1),
    ("unknown-keyword", "model M():\n    input (8, 8, 3)\n    conv2d(4, 3, stridez=2)\n", [],
     ["stridez", "did you mean strides"], "3:18", 1),
    ("missing-argument", "model M():\n    input (8, 8, 3)\n    dense()\n", [], ["units"], "3:5", 1),
    ("too-many-positional", "model M():\n    input (8,)\n    Linear(8, 1, true, none, none, 3)\n", [],
     ["at most 5"], "3:36", 1),
    ("wrong-argument-type", "model M():\n    input (8, 8, 3)\n    conv2d(4, 3, padding=2.5)\n", [], ["padding"], "3:18", 1),
    ("bad-padding-word", "model M():\n    input (8, 8, 3)\n    conv2d(4, 3, padding='full')\n", [], ['"valid"'], "3:18", 1),
    ("merge-shape-mismatch", "model M():\n    input (30, 30, 3)\n    a = conv2d(64, 1)\n    conv2d(32, 1) -> add(a)\n",
     [], ["(30, 30, 64)", "(30, 30, 32)"], "4:22", 1),
    ("recursive-block", "block B(c):\n    conv2d(c, 1) -> B(c)\n\nmodel M():\n    input (8, 8, 3)\n    B(4)\n", [],
     ["recursive", "B -> B"], "2:21", 1),
    ("mutual-recursion", "block A(): B\nblock B(): A\nmodel M():\n    input (3,)\n    A\n", [], ["A -> B -> A"], None, 1),
    ("symbolic-repeat-changes-shape",
     "block Down(c):\n    conv2d(c, 3, strides=2)\n\nmodel M(H, W, L):\n    input (H, W, 3)\n    repeat L: Down(8)\n",
     [], ["repeat L", "(H, W, 3)"], "6:5", 1),
    ("negative-size-after-set", "model M(H):\n    input (H, H, 3)\n    conv2d(8, 5)\n", ["--set", "H=3"],
     ["conv2d", "-1"], "3:5", 1),
    ("groups-must-divide", "model M():\n    input (8, 8, 6)\n    conv2d(8, 3, groups=4)\n", [], ["groups=4", "6"], "3:5", 1),
    ("unknown-tensor-in-merge", "model M():\n    input (8, 8, 3)\n    add(nothing)\n", [], ["nothing"], "3:9", 1),
    ("unexpected-indent", "model M():\n    input (8, 8, 3)\n      conv2d(4, 3)\n", [], ["indent"], "3:7", 1),
    ("dedent-to-nowhere", "model M():\n    input (8, 8, 3)\n  conv2d(4, 3)\n", [], ["indented"], "3:3", 1),
    ("missing-colon", "model M()\n    relu\n", [], ["expected ':'"], "1:10", 1),
    ("tensor-mid-chain", "model M():\n    input (4,)\n    a = dense(2)\n    dense(2) -> a\n", [], ["only start"], "4:17", 1),
    ("no-input", "model M():\n    dense(2)\n", [], ["input"], "2:5", 1),
    ("division-by-zero", "model M():\n    input (4,)\n    dense(4 / 0)\n", [], ["division by zero"], "3:15", 1),
    ("index-out-of-range", "model M():\n    input (4,)\n    x = identity\n    dense(shape(x)[3])\n", [], ["out of range"], "4:20", 1),
    ("in-channels-checked", "model M():\n    input (8, 8, 3)\n    conv2d(4, 3, in_channels=5)\n", [], ["in_channels=5", "3"], "3:18", 1),
    ("reshape-wrong-size", "model M():\n    input (4, 6)\n    reshape((5, 5))\n", [], ["24", "25"], "3:13", 1),
    ("unknown-layout", "layout channels_middle\nmodel M():\n    input (3,)\n", [], ["channels_last"], "1:8", 1),
    ("unknown-assumption", "symbols p : positiv\nmodel M():\n    input (3,)\n", [], ["positive"], "1:13", 1),
    ("duplicate-layer-name", "model M():\n    input (3,)\n    dense(2, name='a') -> dense(2, name='a')\n", [], ["twice"], "3:36", 1),
    ("keras-cannot-stride-and-dilate", "model M():\n    input (9, 9, 3)\n    conv2d(4, 3, strides=2, dilation_rate=2)\n",
     [], ["strides", "dilation"], "3:5", 1),
    ("torch-cannot-split-center-scale", "model M():\n    input (3, 4, 4)\n    batch_norm(center=false)\n",
     ["--convention", "torch"], ["torch", "affine"], "3:5", 1),
    ("empty-file", "", [], ["no model"], None, 1),
    ("binary-junk", "\x00\x01\x02model\xff", [], ["unexpected character"], "1:1", 1),
    ("exponent-bomb", "model M():\n    input (8)\n    dense(2 ** 2 ** 2 ** 2 ** 2 ** 2)\n", [], ["digits"], "3:16", 1),
    ("huge-unroll", "model M():\n    input (3,)\n    repeat 1000000: relu\n", [], ["symbolic"], "3:12", 1),
    ("unknown-model", "model M():\n    input (8, 8, 3)\n", ["--model", "Nope"], ["Nope"], None, 2),
    ("two-default-models", "default model A():\n    input (3,)\n\ndefault model B():\n    input (4,)\n", [],
     ["second default model (B; A at line 1", "at most one"], "4:1", 1),
    ("several-models-no-default", "model A():\n    input (3,)\nmodel B():\n    input (4,)\n", [],
     ["several models (A, B)", "default model"], None, 2),
    ("bad-set-value", "model M(H):\n    input (H, 3)\n    dense(4)\n", ["--set", "H=="], ["H"], None, 2),
    ("set-unknown-symbol", "model M(H):\n    input (H, 3)\n    dense(4)\n", ["--set", "Q=3"], ["Q"], None, 2),
    ("set-not-an-assignment", "model M(H):\n    input (H, 3)\n    dense(4)\n", ["--set", "H"], ["NAME=VALUE"], None, 2),
]


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "symparams", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd)


@pytest.mark.parametrize("src, extra, words, where, code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cli_error(tmp_path, src, extra, words, where, code):
    path = tmp_path / "bad.arch"
    path.write_text(src, encoding="utf-8", errors="surrogateescape")
    p = run_cli("summary", str(path), *extra)
    assert p.returncode == code, p.stderr
    assert "Traceback" not in p.stderr + p.stdout
    assert "error" in p.stderr
    for word in words:
        assert word.lower() in p.stderr.lower(), p.stderr
    if where is not None:
        line, column = where.split(":")
        assert f"{path}:{line}:{column}: error:" in p.stderr, p.stderr
        # the offending source line, then a caret under the column
        lines = p.stderr.splitlines()
        caret = next(x for x in lines if x.strip().startswith("^"))
        assert caret.index("^") - 4 == int(column) - 1


def test_api_raises_the_error_family_with_span_and_source():
    with pytest.raises(symparams.SymparamsError) as err:
        symparams.parse("model M():\n    input (8, 8, 3)\n    conv2x(4, 3)\n").model()
    assert isinstance(err.value, symparams.UnknownNameError)
    assert (err.value.span.line, err.value.span.column) == (3, 5)
    assert str(err.value).splitlines()[1].strip() == "conv2x(4, 3)"


@pytest.mark.parametrize("call, exception", [
    (lambda: symparams.parse(b"model M(): relu"), TypeError),
    (lambda: symparams.parse("model M():\n    input (3,)\n").model(convention="jax"), ValueError),
    (lambda: symparams.parse("model A():\n    input (3,)\nmodel B():\n    input (3,)\n").model(), ValueError),
    (lambda: symparams.parse("model M(H):\n    input (H,)\n").model().subs(Q=1), ValueError),
    (lambda: symparams.parse("model M(H):\n    input (H,)\n").model().subs(H=True), TypeError),
    (lambda: symparams.eval_layer("dense(3)", input=5), TypeError),
])
def test_api_misuse_raises_builtin_errors(call, exception):
    with pytest.raises(exception):
        call()


def test_substitution_that_breaks_a_size_names_the_layer():
    net = symparams.parse("model M(H):\n    input (H, H, 3)\n    conv2d(8, 5)\n").model()
    with pytest.raises(symparams.ConstraintError) as err:
        net.subs(H=4)
    assert "conv2d" in str(err.value) and ":3:5:" in str(err.value)


def test_substitution_that_breaks_divisibility_names_the_layer():
    net = symparams.parse("model M(C):\n    input (8, 8, C)\n    conv2d(8, 3, groups=4)\n").model()
    assert net.subs(C=8).params == 8 * 9 * 2 + 8
    with pytest.raises(symparams.ConstraintError) as err:
        net.subs(C=6)
    assert "groups=4" in str(err.value)


def test_an_expression_that_outgrows_its_bound_is_a_located_limit_error(monkeypatch):
    from symparams import limits
    monkeypatch.setattr(limits, "MAX_EXPR_NODES", 40)
    # upsampling by 3 then a stride-2 "same" conv nests one more floor each time, one that does not
    # collapse: floor((3*floor((3*H + 1)/2) + 1)/2) ...
    src = "model M(H):\n    input (H, 3)\n" + "    up_sampling1d(3) -> conv1d(3, 1, strides=2, padding='same')\n" * 20
    with pytest.raises(symparams.LimitError) as err:
        symparams.parse(src).model()
    assert "MAX_EXPR_NODES" in str(err.value) and err.value.span.line > 2
