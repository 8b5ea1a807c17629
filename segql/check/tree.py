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
    """`30 days`: amount is an integer Literal or Param; unit is hour, day, week, month, quarter (3 months) or
    year."""

    amount: Literal | Param
    unit: str
    type: Type = DURATION
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Column:
    """An attribute read from a table: scope is customer, lookup, event or step; owner names the lookup or event,
    or for `step` the `as` name of an earlier step of the sequence being checked (`v.product_id`)."""

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
    """A scalar function (see segql.check.functions for the list and signatures).

    The checker completes two calls with what the project decides: `start_of_week(d)` gets a second argument,
    the ISO weekday weeks start on (1 Monday, 7 Sunday: segql.yml's `week_start`), and `bucket(salt)` gets the
    customer's key column, the text hashed after the salt."""

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


@dataclass(frozen=True, slots=True)
class ThisWindow:
    """start(unit, today) <= d <= today: the current week, month, quarter or year to date."""

    unit: str
    week_start: int = 1  # the ISO weekday a week starts on (1 Monday … 7 Sunday)
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PreviousWindow:
    """start(unit, today) - N units <= d < start(unit, today): the N whole periods before the current one."""

    amount: Literal | Param
    unit: str
    week_start: int = 1
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


Window = LastWindow | SinceWindow | BeforeWindow | BetweenWindow | ThisWindow | PreviousWindow

# Aggregates that give 0 for a customer without matching events; every other one gives a missing value.
EMPTY_IS_ZERO = ("count", "count_distinct", "sum", "count_days", "count_weeks", "count_months")


@dataclass(frozen=True, slots=True)
class Aggregate:
    """func over the events of `event` on or before the as-of date, with a non-missing time,
    matching `where` and `window`. value is the Column aggregated (None for count(event), first_time/last_time,
    nth_time and count_days/weeks/months). Empty: the EMPTY_IS_ZERO ones give 0, the others missing.

    `arg` is the position n of nth/nth_time (an integer Literal or Param, at least 1), and for count_weeks the
    ISO weekday weeks start on (an integer Literal); None otherwise."""

    func: str
    event: str
    value: Expr | None
    where: Expr | None
    window: Window | None
    type: Type
    arg: Literal | Param | None = None
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Step:
    """A step of a sequence over the events of `event` (on or before the as-of date, with a time), passing
    `where`, which may read the attributes of earlier steps by their `as` name (Column scope "step").

    For a later step: `within` bounds its time after the previous step's (None: any time after); `instant` says
    both steps' times are timestamps and compare as instants (else both as dates in the project's zone);
    `same_table` that the previous step reads the same table (then this event is strictly later, so another
    event); `negated` is `then no` (the last step only)."""

    event: str
    alias: str
    where: Expr | None
    within: Duration | None = None
    negated: bool = False
    instant: bool = False
    same_table: bool = False
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Sequence:
    """`has A … then [no] B … within D` (DESIGN §3.10): true when a chain of events e1 … en exists, e1 in `window`,
    each later one within its step's bound after the one before; a negated last step holds when no event of it
    follows the chain within `within`, and that interval has ended (t + D <= now; dates: d + D <= today)."""

    steps: tuple[Step, ...]
    window: Window | None
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SqlTrait:
    """A trait written in SQL (DESIGN §3.14): one expression over the customer row (alias `c`) per dialect, as
    written in schema.yml (parsed by the compiler for the dialect it serves; never concatenated as text)."""

    name: str
    sql: tuple[tuple[str, str], ...]  # (dialect, expression text)
    type: Type
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)

    def text_for(self, dialect: str) -> str | None:
        return next((text for name, text in self.sql if name == dialect), None)


@dataclass(frozen=True, slots=True)
class TraitRef:
    name: str
    expr: Expr
    type: Type
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SegmentRef:
    """`in segment s`: the referenced segment's condition, checked with its own parameter defaults.
    `in segment s.g` names a group of s's splits or priority list: `condition` is then membership in that group."""

    name: str
    condition: Expr
    params: dict[str, Any]
    group: str = ""
    type: Type = BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


Expr = (
    Literal | Param | Today | Now | Duration | Column | Arith | Negate | Call | Percentile | Compare
    | Between | InList | IsNull | Match | Not | And | Or | Truth | Aggregate | Sequence | SqlTrait | TraitRef
    | SegmentRef
)


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str
    type: Type
    default: Any  # a Python value of the type, or None when the parameter has no default
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Group:
    """A group of a segment's splits or of a priority list; `condition` is membership in the group (the
    segment's condition included), and the groups of one segment never overlap."""

    name: str
    condition: Expr
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CheckedSegment:
    name: str
    condition: Expr
    params: tuple[ParamSpec, ...]
    definition: ast.SegmentDef
    references: tuple[str, ...] = ()  # segments it uses, directly or not
    channel: str = ""
    groups: tuple[Group, ...] = ()  # of its splits (bucket ranges) or priority list (its segments), in order
    group_kind: str = ""  # "splits", "priority" or ""

    def group(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)
