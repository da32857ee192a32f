"""Functions fit a screen: no function or method in the package is longer than 60 lines
(from `def` to the last line, docstring included; a layer declaration's decorator is data)."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "symparams"
LIMIT = 60
PENDING = set()     # nothing may be listed here
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if str(p.relative_to(PACKAGE)) not in PENDING)


def long_functions(source: str, limit: int = LIMIT):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = node.lineno
            length = node.end_lineno - start + 1
            if length > limit:
                yield f"{node.name} (line {node.lineno}): {length} lines"


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_functions_fit_a_screen(path):
    found = list(long_functions(path.read_text()))
    assert not found, f"{path.name}: {found}"


def test_the_check_finds_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    assert list(long_functions(f"def f():\n{body}\n")) == ["f (line 1): 62 lines"]
    assert not list(long_functions("def g():\n    return 1\n"))
