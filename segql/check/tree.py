"""The checked tree: every name resolved, every node typed; what the compiler consumes.

Negative forms are already lowered (`a != b` is Not(Compare("=")), `has no` is count = 0), so a
backend needs only the positive constructs plus Not. Imports only segql.source and segql.ast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from segql import ast
from segql.source import NO_SPAN, Span

# ---- types (defined in segql.types, re-exported here for the compiler) ----
from segql.types import (  # noqa: F401
    BOOLEAN,
    DATE,
    DECIMAL,
    DURATION,
    ERROR,
    FLOAT,
    INTEGER,
    NULL,
    SCALAR_TYPES,
    STRING,
    TIMESTAMP,
    Type,
)

# ---- values ----


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: int, Decimal, str, bool, date, datetime, or None (type null)."""

    value: Any
    type: Type
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Param:
    """A segment parameter; its value (default or --param) is bound at compile time."""

    name: str
    type: Type
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Today:
    """The as-of date."""

    type: Type = DATE
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Now:
    """The as-of instant (end of the as-of day when pinned, the current time otherwise)."""

    type: Type = TIMESTAMP
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Duration:
    """`30 days`: amount is an integer Literal or Param; unit is hour, day, week, month or year."""

    amount: Literal | Param
    unit: str
    type: Type = DURATION
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Column:
    """An attribute read from a table: scope is customer, lookup or event; owner names the lookup or event."""

    scope: str
    owner: str
    attribute: str
    column: str
    type: Type
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Arith:
    """`+ - * / %` on numbers (`/` is true division, x/0 is missing); `date|timestamp ± duration`."""

    op: str
    left: Expr
    right: Expr
    type: Type
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Expr
    type: Type
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A scalar function (see segql.check.functions for the list and signatures)."""

    name: str
    args: tuple[Expr, ...]
    type: Type
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Percentile:
    """100 × (customers with a strictly lower value) / (customers with a value − 1); 0 if only one."""

    expr: Expr
    type: Type = FLOAT
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


# ---- conditions (type boolean); each is true or false for every customer, never unknown ----


@dataclass(frozen=True, slots=True)
class Compare:
    """op is one of = < <= > >= (never !=, which is lowered to Not(Compare("="))).
    Both sides have compatible types; a date compared with a timestamp has already been
    wrapped in Call("date", …) on the timestamp side."""

    op: str
    left: Expr
    right: Expr
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Between:
    subject: Expr
    low: Expr
    high: Expr
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class InList:
    subject: Expr
    items: tuple[Expr, ...]
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class IsNull:
    subject: Expr
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Match:
    """Case-insensitive `contains` / `starts_with` / `ends_with`; the pattern is plain text."""

    op: str
    subject: Expr
    pattern: Expr
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Truth:
    """A boolean value used as a condition (a boolean attribute, trait or param): true only if TRUE."""

    operand: Expr
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


# ---- behaviour ----


@dataclass(frozen=True, slots=True)
class LastWindow:
    """today - N units < d <= today; for hours, now - N hours < t <= now."""

    amount: Literal | Param
    unit: str
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SinceWindow:
    """start <= d <= today."""

    start: Expr
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BeforeWindow:
    """d < end."""

    end: Expr
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BetweenWindow:
    """start <= d <= end."""

    start: Expr
    end: Expr
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


Window = LastWindow | SinceWindow | BeforeWindow | BetweenWindow


@dataclass(frozen=True, slots=True)
class Aggregate:
    """func over the events of `event` on or before the as-of date, with a non-missing time,
    matching `where` and `window`. value is the Column aggregated (None for count(event) and
    first_time/last_time). Empty: count/count_distinct/sum give 0, the others missing."""

    func: str
    event: str
    value: Expr | None
    where: Expr | None
    window: Window | None
    type: Type
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TraitRef:
    name: str
    expr: Expr
    type: Type
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SegmentRef:
    """`in segment s`: the referenced segment's condition, checked with its own parameter defaults."""

    name: str
    condition: Expr
    params: dict[str, Any]
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


Expr = (
    Literal | Param | Today | Now | Duration | Column | Arith | Negate | Call | Percentile | Compare
    | Between | InList | IsNull | Match | Not | And | Or | Truth | Aggregate | TraitRef | SegmentRef
)


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str
    type: Type
    default: Any  # a Python value of the type, or None when the parameter has no default
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CheckedSegment:
    name: str
    condition: Expr
    params: tuple[ParamSpec, ...]
    definition: ast.SegmentDef
    references: tuple[str, ...] = ()  # segments it uses, directly or not
    channel: str = ""
