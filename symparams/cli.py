"""The command line. Each subcommand lives in symparams/commands/. Exit 0 on success,
1 for an error in the input, 2 for a usage error. Never a traceback."""
from __future__ import annotations

import argparse
import gc
import sys

from .commands import COMMANDS, load
from .commands.common import UsageError


def _build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="symparams", description="Closed-form parameter counts, shapes and "
                                     "MACs of neural-network architectures.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        if only is None or name == only:
            module = load(name)
            module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))
        else:
            # Unused commands are listed, not imported: start-up stays cheap.
            sub.add_parser(name, add_help=False)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = _build_parser(command if command in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    from .errors import SymparamsError
    try:
        out = load(args.command).run(args)
    except UsageError as err:
        print(f"symparams: error: {err}", file=sys.stderr)
        return 2
    except SymparamsError as err:
        if err.filename is None and getattr(args, "file", None):
            err.filename = args.file
        print(err.render(), file=sys.stderr)
        return 1
    except RecursionError:
        print("symparams: error: the input nests too deeply to evaluate", file=sys.stderr)
        return 1
    except MemoryError:
        print("symparams: error: out of memory evaluating the input", file=sys.stderr)
        return 1
    out, status = out if isinstance(out, tuple) else (out, 0)   # (text, exit status): check's verdict
    try:
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return status


def run():
    """The process entry point (`symparams`, `python -m symparams`): main(), then exit. Before
    exiting, every object is frozen out of the garbage collector: the interpreter's final
    collections would otherwise walk all of SymPy's objects (about 60 ms of CPU, an eighth of
    `import sympy`) only to free memory the operating system takes back anyway. atexit
    handlers and stream flushing still run. Not in main(): tests call it in-process."""
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
