"""Small live models for `symparams check --against torch:check_models:... | keras:check_models:...`."""
import importlib.util
from pathlib import Path


def torch_mlp(width=8, hidden=16):
    import torch
    return torch.nn.Sequential(torch.nn.Linear(width, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 3))


def keras_mlp(width=8, hidden=16):
    import keras
    return keras.Sequential([keras.Input((width,)), keras.layers.Dense(hidden, activation="relu"),
                             keras.layers.Dense(3)])


def resnet50(classes=1000, widths=(64, 128, 256, 512), depths=(3, 4, 6, 3)):
    """ResNet-50 v1.5 written with torch.nn (stride on the 3x3 conv, one ReLU module used three
    times per block): 25,557,032 params at the defaults. One definition, the docs' example's
    (examples/torch_models.py), loaded by its path so the tests need no examples package."""
    path = Path(__file__).resolve().parents[2] / "examples" / "torch_models.py"
    spec = importlib.util.spec_from_file_location("symparams_example_torch_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.resnet50(classes, widths, depths)


def branches(width=8):
    """Two branches concatenated on the channel axis, then a residual add and a pooled head."""
    import torch
    from torch import nn

    class Branches(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(3, width, 1)
            self.b = nn.Conv2d(3, width, 3, padding=1, bias=False)
            self.mix = nn.Conv2d(2 * width, 2 * width, 3, padding="same")
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.head = nn.Linear(2 * width, 5)

        def forward(self, x):
            y = torch.cat([self.a(x), self.b(x)], dim=1)
            y = y + self.mix(y)
            return self.head(torch.flatten(self.pool(y), 1))

    return Branches()


def rolled():
    """torch.roll has no catalog layer: the import must say so, not guess."""
    import torch
    from torch import nn

    class Rolled(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return self.fc(torch.roll(x, 1, -1))

    return Rolled()
