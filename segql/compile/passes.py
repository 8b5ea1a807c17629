"""Grouped passes over event tables: every aggregate a query needs from one event table, in one subquery.

Each aggregate becomes a conditional aggregate (`COUNT(CASE WHEN <where and window> THEN 1 END)`) over one
scan grouped by the customer key; first/last add a window step so ties resolve the same on every engine.
Imports sqlglot, segql.dialects and the sibling sql module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlglot import exp

from segql.compile import sql
from segql.compile.tables import EventTable
from segql.dialects import SqlDialect

EMPTY_IS_ZERO = ("count", "count_distinct", "sum")
TWO_STEP = ("first", "last")


@dataclass(slots=True)
class AggregateSpec:
    """One aggregate column: func over `value` (None: the event itself) on events where `filter` holds."""

    alias: str
    func: str
    value: exp.Expression | None
    filter: exp.Expression | None
    boolean: bool


@dataclass(slots=True)
class EventPass:
    """The aggregates of one event table, collected while the condition is compiled."""

    event: str
    table: EventTable
    alias: str
    specs: list[AggregateSpec] = field(default_factory=list)
    # per aggregate: the first event date it can count (inclusive), or None when it is unbounded below
    lower_bounds: list[dt.date | exp.Expression | None] = field(default_factory=list)
    needs_customer: bool = False
    lookups: list[str] = field(default_factory=list)
    _index: dict[tuple[object, ...], str] = field(default_factory=dict)

    def add(self, func: str, value: exp.Expression | None, filter: exp.Expression | None,
            lower_bound: dt.date | exp.Expression | None, boolean: bool) -> str:
        """The alias of the column computing this aggregate; identical aggregates share one column."""
        key = (func, value, filter)
        found = self._index.get(key)
        if found is not None:
            return found
        taken = {s.alias for s in self.specs} | {self.table.key}
        number = len(self.specs) + 1
        while f"{self.event}_{number}" in taken:
            number += 1
        alias = f"{self.event}_{number}"
        self.specs.append(AggregateSpec(alias, func, value, filter, boolean))
        self.lower_bounds.append(lower_bound)
        self._index[key] = alias
        return alias

    def use_lookup(self, name: str) -> None:
        self.needs_customer = True
        if name not in self.lookups:
            self.lookups.append(name)


def common_conditions(p: EventPass) -> list[exp.Expression]:
    """The conditions in every aggregate's filter: rows failing one count for no aggregate, so the pass's
    WHERE drops them before grouping (a single `has`/`count` then scans only its own rows)."""
    if not p.specs or any(s.filter is None for s in p.specs):
        return []
    first, *others = [sql.conjuncts(s.filter) for s in p.specs if s.filter is not None]
    return [c for c in first if all(c in other for other in others)]


def build_pass(p: EventPass, d: SqlDialect, source: exp.Expression, joins: list[exp.Join],
               where: exp.Expression | None, key: exp.Column, time: exp.Column | None) -> exp.Select:
    """SELECT key, <aggregates> FROM <event table> [joins] WHERE <as-of and widest window> GROUP BY key."""
    key_name = d.identifier(p.table.key)
    if not any(s.func in TWO_STEP for s in p.specs):
        columns: list[exp.Expression] = [sql.alias(key, key_name)]
        for spec in p.specs:
            value = spec.value if spec.value is not None else (time.copy() if time is not None and spec.func.endswith("_time") else None)
            columns.append(sql.alias(_aggregate(d, spec, _when(spec.filter, value)), d.identifier(spec.alias)))
        return sql.select(columns, source, joins, where, [key.copy()])

    # Two steps: per event row, each aggregate's value (NULL where its filter fails) and, for first/last,
    # the earliest/latest time at which it has a value; then one GROUP BY over those columns.
    taken = {s.alias for s in p.specs} | {p.table.key}
    time_name = _unique(f"{p.event}_time", taken)
    inner: list[exp.Expression] = [sql.alias(key, key_name)]
    assert time is not None  # first/last need a time column (the checker makes sure)
    inner.append(sql.alias(time, d.identifier(time_name)))
    outer: list[exp.Expression] = [sql.alias(d.column(p.table.key, p.alias), key_name)]
    for spec in p.specs:
        value_name = _unique(f"{spec.alias}_value", taken)
        value = spec.value if spec.value is not None else (time.copy() if time is not None and spec.func.endswith("_time") else None)
        inner.append(sql.alias(_when(spec.filter, value) or sql.number(1), d.identifier(value_name)))
        row_value = d.column(value_name, p.alias)
        if spec.func in TWO_STEP:
            at_name = _unique(f"{spec.alias}_at", taken)
            assert spec.value is not None
            has_value = exp.Not(this=exp.Is(this=spec.value.copy(), expression=exp.Null()))
            guard = sql.and_([spec.filter.copy(), has_value] if spec.filter is not None else [has_value])
            moment = sql.case(guard, time.copy())
            edge = exp.Min(this=moment) if spec.func == "first" else exp.Max(this=moment)
            inner.append(sql.alias(exp.Window(this=edge, partition_by=[key.copy()]), d.identifier(at_name)))
            at_edge = sql.binary(exp.EQ, d.column(time_name, p.alias), d.column(at_name, p.alias))
            picked = sql.case(at_edge, row_value)
            # ties at the same time: first takes the smallest value, last the largest
            agg = d.min_value(picked, spec.boolean) if spec.func == "first" else d.max_value(picked, spec.boolean)
        else:
            agg = _aggregate(d, AggregateSpec(spec.alias, spec.func, row_value, None, spec.boolean), row_value)
        outer.append(sql.alias(agg, d.identifier(spec.alias)))
    rows = sql.select(inner, source, joins, where)
    return sql.select(outer, sql.subquery(rows, d.identifier(p.alias)), group_by=[d.column(p.table.key, p.alias)])


def _when(filter: exp.Expression | None, value: exp.Expression | None) -> exp.Expression | None:
    """CASE WHEN filter THEN value END (1 when there is no value); None for an unfiltered COUNT(*)."""
    if filter is None:
        return value
    return sql.case(filter, value if value is not None else sql.number(1))


def _aggregate(d: SqlDialect, spec: AggregateSpec, arg: exp.Expression | None) -> exp.Expression:
    match spec.func:
        case "count":
            return exp.Count(this=arg if arg is not None else exp.Star())
        case "count_distinct":
            return exp.Count(this=exp.Distinct(expressions=[arg]))
        case "sum":
            return exp.Sum(this=arg)
        case "avg":
            return exp.Avg(this=arg)
        case "min" | "first_time":
            assert arg is not None
            return d.min_value(arg, spec.boolean)
        case "max" | "last_time":
            assert arg is not None
            return d.max_value(arg, spec.boolean)
    raise AssertionError(f"unhandled aggregate {spec.func}")  # pragma: no cover


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate
