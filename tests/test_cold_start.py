"""The command line imports only what a command uses (issue 10's cold start): a summary in
JSON never loads an analysis it does not run, another format's printer, numpy, matplotlib or
a framework. Run in a fresh interpreter, as a user's `symparams summary` starts."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NEVER_ON_A_JSON_SUMMARY = [
    "numpy", "matplotlib", "torch", "keras", "transformers",
    "symparams.algebra", "symparams.breakdown", "symparams.compare", "symparams.sweep", "symparams.compute",
    "symparams.printers.text", "symparams.printers.latex", "symparams.printers.latex_table",
    "symparams.printers.markdown", "symparams.printers.notebook", "symparams.printers.csv",
    "symparams.importers", "symparams.highlight", "difflib",
]

SCRIPT = """
import contextlib, io, json, sys
from symparams.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    status = main(["summary", "examples/resnet50.arch", "--format", "json"])
print(json.dumps({"status": status, "params": json.loads(out.getvalue())["params"], "modules": sorted(sys.modules)}))
"""


def test_a_json_summary_imports_no_other_command_printer_or_analysis():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    result = json.loads(done.stdout)
    # Keras's ResNet50(weights=None) with `classes` symbolic (examples/resnet50.arch's header):
    # 25,636,712 parameters at 1000 classes = 2049 * 1000 + 23,587,712.
    assert (result["status"], result["params"]) == (0, "2049*classes + 23587712")
    loaded = set(result["modules"])
    assert [m for m in NEVER_ON_A_JSON_SUMMARY if m in loaded] == []
