"""`symparams import torch`: a live torch.nn.Module -> .arch text, by torch.fx symbolic tracing.

Each leaf module becomes one catalog layer named by its qualified name (`layer1.0.conv1`, so
`symparams check` pairs it by name), each residual add or concatenation a merge, each tensor a
binding. What it cannot map is a located comment naming the node, never a guess. torch is
imported by the caller; this module only reads attributes of the modules it is given."""
from __future__ import annotations

import operator
from dataclasses import replace

from .folding import Call, Dim, Item, Lit, Quotient, Ref, Width, assemble


def _size(value):
    """A whole number, or a tuple of them (one number when all are equal); anything else is refused."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, int) and not isinstance(v, bool)
                                                         for v in value):
        return value[0] if len(set(value)) == 1 else tuple(value)
    raise ValueError(value)


def _conv(m, rank):
    padding = m.padding if isinstance(m.padding, str) else _size(m.padding)
    return Call(f"conv{rank}d", (Width(m.out_channels), _size(m.kernel_size)),
                (("strides", _size(m.stride), 1), ("padding", padding, 0), ("dilation_rate", _size(m.dilation), 1),
                 ("groups", m.groups, 1), ("use_bias", m.bias is not None, True)))


def _batch_norm(m):
    if not m.track_running_stats:
        return None
    return Call("batch_norm") if m.affine else Call("batch_norm", (), (("center", False, True), ("scale", False, True)))


def _layer_norm(m):
    if len(m.normalized_shape) != 1:
        return None
    if not m.elementwise_affine:
        return Call("layer_norm", (), (("center", False, True), ("scale", False, True)))
    return Call("layer_norm", (), (("center", m.bias is not None, True),))


def _pool(kind, rank):
    def build(m):
        stride = m.kernel_size if m.stride is None else m.stride
        if kind == "max" and _size(m.dilation) != 1:
            return None
        return Call(f"{kind}_pool{rank}d", (_size(m.kernel_size),),
                    (("strides", _size(stride), None), ("padding", _size(m.padding), 0),
                     ("ceil_mode", bool(getattr(m, "ceil_mode", False)), False)))
    return build


def _adaptive(kind, rank):
    def build(m):
        size = m.output_size
        ones = size == 1 or size == (1,) * rank
        return Call(f"global_{kind}_pool{rank}d", (), (("keepdims", True, None),)) if ones else None
    return build


def _flatten(m):
    if m.end_dim != -1 or m.start_dim < 1:
        return None
    return Call("flatten", (), (("start_dim", Lit(str(m.start_dim)), Lit("1")),))


def _attention(m):
    """nn.MultiheadAttention(E, h, batch_first=True) on one sequence (self-attention)."""
    if not m.batch_first or not m._qkv_same_embed_dim:
        return None
    return Call("multi_head_attention", (m.num_heads, Quotient((Width(m.embed_dim), m.num_heads))),
                (("use_bias", m.in_proj_bias is not None, True), ("add_bias_kv", m.bias_k is not None, False)))


def _simple(text, *args):
    return lambda m: Call(text, args)


# class name -> (layer builder, has weights)
MODULES = {
    "Linear": (lambda m: Call("dense", (Width(m.out_features),), (("use_bias", m.bias is not None, True),)), True),
    "Conv1d": (lambda m: _conv(m, 1), True), "Conv2d": (lambda m: _conv(m, 2), True),
    "Conv3d": (lambda m: _conv(m, 3), True),
    "BatchNorm1d": (_batch_norm, True), "BatchNorm2d": (_batch_norm, True), "BatchNorm3d": (_batch_norm, True),
    "LayerNorm": (_layer_norm, True),
    "Embedding": (lambda m: Call("embedding", (Width(m.num_embeddings), Width(m.embedding_dim))), True),
    "MultiheadAttention": (_attention, True),
    "MaxPool1d": (_pool("max", 1), False), "MaxPool2d": (_pool("max", 2), False),
    "AvgPool1d": (_pool("avg", 1), False), "AvgPool2d": (_pool("avg", 2), False),
    "AdaptiveAvgPool1d": (_adaptive("avg", 1), False), "AdaptiveAvgPool2d": (_adaptive("avg", 2), False),
    "AdaptiveMaxPool2d": (_adaptive("max", 2), False),
    "Flatten": (_flatten, False), "Dropout": (_simple("dropout", Lit("0.0")), False),
    **{name: (_simple(text), False) for name, text in (
        ("ReLU", "relu"), ("GELU", "gelu"), ("SiLU", "silu"), ("Tanh", "tanh"), ("Sigmoid", "sigmoid"),
        ("ELU", "elu"), ("Identity", "identity"), ("Softmax", "softmax"))},
}

_MERGES = {operator.add: "add", operator.iadd: "add", operator.mul: "multiply", operator.sub: "subtract"}
_FUNCTIONS = {"relu": "relu", "gelu": "gelu", "silu": "silu", "tanh": "tanh", "sigmoid": "sigmoid",
              "flatten": "flatten"}


def _stack(node, leaf=None) -> tuple:
    """((qualified name, class name), ...) of the submodules the node ran inside, the leaf excluded."""
    stack = node.meta.get("nn_module_stack") or {}
    return tuple((path, getattr(cls, "__name__", str(cls)).rpartition(".")[2])
                 for path, cls in stack.values() if path != leaf)


class Importer:
    def __init__(self, module, shapes=None):
        self.root = module
        self.modules = dict(module.named_modules())
        self.owners: dict = {}      # id(parameter) -> the first module that holds it (tying)
        for path, m in self.modules.items():
            for p in m.parameters(recurse=False):
                self.owners.setdefault(id(p), path)
        self.shapes = shapes or {}  # node -> shape with the batch axis, when torch could run the graph
        self.calls: dict = {}
        self.items: list = []
        self.inputs: list = []      # (node, shape without the batch axis)
        self.alias: dict = {}       # a node that is another node's tensor (getitem 0, expand)

    def source(self, node) -> str:
        while node.name in self.alias:
            node = self.alias[node.name]
        return node.name

    def add(self, node, inputs, call, leaf=None):
        self.items.append(Item(node.name, tuple(self.source(n) for n in inputs), call, _stack(node, leaf)))

    def refuse(self, node, what):
        tensors = [a for a in (*node.args, *node.kwargs.values()) if hasattr(a, "op")]
        self.items.append(Item(node.name, tuple(self.source(n) for n in tensors), None, _stack(node),
                               note=f"{node.name}: {what}"))

    def module_call(self, node):
        module = self.modules[node.target]
        kind = type(module).__name__
        tensors = [a for a in node.args if hasattr(a, "op")]
        if kind not in MODULES or not tensors or not _same_tensor(tensors) or not _quiet_kwargs(kind, node.kwargs):
            return self.refuse(node, f"module {node.target} ({kind}) has no catalog layer here")
        build, weighted = MODULES[kind]
        try:
            call = build(module)
        except ValueError:
            call = None
        if call is None:
            return self.refuse(node, f"module {node.target} ({kind}) uses options the catalog does not have")
        if weighted:
            self.calls[node.target] = self.calls.get(node.target, 0) + 1
            if self.calls[node.target] > 1:
                return self.refuse(node, f"module {node.target} is called twice (shared weights)")
            tied = {self.owners[id(p)] for p in module.parameters(recurse=False)} - {node.target}
            if tied:
                return self.refuse(node, f"module {node.target} shares its weights with {', '.join(sorted(tied))}")
            call = replace(call, name=node.target)
        self.add(node, tensors[:1], call, leaf=node.target)

    def function_call(self, node):
        target = node.target
        name = getattr(target, "__name__", str(target))
        tensors = [a for a in node.args if hasattr(a, "op")]
        if target in _MERGES or name in ("add", "mul", "cat", "concat"):
            return self.merge(node, name, tensors)
        special = _SPECIAL.get(name)
        if special is not None and tensors:
            return special(self, node, tensors)
        if name in _FUNCTIONS and tensors and len(tensors) == 1:
            rest = node.args[1:]
            if name == "flatten" and tuple(rest) not in ((), (1,)):
                return self.refuse(node, f"flatten{tuple(rest)}")
            return self.add(node, tensors, Call(_FUNCTIONS[name]))
        self.refuse(node, f"{node.op} {name}")

    def merge(self, node, name, tensors):
        if name in ("cat", "concat"):
            parts = node.args[0]
            dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
            if not isinstance(parts, (list, tuple)) or not all(hasattr(p, "op") for p in parts) or dim == 0:
                return self.refuse(node, "a concatenation this importer cannot read")
            rest = tuple(Ref(self.source(p)) for p in parts[1:])
            return self.add(node, parts, Call("concatenate", rest, (("axis", Lit(str(dim)), None),)))
        if len(tensors) != 2 or len(node.args) != 2 or node.kwargs:
            return self.refuse(node, f"{name} of something other than two tensors")
        layer = _MERGES.get(node.target, {"add": "add", "mul": "multiply"}.get(name))
        self.add(node, tensors, Call(layer, (Ref(self.source(tensors[1])),)))


    def attribute(self, node):
        """A learned tensor (`parameter`) or a buffer the forward reads; a leading 1 is the batch
        axis it is broadcast over, so the tensor is reshaped without it, as the file writes shapes."""
        try:
            tensor, kind = self.root.get_parameter(node.target), "parameter"
        except AttributeError:
            try:
                tensor, kind = self.root.get_buffer(node.target), "buffer"
            except AttributeError:
                return self.refuse(node, f"attribute {node.target} is neither a parameter nor a buffer")
        shape = tuple(Dim(d) for d in tensor.shape)
        if not shape or min(shape) < 1:
            return self.refuse(node, f"{kind} {node.target} has shape {tuple(tensor.shape)}")
        frozen = (("trainable", False, True),) if kind == "parameter" and not tensor.requires_grad else ()
        call = Call(kind, (shape,), frozen, name=node.target)
        if shape[0] != 1 or len(shape) == 1:
            return self.items.append(Item(node.name, (), call, _stack(node)))
        self.items.append(Item(node.name + "__full", (), call, _stack(node)))
        self.items.append(Item(node.name, (node.name + "__full",), Call("reshape", (shape[1:],)), _stack(node)))

    def rank(self, node):
        return len(self.shapes[node.name]) if node.name in self.shapes else None

    def positions(self, node, tensors):
        """`torch.arange(x.size(k))`: the positions 0 .. T-1, an input of T positions (no weights)."""
        shape = self.shapes.get(node.name)
        if shape is None or len(shape) != 1 or len(node.args) != 1:
            return self.refuse(node, "an arange this importer cannot read")
        self.inputs.append((node.name, shape))


def _getitem(imp, node, tensors):
    """`attention(...)[0]` is the attention's output; `x[:, k]` on (batch, T, d) is position k."""
    source, index = node.args
    if index == 0 and source.op == "call_module" and type(imp.modules[source.target]).__name__ == "MultiheadAttention":
        imp.alias[node.name] = source
        return None
    rank, shape = imp.rank(source), imp.shapes.get(source.name)
    if (rank == 3 and isinstance(index, tuple) and len(index) == 2 and index[0] == slice(None)
            and isinstance(index[1], int) and 0 <= index[1] < shape[1]):
        crop = Call("cropping1d", (Lit(f"({index[1]}, {shape[1] - index[1] - 1})"),))
        imp.items.append(Item(node.name + "__crop", (imp.source(tensors[0]),), crop, _stack(node)))
        return imp.items.append(Item(node.name, (node.name + "__crop",), Call("flatten"), _stack(node)))
    return imp.refuse(node, f"indexing {index!r} this importer cannot read")


def _transpose(imp, node, tensors):
    rank, dims = imp.rank(tensors[0]), [d for d in node.args[1:] if isinstance(d, int)]
    if rank is None or len(dims) != 2 or len(node.args) != 3:
        return imp.refuse(node, "a transpose of a tensor whose rank is not known")
    swap_axes(imp, node, tensors, rank, dims)


def swap_axes(imp, node, tensors, rank, dims):
    """`x.transpose(a, b)` as the language's permute of the axes after the batch (fx and export alike)."""
    a, b = (d % rank for d in dims)
    if 0 in (a, b):
        return imp.refuse(node, "a transpose of the batch axis")
    order = list(range(1, rank))
    order[a - 1], order[b - 1] = order[b - 1], order[a - 1]
    imp.add(node, tensors[:1], Call("permute", (Lit(f"({', '.join(map(str, order))}{',' if rank == 2 else ''})"),)))


def _expand(imp, node, tensors):
    """`cls.expand(x.shape[0], -1, -1)`: the same tensor for every example of the batch (free)."""
    rest = node.args[1:]
    if len(tensors) == 2 and rest and hasattr(rest[0], "op") and all(r == -1 for r in rest[1:]):
        imp.alias[node.name] = tensors[0]
        return None
    return imp.refuse(node, "an expand other than over the batch")


def _flatten_method(imp, node, tensors):
    rest = node.args[1:]
    if len(tensors) != 1 or len(rest) > 1 or (rest and not isinstance(rest[0], int)) or node.kwargs:
        return imp.refuse(node, "a flatten this importer cannot read")
    start = rest[0] if rest else 0
    if start < 1:
        return imp.refuse(node, "a flatten of the batch axis")
    imp.add(node, tensors, Call("flatten", (), (("start_dim", Lit(str(start)), Lit("1")),)))


_SPECIAL = {"getitem": _getitem, "transpose": _transpose, "expand": _expand, "flatten": _flatten_method,
            "arange": lambda imp, node, tensors: imp.positions(node, tensors),
            "contiguous": lambda imp, node, tensors: imp.alias.__setitem__(node.name, tensors[0])}


def _same_tensor(tensors) -> bool:
    return all(t is tensors[0] for t in tensors)


def _quiet_kwargs(kind, kwargs) -> bool:
    """Keyword arguments that change no weight: attention's masks and whether it returns weights."""
    allowed = {"need_weights", "attn_mask", "key_padding_mask", "is_causal"} if kind == "MultiheadAttention" else set()
    return set(kwargs) <= allowed


def import_module(module, input_shape, model_name, symbolize=False) -> tuple[str, list]:
    """(.arch text, what could not be mapped) for `module` on inputs of `input_shape` (no batch)."""
    import torch.fx

    traced = torch.fx.symbolic_trace(module)
    imp, result = Importer(module, _shapes(traced, input_shape)), None
    for node in traced.graph.nodes:
        if node.op == "placeholder":
            if imp.inputs:
                imp.refuse(node, "a second input")
            else:
                imp.inputs.append((node.name, input_shape))
        elif node.op == "call_module":
            imp.module_call(node)
        elif node.op in ("call_function", "call_method"):
            imp.function_call(node)
        elif node.op == "get_attr":
            imp.attribute(node)
        elif node.op == "output":
            if hasattr(node.args[0], "op"):
                result = imp.source(node.args[0])
            else:
                imp.refuse(node, "an output that is not one tensor")
    result = result or imp.items[-1].node
    items, dropped = feeding(imp.items, result)
    head = header(model_name, "torch.fx", dropped, symbolize)
    text = assemble(items, imp.inputs, result, model_name, symbolize, head,
                    "layout channels_first\n" if len(input_shape) > 1 else None)
    return text, [item.note for item in items if item.call is None]


def header(model_name, how, dropped, symbolize) -> str:
    lines = [f"# Imported by `symparams import torch` from {model_name} ({how}).",
             "# Layers are named by their modules; repeated submodules are blocks, named by their class."]
    if dropped:
        more = f", ... ({len(dropped)} in all)" if len(dropped) > 4 else ""
        lines.append(f"# Not written (they feed no output: masks, sizes): {', '.join(dropped[:4])}{more}.")
    if symbolize:
        lines.append("# --symbolize: w* widths, n* depths, e* width ratios; the defaults are the module's.")
    return "\n".join(lines) + "\n"


def _shapes(traced, input_shape) -> dict:
    """{node: shape with the batch axis} from running the graph on the meta device (no memory, no
    arithmetic); {} when it cannot run. An input read by an embedding is token ids (integers)."""
    import torch
    from torch.fx.passes.shape_prop import ShapeProp

    modules = dict(traced.named_modules())
    first = next(n for n in traced.graph.nodes if n.op == "placeholder")
    ids = any(u.op == "call_module" and type(modules.get(u.target)).__name__ == "Embedding" for u in first.users)
    example = torch.zeros((1, *input_shape), dtype=torch.long if ids else torch.float, device="meta")
    try:
        ShapeProp(traced).propagate(example)
    except Exception:        # noqa: BLE001 - an op meta tensors cannot run: no shapes, and no guess
        return {}
    meta = {n.name: n.meta.get("tensor_meta") for n in traced.graph.nodes}
    return {name: tuple(m.shape) for name, m in meta.items() if hasattr(m, "shape")}


def feeding(items, result) -> tuple:
    """The items, less the unmapped ones no output depends on (an attention mask built from sizes,
    the sizes themselves): they carry no weights. Returns (items, the dropped nodes)."""
    by_node, needed = {item.node: item for item in items}, set()
    todo = list(result) if isinstance(result, tuple) else [result]
    while todo:
        node = todo.pop()
        if node not in needed and node in by_node:
            needed.add(node)
            todo.extend(by_node[node].inputs)
    kept = [item for item in items if item.call is not None or item.node in needed]
    return kept, [item.node for item in items if item.call is None and item.node not in needed]
