"""Block calls: a block's body run on the tensor it is called on, in a frame of its own,
its rows labelled with the call (`Stage`, `Stage_1`, ...)."""
from __future__ import annotations

from collections import Counter
from typing import Callable

from .. import limits
from ..errors import LimitError, RecursionInBlocksError, ShapeError
from ..values import Tensor
from .binding import bind_block
from .recorder import Recorder
from .scope import Frame, Scope


class BlockCaller:
    def __init__(self, scope: Scope, recorder: Recorder, run_body: Callable):
        self.scope = scope
        self.recorder = recorder
        self.run_body = run_body          # run_body(statements, frame)
        self._calls: Counter = Counter()  # calls of each block so far: they label the rows
        self._active: list[str] = []      # the blocks being run, outermost first

    def call(self, definition, arg_nodes, x, frame: Frame, span) -> list[Tensor]:
        self._check_depth(definition, span)
        args = self.scope.eval_args(arg_nodes, frame)
        inner = Frame({}, x, frame.layout, is_model=False)
        bind_block(definition, args, inner.env, span, lambda node: self.scope.expr(node, inner))
        self._calls[definition.name] += 1
        count = self._calls[definition.name]
        label = definition.name if count == 1 else f"{definition.name}_{count - 1}"
        self._active.append(definition.name)
        try:
            with self.recorder.inside_block(label, definition.name) as path:
                self.run_body(definition.body, inner)
        finally:
            self._active.pop()
        results = _outputs(definition, inner, span)
        self.recorder.note_block_output(path, results)
        self.recorder.warn_unread(inner, results)
        return results

    def _check_depth(self, definition, span):
        stack = self._active
        if definition.name in stack:
            cycle = " -> ".join(stack[stack.index(definition.name):] + [definition.name])
            raise RecursionInBlocksError(f"block {definition.name} is recursive ({cycle}); blocks cannot call "
                                         f"themselves", span)
        if len(stack) >= limits.MAX_BLOCK_DEPTH:
            raise LimitError(f"blocks nest more than {limits.MAX_BLOCK_DEPTH} deep", span)


def _outputs(definition, inner: Frame, span) -> list[Tensor]:
    if inner.returns is not None:
        return list(inner.returns)
    if inner.current is None:
        raise ShapeError(f"block {definition.name} has no tensor to return", span)
    return [inner.current]


def only_output(definition, results: list, span) -> Tensor:
    """A block's result where a chain goes on: it must be one tensor."""
    if len(results) != 1:
        raise ShapeError(f"block {definition.name} returns {len(results)} tensors; a chain needs one "
                         f"(bind them with `a, b = {definition.name}(...)`)", span)
    return results[0]
