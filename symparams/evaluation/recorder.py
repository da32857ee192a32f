"""What a run writes down: one row per layer, the rules the sizes must obey, and the
names layers get. Knows where it is (block path, enclosing repeats) so rows can say."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import replace

from .. import limits
from ..errors import ArgumentError, LimitError
from ..results import LayerRow, RepeatContext
from ..results_types import Constraint
from ..values import Tensor, display_shape


class Recorder:
    def __init__(self, convention: str):
        self.convention = convention
        self.rows: list[LayerRow] = []
        self.constraints: list[Constraint] = []
        self.repeat_stack: list[RepeatContext] = []
        self.path: tuple = ()        # labels of the block calls we are inside: ("Stage", "Block_1")
        self.blocks: tuple = ()      # their block names
        self._counters: Counter = Counter()
        self._used_names: set = set()
        self.warnings: list = []     # (message, span), each once

    # ---- warnings: never change a figure (LANGUAGE.md §4.1)
    def warn(self, message: str, span):
        if (message, span) not in self.warnings:
            self.warnings.append((message, span))

    def warn_unread(self, frame, outputs):
        """Inputs and branches of a finished body that nothing read; its outputs count as read."""
        for tensor in outputs:
            frame.read(tensor)
        for name, span, what in frame.unread():
            self.warn(_UNREAD[what].format(name=name), span)

    def shape(self, tensor: Tensor) -> tuple:
        """Shapes are reported in the convention's layout (§8)."""
        return display_shape(tensor, self.convention)

    # ---- names
    def auto_name(self, base: str) -> str:
        while True:
            n = self._counters[base]
            self._counters[base] += 1
            name = base if n == 0 else f"{base}_{n}"
            if (self.path, name) not in self._used_names:
                self._used_names.add((self.path, name))
                return name

    def claim_name(self, name: str, span):
        # Explicit names are unique within one block call, as nested modules are in both
        # frameworks: every call of a block may name its own `gate_proj`.
        key = (self.path, name)
        if key in self._used_names:
            raise ArgumentError(f"layer name '{name}' is used twice; layer names must be unique", span)
        self._used_names.add(key)

    # ---- rows
    def add_row(self, row: LayerRow):
        if len(self.rows) >= limits.MAX_LAYERS:
            raise LimitError(f"the model has more than {limits.MAX_LAYERS} layers", row.span)
        if self.blocks:
            row = replace(row, blocks=self.blocks)
        self.rows.append(row)

    def row(self, name, kind, outputs, weights, macs, span, weight_repeat=None) -> LayerRow:
        """A row placed where the run is now: its block path and enclosing repeats."""
        return LayerRow(name, kind, tuple(self.shape(t) for t in outputs), tuple(weights), macs, self.path,
                        tuple(self.repeat_stack), span, weight_repeat=weight_repeat)

    def rewrite_rows(self, start: int, rewrite):
        """Rows from `start` on with `rewrite` applied to every size (a stage's pass)."""
        self.rows[start:] = [row.transform(rewrite) for row in self.rows[start:]]

    def freeze_rows(self, start: int):
        """Rows from `start` on with every weight non-trainable (a block call's trainable=false)."""
        self.rows[start:] = [replace(row, weights=tuple(replace(wt, trainable=False) for wt in row.weights))
                             for row in self.rows[start:]]

    @contextmanager
    def apart(self):
        """Rows written inside are taken out and handed over in the yielded list (a block run
        as a value, moe's expert). Names start afresh inside, as in a module of its own."""
        first = len(self.rows)
        saved = (self._counters, self._used_names, self.path, self.blocks)
        self._counters, self._used_names, self.path, self.blocks = Counter(), set(), (), ()
        taken: list = []
        try:
            yield taken
        finally:
            taken.extend(self.rows[first:])
            del self.rows[first:]
            self._counters, self._used_names, self.path, self.blocks = saved

    def note_block_output(self, path: tuple, results: list):
        """A block's output is not always its last layer's (a `return`, a stage repeat's last
        stated shape): the last row keeps it for the block's row in tables."""
        if self.rows and self.rows[-1].path[:len(path)] == path:
            last = self.rows[-1]
            shapes = tuple(self.shape(result) for result in results)
            self.rows[-1] = replace(last, block_outputs=last.block_outputs + ((path, shapes),))

    # ---- rules
    def keep(self, constraints, over_repeats: bool = True):
        """Rules still open. A layer's rule made inside `repeat COUNT as i` holds for each i: it
        keeps the ranges to check (a stage's rules are already stated at its last iteration)."""
        self.constraints.extend(self._over_repeats(c) if over_repeats else c for c in constraints)

    def _over_repeats(self, constraint: Constraint) -> Constraint:
        ranges = tuple((ctx.index, ctx.count) for ctx in self.repeat_stack
                       if ctx.index is not None and ctx.index in constraint.expr.free_symbols)
        return replace(constraint, ranges=ranges) if ranges else constraint

    # ---- where we are
    @contextmanager
    def inside_block(self, label: str, name: str):
        saved = self.path, self.blocks
        self.path, self.blocks = self.path + (label,), self.blocks + (name,)
        try:
            yield self.path
        finally:
            self.path, self.blocks = saved

    @contextmanager
    def inside_repeat(self, context: RepeatContext):
        self.repeat_stack.append(context)
        try:
            yield
        finally:
            self.repeat_stack.pop()


_UNREAD = {"input": "input '{name}' is never used",
           "branch": "'{name}' is bound but never used (its layers' weights still count)",
           "result": "'{name}' is never used (write _ to drop a result)"}
