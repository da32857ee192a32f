"""Paths the tests share (a module of its own: two conftest.py files cannot be imported by name)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"
