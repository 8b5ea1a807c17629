"""Queries about one segment beyond its member keys, each one scan of the tables it reads: its size with the count
after each top-level condition, the values one customer's conditions read (explain), its members per value of an
attribute (breakdown), and a sample of members with chosen customer columns.

Built with the Compiler of segql.compile.compiler (`cond`, `strict`, `value`, `customers`, `joins`, as
`memberships` uses them): this module is the only one outside compiler.py that knows its methods. Node
constructors only; imports sqlglot, segql.check.tree, segql.dialects and the sibling modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from segql.check import tree as t
from segql.compile import sql
from segql.compile.compiler import Compiler, bind_params
from segql.compile.render import DIALECT_KEY
from segql.compile.tables import TableMap
from segql.dialects import get_dialect

TOTAL = "total"


def _compiler(segment: t.CheckedSegment, tables: TableMap, dialect: str, as_of: dt.date | None, timezone: str,
              params: dict[str, Any] | None) -> Compiler:
    return Compiler(tables, get_dialect(dialect), as_of, timezone, bind_params(segment, params))


def _tagged(query: exp.Select, dialect: str) -> exp.Select:
    query.meta[DIALECT_KEY] = get_dialect(dialect).name
    return query


def _count_where(condition: exp.Expression) -> exp.Expression:
    """COUNT(*) FILTER (WHERE condition); sqlglot writes COUNT_IF where a dialect has no FILTER (Snowflake)."""
    return exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=condition))


def size_query(segment: t.CheckedSegment, conditions: Sequence[t.Expr], *, tables: TableMap, dialect: str,
               as_of: dt.date | None, timezone: str = "UTC", params: dict[str, Any] | None = None) -> exp.Select:
    """One row: every customer (`total`), then for each condition i the customers it holds for (`alone_i`) and
    those all conditions up to it hold for (`upto_i`); the last `upto` is the segment's size when the conditions
    are its top-level `and`. One pass over each event table serves every column: each condition is computed once
    per customer (a column `holds_i` of the inner SELECT, NULL where §3 says false), and counted by FILTERs."""
    compiler = _compiler(segment, tables, dialect, as_of, timezone, params)
    d = compiler.d
    flags = [d.identifier(f"holds_{i}") for i in range(1, len(conditions) + 1)]
    inner = sql.select([sql.alias(compiler.cond(c), flag) for c, flag in zip(conditions, flags, strict=True)]
                       or [sql.alias(exp.Boolean(this=True), d.identifier("holds"))],
                       compiler.customers(), compiler.joins())
    columns: list[exp.Expression] = [sql.alias(exp.Count(this=exp.Star()), d.identifier(TOTAL))]
    for i, flag in enumerate(flags, start=1):
        columns.append(sql.alias(_count_where(exp.Column(this=flag.copy())), d.identifier(f"alone_{i}")))
        upto = sql.and_([exp.Column(this=f.copy()) for f in flags[:i]])
        columns.append(sql.alias(_count_where(upto), d.identifier(f"upto_{i}")))
    return _tagged(sql.select(columns, sql.subquery(inner, d.identifier("conditions"))), dialect)


def explain_query(segment: t.CheckedSegment, conditions: Sequence[t.Expr], values: Sequence[Sequence[t.Expr]],
                  key: Any, *, tables: TableMap, dialect: str, as_of: dt.date | None, timezone: str = "UTC",
                  params: dict[str, Any] | None = None) -> exp.Select:
    """One row for the customer with this key (none when there is no such customer): for each condition i,
    `holds_i` (TRUE or FALSE, never NULL) and then `value_i_j`, the value of each expression it reads."""
    compiler = _compiler(segment, tables, dialect, as_of, timezone, params)
    d = compiler.d
    columns: list[exp.Expression] = []
    for i, (condition, read) in enumerate(zip(conditions, values, strict=True), start=1):
        columns.append(sql.alias(compiler.strict(condition), d.identifier(f"holds_{i}")))
        for j, node in enumerate(read, start=1):
            compiled = compiler.strict(node) if node.type == t.BOOLEAN else compiler.value(node)
            columns.append(sql.alias(compiled, d.identifier(f"value_{i}_{j}")))
    if not columns:
        columns.append(sql.alias(exp.Boolean(this=True), d.identifier("holds")))
    key_type = t.STRING if isinstance(key, str) else t.INTEGER
    where = sql.binary(exp.EQ, d.column(tables.key, compiler.customer_alias), compiler.literal(key, key_type))
    return _tagged(sql.select(columns, compiler.customers(), compiler.joins(), where), dialect)


def breakdown_query(segment: t.CheckedSegment, by: t.Expr, *, tables: TableMap, dialect: str,
                    as_of: dt.date | None, timezone: str = "UTC", params: dict[str, Any] | None = None) -> exp.Select:
    """(value, members) of the segment's members per value of `by` (a customer or lookup attribute, or a trait),
    the missing value included, most members first."""
    compiler = _compiler(segment, tables, dialect, as_of, timezone, params)
    d = compiler.d
    where = compiler.cond(segment.condition)
    value = compiler.strict(by) if by.type == t.BOOLEAN else compiler.value(by)
    count = exp.Count(this=exp.Star())
    query = sql.select([sql.alias(value, d.identifier("value")), sql.alias(count, d.identifier("members"))],
                       compiler.customers(), compiler.joins(), where, group_by=[exp.Literal.number(1)])
    query.set("order", exp.Order(expressions=[exp.Ordered(this=exp.Literal.number(2), desc=True),
                                              exp.Ordered(this=exp.Literal.number(1), nulls_first=False)]))
    return _tagged(query, dialect)


def sample_query(segment: t.CheckedSegment, columns: Sequence[str], limit: int, *, tables: TableMap, dialect: str,
                 as_of: dt.date | None, timezone: str = "UTC", params: dict[str, Any] | None = None) -> exp.Select:
    """The key and the customer-table `columns` (physical names) of the first `limit` members by key."""
    compiler = _compiler(segment, tables, dialect, as_of, timezone, params)
    d, alias = compiler.d, compiler.customer_alias
    where = compiler.cond(segment.condition)
    selected = [d.column(tables.key, alias), *(d.column(c, alias) for c in columns)]
    query = sql.select(selected, compiler.customers(), compiler.joins(), where)
    query.set("order", exp.Order(expressions=[exp.Ordered(this=d.column(tables.key, alias))]))
    query.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
    return _tagged(query, dialect)
