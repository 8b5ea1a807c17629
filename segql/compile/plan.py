"""The plan: what a query reads and computes, between the checked tree and SQL (docs/compiler.md).

A Query selects outputs from a Source (the customer table, the lookups its expressions read, its event passes and
the ranks table) under a filter; its expressions are the checked tree's, with the nodes below added by the planner
(Aggregate) and the rewrites. Dialect-neutral data: imports segql.check.tree only (no sqlglot).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from segql.check import tree as t
from segql.source import NO_SPAN, Span

# ---- the relational nodes ----


@dataclass(frozen=True, slots=True)
class GroupedPass:
    """One scan of an event table grouped by customer, computing every aggregate over it that the query reads (one
    column each, identical aggregates sharing one), LEFT JOINed by key, or INNER JOINed when a customer without
    these events can't be a member. Lowered by segql.compile.passes."""

    event: str
    inner: bool = False


Pass = GroupedPass  # the kinds of event pass (sequence passes will join them)


@dataclass(frozen=True, slots=True)
class Source:
    """FROM the customer table, joined with the lookups its expressions read (in order of first use), its passes (in
    the schema's order of event tables) and, when a value is ranked, the ranks table: the key and one percentile per
    ranked value, computed over `ranks` (another scan of every customer, with passes of its own)."""

    passes: tuple[Pass, ...] = ()
    ranks: Source | None = None


@dataclass(frozen=True, slots=True)
class Output:
    """A column of the query: a condition as exactly TRUE or FALSE (`strict=False`: as a filter, NULL where §3 says
    false, for a WHERE, CASE WHEN or FILTER), another expression as its value; `params` are the values of the
    parameters it reads."""

    name: str
    expr: Expr
    params: Mapping[str, Any] = field(default_factory=dict)
    strict: bool = True


@dataclass(frozen=True, slots=True)
class Query:
    """SELECT the customer key and the outputs FROM source [WHERE where] (`params`: the where's parameter values)."""

    source: Source
    outputs: tuple[Output, ...] = ()
    where: Expr | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


# ---- nodes added to the checked tree's expressions ----


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A t.Aggregate as its pass computes it: the conjuncts of its `where` on the event (`on_events`, inside the
    pass) and those on the customer and lookups alone (`on_customer`), which hold for all of a customer's events or
    none and are checked once per customer outside the pass (the pass then needs no join with the customer table).
    `guarded=False` leaves them out (the comparison around it checks them, see plan.Lifted)."""

    func: str
    event: str
    value: Expr | None
    on_events: tuple[Expr, ...]
    on_customer: tuple[Expr, ...]
    window: t.Window | None
    type: t.Type
    guarded: bool = True
    arg: t.Literal | t.Param | None = None  # nth's position, count_weeks' first day of the week (t.Aggregate's)
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DateRange:
    """The date of `subject` (a date or a timestamp in the project's zone) within [first, last] (None: unbounded on
    that side); never true when `empty`. A comparison of a monotone function of a date with constants, solved at
    compile time (rewrites.date_range)."""

    subject: Expr
    first: dt.date | None
    last: dt.date | None
    empty: bool = False
    type: t.Type = t.BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Exists:
    """The customer has an event the aggregate (a count, its pass's only aggregate) would count: `has E …` as a
    semi-join (rewrites.semi_joins), the events' keys in a subquery of their own instead of a grouped pass."""

    aggregate: Aggregate
    type: t.Type = t.BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Reached:
    """The customer has an event the aggregate (a count) would count: `has E …` over an event table whose grouped
    pass computes other aggregates too (rewrites.reached), as a boolean column of that pass instead of a count
    compared with 0 outside it. The pass computes it from the earliest or latest matching time where the window
    leaves one bound to check (passes.build_pass), one MIN or MAX that every such `has` on the same events shares.
    NULL for a customer the pass has no row for."""

    aggregate: Aggregate
    type: t.Type = t.BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Member:
    """`in segment <name>` as a key set (rewrites.key_sets): the customer's key among the keys of the members of the
    referenced segment, computed by a query of its own (its own passes, ranks and filters, planned and rewritten
    apart), instead of its condition inlined into the outer query. Walkers do not enter `query`: its expressions
    read the referenced segment's parameters, not the outer query's."""

    name: str
    query: Query
    type: t.Type = t.BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


MonthDays = tuple[tuple[tuple[int, int], tuple[int, int]], ...]  # ((month, day), (month, day)) ranges


@dataclass(frozen=True, slots=True)
class AnnualDays:
    """The month and day of `subject` (a date or a timestamp in the project's zone) within one of `runs`, each an
    inclusive range of (month, day) in calendar order, February 29 included. A comparison that reads the date only
    through its month and day (`next_anniversary`), solved at compile time (rewrites.annual_days)."""

    subject: Expr
    runs: MonthDays
    type: t.Type = t.BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Uncoalesced:
    """`left <op> right` where a COALESCE was left out (rewrites.bare_coalesce): NULL where the operand is missing,
    which a condition reads as false, as the comparison with the COALESCE would have been."""

    op: str
    left: Expr
    right: Expr
    type: t.Type = t.BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Lifted:
    """`<guard> AND left <op> right`: an aggregate (one side, unguarded) whose customer conditions, the guard, were
    lifted out of it (rewrites.lifted_guard). NULL where the guard is, so read as false."""

    op: str
    left: Expr
    right: Expr
    guard: tuple[Expr, ...]
    type: t.Type = t.BOOLEAN
    span: Span = field(default=NO_SPAN, kw_only=True, compare=False, repr=False)


Expr = t.Expr | Aggregate | Exists | Reached | Member | DateRange | AnnualDays | Uncoalesced | Lifted


# ---- walking expressions ----

LEAVES = frozenset({t.Literal, t.Column, t.Param, t.Today, t.Now, t.Duration})  # nodes walkers need not enter

# The annotations of fields that never hold a node (the others may; walkers pass anything else through unchanged).
_LEAF_FIELDS = frozenset({"str", "int", "bool", "float", "Any", "Type", "t.Type", "Span", "dict[str, Any]",
                          "Mapping[str, Any]", "dt.date | None", "MonthDays", "Query"})
_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """(name, holds a tuple) of each field of a node class that may hold nodes, found once per class."""
    found = _FIELDS.get(cls)
    if found is None:
        fields = getattr(cls, "__dataclass_fields__", {})
        found = _FIELDS[cls] = tuple((name, str(f.type).startswith("tuple[")) for name, f in fields.items()
                                     if name != "span" and str(f.type) not in _LEAF_FIELDS)
    return found


def children(node: object) -> list[Any]:
    """The node's children, in field order (leaves such as literals and columns included)."""
    found: list[Any] = []
    fields = _FIELDS.get(type(node))
    for name, many in fields if fields is not None else _fields(type(node)):
        child = getattr(node, name)
        if child is None:
            continue
        if many:
            found.extend(child)
        else:
            found.append(child)
    return found


def map_children(node: Any, f: Callable[[Any], Any]) -> Any:
    """The node with f applied to each child (but the LEAVES): the same node when f changed none of them, so that a
    rewrite rebuilds only the path to what it changes. Walkers are on the compiler's hot path: keep this lean."""
    changed: dict[str, Any] | None = None
    fields = _FIELDS.get(type(node))
    for name, many in fields if fields is not None else _fields(type(node)):
        child = getattr(node, name)
        if child is None or type(child) in LEAVES:
            continue
        if many:
            items: list[Any] | None = None
            for i, item in enumerate(child):
                if type(item) in LEAVES:
                    continue
                mapped = f(item)
                if mapped is not item:
                    if items is None:
                        items = list(child)
                    items[i] = mapped
            if items is None:
                continue
            new: Any = tuple(items)
        else:
            new = f(child)
            if new is child:
                continue
        if changed is None:
            changed = {}
        changed[name] = new
    return rebuild(node, changed) if changed else node


_SET = object.__setattr__


def rebuild(node: Any, changes: dict[str, Any]) -> Any:
    """A copy of a frozen slots node with some fields changed: dataclasses.replace without its checks and __init__
    (nodes are plain data), three times quicker on this hot path."""
    cls = type(node)
    slots = getattr(cls, "__slots__", None)
    if slots is None:
        return replace(node, **changes)
    new = object.__new__(cls)
    for name in slots:
        _SET(new, name, changes[name] if name in changes else getattr(node, name))
    return new


def unwrap(node: Expr) -> Expr:
    """The expression a trait names (through traits naming traits)."""
    while isinstance(node, t.TraitRef):
        node = node.expr
    return node
