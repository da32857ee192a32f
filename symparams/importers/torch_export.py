"""`symparams import torch` where torch.fx cannot trace (Hugging Face models: their forward
writes into proxies): torch.export, on the meta device, gives a graph of ATen operations, each
with the modules it ran inside. A weighted operation (linear, conv, layer_norm, embedding) is
its module's catalog layer, named by the module; a module that holds a scaled-dot-product
attention and four Linear children (q, k and v reading one tensor, an output projection) is one
`grouped_query_attention` named by the module (transformers' q_proj .. o_proj); the weightless
operations are merges, activations and reshapes as in the torch.fx walk. What it cannot map is a
located comment, never a guess."""
from __future__ import annotations

from .folding import Call, Dim, Item, Lit, Ref, assemble
from .torch_module import MODULES, feeding, header, swap_axes

_ACTIVATIONS = {"relu", "gelu", "silu", "tanh", "sigmoid"}
_PASS = {"dropout", "contiguous", "clone", "alias", "detach"}
_WEIGHTED = {"linear", "conv1d", "conv2d", "conv3d", "layer_norm", "embedding"}


def _op(node) -> str:
    return str(node.target).split(".")[1] if str(node.target).startswith("aten.") else str(node.target)


def _stack(node) -> tuple:
    stack = node.meta.get("nn_module_stack") or {}
    out = []
    for path, cls in stack.values():
        name = cls if isinstance(cls, str) else getattr(cls, "__qualname__", str(cls))
        if path:
            out.append((path, name.rpartition(".")[2]))
    return tuple(out)


def _shape(node):
    value = node.meta.get("val")
    return tuple(int(d) for d in value.shape) if hasattr(value, "shape") else None


class Exported:
    def __init__(self, module, program):
        self.modules = dict(module.named_modules())
        self.items, self.alias, self.calls, self.inputs, self.params = [], {}, {}, [], {}
        self.state, self.units = {}, {}
        for spec in program.graph_signature.input_specs:
            kind = spec.kind.name
            if kind in ("PARAMETER", "BUFFER"):
                self.state[spec.arg.name] = (kind.lower(), spec.target, module.get_parameter(spec.target)
                                             if kind == "PARAMETER" else module.get_buffer(spec.target))

    def source(self, node) -> str:
        name = node.name if hasattr(node, "name") else node
        while name in self.alias:
            name = self.alias[name]
        if name in self.state and name not in self.params:
            self.learned(name)
        return name

    def learned(self, name):
        """A parameter or buffer read by a weightless operation: `parameter`/`buffer`, reshaped
        without a leading 1 (the batch axis it is broadcast over)."""
        kind, target, tensor = self.state[name]
        shape = tuple(Dim(d) for d in tensor.shape)
        self.params[name] = True
        frozen = (("trainable", False, True),) if kind == "parameter" and not tensor.requires_grad else ()
        call = Call(kind, (shape,), frozen, name=target)
        if kind == "buffer" or shape[:1] != (1,) or len(shape) == 1:
            return self.items.append(Item(name, (), call))
        self.items.append(Item(name + "__full", (), call))
        self.items.append(Item(name, (name + "__full",), Call("reshape", (shape[1:],))))

    def refuse(self, node, what):
        tensors = [a for a in node.args if hasattr(a, "op") and a.name not in self.state]
        self.items.append(Item(node.name, tuple(self.source(t) for t in tensors), None, _stack(node),
                               note=f"{node.name}: {what}"))

    def add(self, node, inputs, call, stack=None):
        sources = tuple(self.source(n) for n in inputs)
        self.items.append(Item(node.name, sources, call, _stack(node) if stack is None else stack))

    def weighted(self, node, op):
        stack = _stack(node)
        path = stack[-1][0] if stack else ""
        module = self.modules.get(path)
        kind = type(module).__name__
        if kind not in MODULES or not MODULES[kind][1]:
            return self.refuse(node, f"{op} in module {path or 'the model'} ({kind}) has no catalog layer here")
        call = MODULES[kind][0](module)
        if call is None:
            return self.refuse(node, f"module {path} ({kind}) uses options the catalog does not have")
        self.calls[path] = self.calls.get(path, 0) + 1
        if self.calls[path] > 1:
            return self.refuse(node, f"module {path} is called twice (shared weights)")
        reads = node.args[1] if op == "embedding" else node.args[0]
        self.add(node, (reads,), Call(call.layer, call.args, call.options, name=path), stack[:-1])

    def attention_units(self, graph):
        """{node: the attention module it belongs to} for each module holding a scaled-dot-product
        attention with q, k, v and an output Linear; the unit's item is made at its output node."""
        for node in graph.nodes:
            if _op(node) != "scaled_dot_product_attention" or not _stack(node):
                continue
            path = _stack(node)[-1][0]
            inside = [n for n in graph.nodes if any(p == path for p, _ in _stack(n))]
            linears = [n for n in inside if _op(n) == "linear"]
            reads = {n.name: n.args[0].name for n in linears}
            shared = [n for n in linears if list(reads.values()).count(reads[n.name]) == 3]
            names = {n.name for n in inside}
            outputs = [n for n in inside if any(u.name not in names for u in n.users)]
            if len(linears) != 4 or len(shared) != 3 or len(outputs) != 1 or outputs[0] not in linears:
                continue
            q, k, _ = (_shape(a) for a in node.args[:3])
            biases = {len(n.args) > 2 and n.args[2] is not None for n in linears}
            if q is None or k is None or len(biases) != 1:
                continue
            call = Call("grouped_query_attention", (q[-1], q[1], k[1]), (("use_bias", biases.pop(), True),),
                        name=path)
            unit = (path, outputs[0].name, shared[0].args[0], call)
            for n in inside:
                self.units[n.name] = unit

    def function(self, node):
        op = _op(node)
        unit = self.units.get(node.name)
        if unit is not None:
            path, output, reads, call = unit
            if node.name == output:
                self.add(node, (reads,), call, tuple(s for s in _stack(node) if s[0] != path
                                                     and not s[0].startswith(path + ".")))
            return None
        if op in _WEIGHTED:
            return self.weighted(node, op)
        tensors = [a for a in node.args if hasattr(a, "op")]
        if op in _PASS and tensors:
            self.alias[node.name] = self.source(tensors[0])
            return None
        if op in _ACTIVATIONS and len(tensors) == 1:
            return self.add(node, tensors, Call(op))
        handler = _HANDLERS.get(op)
        return handler(self, node, tensors) if handler else self.refuse(node, f"operation {op}")


def _merge(layer):
    def handle(imp, node, tensors):
        if len(tensors) != 2 or len(node.args) != 2:
            return imp.refuse(node, f"{layer} of something other than two tensors")
        imp.add(node, tensors, Call(layer, (_ref(imp, tensors[1]),)))
    return handle


def _ref(imp, node):
    return Ref(imp.source(node))


def _cat(imp, node, tensors):
    parts, dim = node.args[0], node.args[1] if len(node.args) > 1 else 0
    if not isinstance(parts, (list, tuple)) or dim == 0 or not all(hasattr(p, "op") for p in parts):
        return imp.refuse(node, "a concatenation this importer cannot read")
    imp.add(node, parts, Call("concatenate", tuple(_ref(imp, p) for p in parts[1:]), (("axis", Lit(str(dim)), None),)))


def _flatten(imp, node, tensors):
    start = node.args[1] if len(node.args) > 1 else 0
    end = node.args[2] if len(node.args) > 2 else -1
    rank = len(_shape(tensors[0]) or ())
    if start < 1 or end not in (-1, rank - 1):
        return imp.refuse(node, "a flatten of the batch axis")
    imp.add(node, tensors[:1], Call("flatten", (), (("start_dim", Lit(str(start)), Lit("1")),)))


def _transpose(imp, node, tensors):
    swap_axes(imp, node, tensors, len(_shape(tensors[0]) or ()), node.args[1:3])


def _expand(imp, node, tensors):
    sizes = node.args[1]
    if len(sizes) == len(_shape(tensors[0]) or ()) and all(s == -1 for s in sizes[1:]) and _shape(tensors[0])[0] == 1:
        imp.alias[node.name] = imp.source(tensors[0])
        return None
    return imp.refuse(node, "an expand other than over the batch")


def _select(imp, node, tensors):
    """`x[:, k]` on (batch, T, d): position k, as cropping the others away."""
    shape, (_, dim, index) = _shape(tensors[0]), node.args
    if shape is None or len(shape) != 3 or dim != 1 or not 0 <= index < shape[1]:
        return imp.refuse(node, "a selection this importer cannot read")
    crop = Call("cropping1d", (Lit(f"({index}, {shape[1] - index - 1})"),))
    imp.items.append(Item(node.name + "__crop", (imp.source(tensors[0]),), crop, _stack(node)))
    imp.items.append(Item(node.name, (node.name + "__crop",), Call("flatten"), _stack(node)))


_HANDLERS = {"add": _merge("add"), "mul": _merge("multiply"), "sub": _merge("subtract"), "cat": _cat,
             "flatten": _flatten, "transpose": _transpose, "expand": _expand, "select": _select}


def import_exported(module, input_shape, model_name, symbolize, why) -> tuple:
    """(.arch text, what could not be mapped), through torch.export; `why` says why torch.fx could not."""
    import torch

    example = torch.zeros((1, *input_shape), dtype=torch.long if len(input_shape) == 1 else torch.float,
                          device="meta")
    program = torch.export.export(module.train(False), (example,), strict=False)   # inference mode
    imp = Exported(module, program)
    imp.attention_units(program.graph)
    for node in program.graph.nodes:
        if node.op == "placeholder" and node.name not in imp.state:
            imp.inputs.append((node.name, input_shape))
        elif node.op == "call_function":
            imp.function(node)
    results = tuple(imp.source(spec.arg.name) for spec in program.graph_signature.output_specs
                    if spec.kind.name == "USER_OUTPUT")
    result = results[0] if len(results) == 1 else results
    for name in imp.state:
        if imp.state[name][0] == "buffer" and name not in imp.params:
            imp.learned(name)
    items, dropped = feeding(imp.items, result)
    head = header(model_name, f"torch.export, as torch.fx could not trace it: {why}", dropped, symbolize)
    text = assemble(items, imp.inputs, result, model_name, symbolize, head,
                    "layout channels_first\n" if len(input_shape) > 1 else None)
    return text, [item.note for item in items if item.call is None]
