"""symparams import hf CONFIG.json [-o FILE.arch]: write a .arch file from a Hugging Face config."""
from __future__ import annotations

import json

from .common import UsageError

HELP = "write a .arch file from a Hugging Face config.json (import hf CONFIG.json)"
SOURCES = ("hf",)


def add_arguments(parser):
    parser.add_argument("source", choices=SOURCES, help="hf: a Hugging Face config.json")
    parser.add_argument("file", metavar="CONFIG", help="the config.json to read")
    parser.add_argument("-o", "--output", metavar="FILE.arch", help="write the file here (default: print it)")


def run(args) -> str:
    from ..errors import SymparamsError
    from ..importers.hf import import_config
    from ..importers.template import ConfigError
    config = read_config(args.file)
    try:
        text = import_config(config, args.file)
    except ConfigError as err:
        raise SymparamsError(str(err), filename=args.file) from None
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as err:
            raise UsageError(f"cannot write {args.output}: {err.strerror or err}") from None
        return f"wrote {args.output}"
    return text


def read_config(path) -> dict:
    from ..errors import SymparamsError
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SymparamsError(f"not a JSON config: {err}", filename=path) from None
