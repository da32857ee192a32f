"""What the live generators draw, as data that can be read without Keras or PyTorch.

Each live module lists its generators in DRAWN: a Drawn pairs a hypothesis strategy of
configurations with the .arch program the live test writes for one configuration. The
live test writes its program with the same function, so what tests/test_live_coverage.py
reads here is what the frameworks are asked about.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

CONVENTIONS = ("keras", "torch")


@dataclass(frozen=True)
class Drawn:
    name: str                                  # the generator, as messages name it
    configs: Callable                          # convention -> hypothesis strategy of configurations
    program: Callable[[dict, str], str]        # (configuration, convention) -> the whole .arch program
    conventions: tuple = CONVENTIONS
    common: bool = False     # also draws the keywords every layer takes (name=, trainable=)
