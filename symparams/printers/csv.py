"""CSV: a sweep's columns (`symparams sweep --format csv`)."""
from __future__ import annotations


def render_sweep(columns: dict) -> str:
    """A header line of names, then one line per point. str of Python ints and floats: exact
    digits, shortest round-tripping floats."""
    texts = [list(map(str, column.tolist())) for column in columns.values()]
    return "\n".join([",".join(columns), *map(",".join, zip(*texts))])
