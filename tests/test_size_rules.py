"""Issue 11, "never a wrong figure": every reproducer of the issue, as a table. Each row is an
input and what must come out: the exact error (with its FILE:LINE:COL) or the exact figure.
The size rule (rules.py, LANGUAGE.md §3.1): sizes are positive whole numbers, padding and
cropping whole and >= 0, repeat counts whole and >= 0, dropout rates in [0, 1)."""
import contextlib
import io
import math

import pytest
import sympy

import symparams
from symparams import cli

ON_H3 = "model M(H, n, L):\n    input (H, 3)\n    {}\n"


def run(tmp_path, source, *args, command="summary"):
    """(exit code, stdout, stderr) of the CLI on `source` written to tmp_path/m.arch."""
    path = tmp_path / "m.arch"
    path.write_bytes(source.encode("utf-8", "surrogateescape") if isinstance(source, str) else source)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([command, str(path), *args])
    return code, out.getvalue(), err.getvalue().replace(str(path), "m.arch")


# ---- impossible sizes at the layer: (layer call on (H, 3), first line of the error) ---------------
SIZE = "expected a size (a positive whole number), found"
AMOUNT = "expected an amount (a whole number >= 0), found"
LAYER_CASES = [
    ("dense(-4)", f"m.arch:3:11: error: dense: argument 'units': {SIZE} -4"),
    ("dense(0)", f"m.arch:3:11: error: dense: argument 'units': {SIZE} 0"),
    ("dense(1/2)", f"m.arch:3:11: error: dense: argument 'units': {SIZE} 1/2"),
    ("dense(1.5)", f"m.arch:3:11: error: dense: argument 'units': {SIZE} 3/2"),
    ("dense(10**3000)", "m.arch:3:11: error: 10**3000 would have about 3e+03 digits (limit: 2000)"),
    ("conv1d(-4, 3)", f"m.arch:3:12: error: conv1d: argument 'filters': {SIZE} -4"),
    ("embedding(5, -4)", f"m.arch:3:18: error: embedding: argument 'output_dim': {SIZE} -4"),
    ("conv1d(4, 3, groups=-1)", f"m.arch:3:18: error: conv1d: argument 'groups': {SIZE} -1"),
    ("separable_conv1d(4, 3, depth_multiplier=-1)",
     f"m.arch:3:28: error: separable_conv1d: argument 'depth_multiplier': {SIZE} -1"),
    ("depthwise_conv1d(3, depth_multiplier=0)",
     f"m.arch:3:25: error: depthwise_conv1d: argument 'depth_multiplier': {SIZE} 0"),
    ("up_sampling1d(0)", f"m.arch:3:19: error: up_sampling1d: argument 'size': {SIZE} 0"),
    ("up_sampling1d(-2)", f"m.arch:3:19: error: up_sampling1d: argument 'size': {SIZE} -2"),
    ("zero_padding1d(-2)", f"m.arch:3:20: error: zero_padding1d: argument 'padding': {AMOUNT} -2"),
    ("conv1d(4, 3, dilation_rate=-1)", f"m.arch:3:18: error: conv1d: argument 'dilation_rate': {SIZE} -1"),
    ("conv1d(4, 3, dilation_rate=0)", f"m.arch:3:18: error: conv1d: argument 'dilation_rate': {SIZE} 0"),
    ("conv1d(4, 3, padding=-1)", f"m.arch:3:18: error: conv1d: argument 'padding': {AMOUNT} -1"),
    ("dropout(7)", "m.arch:3:13: error: dropout: argument 'rate': expected a rate (a number in [0, 1)), found 7"),
    ("dropout(1)", "m.arch:3:13: error: dropout: argument 'rate': expected a rate (a number in [0, 1)), found 1"),
    ("dense(4, activation='nonsense')", "m.arch:3:14: error: dense: argument 'activation': unknown activation "
                                        "'nonsense'; Keras's are celu, elu,"),
    ("dense(4, activation='rleu')", "m.arch:3:14: error: dense: argument 'activation': unknown activation 'rleu' "
                                    "(did you mean relu?)"),
    ("dense(dense)", "m.arch:3:11: error: dense: argument 'units': expected a size (a positive whole number or "
                     "an expression), found a layer call (dense)"),
    ("conv1d(H, 1, tie=wte)", "m.arch:3:18: error: conv1d has no argument 'tie'"),
]


@pytest.mark.parametrize("call, message", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_an_impossible_argument_is_refused_where_it_is_written(tmp_path, call, message):
    code, out, err = run(tmp_path, ON_H3.format(call))
    assert (code, out) == (1, "")
    assert err.splitlines()[0].startswith(message), err
    if message.endswith("'tie'"):
        assert "did you mean" not in err


# ---- --set, through the same rule: (layer call, --set, first line of the error) -------------------
SET_CASES = [
    ("dense(n)", "n=-4", f"m.arch:3:11: error: dense: argument 'units': {SIZE} -4"),
    ("dense(n - 5)", "n=2", f"m.arch:3:11: error: dense: argument 'units': {SIZE} -3"),
    ("dense(n)", "H=0.5", f"m.arch:2:12: error: input: {SIZE} 1/2"),
    ("repeat L: dense(3)", "L=-2", "m.arch:3:12: error: expected a repeat count (a whole number >= 0), found -2"),
    ("repeat L: dense(3)", "H=1,H=2", "symparams: error: --set H is given twice; give each symbol one value"),
]


@pytest.mark.parametrize("call, values, message", SET_CASES, ids=[c[1] for c in SET_CASES])
def test_set_values_obey_the_rule(tmp_path, call, values, message):
    code, out, err = run(tmp_path, ON_H3.format(call), "--set", values)
    assert code in (1, 2) and out == ""
    assert err.splitlines()[0] == message or err.splitlines()[0].startswith(message), err


def test_a_symbolic_size_that_may_be_zero_is_a_shown_condition(tmp_path):
    code, out, _ = run(tmp_path, ON_H3.format("dense(n - 5)"))
    assert code == 0 and out.splitlines()[-1] == " Requires: n > 5"
    net = symparams.parse(ON_H3.format("dense(n - 5)")).model()
    assert net.subs(n=6).params == 4 * 1                    # (3 + 1) * (6 - 5)
    with pytest.raises(symparams.ConstraintError, match="argument 'units' = n - 5 becomes 0, which is not positive"):
        net.subs(n=5)


# ---- subs and with_defaults: (substitution, exception, message) -----------------------------------
REPEAT = "model M(n, L):\n    input (3,)\n    dense(n)\n    repeat L: dense(n)\n"
SUBS_CASES = [
    ({"n": 0.5}, symparams.ConstraintError, "<input>:3:11: error: dense: argument 'units' = n must be whole "
                                             "(it comes to 1/2)"),
    ({"n": -4}, symparams.ConstraintError, "<input>:3:11: error: dense: argument 'units' = n becomes -4, "
                                           "which is not positive"),
    ({"L": -3}, symparams.ConstraintError,
     "dense_1: the count of its repeat becomes -3, which is not a whole number >= 0"),
    ({"L": 0.5}, symparams.ConstraintError,
     "dense_1: the count of its repeat becomes 1/2, which is not a whole number >= 0"),
    ({"L": math.nan}, ValueError, "L: expected a finite number, found nan"),
    ({"L": math.inf}, ValueError, "L: expected a finite number, found inf"),
    ({"n": math.nan}, ValueError, "n: expected a finite number, found nan"),
    ({"n": 10**5000}, ValueError,
     "n: expected a finite number, found a number of more than 2000 digits (limit: MAX_RESULT_DIGITS)"),
]


@pytest.mark.parametrize("values, exception, message", SUBS_CASES, ids=[next(iter(c[0])) + str(i) for i, c in enumerate(SUBS_CASES)])
def test_subs_rechecks_every_size_and_count(values, exception, message):
    net = symparams.parse(REPEAT).model()
    with pytest.raises(exception) as err:
        net.subs(values)
    assert message in str(err.value)


def test_subs_checks_computed_sizes_too():
    # a stride-1 valid conv1d(2, 5) on (H, 3): the output length H - 4 must be positive
    net = symparams.parse("model M(H):\n    input (H, 3)\n    conv1d(2, 5)\n").model()
    assert net.subs(H=5).output_shape == (1, 2)
    with pytest.raises(symparams.ConstraintError, match="becomes 0"):
        net.subs(H=4)


def test_subs_of_whole_floats_and_zero_repeats_works():
    net = symparams.parse(REPEAT).model()
    # n = 2: dense 3 -> 2 is 3*2 + 2 = 8; each repeat dense 2 -> 2 is 2*2 + 2 = 6
    assert net.subs(n=2.0).params == 8 + 6 * sympy.Symbol("L", integer=True, positive=True)
    assert net.subs(n=2, L=0).params == 8


def test_with_defaults_checks_the_defaults():
    net = symparams.parse("model M(n=-2):\n    input (3,)\n    dense(n)\n").model()
    with pytest.raises(symparams.ConstraintError, match="becomes -2"):
        net.with_defaults()


def test_a_non_numeric_default_is_a_located_error(tmp_path):
    code, _, err = run(tmp_path, 'model M(T="x"):\n    input (T, 3)\n')
    assert code == 1
    assert err.splitlines()[0] == ("m.arch:1:11: error: parameter T: a default must be a number or expression, "
                                   "found a string")


# ---- eval_layer: (call, input, exception, message) --------------------------------------------------
EVAL_CASES = [
    ("dense(3)", (2.5,), ValueError, "input[0]: expected a size (a positive whole number), found 5/2"),
    ("dense(3)", (math.nan,), ValueError, "input[0]: expected a finite number, found nan"),
    ("dense(3)", "(H, -4)", symparams.SymparamsError, "<input>:1:5: error: input: " + SIZE + " -4"),
    ("dense(-3)", "(H,)", symparams.SymparamsError, "<layer>:1:7: error: dense: argument 'units': " + SIZE + " -3"),
    ("dense(3)", "H,)\n    dense(7)\n    #", symparams.SymparamsError, "<input>:1:2: error: expected end of line"),
]


@pytest.mark.parametrize("call, shape, exception, message", EVAL_CASES, ids=[str(c[1])[:12] for c in EVAL_CASES])
def test_eval_layer_applies_the_rule_and_points_at_the_callers_text(call, shape, exception, message):
    with pytest.raises(exception) as err:
        symparams.eval_layer(call, input=shape)
    assert str(err.value).startswith(message), str(err.value)


def test_eval_layer_builds_its_model_from_the_tree():
    # dense(3) on (H,): a (H, 3) kernel and a bias of 3
    H = sympy.Symbol("H", integer=True, positive=True)
    assert sympy.expand(symparams.eval_layer("dense(3)", input="(H,)").params) == 3 * H + 3
    assert symparams.eval_layer("dense(3)", input=(4.0,)).params == 15


# ---- sweep and plot: the same rule, the same report --------------------------------------------------
MHA = "model M(d, h):\n    input (8, d)\n    multi_head_attention(h, d / h)\n"


def test_sweep_names_the_first_point_that_breaks_a_rule(tmp_path):
    code, out, err = run(tmp_path, MHA, "--vary", "d=96:120:12", "--set", "h=12", command="sweep")
    assert code == 0 and "3 points" in out
    code, out, err = run(tmp_path, MHA, "--vary", "d=100:102", "--set", "h=12", command="sweep")
    assert code == 1
    assert err.splitlines()[0] == ("m.arch:3:5: error: at d = 100: multi_head_attention: key_dim = d/12 must be a "
                                   "whole number (it comes to 25/3)")


def test_sweep_skip_invalid_drops_and_counts(tmp_path):
    code, out, err = run(tmp_path, MHA, "--vary", "d=96:120:6", "--set", "h=12", "--skip-invalid", command="sweep")
    assert code == 0, err
    assert "3 points" in out                                   # 96, 108, 120: the multiples of 12
    assert out.splitlines()[-1] == " skipped 2 points that break a size rule (the first: d = 102)"


def test_sweep_refuses_a_negative_repeat_count(tmp_path):
    code, _, err = run(tmp_path, "model M(d, L):\n    input (8, d)\n    repeat L: dense(d)\n",
                       "--vary", "L=-3:1", "--set", "d=4", command="sweep")
    assert code == 1
    assert err.splitlines()[0] == ("m.arch:3:12: error: at L = -3: dense: the count of its repeat becomes -3, "
                                   "which is not a whole number >= 0")


def test_sweep_refuses_values_past_int64(tmp_path):
    code, _, err = run(tmp_path, MHA, "--vary", "d=1,10**30", "--set", "h=1", command="sweep")
    assert code == 2
    assert err.startswith("symparams: error: --vary d=1,10**30: a sweep value must lie below 2**62")


def test_plot_stops_at_the_same_point_sweep_does(tmp_path):
    pytest.importorskip("matplotlib")
    source = tmp_path / "m.arch"
    source.write_text(MHA)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["plot", str(source), "--x", "d=100:102:1", "--set", "h=12", "--out", str(tmp_path / "p")])
    assert code == 1
    assert ("m.arch:3:5: error: at d = 100: multi_head_attention: key_dim = d/h must be a whole number "
            "(it comes to 25/3)") in err.getvalue()
    out = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli.main(["plot", str(source), "--x", "d=96:120:6", "--set", "h=12", "--skip-invalid",
                         "--out", str(tmp_path / "p")])
    assert code == 0
    assert out.getvalue().startswith(f"wrote {tmp_path / 'p'}.png:") and (tmp_path / "p.png").exists()
    assert "skipped 2 points that break a size rule (the first: d = 102)" in out.getvalue()


# ---- duplicates, shadowing, assumptions, encodings: (source, first line of the error) -------------
SOURCE_CASES = [
    ("model M(H, H):\n    input (H, 3)\n", "m.arch:1:12: error: parameter 'H' is declared twice in model M"),
    ("block dense(n):\n    relu\nmodel M(H):\n    input (H, 3)\n    dense(3)\n",
     "m.arch:1:7: error: block 'dense' has the name of the catalog layer dense; a block cannot replace a layer, "
     "so rename it (e.g. dense_block)"),
    ("symbols H : positive negative\nmodel M(H):\n    input (H, 3)\n",
     "m.arch:1:13: error: the assumptions positive negative contradict each other"),
    ('model M(H):\n    input (H, 3)\n    dense(4, name="a\udcffb")\n',
     "m.arch:3:21: error: unexpected character: byte 0xff that is not UTF-8 (not printable; the source must be "
     "UTF-8 text)"),
]


@pytest.mark.parametrize("source, message", SOURCE_CASES, ids=["dup-param", "shadow", "assumptions", "byte"])
def test_source_mistakes_are_located(tmp_path, source, message):
    code, out, err = run(tmp_path, source)
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == message


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    code, out, err = run(tmp_path, b"\xef\xbb\xbfmodel M():\n    input (3,)\n    dense(2)\n")
    assert (code, err) == (0, "")
    assert " Total params: 8" in out.splitlines()                  # 3*2 + 2


def test_a_file_is_read_only_up_to_the_bound(tmp_path):
    code, out, err = run(tmp_path, b"")
    path_err = io.StringIO()
    with contextlib.redirect_stderr(path_err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["summary", "/dev/zero"])
    assert code == 1
    assert path_err.getvalue().strip() == ("/dev/zero: error: /dev/zero is larger than 4000000 bytes "
                                           "(limit: 4 * MAX_SOURCE_CHARS)")


PLAIN_STAGES = """model Plain(H, W, c, S):
    input (H, W, 3)
    conv2d(c, 3, padding="same")
    repeat S as i, input (H / 2**i, W / 2**i, c * 2**i):
        conv2d(2 * c * 2**i, 3, strides=2, padding="same") -> batch_norm -> relu
"""


def test_leading_term_of_a_stage_model_is_its_fastest_growing_class():
    # LANGUAGE.md 6.1: stage i's kernel is 3*3 * c2**i * 2c2**i = 18 c**2 4**i, summed over i < S:
    # 6 c**2 (4**S - 1); biases and batch norms grow as 2**S, the stem is constant. Leading: 6 c**2 4**S.
    net = symparams.parse(PLAIN_STAGES).model()
    S, c = net.symbol("S"), net.symbol("c")
    assert net.leading_term("S") == 6 * c**2 * 4**S
    assert net.leading_term("c") == 6 * c**2 * (4**S - 1)         # a polynomial in c, as before


def test_leading_term_of_resnet18_in_S_grows_like_the_figure():
    # Brute force: params(S) / leading(S) -> 1 as S grows (the next class, 2**S, fades as 2**-S)
    from support import EXAMPLES
    net = symparams.load(EXAMPLES / "resnet18.arch").model()
    lead = net.leading_term("S")
    S = net.symbol("S")
    values = {"N": 2, "c": 64, "classes": 1000}
    ratios = []
    for s in (8, 16, 32):
        exact = net.subs(S=s, H=7 * 2**(s + 2), W=7 * 2**(s + 2), **values).params   # H/2**(S + 2) whole
        ratios.append(abs(exact / lead.subs({net.symbol(k): v for k, v in values.items()}).subs(S, s) - 1))
    assert ratios[0] > ratios[1] > ratios[2] and ratios[2] < 1e-8
    # MACs: the classifier's 2**S * c * classes outgrows every S * H * W term (H, W held fixed)
    assert net.leading_term("S", "macs") == 2**S * net.symbol("c") * net.symbol("classes")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["algebra", str(EXAMPLES / "resnet18.arch"), "--leading", "S"])
    assert code == 0 and out.getvalue().splitlines()[-1] == " leading term as S → ∞: 8*4**S*c**2*(3*N - 2/3)"


def test_leading_term_refuses_a_figure_that_is_no_sum_of_growth_classes():
    H, S = sympy.symbols("H S", integer=True, positive=True)
    from symparams import algebra
    with pytest.raises(symparams.SymparamsError, match="not a sum of terms c[*]S[*][*]k[*]b[*][*]S"):
        algebra.leading_term(2**S * sympy.floor(H / 2**S) + S, S)
