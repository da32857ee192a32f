"""Pairing a model's weights with a live model's, by name and shape (`symparams check`).

A file weight's name is its layer's name, then the weight's (`self_attn.q_proj.weight`); a live
name matches it when, both with their numeric parts (layer indices) removed, the live name ends
with the file's at a dot. Each file name pairs with its live names in index order (other name
parts in the order the live model shows them), unless more
live weights carry it than the file has (then it is too generic to say anything). What is left
over on both sides is paired in order where the shapes agree: the names differ, the structure
does not."""
from __future__ import annotations

import re
from dataclasses import dataclass

_INDEX = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Entry:
    name: str                 # as the side names it
    shape: tuple              # ints
    kind: str                 # "trainable", "frozen" or "buffer"
    where: str = ""           # file side: the layer and its block calls
    index: int | None = None  # which repeated block call (file) or first numeric part (live)


@dataclass(frozen=True)
class Pair:
    status: str               # matched, by order, transposed, shape mismatch, missing, extra
    file: Entry | None
    live: Entry | None


def file_entries(net) -> list:
    """The evaluated model's weights in file order (numbers substituted)."""
    repeated = {b for row in net.layers for b, label in zip(row.blocks, row.path) if label != b}
    out = []
    for row in net.layers:
        where = " in ".join([row.name, *reversed(row.path)])
        index = next((int(label[len(b) + 1:] or 0) if label != b else 0
                      for b, label in zip(row.blocks, row.path) if b in repeated), None)
        for w in row.weights:
            name = row.name if w.name == row.name else f"{row.name}.{w.name}"
            kind = "buffer" if w.buffer else ("trainable" if w.trainable else "frozen")
            out.append(Entry(name, tuple(int(d) for d in w.shape), kind, where, index))
    return out


def live_entry(name, shape, kind) -> Entry:
    numbers = _split(name)[1]
    return Entry(name, tuple(int(d) for d in shape), kind, index=numbers[0] if numbers else None)


def _split(name):
    parts = name.replace("/", ".").split(".")
    return ".".join(p for p in parts if not _INDEX.match(p)), tuple(int(p) for p in parts if _INDEX.match(p))


def _key_for(stripped, keys):
    best = None
    for key in keys:
        if (stripped == key or stripped.endswith("." + key)) and (best is None or len(key) > len(best)):
            best = key
    return best


def _same(a, b):
    if a.shape == b.shape:
        return "matched"
    if len(a.shape) == 2 and a.shape == b.shape[::-1]:
        return "transposed"
    return "shape mismatch"


def match(file: list, live: list) -> list:
    """Pairs in file order, then the live weights no file weight claimed."""
    keys = {_split(e.name)[0] for e in file}
    by_key: dict = {}
    for entry in live:
        stripped, index = _split(entry.name)
        by_key.setdefault(_key_for(stripped, keys), []).append((index, entry))
    wanted = {}
    for entry in file:
        wanted[_split(entry.name)[0]] = wanted.get(_split(entry.name)[0], 0) + 1
    # A name more live weights end with than the file has (a generic `dense.weight`) says nothing:
    # those are paired by shape with the leftovers instead.
    order = _tree_order(live)
    queues = {k: sorted((e for _, e in v), key=lambda e: order[id(e)]) for k, v in by_key.items()
              if k and len(v) <= wanted[k]}
    pairs, left_file = [], []
    for entry in file:
        queue = queues.get(_split(entry.name)[0])
        if queue:
            other = queue.pop(0)
            pairs.append(Pair(_same(entry, other), entry, other))
        else:
            left_file.append(entry)
    claimed = {id(p.live) for p in pairs}
    by_order, extra, missing = _by_order(left_file, [e for e in live if id(e) not in claimed])
    return _in_file_order(file, pairs + by_order + extra) + missing


def _tree_order(live) -> dict:
    """{id(entry): sort key}: layer indices in numeric order, and other name parts in the order the
    live model first shows them, so `layers.0` comes before `layers.1` and `layer1.2.conv1` before
    `layer2.0.conv1` (the file's order of block calls), whichever order the list has."""
    first: dict = {}
    keys = {}
    for entry in live:
        parts = entry.name.replace("/", ".").split(".")
        key = []
        for i, part in enumerate(parts):
            first.setdefault(tuple(parts[:i + 1]), len(first))
            key.append(int(part) if _INDEX.match(part) else first[tuple(parts[:i + 1])])
        keys[id(entry)] = tuple(key)
    return keys


def _by_order(left_file, left_live):
    """Leftovers paired in order: each file weight takes the first unclaimed live weight whose shape
    agrees, looking first among those of the same repeated call (layer i with layers.i.*)."""
    pairs, extra, free = [], [], list(left_live)
    for entry in left_file:
        fits = [k for k, other in enumerate(free) if _same(entry, other) != "shape mismatch"]
        k = next((k for k in fits if free[k].index == entry.index), fits[0] if fits else None)
        if k is None:
            extra.append(Pair("extra", entry, None))
        else:
            pairs.append(Pair("by order", entry, free.pop(k)))
    return pairs, extra, [Pair("missing", None, e) for e in free]


def _in_file_order(file, pairs):
    position = {id(e): i for i, e in enumerate(file)}
    return sorted(pairs, key=lambda p: position[id(p.file)])


def agrees(pair) -> bool:
    return pair.status in ("matched", "by order", "transposed")


def first_divergence(pairs) -> str | None:
    for pair in pairs:
        if not agrees(pair):
            if pair.file is not None:
                return f"{pair.file.where} ({pair.status}: {pair.file.name})"
            return f"live {pair.live.name} ({pair.status} from the file)"
    return None


def totals(entries) -> dict:
    out = {"params": 0, "trainable": 0, "buffers": 0}
    for e in entries:
        size = 1
        for d in e.shape:
            size *= d
        out["buffers" if e.kind == "buffer" else "params"] += size
        if e.kind == "trainable":
            out["trainable"] += size
    return out
