"""LoRA (Hu et al., 2021): a frozen layer plus a trainable low-rank update B·A of rank r,
on a dense, a convolution, or chosen projections of an attention layer."""
from __future__ import annotations

from dataclasses import replace

import sympy

from ..results_types import Saved
from .base import LAYER, NUMBER, REQUIRED, SIZE, Built, Kind, K, Optional, P, prod, w
from .core import layer

CONVS = ("conv1d", "conv2d", "conv3d")
GQA = ("grouped_query_attention",)
ATTENTION = ("multi_head_attention", *GQA)
PROJECTIONS = ("q", "k", "v", "o")
# PEFT's names for the adapter of a module; the base module's weights move under base_layer.
TORCH_A, TORCH_B, TORCH_BASE = "lora_A.default.weight", "lora_B.default.weight", "base_layer"


class _Targets(Kind):
    label = 'a tuple of projections among "q", "k", "v", "o"'

    def __call__(self, value, fail):
        items = value if isinstance(value, tuple) else (value,)
        if items and all(isinstance(t, str) and t in PROJECTIONS for t in items) and len(set(items)) == len(items):
            return items
        fail(f"expected {self.label}, each once, found {value!r}")


@layer("lora", "LoRA",
       params=[P("layer", LAYER, REQUIRED), P("r", SIZE, REQUIRED, "rank"),
               P("alpha", Optional(NUMBER), None, "lora_alpha"),
               P("dropout", NUMBER, 0, "lora_dropout"),
               K("targets", Optional(_Targets()), None, "target_modules")])
def lora(c):
    """The wrapped layer's weights frozen, plus A (r x in) and B (out x r), trainable; the
    output is the layer's. alpha (the update's scale) and dropout change no figure.
    MACs: the layer's + tokens*r*(in + out) per adapted product (x·A, then ·B), counted
    alike in both conventions.

    dense(u) on (..., d): torch (PEFT): base_layer.weight (u, d) and base_layer.bias, both
    frozen; lora_A.default.weight (r, d), lora_B.default.weight (u, r). keras (Dense.enable_lora):
    kernel (d, u) frozen, bias still trainable, lora_kernel_a (d, r), lora_kernel_b (r, u).

    conv1d/2d/3d(f, k) with groups=1 on C channels: torch: base_layer.weight, base_layer.bias
    frozen; lora_A.default.weight (r, C, *k) (a conv like the base), lora_B.default.weight
    (f, r, 1, ...) (a 1x1 conv); MACs per output position r*C*prod(k) + f*r. keras: kernel
    frozen, lora_kernel_a (*k, C, r), lora_kernel_b (r, f).

    Attention: targets=("q", "v") by default (PEFT's choice for Llama), any of q, k, v, o.
    torch: grouped_query_attention's q_proj/k_proj/v_proj/o_proj as above (q_proj.base_layer.weight,
    q_proj.lora_A.default.weight, ...); multi_head_attention's q_proj/k_proj/v_proj/out_proj when
    its biases differ (Hugging Face's names); with nn.MultiheadAttention's fused in_proj_weight
    only "o" (out_proj) can be adapted. keras (EinsumDense.enable_lora): the projection's kernel
    frozen, lora_kernel_a (*kernel[:-1], r), lora_kernel_b (r, kernel[-1]) after its bias."""
    spec, r = c.a.layer, c.positive(c.a.r, "r, the rank")
    kind = spec.definition.name
    if c.a.targets is not None and kind not in ATTENTION:
        c.fail(f"targets= picks projections of an attention layer, not of {kind}", "targets")
    built, inner = c.apply_spec(spec, c.x)
    training = {}
    if kind == "dense":
        weights, extra = _dense(c, built, r)
        training = _adapted(c, built, prod(c.shape[:-1]), r, r * c.features, r * built.shape[-1], conv=False)
    elif kind in CONVS:
        weights, extra = _conv(c, inner, built, r)
        filters, spatial = _conv_output(c, built)
        training = _adapted(c, built, prod(spatial), r, r * c.channels * prod(inner.a.kernel_size), filters * r,
                            conv=True)
    elif kind in ATTENTION:
        targets = c.a.targets or ("q", "v")
        weights, extra = _attention(c, inner, built, r, targets)
        if kind in GQA and not inner.a.qk_norm and _self_attention(inner):
            trained = {p for p, members in _projections(c, kind, built.weights, targets)
                       if p in PROJECTIONS and p not in targets and any(wt.trainable for wt in members)}
            training = _adapted_attention(inner, r, targets, trained)
        else:                    # PyTorch keeps other tensors there (docs/MEMORY.md): refuse, never guess
            training = dict(unmodeled=f"the activation memory and backward MACs of lora on {kind}"
                            + (" with qk_norm" if kind in GQA and inner.a.qk_norm else
                               " as cross-attention" if kind in GQA else "")
                            + " are not modeled yet (docs/MEMORY.md); its params and forward MACs are exact")
    else:
        c.fail(f"adapts dense, conv1d/2d/3d, multi_head_attention and grouped_query_attention, not {kind}",
               "layer")
    return Built(built.shape, weights, built.macs + extra, layout=built.layout, **training)


def _adapted(c, built, positions, r, a_macs, b_macs, conv) -> dict:
    """Training fields of a frozen layer with an adapter on its input (PEFT's LoRA on a Linear or a
    convolution). The frozen base is recorded only when its input needs a gradient, and then keeps what
    it keeps but for its weight gradient (a convolution keeps its input all the same). A keeps what a
    Linear keeps for its weight gradient (the input), or, a convolution of the base's geometry, what the
    base keeps (the input, or its padded copy); B keeps A's output (r per position). Backward: A's input
    gradient joins the layer's; A's and B's weight gradients; B's input gradient, which A's weight
    gradient needs, inside. a_macs, b_macs: A's and B's products per position."""
    base_saved = built.saved if built.saved is not None else (Saved(prod(c.shape), source="input", for_weights=True),)
    base = built.backward or (built.macs, 0, 0)
    unfrozen = [s for s in base_saved if not s.for_weights]
    a_keeps = unfrozen if conv else [Saved(prod(c.shape), source="input", for_weights=True)]
    kept = (*(replace(s, for_input=True) for s in unfrozen), *a_keeps,
            Saved(positions * r, for_weights=not conv))
    return dict(saved=kept, backward=(base[0] + positions * a_macs, positions * (a_macs + b_macs),
                                      base[2] + positions * b_macs))


def _self_attention(inner) -> bool:
    from .attention import _tensors
    query, value, key = _tensors(inner)
    return value is query and key is query


def _adapted_attention(inner, r, targets, trained) -> dict:
    """Training fields of PEFT's LoRA on grouped-query self-attention (Hugging Face's eager
    LlamaAttention). What is kept follows which tensors need a gradient: an adapted q, k or v, one
    whose weights train (`trained`: not targeted, not frozen), or the input, when it needs one (then
    every tensor does). A trained projection keeps its input for its weight gradient; an adapted one's
    A keeps its input, B A's output (r per position); the scores' product keeps Q for K's gradient and
    the repeated K for Q's; the softmax output is kept when Q, K or V need a gradient; the weighted
    sum keeps the repeated V for the probabilities' gradient. Backward: A's and B's weight gradients
    and B's input gradient; every other product is spent when the tensor it feeds needs a gradient."""
    a, tokens = inner.a, _token_counts(inner)
    hq, hkv, hd, (T, S), d = a.num_query_heads, a.num_key_value_heads, a.head_dim, (tokens["q"], tokens["k"]), \
        inner.features
    q, k, v, o = (p in targets or p in trained for p in PROJECTIONS)
    scores, out = q or k, q or k or v

    def flows(flag, saved):                 # kept anyway when the input needs a gradient
        return saved if flag else replace(saved, for_input=True)
    widths = {"q": (d, hq * hd), "k": (d, hkv * hd), "v": (d, hkv * hd), "o": (hq * hd, d)}
    adapted = [p for p in PROJECTIONS if p in targets]
    kept = (*((Saved(T * d, source="input", for_weights=True),) if q or k or v else ()),
            *(Saved(tokens[p] * r, for_weights=True) for p in adapted),
            flows(k, Saved(T * hq * hd)), flows(q, Saved(S * hq * hd, accountings=("torch",))),
            flows(out, Saved(hq * T * S, core=True)), flows(scores, Saved(S * hq * hd, accountings=("torch",))),
            *(flows(q, Saved(S * hkv * hd, accountings=("megatron",))),
              flows(scores, Saved(S * hkv * hd, accountings=("megatron",)))),
            *((Saved(T * hq * hd, for_weights=True),) if o else ()))
    core = T * S * hq * hd
    o_input = T * hq * hd * d + (T * r * hq * hd if "o" in targets else 0)     # o's base and A's input gradients
    products = [(out, o_input), (scores, core), (v, core), (q, core), (k, core)]
    inner_macs = sympy.Add(*[tokens[p] * r * widths[p][1] for p in adapted], *[m for f, m in products if f])
    input_macs = sympy.Add(T * d * (hq + 2 * hkv) * hd, *[T * r * d for p in adapted if p != "o"],
                           *[m for f, m in products if not f])
    weights = sympy.Add(*[tokens[p] * r * sum(widths[p]) for p in adapted],
                        *[tokens[p] * widths[p][0] * widths[p][1] for p in PROJECTIONS if p in trained])
    return dict(saved=kept, backward=(input_macs, weights, inner_macs))


def _frozen(c, wt, prefix=""):
    """A base weight: frozen; under PEFT's base_layer in torch. Keras freezes only the kernel."""
    if c.torch:
        return replace(wt, name=f"{prefix}{TORCH_BASE}.{wt.name.removeprefix(prefix)}", trainable=False)
    return replace(wt, trainable=False) if wt.name == "kernel" else wt


def _dense(c, built, r):
    if not built.weights or built.weights[0].name not in ("kernel", "weight"):
        c.fail("cannot adapt a dense tied to an embedding (tie=): it has no kernel of its own", "layer")
    d, u = c.features, built.shape[-1]
    adapters = c.pick(keras=lambda: [w("lora_kernel_a", (d, r)), w("lora_kernel_b", (r, u))],
                      torch=lambda: [w(TORCH_A, (r, d)), w(TORCH_B, (u, r))])
    return [*(_frozen(c, wt) for wt in built.weights), *adapters], prod(c.shape[:-1]) * r * (d + u)


def _conv(c, inner, built, r):
    if inner.a.groups != 1:
        c.fail(f"adapts a convolution with groups=1, found groups={inner.a.groups}", "layer")
    kernel, cin = inner.a.kernel_size, c.channels
    f, spatial = _conv_output(c, built)
    adapters = c.pick(keras=lambda: [w("lora_kernel_a", (*kernel, cin, r)), w("lora_kernel_b", (r, f))],
                      torch=lambda: [w(TORCH_A, (r, cin, *kernel)), w(TORCH_B, (f, r, *(1 for _ in kernel)))])
    macs = prod(spatial) * (r * cin * prod(kernel) + f * r)
    return [*(_frozen(c, wt) for wt in built.weights), *adapters], macs


def _conv_output(c, built):
    """(filters, output positions' axes) of the wrapped convolution."""
    shape = built.shape
    return (shape[0], shape[1:]) if c.channels_first else (shape[-1], shape[:-1])


def _attention(c, inner, built, r, targets):
    """Each targeted projection's kernel frozen and its A, B after it; MACs per projection."""
    groups = _projections(c, inner.definition.name, built.weights, targets)
    tokens = _token_counts(inner)
    out, macs = [], []
    for name, members in groups:
        if name not in targets:
            out += members
            continue
        kernel = members[0]
        if c.torch:
            rows, cols = kernel.shape
            prefix = kernel.name.removesuffix("weight")
            out += [_frozen(c, wt, prefix) for wt in members]
            out += [w(f"{prefix}{TORCH_A}", (r, cols)), w(f"{prefix}{TORCH_B}", (rows, r))]
            width_in, width_out = cols, rows
        else:
            out += [_frozen(c, wt) for wt in members]
            out += [w("lora_kernel_a", (*kernel.shape[:-1], r)), w("lora_kernel_b", (r, kernel.shape[-1]))]
            width_in, width_out = (kernel.shape[0], prod(kernel.shape[1:])) if name != "o" else \
                (prod(kernel.shape[:-1]), kernel.shape[-1])
        macs.append(tokens[name] * r * (width_in + width_out))
    return out, sympy.Add(*macs)


def _projections(c, kind, weights, targets):
    """[(projection or None, [kernel, bias?] or [another weight]), ...] in the layer's weight order."""
    if c.keras:
        kernels = [i for i, wt in enumerate(weights) if wt.name == "kernel"]
        names = ["q", "k", "gate", "v", "o"] if len(kernels) == 5 else list(PROJECTIONS)
        ends = kernels[1:] + [len(weights)]
        return [(name, list(weights[start:end])) for name, start, end in zip(names, kernels, ends)]
    # Hugging Face's module names: Llama's o_proj, Whisper's and BART's out_proj
    modules = {"q_proj": "q", "k_proj": "k", "v_proj": "v", "o_proj" if kind in GQA else "out_proj": "o"}
    groups = []
    for wt in weights:
        projection = modules.get(wt.name.partition(".")[0]) if "." in wt.name else None
        if groups and projection is not None and groups[-1][0] == projection:
            groups[-1][1].append(wt)
        else:
            groups.append((projection, [wt]))
    missing = [p for p in targets if p not in {name for name, _ in groups}]
    if missing:
        c.cannot_express(f"PEFT adapts nn.Linear projections; nn.MultiheadAttention keeps q, k and v in "
                         f"in_proj_weight, so {', '.join(missing)} cannot be adapted (give the projections "
                         f"different biases, as Hugging Face's attention has them, or use grouped_query_attention)")
    return groups


def _token_counts(inner):
    """Positions each projection runs over: the query's for q and o, the key/value's for k and v."""
    from .attention import _sequences, _tensors
    query, value, key = _tensors(inner)
    (tq, _), (tv, _), (tk, _) = _sequences(inner, query, value, key, torch_rank_two=False)
    return {"q": prod(tq), "o": prod(tq), "k": prod(tk), "v": prod(tv)}
