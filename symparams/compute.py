"""Training compute as formulas: backward MACs per layer, training MACs, training FLOPs
(docs/MEMORY.md). Reads result records only: each row's `Training` backward parts."""
from __future__ import annotations

import sympy

from .memory import gradient_flow, refuse_unmodeled, trainable_rows
from .results import ModelResult, RepeatContext, aggregate


def backward_terms(net: ModelResult, input_gradients=False) -> dict:
    """{repeats: [backward MACs of each layer, one pass]}. A layer autograd does not record costs
    nothing; an input gradient is computed only when some input needs one (the first layer's
    does not unless `input_gradients`), a weight gradient only for trainable weights; the
    gradients inside a layer (attention's score and weighted-sum products) whenever either is."""
    flow, trainable = gradient_flow(net, input_gradients), trainable_rows(net)
    refuse_unmodeled(net, flow)
    groups: dict = {}
    for row in net.layers:
        t = row.training
        if t is None or not flow[row.name]:
            continue
        parts = [t.backward_inner]
        if t.differentiable and any(flow.get(p, False) for p in t.inputs):
            parts.append(t.backward_input)
        if row.name in trainable:
            parts.append(t.backward_weights)
        groups.setdefault(row.repeat, []).append(sympy.Add(*parts))
    return groups


def backward_macs(net: ModelResult, input_gradients=False) -> sympy.Expr:
    """MACs of one backward pass, per example."""
    groups = backward_terms(net, input_gradients)
    return sympy.Add(*[aggregate(sympy.Add(*terms), contexts) for contexts, terms in groups.items()],
                     *_later_passes(net, input_gradients))


def _later_passes(net, input_gradients) -> list:
    """A symbolic repeat is one pass: a layer reading the tensor before the repeat sees, from the
    second pass on, the previous pass's output, which needs a gradient when the body trains.
    Its input gradient is then spent COUNT - 1 times (passes i = 1 .. COUNT - 1)."""
    flow, trainable = gradient_flow(net, input_gradients), trainable_rows(net)
    extra = []
    for row in net.layers:
        t = row.training
        if t is None or not row.repeat or not t.differentiable or any(flow.get(p, False) for p in t.inputs):
            continue
        outer = row.repeat[0]
        body = {r.name for r in net.layers if r.repeat[:1] == (outer,)}
        if not body & trainable or any(p in body for p in t.inputs):
            continue
        term = aggregate(t.backward_input, row.repeat[1:])
        if outer.index is not None:
            term = term.xreplace({outer.index: outer.index + 1})
        extra.append(aggregate(term, (RepeatContext(outer.count - 1, outer.index),)))
    return extra


def training_macs(net: ModelResult, recompute="none", input_gradients=False) -> sympy.Expr:
    """Forward + backward MACs per example; full recompute runs the forward pass once more."""
    if recompute not in ("none", "selective", "full"):
        raise ValueError(f"recompute must be none, selective or full, not {recompute!r}")
    extra = net.macs if recompute == "full" else 0
    return net.macs + backward_macs(net, input_gradients) + extra


def tokens_per_example(net: ModelResult) -> sympy.Expr:
    """The elements of the first input: the tokens of a sequence model's example."""
    first = next(row for row in net.layers if row.type == "input")
    return sympy.Mul(*first.output_shapes[0])


def train_flops(net: ModelResult, tokens, recompute="none") -> sympy.Expr:
    """FLOPs (2 per MAC) to train on `tokens` tokens: tokens / tokens-per-example examples."""
    from .inputs import as_value
    return 2 * training_macs(net, recompute) * as_value(tokens) / tokens_per_example(net)
