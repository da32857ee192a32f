"""The layer catalog page of the docs site, written from the catalog's own declarations.

Every layer's names, arguments (kind, default, aliases) and docstring come from its one
declaration; its weights per convention, output shape and MACs come from evaluating it on a
symbolic input, so the page cannot disagree with the code. `mkdocs build` calls `render()`
through `tools/mkdocs_hooks.py`; `python tools/catalog_page.py` prints the page.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import symparams  # noqa: E402
from symparams import catalog  # noqa: E402
from symparams.errors import SymparamsError  # noqa: E402

# Inputs tried in turn for the worked example: the first a layer accepts is shown.
SAMPLE_INPUTS = (("H", "W", "C"), ("T", "d"), ("D", "H", "W", "C"), ("d",))
HEADER = """# Layer catalog

Generated from the catalog's declarations (`symparams/catalog/`) each time the site is built:
the arguments are the declaration's, and each worked example is the layer evaluated on a
symbolic input in both conventions. Positional arguments follow the order listed. Every layer
also takes `name=` and `trainable=`. How MACs are counted: [MACs](MACS.md).
"""


def _kind(param) -> str:
    return getattr(param.kind, "label", type(param.kind).__name__)


def _default(param) -> str:
    if param.default is catalog.base.REQUIRED:
        return "required"
    if isinstance(param.default, str):
        return f'`"{param.default}"`'
    return f"`{str(param.default).lower() if isinstance(param.default, bool) or param.default is None else param.default}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def arguments_table(definition) -> list[str]:
    rows = ["| argument | expects | default | also written |", "|---|---|---|---|"]
    for param in definition.params:
        also = ", ".join(f"`{a}`" for a in param.aliases) or ""
        keyword = " (keyword only)" if getattr(param, "keyword_only", False) else ""
        rows.append(f"| `{param.name}`{keyword} | {_cell(_kind(param))} | {_default(param)} | {also} |")
    return rows if definition.params else ["No arguments."]


def example_call(definition) -> str | None:
    """The layer called with each required argument a symbol of its own name; None when a
    required argument is not a size (a layer, a tensor, a shape)."""
    required = [p for p in definition.params if p.default is catalog.base.REQUIRED]
    sized = [p for p in required if _kind(p).startswith("a size")]     # SIZE, Sizes(n), output sizes
    if len(sized) != len(required):
        return None
    return f"{definition.name}({', '.join(p.name for p in required)})" if required else definition.name


def _weights(result) -> str:
    shown = []
    for weight in result.weights:
        flag = "" if weight.trainable else " (non-trainable)"
        flag = " (buffer)" if getattr(weight, "buffer", False) else flag
        shown.append(f"`{weight.name}` ({', '.join(map(str, weight.shape))}{',' if len(weight.shape) == 1 else ''})"
                     f"{flag}")
    return ", ".join(shown) or "none"


def worked_example(definition) -> list[str]:
    call = example_call(definition)
    if call is None:
        return []
    for shape in SAMPLE_INPUTS:
        try:
            results = {conv: symparams.eval_layer(call, input=shape, layout="channels_last", convention=conv)
                       for conv in ("keras", "torch")}
        except SymparamsError:
            continue
        rows = [f"`{call}` on an input of shape ({', '.join(shape)}), channels last:", "",
                "| convention | weights | params | output shape | MACs |", "|---|---|---|---|---|"]
        for conv, result in results.items():
            out = result.output_shape
            rows.append(f"| {conv} | {_weights(result)} | `{result.params}` | `{out}` | `{result.macs}` |")
        return rows
    return []


def layer_section(definition) -> list[str]:
    lines = [f"## `{definition.name}`", ""]
    if definition.aliases:
        lines += ["Also: " + ", ".join(f"`{a}`" for a in definition.aliases) + ".", ""]
    doc = (definition.build.__doc__ or "").strip()
    if doc:
        lines += [" ".join(doc.split()), ""]
    if definition.inputs == "many":
        lines += ["Takes further tensors as arguments (a merge).", ""]
    lines += arguments_table(definition) + [""]
    example = worked_example(definition)
    return lines + (example + [""] if example else [])


def render() -> str:
    definitions = sorted(catalog.CANONICAL.values(), key=lambda d: d.name)
    index = ", ".join(f"[`{d.name}`](#{d.name.replace('_', '_')})" for d in definitions)
    body = [HEADER, f"{len(definitions)} layers: {index}.", ""]
    for definition in definitions:
        body += layer_section(definition)
    return "\n".join(body) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
