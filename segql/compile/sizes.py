"""Queries about one segment beyond its member keys, each one scan of the tables it reads: its size with the count
after each top-level condition, the values one customer's conditions read (explain), its members per value of an
attribute (breakdown), and a sample of members with chosen customer columns.

Built on compile_columns (the segment's expressions over one shared FROM, see docs/compiler.md). Node constructors
only; imports sqlglot, segql.check.tree, segql.dialects and the sibling modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from segql.check import tree as t
from segql.compile import Columns, Output, bind_params, compile_columns, sql
from segql.compile.render import DIALECT_KEY
from segql.compile.tables import TableMap

TOTAL = "total"


def _columns(segment: t.CheckedSegment, outputs: Sequence[tuple[str, t.Expr, bool]], tables: TableMap, dialect: str,
             as_of: dt.date | None, timezone: str, params: dict[str, Any] | None, *, members: bool) -> Columns:
    """(name, expression, strict) of each output over one FROM; with `members`, of the segment's members only."""
    values = bind_params(segment, params)
    return compile_columns([Output(name, expr, values, strict) for name, expr, strict in outputs], tables=tables,
                           dialect=dialect, as_of=as_of, timezone=timezone,
                           where=segment.condition if members else None, params=values)


def _named(columns: Columns) -> list[exp.Expression]:
    return [sql.alias(c, columns.dialect.identifier(n)) for c, n in zip(columns.columns, columns.names, strict=True)]


def _count_where(condition: exp.Expression) -> exp.Expression:
    """COUNT(*) FILTER (WHERE condition); sqlglot writes COUNT_IF where a dialect has no FILTER (Snowflake)."""
    return exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=condition))


def size_query(segment: t.CheckedSegment, conditions: Sequence[t.Expr], *, tables: TableMap, dialect: str,
               as_of: dt.date | None, timezone: str = "UTC", params: dict[str, Any] | None = None) -> exp.Select:
    """One row: every customer (`total`), then for each condition i the customers it holds for (`alone_i`) and
    those all conditions up to it hold for (`upto_i`); the last `upto` is the segment's size when the conditions
    are its top-level `and`. One pass over each event table serves every column: each condition is computed once
    per customer (a column `holds_i` of the inner SELECT, NULL where §3 says false), and counted by FILTERs."""
    names = [f"holds_{i}" for i in range(1, len(conditions) + 1)]
    shared = _columns(segment, [(n, c, False) for n, c in zip(names, conditions, strict=True)], tables, dialect,
                      as_of, timezone, params, members=False)
    d = shared.dialect
    inner = shared.select(_named(shared) or [sql.alias(exp.Boolean(this=True), d.identifier("holds"))])
    flags = [d.identifier(n) for n in names]
    columns: list[exp.Expression] = [sql.alias(exp.Count(this=exp.Star()), d.identifier(TOTAL))]
    for i, flag in enumerate(flags, start=1):
        columns.append(sql.alias(_count_where(exp.Column(this=flag.copy())), d.identifier(f"alone_{i}")))
        upto = sql.and_([exp.Column(this=f.copy()) for f in flags[:i]])
        columns.append(sql.alias(_count_where(upto), d.identifier(f"upto_{i}")))
    query = sql.select(columns, sql.subquery(inner, d.identifier("conditions")))
    query.meta[DIALECT_KEY] = d.name
    return query


def explain_query(segment: t.CheckedSegment, conditions: Sequence[t.Expr], values: Sequence[Sequence[t.Expr]],
                  key: Any, *, tables: TableMap, dialect: str, as_of: dt.date | None, timezone: str = "UTC",
                  params: dict[str, Any] | None = None) -> exp.Select:
    """One row for the customer with this key (none when there is no such customer): for each condition i,
    `holds_i` (TRUE or FALSE, never NULL) and then `value_i_j`, the value of each expression it reads."""
    outputs: list[tuple[str, t.Expr, bool]] = []
    for i, (condition, read) in enumerate(zip(conditions, values, strict=True), start=1):
        outputs.append((f"holds_{i}", condition, True))
        outputs += [(f"value_{i}_{j}", node, True) for j, node in enumerate(read, start=1)]
    shared = _columns(segment, outputs, tables, dialect, as_of, timezone, params, members=False)
    d = shared.dialect
    columns = _named(shared) or [sql.alias(exp.Boolean(this=True), d.identifier("holds"))]
    literal = exp.Literal.string(key) if isinstance(key, str) else exp.Literal.number(key)
    return shared.select(columns, where=sql.binary(exp.EQ, shared.key, literal))


def breakdown_query(segment: t.CheckedSegment, by: t.Expr, *, tables: TableMap, dialect: str,
                    as_of: dt.date | None, timezone: str = "UTC", params: dict[str, Any] | None = None) -> exp.Select:
    """(value, members) of the segment's members per value of `by` (a customer or lookup attribute, or a trait),
    the missing value included, most members first."""
    shared = _columns(segment, [("value", by, True)], tables, dialect, as_of, timezone, params, members=True)
    d = shared.dialect
    count = exp.Count(this=exp.Star())
    query = shared.select([*_named(shared), sql.alias(count, d.identifier("members"))])
    query.set("group", exp.Group(expressions=[exp.Literal.number(1)]))
    query.set("order", exp.Order(expressions=[exp.Ordered(this=exp.Literal.number(2), desc=True),
                                              exp.Ordered(this=exp.Literal.number(1), nulls_first=False)]))
    return query


def sample_query(segment: t.CheckedSegment, columns: Sequence[str], limit: int, *, tables: TableMap, dialect: str,
                 as_of: dt.date | None, timezone: str = "UTC", params: dict[str, Any] | None = None) -> exp.Select:
    """The key and the customer-table `columns` (physical names) of the first `limit` members by key."""
    shared = _columns(segment, [], tables, dialect, as_of, timezone, params, members=True)
    d, alias = shared.dialect, shared.alias
    query = shared.select([shared.key, *(d.column(c, alias) for c in columns)])
    query.set("order", exp.Order(expressions=[exp.Ordered(this=d.column(tables.key, alias))]))
    query.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
    return query
