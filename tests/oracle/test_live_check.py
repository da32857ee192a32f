"""`symparams check` against live models: imported files agree with transformers weight by weight;
deliberately wrong files report the exact mismatch and the first layer where they diverge."""
import json
from pathlib import Path

import pytest

pytest.importorskip("transformers", reason="transformers is not installed: pip install -e .[oracle]")

from symparams.cli import main  # noqa: E402
from symparams.importers.hf import import_config  # noqa: E402

LLAMA = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": 64, "hidden_size": 16,
         "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24, "num_hidden_layers": 2,
         "max_position_embeddings": 32, "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2}
GPT2 = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 64, "n_embd": 16, "n_head": 4,
        "n_layer": 2, "n_positions": 32}


def _check(tmp_path, capsys, config, model, edit=None, extra=()):
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    text = import_config(config, "config.json")
    if edit:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1])
    arch = tmp_path / "model.arch"
    arch.write_text(text)
    status = main(["check", f"{arch}:{model}", "--against", f"hf:{config_path}", *extra])
    return status, capsys.readouterr().out


def test_imported_llama_matches_weight_by_weight(tmp_path, capsys):
    status, out = _check(tmp_path, capsys, LLAMA, "LlamaForCausalLM")
    assert status == 0
    assert " 23 matched" in out          # embedding, 2 x (2 norms + 4 attention + 3 MLP), norm, lm_head, 2 buffers
    assert "model.layers.1.self_attn.k_proj.weight" in out and " Every weight matches." in out
    # by hand: 2*V*d (untied) + L*(q, o: d*d; k, v: d*d/2; MLP 3*ff*d; 2 norms of d) + d
    assert " params                5,968            5,968              0" in out


def test_gpt2_names_differ_but_shapes_match_in_order(tmp_path, capsys):
    status, out = _check(tmp_path, capsys, GPT2, "GPT2LMHeadModel")
    assert status == 0
    assert "Names differ for 8 weights, but their shapes match in order" in out   # attn q/k/v and out, 2 layers
    assert "transposed  mlp.c_fc.weight" in out                                     # Conv1D stores (in, out)


def test_a_missing_bias(tmp_path, capsys):
    status, out = _check(tmp_path, capsys, GPT2, "GPT2LMHeadModel",
                         ('dense(d, name="mlp.c_proj")', 'dense(d, use_bias=false, name="mlp.c_proj")'))
    assert status == 1
    assert out.count("\nmissing ") == 2 and "transformer.h.1.mlp.c_proj.bias" in out
    assert " First divergence: live transformer.h.0.mlp.c_proj.bias (missing from the file)" in out
    assert "-32\n" in out          # 2 layers x a bias of 16


def test_a_wrong_width(tmp_path, capsys):
    status, out = _check(tmp_path, capsys, LLAMA, "LlamaForCausalLM", extra=("--set", "ff=32"))
    assert status == 1
    assert ("shape mismatch  mlp.gate_proj.weight" in out and "(32, 16)" in out and "(24, 16)" in out)
    assert " First divergence: mlp.gate_proj in GatedMLP in DecoderLayer in Decoder (shape mismatch: mlp.gate_proj.weight)" in out


def test_a_layer_too_many(tmp_path, capsys):
    status, out = _check(tmp_path, capsys, LLAMA, "LlamaForCausalLM", extra=("--set", "L=3"))
    assert status == 1
    assert out.count("\nextra ") == 9      # the third layer: 2 norms, 4 attention, 3 MLP weights
    assert " First divergence: input_layernorm in DecoderLayer_2 in Decoder (extra: input_layernorm.weight)" in out


def test_torch_callable_with_kwargs(tmp_path, capsys):
    arch = tmp_path / "mlp.arch"
    arch.write_text("model MLP(w=8, n=16):\n    input (w)\n    dense(n) -> relu -> dense(3)\n")
    status = main(["check", str(arch), "--against", "torch:check_models:torch_mlp", "--kwargs", '{"hidden": 16}'])
    out = capsys.readouterr().out
    assert status == 0 and "Names differ for 4 weights" in out and "0.weight" in out
    status = main(["check", str(arch), "--against", "torch:check_models:torch_mlp", "--kwargs", '{"hidden": 12}'])
    out = capsys.readouterr().out
    assert status == 1 and " First divergence: dense (extra: dense.weight)" in out


def test_keras_callable(tmp_path, capsys):
    arch = tmp_path / "mlp.arch"
    arch.write_text("model MLP(w=8, n=16):\n    input (w)\n    dense(n, activation=\"relu\") -> dense(3)\n")
    status = main(["check", str(arch), "--against", "keras:check_models:keras_mlp"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert " params                  195              195              0" in out   # 8*16+16 + 16*3+3


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_examples_gpt2_matches_gpt2model(capsys):
    status = main(["check", str(EXAMPLES / "gpt2.arch"), "--against", f"hf:{EXAMPLES / 'configs' / 'gpt2.json'}"])
    out = capsys.readouterr().out
    assert status == 0 and " 4 matched, 144 by order" in out and " Every weight matches." in out


def test_examples_llama_lacks_only_the_rotary_buffers(capsys):
    status = main(["check", str(EXAMPLES / "llama.arch"), "--against",
                   f"hf:{EXAMPLES / 'configs' / 'llama-3-8b.json'}"])
    out = capsys.readouterr().out
    assert status == 1
    assert " params        7,504,924,672    7,504,924,672              0" in out
    assert " buffers                   0              128           -128" in out   # inv_freq, original: 64 each
    assert out.count("\nmissing ") == 2
    assert " First divergence: live rotary_emb.inv_freq (missing from the file)" in out


def test_examples_bert_fuses_what_transformers_keeps_apart(tmp_path, capsys):
    """examples/bert.arch writes multi_head_attention: in the torch convention one in_proj_weight
    (3d, d) where BertSelfAttention has query, key and value (d, d): the same count, another structure."""
    config = tmp_path / "bert.json"
    config.write_text('{"model_type": "bert"}')
    status = main(["check", str(EXAMPLES / "bert.arch"), "--against", f"hf:{config}"])
    out = capsys.readouterr().out
    assert status == 1
    assert " params          109,482,240      109,482,240              0" in out
    assert " First divergence: multi_head_attention in BertLayer in Encoder (extra: " \
           "multi_head_attention.in_proj_weight)" in out
