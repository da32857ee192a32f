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


def test_branches_and_merges_round_trip(tmp_path, capsys):
    status, arch = _import(tmp_path, capsys, "check_models:branches", "3,16,16", "--kwargs", '{"width": 4}')
    text = arch.read_text()
    assert status == 0
    assert "concatenate(t_b, axis=1)" in text and "add(t_mix)" in text
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
