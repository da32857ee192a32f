"""examples/resnet18.arch's closed form in the stage count S (a stage repeat, §6.1), against
ResNets built in live Keras and PyTorch for hypothesis-drawn S, N, c, H, W and classes:
params, trainable/non-trainable (Keras), buffers (PyTorch), the output shape, and the MACs
of a real PyTorch forward pass (torch.utils.flop_counter, FLOPs / 2, a batch of one)."""
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symparams
from drawn import Drawn

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "resnet18.arch"


def _closed_form(convention):
    # Evaluated once, fully symbolic: every drawn configuration substitutes into the same formulas.
    return symparams.load(str(EXAMPLE)).model("ResNet18", convention=convention)


CLOSED = {}


def closed(convention):
    if convention not in CLOSED:
        CLOSED[convention] = _closed_form(convention)
    return CLOSED[convention]


def keras_resnet(S, N, c, H, W, classes):
    from frameworks import _keras

    keras = _keras()
    L = keras.layers

    def conv(x, filters, kernel, stride=1, pad=0):
        if pad:
            x = L.ZeroPadding2D(pad)(x)
        return L.Conv2D(filters, kernel, strides=stride, use_bias=False)(x)

    def basic(x, width):
        y = L.ReLU()(L.BatchNormalization()(conv(x, width, 3, pad=1)))
        y = L.BatchNormalization()(conv(y, width, 3, pad=1))
        return L.ReLU()(L.Add()([y, x]))

    def down(x, width):
        shortcut = L.BatchNormalization()(conv(x, width, 1, stride=2))
        y = L.ReLU()(L.BatchNormalization()(conv(x, width, 3, stride=2, pad=1)))
        y = L.BatchNormalization()(conv(y, width, 3, pad=1))
        return L.ReLU()(L.Add()([y, shortcut]))

    inputs = keras.Input((H, W, 3))
    x = L.ReLU()(L.BatchNormalization()(conv(inputs, c, 7, stride=2, pad=3)))
    x = L.MaxPooling2D(3, strides=2)(L.ZeroPadding2D(1)(x))
    for _ in range(N):
        x = basic(x, c)
    for i in range(S):
        x = down(x, 2 * c * 2**i)
        for _ in range(N - 1):
            x = basic(x, 2 * c * 2**i)
    x = L.Dense(classes)(L.GlobalAveragePooling2D()(x))
    return keras.Model(inputs, x)


def torch_resnet(S, N, c, classes):
    import torch.nn as nn

    class Basic(nn.Module):
        def __init__(self, width, down):
            super().__init__()
            stride = 2 if down else 1
            self.conv1 = nn.Conv2d(width // stride, width, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(width)
            self.shortcut = (nn.Sequential(nn.Conv2d(width // 2, width, 1, 2, bias=False), nn.BatchNorm2d(width))
                             if down else nn.Identity())
            self.relu = nn.ReLU()

        def forward(self, x):
            y = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(y)) + self.shortcut(x))

    layers = [nn.Conv2d(3, c, 7, 2, 3, bias=False), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    layers += [Basic(c, False) for _ in range(N)]
    for i in range(S):
        layers += [Basic(2 * c * 2**i, True)] + [Basic(2 * c * 2**i, False) for _ in range(N - 1)]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c * 2**S, classes)]
    return nn.Sequential(*layers)


def torch_macs(model, H, W):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros(1, 3, H, W))
    return counter.get_total_flops() // 2, tuple(out.shape[1:])


configurations = st.fixed_dictionaries({
    "S": st.integers(1, 3), "N": st.integers(1, 3), "c": st.integers(1, 8),
    "h": st.integers(1, 3), "w": st.integers(1, 3), "classes": st.integers(1, 20),
}).map(lambda d: {"S": d["S"], "N": d["N"], "c": d["c"], "classes": d["classes"],
                  # the stage sizes H/2**(i+2) are whole up to i = S
                  "H": d["h"] * 2**(d["S"] + 2), "W": d["w"] * 2**(d["S"] + 2)})


@settings(deadline=None, max_examples=40)
@given(configurations)
def test_stage_closed_form_matches_keras(values):
    model = keras_resnet(**values)
    ours = closed("keras").subs(**values)
    trainable = sum(math.prod(v.shape) for v in model.trainable_weights)
    assert ours.params == model.count_params()
    assert ours.trainable == trainable
    assert ours.non_trainable == model.count_params() - trainable
    assert ours.output_shape == tuple(model.output.shape[1:])


@settings(deadline=None, max_examples=40)
@given(configurations)
def test_stage_closed_form_matches_pytorch(values):
    model = torch_resnet(values["S"], values["N"], values["c"], values["classes"])
    ours = closed("torch").subs(**values)
    macs, shape = torch_macs(model, values["H"], values["W"])
    assert ours.params == sum(p.numel() for p in model.parameters())
    assert ours.buffers == sum(b.numel() for b in model.buffers())
    assert ours.macs == macs
    assert ours.output_shape == shape


def test_a_map_the_stages_cannot_halve_is_refused_not_miscounted():
    # 200/2**5 = 25/4: PyTorch would run (its floors give 7, 4, ...) but not on the stated
    # quotients, so the closed form refuses rather than give figures for other shapes.
    with pytest.raises(symparams.errors.ConstraintError, match="H/2\\*\\*\\(S \\+ 2\\)"):
        closed("torch").subs(S=3, N=2, c=4, H=200, W=224, classes=10)


def test_densenet121_example_matches_keras_applications():
    from frameworks import _keras

    keras = _keras()
    model = keras.applications.DenseNet121(weights=None)
    trainable = sum(math.prod(v.shape) for v in model.trainable_weights)
    ours = symparams.load(str(EXAMPLE.parent / "densenet121.arch")).model("DenseNet121").with_defaults()
    assert (ours.params, ours.trainable) == (model.count_params(), trainable) == (8_062_504, 7_978_856)
    assert ours.output_shape == tuple(model.output.shape[1:])


# ---- a shared layer (`let`) inside repeats: its weights counted once -----------------------------

REPEAT_FORMS = {
    "unrolled": "repeat {n}:",
    "symbolic": "repeat L:",
    "stage": "repeat L as i, input ({d},):",
}


let_configurations = st.fixed_dictionaries({
    "form": st.sampled_from(sorted(REPEAT_FORMS)), "n": st.integers(1, 4), "d": st.integers(1, 6),
    "use_bias": st.booleans(), "unshared": st.booleans(),
})


def let_program(cfg) -> str:
    """`let shared = dense(d)` used on every pass of a repeat, with an unshared dense beside it or not."""
    head = REPEAT_FORMS[cfg["form"]].format(n=cfg["n"], d=cfg["d"])
    body = "        shared\n" + ("        dense({d})\n".format(d=cfg["d"]) if cfg["unshared"] else "")
    bias = "" if cfg["use_bias"] else ", use_bias=false"
    return (f"model M({'' if cfg['form'] == 'unrolled' else 'L'}):\n    input ({cfg['d']},)\n"
            f"    let shared = dense({cfg['d']}{bias})\n    {head}\n{body}")


def torch_shared_layer_model(cfg):
    import torch

    d, n = cfg["d"], cfg["n"]

    class Repeated(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.shared = torch.nn.Linear(d, d, bias=cfg["use_bias"])
            self.own = torch.nn.ModuleList(torch.nn.Linear(d, d) for _ in range(n if cfg["unshared"] else 0))

        def forward(self, x):
            for k in range(n):
                x = self.shared(x)
                if cfg["unshared"]:
                    x = self.own[k](x)
            return x

    return Repeated()


@settings(deadline=None)
@given(let_configurations)
def test_shared_layer_inside_repeats_matches_pytorch(cfg):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    net = symparams.parse(let_program(cfg)).model(convention="torch")
    ours = net if cfg["form"] == "unrolled" else net.subs(L=cfg["n"])
    model = torch_shared_layer_model(cfg).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch.zeros(1, cfg["d"]))
    assert ours.params == sum(p.numel() for p in model.parameters())
    assert ours.macs == counter.get_total_flops() // 2
    assert ours.output_shape == tuple(out.shape[1:])


# what these generators draw, for tests/test_live_coverage.py (the ResNet tests write one example file)
DRAWN = [Drawn("let inside repeats", lambda conv: let_configurations, lambda cfg, conv: let_program(cfg),
               ("torch",))]
