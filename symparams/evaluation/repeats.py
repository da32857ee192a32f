"""`repeat` (LANGUAGE.md §6): unrolled when the count is a number, run once as a generic
pass when it is a symbol; a stage repeat's stated inputs are checked by stages.Stage."""
from __future__ import annotations

from typing import Callable

import sympy

from .. import limits, rules
from ..errors import ArgumentError, ConstraintError, LimitError, ShapeError
from ..expressions import describe, is_expr
from ..results import RepeatContext
from ..sizes import shapes_equal
from ..text import shape_text
from ..stages import Stage
from .recorder import Recorder
from .scope import Frame, Scope, repeat_index


class RepeatRunner:
    def __init__(self, scope: Scope, recorder: Recorder, run_body: Callable):
        self.scope = scope
        self.recorder = recorder
        self.run_body = run_body          # run_body(statements, frame)
        self._unrolled = 0                # iterations of every numeric repeat so far

    def run(self, stmt, frame: Frame):
        count = self.scope.expr(stmt.count, frame)
        if not is_expr(count):
            raise ArgumentError(f"a repeat count must be a number or expression, found {describe(count)}",
                                stmt.count.span)
        if count.is_number:
            message = rules.refusal(count, rules.COUNT)
            if message is not None:
                raise ConstraintError(message, stmt.count.span)
            self._unroll(stmt, int(count), frame)
        else:
            self._run_generic_pass(stmt, count, frame)

    def _unroll(self, stmt, n, frame):
        self._unrolled += n
        if self._unrolled > limits.MAX_UNROLL:
            raise LimitError(f"repeat unrolls more than {limits.MAX_UNROLL} iterations in all; "
                             f"use a symbolic count (e.g. `repeat L:` with L unset) to count without unrolling",
                             stmt.count.span)
        if stmt.stage_input is not None and n > limits.MAX_STAGES:
            raise LimitError(f"a stage repeat runs at most {limits.MAX_STAGES} iterations (limit: MAX_STAGES), "
                             f"found {n}", stmt.count.span)
        stage = self._stage(stmt, n, frame)
        pass_rows = 0     # before the repeat: every earlier row holds under what entering it needs
        for j in range(n):
            if stage is not None:
                frame.current = self._enter(stage, frame.current, j, pass_rows)
                pass_rows = len(self.recorder.rows)
            if stmt.var:
                frame.env[stmt.var] = sympy.Integer(j)
            self.run_body(stmt.body, frame)
        if stage is not None:
            frame.current = self._enter(stage, frame.current, n, pass_rows)

    def _run_generic_pass(self, stmt, count, frame):
        """One pass for iteration i of COUNT: its rows are summed over i by the results."""
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
                self._enter(stage, frame.current, 0, pass_rows=0)
                frame.current = stage.at(index)
            frame.env[stmt.var] = index
        with self.recorder.inside_repeat(RepeatContext(count, index, stmt.count.span)):
            pass_rows = len(self.recorder.rows)
            self.run_body(stmt.body, frame)
        if stage is not None:
            # Iteration i's output must be iteration i+1's stated input; what that needs holds up to i = count-1.
            self._enter(stage, frame.current, index + 1, pass_rows, last=count - 1)
            frame.current = stage.at(count)
            return
        self._check_shape_kept(stmt, count, before, frame.current)

    def _check_shape_kept(self, stmt, count, before, after):
        if after is not None and shapes_equal(before.shape, after.shape):
            return
        shown = self.recorder.shape
        hint = (f"state iteration {stmt.var}'s input with `repeat {count} as {stmt.var}, input (...)`"
                if stmt.var else f"state iteration i's input with `repeat {count} as i, input (...)`")
        raise ShapeError(
            f"repeat {count}: a symbolic count needs a suite that keeps the shape, but one pass turns "
            f"{shape_text(shown(before))} into "
            f"{shape_text(shown(after)) if after is not None else 'nothing'} "
            f"(give {count} a value with --set to unroll it, or {hint})", stmt.span)

    def _stage(self, stmt, count, frame) -> Stage | None:
        """The stated input shape of a stage repeat, as a function of its index (§6)."""
        if stmt.stage_input is None:
            return None
        if frame.current is None:
            raise ShapeError("repeat needs a current tensor: declare `input (...)` first", stmt.span)
        index = repeat_index(stmt.var)
        with frame.binding(stmt.var, index):
            sizes = self.scope.sizes(stmt.stage_input, frame, "a stage size")
        before = frame.current
        layout = frame.layout if before.layout is not None else None
        return Stage(f"repeat {count} as {stmt.var}", stmt.var, stmt.stage_span, index, sizes, layout,
                     before.producer, self.recorder.shape)

    def _enter(self, stage: Stage, computed, iteration, pass_rows: int, last=None):
        """Enter `iteration` of a stage: the pass whose rows start at `pass_rows` rewritten as
        the stage says, its open rules kept; the stated input returned."""
        entry = stage.enter(computed, iteration, last)
        if entry.rewrite is not None:
            self.recorder.rewrite_rows(pass_rows, entry.rewrite)
        self.recorder.keep(entry.constraints, over_repeats=False)
        return entry.stated
