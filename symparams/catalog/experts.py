"""Mixture of experts: a router picks top_k of E copies of an expert (a layer or a block
call) for each token; shared experts see every token."""
from __future__ import annotations

from dataclasses import replace

import sympy

from ..values import BlockSpec
from ..results_types import Saved
from .base import AMOUNT, BLOCK, BOOL, LAYER, REQUIRED, SIZE, Built, K, OneOf, P, prod, training, w, when
from .core import layer

EXPERT = OneOf((LAYER, BLOCK))


@layer("moe", "MixtureOfExperts", input_size=lambda c: c.features,
       params=[P("expert", EXPERT, REQUIRED),
               K("experts", SIZE, REQUIRED, "num_experts", "num_local_experts"),
               K("top_k", SIZE, REQUIRED, "num_experts_per_tok"),
               K("router_bias", BOOL, False),
               K("shared_experts", AMOUNT, 0)])
def moe(c):
    """A router (a dense of width E on the last axis, with a bias if router_bias) scores E
    experts per token; each token runs through its top_k of them, and through every shared
    expert. Every expert, routed or shared, is a copy of EXPERT and keeps the input's shape.

    Params: router + E*expert + shared_experts*expert.
    Active params (one token's): router + top_k*expert + shared_experts*expert.
    MACs: tokens*d*E (router) + (top_k + shared_experts) * the expert's MACs on the input.

    torch (transformers' Mixtral): gate.weight (E, d) [gate.bias (E,)]; the routed experts
    stacked on a leading axis of E, named experts.LAYER for a layer's `weight` and
    experts.LAYER_PARAM otherwise (experts.down_proj (E, d, ff), experts.down_proj_bias);
    gate_proj and up_proj of equal shapes are one experts.gate_up_proj (E, 2*ff, d). Shared
    experts: shared_experts.I.LAYER.PARAM. keras (no Keras layer exists; our names):
    router/kernel (d, E) [router/bias (E,)], experts/LAYER/PARAM (E, *shape),
    shared_experts/I/LAYER/PARAM."""
    a = c.a
    d = c.features
    E, k = c.positive(a.experts, "experts"), c.positive(a.top_k, "top_k")
    c.positive(E - k + 1, lambda: f"experts - top_k + 1 (top_k={k} cannot exceed experts={E})")
    shared = a.shared_experts
    if not (isinstance(shared, sympy.Integer) and shared >= 0):
        c.fail(f"shared_experts must be a whole number >= 0 (each is named), found {shared}", "shared_experts")
    built, inner = c.apply_spec(a.expert, c.x)
    if isinstance(built.shape, list):
        c.fail("an expert must have one output", "expert")
    c.same_shapes([c.shape, built.shape], "an expert must keep its input's shape")
    weights = _named(c, a.expert, inner, built.weights)
    sep = c.pick("/", ".")
    router = c.pick(keras=lambda: [w("router/kernel", (d, E)), *when(a.router_bias, w("router/bias", (E,)))],
                    torch=lambda: [w("gate.weight", (E, d)), *when(a.router_bias, w("gate.bias", (E,)))])
    copies = [replace(wt, name=f"shared_experts{sep}{i}{sep}{wt.name}")
              for i in range(int(shared)) for wt in weights]
    tokens = prod(c.shape[:-1])
    macs = tokens * d * E + (k + shared) * built.macs
    return Built(c.shape, [*router, *_stacked(c, weights, E, k), *copies], macs,
                 **_routed_training(c, _expert_training(built, inner), tokens, (E, k, shared)))


def _expert_training(built, inner) -> tuple:
    """(saved, backward) of one expert on the whole input: a layer's declaration (or the
    default rule), a block's rows folded into one."""
    if inner is None:
        return built.saved, built.backward
    t = training(built, inner)
    return t.saved, (t.backward_input, t.backward_weights, t.backward_inner)


def _routed_training(c, expert, tokens, counts) -> dict:
    """Built's training fields (docs/MEMORY.md), from a torch.nn mixture in transformers' layout
    (each expert runs on its tokens' gathered rows, its output weighted and index_added back).
    Top-k routing sends every token to exactly k experts, so the routed experts see k*tokens rows
    in all, however the routing falls. Kept: the router's input (its weight gradient), its softmax
    output and top-k indices (int64); per routed row, what the expert keeps on its input (the
    gathered copy, the expert's own), its output and the weighted output (the weighting and
    index_add keep them: an expert's kept output is that one), the row's routing weight and its
    (token, slot) indices (int64, from nonzero); each shared expert what it keeps on the input.
    Megatron (no paper table; our choice): the same but the integer indices. Backward: the
    router's, and (k + shared) times the expert's."""
    (saved, backward), (E, k, shared), d = expert, counts, c.features
    torch_only = ("torch",)
    routed = [replace(s, source="own", elements=k * s.elements) for s in saved if s.source != "output"]
    own = [replace(s, source="own", elements=shared * s.elements) for s in saved if s.source != "input"]
    kept = (Saved(prod(c.shape), source="input", for_weights=True), Saved(tokens * E),
            Saved(tokens * k, "index", accountings=torch_only), *routed,
            Saved(k * tokens * d), Saved(k * tokens * d), Saved(k * tokens),
            Saved(2 * k * tokens, "index", accountings=torch_only),
            *(own if shared else ()), *(s for s in saved if shared and s.source == "input"))
    router = tokens * d * E
    return dict(saved=kept, backward=(router + (k + shared) * backward[0], router + (k + shared) * backward[1],
                                      (k + shared) * backward[2]))


def _named(c, spec, inner, weights):
    """The expert's weights named LAYER<sep>PARAM: a block's are already; a single layer's
    take the layer's name (its name= or its kind)."""
    if isinstance(spec, BlockSpec):
        return list(weights)
    name = inner.a.name or spec.definition.name
    sep = c.pick("/", ".")
    return [replace(wt, name=f"{name}{sep}{wt.name}") for wt in weights]


def _stacked(c, weights, E, k):
    """The E routed experts' weights, each stacked on a leading axis of E; k of E active."""
    def stack(name, shape, like):
        return replace(like, name=name, shape=(E, *shape), active=k * prod(shape))
    if c.keras:
        return [stack(f"experts/{wt.name}", wt.shape, wt) for wt in weights]
    parts = {_layer_and_param(wt.name): wt for wt in weights}
    out = []
    for wt in weights:
        layer_name, param = _layer_and_param(wt.name)
        suffix = "" if param == "weight" else f"_{param}"
        gate, up = parts.get(("gate_proj", param)), parts.get(("up_proj", param))
        fused = gate is not None and up is not None and gate.shape == up.shape
        if fused and layer_name == "up_proj":
            continue                    # inside gate_up_proj
        if fused and layer_name == "gate_proj":
            out.append(stack(f"experts.gate_up_proj{suffix}", (2 * wt.shape[0], *wt.shape[1:]), wt))
        else:
            out.append(stack(f"experts.{layer_name}{suffix}", wt.shape, wt))
    return out


def _layer_and_param(name):
    """`block.gate_proj.weight` -> ("block_gate_proj", "weight")."""
    layer_path, _, param = name.rpartition(".")
    return layer_path.replace(".", "_"), param
