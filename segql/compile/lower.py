"""The lowering of a plan.Query to one sqlglot SELECT: the customer scan, the joins of its source (lookups, event
passes, ranks table) and its outputs and filter, lowered by segql.compile.expressions.

The rewrites of a lowered pass and of the ranks table (rewrites.py, last section) are applied here, where their SQL
is. Imports sqlglot, segql.dialects and the sibling modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlglot import exp

from segql.check import tree as t
from segql.compile import plan, rewrites, sql, windows
from segql.compile.constants import Constants
from segql.compile.expressions import MODE, Lowering, Mode, numbered
from segql.compile.passes import AggregateSpec, EventPass, build_mode, build_pass
from segql.compile.render import DIALECT_KEY
from segql.compile.tables import TableMap
from segql.dialects import SqlDialect

RANKED = "ranked"  # the alias of the ranked values inside the ranks table


@dataclass(slots=True)
class Columns:
    """Expressions compiled over one shared FROM: `source` (the customer table, alias `alias`) with `joins` (the
    lookups, event passes and ranks table they read), `key` the customer key, `columns` one per output in order,
    and `where` the filter (None without one)."""

    key: exp.Column
    columns: list[exp.Expression]
    names: list[str]
    where: exp.Expression | None
    source: exp.Table
    joins: list[exp.Join]
    alias: str
    dialect: SqlDialect

    def select(self, columns: Sequence[exp.Expression] | None = None, where: exp.Expression | None = None,
               ) -> exp.Select:
        """SELECT `columns` (by default the key and every column, named) FROM the shared source and joins [WHERE the
        filter AND `where`], tagged with its dialect for render. Each node goes into one query: one select a Columns."""
        if columns is None:
            columns = [self.key, *(sql.alias(c, self.dialect.identifier(n))
                                   for c, n in zip(self.columns, self.names, strict=True))]
        both = [w for w in (self.where, where) if w is not None]
        query = sql.select(columns, self.source, self.joins, sql.and_(both) if both else None)
        query.meta[DIALECT_KEY] = self.dialect.name
        return query


def lower(query: plan.Query, tables: TableMap, dialect: SqlDialect, constants: Constants) -> Columns:
    """The query's key, filter and outputs (lowered in that order: the order in which lookups are joined and a
    pass's columns numbered), over its source and the joins they need."""
    lx = Lowering(tables, dialect, constants, query.source)
    lx.key_set = lambda own: key_set(own, tables, dialect, constants)
    key = dialect.column(tables.key, lx.customer_alias)
    where = None
    if query.where is not None:
        with constants.parameters(query.params):
            where = lx.cond(query.where)
    columns: list[exp.Expression] = []
    for output in query.outputs:
        with constants.parameters(output.params):
            expr = output.expr
            if expr.type != t.BOOLEAN:
                columns.append(lx.value(expr))
            else:
                columns.append(lx.strict(expr) if output.strict else lx.cond(expr))
    names = [o.name for o in query.outputs]
    return Columns(key, columns, names, where, customers(lx), joins(lx, query.source), lx.customer_alias, dialect)


def key_set(query: plan.Query, tables: TableMap, dialect: SqlDialect, constants: Constants) -> exp.Select:
    """SELECT key FROM <its source> WHERE <its condition>: the members of a referenced segment, lowered as a query of
    its own (rewrites.key_sets), to be read with IN or EXISTS."""
    columns = lower(query, tables, dialect, constants)
    return sql.select([columns.key], columns.source, columns.joins, columns.where)


def customers(lx: Lowering) -> exp.Table:
    return lx.d.table(lx.tables.customer, lx.customer_alias)


def joins(lx: Lowering, source: plan.Source) -> list[exp.Join]:
    """The lookups and passes the lowered expressions read (call after lowering them), and the ranks table. The
    INNER JOINed passes come first: they keep only their customers before the lookups are LEFT JOINed (DuckDB does
    not move a LEFT JOIN of a million customers past a later INNER JOIN that keeps a few thousand of them)."""
    inner_passes: list[exp.Join] = []
    outer_passes: list[exp.Join] = []
    for p in source.passes:
        match p:
            case plan.GroupedPass(event=event, inner=inner):
                lowered = lx.passes[event]
                if lowered.specs:  # a pass no expression reads (a rewrite left none) is not joined
                    (inner_passes if inner else outer_passes).append(pass_join(lx, lowered, inner=inner))
    found = [*inner_passes, *(lookup_join(lx, name) for name in lx.lookups), *outer_passes]
    found += [mode_join(lx, mode) for mode in lx.modes]
    for alias, query in lx.sequences:
        on = sql.binary(exp.EQ, lx.d.column(lx.tables.key, alias), lx.d.column(lx.tables.key, lx.customer_alias))
        found.append(sql.join(sql.subquery(query, lx.d.identifier(alias)), on))
    if lx.ranked:
        found.append(ranks_join(lx))
    return found


def mode_join(lx: Lowering, mode: Mode) -> exp.Join:
    """LEFT JOIN (the most frequent value of each customer's matching events, ties the smallest) ON the key."""
    d, p = lx.d, mode.p
    inside = []
    if p.needs_customer:
        on = sql.binary(exp.EQ, d.column(lx.tables.key, lx.customer_alias), d.column(p.table.key, p.alias))
        inside.append(sql.join(d.table(lx.tables.customer, lx.customer_alias), on, side=""))
        inside += [lookup_join(lx, name) for name in p.lookups]
    conditions = windows.time_filter(lx.clock, p, mode.lower) if p.table.time else []  # `time: none`: all count
    if mode.condition is not None:
        conditions.append(mode.condition)
    query = build_mode(p, d, d.table(p.table.table, p.alias), inside, conditions, mode.value, MODE)
    on = sql.binary(exp.EQ, d.column(p.table.key, p.alias), d.column(lx.tables.key, lx.customer_alias))
    return sql.join(sql.subquery(query, d.identifier(p.alias)), on)


def lookup_join(lx: Lowering, name: str) -> exp.Join:
    return lx.lookup_join(name)


def pass_join(lx: Lowering, p: EventPass, inner: bool = False) -> exp.Join:
    """JOIN (the pass's subquery) ON its key = the customer's; a pass reading the customer's row or lookups joins
    them inside. Its WHERE holds the as-of bound, the widest window and the conditions every aggregate has; each
    aggregate's filter keeps only the rest (rewrites)."""
    d, c, clock = lx.d, lx.customer_alias, lx.clock
    event = p.table
    inside = []
    if p.needs_customer:
        on = sql.binary(exp.EQ, d.column(lx.tables.key, c), d.column(event.key, p.alias))
        inside.append(sql.join(d.table(lx.tables.customer, c), on, side=""))
        inside += [lookup_join(lx, name) for name in p.lookups]
    time = d.column(event.time, p.alias) if event.time else None
    conditions: list[exp.Expression] = []
    if event.time:
        conditions = windows.time_filter(clock, p, rewrites.widest_window(p.lower_bounds, clock.date_sql, d))
    # (a common condition is the first aggregate's own node: its filter keeps only the rest, see `filters`)
    conditions += [c for c in rewrites.common_conditions(p) if c not in conditions]
    where = sql.and_(conditions) if conditions else None
    implied = sql.conjuncts(where) if where is not None else []
    filters = {spec.alias: rewrites.residual(spec.filter, implied) for spec in p.specs}
    distinct = rewrites.distinct_value(p, d)
    apart = rewrites.distinct_apart(p, d) if distinct is None else []
    if apart:
        query = distinct_passes(lx, p, apart, inside, conditions, filters, time)
    else:
        query = build_pass(p, d, d.table(event.table, p.alias), inside, where, filters, distinct,
                           d.column(event.key, p.alias), time)
    on = sql.binary(exp.EQ, d.column(event.key, p.alias), d.column(lx.tables.key, c))
    return sql.join(sql.subquery(query, d.identifier(p.alias)), on, side="" if inner else "LEFT")


def distinct_passes(lx: Lowering, p: EventPass, apart: list[tuple[exp.Expression, list[AggregateSpec]]],
                    inside: list[exp.Join], conditions: list[exp.Expression],
                    filters: dict[str, exp.Expression | None], time: exp.Column | None) -> exp.Select:
    """SELECT key, <every aggregate> FROM (the pass without its COUNT(DISTINCT …)s) LEFT JOIN (a pass of those
    counting each value, grouped by customer and value, then by customer) … ON key (rewrites.distinct_apart). Each
    of those reads the rows with a value that the conditions common to its aggregates keep; a customer it has no
    row for has none to count, which the query reads as 0."""
    d, event = lx.d, p.table
    separate = {id(s) for _, specs in apart for s in specs}
    rest = replace(p, specs=[s for s in p.specs if id(s) not in separate])
    where = sql.and_(conditions) if conditions else None
    parts = [(f"{p.alias}_all", rest, build_pass(rest, d, d.table(event.table, p.alias), inside, where, filters, None,
                                                 d.column(event.key, p.alias), time))]
    for number, (value, specs) in enumerate(apart, start=1):
        own = replace(p, specs=specs)
        present = exp.Not(this=exp.Is(this=sql.wrap(value.copy(), 5), expression=exp.Null()))
        narrowed = [c.copy() for c in conditions]
        narrowed += [c.copy() for c in rewrites.common_conditions(own) if c not in conditions] + [present]
        implied = sql.conjuncts(sql.and_(narrowed))
        own_filters = {s.alias: rewrites.residual(s.filter, implied) for s in specs}
        query = build_pass(own, d, d.table(event.table, p.alias), [j.copy() for j in inside], sql.and_(narrowed),
                           own_filters, value, d.column(event.key, p.alias), time.copy() if time is not None else None)
        parts.append((f"{p.alias}_distinct_{number}", own, query))
    first = parts[0][0]
    owner = {s.alias: alias for alias, part, _ in parts for s in part.specs}
    columns: list[exp.Expression] = [sql.alias(d.column(event.key, first), d.identifier(event.key))]
    columns += [sql.alias(d.column(s.alias, owner[s.alias]), d.identifier(s.alias)) for s in p.specs]
    joined = [sql.join(sql.subquery(query, d.identifier(alias)),
                       sql.binary(exp.EQ, d.column(event.key, alias), d.column(event.key, first)), side="LEFT")
              for alias, _, query in parts[1:]]
    return sql.select(columns, sql.subquery(parts[0][2], d.identifier(first)), joined)


def ranks_join(lx: Lowering) -> exp.Join:
    """LEFT JOIN (SELECT key, <rank of value_1> AS percentile_1, … FROM (SELECT c.key, <value> AS value_1, …
    FROM customers c <the passes and lookups the values need>)) AS ranks ON ranks.key = c.key.

    A rank is 100 × (customers with a strictly lower value) / (customers with a value − 1); 0 when only one
    has a value; NULL without a value. RANK gives ties the same rank on every engine. Ranking only key and
    values, apart from the main query, lets the main query filter as usual (and a percentile inside another's
    value is ranked by the ranker's own ranks table). On a dialect with `ranks_by_counting` the ranks are counted
    over the distinct values instead (`counted_ranks`)."""
    d, key, ranker = lx.d, lx.tables.key, lx.ranker
    assert ranker is not None
    values: list[exp.Expression] = [d.column(key, ranker.customer_alias)]
    for number, (value, _) in enumerate(lx.ranked, start=1):
        values.append(sql.alias(value, d.identifier(numbered("value", number, key))))
    only = rewrites.rank_only_with_value(lx.ranked)
    # one value that can be missing: only the customers with one are ranked (the others join to no row)
    where = exp.Not(this=exp.Is(this=sql.wrap(lx.ranked[0][0].copy(), 5), expression=exp.Null())) if only else None
    inner = sql.select(values, customers(ranker), joins(ranker, ranker.source), where)
    query = counted_ranks(lx, inner) if d.ranks_by_counting else windowed_ranks(lx, inner, only)
    on = sql.binary(exp.EQ, d.column(key, lx.ranks_alias), d.column(key, lx.customer_alias))
    return sql.join(sql.subquery(query, d.identifier(lx.ranks_alias)), on)


def windowed_ranks(lx: Lowering, inner: exp.Select, only: bool) -> exp.Select:
    """SELECT key, <RANK() OVER (ORDER BY value_n) − 1, as a share of COUNT(value_n) OVER () − 1> … FROM (inner)."""
    d, key = lx.d, lx.tables.key
    ranks: list[exp.Expression] = [d.column(key, RANKED)]
    for number, (_, nullable) in enumerate(lx.ranked, start=1):
        name = numbered("value", number, key)
        v = d.column(name, RANKED)
        order = exp.Order(expressions=[exp.Ordered(this=d.column(name, RANKED), desc=False, nulls_first=False)])
        rank = exp.Window(this=exp.Anonymous(this="RANK", expressions=[]), order=order)
        lower = sql.binary(exp.Mul, sql.binary(exp.Sub, rank, sql.number(1)), sql.number(100))
        others = sql.binary(exp.Sub, exp.Window(this=exp.Count(this=d.column(name, RANKED))), sql.number(1))
        share: exp.Expression = exp.Coalesce(this=d.divide(lower, others), expressions=[sql.number(0)])
        if nullable and not only:
            share = sql.case(exp.Not(this=exp.Is(this=v, expression=exp.Null())), share)
        ranks.append(sql.alias(share, d.identifier(numbered("percentile", number, key))))
    return sql.select(ranks, sql.subquery(inner, d.identifier(RANKED)))


VALUE, CUSTOMERS, SHARE, COUNTED = "value", "customers", "percentile", "counted"


def counted_ranks(lx: Lowering, inner: exp.Select) -> exp.Select:
    """WITH ranked AS MATERIALIZED (inner) SELECT ranked.key, rank_n.percentile AS percentile_n, … FROM ranked
    LEFT JOIN (the distinct values of value_n, each with the share of customers below it) AS rank_n ON
    rank_n.value = ranked.value_n …

    The same ranks as `windowed_ranks`: the customers with a strictly lower value are the running sum, in the
    order of the distinct values, of how many customers have each, less its own; those with a value, the whole
    sum. The windows sort the distinct values instead of every customer (a count or a number of days has a few
    thousand at most): the 50-segment memberships query's ranks table, six values over 1M customers, took 0.25
    instead of 1.36 s of CPU on DuckDB. A customer without a value joins to no row and has no rank."""
    d, key = lx.d, lx.tables.key
    columns: list[exp.Expression] = [d.column(key, RANKED)]
    ranked_joins: list[exp.Join] = []
    for number in range(1, len(lx.ranked) + 1):
        value = d.column(numbered("value", number, key), RANKED)
        counts = sql.select([sql.alias(value, d.identifier(VALUE)),
                             sql.alias(exp.Count(this=exp.Star()), d.identifier(CUSTOMERS))],
                            exp.Table(this=d.identifier(RANKED)),
                            where=exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())),
                            group_by=[value.copy()])
        n = d.column(CUSTOMERS, COUNTED)
        order = exp.Order(expressions=[exp.Ordered(this=d.column(VALUE, COUNTED), desc=False, nulls_first=False)])
        running = exp.Window(this=exp.Sum(this=n), order=order)
        below = sql.binary(exp.Mul, sql.binary(exp.Sub, running, n.copy()), sql.number(100))
        others = sql.binary(exp.Sub, exp.Window(this=exp.Sum(this=n.copy())), sql.number(1))
        share = exp.Coalesce(this=d.divide(below, others), expressions=[sql.number(0)])
        shares = sql.select([d.column(VALUE, COUNTED), sql.alias(share, d.identifier(SHARE))],
                            sql.subquery(counts, d.identifier(COUNTED)))
        alias = f"rank_{number}"
        on = sql.binary(exp.EQ, d.column(VALUE, alias), value.copy())
        ranked_joins.append(sql.join(sql.subquery(shares, d.identifier(alias)), on))
        columns.append(sql.alias(d.column(SHARE, alias), d.identifier(numbered("percentile", number, key))))
    query = sql.select(columns, exp.Table(this=d.identifier(RANKED)), ranked_joins)
    cte = exp.CTE(this=inner, alias=exp.TableAlias(this=d.identifier(RANKED)), materialized=True)
    query.set("with_", exp.With(expressions=[cte]))
    return query
