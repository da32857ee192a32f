"""net.memory(): weights, gradients, optimizer states, KV cache, ZeRO (docs/MEMORY.md).
Every figure comes from a paper or a tool's published figure, written out below."""
import pytest
import sympy

import symparams
from support import EXAMPLES

LLAMA = symparams.load(EXAMPLES / "llama.arch")
BERT = symparams.load(EXAMPLES / "bert.arch")


def mlp(text="dense(64) -> gelu -> dense(16)", extra=""):
    return symparams.parse(f"model M():\n    input x (8, 16)\n    {text}\n{extra}").model(convention="torch")


# ---- bytes per parameter -----------------------------------------------------------------

# (dtype, grad_dtype, optimizer, bytes per trainable parameter, where the figure comes from)
PER_PARAMETER = [
    ("bf16", "fp32", "adam", 18, "Megatron-LM: 2 bf16 weights + 4 fp32 grads + 4 master + 8 moments"),
    ("fp16", None, "adam", 16, "ZeRO (Rajbhandari et al. 2020): 2 + 2 + K=12"),
    ("fp32", None, "adam", 16, "accelerate estimate-memory: fp32 Adam is 4x the weights"),
    ("fp32", None, "sgd", 8, "weights and gradients only"),
    ("fp32", None, "sgd_momentum", 12, "one fp32 momentum"),
    ("bf16", None, "adam8bit", 2 + 2 + 4 + 2, "bitsandbytes: two 8-bit moments"),
]


@pytest.mark.parametrize("dtype, grad_dtype, optimizer, per_param, source", PER_PARAMETER)
def test_bytes_per_parameter(dtype, grad_dtype, optimizer, per_param, source):
    net = mlp()
    m = net.memory(dtype=dtype, optimizer=optimizer, grad_dtype=grad_dtype)
    assert m.weights + m.gradients + m.optimizer == per_param * net.params


def test_bert_base_cased_weights_and_adam():
    """bert-base-cased: 108,310,272 parameters, 433,241,088 bytes in fp32 (Hugging Face's model card
    and accelerate's estimate-memory, which adds two integer id buffers), training with Adam 4x that."""
    net = BERT.model(convention="torch", defaults=True, values={"V": 28996})
    assert net.params == 108_310_272
    m = net.memory(dtype="fp32", optimizer="adam")
    assert m.weights == 433_241_088
    assert m.weights + m.gradients + m.optimizer == 4 * 433_241_088


def test_adafactor_keeps_rows_plus_columns_per_matrix():
    # dense(64) on 16 features: weight (64, 16), bias (64); dense(16): weight (16, 64), bias (16)
    m = mlp().memory(dtype="fp32", optimizer="adafactor")
    assert m.optimizer == 4 * ((64 + 16) + 64 + (16 + 64) + 16)


def test_frozen_weights_get_no_gradient_or_optimizer_state():
    net = mlp("dense(64, trainable=false) -> gelu -> dense(16)")
    m = net.memory(dtype="fp32", optimizer="adam")
    trainable = 16 * 64 + 16
    assert (m.weights, m.gradients, m.optimizer) == (4 * net.params, 4 * trainable, 8 * trainable)


# ---- ZeRO --------------------------------------------------------------------------------

# DeepSpeed ZeRO: stage 1 partitions optimizer states, 2 also gradients, 3 also weights.
@pytest.mark.parametrize("stage, weights, gradients, optimizer", [
    (0, 2, 2, 12), (1, 2, 2, sympy.Rational(12, 8)), (2, 2, sympy.Rational(2, 8), sympy.Rational(12, 8)),
    (3, sympy.Rational(2, 8), sympy.Rational(2, 8), sympy.Rational(12, 8))])
def test_zero_stages_divide_by_the_data_parallel_degree(stage, weights, gradients, optimizer):
    net = mlp()
    m = net.memory(dtype="fp16", optimizer="adam", data_parallel=8, zero=stage)
    assert (m.weights, m.gradients, m.optimizer) == (weights * net.params, gradients * net.params,
                                                     optimizer * net.params)


# ---- KV cache ----------------------------------------------------------------------------

def llama(hkv, **more):
    values = dict(V=32000, T=2048, d=4096, hq=32, hkv=hkv, ff=11008, L=32, **more)
    return LLAMA.model(convention="torch", values=values)


def test_llama2_7b_kv_cache_is_one_gib():
    """Llama-2-7B: 32 layers x 2 (K, V) x 2048 positions x 32 heads x 128 x 2 bytes = 2**30."""
    net = llama(32)
    assert net.params == 6_607_343_616                 # LlamaModel without its LM head
    m = net.memory(dtype="fp16", batch=1)
    assert m.kv_cache == 1_073_741_824
    assert m.inference == m.weights + 1_073_741_824


def test_mistral_gqa_kv_cache_is_a_quarter():
    """Mistral-7B: 8 KV heads for 32 query heads."""
    assert llama(8, ).memory(dtype="fp16", batch=1).kv_cache == 1_073_741_824 // 4


def test_kv_cache_comes_from_the_layer_arguments_not_d_over_h():
    # head_dim 80 with 16 query heads on d = 1024 (16*80 != 1024), 4 KV heads, T = 10
    net = symparams.parse("model M():\n    input x (10, 1024)\n    grouped_query_attention(80, 16, 4)\n").model(
        convention="torch")
    assert net.memory(dtype="fp32", batch=3).kv_cache == 2 * 10 * 4 * 80 * 3 * 4


def test_grouped_query_attention_keeps_what_eager_llama_attention_keeps():
    """d = 1024, T = 10, 16 query heads of 80, 4 KV heads, fp32, batch 3. Hand derivation from
    transformers' eager_attention_forward (measured live in tests/oracle/test_live_gqa_memory.py):
    the input (q/k/v_proj's weight gradients), Q, K and V repeated to 16 heads (the matmuls' operands),
    the softmax output 16 x 10 x 10, o_proj's input 10 x 16 x 80. Megatron: K and V at 4 heads."""
    net = symparams.parse("model M():\n    input x (10, 1024)\n    grouped_query_attention(80, 16, 4)\n").model(
        convention="torch")
    x, q, kv, scores = 10 * 1024, 10 * 16 * 80, 10 * 4 * 80, 16 * 10 * 10
    assert net.memory(dtype="fp32", batch=3, device="cpu").activations == 3 * 4 * (x + 4 * q + scores)
    assert net.memory(dtype="fp32", batch=3, accounting="megatron").activations == \
        3 * 4 * (x + 2 * q + 2 * kv + scores)


def test_cross_attention_caches_the_memory_length():
    text = ("model M():\n    input q (7, 32)\n    input kv (11, 32)\n"
            "    q -> multi_head_attention(4, 8, kv)\n")
    net = symparams.parse(text).model()
    assert net.memory(dtype="bf16", batch=1).kv_cache == 2 * 11 * 4 * 8 * 2


def test_kv_cache_is_symbolic_in_the_batch_and_the_model():
    net = LLAMA.model(convention="torch")
    b, L, T, hkv, d, hq = sympy.symbols("b L T hkv d hq", integer=True, positive=True)
    assert sympy.simplify(net.memory(dtype="fp16").kv_cache - L * 2 * T * hkv * (d / hq) * b * 2) == 0   # 2: K and V; 2 bytes


@pytest.mark.parametrize("options, message", [
    (dict(dtype="fp64"), "dtype must be one of"), (dict(optimizer="lion"), "optimizer must be one of"),
    (dict(zero=4), "zero must be"), (dict(batch=0), "batch must be"), (dict(recompute="some"), "recompute"),
    (dict(accounting="keras"), "accounting")])
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        mlp().memory(**options)


# ---- activations: Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
# Models", Table 2 (no parallelism): bytes one transformer layer keeps, s = T, b, h = d, a heads ----

GPT2_DROPOUT = symparams.load(EXAMPLES / "gpt2_dropout.arch")
GPT2 = symparams.load(EXAMPLES / "gpt2.arch")
s, b, h, a = sympy.symbols("T b d h", integer=True, positive=True)

TABLE_2 = [   # (example, recompute, bytes per layer)
    (GPT2_DROPOUT, "none", s * b * h * (34 + 5 * a * s / h)),
    (GPT2_DROPOUT, "selective", 34 * s * b * h),
    (GPT2_DROPOUT, "full", 2 * s * b * h),
    (GPT2, "none", 32 * s * b * h + 2 * a * s**2 * b),    # the same accounting without the dropouts
]


@pytest.mark.parametrize("program, recompute, per_layer", TABLE_2)
def test_korthikanti_table_2_per_layer(program, recompute, per_layer):
    net = program.model(convention="torch")
    m = net.memory(dtype="bf16", accounting="megatron", recompute=recompute)
    assert sympy.expand(sympy.diff(m.activations, net.symbol("L")) - per_layer) == 0


def test_full_recompute_keeps_one_block_for_the_recomputation():
    net = GPT2_DROPOUT.model(convention="torch")
    m = net.memory(dtype="bf16", accounting="megatron", recompute="full")
    L = net.symbol("L")
    one_block = s * b * h * (34 + 5 * a * s / h)
    final_norm = 2 * s * b * h                      # ln_f keeps its input
    assert sympy.expand(m.activations - (L * 2 * s * b * h + one_block + final_norm)) == 0


def test_dropout_changes_no_parameter_or_mac():
    plain, dropped = GPT2.model(), GPT2_DROPOUT.model()
    assert (plain.params, plain.macs) == (dropped.params, dropped.macs)


def test_mlp_keeps_81920_bytes_in_fp32():
    """The issue's measurement with torch.autograd.graph.saved_tensors_hooks on CPU: Linear(64, 256),
    GELU, Linear(256, 64), Dropout on a (16, 2, 64) batch keep 16*2*(64 + 256 + 256 + 64)*4 bytes."""
    net = symparams.parse("model M():\n    input x (2, 64)\n    dense(256) -> gelu -> dense(64) -> dropout(0.1)\n"
                          ).model(convention="torch")
    assert net.memory(dtype="fp32", batch=16, device="cpu").activations == 81_920


def test_a_relu_output_read_by_the_next_layer_is_kept_once():
    # dense keeps its input (the ReLU's output, which the ReLU keeps too): 8*16 + 8*32 elements
    net = mlp("dense(32) -> relu -> dense(4)")
    assert net.memory(dtype="fp32", batch=1).activations == 4 * (8 * 16 + 8 * 32)


def test_frozen_layers_keep_what_the_input_gradient_needs_only():
    # a frozen dense on the model's input is not recorded; the relu after it neither; dense(4) keeps its input
    net = mlp("dense(32, trainable=false) -> relu -> dense(4)")
    assert net.memory(dtype="fp32", batch=1).activations == 4 * 8 * 32


# ---- the command ----------------------------------------------------------------------------

def cli(*argv):
    import contextlib
    import io
    from symparams.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


LLAMA2_7B = "V=32000,T=2048,d=4096,hq=32,hkv=32,ff=11008,L=32"


def test_memory_command_prints_parts_in_binary_units():
    status, out, _ = cli("memory", str(EXAMPLES / "llama.arch"), "--convention", "torch", "--set", LLAMA2_7B,
                         "--dtype", "fp16", "--batch", "1")
    assert status == 0
    kv = next(line for line in out.splitlines() if "KV cache" in line)
    assert "1,073,741,824" in kv and "1.00 GiB" in kv        # Llama-2-7B's 2**30 bytes, with separators
    assert "weights" in out and "optimizer states" in out and "inference" in out


def test_memory_command_by_block_gives_one_block_formula():
    status, out, _ = cli("memory", str(EXAMPLES / "gpt2_dropout.arch"), "--accounting", "megatron", "--by", "block")
    assert status == 0
    assert "L × (5*T**2*b*h + 34*T*b*d)" in out               # Korthikanti et al. Table 2, one layer


def test_memory_command_json_gives_numbers_once_known():
    import json
    status, out, _ = cli("memory", str(EXAMPLES / "bert.arch"), "--defaults", "--set", "V=28996", "--dtype", "fp32",
                         "--optimizer", "adam", "--format", "json", "--convention", "torch")
    figures = json.loads(out)
    assert figures["weights"]["value"] == 433_241_088
    assert figures["weights"]["size"] == "413.17 MiB"


@pytest.mark.parametrize("argv, words", [
    (["--batch", "0"], "--batch 0"), (["--zero", "2"], "--data-parallel"), (["--batch", "2x"], "--batch")])
def test_memory_command_usage_errors(argv, words):
    status, _, err = cli("memory", str(EXAMPLES / "gpt2.arch"), *argv)
    assert status == 2 and words in err


# ---- training compute ---------------------------------------------------------------------------

def test_the_first_layer_computes_no_input_gradient():
    net = mlp()                                   # (8, 16) -> dense(64) -> gelu -> dense(16)
    first, second = 8 * 16 * 64, 8 * 64 * 16
    assert net.macs == first + second
    assert net.backward_macs == first + 2 * second                # weight gradient only, then both
    from symparams.compute import backward_macs, training_macs
    assert backward_macs(net, input_gradients=True) == 2 * (first + second)
    assert net.training_macs == 2 * first + 3 * second
    assert training_macs(net, "full") == net.training_macs + net.macs   # one more forward pass


def test_gpt2_train_flops_against_6nd():
    """Kaplan et al. 2020: C ~ 6*N*D. GPT-2's exact figure: every block's backward costs twice its forward
    (the embeddings feed it, so even the first block needs input gradients); the embeddings cost nothing."""
    net = GPT2.model()
    V, T, d, L, D = (sympy.Symbol(n, integer=True, positive=True) for n in "VTdLD")
    exact = net.train_flops(tokens=D)
    assert sympy.expand(exact - 6 * D * L * (12 * d**2 + 2 * T * d)) == 0
    assert sympy.expand(exact - 6 * net.params * D - (12 * L * T * d - 6 * (13 * L * d + V * d + T * d + 2 * d)) * D) == 0
