"""Pairing a model's weights with a live model's, by name and shape (`symparams check`).

A file weight's name is its layer's name, then the weight's (`self_attn.q_proj.weight`); a live
name matches it when, with its numeric parts (layer indices) removed, it ends with that name at a
dot. Each file name pairs with its live names in index order. What is left over on both sides is
paired in order where the shapes agree: the names differ, the structure does not."""
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


@dataclass(frozen=True)
class Pair:
    status: str               # matched, by order, transposed, shape mismatch, missing, extra
    file: Entry | None
    live: Entry | None


def file_entries(net) -> list:
    """The evaluated model's weights in file order (numbers substituted)."""
    out = []
    for row in net.layers:
        where = " in ".join([row.name, *reversed(row.path)])
        for w in row.weights:
            name = row.name if w.name == row.name else f"{row.name}.{w.name}"
            kind = "buffer" if w.buffer else ("trainable" if w.trainable else "frozen")
            out.append(Entry(name, tuple(int(d) for d in w.shape), kind, where))
    return out


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
    keys = {e.name for e in file}
    by_key: dict = {}
    for entry in live:
        stripped, index = _split(entry.name)
        by_key.setdefault(_key_for(stripped, keys), []).append((index, entry))
    queues = {k: [e for _, e in sorted(v, key=lambda item: item[0])] for k, v in by_key.items() if k}
    pairs, left_file = [], []
    for entry in file:
        queue = queues.get(entry.name)
        if queue:
            other = queue.pop(0)
            pairs.append(Pair(_same(entry, other), entry, other))
        else:
            left_file.append(entry)
    claimed = {id(p.live) for p in pairs}
    by_order, extra, missing = _by_order(left_file, [e for e in live if id(e) not in claimed])
    return _in_file_order(file, pairs + by_order + extra) + missing


def _by_order(left_file, left_live):
    """Leftovers paired in order: each file weight takes the first unclaimed live weight whose
    shape agrees (so a file that orders its layers differently still pairs shape for shape)."""
    pairs, extra, free = [], [], list(left_live)
    for entry in left_file:
        k = next((k for k, other in enumerate(free) if _same(entry, other) != "shape mismatch"), None)
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
