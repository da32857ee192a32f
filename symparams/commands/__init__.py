"""One module per subcommand. Each defines HELP, add_arguments(parser) and run(args) -> str.
Modules are imported only when needed, so `symparams --help` stays fast."""
from importlib import import_module

COMMANDS = ("summary", "eval", "solve", "algebra", "compare", "sweep", "repl", "plot", "memory")


def load(name):
    return import_module(f"{__name__}.{name.replace('-', '_')}")
