"""The Python API: parse or load a file, evaluate a model, evaluate one layer."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from . import ast
from .errors import ChoiceError, SymparamsError, UnknownNameError, did_you_mean
from .evaluator import CONVENTIONS, Evaluator
from .inputs import as_value, parse_value
from .model import ModelResult
from .parser import parse_call, parse_module
from .text import shape_text as write_shape


class Program:
    """A parsed file: its blocks and models."""

    def __init__(self, module: ast.Module):
        self.module = module

    @property
    def models(self) -> list[str]:
        return [d.name for d in self.module.definitions if d.kind == "model"]

    @property
    def blocks(self) -> list[str]:
        return [d.name for d in self.module.definitions if d.kind == "block"]

    def model(self, name: str | None = None, convention: str = "keras", values: dict | None = None,
              defaults: bool = False) -> ModelResult:
        """Evaluate a model. `values` binds symbols before evaluation (as --set does);
        `defaults=True` applies the model's declared defaults (as --defaults does)."""
        if convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {', '.join(CONVENTIONS)}, not {convention!r}")
        definition = self._definition(name)
        bound = {k: as_value(v) for k, v in (values or {}).items()}
        try:
            evaluator = Evaluator(self.module, convention, bound, defaults)
            result = evaluator.evaluate_model(definition)
        except SymparamsError as err:
            raise err.located(self.module.source, self.module.filename) from None
        unused = sorted(set(bound) - evaluator.used_values)
        if unused:
            raise ChoiceError(f"model {definition.name} has no symbol {', '.join(unused)} "
                             f"(its symbols: {', '.join(result.symbols) or 'none'})")
        return ModelResult.of(result)

    def _definition(self, name):
        models = [d for d in self.module.definitions if d.kind == "model"]
        where = self.module.filename or "the source"
        if name is None:
            if len(models) == 1:
                return models[0]
            if not models:
                raise SymparamsError(f"{where} defines no model (write `model NAME(...):`)", None,
                                     self.module.source, self.module.filename)
            raise ChoiceError(f"{where} defines several models ({', '.join(d.name for d in models)}); "
                             f"name one")
        for d in models:
            if d.name == name:
                return d
        raise ChoiceError(f"no model named {name!r} in {where}"
                         f"{did_you_mean(name, [d.name for d in models])}; models: "
                         f"{', '.join(d.name for d in models) or 'none'}")

    def __repr__(self):
        return f"<Program models={self.models} blocks={self.blocks}>"


def parse(text: str, filename: str | None = None) -> Program:
    if not isinstance(text, str):
        raise TypeError(f"parse() takes the program's text as str, not {type(text).__name__}")
    return Program(_parse_cached(text, filename))


@lru_cache(maxsize=64)
def _parse_cached(text: str, filename: str | None) -> ast.Module:
    # Parse once per text: the AST is immutable, so it can be shared.
    return parse_module(text, filename)


def load(path) -> Program:
    path = Path(path)
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    return parse(text, str(path))


def eval_layer(call: str, input, convention: str = "keras", layout: str | None = None) -> "LayerResult":
    """One layer on one input: eval_layer("conv2d(n, k)", input=("H", "W", "f"))."""
    if not isinstance(call, str):
        raise TypeError(f"eval_layer() takes the layer call as str, not {type(call).__name__}")
    if isinstance(input, str):
        shape_text = input
    elif isinstance(input, (tuple, list)):
        if not input:
            raise ValueError("input must have at least one dimension")
        shape_text = write_shape(input, str)
    else:
        raise TypeError(f"input must be a tuple of sizes or a string such as '(H, W, C)', "
                        f"not {type(input).__name__}")
    node = parse_call(call, "<layer>")
    name = node.id if isinstance(node, ast.Name) else node.func
    layer_text = call.strip()
    shape_text = shape_text.strip()
    if not shape_text.startswith("("):
        shape_text = f"({shape_text},)"
    head = f"layout {layout}\n" if layout else ""
    source = f"{head}model Layer():\n    input {shape_text}\n    {layer_text}\n"
    try:
        program = parse(source, "<eval>")
        result = program.model(convention=convention)
    except SymparamsError as err:
        # Point at the user's own text, not the wrapper file we built around it.
        if err.span is not None and err.span.line == 3 + bool(head):
            shifted = type(err.span)(1, err.span.column - 4, 1, max(err.span.end_column - 4, err.span.column - 3))
            raise type(err)(err.message, shifted, layer_text, "<layer>") from None
        if err.span is not None and err.span.line == 2 + bool(head):
            shifted = type(err.span)(1, max(1, err.span.column - 10), 1, max(2, err.span.end_column - 10))
            raise type(err)(err.message, shifted, shape_text, "<input>") from None
        raise
    if name in (d.name for d in program.module.definitions):
        raise UnknownNameError(f"'{name}' is not a layer")
    return LayerResult(result)


class LayerResult:
    """The figures of one layer (eval_layer)."""

    def __init__(self, model: ModelResult):
        self.model = model
        rows = [r for r in model.layers if r.type != "input"]
        self.row = rows[-1]

    name = property(lambda self: self.row.name)
    type = property(lambda self: self.row.type)
    weights = property(lambda self: self.row.weights)
    output_shape = property(lambda self: self.row.output_shape)
    params = property(lambda self: self.model.params)
    trainable = property(lambda self: self.model.trainable)
    non_trainable = property(lambda self: self.model.non_trainable)
    buffers = property(lambda self: self.model.buffers)
    active_params = property(lambda self: self.model.active_params)
    macs = property(lambda self: self.model.macs)
    flops = property(lambda self: self.model.flops)

    def subs(self, mapping=None, /, **values) -> "LayerResult":
        return LayerResult(self.model.subs(mapping, **values))

    def __repr__(self):
        return f"<LayerResult {self.type}: params={self.params}, output_shape={self.output_shape}>"
__all__ = ["Program", "LayerResult", "parse", "load", "eval_layer", "parse_value", "as_value"]
