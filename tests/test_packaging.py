"""The grammar ships in the wheel and is found both from an installed wheel and from
the checkout (editable installs). The wheel is built and installed into a clean venv,
then run from outside the checkout."""
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from support import EXAMPLES, ROOT
from symparams.parser import grammar_path


def test_editable_install_reads_the_checkouts_grammar():
    assert grammar_path() in (ROOT / "grammar" / "symparams.lark", ROOT / "symparams" / "grammar" / "symparams.lark")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out),
                        str(ROOT)], capture_output=True, text=True, timeout=300)
    if p.returncode != 0 and "hatchling" in p.stderr:
        p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    return next(out.glob("symparams-*.whl"))


def test_wheel_contains_the_grammar(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "symparams/grammar/symparams.lark" in names
    assert not any(n.startswith("tests/") for n in names)


def test_wheel_works_in_a_clean_venv_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    p = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    p = subprocess.run([str(env_dir / "bin" / "symparams"), "summary", str(EXAMPLES / "resnet50.arch"), "--defaults",
                        "--format", "json"], capture_output=True, text=True, cwd=tmp_path, env=clean_env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert '"params": "25636712"' in p.stdout
    where = subprocess.run([str(python), "-c", "import symparams.parser as p; print(p.grammar_path())"],
                           capture_output=True, text=True, cwd=tmp_path, env=clean_env).stdout.strip()
    assert Path(where).is_relative_to(env_dir)
