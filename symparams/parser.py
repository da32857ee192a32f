"""Text -> parse tree -> AST. One LALR parser, built once; lark's exceptions
never reach the user: they become ParseError with the expected tokens spelled out."""
from __future__ import annotations

import re

from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError
from lark.indenter import Indenter

from . import ast, limits
from .errors import LimitError, ParseError, Span, SymparamsError

_GRAMMAR_FILE = "symparams.lark"


def grammar_path() -> Path:
    """The grammar shipped in the wheel, else the checkout's (editable installs)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "grammar" / _GRAMMAR_FILE, here.parent / "grammar" / _GRAMMAR_FILE):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"symparams grammar {_GRAMMAR_FILE} not found next to {here}")


class _Indenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types = ["LPAR", "LSQB"]
    CLOSE_PAREN_types = ["RPAR", "RSQB"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def process(self, stream):
        self.open_parens: list[Token] = []
        return super().process(self._track_parens(stream))

    def _track_parens(self, stream):
        # Remember where each open bracket is, so "never closed" can point at it.
        for token in stream:
            if token.type in self.OPEN_PAREN_types:
                self.open_parens.append(token)
            elif token.type in self.CLOSE_PAREN_types and self.open_parens:
                self.open_parens.pop()
            yield token

    def handle_NL(self, token):
        if self.paren_level > 0:
            return
        yield token
        indent_str = token.rsplit("\n", 1)[1]
        indent = indent_str.count(" ") + indent_str.count("\t") * self.tab_len
        # Indent/dedent tokens sit at the start of the next line, where the user sees them.
        line = (token.end_line or token.line or 1)
        column = len(indent_str) + 1
        if indent > self.indent_level[-1]:
            self.indent_level.append(indent)
            yield Token(self.INDENT_type, indent_str, token.end_pos, line, column, line, column + 1, token.end_pos)
            return
        while indent < self.indent_level[-1]:
            self.indent_level.pop()
            yield Token(self.DEDENT_type, indent_str, token.end_pos, line, column, line, column + 1, token.end_pos)
        if indent != self.indent_level[-1]:
            raise ParseError(
                f"this line is indented to column {indent + 1}, which matches no enclosing block "
                f"(expected column {self.indent_level[-1] + 1})",
                Span(line, column, line, column + 1))


@lru_cache(maxsize=None)
def _lark() -> Lark:
    text = grammar_path().read_text(encoding="utf-8")
    return Lark(text, parser="lalr", lexer="contextual", postlex=_Indenter(),
                propagate_positions=True, maybe_placeholders=True,
                start=["start", "expr_only", "call_only"], cache=True)


def _span(meta) -> Span:
    return Span.from_meta(meta)


def _number(token: Token) -> ast.Number:
    text = str(token)
    digits = text.replace("_", "")
    mantissa, _, exponent = digits.lower().partition("e")
    if len(mantissa.replace(".", "")) > limits.MAX_INT_DIGITS or (exponent and abs(int(exponent)) > limits.MAX_INT_DIGITS):
        raise LimitError(f"number literal {text[:20]}... is too large (limit: {limits.MAX_INT_DIGITS} digits)",
                         Span.from_token(token))
    return ast.Number(Fraction(digits), text, Span.from_token(token))


@v_args(inline=True, meta=True)
class _ToAst(Transformer_NonRecursive):
    """Parse tree -> ast dataclasses; every node keeps its line and column."""

    # ---- expressions
    def number(self, meta, token):
        return _number(token)

    def string(self, meta, token):
        return ast.String(str(token)[1:-1], Span.from_token(token))

    def name(self, meta, token):
        return ast.Name(str(token), Span.from_token(token))

    def tuple(self, meta, *items):
        items = tuple(i for i in items if i is not None)
        if len(items) > limits.MAX_TUPLE_ITEMS:
            raise LimitError(f"tuple has {len(items)} items (limit: {limits.MAX_TUPLE_ITEMS})", _span(meta))
        return ast.TupleExpr(items, _span(meta))

    def index(self, meta, target, index):
        return ast.Index(target, index, _span(meta))

    def _binop(op):
        def build(self, meta, left, right):
            return ast.BinOp(op, left, right, _span(meta))
        return build

    add, sub, mul, div = _binop("+"), _binop("-"), _binop("*"), _binop("/")
    floordiv, mod, pow = _binop("//"), _binop("%"), _binop("**")
    del _binop

    def compare(self, meta, left, op, right):
        return ast.Compare(str(op), left, right, _span(meta))

    def either(self, meta, left, right):
        return ast.BoolOp("or", (left, right), _span(meta))

    def both(self, meta, left, right):
        return ast.BoolOp("and", (left, right), _span(meta))

    def negation(self, meta, operand):
        return ast.BoolOp("not", (operand,), _span(meta))

    def neg(self, meta, operand):
        return ast.UnaryOp("-", operand, _span(meta))

    def pos(self, meta, operand):
        return ast.UnaryOp("+", operand, _span(meta))

    def call(self, meta, name, arguments):
        args = tuple(arguments) if arguments is not None else ()
        return ast.Call(str(name), args, _span(meta), Span.from_token(name))

    def arguments(self, meta, *args):
        return [a for a in args if a is not None]

    def argument(self, meta, value):
        return ast.Argument(None, value, _span(meta))

    def keyword_argument(self, meta, name, value):
        return ast.Argument(str(name), value, _span(meta), Span.from_token(name))

    # ---- statements
    def bare_node(self, meta, token):
        return ast.Name(str(token), Span.from_token(token))

    def chain(self, meta, *nodes):
        return ast.Chain(tuple(nodes), _span(meta))

    def chain_stmt(self, meta, chain):
        return ast.ChainStmt(chain, _span(meta))

    def binding(self, meta, name, chain):
        return ast.Binding(str(name), chain, _span(meta))

    def unpack_binding(self, meta, *parts):
        *names, chain = parts
        return ast.UnpackBinding(tuple(ast.Name(str(n), Span.from_token(n)) for n in names), chain, _span(meta))

    def if_stmt(self, meta, condition, body, *rest):
        *elifs, orelse = rest
        return ast.IfStmt(((condition, body), *elifs), orelse or (), _span(meta))

    def elif_clause(self, meta, condition, body):
        return condition, body

    def else_clause(self, meta, body):
        return body

    def shape_literal(self, meta, *items):
        return tuple(i for i in items if i is not None)

    def input_stmt(self, meta, name, shape):
        return ast.InputStmt(str(name) if name is not None else None, shape, _span(meta))

    def return_stmt(self, meta, *names):
        return ast.ReturnStmt(tuple(ast.Name(str(n), Span.from_token(n)) for n in names), _span(meta))

    def let_stmt(self, meta, name, layer):
        if isinstance(layer, Token):
            layer = ast.Name(str(layer), Span.from_token(layer))
        return ast.LetStmt(str(name), layer, _span(meta))

    def layout_stmt(self, meta, name):
        return ast.LayoutStmt(str(name), Span.from_token(name))

    def repeat_stmt(self, meta, count, var, stage, body):
        stage_input, stage_span = stage if stage is not None else (None, None)
        return ast.RepeatStmt(count, str(var) if var is not None else None, body, _span(meta),
                              stage_input, stage_span)

    def stage_input(self, meta, shape):
        return shape, _span(meta)

    def suite(self, meta, *stmts):
        return tuple(stmts)

    # ---- declarations
    def param(self, meta, name, default):
        return ast.Param(str(name), default, _span(meta))

    def params(self, meta, *params):
        return tuple(p for p in params if p is not None)

    def _definition(kind, default=False):
        def build(self, meta, name, params, body):
            return ast.Definition(kind, str(name), params or (), body, _span(meta), Span.from_token(name), default)
        return build

    block_def = _definition("block")
    model_def = _definition("model")
    default_model_def = _definition("model", default=True)
    del _definition

    def layout_decl(self, meta, name):
        return ast.LayoutDecl(str(name), Span.from_token(name))

    def symbol_names(self, meta, *tokens):
        return tuple(ast.Name(str(t), Span.from_token(t)) for t in tokens)

    assumptions = symbol_names

    def symbols_decl(self, meta, names, assumptions):
        return ast.SymbolsDecl(names, assumptions or (), _span(meta))

    def start(self, meta, *items):
        return [i for i in items if i is not None]

    def expr_only(self, meta, expr):
        return expr

    def call_only(self, meta, node):
        if isinstance(node, Token):
            return ast.Name(str(node), Span.from_token(node))
        return node


_TOKEN_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "_NL": "end of line",
    "_INDENT": "an indented block", "_DEDENT": "end of the block", "$END": "end of input",
    "_ARROW": "'->'",
}


def _describe(terminal: str) -> str:
    if terminal in _TOKEN_WORDS:
        return _TOKEN_WORDS[terminal]
    try:
        pattern = _lark().get_terminal(terminal).pattern
    except KeyError:
        return terminal
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return terminal.lower()


def _found(token) -> str:
    if token is None or token.type == "$END":
        return "end of input"
    if token.type in ("_NL",):
        return "end of line"
    if token.type == "_INDENT":
        return "an unexpected indent"
    if token.type == "_DEDENT":
        return "end of the block"
    return f"'{token}'"


_OPERATORS = {"'+'", "'-'", "'*'", "'/'", "'//'", "'%'", "'**'", "'['"}
_PREFERRED = ["end of line", "'->'", "')'", "','", "':'", "'='", "a name", "a number", "a string", "'('"]


def _expected_list(expected, inside_parens: bool) -> str:
    words = {_describe(t) for t in expected if not t.startswith("__")}
    if inside_parens:
        words.discard("end of line")
    if words - _OPERATORS:
        # Operators could follow almost anything; listing them buries the useful words.
        words -= _OPERATORS
    ordered = [w for w in _PREFERRED if w in words] + sorted(words - set(_PREFERRED))
    if not ordered:
        return "something else"
    if len(ordered) > 8:
        ordered = ordered[:8] + ["..."]
    return ", ".join(ordered[:-1]) + (" or " if len(ordered) > 1 else "") + ordered[-1]


def _convert(err: UnexpectedInput, text: str, indenter: _Indenter | None) -> ParseError:
    line = getattr(err, "line", None) or 1
    column = getattr(err, "column", None) or 1
    if isinstance(err, UnexpectedCharacters):
        ch = text[err.pos_in_stream] if 0 <= err.pos_in_stream < len(text) else "?"
        shown = repr(ch)[1:-1] if not ch.isprintable() else ch
        return ParseError(f"unexpected character '{shown}'", Span(line, column, line, column + 1))
    token = getattr(err, "token", None)
    expected = getattr(err, "expected", None) or set()
    interactive = getattr(err, "interactive_parser", None)
    if interactive is not None:
        try:
            # LALR merges states; accepts() asks which tokens would really be taken here.
            expected = interactive.accepts() or expected
        except UnexpectedInput:
            pass     # accepts() catches a refused token itself; should one escape, keep the wider list
    at_end = token is None or token.type in ("$END", "_DEDENT") or isinstance(err, UnexpectedEOF)
    if indenter is not None and getattr(indenter, "open_parens", None) and at_end:
        paren = indenter.open_parens[-1]
        return ParseError(f"'{paren}' is never closed", Span.from_token(paren))
    if token is not None and token.type == "$END":
        last = text.rstrip("\n").split("\n")
        line, column = len(last), len(last[-1]) + 1
    span = Span(line, column, line, column + max(1, len(str(token)) if token is not None and token.type not in ("_NL", "_INDENT", "_DEDENT", "$END") else 1))
    if token is not None and token.type == "_INDENT":
        return ParseError("unexpected indent: this line is indented more than the statement before it", span)
    inside_parens = bool(indenter is not None and getattr(indenter, "open_parens", None))
    return ParseError(f"expected {_expected_list(expected, inside_parens)}, found {_found(token)}", span)


# Control characters and undecodable bytes (read as lone surrogates): refused where they are,
# so no name or string can carry one to a terminal that cannot print it.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _prepare(text: str) -> str:
    if len(text) > limits.MAX_SOURCE_CHARS:
        raise LimitError(f"source is {len(text)} characters long (limit: {limits.MAX_SOURCE_CHARS})")
    lines = text.count("\n") + 1
    if lines > limits.MAX_SOURCE_LINES:
        raise LimitError(f"source has {lines} lines (limit: MAX_SOURCE_LINES = {limits.MAX_SOURCE_LINES})")
    bad = _UNPRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        code = ord(bad.group())
        what = f"byte 0x{code - 0xdc00:02x} that is not UTF-8" if 0xdc80 <= code <= 0xdcff else f"U+{code:04X}"
        raise ParseError(f"unexpected character: {what} (not printable; the source must be UTF-8 text)",
                         Span(line, column, line, column + 1))
    # The indenter reads a line's indent from the text after its last newline.
    return text if text.endswith("\n") else text + "\n"


def _parse(text: str, start: str):
    parser = _lark()
    try:
        tree = parser.parse(text, start=start)
    except UnexpectedInput as err:
        raise _convert(err, text, parser.options.postlex) from None
    try:
        return _ToAst().transform(tree)
    except VisitError as err:
        if isinstance(err.orig_exc, SymparamsError):
            raise err.orig_exc from None
        raise


def parse_module(text: str, filename: str | None = None) -> ast.Module:
    """Parse a whole file into a Module."""
    try:
        prepared = _prepare(text)
        items = _parse(prepared, "start")
    except SymparamsError as err:
        raise err.located(text, filename) from None
    layout = None
    symbols, definitions = [], []
    for item in items:
        if isinstance(item, ast.LayoutDecl):
            layout = item
        elif isinstance(item, ast.SymbolsDecl):
            symbols.append(item)
        else:
            definitions.append(item)
    _check_one_default(definitions, text, filename)
    return ast.Module(layout, tuple(symbols), tuple(definitions), text, filename)


def _check_one_default(definitions, text, filename):
    defaults = [d for d in definitions if d.default]
    if len(defaults) > 1:
        first, second = defaults[:2]
        keyword = Span(second.span.line, second.span.column, second.span.line, second.span.column + len("default"))
        raise ParseError(f"a second default model ({second.name}; {first.name} at line {first.span.line} is "
                         f"the default): a file has at most one; write `model {second.name}(...):`",
                         keyword, text, filename)


def parse_expression(text: str, filename: str | None = None):
    """Parse one expression (a --set value)."""
    try:
        return _parse(_prepare(text), "expr_only")
    except SymparamsError as err:
        raise err.located(text, filename) from None


def parse_call(text: str, filename: str | None = None):
    """Parse one layer call such as `conv2d(n, k)` (the CLI's eval)."""
    try:
        return _parse(_prepare(text), "call_only")
    except SymparamsError as err:
        raise err.located(text, filename) from None
