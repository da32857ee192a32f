"""One exception family. DSL errors carry a span and the source so they can
draw `FILE:LINE:COL: error: MESSAGE`, the line, and a caret under the column."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def from_meta(meta) -> "Span":
        if getattr(meta, "empty", False) or not hasattr(meta, "line"):
            return UNKNOWN_SPAN
        return Span(meta.line, meta.column, meta.end_line, meta.end_column)

    @staticmethod
    def from_token(tok) -> "Span":
        line = getattr(tok, "line", None) or 1
        column = getattr(tok, "column", None) or 1
        end_line = getattr(tok, "end_line", None) or line
        end_column = getattr(tok, "end_column", None) or column + 1
        return Span(line, column, end_line, end_column)


UNKNOWN_SPAN = Span(0, 0, 0, 0)


class SymparamsError(Exception):
    """Bad input in the language: where it is, what was expected, what was found."""

    def __init__(self, message: str, span: Span | None = None, source: str | None = None,
                 filename: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source
        self.filename = filename

    def located(self, source: str | None, filename: str | None) -> "SymparamsError":
        """Fill in the source and file name the first time they are known."""
        if self.source is None:
            self.source = source
        if self.filename is None:
            self.filename = filename
        return self

    def __str__(self) -> str:
        return self.render()

    def render(self, severity: str = "error") -> str:
        """`FILE:LINE:COL: error: MESSAGE`, the line and a caret (severity "warning" for warnings)."""
        where = self.filename or "<input>"
        span = self.span
        if span is None or span.line <= 0:
            return f"{where}: {severity}: {self.message}"
        head = f"{where}:{span.line}:{span.column}: {severity}: {self.message}"
        line_text = _source_line(self.source, span.line)
        if line_text is None:
            return head
        # One visible character per source character keeps the caret aligned.
        shown = "".join(c if c.isprintable() else "?" for c in line_text.rstrip("\r\n").replace("\t", " "))
        width = 1
        if span.end_line == span.line and span.end_column > span.column:
            width = span.end_column - span.column
        width = max(1, min(width, max(1, len(shown) - span.column + 1)))
        shown, column = _window(shown, span.column)
        width = min(width, max(1, len(shown) - column + 1))
        caret = " " * (column - 1) + "^" + "~" * (width - 1)
        return f"{head}\n    {shown}\n    {caret}"


ECHO_WIDTH = 120     # a longer source line is echoed as the part around the caret


def _window(line: str, column: int) -> tuple[str, int]:
    """The line, or the ECHO_WIDTH characters around `column` with `...` where it was cut;
    and the caret's column in what is shown."""
    if len(line) <= ECHO_WIDTH:
        return line, column
    start = max(0, min(column - 1 - ECHO_WIDTH // 2, len(line) - ECHO_WIDTH))
    head = "..." if start > 0 else ""
    tail = "..." if start + ECHO_WIDTH < len(line) else ""
    return head + line[start:start + ECHO_WIDTH] + tail, column - start + len(head)


def _source_line(source: str | None, line: int) -> str | None:
    if source is None:
        return None
    lines = source.split("\n")
    if 1 <= line <= len(lines):
        return lines[line - 1]
    return None


class ParseError(SymparamsError):
    """The text does not follow the grammar."""


class UnknownNameError(SymparamsError):
    """A layer, block, keyword, tensor or model that does not exist."""


class ArgumentError(SymparamsError):
    """A call's arguments do not fit the layer's signature."""


class ShapeError(SymparamsError):
    """Shapes that do not fit together (merge, repeat, reshape, ...)."""


class ConstraintError(SymparamsError):
    """A size that is not positive or a divisibility rule that fails."""


class ConventionError(SymparamsError):
    """A configuration the chosen framework cannot express."""


class LimitError(SymparamsError):
    """A bound on size, depth or work was hit (see symparams.limits)."""


class RecursionInBlocksError(SymparamsError):
    """A block that calls itself, directly or through others."""


class ChoiceError(ValueError):
    """The caller named something that is not there: a model, a symbol, a figure. API misuse, so
    a ValueError; the command line reports it as a usage error (exit 2)."""


def did_you_mean(name: str, candidates: Iterable[str], fallback: Iterable[str] = ()) -> str:
    """' (did you mean conv2d?)' for the closest candidate, or ''. Candidates are
    tried before the fallback (aliases), and the first spelling listed wins a case tie."""
    import difflib      # here: only a misspelling pays for it, not every command's start
    for pool in (candidates, fallback):
        by_case: dict = {}
        for c in pool:
            by_case.setdefault(c.lower(), c)
        # 0.75: near misses (conv2x, stridez, positiv), not mere shared letters (tie -> strides).
        best = difflib.get_close_matches(name.lower(), list(by_case), n=1, cutoff=0.75)
        if best:
            return f" (did you mean {by_case[best[0]]}?)"
    return ""
