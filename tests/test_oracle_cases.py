"""The 288 single-layer cases recorded from real Keras 3.15.1 and PyTorch 2.13.0
(tests/data/oracle_layers.json, copied from shared/oracle). No framework needed."""
import json
import re

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


def _labelled(pattern):
    return [c["label"] for c in CASES if re.match(pattern, c["label"])]


RECURRENT = r"(simple_rnn|lstm|gru|bidirectional|time_distributed|conv_lstm2d|torch (lstm|gru|rnn))\b"
ATTENTION = r"(mha|gqa|torch mha)\b"
TRANSPOSED = r"(conv1d_transpose|conv2d_transpose|torch convtranspose2d)\b"
EXTRAS = r"(prelu|torch prelu|permute|repeat_vector)\b"


def test_the_recorded_file_covers_every_family():
    # The table above runs every case; this says which families the file holds.
    recurrent = _labelled(RECURRENT)
    for family in ("simple_rnn", "lstm", "gru", "bidirectional", "time_distributed", "conv_lstm2d",
                   "torch lstm", "torch gru", "torch rnn"):
        assert family in " ".join(recurrent)
    assert len(recurrent) >= 70
    attention = _labelled(ATTENTION)
    kinds = {" ".join(label.split()[:2]) if label.startswith("torch") else label.split()[0] for label in attention}
    assert {"mha", "gqa", "torch mha"} <= kinds
    assert len(attention) >= 18
    transposed = _labelled(TRANSPOSED)
    for family in ("conv1d_transpose", "conv2d_transpose", "torch convtranspose2d"):
        assert family in " ".join(transposed)
    assert len(transposed) == 24
    assert sorted(_labelled(EXTRAS)) == sorted(["prelu default", "prelu shared", "torch prelu default",
                                                "torch prelu 5", "permute", "repeat_vector"])
