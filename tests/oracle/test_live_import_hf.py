"""`symparams import hf` against live transformers: every family template, on the published
configs in examples/configs and on drawn small configs, built on the meta device. The .arch
file's base model is compared with AutoModel.from_config and each `architectures` class with
that class: params, trainable params and buffers."""
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given

pytest.importorskip("transformers", reason="transformers is not installed: pip install -e .[oracle]")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import symparams  # noqa: E402
from hf_configs import HEADS, strategy  # noqa: E402
from symparams.importers.hf import import_config  # noqa: E402

CONFIGS = Path(__file__).resolve().parents[2] / "examples" / "configs"
IMPORTABLE = ["llama-3-8b", "gemma-2-9b", "phi-3-mini-4k", "gpt2", "qwen1.5-72b", "mixtral-8x7b", "qwen1.5-moe-a2.7b",
              "qwen3-8b", "qwen3-30b-a3b"]


def live_figures(config: dict, class_name: str | None):
    """(params, trainable, buffers) of AutoModel (class_name None) or the named class, on meta."""
    import torch
    import transformers

    hf_config = transformers.AutoConfig.for_model(**config)
    with torch.device("meta"):
        if class_name is None:
            model = transformers.AutoModel.from_config(hf_config)
        else:
            model = getattr(transformers, class_name)(hf_config)
    params = list(model.parameters())
    return (sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad),
            sum(b.numel() for b in model.buffers()))


def imported_figures(config: dict):
    """{model name: (params, trainable, buffers)} of the imported file, torch convention, defaults."""
    text = import_config(config, "config.json")
    program = symparams.parse(text)
    out = {}
    assert program.default_model == (config.get("architectures") or [program.models[0]])[0]
    for name in program.models:
        net = program.model(name, convention="torch", defaults=True)
        out[name] = (int(net.params), int(net.trainable), int(net.buffers))
    return out


def assert_matches_live(config):
    figures = imported_figures(config)
    base, *heads = figures
    assert figures[base] == live_figures(config, None), base
    for head in heads:
        assert figures[head] == live_figures(config, head), head


@pytest.mark.parametrize("name", IMPORTABLE)
def test_published_config_matches_transformers(name):
    assert_matches_live(json.loads((CONFIGS / f"{name}.json").read_text()))


def test_qwen1_5_72b_is_not_56_19b():
    """EleutherAI's cookbook #36 said 56.19B; transformers builds 72,287,920,128 (tests/test_import_hf.py)."""
    config = json.loads((CONFIGS / "qwen1.5-72b.json").read_text())
    assert live_figures(config, "Qwen2ForCausalLM")[0] == 72_287_920_128


@pytest.mark.parametrize("model_type", sorted(HEADS))
def test_drawn_configs_match_transformers(model_type):
    @given(strategy(model_type))
    def check(config):
        assert_matches_live(config)
    check()


def test_check_without_a_model_name_compares_the_default_model(tmp_path, capsys):
    """An imported Llama 3 file's default is LlamaForCausalLM: `check` builds that class, not
    AutoModel's LlamaModel (which lacks the 525,336,576-param lm_head, 128256 * 4096)."""
    from symparams.cli import main
    out = tmp_path / "llama.arch"
    assert main(["import", "hf", str(CONFIGS / "llama-3-8b.json"), "-o", str(out)]) == 0
    assert main(["check", str(out), "--against", f"hf:{CONFIGS / 'llama-3-8b.json'}"]) == 0
    report = capsys.readouterr().out
    assert "LlamaForCausalLM" in report and "8,030,261,248" in report
