"""Results: per-layer rows and a model's totals, as SymPy expressions.
A row inside a symbolic `repeat` holds one pass; totals multiply or sum it."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

import sympy

from .expressions import as_expr

from .errors import ChoiceError, ConstraintError
from .results_types import Constraint
from .tidy import factored, tidy


@dataclass(frozen=True)
class RepeatContext:
    count: sympy.Expr
    index: sympy.Symbol | None
    span: object = field(default=None, compare=False)    # the count as written, for errors


def sum_over_index(expr, ctx: RepeatContext) -> sympy.Expr:
    """Sum(expr, (i, 0, COUNT-1)) in closed form where SymPy finds one."""
    # Summing term by term, grouped by the part that depends on i (2**i, 4**i, i, ...), asks
    # SymPy for a handful of small sums it caches, instead of one large sum per figure.
    term = expr if expr.has(sympy.floor, sympy.ceiling) else sympy.expand(expr)
    by_dependence: dict = {}
    for part in sympy.Add.make_args(term):
        coefficient, dependence = part.as_independent(ctx.index, as_Add=False)
        by_dependence.setdefault(dependence, []).append(coefficient)
    return sympy.Add(*[sympy.Add(*coefficients) * _index_sum(dependence, ctx.index, ctx.count)
                       for dependence, coefficients in by_dependence.items()])


@lru_cache(maxsize=1024)
def _index_sum(dependence, index, count):
    return sympy.summation(dependence, (index, 0, count - 1))


def aggregate(expr, contexts) -> sympy.Expr:
    """One pass's figure through the enclosing repeats, innermost first:
    COUNT * figure, or Sum(figure, (i, 0, COUNT-1)) evaluated in closed form."""
    for ctx in reversed(contexts):
        if ctx.index is not None and ctx.index in expr.free_symbols:
            expr = sum_over_index(expr, ctx)
        else:
            expr = ctx.count * expr
    return expr


def split_repeats(expr, contexts):
    """(figure, counts) with figure * prod(counts) == aggregate(expr, contexts): a repeat whose
    index the figure uses is summed into it; the others stay as counts to show (×L)."""
    expr = as_expr(expr)
    counts = []
    for ctx in reversed(contexts):
        if ctx.index is not None and ctx.index in expr.free_symbols:
            expr = sum_over_index(expr, ctx)
        else:
            counts.append(ctx.count)
    counts.reverse()
    if expr == 0:
        counts = []
    return expr, counts


@dataclass(frozen=True)
class LayerRow:
    """One layer: its name, type, output shape(s), weights and MACs (one pass)."""
    name: str
    type: str
    output_shapes: tuple
    weights: tuple
    macs: sympy.Expr
    path: tuple = ()          # labels of the enclosing block calls, outermost first (Stage, Stage_1, ...)
    repeat: tuple = ()        # enclosing symbolic repeats (RepeatContext)
    span: object = None
    weight_repeat: tuple | None = None   # repeats that multiply the weights (a let's); None: as `repeat`
    shared_with: str | None = None   # a later use of a shared layer: its weights are counted at the first
    blocks: tuple = ()        # the block names of those calls, parallel to `path`
    block_outputs: tuple = () # ((path, output shapes), ...): the block calls this row is the last row of
    training: object = None   # results_types.Training: saved tensors, backward MACs, KV cache (symparams.memory)

    @property
    def output_shape(self):
        return self.output_shapes[0] if len(self.output_shapes) == 1 else self.output_shapes

    @property
    def params(self) -> sympy.Expr:
        return factored(sympy.Add(*[wt.size for wt in self.weights if not wt.buffer]))

    @property
    def trainable(self) -> sympy.Expr:
        return factored(sympy.Add(*[wt.size for wt in self.weights if wt.trainable and not wt.buffer]))

    @property
    def non_trainable(self) -> sympy.Expr:
        return factored(sympy.Add(*[wt.size for wt in self.weights if not wt.trainable and not wt.buffer]))

    @property
    def buffers(self) -> sympy.Expr:
        return factored(sympy.Add(*[wt.size for wt in self.weights if wt.buffer]))

    @property
    def active_params(self) -> sympy.Expr:
        """The parameters one token uses: params, except that a mixture of experts counts
        its router, its top-k experts and its shared experts only."""
        return factored(sympy.Add(*[wt.active_size for wt in self.weights if not wt.buffer]))

    @property
    def flops(self) -> sympy.Expr:
        return 2 * self.macs

    def total(self, figure: str) -> sympy.Expr:
        """This row's figure through its repeats (a weight figure through its weights' repeats;
        0 for a later use of a shared layer)."""
        contexts = self.repeat if figure in ("macs", "flops") else self.weight_contexts
        return sympy.Integer(0) if contexts is None else aggregate(getattr(self, figure), contexts)

    @property
    def weight_contexts(self):
        """The repeats that multiply this row's weights, or None when they are counted elsewhere."""
        if self.shared_with is not None:
            return None
        return self.repeat if self.weight_repeat is None else self.weight_repeat

    def without_weights(self, shared_with: str) -> "LayerRow":
        return replace(self, weights=(), shared_with=shared_with)

    def subs(self, mapping) -> "LayerRow":
        return self.transform(lambda e: e.xreplace(mapping))

    def transform(self, rewrite) -> "LayerRow":
        """The row with `rewrite` applied to every size, weight dimension, MAC count and repeat count."""
        def s(e):
            return rewrite(as_expr(e))
        return replace(
            self,
            output_shapes=tuple(tuple(s(d) for d in shape) for shape in self.output_shapes),
            weights=tuple(wt.transform(rewrite) for wt in self.weights),
            macs=s(self.macs),
            training=None if self.training is None else self.training.transform(rewrite),
            block_outputs=tuple((path, tuple(tuple(s(d) for d in shape) for shape in shapes))
                                for path, shapes in self.block_outputs),
            repeat=tuple(replace(c, count=s(c.count)) for c in self.repeat),
            weight_repeat=(None if self.weight_repeat is None else
                           tuple(replace(c, count=s(c.count)) for c in self.weight_repeat)))


class ModelResult:
    """A model's figures in one convention, as the evaluator records them. Every figure is a SymPy
    expression. The methods that call analyses and printers are on the facade (symparams.model)."""

    def __init__(self, name, convention, rows, output_shapes, constraints=(), parameters=(), defaults=None,
                 source=None, filename=None, warnings=()):
        self.name = name
        self.warnings = tuple(warnings)      # (message, span): never change a figure (LANGUAGE.md §4.1)
        self.convention = convention
        self.layers = tuple(rows)
        self._output_shapes = tuple(tuple(s) for s in output_shapes)
        self.constraints = tuple(constraints)
        self.parameters = tuple(parameters)
        self.defaults = dict(defaults or {})
        self.source = source
        self.filename = filename

    # ---- totals -------------------------------------------------------------
    def _total(self, figure, contexts_of) -> sympy.Expr:
        groups: dict = {}
        for row in self.layers:
            contexts = contexts_of(row)
            if contexts is None:
                continue
            groups.setdefault(contexts, []).append(getattr(row, figure))
        # Add(*terms) once per group: summing with `+` one term at a time is quadratic.
        total = sympy.Add(*[aggregate(sympy.Add(*terms), contexts) for contexts, terms in groups.items()])
        return tidy(total, self.count_symbols)

    @cached_property
    def count_symbols(self) -> tuple:
        """The symbols that count symbolic repeats (L in `repeat L:`), in order of appearance."""
        found = []
        for row in self.layers:
            for ctx in row.repeat:
                for s in sorted(as_expr(ctx.count).free_symbols, key=lambda s: s.name):
                    if s not in found:
                        found.append(s)
        return tuple(found)

    @cached_property
    def params(self) -> sympy.Expr:
        return self._total("params", lambda row: row.weight_contexts)

    @cached_property
    def trainable(self) -> sympy.Expr:
        return self._total("trainable", lambda row: row.weight_contexts)

    @cached_property
    def non_trainable(self) -> sympy.Expr:
        return self._total("non_trainable", lambda row: row.weight_contexts)

    @cached_property
    def buffers(self) -> sympy.Expr:
        return self._total("buffers", lambda row: row.weight_contexts)

    @cached_property
    def active_params(self) -> sympy.Expr:
        return self._total("active_params", lambda row: row.weight_contexts)

    @cached_property
    def macs(self) -> sympy.Expr:
        return self._total("macs", lambda row: row.repeat)

    @property
    def flops(self) -> sympy.Expr:
        return tidy(2 * self.macs, self.count_symbols)

    @property
    def output_shape(self):
        """The output shape; a tuple of shapes when the model has several outputs."""
        return self._output_shapes[0] if len(self._output_shapes) == 1 else self._output_shapes

    @property
    def output_shapes(self) -> tuple:
        return self._output_shapes

    @cached_property
    def free_symbols(self) -> set:
        found = set(self.parameters)  # parameters stay listed even if no figure uses them
        for figure in (self.params, self.buffers, self.macs):
            found |= figure.free_symbols
        for shape in self._output_shapes:
            for d in shape:
                found |= as_expr(d).free_symbols
        for row in self.layers:
            for shape in row.output_shapes:
                for d in shape:
                    found |= as_expr(d).free_symbols
        return found - self.repeat_indices

    @cached_property
    def repeat_indices(self) -> set:
        """The i of each `repeat L as i`: bound by its repeat, not a symbol of the model."""
        return {c.index for row in self.layers for c in row.repeat if c.index is not None}

    @property
    def symbols(self) -> list:
        """The free symbols' names, sorted."""
        return sorted({s.name for s in self.free_symbols})

    def symbol(self, name: str) -> sympy.Symbol:
        for s in self.free_symbols:
            if s.name == name:
                return s
        raise KeyError(name)

    # ---- substitution -------------------------------------------------------
    def subs(self, mapping=None, /, **values) -> "ModelResult":
        """A new result with symbols replaced: net.subs(H=224, W=224) or net.subs({"H": 224})."""
        if mapping is not None and not isinstance(mapping, dict):
            raise TypeError(f"subs() takes a dict or keyword arguments, not {type(mapping).__name__}")
        given = {**(mapping or {}), **values}
        by_name = {s.name: s for s in self.free_symbols}
        replacements = {}
        for key, value in given.items():
            name = key.name if isinstance(key, sympy.Symbol) else key
            if not isinstance(name, str):
                raise TypeError(f"subs() keys are symbol names or symbols, not {type(key).__name__}")
            if name not in by_name:
                known = ", ".join(sorted(by_name)) or "none"
                raise ChoiceError(f"model {self.name} has no symbol {name!r} (its symbols: {known})")
            replacements[by_name[name]] = self._value(value, name)
        rows = tuple(row.subs(replacements) for row in self.layers)
        constraints = []
        for c in self.constraints:
            c = c.subs(replacements)
            self._check_stage_count(c)
            violation = c.violation()
            if violation is not None:
                point, value = violation
                self._constraint_error(c, value, point)
            if not c.decided() or c.expr.free_symbols - {index for index, _ in c.ranges}:
                constraints.append(c)       # a rule on symbols holds until they are numbers
        self._check_sizes(rows)
        remaining = tuple(p for p in self.parameters if p not in replacements)
        return type(self)(self.name, self.convention, rows,
                           [tuple(as_expr(d).xreplace(replacements) for d in s) for s in self._output_shapes],
                           constraints, remaining, self.defaults, self.source, self.filename, self.warnings)

    @staticmethod
    def _value(value, name: str = "a value") -> sympy.Expr:
        """A value given to `subs`: a number or a SymPy expression here (NaN, infinities and floats
        checked by rules.from_python); the facade reads text too."""
        from . import rules
        return rules.from_python(value, name)

    def with_defaults(self) -> "ModelResult":
        """Substitute the defaults the model declares for its parameters."""
        return self.subs({name: value for name, value in self.defaults.items()})

    def _check_stage_count(self, constraint):
        """A rule made inside a stage repeat is checked at every index: past MAX_STAGES that is
        slow (2**i grows with i) and no input survives the halvings, so the count is refused first."""
        from . import limits
        from .errors import LimitError
        for _, count in constraint.ranges:
            if count.is_Integer and count > limits.MAX_STAGES:
                raise LimitError(f"{constraint.layer}: a stage repeat runs at most {limits.MAX_STAGES} iterations "
                                 f"(limit: MAX_STAGES), found {count}", constraint.span, self.source, self.filename)

    def _check_sizes(self, rows):
        """After a substitution every size, weight dimension and repeat count obeys the size
        rules again (rules.py): a value that breaks one is refused at the layer that uses it."""
        from . import rules
        for row in rows:
            for c in row.repeat:
                bad = rules.became("the count of its repeat", c.count, rules.COUNT)
                if bad is not None:
                    raise ConstraintError(f"{row.name}: {bad}", c.span or row.span, self.source, self.filename)
            sizes = [(d, "an output size") for shape in row.output_shapes for d in shape]
            sizes += [(d, f"weight {wt.name}'s shape") for wt in row.weights for d in wt.shape]
            for d, what in sizes:
                bad = rules.became(what, as_expr(d), rules.SIZE)
                if bad is not None:
                    raise ConstraintError(f"{row.name}: {bad}", row.span, self.source, self.filename)

    def _constraint_error(self, constraint, expr, point=()):
        where = "".join(f" at {index} = {value}" for index, value in point)   # inside `repeat S as i`
        if constraint.kind == "integer":
            message = f"{constraint.layer}: {constraint.description} (it comes to {expr}{where})"
        elif constraint.kind == "nonnegative":
            message = f"{constraint.layer}: {constraint.description} becomes {expr}{where}, which is negative"
        else:
            message = f"{constraint.layer}: {constraint.description} becomes {expr}{where}, which is not positive"
        raise ConstraintError(message, constraint.span, self.source, self.filename)


__all__ = ["LayerRow", "ModelResult", "RepeatContext", "aggregate", "split_repeats", "sum_over_index"]
