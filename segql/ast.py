"""The syntax tree of segql expressions and segment files, as parsed.

Frozen dataclasses with spans and no behaviour; names follow the grammar's rules. Imports only segql.source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from segql.source import NO_SPAN, Span


@dataclass(frozen=True, slots=True)
class Node:
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


# ---- literals ----


@dataclass(frozen=True, slots=True)
class Number(Node):
    value: int | Decimal


@dataclass(frozen=True, slots=True)
class String(Node):
    value: str


@dataclass(frozen=True, slots=True)
class Boolean(Node):
    value: bool


@dataclass(frozen=True, slots=True)
class Null(Node):
    pass


@dataclass(frozen=True, slots=True)
class DateLit(Node):
    value: dt.date


@dataclass(frozen=True, slots=True)
class TimestampLit(Node):
    value: dt.datetime


@dataclass(frozen=True, slots=True)
class Param(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Duration(Node):
    """`30 days`; unit is singular: hour, day, week, month, quarter or year."""

    amount: Number | Param
    unit: str


@dataclass(frozen=True, slots=True)
class Ago(Node):
    """`30 days ago`, which means `today - 30 days`."""

    duration: Duration


@dataclass(frozen=True, slots=True)
class Today(Node):
    pass


@dataclass(frozen=True, slots=True)
class Now(Node):
    pass


@dataclass(frozen=True, slots=True)
class ListLit(Node):
    items: tuple[Expr, ...]


# ---- names and calls ----


@dataclass(frozen=True, slots=True)
class Name(Node):
    """`country`, or a dotted `address.state`, `orders.amount`, `customer.country`."""

    parts: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A scalar function call: `lower(email)`, `years_between(birth_date, today)`."""

    name: str
    args: tuple[Expr, ...]
    name_span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


# ---- operators ----


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Expr


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    """Arithmetic: `+ - * / %`."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """`= != < <= > >=`."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Between(Node):
    subject: Expr
    low: Expr
    high: Expr
    negated: bool = False


@dataclass(frozen=True, slots=True)
class InList(Node):
    subject: Expr
    items: ListLit
    negated: bool = False


@dataclass(frozen=True, slots=True)
class IsNull(Node):
    subject: Expr
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Match(Node):
    """`contains`, `starts with`, `ends with` (op is contains, starts_with, ends_with)."""

    op: str
    subject: Expr
    pattern: Expr
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Expr


@dataclass(frozen=True, slots=True)
class And(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or(Node):
    items: tuple[Expr, ...]


# ---- behaviour ----


@dataclass(frozen=True, slots=True)
class LastWindow(Node):
    """`in last 30 days`."""

    amount: Number | Param
    unit: str


@dataclass(frozen=True, slots=True)
class SinceWindow(Node):
    start: Expr


@dataclass(frozen=True, slots=True)
class BeforeWindow(Node):
    end: Expr


@dataclass(frozen=True, slots=True)
class BetweenWindow(Node):
    start: Expr
    end: Expr


@dataclass(frozen=True, slots=True)
class ThisWindow(Node):
    """`in this month`: the current calendar period up to today (unit: week, month, quarter or year)."""

    unit: str


@dataclass(frozen=True, slots=True)
class PreviousWindow(Node):
    """`in previous month`, `in previous 3 quarters`: whole calendar periods before the current one."""

    amount: Number | Param | None
    unit: str


Window = LastWindow | SinceWindow | BeforeWindow | BetweenWindow | ThisWindow | PreviousWindow


@dataclass(frozen=True, slots=True)
class Aggregate(Node):
    """`sum(orders.amount where status = "paid" in last 365 days)`; `nth(orders.channel …, 2)` has an `arg`."""

    func: str
    source: Name
    where: Expr | None = None
    window: Window | None = None
    arg: Expr | None = None
    func_span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Has(Node):
    """`has orders where …` (count > 0) and `has no orders …` (count = 0)."""

    source: Name
    where: Expr | None = None
    window: Window | None = None
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Step(Node):
    """One step of a sequence: `[then [no]] event [as NAME] [where …] [window] [within DURATION]`.

    Only the first step may have a window and only later steps a `within`; the checker says so."""

    source: Name
    alias: Name | None = None
    where: Expr | None = None
    window: Window | None = None
    within: Duration | None = None
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Sequence(Node):
    """`has cart_adds in last 3 days then no orders within 1 day` (DESIGN §3.10); `negated` is `has no …
    then …`, which the checker refuses (it reads two ways)."""

    steps: tuple[Step, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class InSegment(Node):
    """`in segment vip`, or a group of a segment's splits or priority list: `in segment promo.holdout`."""

    name: str
    group: str = ""
    name_span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)
    group_span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TopBy(Node):
    """`top 10% by spend_365`, sugar for `percentile(spend_365) >= 90`."""

    percent: Number | Param
    expr: Expr


Expr = (
    Number | String | Boolean | Null | DateLit | TimestampLit | Param | Duration | Ago | Today | Now
    | ListLit | Name | Call | Neg | BinOp | Compare | Between | InList | IsNull | Match | Not | And | Or
    | Aggregate | Has | Sequence | InSegment | TopBy
)


# ---- files ----


@dataclass(frozen=True, slots=True)
class ParamDef(Node):
    """A segment parameter: `min_spend: {type: decimal, default: 500}`."""

    name: str
    type: str
    default: str | None = None
    default_span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)
    type_span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SplitGroup(Node):
    """`holdout: 10` under `splits: groups:`; the percentage as written (checked to 2 decimals)."""

    name: str
    percent: Decimal


@dataclass(frozen=True, slots=True)
class Splits(Node):
    """A segment's `splits:` (DESIGN §3.13): groups take consecutive bucket ranges in the order written."""

    salt: str
    groups: tuple[SplitGroup, ...]
    salt_span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SegmentDef(Node):
    """One segment as written in its file; span covers its name (or the file's first key).

    A priority list (a file with `priority:`) is a SegmentDef too: `priority` names its segments, most important
    first, and `where` is their union (`in segment s1 or in segment s2 …`, spans at the names)."""

    name: str
    where: Expr
    description: str = ""
    owner: str = ""
    tags: tuple[str, ...] = ()
    channel: str = ""
    params: tuple[ParamDef, ...] = ()
    splits: Splits | None = None
    priority: tuple[InSegment, ...] = ()
    channel_span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)
