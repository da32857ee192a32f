"""Published formulas, reproduced exactly. Every expected value below is written out from its
source (a paper's equation or table, or a framework's documentation), never taken from symparams.

Sources:
  [Kaplan]    Kaplan et al. 2020, "Scaling Laws for Neural Language Models", §2.1, Table 1,
              Eq. 2.1 (N) and Eq. 2.2 (C_forward).
  [Megatron]  Narayanan et al. 2021, "Efficient Large-Scale Language Model Training on GPU
              Clusters Using Megatron-LM", §5.1: P = 12*l*h**2*(1 + 13/(12*h) + (V + s)/(12*l*h)).
  [MobileNet] Howard et al. 2017, "MobileNets", §3.1: Eq. 2 (standard convolution cost), Eq. 4
              (depthwise separable cost) and Eq. 5 (their ratio 1/N + 1/D_K**2).
  [PyTorch]   torch.nn.Conv1d/2d/3d, MaxPool2d and ConvTranspose2d documentation, "Shape" sections.
"""
import pytest
import sympy

import symparams
from support import EXAMPLES


def sym(name):
    return sympy.Symbol(name, integer=True, positive=True)


# ---- [Kaplan] Table 1 and §2.1 ----------------------------------------------------------------------
n_layer, d_model, d_attn, d_ff, n_ctx, n_vocab = (sym(n) for n in
                                                  ("n_layer", "d_model", "d_attn", "d_ff", "n_ctx", "n_vocab"))


@pytest.fixture(scope="module")
def kaplan():
    return symparams.load(EXAMPLES / "kaplan_gpt.arch").model()


def _kernels(net, layer_type):
    """Kernel sizes of every layer of that type, in order, summed over the n_layer repeat."""
    return [n_layer * w.size for r in net.layers if r.type == layer_type for w in r.weights]


# Table 1, "Parameters" column: (row, expected).
KAPLAN_PARAMETER_ROWS = [
    ("Embed", (n_vocab + n_ctx) * d_model),
    ("Attention: QKV", n_layer * d_model * 3 * d_attn),
    ("Attention: Project", n_layer * d_attn * d_model),
    ("Feedforward", n_layer * 2 * d_model * d_ff),
    ("Total (Non-Embedding)", 2 * d_model * n_layer * (2 * d_attn + d_ff)),
]


@pytest.mark.parametrize("row, expected", KAPLAN_PARAMETER_ROWS, ids=[r for r, _ in KAPLAN_PARAMETER_ROWS])
def test_kaplan_table1_parameter_rows(kaplan, row, expected):
    parts = {p.label: p for p in kaplan.breakdown()}
    mha = _kernels(kaplan, "multi_head_attention")     # query, key, value, output kernels
    ours = {
        "Embed": parts["wte"].params + parts["wpe"].params,
        "Attention: QKV": sum(mha[:3]),
        "Attention: Project": mha[3],
        "Feedforward": sum(_kernels(kaplan, "dense")),
        "Total (Non-Embedding)": parts["repeat n_layer: KaplanBlock"].params,
    }[row]
    assert sympy.expand(ours - expected) == 0


def test_kaplan_eq_2_1_twelve_n_layer_d_model_squared(kaplan):
    # Eq. 2.1: N ≈ 2 d_model n_layer (2 d_attn + d_ff) = 12 n_layer d_model**2
    # "with the standard d_attn = d_ff/4 = d_model".
    embedding = (n_vocab + n_ctx) * d_model
    N = (kaplan.params - embedding).xreplace({d_attn: d_model, d_ff: 4 * d_model})
    assert sympy.expand(N - 12 * n_layer * d_model**2) == 0


def test_kaplan_flops_per_token_of_the_weight_rows(kaplan):
    # Table 1, "FLOPs per Token": every weight row costs 2 FLOPs per parameter per token.
    # symparams gives MACs for n_ctx tokens; FLOPs per token = 2 * MACs / n_ctx.
    dense = [r for r in kaplan.layers if r.type == "dense"]
    ff = sum(2 * n_layer * r.macs / n_ctx for r in dense)
    assert len(dense) == 2 and sympy.expand(ff - 2 * n_layer * 2 * d_model * d_ff) == 0


def test_kaplan_eq_2_2_agrees_with_table1_exactly_when_d_attn_is_d_model(kaplan):
    # Table 1's total: C_forward = 2N + 2 n_layer n_ctx d_attn ("Attention: Mask" row).
    # Eq. 2.2 writes the same term with d_model: C_forward ≈ 2N + 2 n_layer n_ctx d_model.
    N = 2 * d_model * n_layer * (2 * d_attn + d_ff)
    table1 = 2 * N + 2 * n_layer * n_ctx * d_attn
    eq_2_2 = 2 * N + 2 * n_layer * n_ctx * d_model
    assert sympy.solve(sympy.Eq(table1, eq_2_2), d_attn) == [d_model]
    # symparams' FLOPs per token: the weight rows give 2N; the attention matmuls come on top.
    # Kaplan's "Attention: Mask" row is the QKᵀ product alone (n_ctx*d_attn multiply-adds per
    # token per layer); LANGUAGE.md §7 also counts the weighted sum of the values, as large again.
    flops_per_token = 2 * kaplan.macs / n_ctx
    attention = sympy.expand(flops_per_token - 2 * N)
    assert attention == sympy.expand(2 * (2 * n_layer * n_ctx * d_attn))
    # With the mask row as Kaplan counts it, symparams reproduces Table 1, and Eq. 2.2 at d_attn = d_model.
    assert sympy.expand(flops_per_token - attention / 2 - table1) == 0
    assert sympy.expand((flops_per_token - attention / 2 - eq_2_2).xreplace({d_attn: d_model})) == 0


# ---- [Megatron] ---------------------------------------------------------------------------------------

def test_megatron_parameter_formula():
    # P = 12 l h**2 (1 + 13/(12h) + (V + s)/(12 l h)) for l layers of hidden size h, vocabulary V,
    # sequence length s: a GPT with biases and two LayerNorms per layer. The formula leaves out
    # the final LayerNorm (2h: a scale and a shift).
    net = symparams.load(EXAMPLES / "gpt2.arch").model()
    l, h, V, s = (net.symbol(n) for n in ("L", "d", "V", "T"))
    P = 12 * l * h**2 * (1 + sympy.Rational(13, 12) / h + (V + s) / (12 * l * h))
    parts = {p.label: p.params for p in net.breakdown()}
    assert sympy.expand(sum(v for k, v in parts.items() if k != "ln_f") - P) == 0
    assert parts["ln_f"] == 2 * h
    assert sympy.expand(net.params - P) == 2 * h


# ---- [MobileNet] ----------------------------------------------------------------------------------------
H, W, M, N, k = (sym(n) for n in ("H", "W", "M", "N", "k"))
D_F = H   # a square D_F x D_F feature map: H = W = D_F


@pytest.fixture(scope="module", params=["keras", "torch"])
def mobilenet(request):
    program = symparams.load(EXAMPLES / "mobilenet_compare.arch")
    return (program.model("Separable", convention=request.param),
            program.model("Standard", convention=request.param))


def test_mobilenet_eq_2_and_eq_4(mobilenet):
    separable, standard = mobilenet
    square = {W: H}
    assert sympy.expand(standard.macs.xreplace(square) - k * k * M * N * D_F * D_F) == 0          # Eq. 2
    assert sympy.expand(separable.macs.xreplace(square) - (k * k * M * D_F * D_F + M * N * D_F * D_F)) == 0  # Eq. 4


@pytest.mark.parametrize("figure", ["macs", "params"])
def test_mobilenet_eq_5_ratio(mobilenet, figure):
    # Eq. 5: (D_K·D_K·M·D_F·D_F + M·N·D_F·D_F) / (D_K·D_K·M·N·D_F·D_F) = 1/N + 1/D_K**2
    # (the parameters, without biases, have the same ratio).
    separable, standard = mobilenet
    comparison = separable.compare(standard)
    assert comparison[figure].ratio == 1 / N + 1 / k**2


@pytest.mark.parametrize("n_out", [128, 256, 512, 1024])
def test_mobilenet_3x3_is_8_to_9_times_cheaper(mobilenet, n_out):
    # §3.1: "MobileNet uses 3 × 3 depthwise separable convolutions which uses between 8 to 9
    # times less computation than standard convolutions".
    separable, standard = mobilenet
    values = dict(H=112, W=112, M=64, N=n_out, k=3)
    saving = standard.subs(values).macs / separable.subs(values).macs
    assert 8 < saving < 9


# ---- [PyTorch] output sizes -------------------------------------------------------------------------------
C, c, s, p, dd, op, D = (sym(n) for n in ("C", "c", "s", "p", "dd", "op", "D"))


def torch_conv_out(size):
    # Conv1d/2d/3d docs: floor((H_in + 2*padding - dilation*(kernel_size - 1) - 1)/stride + 1)
    return sympy.floor((size + 2 * p - dd * (k - 1) - 1) / s + 1)


def torch_pool_out(size):
    # MaxPool2d / AvgPool2d docs (dilation 1): floor((H_in + 2*padding - kernel_size)/stride + 1)
    return sympy.floor((size + 2 * p - 1 * (k - 1) - 1) / s + 1)


def torch_conv_transpose_out(size):
    # ConvTranspose2d docs: (H_in - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1
    return (size - 1) * s - 2 * p + dd * (k - 1) + op + 1


PYTORCH_SHAPES = [
    ("conv1d(c, k, strides=s, padding=p, dilation_rate=dd)", (C, H), (c, torch_conv_out(H))),
    ("conv2d(c, k, strides=s, padding=p, dilation_rate=dd)", (C, H, W), (c, torch_conv_out(H), torch_conv_out(W))),
    ("conv3d(c, k, strides=s, padding=p, dilation_rate=dd)", (C, D, H, W),
     (c, torch_conv_out(D), torch_conv_out(H), torch_conv_out(W))),
    ("max_pool2d(k, strides=s, padding=p)", (C, H, W), (C, torch_pool_out(H), torch_pool_out(W))),
    ("conv2d_transpose(c, k, strides=s, padding=p, output_padding=op, dilation_rate=dd)", (C, H, W),
     (c, torch_conv_transpose_out(H), torch_conv_transpose_out(W))),
]


@pytest.mark.parametrize("call, shape, expected", PYTORCH_SHAPES, ids=[c.split("(")[0] for c, _, _ in PYTORCH_SHAPES])
def test_pytorch_documented_output_size_is_a_symbolic_identity(call, shape, expected):
    out = symparams.eval_layer(call, input=tuple(str(d) for d in shape), convention="torch").output_shape
    assert len(out) == len(expected)
    for ours, documented in zip(out, expected):
        assert sympy.expand(ours - documented) == 0, (ours, documented)


# ---- a stack of strided layers, symbolic, against the documented arithmetic on numbers ------
# Keras's conv/pool output length (keras.src.ops.operation_utils.compute_conv_output_shape):
# "valid": floor((n - dilation*(k-1) - 1) / s) + 1; "same": ceil(n / s). symparams keeps a stack
# of them as one floor (floor((H + 31)/32) for ResNet50's five stride-2 steps); on every H it
# must give what the formula, applied layer by layer, gives.

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

strided = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3), st.sampled_from(["valid", "same"])),
                   min_size=1, max_size=6)


def documented_length(n, layers):
    for k, s, padding in layers:
        n = -(-n // s) if padding == "same" else (n - k) // s + 1
    return n


@settings(max_examples=150, deadline=None)
@given(strided, st.integers(1, 200))
def test_a_stack_of_strided_layers_gives_the_documented_lengths(layers, h):
    chain = " -> ".join(f"conv1d(1, {k}, strides={s}, padding='{p}')" for k, s, p in layers)
    net = symparams.parse(f"model M(H):\n    input (H, 1)\n    {chain}\n").model()
    length = net.output_shape[0]
    assert length.func is not sympy.floor or not any(isinstance(a, sympy.floor) for a in length.args[0].args)
    if documented_length(h, layers) >= 1 and all(documented_length(h, layers[:j]) >= 1
                                                  for j in range(1, len(layers))):
        assert length.subs(length.free_symbols.pop(), h) == documented_length(h, layers)


def test_resnet50s_map_after_five_stride_two_steps_is_ceil_h_over_32():
    net = symparams.load(EXAMPLES / "resnet50.arch").model()
    H = net.symbol("H")
    last_map = net.layers[-3].output_shapes[0][0]
    assert last_map == sympy.floor((H + 31) / 32)
    assert all(last_map.subs(H, h) == -(-h // 32) for h in range(1, 500))
