"""Writing one-layer .arch programs from Python values, for the live tests."""


class Name(str):
    """A tensor name: written bare, not quoted."""


def fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, Name):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        inner = ", ".join(fmt(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def call(name, *args, **kwargs) -> str:
    parts = [fmt(a) for a in args] + [f"{k}={fmt(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def model_source(inputs, chain: str) -> str:
    """A model on one input, or on inputs x0, x1, ... with the chain starting from x0."""
    if len(inputs) == 1:
        lines = [f"input {fmt(tuple(inputs[0]))}", chain]
    else:
        lines = [f"input x{i} {fmt(tuple(s))}" for i, s in enumerate(inputs)] + [f"x0 -> {chain}"]
    return "model M():\n" + "".join(f"    {line}\n" for line in lines)
