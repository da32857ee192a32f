"""symparams check FILE[:MODEL] --against SOURCE: the file's weights against a live model's."""
from __future__ import annotations

import importlib

from .common import UsageError, parse_sets, split_model_spec

HELP = "compare a model's weights with a live model (hf:CONFIG.json, torch:MODULE:CALLABLE, keras:MODULE:CALLABLE)"
EXTRAS = {"hf": ("torch", "transformers"), "torch": ("torch",), "keras": ("keras",)}


def add_arguments(parser):
    parser.add_argument("file", metavar="FILE[:MODEL]")
    parser.add_argument("--against", required=True, metavar="SOURCE",
                        help="hf:CONFIG.json, torch:PACKAGE.MODULE:CALLABLE or keras:PACKAGE.MODULE:CALLABLE")
    parser.add_argument("--kwargs", metavar="JSON", help="keyword arguments for the callable (a JSON object)")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE",
                        help="give a symbol a value; the model's defaults fill the rest")


def run(args):
    from ..program import load
    from ..weightmatch import file_entries, match
    from .import_ import kwargs_from
    kind, _, target = args.against.partition(":")
    if kind not in EXTRAS or not target:
        raise UsageError(f"--against {args.against!r}: expected hf:CONFIG.json, torch:PACKAGE.MODULE:CALLABLE "
                         f"or keras:PACKAGE.MODULE:CALLABLE")
    _require(kind)
    path, model = split_model_spec(args.file)
    try:
        program = load(path)
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from None
    convention = "keras" if kind == "keras" else "torch"
    try:
        net = program.model(model, convention=convention, values=parse_sets(args.set), defaults=True)
    except ValueError as err:
        raise UsageError(str(err)) from None
    live = _live(kind, target, net.name, kwargs_from(args.kwargs))     # the named model, or the file's default
    pairs = match(file_entries(net), live)
    from ..weightmatch import agrees
    text = render(pairs, file_entries(net), live, f"{net.name} ({path})", args.against)
    return text, 0 if all(agrees(p) for p in pairs) and _same_totals(file_entries(net), live) else 1


def _require(kind):
    for module in EXTRAS[kind]:
        try:
            importlib.import_module(module)
        except ImportError:
            raise UsageError(f"--against {kind}: needs {module}; install it with pip install 'symparams[{kind}]'") \
                from None


def _live(kind, target, model, kwargs):
    from ..weightmatch import live_entry
    from .import_ import callable_from
    if kind == "keras":
        built = callable_from(target)(**kwargs)
        return [live_entry(w.path, w.shape, "trainable" if w.trainable else "frozen") for w in built.weights]
    import torch
    with torch.device("meta"):
        built = _hf_model(target, model) if kind == "hf" else callable_from(target)(**kwargs)
    if not isinstance(built, torch.nn.Module):
        raise UsageError(f"{target} returned {type(built).__name__}, not a torch.nn.Module")
    return ([live_entry(n, p.shape, "trainable" if p.requires_grad else "frozen")
             for n, p in built.named_parameters()]
            + [live_entry(n, b.shape, "buffer") for n, b in built.named_buffers()])


def _hf_model(path, model):
    """The class the file's model is named after when the config's architectures lists it, else AutoModel."""
    import transformers

    from .import_ import read_config
    config = read_config(path)
    try:
        hf_config = transformers.AutoConfig.for_model(**config)
    except (ValueError, KeyError, TypeError) as err:
        raise UsageError(f"{path}: transformers cannot read this config ({err})") from None
    if model and model in (config.get("architectures") or []) and hasattr(transformers, model):
        return getattr(transformers, model)(hf_config)
    return transformers.AutoModel.from_config(hf_config)


def _same_totals(file, live):
    from ..weightmatch import totals
    return totals(file) == totals(live)


def render(pairs, file, live, title, source) -> str:
    from ..weightmatch import first_divergence, totals
    rows = [("status", "file weight", "file shape", "live weight", "live shape")]
    for p in pairs:
        rows.append((p.status, p.file.name if p.file else "—", _shape(p.file), p.live.name if p.live else "—",
                     _shape(p.live)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [f"Check: {title} against {source}"]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    counts = {}
    for p in pairs:
        counts[p.status] = counts.get(p.status, 0) + 1
    lines.append(" " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    if counts.get("by order"):
        lines.append(f" Names differ for {counts['by order']} weights, but their shapes match in order; "
                     f"their counts are compared.")
    ours, theirs = totals(file), totals(live)
    lines.append(f" {'':10} {'file':>16} {'live':>16} {'file - live':>14}")
    for figure in ("params", "trainable", "buffers"):
        lines.append(f" {figure:10} {ours[figure]:>16,} {theirs[figure]:>16,} {ours[figure] - theirs[figure]:>14,}")
    where = first_divergence(pairs)
    lines.append(f" First divergence: {where}" if where else " Every weight matches.")
    return "\n".join(lines)


def _shape(entry):
    return "—" if entry is None else "(" + ", ".join(str(d) for d in entry.shape) + ")"
