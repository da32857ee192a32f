"""Live-framework oracle: what Keras 3 and PyTorch themselves say about a layer.

keras and torch are imported inside the functions so that importing this module
(and collecting tests) works on a machine without them; callers decide whether
to skip via frameworks_available().
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence

Shape = tuple  # ints (None where a framework leaves a dim unknown)
INSTALL_HINT = "pip install -e .[oracle]"


@dataclass(frozen=True)
class Report:
    params: int
    trainable: int
    non_trainable: int
    buffers: int
    # (name, shape, trainable); torch lists named_parameters() then named_buffers()
    weights: tuple[tuple[str, tuple[int, ...], bool], ...]
    # without the batch axis; a tuple of such tuples when several outputs are reported
    output_shape: tuple
    # multiply-adds of the forward pass for one example, as torch.utils.flop_counter counts
    # them (FLOPs / 2 / batch): matrix products and convolutions, never element-wise work
    macs: int | None = None


def _keras():
    # Keras reads the backend once, at first import; the oracle must run on torch
    # so that both frameworks share one install.
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    if keras.backend.backend() != "torch":
        raise RuntimeError(
            f"keras backend is {keras.backend.backend()!r}, expected 'torch' "
            "(set KERAS_BACKEND=torch before keras is first imported)"
        )
    return keras


def frameworks_available() -> tuple[bool, str]:
    try:
        import torch  # noqa: F401

        _keras()
    except ImportError as e:
        return False, f"keras/torch not installed ({e.name}): {INSTALL_HINT}"
    except RuntimeError as e:
        return False, str(e)
    return True, "ok"


BATCH = 2


def _counted(run: Callable[[], Any]) -> tuple[Any, int]:
    """run() under torch's FLOP counter: (its result, MACs per example)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        result = run()
    flops = counter.get_total_flops()
    if flops % (2 * BATCH):
        raise AssertionError(f"{flops} FLOPs on a batch of {BATCH} are not whole multiply-adds per example")
    return result, flops // (2 * BATCH)


def _shape(x: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in x)


def _outputs_shape(out: Any, drop_axis: int, index: int | None) -> tuple:
    """Shape(s) of a layer's output with the batch axis removed."""
    if isinstance(out, (tuple, list)):
        if index is not None:
            return _outputs_shape(out[index], drop_axis, None)
        flat = []
        for o in out:  # nested tuples like LSTM's (h, c) flatten into one list
            s = _outputs_shape(o, drop_axis, None)
            flat.extend(s if s and isinstance(s[0], tuple) else [s])
        return tuple(flat)
    s = _shape(out.shape)
    return s[:drop_axis] + s[drop_axis + 1 :]


def keras_report(
    make_layer: Callable[[], Any],
    input_shapes: Sequence[Sequence[int]],
    call_kwargs: dict | None = None,
    *,
    call: Callable[[Any, list], Any] | None = None,
    input_dtype: str = "float32",
    vocab: int | None = None,
    output_index: int | None = None,
) -> Report:
    """Build `make_layer()` in a functional model, then run it on a batch of 2.

    One input shape -> layer(x); several -> layer([x, y, ...]) (merge layers).
    For layers called with separate tensors (MultiHeadAttention: query, value)
    pass call=lambda layer, xs: layer(xs[0], xs[1]).
    Several outputs are all reported unless output_index picks one.
    Integer inputs (Embedding) take input_dtype="int32" and vocab.
    """
    keras = _keras()
    inputs = [keras.Input(shape=tuple(s), dtype=input_dtype) for s in input_shapes]
    layer = make_layer()
    kw = call_kwargs or {}
    if call is not None:
        out = call(layer, inputs)
    elif len(inputs) == 1:
        out = layer(inputs[0], **kw)
    else:
        out = layer(inputs, **kw)
    flat_out = list(out) if isinstance(out, (tuple, list)) else out
    model = keras.Model(inputs=inputs, outputs=flat_out)

    # Output shapes come from a real forward pass: symbolic inference can be
    # wrong (Keras 3.15.1 gives MultiHeadAttention scores (4, T, T) for (4, T, S)).
    import numpy as np

    rng = np.random.default_rng(0)
    if input_dtype.startswith("int"):
        if vocab is None:
            raise ValueError(f"input_dtype={input_dtype!r} needs vocab")
        data = [rng.integers(0, vocab, (BATCH, *s)).astype(input_dtype) for s in input_shapes]
    else:
        data = [rng.standard_normal((BATCH, *s)).astype(input_dtype) for s in input_shapes]
    real, macs = _counted(lambda: model(data, training=False))

    weights = tuple((w.name, _shape(w.shape), bool(w.trainable)) for w in layer.weights)
    trainable = sum(math.prod(w.shape) for w in layer.trainable_weights)
    params = int(model.count_params())
    return Report(
        params=params,
        trainable=trainable,
        non_trainable=params - trainable,
        buffers=0,
        weights=weights,
        output_shape=_outputs_shape(real, 0, output_index),
        macs=macs,
    )


def torch_report(
    make_module: Callable[[], Any],
    input_shapes: Sequence[Sequence[int]],
    batch_first_input: bool = True,
    *,
    input_dtype: str = "float",
    vocab: int | None = None,
    call: Callable[[Any, list], Any] | None = None,
    output_index: int | None = 0,
) -> Report:
    """Run a real forward pass with batch size 2 and count what the module holds.

    batch_first_input=False puts the batch at axis 1 (seq-first RNNs,
    nn.MultiheadAttention) in the inputs and drops axis 1 from the output.
    input_dtype="long" feeds integer indices in range(vocab) (nn.Embedding).
    Tuple outputs (nn.LSTM's (out, (h, c))) report element output_index;
    output_index=None reports every tensor, flattened.
    """
    import torch

    batch_axis = 0 if batch_first_input else 1
    xs = []
    for s in input_shapes:
        full = list(s)
        full.insert(batch_axis, BATCH)
        if input_dtype == "long":
            if vocab is None:
                raise ValueError("input_dtype='long' needs vocab")
            xs.append(torch.randint(0, vocab, full))
        else:
            xs.append(torch.randn(full))

    module = make_module()
    # eval(): dropout etc. must not matter, and shapes are the same in both modes
    module.eval()
    with torch.no_grad():
        out, macs = _counted(lambda: call(module, xs) if call is not None else module(*xs))

    params = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    weights = tuple(
        (n, tuple(p.shape), bool(p.requires_grad)) for n, p in module.named_parameters()
    ) + tuple((n, tuple(b.shape), False) for n, b in module.named_buffers())
    return Report(
        params=int(params),
        trainable=int(trainable),
        non_trainable=int(params - trainable),
        buffers=int(sum(b.numel() for b in module.buffers())),
        weights=weights,
        output_shape=_outputs_shape(out, batch_axis, output_index),
        macs=macs,
    )
