"""symparams memory FILE: weights, gradients, optimizer states, activations and KV cache in bytes.
Its options are written once here (`add_memory_options`, `memory_of`); `summary --memory` uses them."""
from __future__ import annotations

from .common import UsageError, add_model_arguments, load_model

HELP = "training and inference memory of a model: weights, gradients, optimizer, activations, KV cache"
FORMATS = ("text", "json", "markdown", "latex")
# The options' defaults, applied by memory_of: argparse keeps None so that `summary` can tell
# whether a memory option was given without --memory.
DEFAULTS = {"dtype": "bf16", "optimizer": "adamw", "batch": "b", "recompute": "none", "accounting": "torch",
            "device": "cuda", "data_parallel": 1, "zero": 0}
OPTIONS = ("dtype", "grad_dtype", "optimizer", "no_master_weights", "batch", "recompute", "accounting", "device",
           "data_parallel", "zero")


def add_memory_options(parser):
    """--dtype --grad-dtype --optimizer --no-master-weights --batch --recompute --accounting
    --device --data-parallel --zero: what `symparams memory` and `summary --memory` take."""
    from ..memory import ACCOUNTINGS, DEVICES, DTYPE_BYTES, OPTIMIZERS, RECOMPUTE
    parser.add_argument("--dtype", choices=tuple(DTYPE_BYTES), help="weights and activations (default bf16)")
    parser.add_argument("--grad-dtype", choices=tuple(DTYPE_BYTES), help="gradients (default: --dtype)")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, help="default adamw")
    parser.add_argument("--no-master-weights", action="store_true",
                        help="no fp32 master copy of 16-bit weights")
    parser.add_argument("--batch", metavar="N|SYMBOL",
                        help="the batch: a whole number or a symbol name (default b)")
    parser.add_argument("--recompute", choices=RECOMPUTE, help="default none")
    parser.add_argument("--accounting", choices=ACCOUNTINGS,
                        help="torch (default): what PyTorch eager keeps; megatron: Korthikanti et al. 2022 "
                             "(docs/MEMORY.md)")
    parser.add_argument("--device", choices=DEVICES, help="torch accounting: where they differ (default cuda)")
    parser.add_argument("--data-parallel", type=int, metavar="N", help="replicas (default 1)")
    parser.add_argument("--zero", type=int, choices=(0, 1, 2, 3), metavar="S",
                        help="ZeRO stage: 1 splits optimizer states, 2 also gradients, 3 also weights over N")


def add_arguments(parser):
    add_model_arguments(parser, FORMATS)
    add_memory_options(parser)
    parser.add_argument("--by", choices=("part", "block"), default="part",
                        help="block: activations per top-level block call, layer and repeat")


def given_options(args) -> list[str]:
    """The memory options on the command line (as --names), for `summary` without --memory."""
    return [f"--{name.replace('_', '-')}" for name in OPTIONS if getattr(args, name, None) not in (None, False)]


def _batch(text):
    if text.isdigit():
        if int(text) < 1:
            raise UsageError(f"--batch {text}: expected a positive whole number or a symbol name")
        return int(text)
    if not text.isidentifier():
        raise UsageError(f"--batch {text!r}: expected a positive whole number or a symbol name")
    return text


def memory_of(net, args, by_block: bool = False):
    """The memory.Memory the options ask for, and its activations per block when `by_block`."""
    from ..memory import activation_parts, memory
    o = {name: DEFAULTS[name] if getattr(args, name) is None else getattr(args, name) for name in DEFAULTS}
    if o["data_parallel"] < 1:
        raise UsageError(f"--data-parallel {o['data_parallel']}: expected a positive whole number")
    if o["zero"] and o["data_parallel"] < 2:
        raise UsageError("--zero splits over data-parallel replicas: give --data-parallel N (N >= 2)")
    mem = memory(net, o["dtype"], o["optimizer"], o["recompute"], _batch(o["batch"]), o["accounting"],
                 master_weights=not args.no_master_weights, grad_dtype=args.grad_dtype,
                 data_parallel=o["data_parallel"], zero=o["zero"], device=o["device"])
    return mem, activation_parts(net, mem) if by_block else None


def run(args) -> str:
    from ..printers.memory import RENDERERS
    net = load_model(args)
    mem, parts = memory_of(net, args, args.by == "block")
    return RENDERERS[args.format](net, mem, parts)
