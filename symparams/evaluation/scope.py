"""Names and what they stand for: the file's definitions, the values given with --set,
the assumptions `symbols` declares, and each body's own names (a Frame)."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import sympy
from sympy.core.facts import InconsistentAssumptions

from .. import ast, catalog
from ..errors import ArgumentError, Span, UnknownNameError, did_you_mean
from ..expressions import FUNCTIONS, ExpressionEvaluator, describe, is_expr
from ..values import ArgValue, BlockSpec, LayerSpec, Tensor

ASSUMPTION_WORDS = ("positive", "nonnegative", "negative", "nonpositive", "nonzero", "integer", "real")


def repeat_index(name: str) -> sympy.Symbol:
    """The index of `repeat COUNT as NAME`: 0, 1, ..., COUNT-1."""
    return sympy.Symbol(name, integer=True, nonnegative=True)


def make_symbol(name: str, declared: dict) -> sympy.Symbol:
    """Every symbol is a positive integer unless `symbols NAME : ...` says otherwise."""
    assumptions = declared.get(name)
    if assumptions is None:
        return sympy.Symbol(name, integer=True, positive=True)
    return sympy.Symbol(name, **assumptions)


def declared_assumptions(module: ast.Module) -> dict:
    declared = {}
    for decl in module.symbols:
        words = {}
        for word in decl.assumptions:
            if word.id not in ASSUMPTION_WORDS:
                raise UnknownNameError(f"unknown assumption '{word.id}'{did_you_mean(word.id, ASSUMPTION_WORDS)}; "
                                       f"use {', '.join(ASSUMPTION_WORDS)}", word.span)
            words[word.id] = True
        if not words:
            words = {"integer": True, "positive": True}
        try:
            sympy.Symbol("probe", **words)
        except InconsistentAssumptions:
            where = Span(decl.assumptions[0].span.line, decl.assumptions[0].span.column,
                         decl.assumptions[-1].span.end_line, decl.assumptions[-1].span.end_column)
            raise ArgumentError(f"the assumptions {' '.join(w.id for w in decl.assumptions)} contradict each other",
                                where) from None
        for name in decl.names:
            declared[name.id] = words
    return declared


def definitions_by_name(module: ast.Module) -> dict:
    definitions = {}
    for definition in module.definitions:
        check_parameters(definition)
        check_not_a_layer(definition)
        if definition.name in definitions:
            raise ArgumentError(f"{definition.kind} '{definition.name}' is defined twice "
                                f"(first at line {definitions[definition.name].span.line})",
                                definition.name_span)
        definitions[definition.name] = definition
    return definitions


def check_not_a_layer(definition):
    """A block named like a catalog layer would silently replace it in every chain: refused."""
    layer = catalog.lookup(definition.name) if definition.kind == "block" else None
    if layer is not None:
        raise ArgumentError(f"block '{definition.name}' has the name of the catalog layer {layer.name}; "
                            f"a block cannot replace a layer, so rename it (e.g. {definition.name}_block)",
                            definition.name_span)


def check_parameters(definition):
    """A model's parameters are named once each."""
    seen = {}
    for param in definition.params:
        if param.name in seen:
            raise ArgumentError(f"parameter '{param.name}' is declared twice in {definition.kind} {definition.name}",
                                param.span)
        seen[param.name] = param


@dataclass
class Frame:
    """One model or block body being run: its names, its current tensor, its outputs."""
    env: dict
    current: Tensor | None
    layout: str
    is_model: bool
    returns: list | None = None
    first_statement: bool = True
    bound: list = field(default_factory=list)       # (name, tensor, span, what): inputs and branches
    reads: set = field(default_factory=set)         # id() of each tensor read by a chain, merge or return

    def read(self, value):
        if isinstance(value, Tensor):
            self.reads.add(id(value))

    def bind(self, name: str, tensor, span, what: str):
        self.env[name] = tensor
        self.bound.append((name, tensor, span, what))

    def unread(self):
        """The inputs and branches nothing read: (name, span, what)."""
        return [(name, span, what) for name, tensor, span, what in self.bound if id(tensor) not in self.reads]

    def tensor_names(self) -> list:
        return [k for k, v in self.env.items() if isinstance(v, Tensor)]

    @contextmanager
    def binding(self, name, value):
        """`name` bound to `value` for a while, then as it was."""
        saved = self.env.get(name)
        self.env[name] = value
        try:
            yield
        finally:
            if saved is None:
                del self.env[name]
            else:
                self.env[name] = saved


class Scope:
    """Resolves names in expressions: a frame's names first, then layers, then --set
    values, then a fresh symbol. Remembers which --set values were used."""

    def __init__(self, module: ast.Module, values: dict | None):
        self.values = dict(values or {})
        self.used_values: set = set()
        self.declared = declared_assumptions(module)
        self.definitions = definitions_by_name(module)

    def symbol(self, name: str) -> sympy.Symbol:
        return make_symbol(name, self.declared)

    def bind_parameters(self, definition: ast.Definition, frame: Frame, use_defaults: bool):
        """A model's parameters into `frame`: (the ones left symbolic, every declared default)."""
        symbols, defaults = [], {}
        for param in definition.params:
            if param.default is not None:
                defaults[param.name] = self.expr(param.default, frame)
                if not is_expr(defaults[param.name]):
                    raise ArgumentError(f"parameter {param.name}: a default must be a number or expression, "
                                        f"found {describe(defaults[param.name])}", param.default.span)
            if param.name in self.values:
                self.used_values.add(param.name)
                frame.env[param.name] = self.values[param.name]
            elif use_defaults and param.default is not None:
                frame.env[param.name] = defaults[param.name]
            else:
                symbol = self.symbol(param.name)
                symbols.append(symbol)
                frame.env[param.name] = symbol
        return symbols, defaults

    def eval_args(self, arg_nodes, frame: Frame) -> tuple:
        return tuple(ArgValue(a.keyword, self.expr(a.value, frame), a.span, a.keyword_span) for a in arg_nodes)

    def sizes(self, items, frame: Frame, what: str) -> tuple:
        """The sizes of a written shape, each a number or an expression."""
        sizes = []
        for item in items:
            value = self.expr(item, frame)
            if not is_expr(value):
                raise ArgumentError(f"{what} must be a number or expression, found {describe(value)}", item.span)
            sizes.append(value)
        return tuple(sizes)

    def expr(self, node, frame: Frame):
        return self._expressions(frame)(node)

    def decide(self, condition, frame: Frame) -> bool:
        """An `if`'s condition, decided now (LANGUAGE.md §6.2)."""
        return self._expressions(frame).decide(condition)

    def _expressions(self, frame: Frame) -> ExpressionEvaluator:
        return ExpressionEvaluator(lambda name_node: self._resolve(name_node, frame),
                                   lambda call_node: self._layer_value(call_node, frame))

    def _resolve(self, name_node, frame: Frame):
        name = name_node.id
        if name in frame.env:
            frame.read(frame.env[name])
            return frame.env[name]
        layer = catalog.lookup(name)
        if layer is not None:
            return LayerSpec(layer, (), name_node.span, name_node.span, name)
        if name in self.definitions:
            raise ArgumentError(f"'{name}' is a {self.definitions[name].kind}, not a value", name_node.span)
        if name in self.values:
            self.used_values.add(name)
            return self.values[name]
        return self.symbol(name)

    def _layer_value(self, call_node, frame: Frame):
        """A call inside an expression: a layer given as a value (`bidirectional(lstm(16))`)."""
        layer = catalog.lookup(call_node.func)
        block = self.definitions.get(call_node.func)
        if layer is None and block is not None and block.kind == "block":
            # A block call as a value: a layer that takes one (moe's expert) runs it.
            return BlockSpec(block, self.eval_args(call_node.args, frame), call_node.span, call_node.name_span)
        if layer is None:
            what = "a block; blocks go in chains, not in expressions" if call_node.func in self.definitions \
                else f"not a function or layer{did_you_mean(call_node.func, list(FUNCTIONS) + list(catalog.BY_NAME))}"
            raise UnknownNameError(f"'{call_node.func}' is {what}", call_node.name_span)
        return LayerSpec(layer, self.eval_args(call_node.args, frame), call_node.span, call_node.name_span,
                         call_node.func)
