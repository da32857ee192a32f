"""Block calls: a block's body run on the tensor it is called on, in a frame of its own,
its rows labelled with the call (`Stage`, `Stage_1`, ...)."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Callable

import sympy

from .. import limits
from ..catalog.base import Built
from ..results_types import Saved
from ..errors import LimitError, RecursionInBlocksError, ShapeError
from ..values import BlockSpec, Tensor
from .binding import bind_block, block_trainable
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
        return self.run(definition, self.scope.eval_args(arg_nodes, frame), x, frame.layout, span)

    def run(self, definition, args, x, layout, span) -> list[Tensor]:
        self._check_depth(definition, span)
        args, trainable = block_trainable(definition, args)
        inner = Frame({}, x, layout, is_model=False)
        bind_block(definition, args, inner.env, span, lambda node: self.scope.expr(node, inner))
        first_row = len(self.recorder.rows)
        self._calls[definition.name] += 1
        count = self._calls[definition.name]
        label = definition.name if count == 1 else f"{definition.name}_{count - 1}"
        self._active.append(definition.name)
        try:
            with self.recorder.inside_block(label, definition.name) as path:
                self.run_body(definition.body, inner)
        finally:
            self._active.pop()
        if not trainable:
            self.recorder.freeze_rows(first_row)
        results = _outputs(definition, inner, span)
        self.recorder.note_block_output(path, results)
        self.recorder.warn_unread(inner, results)
        return results

    def run_as_value(self, spec: BlockSpec, x: Tensor, layout) -> Built:
        """Run a block given as a value on x and fold its rows into one Built: its weights are
        named by their layer's place inside the block (`gate_proj.weight` in torch,
        `gate_proj/kernel` in keras), its MACs summed. Names inside it start afresh, so every
        copy of the block names its layers alike."""
        outer_repeat = tuple(self.recorder.repeat_stack)
        saved_calls, self._calls = self._calls, Counter()
        try:
            with self.recorder.apart() as rows:
                outs = self.run(spec.definition, spec.args, x, layout, spec.span)
        finally:
            self._calls = saved_calls
        if len(outs) != 1:
            raise ShapeError(f"block {spec.definition.name} returns {len(outs)} tensors; a value needs one", spec.span)
        out, sep = outs[0], "." if self.recorder.convention == "torch" else "/"
        weights, macs = [], []
        for row in rows:
            if row.repeat != outer_repeat:
                raise ShapeError(f"block {spec.definition.name} used as a value cannot hold a symbolic repeat "
                                 f"(layer {row.name}); give its count a value with --set", spec.span)
            prefix = sep.join((*row.path[1:], row.name))
            weights += [replace(wt, name=f"{prefix}{sep}{wt.name}") for wt in row.weights]
            macs.append(row.macs)
        saved, backward = _folded_training(rows, x.producer, out.producer)
        return Built(out.shape, weights, sympy.Add(*macs), layout=out.layout, saved=saved, backward=backward)

    def _check_depth(self, definition, span):
        stack = self._active
        if definition.name in stack:
            cycle = " -> ".join(stack[stack.index(definition.name):] + [definition.name])
            raise RecursionInBlocksError(f"block {definition.name} is recursive ({cycle}); blocks cannot call "
                                         f"themselves", span)
        if len(stack) >= limits.MAX_BLOCK_DEPTH:
            raise LimitError(f"blocks nest more than {limits.MAX_BLOCK_DEPTH} deep", span)


def _folded_training(rows, entry: str, exit_: str) -> tuple:
    """A block's rows' training figures as one layer's (moe's expert): (saved, backward). A tensor
    read from the block's input keeps source="input"; the block's output keeps source="output";
    a tensor made inside is the block's own, counted once per storage (a view keeps its whole
    storage), its for_input flag dropped (inside, every input gradient is wanted). Backward: a row
    reading only the block's input spends its input gradient on the block's, any other inside."""
    storage, sizes, seen, saved = {}, {}, set(), []
    backward = [sympy.Integer(0)] * 3
    for row in rows:
        t = row.training
        inside = lambda name: storage.get(name, entry)      # an earlier row's storage, else the input's
        storage[row.name] = inside(t.inputs[0]) if t is not None and t.view and t.inputs else row.name
        if len(row.output_shapes) == 1:
            sizes[row.name] = sympy.Mul(*row.output_shapes[0])
        if t is None:
            continue
        for item in t.saved:
            producer = t.inputs[item.input] if item.source == "input" else row.name
            if item.source == "own":
                saved.append(item)
                continue
            key = inside(producer) if item.source == "input" else storage[row.name]
            if key in seen:
                continue
            seen.add(key)
            if key == entry:
                saved.append(replace(item, input=0))
            elif key == storage.get(exit_):
                saved.append(replace(item, source="output", for_input=False))
            else:
                saved.append(replace(item, source="own", for_input=False, elements=sizes.get(key, item.elements)))
        reads_input = all(inside(p) == entry for p in t.inputs)
        backward[0 if reads_input else 2] += t.backward_input
        backward[1] += t.backward_weights
        backward[2] += t.backward_inner
    return tuple(saved), tuple(backward)


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
