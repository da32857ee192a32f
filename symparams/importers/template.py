"""The record a family template is, and how a config fills it in.

A template names the config keys it reads: `Size` keys become the model's symbols (their values
its defaults), `Switch` keys pick text (a bias or not, tied or not). Keys that change no count are
listed as `neutral`. A key the template cannot follow that changes the count is an error."""
from __future__ import annotations

from dataclasses import dataclass


class ConfigError(Exception):
    """A config this importer cannot write faithfully; the message says why."""


@dataclass(frozen=True)
class Size:
    """A whole-number config value that becomes the symbol `symbol` (default: the value)."""
    symbol: str
    key: str
    default: int | str | None = None  # transformers' default when omitted (a str: another symbol's value)
    meaning: str = ""
    fallback: str = ""               # optional sizes: the text written when the config omits the key
    counted: bool = False            # the value is the number of entries of the key (id2label)


@dataclass(frozen=True)
class Switch:
    """A boolean config value that picks text; `default` is transformers' when omitted."""
    key: str
    default: bool
    field: str = ""                  # the {field} it fills (default: the key)
    on: str = "true"
    off: str = "false"


@dataclass(frozen=True)
class Fixed:
    """A key the template follows only at `allowed` values (others change the count)."""
    key: str
    allowed: tuple
    why: str


@dataclass(frozen=True)
class Family:
    model_type: str
    summary: str
    sizes: tuple                     # Size records, in signature order
    blocks: str                      # block definitions; {switch} fields filled with true/false
    bodies: dict                     # class name -> model body (after the inputs)
    base: str                        # the AutoModel class
    inputs: str = "    input tokens (T)\n"
    switches: tuple = ()
    fixed: tuple = ()
    neutral: frozenset = frozenset()
    optional_sizes: tuple = ()       # Size records used only when the config has the key (head_dim)
    rotary: bool = False             # rotary buffers: the symbol R (rotary width) is filled in
    rotary_fraction: float = 1.0     # transformers' partial rotary factor when the config omits it
    head_text: str = "d / hq"        # the head width when the config has no head_dim
