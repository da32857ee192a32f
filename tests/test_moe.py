"""moe(EXPERT, experts=E, top_k=k, router_bias=false, shared_experts=0), active params and
trainable=false on block calls, through the API, with figures derived by hand below
(tests/oracle/test_live_moe.py asks Hugging Face's Mixtral).

The derivations, for an input (T, d):
  router                    d*E weights (+ E with router_bias), T*d*E MACs
  expert dense(d)           d*d + d weights, T*d*d MACs
  expert SwiGLU(d, ff)      3*d*ff weights (gate_proj, up_proj, down_proj, no biases), 3*T*d*ff MACs
  params = router + E*expert + s*expert; active = router + k*expert + s*expert;
  MACs = router + (k + s) * expert's MACs.
"""
import re
from pathlib import Path

import pytest

import symparams
from symparams import SymparamsError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

SWIGLU = """
block SwiGLU(d, ff):
    g = dense(ff, use_bias=false, name="gate_proj") -> silu
    dense(ff, use_bias=false, name="up_proj") -> multiply(g) -> dense(d, use_bias=false, name="down_proj")
"""


def net(body, convention="keras", inp="(3, 4)"):
    src = f"{SWIGLU}\nmodel M():\n    input {inp}\n    {body}\n"
    return symparams.parse(src).model(convention=convention)


def figures(n):
    return int(n.params), int(n.active_params), int(n.trainable), int(n.macs)


# T=3, d=4, E=5, k=2: router 20 weights, 60 MACs; dense(4) expert 20 weights, 48 MACs;
# SwiGLU(4, 6) expert 72 weights, 216 MACs.
@pytest.mark.parametrize("body, expected", [
    ("moe(dense(4), experts=5, top_k=2)", (20 + 5 * 20, 20 + 2 * 20, 120, 60 + 2 * 48)),
    ("moe(dense(4), experts=5, top_k=5)", (120, 120, 120, 60 + 5 * 48)),
    ("moe(dense(4), experts=5, top_k=2, router_bias=true)", (125, 65, 125, 60 + 2 * 48)),
    ("moe(dense(4), experts=5, top_k=2, shared_experts=1)", (140, 80, 140, 60 + 3 * 48)),
    ("moe(SwiGLU(4, 6), experts=5, top_k=2)", (20 + 5 * 72, 20 + 2 * 72, 380, 60 + 2 * 216)),
    ("moe(SwiGLU(4, 6), experts=5, top_k=1, shared_experts=2)", (20 + 7 * 72, 20 + 3 * 72, 524, 60 + 3 * 216)),
    ("moe(SwiGLU(4, 6), experts=5, top_k=2, trainable=false)", (380, 164, 0, 492)),
    ("SwiGLU(4, 6, trainable=false) -> dense(2)", (72 + 10, 82, 10, 216 + 24)),
    ("SwiGLU(4, 6, trainable=true) -> dense(2)", (82, 82, 82, 240)),
    ("MixtureOfExperts(dense(4), num_local_experts=5, num_experts_per_tok=2)", (120, 60, 120, 156)),
])
@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_moe_figures(body, expected, convention):
    assert figures(net(body, convention)) == expected


@pytest.mark.parametrize("convention, names", [
    ("torch", [("gate.weight", (5, 4)), ("experts.gate_up_proj", (5, 12, 4)), ("experts.down_proj", (5, 4, 6)),
               ("shared_experts.0.gate_proj.weight", (6, 4)), ("shared_experts.0.up_proj.weight", (6, 4)),
               ("shared_experts.0.down_proj.weight", (4, 6))]),
    ("keras", [("router/kernel", (4, 5)), ("experts/gate_proj/kernel", (5, 4, 6)),
               ("experts/up_proj/kernel", (5, 4, 6)), ("experts/down_proj/kernel", (5, 6, 4)),
               ("shared_experts/0/gate_proj/kernel", (4, 6)), ("shared_experts/0/up_proj/kernel", (4, 6)),
               ("shared_experts/0/down_proj/kernel", (6, 4))]),
])
def test_moe_weight_names(convention, names):
    row = net("moe(SwiGLU(4, 6), experts=5, top_k=2, shared_experts=1)", convention).layers[-1]
    assert [(w.name, tuple(int(d) for d in w.shape)) for w in row.weights] == names


@pytest.mark.parametrize("convention, names", [
    ("torch", ["gate.weight", "gate.bias", "experts.proj", "experts.proj_bias"]),
    ("keras", ["router/kernel", "router/bias", "experts/proj/kernel", "experts/proj/bias"]),
])
def test_a_single_layer_expert_is_named_by_its_layer(convention, names):
    row = net('moe(dense(4, name="proj"), experts=5, top_k=2, router_bias=true)', convention).layers[-1]
    assert [w.name for w in row.weights] == names


def test_trainable_false_on_a_block_call_reaches_every_weight():
    n = net("SwiGLU(4, 6, trainable=false) -> dense(2)", "torch")
    assert [(r.name, [w.trainable for w in r.weights]) for r in n.layers if r.weights] == [
        ("gate_proj", [False]), ("up_proj", [False]), ("down_proj", [False]), ("dense", [True, True])]


def test_symbolic_moe():
    src = SWIGLU + """
model M(T, d, ff, E, k):
    input (T, d)
    moe(SwiGLU(d, ff), experts=E, top_k=k)
"""
    n = symparams.parse(src).model()
    T, d, ff, E, k = (n.symbol(s) for s in "T d ff E k".split())
    assert (n.params - (d * E + E * 3 * d * ff)).expand() == 0
    assert (n.active_params - (d * E + k * 3 * d * ff)).expand() == 0
    assert (n.macs - (T * d * E + k * 3 * T * d * ff)).expand() == 0
    with pytest.raises(SymparamsError, match="top_k"):
        n.subs(E=2, k=3)


def test_mixtral_8x7b_example():
    n = symparams.load(str(EXAMPLES / "mixtral.arch")).model().with_defaults()
    # 32 layers of attention (q, o 4096^2; k, v 4096*1024), router 4096*8, experts 3*4096*14336 each,
    # two norms 4096 each; embedding and LM head 32000*4096, final norm 4096.
    layer = 2 * 4096**2 + 2 * 4096 * 1024 + 4096 * 8 + 2 * 4096
    outside = 2 * 32000 * 4096 + 4096
    assert int(n.params) == 32 * (layer + 8 * 3 * 4096 * 14336) + outside == 46_702_792_704
    assert int(n.active_params) == 32 * (layer + 2 * 3 * 4096 * 14336) + outside == 12_879_925_248


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.arch") if p.name != "mixtral.arch"))
def test_a_dense_model_has_all_its_params_active(example):
    prog = symparams.load(str(EXAMPLES / example))
    checked = 0
    for name in prog.models:
        try:
            n = prog.model(name)
        except SymparamsError:     # seeds.arch keeps models that are errors on purpose
            continue
        assert (n.active_params - n.params).expand() == 0
        checked += 1
    assert checked


@pytest.mark.parametrize("body, message", [
    ("moe(dense(4), experts=2, top_k=3)", "top_k=3 cannot exceed experts=2"),
    ("moe(dense(5), experts=2, top_k=1)", "an expert must keep its input's shape"),
    ("moe(dense(4), experts=2, top_k=1, shared_experts=s)", "shared_experts must be a whole number"),
    ("moe(4, experts=2, top_k=1)", re.escape("expected a layer call such as lstm(16) or a block call such as "
                                              "SwiGLU(d, ff), found 4")),
    ("bidirectional(SwiGLU(4, 6))", re.escape("expected a layer call such as lstm(16), found a block call (SwiGLU)")),
    ("moe(SwiGLU(4, 6, trainable=3), experts=2, top_k=1)", "argument 'trainable': expected true or false"),
    ("moe(dense(4), experts=2)", "missing its required argument 'top_k'"),
])
def test_moe_errors(body, message):
    with pytest.raises(SymparamsError, match=message):
        net(body)


def test_a_block_with_a_symbolic_repeat_cannot_be_an_expert():
    src = """
block Deep(d, n):
    repeat n: dense(d)
model M(n):
    input (3, 4)
    moe(Deep(4, n), experts=2, top_k=1)
"""
    with pytest.raises(SymparamsError, match="cannot hold a symbolic repeat"):
        symparams.parse(src).model()


# ---- every output shows active params for a model with experts (and JSON for every model) ----

# tables write a whole number with thousands separators ({,} inside Markdown's math); JSON plain
@pytest.mark.parametrize("fmt, line", [
    ("text", f" Active params: {12879925248:,}"),
    ("markdown", "- Active params: $" + f"{12879925248:,}".replace(",", "{,}") + "$"),
    ("json", '"active_params": "12879925248"'),
])
def test_the_printers_show_mixtral_active_params(fmt, line, capsys):
    from symparams.cli import main
    assert main(["summary", str(EXAMPLES / "mixtral.arch"), "--defaults", "--format", fmt]) == 0
    assert line in capsys.readouterr().out


def test_by_block_has_an_active_column_for_experts_only(capsys):
    from symparams.cli import main
    main(["summary", str(EXAMPLES / "mixtral.arch"), "--defaults", "--by", "block"])
    out = capsys.readouterr().out
    # one decoder layer: attention 41,943,040 + router 32,768 + 2 of 8 experts 352,321,536 + norms 8,192
    assert "Active (all)" in out
    assert f"{32 * (41943040 + 32768 + 352321536 + 8192):,}" in out
    main(["summary", str(EXAMPLES / "llama.arch"), "--defaults", "--by", "block"])
    assert "Active" not in capsys.readouterr().out
