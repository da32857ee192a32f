"""symparams memory FILE: weights, gradients, optimizer states, activations and KV cache in bytes."""
from __future__ import annotations

from .common import UsageError, add_model_arguments, load_model

HELP = "training and inference memory of a model: weights, gradients, optimizer, activations, KV cache"
FORMATS = ("text", "json", "markdown", "latex")


def add_arguments(parser):
    from ..memory import ACCOUNTINGS, DEVICES, DTYPE_BYTES, OPTIMIZERS, RECOMPUTE
    add_model_arguments(parser, FORMATS)
    parser.add_argument("--dtype", choices=tuple(DTYPE_BYTES), default="bf16",
                        help="weights and activations (default bf16)")
    parser.add_argument("--grad-dtype", choices=tuple(DTYPE_BYTES), help="gradients (default: --dtype)")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adamw")
    parser.add_argument("--no-master-weights", action="store_true",
                        help="no fp32 master copy of 16-bit weights")
    parser.add_argument("--batch", default="b", metavar="N|SYMBOL",
                        help="the batch: a whole number or a symbol name (default b)")
    parser.add_argument("--recompute", choices=RECOMPUTE, default="none")
    parser.add_argument("--accounting", choices=ACCOUNTINGS, default="torch",
                        help="torch: what PyTorch eager keeps; megatron: Korthikanti et al. 2022 (docs/MEMORY.md)")
    parser.add_argument("--device", choices=DEVICES, default="cuda", help="torch accounting: where they differ")
    parser.add_argument("--data-parallel", type=int, default=1, metavar="N")
    parser.add_argument("--zero", type=int, choices=(0, 1, 2, 3), default=0, metavar="S",
                        help="ZeRO stage: 1 splits optimizer states, 2 also gradients, 3 also weights over N")
    parser.add_argument("--by", choices=("part", "block"), default="part",
                        help="block: activations per top-level block call, layer and repeat")


def _batch(text):
    if text.isdigit():
        if int(text) < 1:
            raise UsageError(f"--batch {text}: expected a positive whole number or a symbol name")
        return int(text)
    if not text.isidentifier():
        raise UsageError(f"--batch {text!r}: expected a positive whole number or a symbol name")
    return text


def run(args) -> str:
    from ..memory import activation_parts, memory
    from ..printers.memory import RENDERERS
    if args.zero and args.data_parallel < 2:
        raise UsageError("--zero splits over data-parallel replicas: give --data-parallel N (N >= 2)")
    if args.data_parallel < 1:
        raise UsageError(f"--data-parallel {args.data_parallel}: expected a positive whole number")
    net = load_model(args)
    mem = memory(net, args.dtype, args.optimizer, args.recompute, _batch(args.batch), args.accounting,
                 master_weights=not args.no_master_weights, grad_dtype=args.grad_dtype,
                 data_parallel=args.data_parallel, zero=args.zero, device=args.device)
    parts = activation_parts(net, mem) if args.by == "block" else None
    return RENDERERS[args.format](net, mem, parts)
