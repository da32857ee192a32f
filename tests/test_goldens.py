"""Every command's output on every example is what it was when the goldens were recorded
(tests/goldens/cases.py). A change here must be intended and reviewed: record anew with
`python tests/goldens/cases.py --record` and read the diff of recorded.json."""
import json

import pytest

from goldens.cases import RECORDED, cases, key, run

GOLDEN = json.loads(RECORDED.read_text())


@pytest.mark.parametrize("argv", list(cases()), ids=key)
def test_output_is_the_recorded_one(argv, monkeypatch):
    monkeypatch.chdir(RECORDED.parents[2])
    assert run(argv) == GOLDEN[key(argv)]


def test_every_case_is_recorded():
    assert sorted(GOLDEN) == sorted(key(argv) for argv in cases())
