"""A traced module's layers as .arch text: repeated submodules folded into blocks, consecutive
identical block calls into `repeat`, and (`--symbolize`) literal widths, depths and width ratios
lifted into model parameters whose defaults are the literals.

Pure: the torch side (`torch_module.py`) hands over `Item`s, one per traced node, each with the
submodules it ran inside; nothing here imports torch. A submodule becomes a block call when
another submodule has the same class and the same layers (sizes aside), one input and one output;
sizes that differ between the calls become the block's parameters, and a size that is always the
same whole multiple of another is written as that multiple (`4*c1`). Layer names are relative to
the submodule (`conv1`, `downsample.0`), so `symparams check` pairs each call's weights with the
live `layer1.0.conv1` in order."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")
_IDENT = re.compile(r"[^A-Za-z0-9_]")


class Width(int):
    """A size that is a width (units, channels, table rows): what `--symbolize` lifts."""


class Dim(int):
    """A learned tensor's size: `--symbolize` lifts it only where it equals a lifted width (a
    position table's rows are a sequence length, its columns the model's width)."""


class Ratio(int):
    """A block argument that is a constant ratio between two widths (a bottleneck's expansion)."""


class Quotient(tuple):
    """(width, heads): a head size written as `width / heads`, so both may become symbols."""


@dataclass(frozen=True)
class Lit:
    text: str


@dataclass(frozen=True)
class Ref:
    node: str


@dataclass(frozen=True)
class Call:
    layer: str
    args: tuple = ()
    options: tuple = ()          # (keyword, value, default): shown when value != default
    name: str | None = None      # the module's qualified name


@dataclass
class Item:
    node: str                    # the traced node whose tensor this is
    inputs: tuple                # node names; the first is the tensor the layer reads
    call: Call | None            # None: could not be mapped (`note` says why)
    stack: tuple = ()            # ((qualified name, class name), ...) of the enclosing submodules;
                                 # a block call: (the container's name,)
    note: str = ""
    repeat: tuple | None = None  # a run of block calls: (calls, calls of the class before it, count text)
    cls: str = ""                # a block call: the submodule's class
    block: tuple | None = None   # a block call: (its key, which instance)


# ---- values -------------------------------------------------------------------------------

def render_value(value, name_of) -> str:
    if isinstance(value, Lit):
        return value.text
    if isinstance(value, Ref):
        return name_of(value.node)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, Quotient):
        return " / ".join(render_value(v, name_of) for v in value)
    if isinstance(value, tuple):
        inner = ", ".join(render_value(v, name_of) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return str(value)


def render_call(call: Call, name_of, name=None) -> str:
    parts = [render_value(a, name_of) for a in call.args]
    parts += [f"{k}={render_value(v, name_of)}" for k, v, default in call.options if v != default]
    name = call.name if name is None else name
    if name:
        parts.append(f'name="{name}"')
    return f"{call.layer}({', '.join(parts)})" if parts else call.layer


def _is_size(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def slots(call: Call) -> list:
    """The call's whole-number sizes in order (tuple members included)."""
    out = []
    for value in [*call.args, *(v for _, v, _ in call.options)]:
        out.extend(v for v in (value if isinstance(value, tuple) else (value,)) if _is_size(v))
    return out


def with_slots(call: Call, texts: list) -> Call:
    """The call with its sizes replaced, in `slots` order, by expression texts (an option whose
    text is its default stays the default, so it is left out)."""
    texts = iter(texts)

    def sub(value, default=None):
        if isinstance(value, tuple):
            return type(value)(sub(v) for v in value)
        if not _is_size(value):
            return value
        text = next(texts)
        return default if default is not None and text == str(default) else Lit(text)
    return replace(call, args=tuple(sub(a) for a in call.args),
                   options=tuple((k, sub(v, d), d) for k, v, d in call.options))


def masked(call: Call):
    """What makes two calls the same layer up to their sizes."""
    def mask(value):
        if isinstance(value, tuple):
            return (type(value).__name__, *(mask(v) for v in value))
        return "#" if _is_size(value) else "ref" if isinstance(value, Ref) else value
    return (call.layer, tuple(mask(a) for a in call.args),
            tuple((k, mask(v), _is_size(v) or v == d) for k, v, d in call.options), call.name)


# ---- the module tree ----------------------------------------------------------------------

@dataclass
class Group:
    path: str
    cls: str
    members: list = field(default_factory=list)

    def leaves(self) -> list:
        out = []
        for m in self.members:
            out.extend(m.leaves() if isinstance(m, Group) else [m])
        return out


def module_tree(items) -> Group:
    root, open_ = Group("", ""), []
    for item in items:
        keep = 0
        while keep < min(len(open_), len(item.stack)) and open_[keep].path == item.stack[keep][0]:
            keep += 1
        del open_[keep:]
        for path, cls in item.stack[keep:]:
            group = Group(path, cls)
            (open_[-1] if open_ else root).members.append(group)
            open_.append(group)
        (open_[-1] if open_ else root).members.append(item)
    return root


def users_of(items, result) -> dict:
    """{node: [the nodes that read it]}; the model's output reads its result (one node or a tuple)."""
    users: dict = {}
    for item in items:
        for node in item.inputs:
            users.setdefault(node, []).append(item.node)
    for node in (result if isinstance(result, tuple) else (result,)):
        users.setdefault(node, []).append("<output>" if not isinstance(result, tuple) else "<outputs>")
    return users


@dataclass
class Instance:
    group: Group
    items: list
    entry: str                   # the one outside tensor it reads
    output: str                  # the one tensor read outside it
    key: tuple
    args: tuple = ()             # the block call's arguments, once the block is defined


def instance(group: Group, users: dict) -> Instance | None:
    """The submodule as a possible block call: one class, mapped layers, one input, one output."""
    if group.cls in CONTAINERS:
        return None
    items = group.leaves()
    inside = {item.node for item in items}
    if len(items) < 2 or any(item.call is None or item.repeat for item in items) \
            or not any(item.call.name for item in items):
        return None     # a block is worth it for a submodule with weights and more than one layer
    entries = list(dict.fromkeys(n for item in items for n in item.inputs if n not in inside))
    outputs = [item.node for item in items if any(u not in inside for u in users.get(item.node, ()))]
    if len(entries) != 1 or len(outputs) != 1:
        return None
    local = {item.node: k for k, item in enumerate(items)}
    shape = tuple((masked(replace(item.call, name=_relative(item.call.name, group.path))),
                   tuple(local.get(n, -1) for n in item.inputs)) for item in items)
    return Instance(group, items, entries[0], outputs[0], (group.cls, shape, local[outputs[0]]))


def _relative(name, path):
    return name[len(path) + 1:] if name and name.startswith(path + ".") else name


# ---- blocks -------------------------------------------------------------------------------

@dataclass
class Param:
    name: str
    vector: tuple                # its value in each call
    role: str                    # c: a width, e: a ratio of widths, a: any other size


def _param(params, vector, role) -> str:
    for p in params:
        if p.role == role and p.vector == vector:
            return p.name
    name = f"{role}{1 + sum(p.role == role for p in params)}"
    params.append(Param(name, vector, role))
    return name


def _bases(vectors) -> dict:
    """{width vector: (base vector, k)} for a vector that is k times a smaller one in every call."""
    out, bases = {}, []
    for v in sorted(set(vectors), key=lambda v: v[0]):
        base = next((b for b in bases if all(x % y == 0 for x, y in zip(v, b))
                     and len({x // y for x, y in zip(v, b)}) == 1 and v[0] // b[0] >= 2), None)
        if base is None:
            bases.append(v)
        else:
            out[v] = (base, v[0] // base[0])
    return out


def block_texts(instances, symbolize) -> tuple:
    """(per item of the first instance, the texts of its sizes; the block's parameters)."""
    columns = [list(zip(*(slots(inst.items[j].call) for inst in instances)))
               for j in range(len(instances[0].items))]
    kinds = [[isinstance(v, Width) for v in slots(item.call)] for item in instances[0].items]
    lifted = lambda v, w: len(set(v)) > 1 or (symbolize and w)     # noqa: E731
    derived = _bases([v for col, ks in zip(columns, kinds) for v, w in zip(col, ks) if w and lifted(v, w)])
    params, texts = [], []
    for col, ks in zip(columns, kinds):
        row = []
        for vector, is_width in zip(col, ks):
            if not lifted(vector, is_width):
                row.append(str(vector[0]))
            elif is_width and vector in derived:
                base, k = derived[vector]
                width = _param(params, base, "c")
                ratio = _param(params, (Ratio(k),) * len(vector), "e") if symbolize else str(k)
                row.append(f"{ratio}*{width}")
            else:
                row.append(_param(params, vector, "c" if is_width else "a"))
        texts.append(row)
    return texts, params


def define_block(name, instances, symbolize) -> str:
    first = instances[0]
    texts, params = block_texts(instances, symbolize)
    prefix = first.group.path.replace(".", "_") + "_"
    names = {first.entry: "x"}
    for item in first.items:
        local = item.node[len(prefix):] if item.node.startswith(prefix) else item.node
        names[item.node] = "t_" + _IDENT.sub("_", local)
    body = [replace(item, call=with_slots(replace(item.call, name=_relative(item.call.name, first.group.path)),
                                          row)) for item, row in zip(first.items, texts)]
    lines = emit(body, first.entry, first.output, names.__getitem__)
    head = f"block {name}({', '.join(p.name for p in params)}):"
    for k, inst in enumerate(instances):
        inst.args = tuple(_typed(p.role, p.vector[k]) for p in params)
    return "\n".join([head, *lines])


def _typed(role, value):
    return Width(value) if role == "c" else Ratio(value) if role == "e" else int(value)


# ---- emission -----------------------------------------------------------------------------

def _needs_name(node, users, after) -> bool:
    """Whether some reader takes `node` by name rather than as the current tensor."""
    for user in users.get(node, ()):
        if user == "<output>" and after is None:
            continue
        if (after is not None and after.call is not None and user == after.node and after.inputs
                and after.inputs[0] == node and after.inputs.count(node) == 1):
            continue
        return True
    return False


def _chain(items, k, users) -> list:
    """The items from k on that each read only the one before, and are its only reader."""
    chain = [items[k]]
    while k + len(chain) < len(items):
        nxt, last = items[k + len(chain)], chain[-1].node
        if (nxt.call is None or nxt.repeat or not nxt.inputs or nxt.inputs[0] != last
                or users.get(last) != [nxt.node] or nxt.inputs.count(last) != 1):
            break
        chain.append(nxt)
    return chain


def _commuted(items) -> list:
    """`x + f(x)` read as `f(x) + x`: an add or multiply whose second tensor is the layer just
    before it takes that one as its current tensor, so the chain goes on (`... -> add(x)`)."""
    out = []
    for item in items:
        if (out and item.call is not None and item.call.layer in ("add", "multiply") and len(item.inputs) == 2
                and item.inputs[1] == out[-1].node and item.inputs[0] != out[-1].node):
            first, second = item.inputs
            item = replace(item, inputs=(second, first), call=replace(item.call, args=(Ref(first),)))
        out.append(item)
    return out


def emit(items, entry, result, name_of, declared=False) -> list:
    """A body's statements: chains on the current tensor, bindings where a tensor is read by name.
    The entry is the tensor current at the start (an input when `declared`, else bound as needed)."""
    items = _commuted(items)
    users, named, lines, current, k = users_of(items, result), set(), [], entry, 0

    def name(node):
        named.add(node)
        return name_of(node)
    while k < len(items):
        item = items[k]
        if item.call is None:
            lines.append(f"    # cannot map {item.note}")
            k += 1
            continue
        chain = [item] if item.repeat else _chain(items, k, users)
        k += len(chain)
        after, last, source = items[k] if k < len(items) else None, chain[-1].node, item.inputs[:1]
        start = f"{name(source[0])} -> " if source and source[0] != current else ""
        if item.repeat:
            lines += [f"    {start[:-4]}"] if start else []
            lines.append(f"    repeat {item.repeat[2]}: {render_call(item.call, name)}")
            current = last
            lines += [f"    {name(last)} = identity"] if _needs_name(last, users, after) else []
            continue
        calls = [render_call(c.call, name) for c in chain]
        text = start + (" -> " if sum(map(len, calls)) < 90 else "\n        -> ").join(calls)
        if _needs_name(last, users, after):
            lines.append(f"    {name(last)} = {text}")
        else:
            lines.append(f"    {text}")
            current = last
    if isinstance(result, tuple):
        lines.append(f"    return {', '.join(name(node) for node in result)}")
    elif result != current:
        lines.append(f"    return {name(result)}")
    if entry in named and not declared:
        lines.insert(0, f"    {name_of(entry)} = identity")
    return lines


# ---- folding ------------------------------------------------------------------------------

def fold(items, result, symbolize, taken) -> tuple:
    """(block definitions, the model's items): each submodule whose kind occurs twice or more
    becomes a call of one block; the others are opened up into their layers."""
    users, tree, found = users_of(items, result), module_tree(items), {}

    def scan(group):
        for m in group.members:
            if isinstance(m, Group):
                inst = instance(m, users)
                if inst:
                    found[id(m)] = inst
                scan(m)
    scan(tree)
    counts: dict = {}
    for inst in found.values():
        counts[inst.key] = counts.get(inst.key, 0) + 1
    registry: dict = {}

    def walk(group):
        out = []
        for m in group.members:
            inst = found.get(id(m))
            if isinstance(m, Item):
                out.append(m)
            elif inst and counts[inst.key] >= 2:
                registry.setdefault(inst.key, []).append(inst)
                out.append(Item(inst.output, (inst.entry,), None, stack=(m.path.rpartition(".")[0],),
                                cls=m.cls, block=(inst.key, len(registry[inst.key]) - 1)))
            else:
                out.extend(walk(m))
        return out
    body = walk(tree)
    names, texts = {}, []
    for key, instances in registry.items():
        names[key] = _fresh(_IDENT.sub("_", key[0]) or "Block", taken)
        texts.append(define_block(names[key], instances, symbolize))
    for item in body:
        if item.block:
            key, k = item.block
            item.call = Call(names[key], registry[key][k].args)
    return texts, runs(body, users_of(body, result))


def _fresh(name, taken) -> str:
    name = name[0].upper() + name[1:]
    out, n = name, 0
    while out in taken:
        n += 1
        out = f"{name}{n + 1}"      # not Name_1: that labels a block's second call
    taken.add(out)
    return out


def _follows(items, k, users) -> bool:
    """items[k] reads items[k - 1], its only reader, as its current tensor."""
    prev = items[k - 1]
    return bool(items[k].inputs) and items[k].inputs[0] == prev.node and users.get(prev.node) == [items[k].node]


def runs(items, users) -> list:
    """Consecutive identical block calls, each reading the one before, as one `repeat`."""
    out, k = [], 0
    while k < len(items):
        item, end = items[k], k + 1
        while (item.block and end < len(items) and items[end].block and items[end].call == item.call
               and _follows(items, end, users)):
            end += 1
        if end - k < 2:
            out.append(item)
            k += 1
            continue
        before = 0      # the calls of other blocks of the class just before it, in the same container
        while (k - before - 1 >= 0 and items[k - before - 1].block and items[k - before - 1].cls == item.cls
               and items[k - before - 1].stack == item.stack and items[k - before - 1].call.layer != item.call.layer
               and _follows(items, k - before, users)):
            before += 1
        out.append(replace(item, node=items[end - 1].node, repeat=(end - k, before, str(end - k))))
        k = end
    return out


# ---- --symbolize --------------------------------------------------------------------------

def symbolize(items) -> list:
    """Lift the model's literal widths (w1, w2, ... one per value), width ratios (e1, ...) and
    repeat depths (n1, ... one per run, counting the calls of the class just before it) into
    parameters: [(name, default)]; the items are changed in place."""
    symbols: dict = {}
    depths = []
    widths = {int(v) for item in items if item.call is not None for v in slots(item.call) if isinstance(v, Width)}

    def lift(value):
        if isinstance(value, tuple):
            return type(value)(lift(v) for v in value)
        if isinstance(value, Dim) and value in widths:
            value = Width(value)
        if isinstance(value, (Width, Ratio)) and value >= 2:
            kind = "e" if isinstance(value, Ratio) else "w"
            key = (kind, int(value))
            if key not in symbols:
                symbols[key] = f"{kind}{1 + sum(k[0] == kind for k in symbols)}"
            return Lit(symbols[key])
        return value
    for item in items:
        if item.call is not None:
            item.call = replace(item.call, args=tuple(lift(a) for a in item.call.args),
                                options=tuple((k, lift(v), d) for k, v, d in item.call.options))
        if item.repeat:
            calls, before, _ = item.repeat
            depths.append((f"n{len(depths) + 1}", calls + before))
            item.repeat = (calls, before, depths[-1][0] + (f" - {before}" if before else ""))
    widths = [(name, value) for (kind, value), name in symbols.items() if kind == "w"]
    ratios = [(name, value) for (kind, value), name in symbols.items() if kind == "e"]
    return widths + depths + ratios


def assemble(items, inputs, result, model_name, symbolized, head, layout) -> str:
    """The whole file: `inputs` is [(node, shape)], the first input's tensor current at the start."""
    taken = {model_name}
    blocks, body = fold(items, result, symbolized, taken)
    params = symbolize(body) if symbolized else []
    names = {node: "t_" + _IDENT.sub("_", node) for node in
             [n for n, _ in inputs] + [item.node for item in body] + [n for item in body for n in item.inputs]
             + list(result if isinstance(result, tuple) else (result,))}
    lines = [f"    input {names[node]} ({', '.join(str(d) for d in shape)}{',' if len(shape) == 1 else ''})"
             for node, shape in inputs]
    # With several inputs every chain names the one it reads (the current tensor would be the last).
    lines += emit(body, inputs[-1][0] if len(inputs) == 1 else None, result, names.__getitem__, declared=True)
    signature = ", ".join(f"{name}={value}" for name, value in params)
    text = [head, layout, *(b + "\n" for b in blocks), f"model {model_name}({signature}):", *lines]
    return "\n".join(t for t in text if t is not None) + "\n"
