"""`symparams import hf` without transformers: the published configs in examples/configs give
the published figures, and configs a template cannot follow are errors that say why.
(tests/oracle/test_live_import_hf.py compares every family with live transformers.)"""
import json
import re
from pathlib import Path

import pytest

import symparams
from symparams.cli import main
from symparams.importers.hf import FAMILIES, import_config

CONFIGS = Path(__file__).resolve().parents[1] / "examples" / "configs"


def figures(name, model):
    text = import_config(json.loads((CONFIGS / f"{name}.json").read_text()), f"{name}.json")
    net = symparams.parse(text).model(model, convention="torch", defaults=True)
    return int(net.params), int(net.buffers)


# (config, class, params, buffers). Params: the model cards and papers (Llama 3: 8.03B; GPT-2
# small 124M as transformers counts it, with examples/gpt2.arch; Gemma 2 9B: 9.24B; Phi-3-mini 3.8B).
# Buffers by hand: rotary inv_freq and original_inv_freq, head width / 2 each (Llama 128/2 * 2 = 128;
# Gemma 2: 256/2 * 2 + the embedding scale = 257; Phi-3: 96/2 * 2 = 96).
PUBLISHED = [
    ("llama-3-8b", "LlamaForCausalLM", 8_030_261_248, 128),
    ("llama-3-8b", "LlamaModel", 7_504_924_672, 128),
    ("gpt2", "GPT2LMHeadModel", 124_439_808, 0),
    ("gemma-2-9b", "Gemma2ForCausalLM", 9_241_705_984, 257),
    ("phi-3-mini-4k", "Phi3ForCausalLM", 3_821_079_552, 96),
    # Qwen1.5-72B: EleutherAI's cookbook #36 reported 56.19B; transformers builds 72,287,920,128
    # (tests/oracle/test_live_import_hf.py). By hand: V*d*2 + L*(4*d**2 + 3*d (q, k, v biases)
    # + 3*d*ff + 2*d) + d with V=152064, d=8192, ff=24576, L=80, hkv = hq (no grouping).
    ("qwen1.5-72b", "Qwen2ForCausalLM", 72_287_920_128, 128),
    # Mixtral-8x7B: 46.7B total, 12.9B active per token (Jiang et al., 2024; examples/mixtral.arch)
    ("mixtral-8x7b", "MixtralForCausalLM", 46_702_792_704, 128),
    # Qwen1.5-MoE-A2.7B: "14.3B parameters in total and 2.7B activated" (model card); Qwen3-8B: 8.2B;
    # Qwen3-30B-A3B: 30.5B total, 3.3B activated (model cards). Exact figures: transformers 5.24 on meta.
    ("qwen1.5-moe-a2.7b", "Qwen2MoeForCausalLM", 14_315_784_192, 128),
    ("qwen3-8b", "Qwen3ForCausalLM", 8_190_735_360, 128),
    ("qwen3-30b-a3b", "Qwen3MoeForCausalLM", 30_532_122_624, 128),
]


@pytest.mark.parametrize("name, model, params, buffers", PUBLISHED)
def test_published_configs(name, model, params, buffers):
    assert figures(name, model) == (params, buffers)


def test_mixtral_counts_two_of_eight_experts_per_token():
    """Mixtral-8x7B: 12.9B active of 46.7B (Jiang et al., 2024). By hand, the active figure is the
    total less six of the eight experts' 3*d*ff in each of L layers: 46,702,792,704 - 32*6*3*4096*14336."""
    text = import_config(json.loads((CONFIGS / "mixtral-8x7b.json").read_text()), "mixtral-8x7b.json")
    net = symparams.parse(text).model("MixtralForCausalLM", convention="torch", defaults=True)
    assert int(net.active_params) == 46_702_792_704 - 32 * 6 * 3 * 4096 * 14336 == 12_879_925_248


# Active params by hand: the total less the unrouted experts' 3*d*ff in each of L layers.
ACTIVE = [("qwen1.5-moe-a2.7b", "Qwen2MoeForCausalLM", 14_315_784_192 - 24 * (60 - 4) * 3 * 2048 * 1408),
          ("qwen3-30b-a3b", "Qwen3MoeForCausalLM", 30_532_122_624 - 48 * (128 - 8) * 3 * 2048 * 768)]


@pytest.mark.parametrize("name, model, active", ACTIVE)
def test_qwen_moe_active_params(name, model, active):
    text = import_config(json.loads((CONFIGS / f"{name}.json").read_text()), f"{name}.json")
    assert int(symparams.parse(text).model(model, convention="torch", defaults=True).active_params) == active


def test_qwen3_writes_its_head_norms_and_head_width():
    """Qwen3's head width is its own key (default 128, not hidden_size / heads), and each layer
    has q_norm and k_norm of that width: 2*128 params a layer more than without them."""
    text = import_config({"model_type": "qwen3", "hidden_size": 1024, "num_attention_heads": 16}, "c.json")
    assert "hd=128," in text and "qk_norm=true" in text
    net = symparams.parse(text).model("Qwen3Model", convention="torch", defaults=True)
    plain = symparams.parse(text.replace(", qk_norm=true", "")).model("Qwen3Model", convention="torch", defaults=True)
    assert int(net.params - plain.params) == 32 * 2 * 128


def test_symbols_are_the_configs_terms_with_its_values_as_defaults():
    text = import_config(json.loads((CONFIGS / "llama-3-8b.json").read_text()), "llama-3-8b.json")
    assert "        d=4096,     # hidden_size: width" in text
    assert "        L=32):      # num_hidden_layers: decoder layers" in text
    net = symparams.parse(text).model("LlamaForCausalLM")
    # LlamaForCausalLM's formula (examples/llama.arch's, plus its untied head V*d), by hand:
    V, d, hq, hkv, ff, L = (net.symbol(s) for s in ("V", "d", "hq", "hkv", "ff", "L"))
    assert (net.params - (2 * V * d + L * (2 * d**2 + 2 * d * hkv * (d / hq) + 3 * d * ff + 2 * d) + d)).expand() == 0


def test_header_names_the_family_and_the_keys():
    text = import_config(json.loads((CONFIGS / "gpt2.json").read_text()), "gpt2.json")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "Family template: gpt2" in header
    assert re.search(r"Keys read: n_embd, n_head, n_layer, n_positions, tie_word_embeddings,\s*#?\s*vocab_size", header)
    assert "Models: GPT2Model, GPT2LMHeadModel" in header
    assert "\ndefault model GPT2LMHeadModel(" in text and "\nmodel GPT2Model(" in text


def test_unknown_keys_are_listed_as_ignored():
    config = {"model_type": "gpt2", "my_new_option": 3}
    assert "Keys ignored (unknown to this template): my_new_option." in import_config(config, "c.json")


ERRORS = [
    ({"model_type": "llama3000"}, "model_type 'llama3000': no family template for it; known model types: bert, "
                                  "distilbert, gemma, gemma2, gpt2, gpt_neox, llama, mistral, mixtral, phi3, qwen2, qwen2_moe, "
                                  "qwen3, qwen3_moe, roberta, t5, vit, whisper"),
    ({}, "no model_type: no family template for it"),
    ({"model_type": "gpt2", "n_embd": "768; import os"}, "n_embd = '768; import os': expected a positive whole number"),
    ({"model_type": "gpt2", "n_layer": 0}, "n_layer = 0: expected a positive whole number"),
    ({"model_type": "gpt2", "n_layer": True}, "n_layer = True: expected a positive whole number"),
    ({"model_type": "gpt2", "add_cross_attention": True},
     "add_cross_attention = True changes the parameter count and the gpt2 template cannot follow it"),
    ({"model_type": "bert", "position_embedding_type": "relative_key"},
     "position_embedding_type = 'relative_key' changes the parameter count"),
    ({"model_type": "bert", "tie_word_embeddings": False}, "tie_word_embeddings = False changes the parameter count"),
    ({"model_type": "llama", "architectures": ["LlamaForSequenceClassification"]},
     "architectures names LlamaForSequenceClassification, which the llama template does not define; it defines "
     "LlamaModel, LlamaForCausalLM"),
    ({"model_type": "llama", "tie_word_embeddings": "yes"}, "tie_word_embeddings = 'yes': expected true or false"),
    ({"model_type": "qwen2_moe", "decoder_sparse_step": 2},
     "decoder_sparse_step = 2 changes the parameter count and the qwen2_moe template cannot follow it"),
    ({"model_type": "qwen3_moe", "mlp_only_layers": [0]},
     "mlp_only_layers = [0] changes the parameter count and the qwen3_moe template cannot follow it"),
    ({"model_type": "qwen2_moe", "qkv_bias": 1}, "qkv_bias = 1: expected true or false"),
]


@pytest.mark.parametrize("config, message", ERRORS)
def test_configs_it_cannot_follow(tmp_path, capsys, config, message):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert main(["import", "hf", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: error: ") and message in err
    assert "Traceback" not in err


def test_cli_writes_a_file_that_summary_reads(tmp_path, capsys):
    out = tmp_path / "gpt2.arch"
    assert main(["import", "hf", str(CONFIGS / "gpt2.json"), "-o", str(out)]) == 0
    capsys.readouterr()
    # The architectures class is the file's default model: transformers' 124,439,808 for GPT-2 (with
    # examples/gpt2.arch); the formula without --defaults; GPT2Model by name.
    assert main(["summary", str(out), "--defaults"]) == 0
    assert f" Total params: {124439808:,}" in capsys.readouterr().out      # the table's separators
    assert main(["summary", str(out)]) == 0
    assert " Total params: L*(12*d**2 + 13*d) + T*d + V*d + 2*d" in capsys.readouterr().out
    assert main(["summary", f"{out}:GPT2Model", "--defaults"]) == 0
    assert f" Total params: {124439808:,}" in capsys.readouterr().out   # tied: the head adds no params


def test_not_json_and_missing_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["import", "hf", str(bad)]) == 1
    assert "error: not a JSON config" in capsys.readouterr().err
    assert main(["import", "hf", str(tmp_path / "nope.json")]) == 2


def test_every_family_at_transformers_defaults_parses_in_both_conventions():
    for model_type in FAMILIES:
        program = symparams.parse(import_config({"model_type": model_type}, "c.json"))
        for convention in ("keras", "torch"):
            assert program.model(FAMILIES[model_type].base, convention=convention, defaults=True).params > 0


@pytest.mark.parametrize("source, extra", [("torch:m:f", "torch"), ("keras:m:f", "keras"), ("hf:c.json", "hf")])
def test_check_without_the_framework_names_the_extra(monkeypatch, capsys, source, extra):
    import sys
    for module in ("torch", "keras", "transformers"):
        monkeypatch.setitem(sys.modules, module, None)      # import fails as when it is not installed
    assert main(["check", "examples/gpt2.arch", "--against", source]) == 2
    assert f"install it with pip install 'symparams[{extra}]'" in capsys.readouterr().err
