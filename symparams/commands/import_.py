"""symparams import hf CONFIG.json | torch PACKAGE.MODULE:CALLABLE --input SHAPE [-o FILE.arch]:
write a .arch file from a Hugging Face config or a live torch.nn.Module."""
from __future__ import annotations

import importlib
import json
import os
import re
import sys

from .common import UsageError

HELP = ("write a .arch file from a Hugging Face config.json (import hf CONFIG.json) or a torch.nn.Module "
        "(import torch PACKAGE.MODULE:CALLABLE --input SHAPE)")
SOURCES = ("hf", "torch")


def add_arguments(parser):
    parser.add_argument("source", choices=SOURCES, help="hf: a Hugging Face config.json; torch: a callable")
    parser.add_argument("file", metavar="CONFIG|CALLABLE", help="the config.json, or PACKAGE.MODULE:CALLABLE")
    parser.add_argument("-o", "--output", metavar="FILE.arch", help="write the file here (default: print it)")
    parser.add_argument("--input", metavar="SHAPE", help="torch: the input shape without the batch, e.g. 3,224,224")
    parser.add_argument("--kwargs", metavar="JSON", help="torch: keyword arguments for the callable (JSON)")
    parser.add_argument("--symbolize", action="store_true",
                        help="torch: lift literal widths, depths and width ratios into model parameters "
                             "whose defaults are the literals")


def run(args):
    if args.source == "hf" and (args.symbolize or args.input or args.kwargs):
        raise UsageError("import hf: --input, --kwargs and --symbolize are for import torch (a config's "
                         "sizes are already symbols)")
    text, status = _torch(args) if args.source == "torch" else (_hf(args), 0)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as err:
            raise UsageError(f"cannot write {args.output}: {err.strerror or err}") from None
        return f"wrote {args.output}", status
    return text, status


def _hf(args) -> str:
    from ..errors import SymparamsError
    from ..importers.hf import import_config
    from ..importers.template import ConfigError
    config = read_config(args.file)
    try:
        return import_config(config, args.file)
    except ConfigError as err:
        raise SymparamsError(str(err), filename=args.file) from None


def _torch(args):
    """The text and 1 when some node could not be mapped (named in a comment where it was)."""
    try:
        import torch
    except ImportError:
        raise UsageError("import torch: needs torch; install it with pip install 'symparams[torch]'") from None
    from ..importers.torch_module import import_module
    if not args.input:
        raise UsageError("import torch: give the input shape without the batch axis, e.g. --input 3,224,224")
    try:
        shape = tuple(int(part) for part in args.input.strip("()").split(",") if part.strip())
    except ValueError:
        raise UsageError(f"--input {args.input!r}: expected whole numbers such as 3,224,224") from None
    if not shape or min(shape) <= 0:
        raise UsageError(f"--input {args.input!r}: expected positive sizes")
    with torch.device("meta"):
        module = callable_from(args.file)(**kwargs_from(args.kwargs))
    if not isinstance(module, torch.nn.Module):
        raise UsageError(f"{args.file} returned {type(module).__name__}, not a torch.nn.Module")
    name = re.sub(r"\W", "_", args.file.rpartition(":")[2]) or "Imported"
    try:
        text, unmapped = import_module(module, shape, name, symbolize=args.symbolize)
    except Exception as err:      # torch.fx raises many kinds of errors on untraceable code
        text, unmapped = _exported(args.file, module, shape, name, args.symbolize, _first_line(err))
    return text, 1 if unmapped else 0


def _first_line(err) -> str:
    return f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"


def _exported(target, module, shape, name, symbolize, why):
    """The torch.export walk, for a module torch.fx cannot trace (why says what stopped it)."""
    from ..importers.torch_export import import_exported
    try:
        return import_exported(module, shape, name, symbolize, why)
    except Exception as err:      # torch.export too raises many kinds of errors
        raise UsageError(f"{target}: torch.fx cannot trace it ({why}), nor torch.export "
                         f"({_first_line(err)})") from None


def kwargs_from(text):
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise UsageError(f"--kwargs: not JSON ({err})") from None
    if not isinstance(value, dict):
        raise UsageError("--kwargs: expected a JSON object")
    return value


def callable_from(target):
    module_name, _, attr = target.rpartition(":")
    if not module_name or not attr:
        raise UsageError(f"{target!r}: expected PACKAGE.MODULE:CALLABLE")
    # As `python -m` would: PACKAGE.MODULE may be a file of the current directory (a console
    # script's path holds only its own folder).
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise UsageError(f"cannot import {module_name}: {err}") from None
    if not callable(getattr(module, attr, None)):
        raise UsageError(f"{module_name} has no callable {attr}")
    return getattr(module, attr)


def read_config(path) -> dict:
    from ..errors import SymparamsError
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror or err}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SymparamsError(f"not a JSON config: {err}", filename=path) from None
