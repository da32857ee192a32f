"""Fuzzing: random programs shaped by the grammar, the same programs mutated (tokens
deleted, duplicated, swapped), and random bytes. Every input must end in a result or
a located SymparamsError: no other exception, no exit code but 0, 1 or 2, no run past
2 s. The default runs a sample (FUZZ_EXAMPLES, 1000 in CI); the full run is
`FUZZ_EXAMPLES=10000 python -m pytest tests/test_fuzz.py`."""
import contextlib
import io
import os
import re
import signal
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symparams
from symparams import cli

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
SECONDS = 2.0

sizes = st.one_of(st.integers(0, 40).map(str), st.sampled_from(["H", "W", "C", "d", "L", "k", "n", "2*d", "d//2",
                                                                "H - 1", "-3", "0", "1e3", "0.5", "2**10", "2*C*2**i"]))
names = st.sampled_from(["x", "y", "shortcut", "a", "tokens"])
LAYERS = [
    ("conv2d", lambda s: st.tuples(s, s).map(lambda t: f"{t[0]}, {t[1]}")),
    ("conv2d", lambda s: st.tuples(s, s, st.sampled_from(["1", "2", "'same'", "'valid'", "'causal'", "(1, 2)"]))
     .map(lambda t: f"{t[0]}, {t[1]}, padding={t[2]}")),
    ("conv1d", lambda s: st.tuples(s, s).map(lambda t: f"{t[0]}, {t[1]}, strides=2")),
    ("dense", lambda s: s), ("embedding", lambda s: st.tuples(s, s).map(lambda t: f"{t[0]}, {t[1]}")),
    ("batch_norm", None), ("layer_norm", None), ("relu", None), ("flatten", None), ("dropout", lambda s: st.just("0.5")),
    ("max_pool2d", lambda s: s), ("avg_pool2d", lambda s: st.tuples(s, s).map(lambda t: f"{t[0]}, strides={t[1]}")),
    ("global_avg_pool2d", None), ("zero_padding2d", lambda s: s), ("cropping2d", lambda s: s),
    ("depthwise_conv2d", lambda s: s), ("separable_conv2d", lambda s: st.tuples(s, s).map(lambda t: f"{t[0]}, {t[1]}")),
    ("add", lambda s: names), ("concatenate", lambda s: names), ("reshape", lambda s: st.just("(-1,)")),
    ("lstm", lambda s: s), ("gru", lambda s: s), ("multi_head_attention", lambda s: st.tuples(s, s).map(lambda t: f"{t[0]}, {t[1]}")),
    ("Block", lambda s: s), ("nosuchlayer", lambda s: s),
]


@st.composite
def layer_call(draw):
    name, args = draw(st.sampled_from(LAYERS))
    if args is None or draw(st.booleans()) and name in ("relu", "flatten"):
        return name
    return f"{name}({draw(args(sizes))})"


@st.composite
def statement(draw, depth=0):
    chain = " -> ".join(draw(st.lists(layer_call(), min_size=1, max_size=3)))
    kind = draw(st.sampled_from(["chain", "bind", "repeat", "from"] if depth == 0 else ["chain", "bind"]))
    if kind == "bind":
        return f"{draw(names)} = {chain}"
    if kind == "from":
        return f"{draw(names)} -> {chain}"
    if kind == "repeat":
        count = draw(st.sampled_from(["2", "L", "n", "0", "3 as i", "L as i, input (H / 2**i, W / 2**i, C * 2**i)",
                                      "n as i, input (ceil(H / 2**i), W, C)", "2 as i, input (d * 2**i,)",
                                      "L as i, input (32 // 2**i, 32 // 2**i, 3)", "n as i, input ()"]))
        return f"repeat {count}: {chain}"
    return chain


@st.composite
def program(draw):
    lines = []
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["layout channels_last", "layout channels_first", "symbols d : positive"])))
    if draw(st.booleans()):
        lines.append("block Block(c, s=1):")
        lines += ["    " + draw(statement(1)) for _ in range(draw(st.integers(1, 3)))]
    params = ", ".join(draw(st.lists(st.sampled_from(["H", "W", "C", "d", "L", "n", "k=3", "T=8"]), unique=True,
                                     max_size=4)))
    lines.append(f"model M({params}):")
    shape = draw(st.sampled_from(["(H, W, C)", "(32, 32, 3)", "(T, d)", "(T)", "(d,)", "(8, 8, 3)", "()"]))
    lines.append(f"    input {draw(st.sampled_from(['', 'x ']))}{shape}")
    lines += ["    " + draw(statement()) for _ in range(draw(st.integers(1, 5)))]
    return "\n".join(lines) + "\n"


TOKEN = re.compile(r"\w+|->|\*\*|//|\n|\s+|.")


@st.composite
def mutated(draw):
    tokens = TOKEN.findall(draw(program()))
    for _ in range(draw(st.integers(1, 4))):
        if not tokens:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert"]))
        if op == "delete":
            del tokens[i]
        elif op == "duplicate":
            tokens.insert(i, tokens[i])
        elif op == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        else:
            tokens.insert(i, draw(st.sampled_from(["(", ")", ",", ":", "->", "=", "\n    ", "**", "repeat", "model",
                                                   "input", "let", "return", "#", "'", "9" * 40])))
    return "".join(tokens)


inputs = st.one_of(program(), mutated(), st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                   st.text(max_size=200))


class Timeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    def expire(signum, frame):
        raise Timeout()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds + 3)   # a hard stop well past the bound we assert
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(inputs)
def test_api_ends_in_a_result_or_a_located_error(text):
    start = time.perf_counter()
    with time_limit(SECONDS):
        try:
            prog = symparams.parse(text, "fuzz.arch")
            for name in prog.models:
                net = prog.model(name)
                _ = (net.params, net.macs, net.output_shape)
        except symparams.SymparamsError as err:
            rendered = str(err)
            assert "error:" in rendered and rendered.startswith("fuzz.arch")
    assert time.perf_counter() - start < SECONDS


@FUZZ
@given(inputs, st.sampled_from([[], ["--convention", "torch"], ["--format", "json"], ["--set", "L=2,d=8"]]))
def test_cli_exits_0_1_or_2_without_traceback(tmp_path_factory, text, extra):
    path = tmp_path_factory.mktemp("fuzz") / "f.arch"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with time_limit(SECONDS), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["summary", str(path), *extra])
    assert code in (0, 1, 2)
    assert "Traceback" not in err.getvalue()
    assert (code == 0) == (err.getvalue() == "")
    assert time.perf_counter() - start < SECONDS


@pytest.mark.parametrize("text", [
    "model M():\n    input (8)\n    dense(" + "(" * 300 + "1" + ")" * 300 + ")\n",
    "model M():\n    input (8)\n    dense(" + "+".join(["1"] * 3000) + ")\n",
    "model M():\n    input (8)\n    dense(" + "-" * 500 + "1)\n",
    "model M():\n    input (8)\n    dense(9" + "9" * 200 + ")\n",
    "model M():\n    input (8)\n    dense(10**10**10)\n",
    "block B(): B\nmodel M():\n    input (8)\n    B\n",
    "model M():\n    input (8)\n" + "    relu\n" * 3000,
    "model M():\n    input (8)\n    repeat 100: repeat 100: repeat 100: relu\n",
    # shapes that nest one more floor per layer: a located error, not a crash
    "model M(H):\n    input (H, 3)\n    repeat 400: conv1d(3, 1, strides=2, padding='same')\n",
    # found by the 10**4 run: concatenate on a rank-0 input indexed a missing axis
    "block Block(c, s=1):\n    add(x)\nmodel M():\n    input x ()\n    concatenate(x)\n",
])
def test_regressions_end_cleanly(text):
    with time_limit(SECONDS * 5):
        try:
            symparams.parse(text).model()
        except symparams.SymparamsError as err:
            assert "error:" in str(err)
