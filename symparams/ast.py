"""The program as plain frozen dataclasses, each carrying its span."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union

from .errors import Span

# ---- expressions -----------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: Fraction
    text: str
    span: Span


@dataclass(frozen=True)
class String:
    value: str
    span: Span


@dataclass(frozen=True)
class Name:
    id: str
    span: Span


@dataclass(frozen=True)
class TupleExpr:
    items: tuple["Expr", ...]
    span: Span


@dataclass(frozen=True)
class Index:
    target: "Expr"
    index: "Expr"
    span: Span


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / // % **
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True)
class UnaryOp:
    op: str  # - +
    operand: "Expr"
    span: Span


@dataclass(frozen=True)
class Argument:
    keyword: str | None
    value: "Expr"
    span: Span
    keyword_span: Span | None = None


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Argument, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >=
    left: "Expr"
    right: "Expr"
    span: Span


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or | not (not has one operand)
    operands: tuple["Condition", ...]
    span: Span


Expr = Union[Number, String, Name, TupleExpr, Index, BinOp, UnaryOp, Call]
Condition = Union[Compare, BoolOp, Expr]

# ---- statements ------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
    nodes: tuple[Union[Name, Call], ...]
    span: Span


@dataclass(frozen=True)
class InputStmt:
    name: str | None
    shape: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True)
class Binding:
    name: str
    chain: Chain
    span: Span


@dataclass(frozen=True)
class UnpackBinding:
    """`out, h, c = lstm(...)`: one name for each of the chain's results."""
    names: tuple[Name, ...]
    chain: Chain
    span: Span


@dataclass(frozen=True)
class ChainStmt:
    chain: Chain
    span: Span


@dataclass(frozen=True)
class ReturnStmt:
    names: tuple[Name, ...]
    span: Span


@dataclass(frozen=True)
class LetStmt:
    name: str
    layer: Union[Call, Name]
    span: Span


@dataclass(frozen=True)
class LayoutStmt:
    layout: str
    span: Span


@dataclass(frozen=True)
class RepeatStmt:
    count: Expr
    var: str | None
    body: tuple["Stmt", ...]
    span: Span
    stage_input: tuple[Expr, ...] | None = None   # `, input (...)`: the shape of iteration `var`'s input
    stage_span: Span | None = None


@dataclass(frozen=True)
class IfStmt:
    """`if` / `elif` / `else`: the first branch whose condition holds runs."""
    branches: tuple[tuple["Condition", tuple["Stmt", ...]], ...]
    orelse: tuple["Stmt", ...]
    span: Span


Stmt = Union[InputStmt, Binding, UnpackBinding, ChainStmt, ReturnStmt, LetStmt, LayoutStmt, RepeatStmt, IfStmt]

# ---- declarations ----------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    default: Expr | None
    span: Span


@dataclass(frozen=True)
class Definition:
    """A `block` or a `model`."""
    kind: str  # "block" | "model"
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    span: Span
    name_span: Span
    default: bool = False      # `default model`: evaluated when no model is named


@dataclass(frozen=True)
class SymbolsDecl:
    names: tuple[Name, ...]
    assumptions: tuple[Name, ...]
    span: Span


@dataclass(frozen=True)
class LayoutDecl:
    layout: str
    span: Span


@dataclass(frozen=True)
class Module:
    """A whole file."""
    layout: LayoutDecl | None
    symbols: tuple[SymbolsDecl, ...]
    definitions: tuple[Definition, ...]
    source: str = field(repr=False)
    filename: str | None = None
