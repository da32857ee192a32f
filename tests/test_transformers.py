"""Whole transformers from examples/: closed forms derived here from the papers'
architectures, and the totals Hugging Face transformers reports (ORACLE_README.md).
No framework needed; tests/oracle/test_live_transformers.py asks transformers live."""
import json
import subprocess
import sys

import pytest
import sympy

import symparams

from support import EXAMPLES

V, T, d, h, L, P, G, ff, hq, hkv = sympy.symbols("V T d h L P G ff hq hkv", integer=True, positive=True)

GPT2_SMALL = dict(V=50257, T=1024, d=768, h=12, L=12)
BERT_BASE = dict(V=30522, P=512, G=2, T=512, d=768, h=12, ff=3072, L=12)


def gpt2():
    return symparams.load(str(EXAMPLES / "gpt2.arch")).model()


def bert():
    return symparams.load(str(EXAMPLES / "bert.arch")).model()


def llama():
    return symparams.load(str(EXAMPLES / "llama.arch")).model()


# ---- GPT-2 -------------------------------------------------------------------------
# Per block: ln_1 2d; attention c_attn d*3d + 3d, c_proj d*d + d; ln_2 2d;
# mlp c_fc d*4d + 4d, c_proj 4d*d + d  ->  12*d**2 + 13*d. Embeddings wte V*d, wpe T*d; ln_f 2d.
GPT2_PARAMS = V * d + T * d + L * (12 * d ** 2 + 13 * d) + 2 * d


@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_gpt2_closed_form(convention):
    net = symparams.load(str(EXAMPLES / "gpt2.arch")).model(convention=convention)
    assert sympy.expand(net.params - GPT2_PARAMS) == 0
    assert net.output_shape == (T, d)


def test_gpt2_is_linear_in_L_without_unrolling():
    net = gpt2()
    assert sympy.degree(sympy.expand(net.params), L) == 1
    # one row per layer of one block: the repeat is not unrolled
    assert [r.type for r in net.layers].count("multi_head_attention") == 1


def test_gpt2_small_is_hugging_faces_count():
    assert int(gpt2().subs(**GPT2_SMALL).params) == 124_439_808          # GPT2Model(GPT2Config())
    assert int(gpt2().with_defaults().params) == 124_439_808


def test_gpt2_small_from_the_command_line():
    for args in (["--set", "V=50257,T=1024,d=768,h=12,L=12"], ["--defaults"]):
        out = subprocess.run([sys.executable, "-m", "symparams", "summary", str(EXAMPLES / "gpt2.arch"),
                              "--format", "json", *args], capture_output=True, text=True, check=True).stdout
        assert json.loads(out)["params"] == "124439808"


def test_gpt2_macs_derivation():
    # Counting rule (LANGUAGE.md §7, catalog/attention.py): every multiply-add of a matrix product.
    # Embedding lookups, LayerNorm, GELU and the residual adds are not matrix products: 0.
    # Per block over T positions of width d:
    #   attention projections q, k, v, output: 4 * T*d*d
    #   scores Q K^T and weighted sum: T*T*d each            -> 2*T**2*d
    #   MLP: T*d*4d + T*4d*d                                 -> 8*T*d**2
    per_block = 4 * T * d ** 2 + 2 * T ** 2 * d + 8 * T * d ** 2
    assert sympy.expand(gpt2().macs - L * per_block) == 0
    small = {V: 50257, T: 1024, d: 768, h: 12, L: 12}
    assert int(gpt2().subs(**GPT2_SMALL).macs) == int((L * per_block).subs(small))


# ---- BERT --------------------------------------------------------------------------
# Embeddings (V + P + G)*d + LayerNorm 2d; per layer: attention 4*d**2 + 4*d, LayerNorm 2d,
# intermediate d*ff + ff, output ff*d + d, LayerNorm 2d; pooler d*d + d.
BERT_PARAMS = (V + P + G) * d + 2 * d + L * (4 * d ** 2 + 2 * d * ff + 9 * d + ff) + d ** 2 + d


@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_bert_closed_form(convention):
    net = symparams.load(str(EXAMPLES / "bert.arch")).model(convention=convention)
    assert sympy.expand(net.params - BERT_PARAMS) == 0
    assert net.output_shape == ((T, d), (d,)) or list(net.output_shape) == [(T, d), (d,)]


def test_bert_base_is_hugging_faces_count():
    assert int(bert().subs(**BERT_BASE).params) == 109_482_240          # BertModel(BertConfig())
    assert int(bert().with_defaults().params) == 109_482_240


def test_bert_macs_derivation():
    # Per layer: 4*T*d**2 (projections) + 2*T**2*d (attention) + 2*T*d*ff (intermediate, output);
    # pooler d*d on the first token.
    assert sympy.expand(bert().macs - (L * (4 * T * d ** 2 + 2 * T ** 2 * d + 2 * T * d * ff) + d ** 2)) == 0


# ---- Llama -------------------------------------------------------------------------
# head_dim = d/hq; per layer: q d*d, k and v d*hkv*(d/hq) each, o d*d; gate, up, down d*ff each;
# two RMSNorms d each. Embedding V*d, final norm d. No biases.
LLAMA_PARAMS = V * d + L * (2 * d ** 2 + 2 * d * hkv * d / hq + 3 * d * ff + 2 * d) + d


@pytest.mark.parametrize("convention", ["keras", "torch"])
def test_llama_closed_form(convention):
    net = symparams.load(str(EXAMPLES / "llama.arch")).model(convention=convention)
    assert sympy.simplify(net.params - LLAMA_PARAMS) == 0
    assert sympy.degree(sympy.expand(net.params), L) == 1


def test_llama_3_8b_backbone():
    # Llama-3-8B: V=128256, d=4096, hq=32, hkv=8, ff=14336, L=32 (head_dim 128):
    # per layer 2*4096**2 + 2*4096*1024 + 3*4096*14336 + 2*4096 = 218,112,000
    per_layer = 2 * 4096 ** 2 + 2 * 4096 * 1024 + 3 * 4096 * 14336 + 2 * 4096
    assert per_layer == 218_112_000
    assert int(llama().with_defaults().params) == 128256 * 4096 + 32 * per_layer + 4096 == 7_504_924_672


def test_llama_small_config_weights_torch():
    # hidden 64, 4 heads (head_dim 16), 2 kv heads, intermediate 128, vocab 100, 2 layers
    net = symparams.load(str(EXAMPLES / "llama.arch")).model(
        convention="torch", values=dict(V=100, T=16, d=64, hq=4, hkv=2, ff=128, L=2))
    attn = [r for r in net.layers if r.type == "grouped_query_attention"]
    assert len(attn) == 2
    assert [(w.name, [int(x) for x in w.shape]) for w in attn[0].weights] == [
        ("q_proj.weight", [64, 64]), ("k_proj.weight", [32, 64]), ("v_proj.weight", [32, 64]),
        ("o_proj.weight", [64, 64])]
    # 100*64 + 2*(64*64*2 + 2*32*64 + 3*64*128 + 2*64) + 64
    assert int(net.params) == 100 * 64 + 2 * (2 * 64 * 64 + 2 * 32 * 64 + 3 * 64 * 128 + 2 * 64) + 64 == 80448
