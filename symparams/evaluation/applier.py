"""Catalog layers applied to tensors: arguments bound, the layer built through a Ctx,
what the build cannot check itself checked (in_channels=, expression size), a row written."""
from __future__ import annotations

from dataclasses import replace

from .. import limits
from ..catalog.base import Ctx, training as catalog_training
from ..errors import ArgumentError, LimitError, ShapeError
from ..expressions import as_expr, is_expr
from ..sizes import decide_equal, shapes_equal
from ..values import BlockSpec, LayerSpec, SharedLayer, Tensor
from .binding import bind_layer, check_merge_arguments
from .recorder import Recorder


class LayerApplier:
    def __init__(self, convention: str, recorder: Recorder):
        self.convention = convention
        self.recorder = recorder
        self._first_weights: dict[SharedLayer, tuple] = {}    # each shared layer's weights at its first use
        self.build_block = None     # build_block(spec, x) -> Built: a block call given as a value (BlockCaller's)

    def apply(self, layer, args, x, span, name_span, shared_as: str | None = None, weight_context=None,
              written: str | None = None) -> list[Tensor]:
        """Apply `layer` to x and write its row; its outputs (an LSTM with return_state has three).
        shared_as names a shared layer's use; `written` is the name the call used (its
        positional order follows that framework's signature)."""
        if x is None:
            raise ShapeError(f"no tensor to apply {layer.name} to: declare `input (...)` first", name_span)

        def naming(bound):
            name = shared_as or bound.name
            if name is None:
                return self.recorder.auto_name(layer.name)
            if shared_as is None:
                self.recorder.claim_name(name, bound.span("name") or span)
            return name
        built, ctx = self._build(layer, args, x, span, naming, written)
        _check_expression_size(ctx.layer_name, built, span)
        layout = x.layout if built.layout == "same" else built.layout
        shapes = built.shape if isinstance(built.shape, list) else [built.shape]
        outputs = [Tensor(tuple(s), layout, ctx.layer_name) for s in shapes]
        self.recorder.add_row(self.recorder.row(ctx.layer_name, layer.name, outputs, built.weights,
                                                as_expr(built.macs), span, weight_repeat=weight_context,
                                                training=catalog_training(built, ctx)))
        return outputs

    def apply_shared(self, shared: SharedLayer, x, span) -> Tensor:
        spec = shared.spec
        # The weights are counted once, under the repeats around the `let`, not around the use.
        out = self.apply(spec.definition, spec.args, x, span, spec.name_span, shared_as=shared.name,
                         weight_context=shared.repeat, written=spec.written)
        rows = self.recorder.rows
        weights = rows[-1].weights
        if shared not in self._first_weights:
            self._first_weights[shared] = weights
            return out
        first = self._first_weights[shared]
        if len(first) != len(weights) or not all(
                a.name == b.name and shapes_equal(a.shape, b.shape) for a, b in zip(first, weights)):
            raise ShapeError(f"shared layer '{shared.name}' is used on inputs that need different weights "
                             f"than its first use", span)
        rows[-1] = rows[-1].without_weights(shared_with=shared.name)
        return out

    def _build_nested(self, spec, x: Tensor, layer_name: str):
        """Build a layer given as a value (the `lstm(16)` of `bidirectional(lstm(16))`) on x,
        without adding a row: the wrapper reports it. Returns (Built, Ctx); a block call
        (BlockSpec, moe's expert) returns (Built, None)."""
        if isinstance(spec, BlockSpec):
            return self.build_block(spec, x), None
        return self._build(spec.definition, spec.args, x, spec.span, lambda bound: layer_name, spec.written)

    def _build(self, layer, args, x, span, naming, written=None):
        """Bind the arguments, build the layer on x, check in_channels= and the like against
        the inferred input, and apply trainable=. naming(bound) gives the layer's name."""
        tensors = [a for a in args if a.keyword is None and isinstance(a.value, Tensor)]
        others = [a for a in args if not (a.keyword is None and isinstance(a.value, Tensor))]
        if tensors and layer.inputs != "many":
            raise ArgumentError(f"{layer.name} takes no tensor arguments; '{tensors[0].value.producer}' is a tensor",
                                tensors[0].span)
        if layer.inputs == "many":
            check_merge_arguments(layer, others)
        bound, size_checks = bind_layer(layer, others, span, written, self.convention, x.layout)
        layer_name = naming(bound)
        for tensor in tensors:
            if tensor.value.layout != x.layout and tensor.value.rank >= 2 and x.layout and tensor.value.layout:
                raise ShapeError(f"{layer_name}: tensors in different layouts cannot be merged", tensor.span)

        def apply_spec(spec, inner_x, inner_name=None):
            return self._build_nested(spec, inner_x, inner_name or layer_name)
        ctx = Ctx(layer, x, (x, *[t.value for t in tensors]), bound, self.convention, layer_name, span,
                  apply_spec=apply_spec, shared_weights=self._first_weights.get)
        built = layer.build(ctx)
        ctx.check_arguments()
        _check_input_sizes(layer, ctx, size_checks)
        self.recorder.keep(ctx.constraints)
        if not bound.trainable:
            built.weights = [replace(wt, trainable=False) for wt in built.weights]
        return built, ctx


def _check_input_sizes(layer, ctx: Ctx, size_checks: dict):
    """in_channels=, in_features= and the like, given PyTorch-style: they must be what the input has."""
    for keyword, (value, arg_span) in size_checks.items():
        if layer.input_size is None:
            raise ArgumentError(f"{layer.name} has no input size to check against {keyword}=", arg_span)
        expected = layer.input_size(ctx)
        if is_expr(value) and decide_equal(value, expected) is False:
            raise ShapeError(f"{ctx.layer_name}: {keyword}={value}, but the input has {expected}", arg_span)


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
