"""`symparams repl`: a Python console with the model loaded, driven through a pseudo-terminal."""
import sys

import pytest

from support import EXAMPLES

pexpect = pytest.importorskip("pexpect", reason="pexpect is not installed (it is in the `test` extra)")


def spawn(*args):
    child = pexpect.spawn(sys.executable, ["-m", "symparams", "repl", *args], encoding="utf-8", timeout=60,
                          env={"TERM": "dumb", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}, dimensions=(40, 200))
    return child


def test_substitute_and_read_the_number_back():
    child = spawn(str(EXAMPLES / "resnet.arch"), "--model", "Tiny")
    child.expect("model Tiny")
    child.expect("subs\\(net.params")                   # the help screen
    child.expect(">>> ")
    # f*(C*k**2 + 1) + n*(f*k**2 + 1) at C=3, k=3, f=8, n=16: 8*28 + 16*73 = 1392
    child.sendline("subs(net.params, C=3, k=3, f=8, n=16)")
    child.expect("1392\r?\n")
    child.expect(">>> ")
    child.sendline("diff(net.params, n)")
    child.expect(r"f\*k\*\*2 \+ 1")
    child.expect(">>> ")
    child.sendline("solve(subs(net.params, C=3, k=3, f=8), n, 1392)")
    child.expect(r"\[16\]")
    child.expect(">>> ")
    child.sendline("latex(net.layers[-1].params)")
    child.expect(r"'n \\\\left\(f k\^\{2\} \+ 1\\\\right\)'")
    child.expect(">>> ")
    child.sendline("subs(net, H=32, W=32, C=3, n=16, k=3, f=8).output_shape")
    child.expect(r"\(28, 28, 16\)")
    child.expect(">>> ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_set_values_apply_before_the_console_opens():
    child = spawn(str(EXAMPLES / "resnet50.arch"), "--set", "classes=10")
    child.expect(">>> ")
    child.sendline("net.params")
    child.expect("23608202")                           # 2049*10 + 23587712
    child.expect(">>> ")
    child.sendline("sympy.expand(H*W)")
    child.expect("H\\*W")
    child.expect(">>> ")                                # Ctrl-D only ends input at a fresh prompt
    child.sendeof()
    child.expect(pexpect.EOF)
