"""`symparams import torch` round trips: a module written with torch.nn is imported (torch.fx),
and `symparams check` then finds every weight of the same module by name."""
import pytest

pytest.importorskip("torch", reason="torch is not installed: pip install -e .[oracle]")

import symparams  # noqa: E402
from symparams.cli import main  # noqa: E402


def _import(tmp_path, capsys, target, shape, *extra):
    out = tmp_path / "model.arch"
    status = main(["import", "torch", target, "--input", shape, "-o", str(out), *extra])
    capsys.readouterr()
    return status, out


def test_resnet50_round_trip(tmp_path, capsys):
    status, arch = _import(tmp_path, capsys, "check_models:resnet50", "3,224,224")
    assert status == 0
    net = symparams.load(str(arch)).model(convention="torch")
    assert net.params == 25_557_032          # torchvision's published ResNet-50 (v1.5) count
    assert net.buffers == 53_173              # 53 batch norms: running mean and var, num_batches_tracked
    assert main(["check", str(arch), "--against", "torch:check_models:resnet50"]) == 0
    assert " 320 matched\n" in capsys.readouterr().out   # 53 convs, 53 x 5 batch norm tensors, fc weight and bias


def test_resnet50_bottlenecks_fold_into_two_blocks_and_repeats(tmp_path, capsys):
    """The 16 Bottleneck modules are two blocks (with and without the downsample branch); each
    stage is its first block then a repeat of the rest (3, 4, 6, 3 blocks per stage)."""
    _, arch = _import(tmp_path, capsys, "check_models:resnet50", "3,224,224")
    lines = arch.read_text().splitlines()
    assert "block Bottleneck(c1, a1):" in lines and "block Bottleneck2(c1):" in lines
    model = lines[lines.index("model resnet50():"):]
    assert [line.strip() for line in model if "Bottleneck" in line] == [
        "-> Bottleneck(64, 1)", "repeat 2: Bottleneck2(64)", "Bottleneck(128, 2)", "repeat 3: Bottleneck2(128)",
        "Bottleneck(256, 2)", "repeat 5: Bottleneck2(256)", "Bottleneck(512, 2)", "repeat 2: Bottleneck2(512)"]
    body = lines[lines.index("block Bottleneck2(c1):"):lines.index("model resnet50():")]
    assert '        -> conv2d(4*c1, 1, use_bias=false, name="conv3")' in body      # the expansion of 4
    assert "        -> add(x)" in body                                             # the residual


def test_branches_and_merges_round_trip(tmp_path, capsys):
    status, arch = _import(tmp_path, capsys, "check_models:branches", "3,16,16", "--kwargs", '{"width": 4}')
    text = arch.read_text()
    assert status == 0
    assert "t_cat = t_a -> concatenate(t_b, axis=1)" in text and "        -> add(t_cat)" in text   # y + mix(y)
    # by hand: a 3*4 + 4, b 9*3*4, mix 9*8*8 + 8, head 8*5 + 5
    assert symparams.load(str(arch)).model(convention="torch").params == 16 + 108 + 584 + 45
    assert main(["check", str(arch), "--against", "torch:check_models:branches", "--kwargs", '{"width": 4}']) == 0


def test_what_it_cannot_map_is_named_where_it_was(tmp_path, capsys):
    status, arch = _import(tmp_path, capsys, "check_models:rolled", "4")
    assert status == 1
    lines = arch.read_text().splitlines()
    assert "    # cannot map roll: call_function roll" in lines
    assert lines.index("    # cannot map roll: call_function roll") < next(
        i for i, line in enumerate(lines) if 'name="fc"' in line)


def test_usage_errors(capsys):
    assert main(["import", "torch", "check_models:resnet50"]) == 2
    assert "--input 3,224,224" in capsys.readouterr().err
    assert main(["import", "torch", "check_models:nothing", "--input", "4"]) == 2
    assert "check_models has no callable nothing" in capsys.readouterr().err
    assert main(["import", "hf", "config.json", "--symbolize"]) == 2
    assert "--symbolize are for import torch" in capsys.readouterr().err


def test_resnet50_symbolized_formula_substitutes_to_torchs_count(tmp_path, capsys):
    """--symbolize: widths w1..w5 (64, 128, 256, 512 and the 1000 classes; the stem's 64 is w1 too),
    stage depths n1..n4 (3, 4, 6, 3) and the expansion e1 (4). The defaults give torch's own
    sum of numel, 25,557,032 (asserted live below, not taken from the file)."""
    import sympy
    import torch

    status, arch = _import(tmp_path, capsys, "check_models:resnet50", "3,224,224", "--symbolize")
    assert status == 0
    assert "model resnet50(w1=64, w2=128, w3=256, w4=512, w5=1000, n1=3, n2=4, n3=6, n4=3, e1=4):" in \
        arch.read_text().splitlines()
    net = symparams.load(str(arch)).model(convention="torch")
    assert not net.params.is_number
    assert {s.name for s in net.params.free_symbols} == {"w1", "w2", "w3", "w4", "w5", "n1", "n2", "n3", "n4", "e1"}
    n3 = next(s for s in net.params.free_symbols if s.name == "n3")
    assert sympy.degree(net.params, n3) == 1                                # linear in a stage's depth
    import check_models
    live = sum(p.numel() for p in check_models.resnet50().parameters())
    assert live == 25_557_032
    assert net.subs(w1=64, w2=128, w3=256, w4=512, w5=1000, n1=3, n2=4, n3=6, n4=3, e1=4).params == live
    # another ResNet from the same formula: depths of ResNet-101 (3, 4, 23, 3), live
    deeper = sum(p.numel() for p in check_models.resnet50(depths=(3, 4, 23, 3)).parameters())
    assert net.subs(w1=64, w2=128, w3=256, w4=512, w5=1000, n1=3, n2=4, n3=23, n4=3, e1=4).params == deeper
    assert main(["check", str(arch), "--against", "torch:check_models:resnet50"]) == 0


# (callable, --input, torch's sum of numel, weights paired by name, the folded line)
ROUND_TRIPS = [
    # ViT-B/16: 86,567,656 (the paper's 86M); 12 blocks x 12 tensors + patch conv 2 + tokens 2 + norm 2 + head 2
    ("import_models:vit", "3,224,224", 86_567_656, 152, "repeat 12: Block"),
    # GPT-2 small's body, transformers' GPT2Model: 124,439,808; 12 x 12 tensors + wte, wpe, ln_f 2
    ("import_models:gpt2", "1024", 124_439_808, 148, "repeat 12: Block"),
]


@pytest.mark.parametrize("target, shape, live_params, matched, folded", ROUND_TRIPS)
def test_transformers_round_trip(tmp_path, capsys, target, shape, live_params, matched, folded):
    import importlib

    module, _, name = target.partition(":")
    assert sum(p.numel() for p in getattr(importlib.import_module(module), name)().parameters()) == live_params
    status, arch = _import(tmp_path, capsys, target, shape)
    assert status == 0
    assert f"    {folded}" in arch.read_text().splitlines()
    assert symparams.load(str(arch)).model(convention="torch").params == live_params
    assert main(["check", str(arch), "--against", f"torch:{target}"]) == 0
    assert f" {matched} matched\n" in capsys.readouterr().out


def test_gpt2_positions_become_an_input_and_the_causal_mask_is_not_written(tmp_path, capsys):
    _, arch = _import(tmp_path, capsys, "import_models:gpt2", "1024")
    lines = arch.read_text().splitlines()
    assert lines[lines.index("model gpt2():") + 1:][:4] == [
        "    input t_idx (1024,)", "    input t_arange (1024,)",
        '    t_wte = t_idx -> embedding(50257, 768, name="wte")',
        '    t_arange -> embedding(1024, 768, name="wpe") -> add(t_wte) -> dropout(0.0)']
    assert lines[2].startswith("# Not written (they feed no output: masks, sizes): size, getattr_1, size_1, new_ones")


def test_vit_class_token_and_positions_are_parameters(tmp_path, capsys):
    _, arch = _import(tmp_path, capsys, "import_models:vit", "3,224,224")
    lines = arch.read_text().splitlines()
    assert ('    t_cat = parameter((1, 1, 768), name="cls_token") -> reshape((1, 768))'
            ' -> concatenate(t_transpose, axis=1)') in lines
    assert '    layer_norm(name="norm") -> cropping1d((0, 196)) -> flatten -> dense(1000, name="head")' in lines


# Hugging Face models: torch.fx cannot trace transformers 5 ("'Proxy' object does not support item
# assignment"), so `import torch` walks torch.export's graph. (callable, --input, weights matched)
HF_ROUND_TRIPS = [
    # 3 layers x 16 tensors + patch conv 2 + cls token + positions + final norm 2 + pooler 2
    ("import_models:hf_vit", 56, "    repeat 3: ViTLayer"),
    ("import_models:hf_deit", 57, "    repeat 3: DeiTLayer"),      # and the distillation token
]


@pytest.mark.parametrize("target, matched, folded", HF_ROUND_TRIPS)
def test_hugging_face_round_trip_through_torch_export(tmp_path, capsys, target, matched, folded):
    pytest.importorskip("transformers")
    import importlib

    module, _, name = target.partition(":")
    live = getattr(importlib.import_module(module), name)()
    status, arch = _import(tmp_path, capsys, target, "3,32,32")
    lines = arch.read_text().splitlines()
    assert status == 0
    assert "torch.export, as torch.fx could not trace it: TypeError: 'Proxy' object does not support item " \
           "assignment" in lines[0]
    assert folded in lines
    assert '        -> grouped_query_attention(16, 4, 4, name="attention")' in lines    # 64 wide, 4 heads
    net = symparams.load(str(arch)).model(convention="torch")
    assert net.params == sum(p.numel() for p in live.parameters())
    assert main(["check", str(arch), "--against", f"torch:{target}"]) == 0
    assert f" {matched} matched\n" in capsys.readouterr().out


def test_hugging_face_bert_attention_is_named_not_guessed(tmp_path, capsys):
    """BERT's attention module holds q, k and v only (the output projection is another module's):
    no catalog layer is that, so its pieces are located comments and the import exits 1."""
    pytest.importorskip("transformers")
    status, arch = _import(tmp_path, capsys, "import_models:hf_bert", "32")
    lines = arch.read_text().splitlines()
    assert status == 1
    assert "    # cannot map scaled_dot_product_attention: operation scaled_dot_product_attention" in lines


def test_vit_symbolized_is_linear_in_depth_and_keeps_the_position_table_rows(tmp_path, capsys):
    """The width 768 is w1 wherever it is a size (the class token's and position table's columns
    too), the depth n1; the table's 197 rows are a sequence length, not a width: they stay."""
    import import_models

    status, arch = _import(tmp_path, capsys, "import_models:vit", "3,224,224", "--symbolize")
    lines = arch.read_text().splitlines()
    assert status == 0
    assert "model vit(w1=768, w2=1000, n1=12, e1=4):" in lines
    assert '    parameter((1, 197, w1), name="pos_embed") -> reshape((197, w1)) -> add(t_cat)' in lines
    net = symparams.load(str(arch)).model(convention="torch")
    deeper = sum(p.numel() for p in import_models.vit(depth=24).parameters())
    assert net.subs(w1=768, w2=1000, n1=24, e1=4).params == deeper


def test_gpt2_symbolized_is_the_textbook_formula(tmp_path, capsys):
    """L*(12*d**2 + 13*d) + V*d + T*d + 2*d (per block: 4d^2 + 4d attention, 8d^2 + 5d MLP, 4d
    norms; two tables and ln_f), here with the MLP ratio e1 left as a symbol until it is 4."""
    import sympy

    status, arch = _import(tmp_path, capsys, "import_models:gpt2", "1024", "--symbolize")
    assert status == 0
    assert "model gpt2(w1=50257, w2=768, w3=1024, n1=12, e1=4):" in arch.read_text().splitlines()
    params = symparams.load(str(arch)).model(convention="torch").params
    V, d, T, L, e = (next(s for s in params.free_symbols if s.name == n) for n in ("w1", "w2", "w3", "n1", "e1"))
    assert sympy.expand(params.subs(e, 4) - (L * (12 * d**2 + 13 * d) + V * d + T * d + 2 * d)) == 0
