"""No user text can reach Python's eval: the package never calls eval, exec, compile,
sympify, parse_expr, or sympy's S(...) — not even on values that are not text —
so a reviewer need not trace where each argument came from."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "symparams"
BANNED = {"eval", "exec", "compile", "sympify", "parse_expr", "S", "__import__"}
# Methods that merely share a builtin's name (re.compile) are fine; these are not.
BANNED_METHODS = {"sympify", "parse_expr", "S", "eval", "exec"}
# Functions that run generated code. Each one used is named here with the reason it is safe.
RUNS_CODE = {"lambdify"}
ALLOWED = {
    # sympy.lambdify writes Python source and exec's it. symparams.sweep gives it only expressions
    # built from the AST (symbols, integers, + * ** floor ...), never text, with dummify=True so
    # that user-chosen symbol names never appear in the generated code.
    "lambdify": "sweep.py",
}
SOURCES = sorted(PACKAGE.rglob("*.py"))


def banned_calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in BANNED:
                yield node.lineno, func.id
            if isinstance(func, ast.Attribute) and func.attr in BANNED_METHODS:
                yield node.lineno, func.attr
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in RUNS_CODE:
                yield node.lineno, name
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sympy"):
            for alias in node.names:
                if alias.name in BANNED:
                    yield node.lineno, f"import of {alias.name}"


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_no_eval_reachable(path):
    found = [(line, name) for line, name in banned_calls(ast.parse(path.read_text(), str(path)))
             if ALLOWED.get(name) != path.name]
    assert not found, f"{path.name}: {found}"


def test_the_check_finds_what_it_bans():
    # The test above must be able to fail.
    tree = ast.parse("import sympy, re\nsympy.sympify(text)\neval(x)\nfrom sympy import S\nS('1')\nre.compile('x')\n"
                     "sympy.lambdify(args, e)\n")
    assert {name for _, name in banned_calls(tree)} == {"sympify", "eval", "import of S", "S", "lambdify"}


def test_expressions_are_built_from_the_parse_tree():
    # A payload that eval would run is only ever a name to symparams.
    import symparams
    net = symparams.parse("model M():\n    input (__import__,)\n    dense(2)\n").model()
    assert str(net.layers[0].output_shape[0]) == "__import__"
