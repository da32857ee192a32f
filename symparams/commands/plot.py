"""symparams plot FILE[:MODEL] ... --x d=64:4096: params and MACs against one symbol, on log axes,
several models on one figure. Needs matplotlib (`pip install symparams[plot]`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .common import UsageError, evaluate, parse_sets, split_model_spec

HELP = "plot params and MACs of one or more models against a symbol (needs matplotlib)"
_RANGE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.+)$", re.S)
_MAX_POINTS = 10_000


@dataclass
class Curve:
    label: str
    x: list            # the symbol's values (ints)
    params: list       # exact values (SymPy numbers) at those points
    macs: list
    skipped: list      # values of x where a size rule fails (not plotted)


def add_arguments(parser):
    parser.add_argument("models", nargs="+", metavar="FILE[:MODEL]",
                        help="a .arch file, with :MODEL when it has several models; repeat for several curves")
    parser.add_argument("--x", required=True, metavar="NAME=LO:HI[:STEP]",
                        help="the symbol on the x axis and its range, e.g. d=64:4096 (log-spaced points), "
                             "d=64:4096:64 (every 64) or d=64,256,1024 (as sweep --vary)")
    parser.add_argument("--points", type=int, default=48, help="how many log-spaced points (default 48)")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE",
                        help="give the other symbols values (a symbol a model lacks is ignored for it)")
    parser.add_argument("--defaults", action="store_true",
                        help="give the other symbols the defaults the models declare")
    parser.add_argument("--convention", choices=("keras", "torch"), default="keras")
    parser.add_argument("--out", default="params.png", help="the image to write (.png, .pdf, .svg; default params.png)")
    parser.add_argument("--title", help="a title for the figure")
    parser.add_argument("--skip-invalid", action="store_true",
                        help="drop the values that break a size rule (counted) instead of stopping at the first")


def parse_range(text: str, points: int = 48):
    """`d=64:4096` -> ('d', `points` log-spaced integers); `d=64:4096:64` -> ('d', [64, 128, ..., 4096]);
    `d=64,128,512`: those values. The syntax of `sweep --vary` (symparams.sweep.parse_range)."""
    from ..errors import SymparamsError
    from ..sweep import parse_range as values_of
    match = _RANGE.match(text or "")
    if not match:
        raise UsageError(f"--x {text!r}: expected NAME=LO:HI, NAME=LO:HI:STEP or NAME=v1,v2,..., e.g. d=64:4096")
    try:
        values = values_of(match.group(2), log_points=points)
    except SymparamsError as err:
        raise UsageError(f"--x {text}: {err.message}") from None
    # No rule of plot's own here: whether 0 or 1.5 may be a value is the model's size rule, checked
    # by curve() as sweep checks it (a padding may be 0, a width may not).
    if len(values) > _MAX_POINTS:
        raise UsageError(f"--x {text!r}: {len(values)} points; at most {_MAX_POINTS}")
    return match.group(1), [int(v) if values.dtype.kind == "i" else float(v) for v in values]


def load_curve_model(spec, convention, values, defaults, xname):
    """Evaluate FILE[:MODEL] and give every symbol but `xname` its value."""
    net = evaluate(*split_model_spec(spec), convention)
    if xname not in net.symbols:
        raise UsageError(f"{spec}: model {net.name} has no symbol {xname} (its symbols: "
                         f"{', '.join(net.symbols) or 'none'})")
    if xname in values:
        raise UsageError(f"--set {xname}=...: {xname} is the x axis")
    given = {k: v for k, v in values.items() if k in net.symbols}
    if defaults:
        given = {**{k: v for k, v in net.defaults.items() if k != xname and k in net.symbols}, **given}
    net = net.subs(given) if given else net
    left = sorted({s.name for s in net.params.free_symbols | net.macs.free_symbols} - {xname})
    if left:
        raise UsageError(f"{spec}: the figures of {net.name} still depend on {', '.join(left)}; give "
                         f"{'it' if len(left) == 1 else 'them'} with --set (or use --defaults)")
    return net


def curve(net, xname: str, values, label: str | None = None, skip_invalid: bool = True) -> Curve:
    """The model's params and MACs at each value of the symbol. A value that breaks a size rule is
    skipped, or (skip_invalid=False) an error naming it: sweep's rule, sweep's check."""
    from ..rules import from_python
    from ..sweep import invalid_points, numpy, point_at, raise_at
    x = net.symbol(xname)
    columns = {xname: numpy().asarray(values)}
    bad = invalid_points(net, columns, {xname: x})
    out = Curve(label or net.name, [], [], [], [])
    if bad is not None and bad.any() and not skip_invalid:
        raise_at(net, point_at(columns, int(bad.argmax())))
    for k, v in enumerate(values):
        if bad is not None and bad[k]:
            out.skipped.append(v)
            continue
        value = from_python(v, xname)          # exact: a float only when whole reaches here
        out.x.append(v)
        out.params.append(net.params.xreplace({x: value}))
        out.macs.append(net.macs.xreplace({x: value}))
    return out


def figure(curves, xname: str, title: str | None = None):
    """A matplotlib Figure: params (left) and MACs (right) against the symbol, log-log."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, figure_name, label in ((axes[0], "params", "parameters"), (axes[1], "macs", "MACs per example")):
        for c in curves:
            pairs = [(x, float(y)) for x, y in zip(c.x, getattr(c, figure_name)) if x > 0 and y > 0]   # log axes
            if pairs:
                ax.plot([p[0] for p in pairs], [p[1] for p in pairs], marker="o", markersize=2.5, linewidth=1.4,
                        label=c.label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xname)
        ax.set_ylabel(label)
        ax.set_title("Parameters" if figure_name == "params" else "MACs (FLOPs = 2 × MACs)")
        ax.grid(True, which="major", alpha=0.35)
        ax.grid(True, which="minor", alpha=0.12)
        if len(curves) > 1:
            ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def run(args) -> str:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("plot needs matplotlib: pip install 'symparams[plot]'") from None
    xname, values = parse_range(args.x, args.points)
    sets = parse_sets(args.set)
    curves, notes = [], []
    lo, hi = values[0], values[-1]
    for spec in args.models:
        net = load_curve_model(spec, args.convention, sets, args.defaults, xname)
        c = curve(net, xname, values, net.name, skip_invalid=args.skip_invalid)
        if not c.x:
            raise UsageError(f"{spec}: no value of {xname} in {args.x.split('=', 1)[1]} satisfies the model's size "
                             f"rules (e.g. a divisibility); try a step, e.g. --x {xname}=64:4096:64")
        if c.skipped:
            notes.append(f" {net.name}: skipped {len(c.skipped)} points that break a size rule "
                         f"(the first: {xname} = {c.skipped[0]})")
        curves.append(c)
    names = [c.label for c in curves]
    for c, spec in zip(curves, args.models):
        if names.count(c.label) > 1:                     # the same model name twice: say which file
            c.label = f"{Path(split_model_spec(spec)[0]).name}:{c.label}"
    fig = figure(curves, xname, args.title)
    # matplotlib adds .png to a name without a suffix: report the file really written.
    out = args.out if Path(args.out).suffix else args.out + ".png"
    try:
        fig.savefig(out, dpi=130)
    except (OSError, ValueError) as err:
        raise UsageError(f"cannot write {out}: {err}") from None
    return "\n".join([f"wrote {out}: params and MACs of {', '.join(c.label for c in curves)} for "
                      f"{xname} from {lo} to {hi} ({len(values)} values, log axes)", *notes])


__all__ = ["parse_range", "curve", "figure", "load_curve_model", "Curve"]
