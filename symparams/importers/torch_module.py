"""`symparams import torch`: a live torch.nn.Module -> .arch text, by torch.fx symbolic tracing.

Each leaf module becomes one catalog layer named by its qualified name (`layer1.0.conv1`, so
`symparams check` pairs it by name), each residual add or concatenation a merge, each tensor a
binding. What it cannot map is a located comment naming the node, never a guess. torch is
imported by the caller; this module only reads attributes of the modules it is given."""
from __future__ import annotations

import operator
import re

_IDENT = re.compile(r"[^A-Za-z0-9_]")


def _size(value) -> str:
    """A whole number or a tuple of them, as text; anything else is refused."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, int) and not isinstance(v, bool)
                                                         for v in value):
        return str(value[0]) if len(set(value)) == 1 else "(" + ", ".join(str(v) for v in value) + ")"
    raise ValueError(value)


def _bool(value) -> str:
    return "true" if value else "false"


def _options(**values) -> str:
    """`, strides=2, padding=3`: the options that differ from the catalog's defaults."""
    defaults = {"strides": "1", "padding": "0", "dilation_rate": "1", "groups": "1", "use_bias": "true"}
    return "".join(f", {k}={v}" for k, v in values.items() if defaults.get(k) != v)


def _conv(m, rank):
    padding = m.padding if isinstance(m.padding, str) else _size(m.padding)
    padding = f'"{padding}"' if padding in ("same", "valid") else padding
    return (f"conv{rank}d({_size(m.out_channels)}, {_size(m.kernel_size)}"
            + _options(strides=_size(m.stride), padding=padding, dilation_rate=_size(m.dilation),
                       groups=_size(m.groups), use_bias=_bool(m.bias is not None)) + ")")


def _batch_norm(m):
    if not m.track_running_stats:
        return None
    return "batch_norm" if m.affine else "batch_norm(center=false, scale=false)"


def _layer_norm(m):
    if len(m.normalized_shape) != 1:
        return None
    if not m.elementwise_affine:
        return "layer_norm(center=false, scale=false)"
    return "layer_norm" if m.bias is not None else "layer_norm(center=false)"


def _pool(kind, rank):
    def build(m):
        stride = m.kernel_size if m.stride is None else m.stride
        extra = ", ceil_mode=true" if getattr(m, "ceil_mode", False) else ""
        if kind == "max" and _size(m.dilation) != "1":
            return None
        return f"{kind}_pool{rank}d({_size(m.kernel_size)}, strides={_size(stride)}{_options(padding=_size(m.padding))}{extra})"
    return build


def _adaptive(kind, rank):
    def build(m):
        size = m.output_size
        return f"global_{kind}_pool{rank}d(keepdims=true)" if size == 1 or size == (1,) * rank else None
    return build


def _simple(text):
    return lambda m: text


# class name -> (layer text builder, has weights)
MODULES = {
    "Linear": (lambda m: f"dense({_size(m.out_features)}{_options(use_bias=_bool(m.bias is not None))})", True),
    "Conv1d": (lambda m: _conv(m, 1), True), "Conv2d": (lambda m: _conv(m, 2), True),
    "Conv3d": (lambda m: _conv(m, 3), True),
    "BatchNorm1d": (_batch_norm, True), "BatchNorm2d": (_batch_norm, True), "BatchNorm3d": (_batch_norm, True),
    "LayerNorm": (_layer_norm, True),
    "Embedding": (lambda m: f"embedding({_size(m.num_embeddings)}, {_size(m.embedding_dim)})", True),
    "MaxPool1d": (_pool("max", 1), False), "MaxPool2d": (_pool("max", 2), False),
    "AvgPool1d": (_pool("avg", 1), False), "AvgPool2d": (_pool("avg", 2), False),
    "AdaptiveAvgPool1d": (_adaptive("avg", 1), False), "AdaptiveAvgPool2d": (_adaptive("avg", 2), False),
    "AdaptiveMaxPool2d": (_adaptive("max", 2), False),
    "Flatten": (lambda m: "flatten" if m.start_dim == 1 and m.end_dim == -1 else None, False),
    **{name: (_simple(text), False) for name, text in (
        ("ReLU", "relu"), ("GELU", "gelu"), ("SiLU", "silu"), ("Tanh", "tanh"), ("Sigmoid", "sigmoid"),
        ("ELU", "elu"), ("Dropout", "dropout(0.0)"), ("Identity", "identity"), ("Softmax", "softmax"))},
}

_MERGES = {operator.add: "add", operator.iadd: "add", operator.mul: "multiply", operator.sub: "subtract"}
_FUNCTIONS = {"relu": "relu", "gelu": "gelu", "silu": "silu", "tanh": "tanh", "sigmoid": "sigmoid",
              "flatten": "flatten"}


class Importer:
    def __init__(self, module):
        self.modules = dict(module.named_modules())
        self.calls: dict = {}
        self.names: dict = {}
        self.lines: list = []
        self.unmapped: list = []

    def tensor(self, node) -> str:
        if node not in self.names:
            self.names[node] = "t_" + _IDENT.sub("_", node.name)
        return self.names[node]

    def emit(self, node, source, call):
        self.lines.append(f"    {self.tensor(node)} = {source} -> {call}")

    def refuse(self, node, what):
        self.unmapped.append(f"{node.name}: {what}")
        self.lines.append(f"    # cannot map {node.name}: {what}")

    def module_call(self, node):
        module = self.modules[node.target]
        kind = type(module).__name__
        if kind not in MODULES or len(node.args) != 1 or node.kwargs:
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
            call = (call + "(") if "(" not in call else call[:-1] + ", "
            call += f'name="{node.target}")'
        self.emit(node, self.tensor(node.args[0]), call)

    def function_call(self, node):
        target = node.target
        name = getattr(target, "__name__", str(target))
        tensors = [a for a in node.args if hasattr(a, "op")]
        if target in _MERGES or name in ("add", "mul", "cat", "concat"):
            return self.merge(node, name, tensors)
        if name in _FUNCTIONS and tensors and len(tensors) == 1:
            rest = node.args[1:]
            if name == "flatten" and tuple(rest) not in ((), (1,)):
                return self.refuse(node, f"flatten{tuple(rest)}")
            return self.emit(node, self.tensor(tensors[0]), _FUNCTIONS[name])
        self.refuse(node, f"{node.op} {name}")

    def merge(self, node, name, tensors):
        if name in ("cat", "concat"):
            parts = node.args[0]
            dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
            if not isinstance(parts, (list, tuple)) or not all(hasattr(p, "op") for p in parts) or dim == 0:
                return self.refuse(node, "a concatenation this importer cannot read")
            first, *rest = (self.tensor(p) for p in parts)
            return self.emit(node, first, f"concatenate({', '.join(rest)}, axis={_size(dim)})")
        if len(tensors) != 2 or len(node.args) != 2 or node.kwargs:
            return self.refuse(node, f"{name} of something other than two tensors")
        layer = _MERGES.get(node.target, {"add": "add", "mul": "multiply"}.get(name))
        self.emit(node, self.tensor(tensors[0]), f"{layer}({self.tensor(tensors[1])})")


def import_module(module, input_shape, model_name) -> tuple[str, list]:
    """(.arch text, what could not be mapped) for `module` on inputs of `input_shape` (no batch)."""
    import torch.fx

    graph = torch.fx.symbolic_trace(module).graph
    imp = Importer(module)
    inputs = 0
    for node in graph.nodes:
        if node.op == "placeholder":
            inputs += 1
            if inputs > 1:
                imp.refuse(node, "a second input")
            else:
                imp.lines.insert(0, f"    input {imp.tensor(node)} ({', '.join(str(d) for d in input_shape)}"
                                    f"{',' if len(input_shape) == 1 else ''})")
        elif node.op == "call_module":
            imp.module_call(node)
        elif node.op in ("call_function", "call_method"):
            imp.function_call(node)
        elif node.op == "output":
            out = node.args[0]
            if hasattr(out, "op"):
                imp.lines.append(f"    return {imp.tensor(out)}")
            else:
                imp.refuse(node, "an output that is not one tensor")
        else:
            imp.refuse(node, f"{node.op} {node.target}")
    layout = "layout channels_first\n\n" if len(input_shape) > 1 else ""
    head = (f"# Imported by `symparams import torch` from {model_name} (torch.fx): one layer per leaf\n"
            f"# module, named by its qualified name.\n")
    return f"{head}{layout}model {model_name}():\n" + "\n".join(imp.lines) + "\n", imp.unmapped
