"""Layer and language rules at their edges, each figure derived by hand beside it: the
inputs where a mutation run (tools/mutate.py) found a single-point bug nothing else caught."""
import pytest

import symparams
from symparams import SymparamsError
from symparams.errors import ArgumentError, ConventionError


def model(body: str, convention: str = "keras"):
    source = "model M():\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())
    return symparams.parse(source).model(convention=convention)


SHAPES = [
    # (convention, body, output shape, derivation)
    ("torch", "input (2, 5)\nUpsample(scale_factor=1.5)", (2, 7), "floor(5 * 1.5) = 7, as PyTorch floors"),
    ("torch", "input (2, 3, 4)\nflatten(start_dim=2)", (2, 12), "axes 2.. of (N, 2, 3, 4) joined: 3*4"),
    ("torch", "input (2, 3, 4)\nflatten(start_dim=-1)", (2, 3, 4), "the last axis alone: nothing joined"),
    ("keras", "input (2, 3, 4)\nflatten", (24,), "everything after the batch axis"),
    ("keras", "input x (4, 1)\ninput y (4, 3)\nx -> add(y)", (4, 3), "an axis of size 1 stretches"),
    ("keras", "input x (3,)\ninput y (4, 3)\nx -> multiply(y)", (4, 3), "a missing leading axis stretches"),
    ("keras", "input (8 * 2**-1,)\ndense(1)", (1,), "2**-1 parses: 8/2 = 4 inputs"),
    ("keras", "input (2 + 3 * 4, 10 - 4, 9 // 2, 9 % 4, 2**3, -3 + 8, 12 / 4 - 1)\nidentity",
     (14, 6, 4, 1, 8, 5, 2), "arithmetic with Python's precedence"),
    ("keras", "input (2**3**2 // 64,)\nidentity", (8,), "** is right-associative: 2**9 // 64 = 8"),
    ("keras", "input (4,)\nx = identity\ndense(shape(x)[0])", (4,), "shape(x)[0] is 4"),
    ("keras", "input (4,)\nx = identity\ndense(shape(x)[-1])", (4,), "index -1 is the last"),
    ("keras", "input (4,)\nrepeat 0:\n    dense(3)", (4,), "a repeat of 0 passes leaves the tensor as it is"),
]


@pytest.mark.parametrize("convention, body, shape, derivation", SHAPES, ids=[s[1].split("\n")[-1] for s in SHAPES])
def test_output_shape(convention, body, shape, derivation):
    assert model(body, convention).output_shape == shape, derivation


PARAMS = [
    ("keras", "input (4,)\ndense(3, use_bias=0)", 12, "use_bias=0 is false: a 4x3 kernel alone"),
    ("keras", "input (4,)\ndense(3, use_bias=1)", 15, "use_bias=1 is true: 12 + 3"),
    ("torch", "input (5, 4)\nrms_norm(elementwise_affine=false)", 0, "PyTorch's RMSNorm without its weight"),
    ("torch", "input (5, 4)\nrms_norm", 4, "one weight per element of the last axis"),
]


@pytest.mark.parametrize("convention, body, params, derivation", PARAMS, ids=[p[1].split("\n")[-1] for p in PARAMS])
def test_params(convention, body, params, derivation):
    assert model(body, convention).params == params, derivation


REFUSED = [
    # (convention, body, error, words of the message)
    ("keras", "input (8, 6)\ngroup_norm(groups=4)", SymparamsError, "groups=4 must divide the 6 channels"),
    ("keras", "input (5, 4)\nrms_norm(elementwise_affine=false)", ConventionError, "always has its scale"),
    ("keras", "input (2, 2, 1)\nconv2d(4, 3)", SymparamsError, "not positive"),
    ("keras", "input (2, 1)\nconv1d(4, 3)", SymparamsError, "not positive"),
    ("keras", "input (4,)\nx = identity\ndense(shape(x)[1])", ArgumentError, "index 1 is out of range"),
    ("keras", "input (4,)\nx = identity\ndense(shape(x)[-2])", ArgumentError, "index -2 is out of range"),
    # stated sizes 2, 2, 4 for i = 0, 1, 2: iteration 0 gives 2 (right), iteration 1 gives 2, not 4
    ("keras", "input (2,)\nrepeat 2 as i, input (2 + i * (i - 1),):\n    dense(2)", SymparamsError,
     "iteration 1 gives (2,), but the stated input of iteration 2 is (4,)"),
]


@pytest.mark.parametrize("convention, body, error, words", REFUSED, ids=[r[1].split("\n")[-1] for r in REFUSED])
def test_refused(convention, body, error, words):
    with pytest.raises(error) as refused:
        model(body, convention)
    assert words in refused.value.message


TRAINABLE = [
    # (convention, body, (params, trainable, non_trainable, buffers), derivation)
    ("keras", "input (8, 3)\nbatch_norm", (12, 6, 6, 0), "gamma, beta trainable; moving mean and variance not"),
    ("torch", "input (3, 8)\nbatch_norm", (6, 6, 0, 7), "weight, bias; running mean, var (3 each) and a counter"),
    ("keras", "input (4,)\ndense(3, trainable=false)", (15, 0, 15, 0), "a frozen 4x3 kernel and its bias"),
]


@pytest.mark.parametrize("convention, body, figures, derivation", TRAINABLE, ids=[r[1].split("\n")[-1] for r in TRAINABLE])
def test_trainable_and_buffers(convention, body, figures, derivation):
    net = model(body, convention)
    assert (net.params, net.trainable, net.non_trainable, net.buffers) == figures, derivation


def test_a_file_with_several_models_needs_a_name():
    program = symparams.parse("model A():\n    input (3,)\nmodel B():\n    input (4,)\n")
    with pytest.raises(ValueError, match="several models"):
        program.model()
    assert program.model("B").output_shape == (4,)


DEFAULTS = "model A():\n    input (3,)\n    dense(2)\ndefault model B():\n    input (4,)\n    dense(2)\n"


def test_the_default_model_is_evaluated_when_none_is_named():
    program = symparams.parse(DEFAULTS)
    assert program.default_model == "B" and program.models == ["A", "B"]
    assert program.model().params == 4 * 2 + 2          # B: dense(2) on (4,)
    assert program.model("A").params == 3 * 2 + 2       # any model can still be named
    assert symparams.parse(DEFAULTS.replace("default ", "")).default_model is None


def test_default_is_still_a_name_elsewhere():
    """`default` is a keyword only before `model` at the top of a file."""
    program = symparams.parse("model default(default=3):\n    input (default,)\n    dense(default)\n")
    assert program.model(defaults=True).params == 3 * 3 + 3


def test_a_stage_repeat_sums_its_iterations_in_closed_form():
    import sympy
    S = sympy.Symbol("S", integer=True, positive=True)
    # stage i: dense(2**(i+1)) on (2**i,) holds 2**i * 2**(i+1) + 2**(i+1) = 2*4**i + 2*2**i;
    # summed over i < S: 2*(4**S - 1)/3 + 2*(2**S - 1); at S = 2: 4 + 12 = 16
    net = symparams.parse("model M(S):\n    input (1,)\n    repeat S as i, input (2**i,):\n"
                          "        dense(2**(i + 1))\n").model()
    assert sympy.simplify(net.params - (2 * (4**S - 1) / 3 + 2 * (2**S - 1))) == 0
    assert net.subs(S=2).params == 16


# ---- a float is a size only when whole (issue 11): subs must not truncate 1.5 to 1 ----------------
FLOAT_CASES = [   # (value given to subs, first line of the error)
    ({"H": 1.5}, "<input>:2:5: error: input: an output size becomes 3/2, which is not a positive whole number"),
    ({"d": 1.5}, "<input>:3:11: error: dense: argument 'units' = d must be whole (it comes to 3/2)"),
    ({"d": 2.5, "H": 4}, "<input>:3:11: error: dense: argument 'units' = d must be whole (it comes to 5/2)"),
]


@pytest.mark.parametrize("values, error", FLOAT_CASES)
def test_subs_refuses_a_float_that_is_not_whole(values, error):
    net = symparams.parse("model M(H, d):\n    input (H, 3)\n    dense(d)\n").model()
    with pytest.raises(SymparamsError) as err:
        net.subs(**values)
    assert str(err.value).splitlines()[0] == error


def test_subs_takes_a_whole_float_exactly():
    # dense(d) on (H, 3): kernel 3*d + d biases; 2.0 is the whole number 2, 1e3 is 1000
    net = symparams.parse("model M(H, d):\n    input (H, 3)\n    dense(d)\n").model()
    assert net.subs(H=4.0, d=2.0).params == 3 * 2 + 2
    assert net.subs(H=4, d=1e3).params == 3 * 1000 + 1000
