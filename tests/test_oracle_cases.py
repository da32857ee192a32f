"""The 288 single-layer cases recorded from real Keras 3.15.1 and PyTorch 2.13.0
(tests/data/oracle_layers.json, copied from shared/oracle). No framework needed."""
import json

import pytest
import sympy

import symparams
from support import DATA

CASES = json.loads((DATA / "oracle_layers.json").read_text())


def _ints(shape):
    return [int(sympy.sympify(d)) for d in shape]


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}-{c['label']}" for i, c in enumerate(CASES)])
def test_recorded_case(case):
    net = symparams.parse(case["source"]).model(convention=case["convention"])
    got = {
        "params": int(net.params),
        "trainable": int(net.trainable),
        "output_shape": _ints(net.output_shape),
        "weights": [[w.name, _ints(w.shape), w.trainable] for r in net.layers for w in r.weights],
    }
    want = {key: case[key] for key in got}
    if case["convention"] == "keras":
        got["non_trainable"], want["non_trainable"] = int(net.non_trainable), case["non_trainable"]
    else:
        got["buffers"], want["buffers"] = int(net.buffers), case["buffers"]
    assert got == want
