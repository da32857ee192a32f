"""Mutation testing of symparams with the project's own mutant list (tools/mutants.py).

Each mutant is one realistic single-point bug: a snippet of a file and what it becomes.
For each one this script plants the edit in a scratch copy of the repository, runs the
tests that cover the mutated module (TESTS_FOR below; -x, no live tests, no cache),
reverts the edit, and reports whether the tests killed it. The working tree is never
touched; the scratch copy is deleted at the end, even on Ctrl-C.

    nice python tools/mutate.py              # every mutant
    nice python tools/mutate.py -k conv      # mutants whose id contains "conv"
    python tools/mutate.py --check           # only check that every snippet is found once

A snippet that is not found exactly once stops the run before anything is planted:
the list must follow the code (update tools/mutants.py when a refactor moves a snippet).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from mutants import MUTANTS, Mutant  # noqa: E402

# Imported here, once: every forked test run shares them (symparams is never imported here).
import hypothesis  # noqa: E402,F401
import lark  # noqa: E402,F401
import pytest  # noqa: E402
import sympy  # noqa: E402,F401

TIMEOUT = 300
VERBOSE = False   # --verbose: show the tests' output     # seconds; a mutant that makes the tests hang counts as killed (the suite noticed)

# Which tests cover which module: the first matching prefix wins (a mutant may name its own).
# Kept small, pytest's -k included, so that a full run on the shared 2-core machine takes
# about twenty minutes: the slow files (CLI subprocesses, pdflatex, hypothesis soundness
# runs) are narrowed to the tests that read the module.
FAST_STAGES = ("tests/test_stages.py", "-k", "not substituted and not conditional_match and not collapsing "
               "and not sweeping and not cli")
TESTS_FOR = [
    ("grammar/", ("tests/test_planted_bugs.py", "tests/test_rules.py", "tests/test_language.py")),
    ("symparams/parser.py", ("tests/test_planted_bugs.py", "tests/test_rules.py", "tests/test_language.py")),
    ("symparams/ast.py", ("tests/test_planted_bugs.py",)),
    ("symparams/expressions.py", ("tests/test_planted_bugs.py", "tests/test_rules.py", "tests/test_language.py")),
    ("symparams/limits.py", ("tests/test_errors.py", "-k", "huge or bomb")),
    ("symparams/values.py", ("tests/test_planted_bugs.py", "tests/test_rules.py")),
    ("symparams/errors.py", ("tests/test_errors.py", "-k", "unknown-layer or missing-colon or api_raises")),
    ("symparams/text.py", ("tests/test_stages.py", "-k", "print_as_authors")),
    ("symparams/evaluat", ("tests/test_planted_bugs.py", "tests/test_rules.py", "tests/test_language.py")),
    ("symparams/stages.py", ("tests/test_planted_bugs.py", *FAST_STAGES)),
    ("symparams/sizes.py", ("tests/test_planted_bugs.py", *FAST_STAGES)),
    ("symparams/results.py", ("tests/test_planted_bugs.py", "tests/test_rules.py", "tests/test_macs.py",
                              "tests/test_api.py")),
    ("symparams/results_types.py", ("tests/test_planted_bugs.py", "tests/test_rules.py", "tests/test_api.py")),
    ("symparams/program.py", ("tests/test_api.py",)),
    ("symparams/breakdown.py", ("tests/test_formulas.py", "-k", "breakdown")),
    ("symparams/compare.py", ("tests/test_formulas.py", "-k", "compare and not cli")),
    ("symparams/sweep.py", ("tests/test_formulas.py", "-k", "sweep and not cli")),
    ("symparams/algebra.py", ("tests/test_output_edges.py", "tests/test_formulas.py", "-k", "(algebra or solve or leading) and not cli")),
    ("symparams/catalog/attention.py", ("tests/test_macs.py", "tests/test_attention.py")),
    ("symparams/catalog/recurrent.py", ("tests/test_macs.py", "tests/test_recurrent.py")),
    ("symparams/catalog/transpose.py", ("tests/test_macs.py", "tests/test_transpose.py")),
    ("symparams/catalog/extras.py", ("tests/test_extras.py",)),
    ("symparams/catalog/", ("tests/test_planted_bugs.py", "tests/test_macs.py", "tests/test_rules.py", "tests/test_oracle_cases.py")),
    ("symparams/printers/notebook.py", ("tests/test_notebook.py",)),
    ("symparams/printers/latex", ("tests/test_output_edges.py", "tests/test_latex.py", "-k", "not pdflatex and not compiles")),
    ("symparams/printers/", ("tests/test_output_edges.py", "tests/test_text_summary.py", "tests/test_notebook.py")),
    ("symparams/commands/plot.py", ("tests/test_plot.py",)),
    ("symparams/commands/repl.py", ("tests/test_command_edges.py", "tests/test_repl.py")),
    ("symparams/commands/", ("tests/test_command_edges.py", "tests/test_cli.py")),
    ("symparams/cli.py", ("tests/test_cli.py", "-k", "usage")),
    ("symparams/__", ("tests/test_cli.py", "-k", "usage")),
]

PYTEST = ["-x", "-q", "-p", "no:cacheprovider", "--ignore=tests/oracle", "-o", "addopts="]


def tests_for(mutant: Mutant) -> tuple:
    if mutant.tests:
        return tuple(mutant.tests)
    for prefix, tests in TESTS_FOR:
        if mutant.file.startswith(prefix):
            return tests
    raise SystemExit(f"mutate: no tests mapped for {mutant.file}: add it to TESTS_FOR")


def locate(mutant: Mutant, root: Path) -> str:
    """The file's text; stops the run unless the snippet occurs exactly once."""
    path = root / mutant.file
    if not path.exists():
        raise SystemExit(f"mutate: {mutant.id}: file {mutant.file} not found")
    text = path.read_text()
    count = text.count(mutant.original)
    if count != 1:
        where = "snippet not found" if count == 0 else f"snippet found {count} times"
        raise SystemExit(f"mutate: {mutant.id}: {where} in {mutant.file}:\n{mutant.original}")
    return text


def run_tests(copy: Path, tests: list[str]) -> tuple[bool, float]:
    """pytest on the scratch copy, in a forked child: SymPy, Lark, Hypothesis and pytest are
    imported once by this process, symparams afresh (mutated) by each child."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:                                  # the child: never returns
        code = 1
        try:
            os.chdir(copy)
            sys.path.insert(0, str(copy))
            os.environ.update(PYTHONPATH=str(copy), KERAS_BACKEND="torch", SYMPARAMS_HYPOTHESIS_PROFILE="dev",
                              PYTHONDONTWRITEBYTECODE="1")
            if not VERBOSE:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
            code = int(pytest.main([*PYTEST, *tests]))
        finally:
            os._exit(code)
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status) == 0, time.monotonic() - start
            if time.monotonic() - start > TIMEOUT:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return False, time.monotonic() - start
            time.sleep(0.05)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise


def scratch_copy() -> Path:
    """The whole working tree (without .git and caches) in a temporary directory."""
    where = Path(tempfile.mkdtemp(prefix="symparams-mutants-")) / "repo"
    shutil.copytree(ROOT, where, ignore=shutil.ignore_patterns(".git", "__pycache__", ".hypothesis",
                                                               ".pytest_cache", "*.egg-info", "site"))
    return where


def baseline(copy: Path, chosen: list[Mutant]):
    """Every test selection must pass unmutated: otherwise every mutant would look killed."""
    for tests in sorted({tests_for(m) for m in chosen if not m.equivalent}):
        passed, seconds = run_tests(copy, list(tests))
        if not passed:
            raise SystemExit(f"mutate: the unmutated tests fail: {' '.join(tests)} (run them to see why)")
        print(f"baseline ok ({seconds:5.1f}s): {' '.join(tests)}", flush=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt     # `kill PID` reverts and cleans up as Ctrl-C does


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", default="", help="run only mutants whose id contains this text")
    parser.add_argument("--check", action="store_true", help="only check that every snippet is found once")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run of the tests")
    parser.add_argument("--verbose", action="store_true", help="show the tests' output")
    args = parser.parse_args(argv)
    global VERBOSE
    VERBOSE = args.verbose

    chosen = [m for m in MUTANTS if args.k in m.id]
    ids = [m.id for m in MUTANTS]
    if len(set(ids)) != len(ids):
        raise SystemExit("mutate: mutant ids must be unique")
    for m in chosen:
        locate(m, ROOT)
        if m.original == m.mutated:
            raise SystemExit(f"mutate: {m.id}: the mutation changes nothing")
        tests_for(m)
    if args.check:
        modules = sorted({m.file for m in MUTANTS})
        print(f"{len(chosen)} mutants, every snippet found once, over {len(modules)} files")
        return 0

    signal.signal(signal.SIGTERM, _interrupt)
    copy = scratch_copy()
    try:
        if not args.no_baseline:
            baseline(copy, chosen)
        return report(copy, chosen)
    except KeyboardInterrupt:
        print("\ninterrupted: every planted edit reverted", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)


def report(copy: Path, chosen: list[Mutant]) -> int:
    killed, survived, equivalent = [], [], []
    for n, m in enumerate(chosen, 1):
        if m.equivalent:
            equivalent.append(m)
            print(f"[{n:3}/{len(chosen)}] equivalent  {m.id}: {m.why}", flush=True)
            continue
        path = copy / m.file
        text = locate(m, copy)
        try:
            path.write_text(text.replace(m.original, m.mutated, 1))
            passed, seconds = run_tests(copy, list(tests_for(m)))
        finally:
            path.write_text(text)       # always revert, also on Ctrl-C
        (survived if passed else killed).append(m)
        print(f"[{n:3}/{len(chosen)}] {'SURVIVED' if passed else 'killed  '} ({seconds:5.1f}s) {m.id}: {m.why}",
              flush=True)
    scored = len(killed) + len(survived)
    print(f"\nkilled {len(killed)}, survived {len(survived)}, equivalent {len(equivalent)} "
          f"of {len(chosen)} mutants over {len({m.file for m in chosen})} files")
    if scored:
        print(f"score: {100 * len(killed) / scored:.1f}% of non-equivalent mutants killed")
    for m in survived:
        print(f"  survived: {m.id} ({m.file}): {m.why}")
    return 0 if not survived else 1


if __name__ == "__main__":
    sys.exit(main())
