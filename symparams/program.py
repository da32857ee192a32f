"""The Python API: parse or load a file, evaluate a model, evaluate one layer."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from . import ast, limits, rules
from .errors import UNKNOWN_SPAN, ArgumentError, ChoiceError, LimitError, SymparamsError, UnknownNameError, did_you_mean
from .evaluator import CONVENTIONS, Evaluator, make_symbol
from .expressions import ExpressionEvaluator, is_expr
from .inputs import as_value, parse_value
from .model import ModelResult
from .parser import parse_call, parse_expression, parse_module


class Program:
    """A parsed file: its blocks and models."""

    def __init__(self, module: ast.Module):
        self.module = module

    @property
    def models(self) -> list[str]:
        return [d.name for d in self.module.definitions if d.kind == "model"]

    @property
    def default_model(self) -> str | None:
        """The model evaluated when none is named: the `default model`, or the only model."""
        models = [d for d in self.module.definitions if d.kind == "model"]
        chosen = [d for d in models if d.default] or models
        return chosen[0].name if len(chosen) == 1 else None

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
        bound = {k: as_value(v, k) for k, v in (values or {}).items()}
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
            chosen = [d for d in models if d.default] or models
            if len(chosen) == 1:
                return chosen[0]
            if not models:
                raise SymparamsError(f"{where} defines no model (write `model NAME(...):`)", None,
                                     self.module.source, self.module.filename)
            raise ChoiceError(f"{where} defines several models ({', '.join(d.name for d in models)}); "
                             f"name one (or mark one `default model`)")
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
    # Editors may write a byte-order mark first: it is no character of the program.
    return Program(_parse_cached(text.removeprefix("\ufeff"), filename))


@lru_cache(maxsize=64)
def _parse_cached(text: str, filename: str | None) -> ast.Module:
    # Parse once per text: the AST is immutable, so it can be shared.
    return parse_module(text, filename)


def load(path) -> Program:
    """Read and parse a file. At most the source bound's bytes plus one are read: /dev/zero or a
    huge file is refused before it fills memory."""
    path = Path(path)
    most = 4 * limits.MAX_SOURCE_CHARS          # a character is at most 4 bytes of UTF-8
    with open(path, "rb") as f:
        data = f.read(most + 1)
    if len(data) > most:
        raise LimitError(f"{path} is larger than {most} bytes (limit: 4 * MAX_SOURCE_CHARS)", None, None, str(path))
    return parse(data.decode("utf-8", errors="surrogateescape"), str(path))


def eval_layer(call: str, input, convention: str = "keras", layout: str | None = None) -> "LayerResult":
    """One layer on one input: eval_layer("conv2d(n, k)", input=("H", "W", "f")). The model around
    the call is built as a tree, not as text: errors point at the caller's own call or input."""
    if not isinstance(call, str):
        raise TypeError(f"eval_layer() takes the layer call as str, not {type(call).__name__}")
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {', '.join(CONVENTIONS)}, not {convention!r}")
    sizes = _input_sizes(input)
    node = parse_call(call, "<layer>")
    name = node.id if isinstance(node, ast.Name) else node.func
    names = tuple(ast.Name(f"input_{k}", UNKNOWN_SPAN) for k in range(len(sizes)))
    body = (ast.InputStmt(None, names, UNKNOWN_SPAN), ast.ChainStmt(ast.Chain((node,), node.span), node.span))
    definition = ast.Definition("model", "Layer", (), body, node.span, node.span)
    module = ast.Module(ast.LayoutDecl(layout, UNKNOWN_SPAN) if layout else None, (), (definition,), call, "<layer>")
    try:
        result = Evaluator(module, convention, {n.id: v for n, v in zip(names, sizes)}).evaluate_model(definition)
    except SymparamsError as err:
        raise err.located(call, "<layer>") from None
    except RecursionError:
        raise SymparamsError("the call nests too deeply to evaluate", None, call, "<layer>") from None
    if any(isinstance(d, ast.Definition) and d.name == name for d in module.definitions):
        raise UnknownNameError(f"'{name}' is not a layer")
    return LayerResult(ModelResult.of(result))


def _input_sizes(input) -> tuple:
    """eval_layer's input: a tuple of sizes (numbers, SymPy, or text such as "H"), or text such
    as "(H, W, C)"; each size obeys the size rule (rules.py)."""
    if isinstance(input, str):
        node = parse_expression(input, "<input>")
        items = node.items if isinstance(node, ast.TupleExpr) else (node,)
        evaluate = ExpressionEvaluator(lambda n: make_symbol(n.id, {}))
        sizes = []
        for item in items:
            try:
                value = evaluate(item)
                message = rules.refusal(value, rules.SIZE) if is_expr(value) else \
                    "expected a size (a positive whole number), found something else"
            except SymparamsError as err:
                raise err.located(input, "<input>") from None
            if message is not None:
                raise ArgumentError(f"input: {message}", item.span, input, "<input>")
            sizes.append(value)
        return tuple(sizes)
    if isinstance(input, (tuple, list)):
        if not input:
            raise ValueError("input must have at least one dimension")
        sizes = tuple(as_value(d, f"input[{k}]") for k, d in enumerate(input))
        for k, value in enumerate(sizes):
            message = rules.refusal(value, rules.SIZE)
            if message is not None:
                raise ValueError(f"input[{k}]: {message}")
        return sizes
    raise TypeError(f"input must be a tuple of sizes or a string such as '(H, W, C)', "
                    f"not {type(input).__name__}")


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

    # In a notebook the layer shows as the table of its one-layer model: input row, layer row, totals.
    def _repr_html_(self):
        return self.model._repr_html_()

    def _repr_markdown_(self):
        return self.model._repr_markdown_()

    def _repr_latex_(self):
        return self.model._repr_latex_()

__all__ = ["Program", "LayerResult", "parse", "load", "eval_layer", "parse_value", "as_value"]
