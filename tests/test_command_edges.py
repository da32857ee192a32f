"""Command-line options at their edges, run in-process (symparams.cli.main) with the
expected figures written out by hand: the options a mutation run (tools/mutate.py) found
no test reading."""
import json

import pytest

from symparams.cli import main

DENSE = "model M(u, d):\n    input (d,)\n    dense(u)\n"     # params d*u + u, MACs d*u


@pytest.fixture
def dense_file(tmp_path):
    path = tmp_path / "dense.arch"
    path.write_text(DENSE)
    return str(path)


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_set_values_may_hold_commas_inside_parentheses(capsys, dense_file):
    # (8, 16)[1] is 16: a 16 -> 3 dense layer holds 16*3 + 3 = 51
    status, out, _ = run(capsys, "summary", dense_file, "--set", "d=(8, 16)[1],u=3", "--format", "json")
    assert status == 0 and json.loads(out)["params"] == "51"


def test_set_values_may_name_each_other(capsys, dense_file):
    status, out, _ = run(capsys, "summary", dense_file, "--set", "u=3,d=u", "--format", "json")
    assert status == 0 and json.loads(out)["params"] == str(3 * 3 + 3)


def test_algebra_works_on_the_figure_asked_for(capsys, dense_file):
    status, out, _ = run(capsys, "algebra", dense_file, "--of", "macs", "--expand", "--format", "json")
    assert status == 0 and json.loads(out)["result"] == "d*u"


def test_compare_applies_each_models_own_values(capsys, dense_file):
    # A: d=4 -> 4*3 + 3 = 15; B: d=8 -> 8*3 + 3 = 27
    status, out, _ = run(capsys, "compare", dense_file, dense_file, "--set", "u=3", "--set-a", "d=4",
                         "--set-b", "d=8", "--format", "json")
    assert status == 0
    assert (json.loads(out)["params"]["a"], json.loads(out)["params"]["b"]) == ("15", "27")


def test_eval_applies_set_values(capsys):
    status, out, _ = run(capsys, "eval", "dense(u)", "--input", "(d,)", "--set", "u=3,d=4", "--format", "json")
    assert status == 0 and json.loads(out)["params"] == "15"


def test_a_negative_expand_depth_is_a_usage_error(capsys, dense_file):
    status, _, err = run(capsys, "summary", dense_file, "--expand", "-1")
    assert status == 2 and "--expand" in err


def test_the_console_refuses_a_name_that_is_no_symbol():
    import symparams
    from symparams.commands.repl import namespace
    net = symparams.parse(DENSE).model()
    subs = namespace(net)["subs"]
    assert subs(net.params, u=3, d=4) == 15
    with pytest.raises(NameError, match="no symbol q"):
        subs(net.params, q=3)


def test_a_symbol_swept_twice_is_a_usage_error(capsys, dense_file):
    pytest.importorskip("numpy", reason="numpy is not installed: pip install -e .[sweep]")
    status, _, err = run(capsys, "sweep", dense_file, "--vary", "d=1:2", "--vary", "d=3:4", "--set", "u=3")
    assert status == 2 and "given twice" in err
