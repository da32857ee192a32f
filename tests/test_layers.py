"""Every import points down: the layer map of docs/ARCHITECTURE.md, enforced.

The map is read from the table in docs/ARCHITECTURE.md (one place). A module may import from its
own layer or a lower one, imports inside functions included; the modules of one layer never
import each other in a circle; every module of the package is in the map. There is no list of
exceptions."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "symparams"
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
_LAYER_ROW = re.compile(r"^\|\s*(\d+)\s*\|([^|]*)\|")


def layer_map(text: str) -> dict:
    """{module or package name: layer number} from the `| layer | modules | ... |` table."""
    layers = {}
    for line in text.splitlines():
        match = _LAYER_ROW.match(line)
        if match:
            for name in re.findall(r"`([\w.]+)`", match.group(2)):
                assert name not in layers, f"{name} is in two layers of the map"
                layers[name] = int(match.group(1))
    return layers


LAYERS = layer_map(ARCHITECTURE.read_text())


def module_name(path: Path) -> str:
    """symparams/printers/text.py -> printers.text; symparams/catalog/__init__.py -> catalog."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str, layers=None):
    layers = LAYERS if layers is None else layers
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in layers:
            return layers[".".join(parts[:n])]
    return None


def _package_of(module: str, path: Path) -> list:
    parts = [] if module == "__init__" else module.split(".")
    return parts if path.name == "__init__.py" else parts[:-1]


def imports(module: str, path: Path, source: str, modules=None):
    """(line, imported module) for every import of the package in `source`, wherever it is."""
    modules = MODULES if modules is None else modules
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "symparams":
                    yield node.lineno, ".".join(alias.name.split(".")[1:]) or "__init__"
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(module, path)
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
            elif node.module and node.module.split(".")[0] == "symparams":
                base = []
                node_module = ".".join(node.module.split(".")[1:])
                yield from _from_targets(node, base + (node_module.split(".") if node_module else []), modules)
                continue
            else:
                continue
            target = base + (node.module.split(".") if node.module else [])
            yield from _from_targets(node, target, modules)


def _from_targets(node, target, modules):
    name = ".".join(target) or "__init__"
    found = False
    for alias in node.names:                       # `from . import ast, catalog`: each a module
        sub = ".".join([*target, alias.name])
        if sub in modules:
            found = True
            yield node.lineno, sub
    if not found:
        yield node.lineno, name


def upward_imports(modules=None, layers=None):
    modules = MODULES if modules is None else modules
    found = []
    for module, path in modules.items():
        source = path.read_text() if isinstance(path, Path) and path.exists() else modules[module][1]
        for line, target in imports(module, _path(path), source, modules):
            mine, theirs = layer_of(module, layers), layer_of(target, layers)
            if None not in (mine, theirs) and theirs > mine:
                found.append(f"{_file(path)}:{line} (layer {mine}) imports {_file(modules[target])} "
                             f"(layer {theirs})" if target in modules else f"{_file(path)}:{line} imports {target}")
    return found


def _path(entry):
    return entry if isinstance(entry, Path) else entry[0]


def _file(entry) -> str:
    path = _path(entry)
    return str(path.relative_to(ROOT)) if path.is_absolute() else str(path)


def cycles(modules=None, layers=None):
    """Circles of imports among the modules (only same-layer circles can be left once nothing
    points up)."""
    modules = MODULES if modules is None else modules
    graph = {}
    for module, entry in modules.items():
        source = entry.read_text() if isinstance(entry, Path) else entry[1]
        graph[module] = {t for _, t in imports(module, _path(entry), source, modules)
                         if t in modules and t != module}
    found, state = [], {}

    def visit(module, stack):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                found.append(" -> ".join(_file(modules[m]) for m in stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target, stack + [target])
        state[module] = "done"
    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def test_every_module_is_in_the_map():
    missing = sorted(_file(p) for m, p in MODULES.items() if layer_of(m) is None)
    assert not missing, f"add these to the layer table of docs/ARCHITECTURE.md: {missing}"


def test_no_import_points_up():
    found = upward_imports()
    assert not found, "upward imports:\n" + "\n".join(found)


def test_no_import_cycle():
    found = cycles()
    assert not found, "import cycles:\n" + "\n".join(found)


def test_the_map_has_the_layers_of_the_data_flow():
    # text -> AST -> evaluation -> records -> analyses -> printers -> facade -> commands
    order = ["errors", "ast", "parser", "catalog", "results", "evaluator", "algebra", "printers", "model",
             "program", "cli"]
    assert [LAYERS[m] for m in order] == sorted(LAYERS[m] for m in order)
    assert LAYERS["results"] < LAYERS["evaluator"] < LAYERS["breakdown"] < LAYERS["printers"] < LAYERS["model"]


FAKE = {
    "results": (Path("symparams/results.py"), "def f():\n    from .printers.text import x\n"),
    "printers.text": (Path("symparams/printers/text.py"), "from ..results import y\nfrom . import json\n"),
    "printers.json": (Path("symparams/printers/json.py"), "from .text import z\n"),
}


def test_the_checks_can_fail():
    layers = {"results": 5, "printers": 8}
    assert upward_imports(FAKE, layers) == [
        "symparams/results.py:2 (layer 5) imports symparams/printers/text.py (layer 8)"]
    assert cycles(FAKE, layers) == [
        "symparams/printers/json.py -> symparams/printers/text.py -> symparams/printers/json.py",
        "symparams/printers/text.py -> symparams/results.py -> symparams/printers/text.py"]
    assert layer_map("| 3 | `parser`, `text` | x |\n| 9 | `model` | y |") == {"parser": 3, "text": 3, "model": 9}
