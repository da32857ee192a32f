"""AST -> figures. Runs a model's statements with the current-tensor rules of
LANGUAGE.md §4 and collects one row per layer. Each job is a collaborator's: names
(Scope), rows and rules (Recorder), layers (LayerApplier), repeats (RepeatRunner) and
blocks (BlockCaller); the last two call back into `exec_body` for the bodies they run."""
from __future__ import annotations

import sympy

from . import ast, catalog, limits, rules
from .errors import ArgumentError, ConstraintError, LimitError, ParseError, ShapeError, UnknownNameError, did_you_mean
from .evaluation.applier import LayerApplier
from .evaluation.blocks import BlockCaller, only_output
from .evaluation.recorder import Recorder
from .evaluation.repeats import RepeatRunner
from .evaluation.scope import Frame, Scope, make_symbol  # noqa: F401  (make_symbol: program's too)
from .expressions import FUNCTIONS, LITERALS
from .results import ModelResult
from .results_types import Constraint
from .rules import check_or_keep
from .values import CONVENTION_LAYOUT, LayerSpec, SharedLayer, Tensor, check_layout

CONVENTIONS = tuple(CONVENTION_LAYOUT)
_QUIET_BINDINGS = frozenset({"identity", "buffer"})


class Evaluator:
    def __init__(self, module: ast.Module, convention: str = "keras", values: dict | None = None,
                 use_defaults: bool = False):
        if convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {', '.join(CONVENTIONS)}, not {convention!r}")
        self.module = module
        self.convention = convention
        self.use_defaults = use_defaults
        self.scope = Scope(module, values)
        self.file_layout = CONVENTION_LAYOUT[convention]
        if module.layout is not None:
            self.file_layout = check_layout(module.layout.layout, module.layout.span)
        self.recorder = Recorder(convention)
        self.layers = LayerApplier(convention, self.recorder)
        self.repeats = RepeatRunner(self.scope, self.recorder, self.exec_body)
        self.blocks = BlockCaller(self.scope, self.recorder, self.exec_body)
        self.layers.build_block = lambda spec, x: self.blocks.run_as_value(spec, x, x.layout or self.file_layout)

    @property
    def used_values(self) -> set:
        """The --set values some name used (the rest name no symbol of the model)."""
        return self.scope.used_values

    def evaluate_model(self, definition: ast.Definition) -> ModelResult:
        check_expansion(definition, self.scope.definitions)
        frame = Frame({}, None, self.file_layout, is_model=True)
        symbols, defaults = self.scope.bind_parameters(definition, frame, self.use_defaults)
        self.exec_body(definition.body, frame)
        outputs = frame.returns if frame.returns is not None else ([frame.current] if frame.current else [])
        if not outputs:
            raise ShapeError(f"model {definition.name} has no input: start it with `input (...)`",
                             definition.name_span)
        record = self.recorder
        record.warn_unread(frame, outputs)
        return ModelResult(
            name=definition.name, convention=self.convention, rows=tuple(record.rows),
            output_shapes=tuple(record.shape(t) for t in outputs),
            constraints=tuple(record.constraints), parameters=tuple(symbols), defaults=defaults,
            source=self.module.source, filename=self.module.filename, warnings=tuple(record.warnings))

    # ---- statements ---------------------------------------------------------
    def exec_body(self, body, frame: Frame):
        for stmt in body:
            getattr(self, "exec_" + type(stmt).__name__)(stmt, frame)
            frame.first_statement = False

    def exec_LayoutStmt(self, stmt, frame):
        if not (frame.is_model and frame.first_statement):
            raise ParseError("`layout` must be the first statement of a model (or a top-level declaration)",
                             stmt.span)
        frame.layout = check_layout(stmt.layout, stmt.span)

    def exec_InputStmt(self, stmt, frame):
        if not frame.is_model:
            raise ParseError("`input` belongs in a model; a block starts from the tensor it is called on",
                             stmt.span)
        shape = self.scope.sizes(stmt.shape, frame, "an input size")
        for item, value in zip(stmt.shape, shape):
            obey(value, rules.SIZE, stmt.name or "input", "an input size", item.span, self.recorder.constraints)
        name = stmt.name or self.recorder.auto_name("input")
        if stmt.name:
            self.recorder.claim_name(stmt.name, stmt.span)
        tensor = Tensor(tuple(shape), frame.layout, name)
        self.recorder.add_row(self.recorder.row(name, "input", (tensor,), (), sympy.Integer(0), stmt.span))
        if stmt.name:
            frame.bind(stmt.name, tensor, stmt.span, "input")
        frame.current = tensor

    def exec_ChainStmt(self, stmt, frame):
        frame.current = self.run_chain(stmt.chain, frame)

    def exec_Binding(self, stmt, frame):
        tensor = self.run_chain(stmt.chain, frame)
        # `x = identity` only names the current tensor (a residual kept for later), and a buffer is
        # module state that nothing reads (rotary tables): nothing to warn of.
        if all((node.id if isinstance(node, ast.Name) else node.func) in _QUIET_BINDINGS for node in stmt.chain.nodes):
            frame.env[stmt.name] = tensor
        else:
            frame.bind(stmt.name, tensor, stmt.span, "branch")

    def exec_UnpackBinding(self, stmt, frame):
        results = self.chain_results(stmt.chain, frame)
        if len(results) != len(stmt.names):
            gives = f"{len(results)} result{'s' if len(results) != 1 else ''}"
            raise ShapeError(f"{len(stmt.names)} names for a chain that gives {gives} "
                             f"({', '.join(r.producer for r in results[:1])}"
                             f"{': write return_state=true for the states' if len(results) == 1 else ''})",
                             stmt.chain.span)
        for name, result in zip(stmt.names, results):
            if name.id != "_":           # `_` drops a result
                frame.bind(name.id, result, name.span, "result")

    def exec_IfStmt(self, stmt, frame):
        for condition, body in stmt.branches:
            if self.scope.decide(condition, frame):
                self.exec_body(body, frame)
                return
        self.exec_body(stmt.orelse, frame)

    def exec_ReturnStmt(self, stmt, frame):
        outputs = []
        for name in stmt.names:
            value = frame.env.get(name.id)
            if not isinstance(value, Tensor):
                raise UnknownNameError(f"return names an unknown tensor '{name.id}'"
                                       f"{did_you_mean(name.id, frame.tensor_names())}", name.span)
            outputs.append(value)
            frame.read(value)
        frame.returns = outputs

    def exec_LetStmt(self, stmt, frame):
        node = stmt.layer
        name = node.id if isinstance(node, ast.Name) else node.func
        definition = catalog.lookup(name)
        if definition is None:
            raise UnknownNameError(f"let takes a layer call; '{name}' is not a layer"
                                   f"{did_you_mean(name, catalog.BY_NAME)}", getattr(node, "name_span", node.span))
        args = self.scope.eval_args(node.args, frame) if isinstance(node, ast.Call) else ()
        spec = LayerSpec(definition, args, node.span, getattr(node, "name_span", node.span), name)
        frame.env[stmt.name] = SharedLayer(stmt.name, spec, stmt.span, tuple(self.recorder.repeat_stack))

    def exec_RepeatStmt(self, stmt, frame):
        self.repeats.run(stmt, frame)

    # ---- chains -------------------------------------------------------------
    def run_chain(self, chain: ast.Chain, frame: Frame) -> Tensor:
        return self.chain_results(chain, frame)[0]

    def chain_results(self, chain: ast.Chain, frame: Frame) -> list[Tensor]:
        """Every result of the chain's last link (an LSTM with return_state gives three); each
        link gets the previous link's first result."""
        nodes = list(chain.nodes)
        first = nodes[0]
        if isinstance(first, ast.Name) and isinstance(frame.env.get(first.id), Tensor):
            results = [frame.env[first.id]]
            nodes = nodes[1:]
        else:
            results = [frame.current]
            self._warn_unnamed_input(frame, chain)
        frame.read(results[0])
        for position, node in enumerate(nodes, 1):
            results = self.apply_node(node, results[0], frame)
            name = node.func if isinstance(node, ast.Call) else node.id
            if position < len(nodes) and name in self.scope.definitions:
                results = [only_output(self.scope.definitions[name], results, node.span)]
        return results

    def _warn_unnamed_input(self, frame, chain):
        """With several inputs, a chain that starts from the current tensor reads the last one
        declared without saying so (T5's encoder once read its bucket-index input)."""
        inputs = [(name, tensor) for name, tensor, _, what in frame.bound if what == "input"]
        read = next((name for name, tensor in inputs if tensor is frame.current), None)
        if frame.is_model and len(inputs) > 1 and read is not None:
            self.recorder.warn(f"this chain reads input '{read}' (the last one declared) without naming it: "
                               f"write `{read} -> ...`", chain.span)

    def apply_node(self, node, x, frame) -> list[Tensor]:
        """One link of a chain: a shared layer, a block call or a catalog layer, applied to x."""
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
            return self.layers.apply_shared(bound, x, node.span)
        definition = self.scope.definitions.get(name)
        if definition is not None:
            if definition.kind == "model":
                raise UnknownNameError(f"'{name}' is a model; only blocks can be called in a chain "
                                       f"(declare it with `block`)", name_span)
            return self.blocks.call(definition, node.args if is_call else (), x, frame, node.span)
        layer = catalog.lookup(name)
        if layer is not None:
            args = self.scope.eval_args(node.args, frame) if is_call else ()
            return self.layers.apply(layer, args, x, node.span, name_span, written=name)
        self._unknown_link(name, name_span, is_call, frame)

    def _unknown_link(self, name, name_span, is_call, frame):
        if name in FUNCTIONS:
            raise ArgumentError(f"{name}() is a function for expressions, not a layer", name_span)
        if name in LITERALS:
            raise ArgumentError(f"'{name}' is a value, not a layer", name_span)
        candidates = [*catalog.CANONICAL, *self.scope.definitions, *frame.tensor_names()]
        kind = "layer or block" if is_call else "layer, block or tensor"
        raise UnknownNameError(f"unknown {kind} '{name}'{did_you_mean(name, candidates, catalog.BY_NAME)}",
                               name_span)


def check_expansion(model: ast.Definition, definitions: dict):
    """Refuse, before any work, a model whose block calls multiply past the layer bound (a block
    calling another twice, forty deep, is 2**40 layers): rows are counted on the tree, a repeat
    with a literal count multiplying its suite, every other repeat counting once."""
    memo: dict = {}
    bound = limits.MAX_LAYERS

    def rows(body, stack) -> int:
        total = 0
        for stmt in body:
            if isinstance(stmt, ast.RepeatStmt):
                count = stmt.count.value if isinstance(stmt.count, ast.Number) else 1
                total += max(int(count), 1) * rows(stmt.body, stack) if count < bound else rows(stmt.body, stack)
            elif isinstance(stmt, (ast.ChainStmt, ast.Binding, ast.UnpackBinding)):
                total += sum(node_rows(node, stack) for node in stmt.chain.nodes)
            elif isinstance(stmt, ast.IfStmt):      # every branch, as if each ran: an upper bound
                total += sum(rows(body, stack) for body in (*(b for _, b in stmt.branches), stmt.orelse))
            else:
                total += 1
            total = min(total, bound + 1)
        return total

    def node_rows(node, stack) -> int:
        name = node.func if isinstance(node, ast.Call) else node.id
        block = definitions.get(name)
        if block is None or block.kind != "block" or name in stack:
            return 1
        if name not in memo:
            memo[name] = rows(block.body, stack | {name})
        return memo[name]
    found = rows(model.body, frozenset())
    if found > bound:
        raise LimitError(f"model {model.name} expands to more than {bound} layers through its block calls and "
                         f"repeats (limit: MAX_LAYERS)", model.name_span)


def obey(value, rule, layer, what, span, constraints):
    """The size rule (rules.py) on a number written outside a layer call: refused now, or kept as a
    condition on the symbols (listed under Requires)."""
    message = rules.refusal(value, rule)
    if message is not None:
        raise ConstraintError(message if layer == "repeat" else f"{layer}: {message}", span)
    for kind, expr in rules.pending(value, rule):
        check_or_keep(Constraint(kind, expr, layer, f"{what} {expr}", span, shown=True), constraints)
