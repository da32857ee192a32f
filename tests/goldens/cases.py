"""The golden runs: every example model x every format x both conventions, plus --by block,
algebra, compare, solve and sweep. Recorded before the package was rearranged (issue 10), so
a move that changes any output fails `tests/test_goldens.py`.

Record anew (only for an intended change, reviewed by eye):
    python tests/goldens/cases.py --record
"""
from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDED = Path(__file__).with_name("recorded.json")


def example_models():
    """Every model of every example, as the parser reads them (`model NAME` and `default model NAME`)."""
    import symparams
    for path in sorted((ROOT / "examples").glob("*.arch")):
        for name in symparams.load(path).models:
            yield f"examples/{path.name}:{name}"


def cases():
    for spec in example_models():
        for convention in ("keras", "torch"):
            for fmt in ("text", "json", "markdown", "latex"):
                yield ["summary", spec, "--convention", convention, "--format", fmt]
            yield ["summary", spec, "--convention", convention, "--by", "block"]
            yield ["summary", spec, "--convention", convention, "--defaults"]
    yield ["algebra", "examples/gpt2.arch", "--simplify", "--diff", "L", "--leading", "d"]
    yield ["algebra", "examples/llama.arch", "--expand", "--factor", "--collect", "d", "--degree", "d"]
    yield ["algebra", "examples/resnet18.arch", "--of", "macs", "--simplify"]
    yield ["compare", "examples/mobilenet_compare.arch:Separable", "examples/mobilenet_compare.arch:Standard"]
    yield ["compare", "examples/gpt2.arch", "examples/kaplan_gpt.arch"]
    yield ["solve", "examples/gpt2.arch", "--for", "d", "--params", "1e9", "--set", "L=24,T=1024,V=50257,h=20"]
    yield ["solve", "examples/gpt2.arch", "--for", "d", "--params", "1e9", "--set", "L=24,T=1024,V=50257,h=12",
           "--multiple-of", "64"]
    yield ["sweep", "examples/gpt2.arch", "--vary", "d=512:2048:512", "--set", "L=24,T=1024,V=50257,h=16",
           "--format", "csv"]
    yield ["sweep", "examples/resnet18.arch", "--vary", "S=1:4", "--vary", "c=32,64", "--set", "N=2,classes=1000",
           "--format", "json"]
    yield ["summary", "examples/vgg16.arch", "--set", "H=224,W=224,classes=1000", "--format", "json"]
    yield ["eval", "conv2d(n, k)", "--input", "(H, W, f)"]
    # the analyses' tables in the formats a README or a paper takes (the notebook's displays)
    for fmt in ("markdown", "latex"):
        yield ["compare", "examples/mobilenet_compare.arch:Separable", "examples/mobilenet_compare.arch:Standard",
               "--format", fmt]
        yield ["solve", "examples/gpt2.arch", "--for", "d", "--params", "1e9", "--set", "L=24,T=1024,V=50257,h=12",
               "--multiple-of", "64", "--format", fmt]
        yield ["sweep", "examples/gpt2.arch", "--vary", "d=512:2048:512", "--set", "L=24,T=1024,V=50257,h=16",
               "--format", fmt]
    yield ["summary", "examples/gpt2.arch", "--by", "block", "--format", "latex"]
    for fmt in ("text", "json", "markdown", "latex"):
        yield ["memory", "examples/gpt2_dropout.arch", "--accounting", "megatron", "--by", "block", "--format", fmt]
    yield ["summary", "examples/llama.arch", "--convention", "torch", "--set",
           "V=32000,T=2048,d=4096,hq=32,hkv=8,ff=14336,L=32", "--memory", "--batch", "8"]


def run(argv):
    from symparams.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return {"exit": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def key(argv):
    return " ".join(argv)


if __name__ == "__main__":
    if "--record" not in sys.argv:
        sys.exit(__doc__)
    import os
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    recorded = {key(argv): run(argv) for argv in cases()}
    RECORDED.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    print(f"recorded {len(recorded)} runs in {RECORDED.relative_to(ROOT)}")
