"""Sweeps: a figure over a grid of values, vectorized with sympy.lambdify over numpy
(optional: `pip install 'symparams[sweep]'`). Integer figures stay exact int64 unless they could
overflow it; then they are float64."""
from __future__ import annotations

import sympy

from .errors import SymparamsError
from .figures import check_figure
from .inputs import parse_value
from .text import expr_text

MAX_SUM_POINTS = 10_000   # points of a figure that must be summed one point at a time
MAX_POINTS = 10**6            # a grid larger is refused: 10**6 points of GPT-2 peak at about 0.5 GB
_INT_LIMIT = 2.0**62          # above this an int64 figure might have wrapped


def numpy():
    try:
        import numpy as np
    except ImportError:
        raise SymparamsError("sweeps need numpy, which is not installed: pip install 'symparams[sweep]'") from None
    return np


def _number(text: str):
    value = parse_value(text.strip())
    if value.free_symbols or not value.is_number:
        raise SymparamsError(f"a sweep value must be a number, found {text.strip()!r}")
    if not value.is_real:
        raise SymparamsError(f"a sweep value must be real, found {text.strip()!r}")
    if abs(value) >= _INT_LIMIT:
        raise SymparamsError(f"a sweep value must lie below 2**62 in size (its points are computed in "
                             f"64-bit numbers), found {text.strip()}; use subs() for one exact value")
    return value


def parse_range(text: str, log_points: int | None = None):
    """The one range syntax (`sweep --vary`, `plot --x`, `net.sweep`): `128:4096:128`
    (start:stop:step, stop included), `1:8` (step 1), or `1,2,4,8`; values are expressions of the
    language (`2**10`). With `log_points`, `START:STOP` is that many log-spaced whole numbers
    instead (plot's default). A numpy array."""
    np = numpy()
    text = text.strip()
    if log_points is not None and text.count(":") == 1:
        return _log_spaced(text, log_points)
    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (2, 3) or not all(p.strip() for p in parts):
            raise SymparamsError(f"a range is START:STOP or START:STOP:STEP, found {text!r}")
        start, stop = _number(parts[0]), _number(parts[1])
        step = _number(parts[2]) if len(parts) == 3 else sympy.Integer(1)
        if step <= 0:
            raise SymparamsError(f"a range's step must be positive, found {step}")
        if stop < start:
            raise SymparamsError(f"a range's stop ({stop}) is below its start ({start})")
        n = int(sympy.floor((stop - start) / step)) + 1
        if n > MAX_POINTS:
            raise SymparamsError(f"the range {text} has {n} values; at most {MAX_POINTS} are allowed (MAX_POINTS)")
        if all(v.is_Integer for v in (start, step)):
            return np.arange(n, dtype=np.int64) * int(step) + int(start)
        return np.arange(n, dtype=np.float64) * float(step) + float(start)
    values = [_number(v) for v in text.split(",") if v.strip()]
    if not values:
        raise SymparamsError("a sweep needs at least one value")
    if all(v.is_Integer for v in values):
        return np.array([int(v) for v in values], dtype=np.int64)
    return np.array([float(v) for v in values], dtype=np.float64)


def _log_spaced(text: str, points: int):
    """`64:4096` -> `points` whole numbers from 64 to 4096, evenly spaced on a log axis."""
    np = numpy()
    start, stop = (_number(part) for part in text.split(":"))
    if not (start.is_Integer and stop.is_Integer and 1 <= start < stop):
        raise SymparamsError(f"a log-spaced range is LO:HI with whole numbers 1 <= LO < HI, found {text!r}")
    if points < 2:
        raise SymparamsError(f"a log-spaced range needs at least 2 points, not {points}")
    lo, hi = int(start), int(stop)
    return np.array(sorted({round(lo * (hi / lo) ** (i / (points - 1))) for i in range(points)}), dtype=np.int64)


def grid(vary: dict) -> dict:
    """The cartesian product of the ranges, each flattened: {name: array of len prod(sizes)}."""
    np = numpy()
    total = 1
    for values in vary.values():
        total *= len(values)
    if total > MAX_POINTS:
        raise SymparamsError(f"the sweep has {total} points; at most {MAX_POINTS} are allowed (MAX_POINTS)")
    if len(vary) == 1:
        return dict(vary)
    meshes = np.meshgrid(*vary.values(), indexing="ij")
    return {name: m.ravel() for name, m in zip(vary, meshes)}


def _printer():
    """NumPy's printer, with small integer powers as products: int64 `d*d` is ten times faster
    than `d**2` in numpy."""
    from sympy.printing.numpy import NumPyPrinter

    class Printer(NumPyPrinter):
        def _print_Pow(self, expr, rational=False):
            if expr.exp.is_Integer and 1 < expr.exp <= 8:
                base = self.parenthesize(expr.base, 100)
                return "(" + "*".join([base] * int(expr.exp)) + ")"
            return super()._print_Pow(expr, rational=rational)
    return Printer({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                    "user_functions": {}})


def evaluate(expr, columns: dict, symbols: dict):
    """Evaluate `expr` at every point: columns {name: array}, symbols {name: Symbol}."""
    np = numpy()
    n = len(next(iter(columns.values()))) if columns else 1
    missing = sorted(s.name for s in expr.free_symbols if s.name not in columns)
    if missing:
        raise SymparamsError(f"the sweep needs a value for {', '.join(missing)} (use --set or --vary)")
    names = [name for name in columns if name in symbols]
    args = [symbols[name] for name in names]
    if expr.has(sympy.Sum):
        return _pointwise(expr, args, [columns[name] for name in names], n)
    # dummify: user-chosen symbol names never appear in the generated code.
    f = sympy.lambdify(args, expr, modules="numpy", dummify=True, printer=_printer())
    values = [columns[name] for name in names]
    out = np.asarray(f(*values))
    if out.ndim == 0:
        out = np.full(n, out[()])
    if out.dtype.kind in "iu":
        check = np.asarray(f(*[v.astype(np.float64) for v in values]), dtype=np.float64)
        if check.size and np.max(np.abs(check)) >= _INT_LIMIT:
            return check if check.ndim else np.full(n, float(check))
        return out.astype(np.int64)
    if out.dtype.kind == "f" and out.size and np.all(np.isfinite(out)) and np.max(np.abs(out)) < 2.0**53 \
            and np.all(out == np.floor(out)):
        return out.astype(np.int64)
    return out


def _pointwise(expr, args, values, n):
    """A figure with a sum SymPy found no closed form for (a stage repeat's MACs through
    floors) cannot be vectorized: each point is substituted and summed exactly."""
    np = numpy()
    if n > MAX_SUM_POINTS:
        raise SymparamsError(f"this figure has a sum without a closed form ({expr_text(expr)[:80]}...); "
                             f"it is evaluated point by point, at most {MAX_SUM_POINTS} points, not {n}")
    results = []
    for k in range(n):
        point = {symbol: sympy.Integer(int(column[k])) if float(column[k]).is_integer() else
                 sympy.Rational(str(column[k])) for symbol, column in zip(args, values)}
        results.append(expr.xreplace(point).doit())
    if all(r.is_Integer and abs(int(r)) < _INT_LIMIT for r in results):
        return np.array([int(r) for r in results], dtype=np.int64)
    return np.array([float(r) for r in results], dtype=np.float64)


class Table(dict):
    """{name: array}; `skipped` counts the points dropped for breaking a size rule."""
    skipped = 0
    first_skipped = None


def sweep(net, vary: dict, figures=("params", "macs"), skip_invalid: bool = False) -> Table:
    """{name: array} for each varied symbol and each figure. `vary` maps symbol names to arrays
    (see parse_range); every other symbol of the figures must already have a value. A point that
    breaks a size rule (rules.py) is an error naming it, or with skip_invalid dropped and counted."""
    by_name = {s.name: s for s in net.free_symbols}
    unknown = sorted(set(vary) - set(by_name))
    if unknown:
        raise SymparamsError(f"model {net.name} has no symbol {', '.join(unknown)} "
                             f"(its symbols: {', '.join(sorted(by_name)) or 'none'})")
    np = numpy()
    vary = {name: np.asarray(values) for name, values in vary.items()}
    for name, values in vary.items():
        if values.dtype.kind not in "iuf":
            raise SymparamsError(f"the values of {name} must be numbers that fit in 64 bits (below 2**62)")
    columns = grid(vary)
    bad = invalid_points(net, columns, by_name)
    out = Table()
    if bad is not None and bad.any():
        first = point_at(columns, int(bad.argmax()))
        if not skip_invalid:
            raise_at(net, first)
        out.skipped, out.first_skipped = int(bad.sum()), first
        columns = {name: column[~bad] for name, column in columns.items()}
        if not len(next(iter(columns.values()))):
            raise SymparamsError(f"every point of the sweep breaks a size rule (the first: {point_text(first)})")
    out.update(columns)
    for figure in figures:
        out[figure] = evaluate(getattr(net, check_figure(figure)), columns, by_name)
    return out


def rule_checks(net, names) -> list:
    """(kind, expression) for every size rule that depends only on `names` (rules.py): the model's
    pending conditions, every output size and weight dimension, every repeat count."""
    from . import rules
    from .expressions import as_expr
    checks, seen = [], set()

    def add(kind, expr):
        expr = as_expr(expr)
        free = {s.name for s in expr.free_symbols}
        if free and free <= names and (kind, expr) not in seen:
            seen.add((kind, expr))
            checks.append((kind, expr))
    for c in net.constraints:
        if not c.ranges:
            add(c.kind, c.expr)
    for row in net.layers:
        for d in {d for shape in (*row.output_shapes, *(w.shape for w in row.weights)) for d in shape}:
            for kind, expr in rules.pending(as_expr(d), rules.SIZE) or [("positive", d), ("integer", d)]:
                add(kind, expr)
        for c in row.repeat:
            for kind, expr in rules.pending(as_expr(c.count), rules.COUNT) or [("nonnegative", c.count)]:
                add(kind, expr)
    return checks


def invalid_points(net, columns: dict, by_name: dict):
    """A boolean array: True where a point breaks a size rule (checked in float64, vectorized;
    the first such point is then checked exactly by ModelResult.subs). None: nothing to check."""
    np = numpy()
    checks = rule_checks(net, set(columns))
    if not checks:
        return None
    names = list(columns)
    f = sympy.lambdify([by_name[n] for n in names], [e for _, e in checks], modules="numpy", dummify=True)
    n = len(columns[names[0]])
    bad = np.zeros(n, dtype=bool)
    with np.errstate(all="ignore"):
        values = f(*[np.asarray(columns[name], dtype=np.float64) for name in names])
        for (kind, _), v in zip(checks, values):
            v = np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))
            if kind == "positive":
                bad |= ~(v > 0)
            elif kind == "nonnegative":
                bad |= ~(v >= 0)
            else:
                bad |= ~np.isfinite(v) | (v != np.floor(v))
    return bad


def point_at(columns: dict, k: int) -> dict:
    return {name: column[k].item() for name, column in columns.items()}


def point_text(point: dict) -> str:
    return ", ".join(f"{name} = {value}" for name, value in point.items())


def raise_at(net, point: dict):
    """The error ModelResult.subs gives at this point, named by the point."""
    try:
        net.subs(point)
    except SymparamsError as err:
        err.message = f"at {point_text(point)}: {err.message}"
        raise
    raise SymparamsError(f"at {point_text(point)}: a size rule fails")
