"""One module per subcommand. Each defines HELP, add_arguments(parser) and run(args) -> str.
Modules are imported only when needed, so `symparams --help` stays fast."""
from importlib import import_module
from keyword import iskeyword

COMMANDS = ("summary", "eval", "solve", "algebra", "compare", "sweep", "repl", "plot", "import", "check")


def load(name):
    module = name.replace('-', '_')
    return import_module(f"{__name__}.{module}_" if iskeyword(module) else f"{__name__}.{module}")
