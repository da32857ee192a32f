"""Small live models for `symparams check --against torch:check_models:... | keras:check_models:...`."""


def torch_mlp(width=8, hidden=16):
    import torch
    return torch.nn.Sequential(torch.nn.Linear(width, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 3))


def keras_mlp(width=8, hidden=16):
    import keras
    return keras.Sequential([keras.Input((width,)), keras.layers.Dense(hidden, activation="relu"),
                             keras.layers.Dense(3)])
