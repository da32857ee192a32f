"""AST -> figures. Walks a model with the current-tensor rules of LANGUAGE.md §4,
applies catalog layers and blocks, and collects one row per layer."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import sympy

from . import ast, catalog, limits
from .catalog.base import (INPUT_SIZE_KEYWORDS, NO_EFFECT_KEYWORDS, REQUIRED, Args, Ctx, format_shape,
                           shapes_equal)
from .errors import (ArgumentError, LimitError, ParseError, RecursionInBlocksError, ShapeError,
                     SymparamsError, UnknownNameError, did_you_mean)
from .expressions import FUNCTIONS, LITERALS, ExpressionEvaluator, as_expr, describe, is_expr
from .results import LayerRow, ModelResult, RepeatContext
from .results_types import Constraint
from .stages import Stage
from .values import CONVENTION_LAYOUT, LAYOUTS, ArgValue, LayerSpec, SharedLayer, Tensor

CONVENTIONS = tuple(CONVENTION_LAYOUT)
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
        for name in decl.names:
            declared[name.id] = words
    return declared


@dataclass
class Frame:
    """One model or block body being run: its names, its current tensor, its outputs."""
    env: dict
    current: Tensor | None
    layout: str
    is_model: bool
    returns: list | None = None
    first_statement: bool = True


@dataclass
class _Run:
    rows: list = field(default_factory=list)
    constraints: list = field(default_factory=list)
    counters: Counter = field(default_factory=Counter)
    used_names: set = field(default_factory=set)
    block_counters: Counter = field(default_factory=Counter)
    repeat_stack: list = field(default_factory=list)
    block_stack: list = field(default_factory=list)
    path: tuple = ()
    blocks: tuple = ()
    unrolled: int = 0
    inputs: list = field(default_factory=list)


class Evaluator:
    def __init__(self, module: ast.Module, convention: str = "keras", values: dict | None = None,
                 use_defaults: bool = False):
        if convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {', '.join(CONVENTIONS)}, not {convention!r}")
        self.module = module
        self.convention = convention
        self.values = dict(values or {})
        self.use_defaults = use_defaults
        self.declared = declared_assumptions(module)
        self.definitions = {}
        for definition in module.definitions:
            if definition.name in self.definitions:
                raise ArgumentError(f"{definition.kind} '{definition.name}' is defined twice "
                                    f"(first at line {self.definitions[definition.name].span.line})",
                                    definition.name_span)
            self.definitions[definition.name] = definition
        self.file_layout = CONVENTION_LAYOUT[convention]
        if module.layout is not None:
            self.file_layout = self._check_layout(module.layout.layout, module.layout.span)
        self.run = _Run()
        self.used_values: set = set()

    # ---- entry point --------------------------------------------------------
    def evaluate_model(self, definition: ast.Definition) -> ModelResult:
        frame = Frame({}, None, self.file_layout, is_model=True)
        symbols, defaults = [], {}
        for param in definition.params:
            symbol = make_symbol(param.name, self.declared)
            if param.default is not None:
                defaults[param.name] = self.expr(param.default, frame)
            if param.name in self.values:
                self.used_values.add(param.name)
                frame.env[param.name] = self.values[param.name]
            elif self.use_defaults and param.default is not None:
                frame.env[param.name] = defaults[param.name]
            else:
                # Only parameters left symbolic are the model's symbols.
                symbols.append(symbol)
                frame.env[param.name] = symbol
        self.exec_body(definition.body, frame)
        outputs = frame.returns if frame.returns is not None else ([frame.current] if frame.current else [])
        if not outputs:
            raise ShapeError(f"model {definition.name} has no input: start it with `input (...)`",
                             definition.name_span)
        return ModelResult(
            name=definition.name, convention=self.convention, rows=tuple(self.run.rows),
            output_shapes=tuple(self.display_shape(t) for t in outputs),
            constraints=tuple(self.run.constraints), parameters=tuple(symbols), defaults=defaults,
            source=self.module.source, filename=self.module.filename)

    # ---- statements ---------------------------------------------------------
    def exec_body(self, body, frame: Frame):
        for stmt in body:
            try:
                getattr(self, "exec_" + type(stmt).__name__)(stmt, frame)
            except RecursionError:
                raise LimitError("the program nests too deeply to evaluate", stmt.span) from None
            frame.first_statement = False

    def exec_LayoutStmt(self, stmt, frame):
        if not (frame.is_model and frame.first_statement):
            raise ParseError("`layout` must be the first statement of a model (or a top-level declaration)",
                             stmt.span)
        frame.layout = self._check_layout(stmt.layout, stmt.span)

    def exec_InputStmt(self, stmt, frame):
        if not frame.is_model:
            raise ParseError("`input` belongs in a model; a block starts from the tensor it is called on",
                             stmt.span)
        shape = self._sizes(stmt.shape, frame, "an input size")
        for item, value in zip(stmt.shape, shape):
            Constraint("positive", value, stmt.name or "input", "an input size", item.span).enforce(
                self.run.constraints, f"input size {value} is not positive")
        name = stmt.name or self._auto_name("input")
        if stmt.name:
            self._claim_name(stmt.name, stmt.span)
        tensor = Tensor(tuple(shape), frame.layout, name)
        self.run.inputs.append(tensor)
        self._add_row(LayerRow(name, "input", (self.display_shape(tensor),), (), sympy.Integer(0),
                               self.run.path, tuple(self.run.repeat_stack), stmt.span))
        if stmt.name:
            frame.env[stmt.name] = tensor
        frame.current = tensor

    def exec_ChainStmt(self, stmt, frame):
        frame.current = self.run_chain(stmt.chain, frame)

    def exec_Binding(self, stmt, frame):
        frame.env[stmt.name] = self.run_chain(stmt.chain, frame)

    def exec_ReturnStmt(self, stmt, frame):
        outputs = []
        for name in stmt.names:
            value = frame.env.get(name.id)
            if not isinstance(value, Tensor):
                raise UnknownNameError(f"return names an unknown tensor '{name.id}'"
                                       f"{did_you_mean(name.id, self._tensor_names(frame))}", name.span)
            outputs.append(value)
        frame.returns = outputs

    def exec_LetStmt(self, stmt, frame):
        node = stmt.layer
        name = node.id if isinstance(node, ast.Name) else node.func
        definition = catalog.lookup(name)
        if definition is None:
            raise UnknownNameError(f"let takes a layer call; '{name}' is not a layer"
                                   f"{did_you_mean(name, catalog.BY_NAME)}", getattr(node, "name_span", node.span))
        args = self.eval_args(node.args, frame) if isinstance(node, ast.Call) else ()
        spec = LayerSpec(definition, args, node.span, getattr(node, "name_span", node.span))
        frame.env[stmt.name] = SharedLayer(stmt.name, spec, stmt.span, tuple(self.run.repeat_stack))

    def exec_RepeatStmt(self, stmt, frame):
        count = self.expr(stmt.count, frame)
        if not is_expr(count):
            raise ArgumentError(f"a repeat count must be a number or expression, found {describe(count)}",
                                stmt.count.span)
        if count.is_number:
            if not count.is_integer or count < 0:
                raise ArgumentError(f"a repeat count must be a whole number, found {count}", stmt.count.span)
            self._unroll(stmt, int(count), frame)
        else:
            self._repeat_symbolically(stmt, count, frame)

    def _unroll(self, stmt, n, frame):
        self.run.unrolled += n
        if self.run.unrolled > limits.MAX_UNROLL:
            raise LimitError(f"repeat unrolls more than {limits.MAX_UNROLL} iterations in all; "
                             f"use a symbolic count (e.g. `repeat L:` with L unset) to count without unrolling",
                             stmt.count.span)
        stage = self._stage(stmt, n, frame)
        pass_rows = 0     # before the repeat: every earlier row holds under what entering it needs
        for j in range(n):
            if stage is not None:
                frame.current = stage.enter(frame.current, j, pass_rows)
                pass_rows = len(self.run.rows)
            if stmt.var:
                frame.env[stmt.var] = sympy.Integer(j)
            self.exec_body(stmt.body, frame)
        if stage is not None:
            frame.current = stage.enter(frame.current, n, pass_rows)

    def _repeat_symbolically(self, stmt, count, frame):
        if count.is_integer is False or count.is_positive is False:
            raise ArgumentError(f"a repeat count must be a positive whole number, found {count}", stmt.count.span)
        if frame.current is None:
            raise ShapeError("repeat needs a current tensor: declare `input (...)` first", stmt.span)
        before = frame.current
        stage = self._stage(stmt, count, frame)
        index = None
        if stmt.var:
            index = stage.index if stage is not None else repeat_index(stmt.var)
            if stage is not None:
                stage.enter(frame.current, 0, pass_rows=0)
                frame.current = stage.at(index)
            frame.env[stmt.var] = index
        self.run.repeat_stack.append(RepeatContext(count, index))
        pass_rows = len(self.run.rows)
        try:
            self.exec_body(stmt.body, frame)
        finally:
            self.run.repeat_stack.pop()
        if stage is not None:
            # Iteration i's output must be iteration i+1's stated input; what that needs holds up to i = count-1.
            stage.enter(frame.current, index + 1, pass_rows, last=count - 1)
            frame.current = stage.at(count)
            return
        after = frame.current
        if after is None or not shapes_equal(before.shape, after.shape):
            shown = format_shape(after.shape) if after is not None else "nothing"
            hint = (f"state iteration {stmt.var}'s input with `repeat {count} as {stmt.var}, input (...)`"
                    if stmt.var else f"state iteration i's input with `repeat {count} as i, input (...)`")
            raise ShapeError(
                f"repeat {count}: a symbolic count needs a suite that keeps the shape, but one pass turns "
                f"{format_shape(self.display_shape(before))} into "
                f"{format_shape(self.display_shape(after)) if after is not None else shown} "
                f"(give {count} a value with --set to unroll it, or {hint})", stmt.span)

    def _sizes(self, items, frame, what) -> tuple:
        """The sizes of a written shape, each a number or an expression."""
        sizes = []
        for item in items:
            value = self.expr(item, frame)
            if not is_expr(value):
                raise ArgumentError(f"{what} must be a number or expression, found {describe(value)}", item.span)
            sizes.append(value)
        return tuple(sizes)

    def _stage(self, stmt, count, frame) -> "Stage | None":
        """The stated input shape of a stage repeat, as a function of its index (§6)."""
        if stmt.stage_input is None:
            return None
        if frame.current is None:
            raise ShapeError("repeat needs a current tensor: declare `input (...)` first", stmt.span)
        index = repeat_index(stmt.var)
        saved = frame.env.get(stmt.var)
        frame.env[stmt.var] = index
        try:
            sizes = self._sizes(stmt.stage_input, frame, "a stage size")
        finally:
            if saved is None:
                del frame.env[stmt.var]
            else:
                frame.env[stmt.var] = saved
        before = frame.current
        layout = frame.layout if before.layout is not None else None
        return Stage(self, stmt, f"repeat {count} as {stmt.var}", index, sizes, layout, before.producer)

    # ---- chains -------------------------------------------------------------
    def run_chain(self, chain: ast.Chain, frame: Frame) -> Tensor:
        nodes = list(chain.nodes)
        first = nodes[0]
        if isinstance(first, ast.Name) and isinstance(frame.env.get(first.id), Tensor):
            x = frame.env[first.id]
            nodes = nodes[1:]
        else:
            x = frame.current
        for node in nodes:
            x = self.apply_node(node, x, frame)
        return x

    def apply_node(self, node, x, frame) -> Tensor:
        is_call = isinstance(node, ast.Call)
        name = node.func if is_call else node.id
        name_span = node.name_span if is_call else node.span
        bound = frame.env.get(name)
        if isinstance(bound, Tensor):
            raise ShapeError(f"tensor '{name}' can only start a chain (`{name} -> ...`)", name_span)
        if isinstance(bound, SharedLayer):
            if is_call:
                raise ArgumentError(f"'{name}' is a shared layer (let); use it by name, without arguments",
                                    name_span)
            return self.apply_shared(bound, x, node.span)
        definition = self.definitions.get(name)
        if definition is not None:
            if definition.kind == "model":
                raise UnknownNameError(f"'{name}' is a model; only blocks can be called in a chain "
                                       f"(declare it with `block`)", name_span)
            return self.call_block(definition, node.args if is_call else (), x, frame, node.span)
        layer = catalog.lookup(name)
        if layer is not None:
            args = self.eval_args(node.args, frame) if is_call else ()
            return self.apply_layer(layer, args, x, node.span, name_span)
        if name in FUNCTIONS:
            raise ArgumentError(f"{name}() is a function for expressions, not a layer", name_span)
        if name in LITERALS:
            raise ArgumentError(f"'{name}' is a value, not a layer", name_span)
        candidates = [*catalog.CANONICAL, *self.definitions, *self._tensor_names(frame)]
        kind = "layer or block" if is_call else "layer, block or tensor"
        raise UnknownNameError(f"unknown {kind} '{name}'{did_you_mean(name, candidates, catalog.BY_NAME)}",
                               name_span)

    # ---- layers -------------------------------------------------------------
    def apply_layer(self, layer, args, x, span, name_span, shared_as: str | None = None,
                    weight_context=None) -> Tensor:
        if x is None:
            raise ShapeError(f"no tensor to apply {layer.name} to: declare `input (...)` first", name_span)

        def naming(bound):
            name = shared_as or bound.name
            if name is None:
                return self._auto_name(layer.name)
            if shared_as is None:
                self._claim_name(name, bound.span("name") or span)
            return name
        built, ctx = self._build(layer, args, x, span, naming)
        self._check_expression_size(ctx.layer_name, built, span)
        layout = x.layout if built.layout == "same" else built.layout
        shapes = built.shape if isinstance(built.shape, list) else [built.shape]
        outputs = [Tensor(tuple(s), layout, ctx.layer_name) for s in shapes]
        repeat = tuple(self.run.repeat_stack)
        row = LayerRow(ctx.layer_name, layer.name, tuple(self.display_shape(t) for t in outputs),
                       tuple(built.weights), as_expr(built.macs), self.run.path, repeat, span,
                       weight_repeat=weight_context)
        self._add_row(row)
        return outputs[0]

    def build_spec(self, spec: LayerSpec, x: Tensor, layer_name: str):
        """Build a layer given as a value (the `lstm(16)` of `bidirectional(lstm(16))`) on x,
        without adding a row: the wrapper reports it. Returns (Built, Ctx)."""
        return self._build(spec.definition, spec.args, x, spec.span, lambda bound: layer_name)

    def _build(self, layer, args, x, span, naming):
        """Bind the arguments, build the layer on x, check in_channels= and the like against
        the inferred input, and apply trainable=. naming(bound) gives the layer's name."""
        tensors = [a for a in args if a.keyword is None and isinstance(a.value, Tensor)]
        others = [a for a in args if not (a.keyword is None and isinstance(a.value, Tensor))]
        if tensors and layer.inputs != "many":
            raise ArgumentError(f"{layer.name} takes no tensor arguments; '{tensors[0].value.producer}' is a tensor",
                                tensors[0].span)
        if layer.inputs == "many":
            self._check_merge_arguments(layer, others)
        bound, size_checks = self.bind(layer, others, span)
        layer_name = naming(bound)
        for tensor in tensors:
            if tensor.value.layout != x.layout and tensor.value.rank >= 2 and x.layout and tensor.value.layout:
                raise ShapeError(f"{layer_name}: tensors in different layouts cannot be merged", tensor.span)
        ctx = Ctx(layer, x, (x, *[t.value for t in tensors]), bound, self.convention, layer_name, span)
        ctx.apply_spec = lambda spec, inner_x, inner_name=None: self.build_spec(spec, inner_x, inner_name or layer_name)
        built = layer.build(ctx)
        for keyword, (value, arg_span) in size_checks.items():
            if layer.input_size is None:
                raise ArgumentError(f"{layer.name} has no input size to check against {keyword}=", arg_span)
            expected = layer.input_size(ctx)
            if is_expr(value) and sympy.expand(value - expected).is_zero is False:
                raise ShapeError(f"{layer_name}: {keyword}={value}, but the input has {expected}", arg_span)
        self.run.constraints.extend(self._over_repeats(c) for c in ctx.constraints)
        if not bound.trainable:
            built.weights = [replace(wt, trainable=False) for wt in built.weights]
        return built, ctx

    @staticmethod
    def _check_expression_size(layer_name, built, span):
        """Refuse figures too large or too deeply nested: printing, comparing or simplifying
        them would take minutes (SymPy's work grows sharply with nesting)."""
        shapes = built.shape if isinstance(built.shape, list) else [built.shape]
        stack = [(as_expr(e), 1) for e in (built.macs, *(d for s in shapes for d in s))]
        nodes = 0
        while stack:
            expr, depth = stack.pop()
            nodes += 1
            if nodes > limits.MAX_EXPR_NODES or depth > limits.MAX_EXPR_NESTING:
                what, which = ((f"{limits.MAX_EXPR_NODES} nodes", "MAX_EXPR_NODES") if nodes > limits.MAX_EXPR_NODES
                               else (f"{limits.MAX_EXPR_NESTING} levels deep", "MAX_EXPR_NESTING"))
                raise LimitError(f"{layer_name}: an output size or MAC count grew past {what} (limit: {which}); "
                                 f"give its symbols values with --set", span)
            stack.extend((arg, depth + 1) for arg in expr.args)

    def _check_merge_arguments(self, layer, args):
        """Positional arguments past a merge layer's own parameters must be tensors:
        a bare name there that is not a bound tensor is a typo, not a symbol."""
        own = [p for p in layer.params if not p.keyword_only]
        positional = [a for a in args if a.keyword is None]
        for a in positional[len(own):]:
            if isinstance(a.value, sympy.Symbol):
                raise UnknownNameError(f"{layer.name}: no tensor named '{a.value.name}'", a.span)
            raise ArgumentError(f"{layer.name}: expected a tensor name, found {describe(a.value)}", a.span)

    def apply_shared(self, shared: SharedLayer, x, span) -> Tensor:
        spec = shared.spec
        # The weights are counted once, under the repeats around the `let`, not around the use.
        out = self.apply_layer(spec.definition, spec.args, x, span, spec.name_span, shared_as=shared.name,
                               weight_context=shared.repeat)
        row = self.run.rows[-1]
        if shared.built_row is None:
            shared.built_row = row
        else:
            first = shared.built_row.weights
            if len(first) != len(row.weights) or not all(
                    a.name == b.name and shapes_equal(a.shape, b.shape) for a, b in zip(first, row.weights)):
                raise ShapeError(f"shared layer '{shared.name}' is used on inputs that need different weights "
                                 f"than its first use", span)
            self.run.rows[-1] = row.without_weights(shared_with=shared.name)
        return out

    def bind(self, layer, args, span):
        """Positional arguments in Keras's order, keywords by Keras or PyTorch name."""
        params = layer.all_params()
        keywords = layer.keywords()
        values, spans, size_checks = {}, {}, {}
        positional = [a for a in args if a.keyword is None]
        seen_keyword = False
        for a in args:
            if a.keyword is not None:
                seen_keyword = True
            elif seen_keyword:
                raise ArgumentError(f"{layer.name}: a positional argument cannot follow keyword arguments", a.span)
        own = [p for p in layer.params if not p.keyword_only]
        if len(positional) > len(own):
            names = ", ".join(p.name for p in own) or "none"
            raise ArgumentError(f"{layer.name} takes at most {len(own)} positional arguments ({names}), "
                                f"found {len(positional)}", positional[len(own)].span)
        for param, a in zip(own, positional):
            values[param.name], spans[param.name] = a.value, a.span
        for a in args:
            if a.keyword is None:
                continue
            if a.keyword in INPUT_SIZE_KEYWORDS and a.keyword not in keywords:
                size_checks[a.keyword] = (a.value, a.span)
                continue
            param = keywords.get(a.keyword)
            if param is None:
                if a.keyword in NO_EFFECT_KEYWORDS:
                    continue
                raise UnknownNameError(f"{layer.name} has no argument '{a.keyword}'"
                                       f"{did_you_mean(a.keyword, [p.name for p in params], keywords)}",
                                       a.keyword_span or a.span)
            if param.name in values:
                raise ArgumentError(f"{layer.name}: argument '{param.name}' is given twice", a.keyword_span or a.span)
            values[param.name], spans[param.name] = a.value, a.span
        for param in params:
            if param.name not in values:
                if param.default is REQUIRED:
                    raise ArgumentError(f"{layer.name}() is missing its required argument '{param.name}'", span)
                values[param.name] = _as_value(param.default)

        def coerce(param):
            def fail(message):
                raise ArgumentError(f"{layer.name}: argument '{param.name}': {message}", spans.get(param.name, span))
            return param.kind(values[param.name], fail)
        return Args({p.name: coerce(p) for p in params}, spans), size_checks

    def _over_repeats(self, constraint: Constraint) -> Constraint:
        """A rule made inside `repeat COUNT as i` holds for each i: it keeps the ranges to check."""
        ranges = tuple((ctx.index, ctx.count) for ctx in self.run.repeat_stack
                       if ctx.index is not None and ctx.index in constraint.expr.free_symbols)
        return replace(constraint, ranges=ranges) if ranges else constraint

    # ---- blocks -------------------------------------------------------------
    def call_block(self, definition, arg_nodes, x, frame, span) -> Tensor:
        stack = self.run.block_stack
        if definition.name in stack:
            cycle = " -> ".join(stack[stack.index(definition.name):] + [definition.name])
            raise RecursionInBlocksError(f"block {definition.name} is recursive ({cycle}); blocks cannot call "
                                         f"themselves", span)
        if len(stack) >= limits.MAX_BLOCK_DEPTH:
            raise LimitError(f"blocks nest more than {limits.MAX_BLOCK_DEPTH} deep", span)
        args = self.eval_args(arg_nodes, frame)
        inner = Frame({}, x, frame.layout, is_model=False)
        self._bind_block_args(definition, args, inner, span)
        self.run.block_counters[definition.name] += 1
        count = self.run.block_counters[definition.name]
        label = definition.name if count == 1 else f"{definition.name}_{count - 1}"
        saved_path, saved_blocks = self.run.path, self.run.blocks
        self.run.path = saved_path + (label,)
        self.run.blocks = saved_blocks + (definition.name,)
        stack.append(definition.name)
        try:
            self.exec_body(definition.body, inner)
        finally:
            stack.pop()
            self.run.path, self.run.blocks = saved_path, saved_blocks
        if inner.returns is not None:
            if len(inner.returns) != 1:
                raise ShapeError(f"block {definition.name} returns {len(inner.returns)} tensors; a chain needs one",
                                 span)
            result = inner.returns[0]
        elif inner.current is None:
            raise ShapeError(f"block {definition.name} has no tensor to return", span)
        else:
            result = inner.current
        self._note_block_output(saved_path + (label,), result)
        return result

    def _note_block_output(self, path, result):
        """A block's output is not always its last layer's (a `return`, a stage repeat's last
        stated shape): the last row keeps it for the block's row in tables."""
        rows = self.run.rows
        if rows and rows[-1].path[:len(path)] == path:
            last = rows[-1]
            rows[-1] = replace(last, block_outputs=last.block_outputs + ((path, (self.display_shape(result),)),))

    def _bind_block_args(self, definition, args, inner, span):
        params = definition.params
        names = [p.name for p in params]
        positional = [a for a in args if a.keyword is None]
        if len(positional) > len(params):
            raise ArgumentError(f"block {definition.name} takes {len(params)} arguments ({', '.join(names)}), "
                                f"found {len(positional)}", positional[len(params)].span)
        given = {}
        for param, a in zip(params, positional):
            given[param.name] = a.value
        for a in args:
            if a.keyword is None:
                continue
            if a.keyword not in names:
                raise UnknownNameError(f"block {definition.name} has no parameter '{a.keyword}'"
                                       f"{did_you_mean(a.keyword, names)}", a.keyword_span or a.span)
            if a.keyword in given:
                raise ArgumentError(f"block {definition.name}: parameter '{a.keyword}' is given twice",
                                    a.keyword_span or a.span)
            given[a.keyword] = a.value
        for param in params:
            if param.name in given:
                inner.env[param.name] = given[param.name]
            elif param.default is not None:
                # Defaults see the parameters bound before them: `block B(c, d=2*c)`.
                inner.env[param.name] = self.expr(param.default, inner)
            else:
                raise ArgumentError(f"block {definition.name} is missing its argument '{param.name}'", span)

    # ---- expressions --------------------------------------------------------
    def eval_args(self, arg_nodes, frame) -> tuple:
        return tuple(ArgValue(a.keyword, self.expr(a.value, frame), a.span, a.keyword_span) for a in arg_nodes)

    def expr(self, node, frame):
        def resolve(name_node):
            name = name_node.id
            if name in frame.env:
                value = frame.env[name]
                if isinstance(value, SharedLayer):
                    return value
                return value
            layer = catalog.lookup(name)
            if layer is not None:
                return LayerSpec(layer, (), name_node.span, name_node.span)
            if name in self.definitions:
                raise ArgumentError(f"'{name}' is a {self.definitions[name].kind}, not a value", name_node.span)
            if name in self.values:
                self.used_values.add(name)
                return self.values[name]
            return make_symbol(name, self.declared)

        def call_hook(call_node):
            layer = catalog.lookup(call_node.func)
            if layer is None:
                what = "a block; blocks go in chains, not in expressions" if call_node.func in self.definitions \
                    else f"not a function or layer{did_you_mean(call_node.func, list(FUNCTIONS) + list(catalog.BY_NAME))}"
                raise UnknownNameError(f"'{call_node.func}' is {what}", call_node.name_span)
            return LayerSpec(layer, self.eval_args(call_node.args, frame), call_node.span, call_node.name_span)

        return ExpressionEvaluator(resolve, call_hook)(node)

    # ---- helpers ------------------------------------------------------------
    def display_shape(self, tensor: Tensor) -> tuple:
        """Shapes are reported in the convention's layout (§8)."""
        target = CONVENTION_LAYOUT[self.convention]
        shape = tuple(tensor.shape)
        if tensor.layout is None or tensor.layout == target or len(shape) < 2:
            return shape
        if target == "channels_first":
            return (shape[-1], *shape[:-1])
        return (*shape[1:], shape[0])

    def _check_layout(self, name, span):
        if name not in LAYOUTS:
            raise UnknownNameError(f"unknown layout '{name}'{did_you_mean(name, LAYOUTS)}; "
                                   f"use channels_last or channels_first", span)
        return name

    def _auto_name(self, base: str) -> str:
        while True:
            n = self.run.counters[base]
            self.run.counters[base] += 1
            name = base if n == 0 else f"{base}_{n}"
            if (self.run.path, name) not in self.run.used_names:
                self.run.used_names.add((self.run.path, name))
                return name

    def _claim_name(self, name, span):
        # Explicit names are unique within one block call, as nested modules are in both
        # frameworks: every call of a block may name its own `gate_proj`.
        key = (self.run.path, name)
        if key in self.run.used_names:
            raise ArgumentError(f"layer name '{name}' is used twice; layer names must be unique", span)
        self.run.used_names.add(key)

    def _add_row(self, row):
        if len(self.run.rows) >= limits.MAX_LAYERS:
            raise LimitError(f"the model has more than {limits.MAX_LAYERS} layers", row.span)
        if self.run.blocks:
            row = replace(row, blocks=self.run.blocks)
        self.run.rows.append(row)

    @staticmethod
    def _tensor_names(frame) -> list:
        return [k for k, v in frame.env.items() if isinstance(v, Tensor)]


def _as_value(default):
    if isinstance(default, bool) or default is None or isinstance(default, str):
        return default
    if isinstance(default, int):
        return sympy.Integer(default)
    if isinstance(default, tuple):
        return tuple(_as_value(d) for d in default)
    return default


def reraise(err: SymparamsError, module: ast.Module):
    raise err.located(module.source, module.filename)
