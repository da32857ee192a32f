"""Small live models for `symparams check --against torch:check_models:... | keras:check_models:...`."""


def torch_mlp(width=8, hidden=16):
    import torch
    return torch.nn.Sequential(torch.nn.Linear(width, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 3))


def keras_mlp(width=8, hidden=16):
    import keras
    return keras.Sequential([keras.Input((width,)), keras.layers.Dense(hidden, activation="relu"),
                             keras.layers.Dense(3)])


def resnet50(classes=1000, widths=(64, 128, 256, 512), depths=(3, 4, 6, 3)):
    """ResNet-50 v1.5 written with torch.nn, as torchvision writes it (stride on the 3x3 conv,
    one ReLU module used three times per block): 25,557,032 params at the defaults."""
    import torch
    from torch import nn

    class Bottleneck(nn.Module):
        def __init__(self, cin, width, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(width)
            self.conv3 = nn.Conv2d(width, 4 * width, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(4 * width)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = None
            if stride != 1 or cin != 4 * width:
                self.downsample = nn.Sequential(nn.Conv2d(cin, 4 * width, 1, stride=stride, bias=False),
                                                nn.BatchNorm2d(4 * width))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            return self.relu(out + identity)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
            cin, stages = 64, []
            for i, (width, depth) in enumerate(zip(widths, depths)):
                blocks = []
                for j in range(depth):
                    blocks.append(Bottleneck(cin, width, 2 if j == 0 and i > 0 else 1))
                    cin = 4 * width
                stages.append(nn.Sequential(*blocks))
            self.layer1, self.layer2, self.layer3, self.layer4 = stages
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(cin, classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet()


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
