"""Queries over compile_memberships' SELECT (one boolean column per segment): the members of any segment, and the
sizes and pairwise intersections of segments, each in one query that reads every event table once.

Builds sqlglot trees from node constructors only; imports sqlglot, segql.dialects and the sibling modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlglot import exp

from segql.compile import sql
from segql.compile.render import DIALECT_KEY
from segql.dialects import get_dialect

MEMBERSHIPS = "memberships"  # the alias of the memberships subquery
TOTAL = "customers"  # the column counting every customer


def numbered_names(prefix: str, count: int, avoid: Iterable[str]) -> list[str]:
    """`count` column names `<prefix>0`, `<prefix>1`…, none equal to a name of `avoid` (the key column): each
    underscore put before the prefix makes them differ from it, compared case-insensitively as engines compare
    names. The columns a memberships query adds are named so, never after segments (a segment may be named like
    the key, or two only by case, or too long for the engine)."""
    taken = {name.lower() for name in avoid}
    while any(f"{prefix}{i}".lower() in taken for i in range(count)):
        prefix = "_" + prefix
    return [f"{prefix}{i}" for i in range(count)]


def with_customer_columns(memberships: exp.Select, columns: Sequence[str], dialect: str) -> list[str]:
    """Add customer-table columns to the memberships SELECT, after the segment flags, named `column_<i>`
    (numbered_names: they collide neither with the key nor with a flag); returns their names."""
    d = get_dialect(dialect)
    key = memberships.expressions[0]  # the customer table's key, first
    names = numbered_names("column_", len(columns), [key.name])
    for name, column in zip(names, columns, strict=True):
        memberships.expressions.append(sql.alias(d.column(column, key.table), d.identifier(name)))
    return names


def members_of_any(memberships: exp.Select, key: str, segments: Sequence[str], columns: Sequence[str],
                   dialect: str) -> exp.Select:
    """SELECT key, the added `columns` and every flag of `segments` (the memberships' column names), of the
    customers in at least one segment, by key."""
    d = get_dialect(dialect)
    flags = [d.column(name, MEMBERSHIPS) for name in segments]
    selected = [d.column(key, MEMBERSHIPS), *(d.column(name, MEMBERSHIPS) for name in columns),
                *(f.copy() for f in flags)]
    query = sql.select(selected, sql.subquery(memberships, d.identifier(MEMBERSHIPS)), where=sql.or_(flags))
    query.set("order", exp.Order(expressions=[exp.Ordered(this=d.column(key, MEMBERSHIPS))]))
    return _tagged(query, memberships)


def counts(memberships: exp.Select, segments: Sequence[str], dialect: str, *, sizes: bool = True,
           pairs: Sequence[tuple[int, int]] = ()) -> exp.Select:
    """SELECT the number of customers (`customers`), with `sizes` the size of each segment (`size_<i>`; `segments`
    are the memberships' column names) and the intersection of each of `pairs` (`both_<i>_<j>`, indexes into
    `segments`, in the order given): one row, one pass."""
    d = get_dialect(dialect)
    flags = [d.column(name, MEMBERSHIPS) for name in segments]
    columns: list[exp.Expression] = [sql.alias(exp.Count(this=exp.Star()), d.identifier(TOTAL))]
    if sizes:
        columns += [sql.alias(_count_if(flag.copy()), d.identifier(f"size_{i}")) for i, flag in enumerate(flags)]
    columns += [sql.alias(_count_if(sql.and_([flags[i].copy(), flags[j].copy()])), d.identifier(f"both_{i}_{j}"))
                for i, j in pairs]
    query = sql.select(columns, sql.subquery(memberships, d.identifier(MEMBERSHIPS)))
    return _tagged(query, memberships)


def _count_if(condition: exp.Expression) -> exp.Expression:
    # COUNT(CASE …) rather than FILTER: every dialect has it (Snowflake has no FILTER clause)
    return exp.Count(this=sql.case(condition, sql.number(1)))


def _tagged(query: exp.Select, memberships: exp.Select) -> exp.Select:
    query.meta[DIALECT_KEY] = memberships.meta[DIALECT_KEY]
    return query
