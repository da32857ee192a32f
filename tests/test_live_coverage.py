"""The live generators reach every argument of every catalog layer, and every value of an
enumerated one (issue 16). Read without Keras or PyTorch: each live module lists its
generators in DRAWN (tests/oracle/drawn.py); this test draws configurations from them,
parses the .arch programs the live tests would write, and records which arguments each
layer call writes and what they mean (after aliases and positional order).

name= and trainable=, which every layer takes and the evaluator handles alike for all, are
required of the layers the core families draw (tests/oracle/test_live_core.py draws both for
each of them), not of every other generator.

A layer no generator writes fails here by name: add a generator for it in tests/oracle/
(a Drawn in that module's DRAWN), or, for a layer that landed from another branch without
one, an entry in PENDING naming that branch.
"""
from __future__ import annotations

import dataclasses
import importlib
import sys
from collections import defaultdict
from fractions import Fraction

import pytest
import sympy
from hypothesis import HealthCheck, Phase, given, settings

from support import ROOT
from symparams import catalog, parse
from symparams.catalog import base

sys.path.insert(0, str(ROOT / "tests" / "oracle"))

# every live module that lists its generators (a module-level `DRAWN = [`), found by reading the files
LIVE_MODULES = tuple(sorted(path.stem for path in (ROOT / "tests" / "oracle").glob("test_live_*.py")
                            if "\nDRAWN = [" in path.read_text()))
DRAWS_PER_CONVENTION = 60

# Layers and arguments that landed on main from another branch without a generator in DRAWN:
# each entry names the branch, so that its owner lists the generator (then removes the entry).
PENDING: dict[str, str] = {}
PENDING_ARGUMENTS: dict[tuple[str, str], str] = {}


# ---- drawing -------------------------------------------------------------------------

def generators():
    return [g for name in LIVE_MODULES for g in importlib.import_module(name).DRAWN]


def draw_programs(gen, convention, n=DRAWS_PER_CONVENTION):
    """n configurations of one generator (derandomized: the same every run) and their programs."""
    out = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(cfg=gen.configs(convention))
    def run(cfg):
        out.append((cfg, gen.program(cfg, convention)))

    run()
    return out


# ---- reading the programs: every layer call and what each argument means ---------------------

def calls(node):
    """Every layer call in an AST (a generic walk: nested calls such as bidirectional(lstm(8)) too)."""
    if type(node).__name__ == "Call" and catalog.lookup(node.func) is not None:
        yield node
    if dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            yield from calls(getattr(node, f.name))
    elif isinstance(node, (tuple, list)):
        for item in node:
            yield from calls(item)


def literal(node):
    """An argument's value as the argument kinds take it; any other expression is a size."""
    kind = type(node).__name__
    if kind == "Number":
        value = Fraction(node.value)
        return sympy.Integer(value.numerator) if value.denominator == 1 else sympy.Rational(value.numerator,
                                                                                           value.denominator)
    if kind == "String":
        return node.value
    if kind == "Name" and node.id in ("true", "false", "none"):
        return {"true": True, "false": False, "none": None}[node.id]
    if kind == "TupleExpr":
        return tuple(literal(item) for item in node.items)
    if kind == "UnaryOp" and type(node.operand).__name__ == "Number":
        return -literal(node.operand)
    if kind == "Name":
        return BareName(node.id)
    if kind == "Call":
        return CallArgument(layer=catalog.lookup(node.func) is not None)
    return SIZE


SIZE = sympy.Symbol("n", integer=True, positive=True)


@dataclasses.dataclass(frozen=True)
class BareName:
    """A name written bare: a tensor where the argument's kind takes one, else a size symbol."""
    id: str


@dataclasses.dataclass(frozen=True)
class CallArgument:
    """A call written as an argument (moe's expert): a catalog layer's, or a block's."""
    layer: bool


def bind(layer: base.LayerDef, call):
    """{parameter name: value} of one call, positional arguments in the declaration's order.
    Merge layers take their extra tensors as bare names: those are inputs, not arguments."""
    keywords = layer.keywords()
    positional = [p for p in layer.all_params() if not p.keyword_only]
    bound, i = {}, 0
    for arg in call.args:
        if arg.keyword is None:
            if layer.inputs == "many" and type(arg.value).__name__ == "Name":
                continue
            bound[positional[i].name] = literal(arg.value)
            i += 1
        elif arg.keyword in keywords:
            bound[keywords[arg.keyword].name] = literal(arg.value)
        # a keyword that changes nothing we count (kernel_initializer, ...) is not an argument
    return bound


def variants(kind) -> list[str]:
    """The values of an enumerated argument kind that must each be drawn."""
    if isinstance(kind, base.Optional):
        return variants(kind.inner)
    if isinstance(kind, base.Choice):
        return [f'"{o}"' for o in kind.options]
    if isinstance(kind, base.Padding):
        return ['"valid"', '"same"'] + (['"causal"'] if kind.causal else []) + ["sizes"]
    if isinstance(kind, base.OneOf):
        return [k.label for k in kind.kinds]
    if kind is base.BOOL:
        return ["true", "false"]
    return []


def variant(kind, value) -> str | None:
    """Which of variants(kind) a value is; None for a value the kind refuses, or none where
    none is not one of the kind's values."""
    if value is None and not isinstance(kind, base.OneOf):
        return None
    if isinstance(kind, base.Optional):
        return variant(kind.inner, value)
    if isinstance(value, BareName):
        if isinstance(kind, base.OneOf) and base.TENSOR in kind.kinds:
            return base.TENSOR.label
        value = SIZE
    if isinstance(value, CallArgument):
        return (base.LAYER if value.layer else base.BLOCK).label
    if isinstance(kind, (base.Choice, base.Padding)) and isinstance(value, str):
        return f'"{value.lower()}"'
    if isinstance(kind, base.Padding):
        return "sizes"
    if isinstance(kind, base.OneOf):
        for k in kind.kinds:
            try:
                k(value, base._raise_quietly)
                return k.label
            except base._Mismatch:
                continue
        return None
    if kind is base.BOOL:
        return "true" if value in (True, 1) else "false"
    return None


@dataclasses.dataclass
class Reached:
    written: dict = dataclasses.field(default_factory=lambda: defaultdict(set))   # layer -> argument names
    values: dict = dataclasses.field(default_factory=lambda: defaultdict(set))    # (layer, argument) -> variants
    drawn: dict = dataclasses.field(default_factory=lambda: defaultdict(list))    # generator -> [(cfg, conv, ast)]
    common: set = dataclasses.field(default_factory=set)   # layers whose generators draw name= and trainable=

    def record(self, program_text, common=True):
        module = parse(program_text).module
        for call in calls(module):
            layer = catalog.lookup(call.func)
            if common:
                self.common.add(layer.name)
            bound = bind(layer, call)
            self.written[layer.name].update(bound)
            for p in layer.all_params():
                value = bound.get(p.name, None if p.default is base.REQUIRED else p.default)
                seen = variant(p.kind, value)
                if seen is not None:
                    self.values[layer.name, p.name].add(seen)
        return module


@pytest.fixture(scope="module")
def reached() -> Reached:
    out = Reached()
    for gen in generators():
        for convention in gen.conventions:
            for cfg, text in draw_programs(gen, convention):
                out.drawn[gen.name].append((cfg, convention, out.record(text, gen.common)))
    return out


# ---- the checks ----------------------------------------------------------------------------

def gaps(reached: Reached) -> dict[str, list[str]]:
    missing = {}
    for name, layer in sorted(catalog.CANONICAL.items()):
        if name in PENDING:
            continue
        if name not in reached.written:
            missing[name] = ["no live generator writes this layer: add a Drawn to a module in tests/oracle/"]
            continue
        params = [p for p in layer.all_params() if (p not in base.COMMON_PARAMS or name in reached.common)
                  and (name, p.name) not in PENDING_ARGUMENTS]
        lacks = [f"argument {p.name}= is never written" for p in params if p.name not in reached.written[name]]
        lacks += [f"{p.name}={v} is never drawn" for p in params for v in variants(p.kind)
                  if v not in reached.values[name, p.name]]
        if lacks:
            missing[name] = lacks
    return missing


def test_every_argument_and_every_enumerated_value_is_drawn(reached):
    missing = gaps(reached)
    report = "\n".join(f"  {layer}: " + "; ".join(items) for layer, items in missing.items())
    assert not missing, f"the live generators never reach:\n{report}"


def test_pending_layers_are_real_and_still_pending(reached):
    for name, branch in PENDING.items():
        assert name in catalog.CANONICAL, f"PENDING names {name} ({branch}), which the catalog does not have"
        assert name not in reached.written, f"{name} has a generator now: remove it from PENDING"
    for (name, argument), branch in PENDING_ARGUMENTS.items():
        assert argument in {p.name for p in catalog.CANONICAL[name].all_params()}, \
            f"PENDING_ARGUMENTS names {name}'s {argument}= ({branch}), which it does not take"
        assert argument not in reached.written[name], \
            f"{name}'s {argument}= is drawn now: remove it from PENDING_ARGUMENTS"


def test_a_layer_without_a_generator_is_named():
    # a catalog layer no generator writes shows up by name, with what to do
    reached = Reached()
    reached.record("model M():\n    input (4,)\n    dense(3)\n")
    missing = gaps(reached)
    assert "embedding" in missing and missing["embedding"][0].startswith("no live generator writes this layer")
    assert "argument tie= is never written" in missing["dense"]
    assert "use_bias=false is never drawn" in missing["dense"]
    assert "use_bias=true is never drawn" not in missing["dense"]      # the default counts as drawn


def test_a_bare_name_is_a_tensor_only_where_the_kind_takes_one():
    reached = Reached()
    reached.record("model M(n):\n    input x (4, 8)\n    input b (2, 4, 4)\n"
                   "    x -> grouped_query_attention(2, 2, 1, attention_bias=b)\n    dense(n)\n")
    assert reached.values["grouped_query_attention", "attention_bias"] == {"a tensor name"}
    assert reached.written["dense"] == {"units"}



def test_a_call_argument_is_a_layer_or_a_block():
    reached = Reached()
    reached.record("block B(d):\n    dense(d)\n\nmodel M():\n    input x (4, 8)\n"
                   "    moe(B(8), experts=2, top_k=1)\n    moe(dense(8), experts=2, top_k=1)\n")
    assert reached.values["moe", "expert"] == {"a layer call such as lstm(16)", "a block call such as SwiGLU(d, ff)"}


# ---- boundaries: the inputs where issue 16's planted bugs showed ------------------------------

def _core():
    return importlib.import_module("test_live_core")


BOUNDARIES = {
    "a PyTorch ceil_mode pool window starting exactly at the right padding's edge":
        lambda gen, cfg, convention: gen.startswith("pool") and convention == "torch" and _core().ceil_mode_edge(cfg),
    "a PyTorch ceil_mode pool whose last window starts inside the input":
        lambda gen, cfg, convention: (gen.startswith("pool") and convention == "torch" and cfg["ceil_mode"]
                                      and not _core().ceil_mode_edge(cfg)),
    "a channels-first concatenate of feature maps without axis=":
        lambda gen, cfg, convention: (gen == "concatenate" and convention == "torch" and cfg["axis"] is None
                                      and len(cfg["inputs"][0]) > 1),
    "a let layer inside a symbolic repeat": lambda gen, cfg, convention: gen == "let inside repeats"
        and cfg["form"] == "symbolic",
    "a let layer inside a stage repeat": lambda gen, cfg, convention: gen == "let inside repeats"
        and cfg["form"] == "stage",
    "a grouped convolution": lambda gen, cfg, convention: gen.startswith("conv") and cfg.get("groups", 1) > 1,
    "a 1-D separable convolution with a kernel longer than 1":
        lambda gen, cfg, convention: gen == "separable_conv1d" and max(_core().per_axis(cfg["kernel"], 1)) > 1,
    "LayerNorm with elementwise_affine=true and bias=false":
        lambda gen, cfg, convention: (gen == "layer_norm" and convention == "torch" and cfg["scale"]
                                      and not cfg["center"] and cfg["affine_written"]),
}


@pytest.mark.parametrize("boundary", sorted(BOUNDARIES))
def test_generators_reach_the_boundaries(reached, boundary):
    hits = [(gen, cfg) for gen, drawn in reached.drawn.items() for cfg, convention, _ in drawn
            if BOUNDARIES[boundary](gen, cfg, convention)]
    assert hits, f"no live generator draws {boundary}"
