"""Live differential tests: everything under tests/oracle asks real Keras and PyTorch.
Without the `oracle` extra they are skipped with the reason shown in pytest's summary."""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("KERAS_BACKEND", "torch")

from frameworks import frameworks_available  # noqa: E402

_OK, _REASON = frameworks_available()


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    skip = pytest.mark.skip(reason=f"oracle tests skipped: {_REASON}")
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.oracle)
            if not _OK:
                item.add_marker(skip)
