"""Paths the tests share (a module of its own: two conftest.py files cannot be imported by name)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"


class Kept:
    """Counts how many drawn examples a filtering property test kept. check() prints the
    count and fails when fewer than `at_least` of them were kept: a filter that throws most
    examples away leaves the property tested on too few."""

    def __init__(self, what: str, at_least: float = 0.5):
        self.what, self.at_least, self.kept, self.drawn = what, at_least, 0, 0

    def __call__(self, keep: bool) -> bool:
        self.drawn += 1
        self.kept += bool(keep)
        return bool(keep)

    def check(self):
        report = f"{self.what}: kept {self.kept} of {self.drawn} drawn examples"
        print(report)
        assert self.drawn and self.kept >= self.at_least * self.drawn, report
