"""The mutant table of tools/mutate.py follows the code: every mutant's snippet is found exactly
once in its file, so a refactor that moves or rewrites one fails here (in CI), not at the next
mutation run. When one fails, update that row of tools/mutants.py so that it stands for the same
bug (its `why`) where the code lives now (tools/README.md)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name):
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MUTATE = _load("mutate")          # imports tools/mutants.py as the run does
MUTANTS = MUTATE.MUTANTS


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_each_snippet_is_found_exactly_once(mutant):
    path = ROOT / mutant.file
    assert path.exists(), f"{mutant.id}: no file {mutant.file}"
    count = path.read_text().count(mutant.original)
    assert count == 1, f"{mutant.id}: snippet found {count} times in {mutant.file} ({mutant.why})"


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_each_mutant_changes_its_file_and_has_tests(mutant):
    assert mutant.mutated != mutant.original
    assert MUTATE.tests_for(mutant), f"{mutant.id}: no tests mapped for {mutant.file}"


def test_mutant_ids_are_unique():
    ids = [m.id for m in MUTANTS]
    assert sorted(ids) == sorted(set(ids))
