"""Memory for training and inference as formulas: weights, gradients, optimizer states,
activations and the KV cache, in bytes (docs/MEMORY.md). Reads result records only: each
row's weights and its `Training` (what its catalog declaration keeps for the backward pass)."""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from .errors import SymparamsError
from .expressions import as_expr
from .results import ModelResult, aggregate

DTYPE_BYTES = {"fp32": 4, "tf32": 4, "bf16": 2, "fp16": 2, "fp8": 1, "int8": 1, "int4": sympy.Rational(1, 2)}
# Optimizer state bytes per trainable parameter (fp32 states); adafactor follows each weight's shape.
OPTIMIZER_BYTES = {"adam": 8, "adamw": 8, "sgd_momentum": 4, "sgd": 0, "adam8bit": 2}
OPTIMIZERS = (*OPTIMIZER_BYTES, "adafactor")
ACCOUNTINGS = ("torch", "megatron")
RECOMPUTE = ("none", "selective", "full")
DEVICES = ("cuda", "cpu")
MASTER_BYTES = 4          # the fp32 copy of 16-bit weights the optimizer updates
STAT_BYTES = 4            # normalization statistics are kept in fp32 on CUDA
INDEX_BYTES = 8           # int64 indices (embedding lookups, max-pooling argmax)
PARTS = ("weights", "gradients", "optimizer", "activations", "kv_cache")


@dataclass(frozen=True)
class Memory:
    """Byte counts as SymPy expressions, symbolic in the batch and the model's symbols."""
    weights: sympy.Expr
    gradients: sympy.Expr
    optimizer: sympy.Expr
    activations: sympy.Expr
    kv_cache: sympy.Expr
    settings: dict = field(default_factory=dict)

    @property
    def training(self) -> sympy.Expr:
        return self.weights + self.gradients + self.optimizer + self.activations

    @property
    def inference(self) -> sympy.Expr:
        return self.weights + self.kv_cache

    def parts(self) -> dict:
        return {name: getattr(self, name) for name in (*PARTS, "training", "inference")}

    def subs(self, mapping) -> "Memory":
        """Symbols replaced by values (names or symbols as keys), as ModelResult.subs takes them."""
        from .inputs import as_value
        parts = {name: as_expr(getattr(self, name)) for name in PARTS}
        by_name = {s.name: s for part in parts.values() for s in part.free_symbols}
        replacements = {by_name[getattr(k, "name", k)]: as_value(v) for k, v in mapping.items()
                        if getattr(k, "name", k) in by_name}
        return Memory(*(part.xreplace(replacements) for part in parts.values()), settings=self.settings)


def dtype_bytes(dtype) -> sympy.Expr:
    if dtype not in DTYPE_BYTES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPE_BYTES)}, not {dtype!r}")
    return as_expr(DTYPE_BYTES[dtype])


def _choose(value, options, what):
    if value not in options:
        raise ValueError(f"{what} must be one of {', '.join(options)}, not {value!r}")
    return value


def batch_symbol(net: ModelResult, batch):
    """The batch as an expression: a number, or a symbol (the model's own if it has that name)."""
    if isinstance(batch, bool):
        raise TypeError("batch must be a symbol name or a positive whole number, not a bool")
    if isinstance(batch, str):
        if batch in net.symbols:
            return net.symbol(batch)
        return sympy.Symbol(batch, integer=True, positive=True)
    if not isinstance(batch, (int, sympy.Integer)) or batch < 1:
        raise ValueError(f"batch must be a positive whole number or a symbol name, not {batch!r}")
    value = sympy.Integer(batch)
    if not value.is_positive:
        raise ValueError(f"batch must be a positive whole number or a symbol name, not {batch!r}")
    return value


def memory(net: ModelResult, dtype="bf16", optimizer="adamw", recompute="none", batch="b",
           accounting="torch", master_weights=True, grad_dtype=None, data_parallel=1, zero=0,
           device="cuda", input_gradients=False) -> Memory:
    """The memory a model needs in training and in inference (docs/MEMORY.md)."""
    act = dtype_bytes(dtype)
    grad = dtype_bytes(grad_dtype or dtype)
    _choose(optimizer, OPTIMIZERS, "optimizer")
    _choose(recompute, RECOMPUTE, "recompute")
    _choose(accounting, ACCOUNTINGS, "accounting")
    _choose(device, DEVICES, "device")
    if zero not in (0, 1, 2, 3):
        raise ValueError(f"zero must be 0, 1, 2 or 3, not {zero!r}")
    if isinstance(data_parallel, bool) or not isinstance(data_parallel, int) or data_parallel < 1:
        raise ValueError(f"data_parallel must be a positive int, not {data_parallel!r}")
    b = batch_symbol(net, batch)
    master = MASTER_BYTES if master_weights and act < 4 else 0
    weights = net.params * act
    gradients = net.trainable * grad
    states = optimizer_bytes(net, optimizer) + net.trainable * master
    n = data_parallel
    weights, gradients, states = (weights / n if zero >= 3 else weights, gradients / n if zero >= 2 else gradients,
                                  states / n if zero >= 1 else states)
    kv = b * act * _row_total(net, lambda row: row.training.kv_cache)
    activations = activation_bytes(net, b, act, accounting, device, recompute, input_gradients)
    settings = dict(dtype=dtype, optimizer=optimizer, recompute=recompute, batch=b, accounting=accounting,
                    master_weights=bool(master), grad_dtype=grad_dtype or dtype, data_parallel=n, zero=zero,
                    device=device, input_gradients=input_gradients)
    return Memory(weights, gradients, states, activations, kv, settings)


def _row_total(net, figure) -> sympy.Expr:
    """A per-row training figure summed over the model, through the repeats."""
    groups: dict = {}
    for row in net.layers:
        if row.training is not None:
            groups.setdefault(row.repeat, []).append(figure(row))
    return sympy.Add(*[aggregate(sympy.Add(*terms), contexts) for contexts, terms in groups.items()])


def _trainable_weights(net):
    """(weight, repeats that multiply it) for every trainable parameter."""
    for row in net.layers:
        contexts = row.weight_contexts
        if contexts is None:
            continue
        for wt in row.weights:
            if wt.trainable and not wt.buffer:
                yield wt, contexts


def optimizer_bytes(net, optimizer) -> sympy.Expr:
    """Optimizer states: a fixed number of bytes per trainable parameter, or Adafactor's factored
    second moment (Shazeer & Stern 2018): rows + columns per matrix in fp32, the full size for vectors."""
    if optimizer != "adafactor":
        return net.trainable * OPTIMIZER_BYTES[optimizer]
    groups: dict = {}
    for wt, contexts in _trainable_weights(net):
        groups.setdefault(contexts, []).append(adafactor_elements(wt.shape))
    return 4 * sympy.Add(*[aggregate(sympy.Add(*terms), contexts) for contexts, terms in groups.items()])


def adafactor_elements(shape) -> sympy.Expr:
    """Adafactor factors the last two axes of a weight of rank >= 2 (a row and a column
    statistic per leading index); smaller weights keep a full second moment."""
    if len(shape) < 2:
        return sympy.Mul(*shape) if shape else sympy.Integer(1)
    lead = sympy.Mul(*shape[:-2])
    return lead * (shape[-2] + shape[-1])


# ---- activations -------------------------------------------------------------------

def _kind_bytes(kind, accounting, device, act):
    if kind == "act":
        return act
    if kind == "mask":         # Megatron and CUDA: a 1-byte mask; CPU multiplies by a tensor of the dtype
        return 1 if accounting == "megatron" or device == "cuda" else act
    if kind == "index":
        return INDEX_BYTES
    return STAT_BYTES if device == "cuda" else act


def _storages(net) -> dict:
    """Each row's output storage: its own, or its input's for a view (flatten, reshape)."""
    storage = {}
    for row in net.layers:
        t = row.training
        storage[row.name] = storage.get(t.inputs[0], t.inputs[0]) if t is not None and t.view and t.inputs \
            else row.name
    return storage


def trainable_rows(net) -> set:
    """The names of the layers with a trainable parameter (a shared layer's uses share its name)."""
    return {row.name for row in net.layers if any(wt.trainable and not wt.buffer for wt in row.weights)}


def gradient_flow(net, input_gradients=False) -> dict:
    """Whether autograd records each layer: some input needs a gradient or it has trainable weights.
    The model's inputs need none unless asked (`input_gradients`)."""
    trainable, flow = trainable_rows(net), {}
    for row in net.layers:
        t = row.training
        flow[row.name] = input_gradients if t is None else (
            row.name in trainable or t.differentiable and any(flow.get(p, False) for p in t.inputs))
    return flow


def refuse_unmodeled(net, flow) -> None:
    """A layer the gradient reaches whose training figures are not modeled stops the analysis at
    that layer (a located error): an approximate figure would be a wrong one."""
    for row in net.layers:
        if row.training is not None and row.training.unmodeled and flow[row.name]:
            raise SymparamsError(f"{row.name}: {row.training.unmodeled}", row.span, net.source, net.filename)


def saved_items(net, b, act, accounting, device, keep=lambda row, item: True, input_gradients=False) -> list:
    """[(row, bytes of one saved tensor for a batch of b)], one pass of each repeat: a storage saved
    by several layers of one pass (a ReLU's output and the next layer's input) counts once. Layers
    autograd does not record keep nothing; a GEMM's input is kept only for trainable weights."""
    storage, flow, trainable = _storages(net), gradient_flow(net, input_gradients), trainable_rows(net)
    refuse_unmodeled(net, flow)
    sizes = {row.name: sympy.Mul(*row.output_shapes[0]) for row in net.layers if len(row.output_shapes) == 1}
    seen, items = set(), []
    for row in net.layers:
        t = row.training
        if t is None or not flow[row.name]:
            continue
        input_flows = t.differentiable and any(flow.get(p, False) for p in t.inputs)
        for item in t.saved:
            if accounting not in item.accountings or not keep(row, item) or (
                    item.for_weights and row.name not in trainable) or (item.for_input and not input_flows):
                continue
            elements = item.elements
            if item.source in ("input", "output"):
                producer = t.inputs[item.input] if item.source == "input" else row.name
                key = (row.repeat, storage.get(producer, producer))
                if key in seen:
                    continue
                seen.add(key)
                if key[1] != producer and key[1] in sizes:    # a view keeps its whole storage alive
                    elements = sizes[key[1]]
            elements = elements if item.per_batch else b * elements
            items.append((row, elements * _kind_bytes(item.kind, accounting, device, act)))
    return items


def saved_terms(net, b, act, accounting, device, keep=lambda row, item: True, input_gradients=False) -> dict:
    """{repeats: [bytes of each saved tensor]} (saved_items grouped by their repeats)."""
    groups: dict = {}
    for row, size in saved_items(net, b, act, accounting, device, keep, input_gradients):
        groups.setdefault(row.repeat, []).append(size)
    return groups


def _sum_groups(groups) -> sympy.Expr:
    return sympy.Add(*[aggregate(sympy.Add(*terms), contexts) for contexts, terms in groups.items()])


def activation_bytes(net, b, act, accounting="torch", device="cuda", recompute="none",
                     input_gradients=False) -> sympy.Expr:
    """Bytes kept for the backward pass of a batch of b under a recompute policy."""
    # selective (Korthikanti et al. 2022): the attention core's s**2 tensors are recomputed
    keep = (lambda row, item: not item.core) if recompute == "selective" else (lambda row, item: True)
    groups = saved_terms(net, b, act, accounting, device, keep, input_gradients)
    if recompute != "full":
        return _sum_groups(groups)
    return _full_recompute(net, groups, b * act)


def _full_recompute(net, groups, act) -> sympy.Expr:
    """Each repeated block keeps only its input, plus one block's activations while it is recomputed."""
    outside = {contexts: terms for contexts, terms in groups.items() if not contexts}
    total, bodies = [_sum_groups(outside)], {}
    for contexts, terms in groups.items():
        if contexts:
            bodies.setdefault(contexts[0], {})[contexts[1:]] = terms
    for outer, inner in bodies.items():
        one = _sum_groups(inner)
        if outer.index is not None:
            one = one.xreplace({outer.index: 0})      # the first block, the largest in a shrinking stage
        total += [aggregate(_block_input(net, outer) * act, (outer,)), one]
    return sympy.Add(*total)


def _block_input(net, outer) -> sympy.Expr:
    """Elements of the tensors a repeat's body reads from outside it (its checkpoint)."""
    body = [row for row in net.layers if row.repeat[:1] == (outer,)]
    names = {row.name for row in body}
    sizes = {row.name: sympy.Mul(*row.output_shapes[0]) for row in net.layers}
    outside = {p for row in body if row.training is not None for p in row.training.inputs if p not in names}
    return sympy.Add(*[sizes[p] for p in sorted(outside) if p in sizes])


# ---- per block (symparams memory --by block) -------------------------------------------

@dataclass(frozen=True)
class ActivationPart:
    label: str              # a top-level block call, layer, or "repeat L: Block"
    count: sympy.Expr       # instances (a repeat's count; 1 otherwise)
    one: sympy.Expr         # bytes one instance keeps
    total: sympy.Expr       # bytes all instances keep


def activation_parts(net, mem: Memory) -> list:
    """The activations of `mem` per top-level block call, layer and repeat (as `summary --by block`
    groups them), without recompute; full recompute shows each instance's checkpoint instead."""
    from .breakdown import _groups as groups     # the grouping of summary --by block
    o = mem.settings
    act = dtype_bytes(o["dtype"])
    keep_core = o["recompute"] != "selective"
    items = saved_items(net, o["batch"], act, o["accounting"], o["device"],
                        lambda row, item: keep_core or not item.core, o["input_gradients"])
    parts = []
    for kind, label, ctx, members, labels in groups(net.layers):
        names, inner = {row.name for row in members}, {}
        for row, size in items:
            if row.name in names:
                inner.setdefault(row.repeat[1:] if ctx is not None else row.repeat, []).append(size)
        one = _sum_groups(inner)
        if ctx is not None and o["recompute"] == "full":
            one = _block_input(net, ctx) * o["batch"] * act
        title = f"repeat {ctx.count}: {' '.join(labels)}" if ctx is not None else label
        parts.append(ActivationPart(title, ctx.count if ctx is not None else sympy.Integer(1), one,
                                    aggregate(one, (ctx,)) if ctx is not None else one))
    return parts
