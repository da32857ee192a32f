"""The positional orders symparams follows (symparams/catalog/signatures.py) are the installed
frameworks' own `__init__` signatures, so a call written as in Keras or PyTorch code binds its
positional arguments to the same names the framework would."""
import inspect

import pytest

from symparams.catalog.signatures import KERAS, TORCH

# PyTorch's recurrent classes take *args; their order is the documented one, checked by building one.
TORCH_VARARGS = {"LSTM", "GRU", "RNN"}


def positional_names(cls) -> tuple:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


@pytest.mark.parametrize("name", sorted(KERAS))
def test_keras_order_is_the_installed_signature(name):
    import keras
    assert KERAS[name] == positional_names(getattr(keras.layers, name))


@pytest.mark.parametrize("name", sorted(set(TORCH) - TORCH_VARARGS))
def test_torch_order_is_the_installed_signature(name):
    import torch.nn
    assert TORCH[name] == positional_names(getattr(torch.nn, name))


@pytest.mark.parametrize("name", sorted(TORCH_VARARGS))
def test_torch_recurrent_order_is_what_the_module_stores(name):
    import torch.nn
    order = TORCH[name]
    # A value per slot that the module keeps under the same attribute name.
    values = {"input_size": 3, "hidden_size": 5, "num_layers": 2, "nonlinearity": "relu", "bias": False,
              "batch_first": True, "dropout": 0.25, "bidirectional": True, "proj_size": 2}
    module = getattr(torch.nn, name)(*[values[n] for n in order])
    for slot in order:
        assert getattr(module, slot) == values[slot], slot
