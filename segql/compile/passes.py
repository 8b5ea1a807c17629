"""The lowering of a grouped pass (plan.GroupedPass): every aggregate a query reads from one event table, in one
subquery.

Each aggregate becomes a conditional aggregate (`COUNT(CASE WHEN <where and window> THEN 1 END)`) over one
scan grouped by the customer key; first/last add a window step so ties resolve the same on every engine.
`EventPass` collects the aggregates while the query's expressions are lowered; `build_pass` builds the subquery.
Imports sqlglot, segql.dialects and the sibling sql module.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp

from segql.check.tree import EMPTY_IS_ZERO
from segql.compile import sql
from segql.compile.tables import EventTable
from segql.dialects import SqlDialect

TWO_STEP = ("first", "last")  # the value at the earliest or latest time with one (a window step finds the time)
NUMBERED = ("nth", "nth_time")  # the n-th matching event in time order (a window step numbers them)
UNSPLITTABLE = ("median",)  # no second grouping can combine it (see rewrites.distinct_value)
EXISTS = "exists"  # a `has` in a grouped pass (plan.Reached): TRUE when a row matches, from an edge time if it can

__all__ = ["EMPTY_IS_ZERO", "EXISTS", "AggregateSpec", "EventPass", "build_pass"]


@dataclass(slots=True)
class AggregateSpec:
    """One aggregate column: func over `value` (None: the event itself) on events where `filter` holds."""

    alias: str
    func: str
    value: exp.Expression | None
    filter: exp.Expression | None
    boolean: bool
    position: int | None = None  # the n of nth and nth_time


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
            lower_bound: dt.date | exp.Expression | None, boolean: bool, position: int | None = None) -> str:
        """The alias of the column computing this aggregate; identical aggregates share one column."""
        key = (func, value, filter, position)
        found = self._index.get(key)
        if found is not None:
            return found
        taken = {s.alias for s in self.specs} | {self.table.key}
        number = len(self.specs) + 1
        while f"{self.event}_{number}" in taken:
            number += 1
        alias = f"{self.event}_{number}"
        self.specs.append(AggregateSpec(alias, func, value, filter, boolean, position))
        self.lower_bounds.append(lower_bound)
        self._index[key] = alias
        return alias

    def use_lookup(self, name: str) -> None:
        self.needs_customer = True
        if name not in self.lookups:
            self.lookups.append(name)


def build_pass(p: EventPass, d: SqlDialect, source: exp.Expression, joins: list[exp.Join],
               where: exp.Expression | None, filters: dict[str, exp.Expression | None],
               distinct: exp.Expression | None, key: exp.Column, time: exp.Column | None) -> exp.Select:
    """SELECT key, <aggregates> FROM <event table> [joins] WHERE <where> GROUP BY key, each aggregate over the rows
    where its `filters` entry holds.

    Up to three steps, each only when needed: a row step for first/last (the earliest or latest time at which each
    has a value, as a window over the customer's rows); a grouping by customer; and, given a `distinct` value,
    COUNT(DISTINCT v) as a grouping by customer and v followed by one by customer (see
    rewrites.distinct_value)."""
    key_name = d.identifier(p.table.key)
    taken = {s.alias for s in p.specs} | {p.table.key}
    distinct_name = _unique(f"{p.event}_distinct", taken) if distinct is not None else ""

    def column(name: str) -> exp.Column:  # a fresh node for each use (cheaper than a copy)
        return d.column(name, p.alias)

    def value_of(spec: AggregateSpec) -> exp.Expression | None:
        if spec.value is not None:
            return spec.value
        return column(p.table.time) if p.table.time is not None and spec.func.endswith("_time") else None

    specs, filters, reached = _reached(p.specs, filters, time)
    if d.picked_rows and distinct is None and time is not None and len(specs) == 1 \
            and specs[0].func in ("first", "last", "nth") and filters[specs[0].alias] is None:
        return _picked_rows(p, d, source, joins, where, specs[0], key, time)
    rows: exp.Select | None = None
    inputs: list[exp.Expression | None] = []  # per aggregate: what the grouping aggregates (None: COUNT(*))
    picks: list[exp.Expression | None] = []  # per first/last: the row's value when its time is the edge, else NULL
    group_key: list[exp.Expression] = [key]
    ordered = [s for s in specs if s.func in TWO_STEP or s.func in NUMBERED]
    # first/last/nth/nth_time as one aggregate each where the dialect has one (not when the grouping is by customer
    # and value first: its second grouping could not combine them); else a row step numbers the rows for all
    aggregates = {} if distinct is not None or time is None else {
        s.alias: _ordered_aggregate(p, d, s, filters[s.alias], value_of(s), column) for s in ordered}
    if ordered and any(a is None for a in aggregates.values()) or len(aggregates) < len(ordered):
        aggregates = {}
    aggregates |= _shared_smallest(specs, d, filters, aggregates, value_of)
    if ordered and not aggregates:
        # Per event row, each aggregate's value (NULL where its filter fails) and, for first/last, the earliest or
        # latest time at which it has a value, for nth/nth_time the row's number among the matching rows in time
        # order; the grouping then reads those columns.
        assert time is not None and p.table.time is not None  # first/last need a time column (the checker says so)
        time_name = _unique(f"{p.event}_time", taken)
        inner: list[exp.Expression] = [sql.alias(key, key_name), sql.alias(time, d.identifier(time_name))]
        if distinct is not None:
            inner.append(sql.alias(distinct.copy(), d.identifier(distinct_name)))
            group_key.append(column(distinct_name))
        for spec in specs:
            value_name = _unique(f"{spec.alias}_value", taken)
            inner.append(sql.alias(_when(filters[spec.alias], value_of(spec)) or sql.number(1),
                                   d.identifier(value_name)))
            row_value = column(value_name)
            inputs.append(row_value)
            if spec.func in NUMBERED:
                picks.append(_numbered(p, d, spec, filters[spec.alias], value_of(spec), value_name, column, inner,
                                       taken))
                continue
            if spec.func not in TWO_STEP:
                picks.append(None)
                continue
            at_name = _unique(f"{spec.alias}_at", taken)
            own = filters[spec.alias]  # (with the value's presence, see Lowering.aggregate, or the WHERE has it)
            moment = sql.case(own.copy(), column(p.table.time)) if own is not None else column(p.table.time)
            edge = exp.Min(this=moment) if spec.func == "first" else exp.Max(this=moment)
            inner.append(sql.alias(exp.Window(this=edge, partition_by=[column(p.table.key)]), d.identifier(at_name)))
            at_edge = sql.binary(exp.EQ, column(time_name), column(at_name))
            picks.append(sql.case(at_edge, column(value_name)))
        rows = sql.select(inner, source, joins, where)
        group_key[0] = column(p.table.key)
    else:
        for spec in specs:
            inputs.append(_when(filters[spec.alias], value_of(spec)))
            picks.append(None)
        if distinct is not None:
            group_key.append(distinct.copy())

    # The grouping: one column per aggregate (two for an average when a second grouping follows).
    split = distinct is not None
    if distinct is not None and rows is None and len(specs) == 1 and filters[specs[0].alias] is None:
        return _distinct_values(p, d, source, joins, where, distinct, key, column)
    columns: list[exp.Expression] = [sql.alias(column(p.table.key), key_name)]
    combined: list[exp.Expression] = [sql.alias(column(p.table.key), key_name)]
    for spec, arg, picked in zip(specs, inputs, picks, strict=True):
        name = d.identifier(spec.alias)
        if split and spec.func in ("count_distinct", "avg"):
            assert arg is not None
            if spec.func == "count_distinct":  # per customer and value, the rows that count; then the values with any
                columns.append(sql.alias(exp.Count(this=arg), name))
                mine: exp.Expression = exp.Nullif(this=d.column(spec.alias, p.alias), expression=sql.number(0))
                combined.append(sql.alias(exp.Count(this=mine), name))
            else:  # the average of the whole: its sum over its count
                total, count = _unique(f"{spec.alias}_sum", taken), _unique(f"{spec.alias}_count", taken)
                columns.append(sql.alias(exp.Sum(this=arg), d.identifier(total)))
                columns.append(sql.alias(exp.Count(this=arg.copy()), d.identifier(count)))
                combined.append(sql.alias(d.divide(exp.Sum(this=d.column(total, p.alias)),
                                                   exp.Sum(this=d.column(count, p.alias))), name))
            continue
        ordered_aggregate = aggregates.get(spec.alias)
        if ordered_aggregate is not None:
            agg = ordered_aggregate
        elif picked is not None:  # ties at the same time: first takes the smallest value, last the largest
            agg = d.min_value(picked, spec.boolean) if spec.func == "first" else d.max_value(picked, spec.boolean)
        else:
            agg = _aggregate(d, spec, arg)
        has = reached.get(spec.alias)
        columns.append(sql.alias(has(agg) if has is not None and not split else agg, name))
        if split:  # the second grouping combines the first's per-value results
            mine = d.column(spec.alias, p.alias)
            if spec.func in ("count", "sum"):
                whole: exp.Expression = exp.Sum(this=mine)
            elif spec.func in ("min", "first_time", "first"):
                whole = d.min_value(mine, spec.boolean)
            else:
                whole = d.max_value(mine, spec.boolean)
            combined.append(sql.alias(has(whole) if has is not None else whole, name))
    if rows is None:
        grouped = sql.select(columns, source, joins, where, group_key)
    else:
        grouped = sql.select(columns, sql.subquery(rows, d.identifier(p.alias)), group_by=group_key)
    if not split:
        return grouped
    return sql.select(combined, sql.subquery(grouped, d.identifier(p.alias)), group_by=[d.column(p.table.key, p.alias)])


def _reached(specs: list[AggregateSpec], filters: dict[str, exp.Expression | None], time: exp.Column | None
             ) -> tuple[list[AggregateSpec], dict[str, exp.Expression | None],
                        dict[str, Callable[[exp.Expression], exp.Expression]]]:
    """Each `has` of the pass (EXISTS, plan.Reached) as an aggregate and the comparison that makes it TRUE or FALSE:
    where its filter, less what the pass's WHERE implies, checks the time against one bound (`t >= X`: the window's
    start; `t < X`: its end), the latest or earliest time of the rows matching the rest, compared with the bound
    (the same aggregate for every `has` on the same events, which the engine computes once); TRUE where every row
    matches; where no bound is left, the earliest matching time present; else the count of its rows, compared
    with 0. Exact: every row of the pass has a time (the WHERE's as-of bound is false for a missing
    one), so a matching row has one past the bound exactly when the edge time of the matching rows is past it."""
    if not any(s.func == EXISTS for s in specs):
        return specs, filters, {}
    specs, filters = list(specs), dict(filters)
    reached: dict[str, Callable[[exp.Expression], exp.Expression]] = {}
    for i, spec in enumerate(specs):
        if spec.func != EXISTS:
            continue
        compared: Callable[[exp.Expression], exp.Expression]
        own = filters[spec.alias]
        conjuncts = sql.conjuncts(own) if own is not None else []
        bounds = [c for c in conjuncts if time is not None and _time_bound(c, time) is not None]
        if len(bounds) == 1:
            bound = bounds[0]
            edge_func = "last_time" if isinstance(bound, exp.GTE | exp.GT) else "first_time"
            rest = [c for c in conjuncts if c is not bound]
            specs[i] = AggregateSpec(spec.alias, edge_func, None, None, False)
            filters[spec.alias] = sql.and_(rest) if rest else None
            compared = functools.partial(_compared, type(bound), bound.expression)
        elif not conjuncts:  # every row of the pass matches: TRUE for each customer it has a row for
            specs[i] = AggregateSpec(spec.alias, "count", None, None, False)
            compared = _everyone
        elif not bounds and time is not None:  # some row matches: the earliest matching time (a MIN others share)
            specs[i] = AggregateSpec(spec.alias, "first_time", None, None, False)
            compared = _present
        else:
            specs[i] = AggregateSpec(spec.alias, "count", None, None, False)
            compared = functools.partial(_compared, exp.GT, sql.number(0))
        reached[spec.alias] = compared
    return specs, filters, reached


def _compared(kind: type[exp.Expression], limit: exp.Expression, aggregate: exp.Expression) -> exp.Expression:
    return sql.binary(kind, aggregate, limit.copy())


def _everyone(aggregate: exp.Expression) -> exp.Expression:
    return exp.true()


def _present(aggregate: exp.Expression) -> exp.Expression:
    return exp.Not(this=exp.Is(this=sql.wrap(aggregate, 5), expression=exp.Null()))


def _time_bound(condition: exp.Expression, time: exp.Column) -> exp.Expression | None:
    """The bound of `time >= X` (>, <, <=) where X reads no column: the same for every row."""
    if not isinstance(condition, exp.GTE | exp.GT | exp.LT | exp.LTE) or condition.this != time:
        return None
    limit = condition.expression
    return None if isinstance(limit, exp.Column) or limit.find(exp.Column) is not None else limit


def _picked_rows(p: EventPass, d: SqlDialect, source: exp.Expression, joins: list[exp.Join],
                 where: exp.Expression | None, spec: AggregateSpec, key: exp.Column, time: exp.Column) -> exp.Select:
    """A pass whose one aggregate is first, last or nth over all its rows, which the WHERE keeps to those with a
    value: each customer's row at that position in order of time then value (descending for last), no grouping.
    first and last: SELECT DISTINCT ON (key) key, value … ORDER BY key, time, value; nth: the rows numbered n by
    ROW_NUMBER() OVER (PARTITION BY key ORDER BY time, value)."""
    assert spec.value is not None
    desc = spec.func == "last"
    order = [exp.Ordered(this=time.copy(), desc=desc, nulls_first=False),
             exp.Ordered(this=spec.value.copy(), desc=desc, nulls_first=False)]
    picked = [sql.alias(key, d.identifier(p.table.key)), sql.alias(spec.value.copy(), d.identifier(spec.alias))]
    if spec.func != "nth":
        query = sql.select(picked, source, joins, where)
        query.set("distinct", exp.Distinct(on=exp.Tuple(expressions=[key.copy()])))
        query.set("order", exp.Order(expressions=[exp.Ordered(this=key.copy(), desc=False, nulls_first=False), *order]))
        return query
    assert spec.position is not None
    rank_name = _unique(f"{spec.alias}_n", {p.table.key, spec.alias})
    number = exp.Window(this=exp.RowNumber(), partition_by=[key.copy()], order=exp.Order(expressions=order))
    numbered = sql.select([*picked, sql.alias(number, d.identifier(rank_name))], source, joins, where)
    at_n = sql.binary(exp.EQ, d.column(rank_name, p.alias), sql.number(spec.position))
    return sql.select([sql.alias(d.column(p.table.key, p.alias), d.identifier(p.table.key)),
                       sql.alias(d.column(spec.alias, p.alias), d.identifier(spec.alias))],
                      sql.subquery(numbered, d.identifier(p.alias)), where=at_n)


def _distinct_values(p: EventPass, d: SqlDialect, source: exp.Expression, joins: list[exp.Join],
                     where: exp.Expression | None, distinct: exp.Expression, key: exp.Column,
                     column: Callable[[str], exp.Column]) -> exp.Select:
    """A pass whose one aggregate is COUNT(DISTINCT v) over all its rows: the rows with a value grouped by customer
    and value, then counted per customer. The first grouping then computes no aggregate at all (DuckDB's own plan of
    COUNT(DISTINCT), which skips NULLs likewise; a COUNT(v) there, to tell a NULL value's group from the others,
    cost 1.1× the hand-written query in agg_count_distinct)."""
    present: exp.Expression = exp.Not(this=exp.Is(this=sql.wrap(distinct.copy(), 5), expression=exp.Null()))
    if where is not None and present in sql.conjuncts(where):  # (the WHERE of a pass of its own has it)
        present = where
    elif where is not None:
        present = sql.and_([where, present])
    rows = sql.select([sql.alias(key, d.identifier(p.table.key))], source, joins, present,
                      [key.copy(), distinct.copy()])
    counted = sql.alias(exp.Count(this=exp.Star()), d.identifier(p.specs[0].alias))
    return sql.select([sql.alias(column(p.table.key), d.identifier(p.table.key)), counted],
                      sql.subquery(rows, d.identifier(p.alias)), group_by=[column(p.table.key)])


def _shared_smallest(specs: list[AggregateSpec], d: SqlDialect, filters: dict[str, exp.Expression | None],
                     aggregates: dict[str, exp.Expression | None],
                     value_of: Callable[[AggregateSpec], exp.Expression | None]) -> dict[str, exp.Expression | None]:
    """first_time beside an nth_time(…, n) over the same events (the same filter) taken as one aggregate: the first
    of the n smallest times, from the aggregate the nth_time computes anyway (SqlDialect.nth_of_smallest), instead
    of a MIN of its own. Exact: the smallest of the matching times is the first of their n smallest."""
    shared: dict[str, exp.Expression | None] = {}
    nths = [s for s in specs if s.func == "nth_time" and aggregates.get(s.alias) is not None]
    for spec in specs:
        same = [s for s in nths if filters[s.alias] == filters[spec.alias]] if spec.func == "first_time" else []
        value = value_of(spec)
        if not same or value is None:
            continue
        own = filters[spec.alias]
        count = max(s.position or 1 for s in same)
        picked = d.nth_of_smallest(value, own.copy() if own is not None else None, 1, count)
        if picked is not None:
            shared[spec.alias] = picked
    return shared


def _ordered_aggregate(p: EventPass, d: SqlDialect, spec: AggregateSpec, own: exp.Expression | None,
                       value: exp.Expression | None, column: Callable[[str], exp.Column]) -> exp.Expression | None:
    """first/last/nth/nth_time as the dialect's one aggregate (SqlDialect.ordered_pick), None where it has none."""
    assert p.table.time is not None and value is not None
    return d.ordered_pick(spec.func, value.copy(), column(p.table.time), own.copy() if own is not None else None,
                          spec.position)


def _numbered(p: EventPass, d: SqlDialect, spec: AggregateSpec, own: exp.Expression | None,
              value: exp.Expression | None, value_name: str, column: Callable[[str], exp.Column],
              inner: list[exp.Expression], taken: set[str]) -> exp.Expression:
    """nth / nth_time: ROW_NUMBER() over the customer's matching rows (those with a value, for nth) in time order,
    then by value, added to the row step; the pick is the row's value where its number is n (one row at most).
    The filter of first, last and nth says that the value is present (Lowering.aggregate)."""
    assert p.table.time is not None and value is not None and spec.position is not None
    guard = own.copy() if own is not None else None  # (nth: with the value's presence, or the WHERE has it)
    partition: list[exp.Expression] = [column(p.table.key)]
    if guard is not None:  # the rows that match are numbered apart from the others
        partition.append(sql.case(guard, sql.number(0), sql.number(1)))
    order = [exp.Ordered(this=column(p.table.time), desc=False, nulls_first=False)]
    if spec.func == "nth":
        order.append(exp.Ordered(this=value.copy(), desc=False, nulls_first=False))
    number = exp.Window(this=exp.RowNumber(), partition_by=partition, order=exp.Order(expressions=order))
    rank_name = _unique(f"{spec.alias}_n", taken)
    inner.append(sql.alias(number, d.identifier(rank_name)))
    at_n = sql.and_([sql.binary(exp.EQ, column(rank_name), sql.number(spec.position)),
                     exp.Not(this=exp.Is(this=column(value_name), expression=exp.Null()))])
    return sql.case(at_n, column(value_name))


def build_mode(p: EventPass, d: SqlDialect, source: exp.Expression, joins: list[exp.Join],
               conditions: list[exp.Expression], value: exp.Expression, name: str) -> exp.Select:
    """SELECT key, value AS <name> FROM (SELECT key, value, ROW_NUMBER() OVER (PARTITION BY key ORDER BY COUNT(*)
    DESC, value) AS rank FROM <events> WHERE <conditions> AND value IS NOT NULL GROUP BY key, value) WHERE rank = 1:
    each customer's most frequent value, ties going to the smallest (mode, DESIGN §3.12); or one grouping by customer
    where the dialect has the aggregate (SqlDialect.mode_value)."""
    key = d.column(p.table.key, p.alias)
    taken = {p.table.key, name}
    present = exp.Not(this=exp.Is(this=sql.wrap(value.copy(), 5), expression=exp.Null()))
    aggregate = d.mode_value(value.copy())
    if aggregate is not None:  # one grouping by customer
        return sql.select([sql.alias(key.copy(), d.identifier(p.table.key)), sql.alias(aggregate, d.identifier(name))],
                          source, joins, sql.and_([*conditions, present]), [key.copy()])
    value_name, rank_name = _unique(f"{p.event}_value", taken), _unique(f"{p.event}_rank", taken)
    order = exp.Order(expressions=[exp.Ordered(this=exp.Count(this=exp.Star()), desc=True, nulls_first=False),
                                   exp.Ordered(this=value.copy(), desc=False, nulls_first=False)])
    rank = exp.Window(this=exp.RowNumber(), partition_by=[key.copy()], order=order)
    counted = sql.select([sql.alias(key.copy(), d.identifier(p.table.key)),
                          sql.alias(value.copy(), d.identifier(value_name)),
                          sql.alias(rank, d.identifier(rank_name))],
                         source, joins, sql.and_([*conditions, present]), [key.copy(), value.copy()])
    first = sql.binary(exp.EQ, d.column(rank_name, p.alias), sql.number(1))
    return sql.select([sql.alias(d.column(p.table.key, p.alias), d.identifier(p.table.key)),
                       sql.alias(d.column(value_name, p.alias), d.identifier(name))],
                      sql.subquery(counted, d.identifier(p.alias)), where=first)


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
        case "median":  # the mean of the lower and upper middles, exact (the upper middle: -lower middle of -v)
            assert arg is not None
            both = d.middles_sum(arg)
            if both is None:
                negated = d.lower_median(exp.Neg(this=sql.wrap(arg.copy(), 9)))
                both = sql.binary(exp.Sub, d.lower_median(arg), negated)
            return sql.binary(exp.Mul, exp.Paren(this=both), sql.number("0.5"))
    raise AssertionError(f"unhandled aggregate {spec.func}")  # pragma: no cover


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate
