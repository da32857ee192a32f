"""The one writer of the block text that family templates share: a layer call, an MLP chain, the
two residual shapes (a norm before the sub-layer, `a = norm -> X; add(a)`, or after it,
`a = X; add(a) -> norm`), a gated MLP block and a stack of repeated layers. Each template
composes these with its own names and options, so each shape is written once. Option values are
template text (`true`, `{attention_bias}`): they are written as given."""
from __future__ import annotations

_WIDTH = 100          # a statement longer than this breaks before a `->`
_INDENT = "    "


def call(layer: str, *args, name: str | None = None, **options) -> str:
    """`layer(args..., option=value..., name="name")`; an option given as None is left out."""
    words = [str(a) for a in args] + [f"{key}={value}" for key, value in options.items() if value is not None]
    if name is not None:
        words.append(f'name="{name}"')
    return f"{layer}({', '.join(words)})"


def chain(*nodes: str) -> str:
    return " -> ".join(node for node in nodes if node)


def statement(text: str) -> str:
    """One indented statement, its chain broken before a `->` where a line grows past the width."""
    lines, current = [], _INDENT
    for i, node in enumerate(text.split(" -> ")):
        piece = node if i == 0 else " -> " + node
        if i > 0 and len(current) + len(piece) > _WIDTH:
            lines.append(current)
            current = _INDENT * 2 + "-> " + node
        else:
            current += piece
    return "\n".join(lines + [current]) + "\n"


def mlp(width: str, out: str, up: str, down: str, act: str = "gelu", bias: str | None = None) -> str:
    """The chain dense(width) -> act -> dense(out), named `up` and `down`."""
    return chain(call("dense", width, use_bias=bias, name=up), act, call("dense", out, use_bias=bias, name=down))


def norm_first(binding: str, norm: str, sublayer: str, after: str = "", start: str = "") -> str:
    """A residual sub-layer normalized first (pre-LN): `binding = [start ->] norm -> sublayer
    [-> after]`, then `add(binding)`."""
    return statement(f"{binding} = " + chain(start, norm, sublayer, after)) + statement(f"add({binding})")


def norm_after(binding: str, sublayer: str, norm: str) -> str:
    """A residual sub-layer normalized after the sum (post-LN): `binding = sublayer`, then
    `add(binding) -> norm`."""
    return statement(f"{binding} = {sublayer}") + statement(chain(f"add({binding})", norm))


def block(name: str, params: str, body: str) -> str:
    return f"block {name}({params}):\n{body}\n"


def stack(name: str, params: str, layer: str, count: str = "L", final: str = "", before: str = "") -> str:
    """A block of `count` repeated layers (`layer` is its call), then an optional final norm."""
    return block(name, params, before + statement(f"repeat {count}: {layer}") + (statement(final) if final else ""))


def gated_mlp(name: str, prefix: str = "", bias: str = "false") -> str:
    """A gated (SwiGLU) MLP block NAME(d, ff): gate_proj, up_proj, down_proj, each named after
    `prefix` (transformers' module path; none for an expert inside `moe`)."""
    at = f"{prefix}." if prefix else ""
    return block(name, "d, ff",
                 statement(f"g = {chain(call('dense', 'ff', use_bias=bias, name=at + 'gate_proj'), 'silu')}")
                 + statement(chain(call("dense", "ff", use_bias=bias, name=at + "up_proj"), "multiply(g)",
                                   call("dense", "d", use_bias=bias, name=at + "down_proj"))))
