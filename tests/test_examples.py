"""Every model in examples/ evaluates in both conventions, symbolically and at its defaults:
an example a user copies must never be the thing that breaks. Published totals are asserted
where the example's own header cites them (tests/test_published.py, test_stages.py, ...)."""
import pytest

import symparams
from support import EXAMPLES

# Models written to show an error (the seed question "why can't I add these?").
SHOWS_AN_ERROR = {("seeds.arch", "AddMismatch"): symparams.errors.ShapeError}
MODELS = [(path.name, name) for path in sorted(EXAMPLES.glob("*.arch"))
          for name in symparams.load(path).models]


@pytest.mark.parametrize("convention", ["keras", "torch"])
@pytest.mark.parametrize("filename, model", MODELS, ids=[f"{f}:{m}" for f, m in MODELS])
def test_every_example_model_evaluates(filename, model, convention):
    if (filename, model) in SHOWS_AN_ERROR:
        with pytest.raises(SHOWS_AN_ERROR[filename, model]):
            symparams.load(EXAMPLES / filename).model(model, convention=convention)
        return
    net = symparams.load(EXAMPLES / filename).model(model, convention=convention)
    assert net.params.free_symbols <= set(net.free_symbols)
    if net.defaults and set(net.defaults) >= set(net.symbols):
        at_defaults = net.with_defaults()
        assert at_defaults.params.is_Integer and at_defaults.params > 0
        assert at_defaults.macs.is_Integer
