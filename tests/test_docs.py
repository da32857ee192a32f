"""Every code example in README.md and docs/*.md runs, by its fence's info string:

- `console`: each `$ symparams ...` line runs (a trailing `| tail -N` or `| head -N` is
  applied), and the lines after it, up to the next `$`, are exactly its output;
- `sh`: each line starting with `symparams ` runs and exits 0 (comments after `#` dropped);
- `python`: the block runs in a fresh namespace from the project root;
- `arch`: the block parses, and each model in it evaluates (in both conventions when the
  block pins a layout).

Fences with no info string, or `text`, are prose (tables of syntax, file excerpts) and are
not run. The layer catalog page is generated, so it is checked by rendering it."""
from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shlex

import pytest

from support import ROOT
import symparams
from symparams import catalog
from symparams.cli import main

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
PIPE = re.compile(r"\s*\|\s*(tail|head)\s+-n?\s*(\d+)\s*$")


def blocks(kind) -> list:
    return list(_blocks(kind))


def _blocks(kind):
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if match.group(1) == kind:
                line = text.count("\n", 0, match.start()) + 1
                yield pytest.param(match.group(2), id=f"{path.name}:{line}")


def run(command: str) -> tuple[int, str, str]:
    pipe = PIPE.search(command)
    argv = shlex.split(PIPE.sub("", command) if pipe else command, comments=True)
    assert argv[0] == "symparams", command
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv[1:])
    lines = out.getvalue().splitlines()
    if pipe:
        n = int(pipe.group(2))
        lines = lines[-n:] if pipe.group(1) == "tail" else lines[:n]
    return code, "\n".join(lines), err.getvalue()


def sessions(block: str):
    """(command, expected output) for each `$ ` line of a console block."""
    command, expected = None, []
    for line in block.splitlines():
        if line.startswith("$ "):
            if command is not None:
                yield command, expected
            command, expected = line[2:], []
        elif command is not None:
            expected.append(line)
    if command is not None:
        yield command, expected


def normalized(lines) -> str:
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def skip_without_the_extras(block):
    """`import torch` and `check` build a live model: they need torch, and transformers for `hf:`."""
    if ("import torch " in block or "--against torch:" in block) and not _has("torch"):
        pytest.skip("`symparams import torch` walks a live module: the torch extra is not installed")
    if "--against hf:" in block and not _has("torch", "transformers"):
        pytest.skip("`symparams check --against hf:` builds the live model: the hf extra is not installed")


@pytest.mark.parametrize("block", blocks("console"))
def test_console_examples_print_what_the_docs_show(block, monkeypatch):
    skip_without_the_extras(block)
    monkeypatch.chdir(ROOT)
    for command, expected in sessions(block):
        code, out, err = run(command)
        assert code == 0, (command, err)
        assert normalized(out.splitlines()) == normalized(expected), command


@pytest.mark.parametrize("block", blocks("sh"))
def test_shell_examples_run(block, monkeypatch, tmp_path):
    # From a scratch folder that sees the examples, so files the commands write (plots) land there.
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    skip_without_the_extras(block)
    commands = [line for line in block.splitlines() if line.startswith("symparams ")]
    for command in commands:
        code, _, err = run(command)
        assert code == 0, (command, err)


def _has(*modules) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in modules)


@pytest.mark.parametrize("block", blocks("python"))
def test_python_examples_run(block, monkeypatch):
    monkeypatch.chdir(ROOT)
    if "from .base import" in block:
        pytest.skip("a catalog declaration shown for reading (ARCHITECTURE.md); the real one is tested")
    exec(compile(block, "<docs>", "exec"), {"__name__": "docs_example"})  # the docs' own code, not user text


@pytest.mark.parametrize("block", blocks("arch"))
def test_arch_examples_parse_and_evaluate(block):
    program = symparams.parse(block, "<docs>")
    # Shapes are read in the convention's layout unless the block pins one (LANGUAGE.md §8).
    conventions = ("keras", "torch") if re.search(r"^layout ", block, re.M) else ("keras",)
    for name in program.models:      # `model NAME` and `default model NAME`, as the parser reads them
        for convention in conventions:
            assert program.model(name, convention=convention).params is not None
    if len(program.models) > 1 and program.default_model:     # named by `default`: evaluated unnamed
        assert program.model().name == program.default_model


def test_the_catalog_page_lists_every_layer_with_its_arguments():
    spec = importlib.util.spec_from_file_location("catalog_page", ROOT / "tools" / "catalog_page.py")
    page = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(page)
    text = page.render()
    for definition in catalog.CANONICAL.values():
        assert f"## `{definition.name}`" in text
        for param in definition.params:
            assert f"`{param.name}`" in text
    # One worked example, checked against Keras's documented Conv2D weight shapes.
    assert ("| keras | `kernel` (kernel_size, kernel_size, C, filters), `bias` (filters,) | "
            "`filters*(C*kernel_size**2 + 1)` |") in text


def test_the_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs", reason="the docs extra (MkDocs) is not installed")
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    catalog_page = (tmp_path / "site" / "CATALOG" / "index.html").read_text()
    assert all(f'id="{name}"' in catalog_page for name in catalog.CANONICAL)
