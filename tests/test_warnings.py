"""Warnings (LANGUAGE.md §4.1): located, on stderr, in JSON, dropped by --quiet, and never a
change to any figure."""
import json
import subprocess
import sys

import pytest

import symparams

SOURCE = """model M(T=4):
    input enc (T, 8)
    input dec (T, 8)
    x = dec -> dense(3)
    dense(4)
"""


def warnings_of(source):
    return [(span.line, span.column, message) for message, span in symparams.parse(source).model().warnings]


@pytest.mark.parametrize("source, expected", [
    (SOURCE, [(5, 5, "this chain reads input 'dec' (the last one declared) without naming it: write `dec -> ...`"),
              (2, 5, "input 'enc' is never used"),
              (4, 5, "'x' is bound but never used (its layers' weights still count)")]),
    # a block's branch: reported once however often the block is called
    ("block B():\n    y = dense(2)\n    relu\nmodel M():\n    input (3,)\n    B() -> B()\n",
     [(2, 5, "'y' is bound but never used (its layers' weights still count)")]),
    ("model M():\n    input (5, 3)\n    out, h, c = lstm(4, return_state=true)\n    out -> dense(1)\n",
     [(3, 10, "'h' is never used (write _ to drop a result)"),
      (3, 13, "'c' is never used (write _ to drop a result)")]),
    # nothing to say: names used, `x = identity` only names the current tensor, one input read implicitly
    ("model M():\n    input a (3,)\n    input b (3,)\n    a -> add(b)\n", []),
    ("model M():\n    input (3,)\n    x = identity\n    dense(3)\n", []),
    ("model M():\n    input (5, 3)\n    _, h, _ = lstm(4, return_state=true)\n    h -> dense(1)\n", []),
])
def test_warnings_name_what_and_where(source, expected):
    assert warnings_of(source) == expected


def test_warnings_change_no_figure():
    # the unused branch still counts: dense(3) on 8 (27) and dense(4) on 8 (36)
    net = symparams.parse(SOURCE).model()
    assert net.params == 27 + 36
    assert net.subs(T=2).warnings == net.warnings


def cli(*args):
    return subprocess.run([sys.executable, "-m", "symparams", *args], capture_output=True, text=True, timeout=120)


def test_the_command_line_prints_them_on_stderr_and_quiet_drops_them(tmp_path):
    path = tmp_path / "w.arch"
    path.write_text(SOURCE)
    loud, quiet = cli("summary", str(path), "--format", "json"), cli("summary", str(path), "--format", "json", "--quiet")
    assert loud.returncode == quiet.returncode == 0
    assert loud.stderr.startswith(f"{path}:5:5: warning: this chain reads input 'dec'")
    assert f"{path}:2:5: warning: input 'enc' is never used\n        input enc (T, 8)\n        ^~~~~~~~~~~~~~~~" \
        in loud.stderr
    assert quiet.stderr == ""
    assert loud.stdout == quiet.stdout
    assert json.loads(loud.stdout)["warnings"][1] == {"message": "input 'enc' is never used", "line": 2, "column": 5}
