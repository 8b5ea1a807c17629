"""Compiled segments run on DuckDB select exactly the customers DESIGN §3 says (cases in compile_cases.py)."""

from __future__ import annotations

import duckdb
import pytest
from sqlglot import exp

from segql.check import tree as t
from segql.compile import Output, compile_columns, compile_memberships, compile_segment, render
from tests.compile_cases import ALL, AS_OF, CASES, TABLES, Case, build_database, col, eq, gt, segment

BY_NAME = {c.name: c for c in CASES}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    build_database(connection)
    return connection


def members(con: duckdb.DuckDBPyConnection, case: Case, condition: t.Expr | None = None) -> set[int]:
    seg = case.segment if condition is None else segment(condition, case.name, case.specs)
    query = compile_segment(seg, tables=TABLES, dialect="duckdb", as_of=case.as_of, timezone=case.timezone,
                            params=case.params)
    sql = render(query, "duckdb")
    return {row[0] for row in con.execute(sql).fetchall()}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_members(con: duckdb.DuckDBPyConnection, case: Case) -> None:
    assert members(con, case) == case.expected


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_not_is_the_complement(con: duckdb.DuckDBPyConnection, case: Case) -> None:
    """§3.3: members(not S) = C − members(S), for every case."""
    assert members(con, case, t.Not(case.condition)) == ALL - case.expected


def test_memberships_share_passes(con: duckdb.DuckDBPyConnection) -> None:
    """`run --all`: every case that shares the default as-of and zone, in one query, one column each."""
    cases = [c for c in CASES if c.as_of == AS_OF and c.timezone == "UTC"]
    query = compile_memberships([c.segment for c in cases], tables=TABLES, dialect="duckdb", as_of=AS_OF,
                                params={c.name: c.params for c in cases if c.params})
    sql = render(query, "duckdb")
    # one pass over each event table for the conditions, and one more for the values ranked by percentiles
    # (ranked over all customers in a derived table of their own, joined by key); sequences and modes read the
    # events in subqueries of their own, one per distinct sequence or mode
    joins = {j.alias_or_name: j.sql("duckdb") for j in query.args["joins"]}
    ranks = joins["ranks"]
    apart = [text for name, text in joins.items() if name.startswith("sequence_") or "_mode_" in name]
    assert len(apart) == len({text for text in apart})  # identical ones share a subquery
    # (DuckDB: a pass's COUNT(DISTINCT)s of each value in a pass of their own beside it, rewrites.distinct_apart)
    for table, event in (("sales.orders", "orders"), ("web.visits", "visits")):
        wrapper = next(j.this.this for j in query.args["joins"] if j.alias_or_name == event)
        distinct = [j.sql("duckdb") for j in wrapper.args.get("joins") or [] if "_distinct_" in j.alias_or_name]
        elsewhere = ranks.count(f"FROM {table}") + sum(text.count(f"FROM {table}") for text in apart + distinct)
        assert sql.count(f"FROM {table}") - elsewhere == 1
    assert ranks.count("FROM sales.orders") <= 1 and ranks.count("FROM web.visits") <= 1
    rows = con.execute(sql).fetchall()
    assert sorted(r[0] for r in rows) == sorted(ALL)
    for i, case in enumerate(cases, start=1):
        assert {r[0] for r in rows if r[i] is True} == case.expected, case.name
        assert all(r[i] in (True, False) for r in rows), f"{case.name} must be TRUE or FALSE, never NULL"


def test_columns_over_one_shared_from(con: duckdb.DuckDBPyConnection) -> None:
    """compile_columns: several conditions over one FROM, and a query of one's own over its joins — here the
    workbench's size after each condition of a segment (every prefix's AND), all in one pass per event table."""
    names = ["count_last_90_days", "not_avg_empty_included", "contains_column_pattern", "between", "sum_last_year",
             "has_no"]  # 4, 3, 2, 1, 1 and 0 members after each
    cases = [BY_NAME[name] for name in names]
    prefixes = [Output(f"after_{i}", t.And(tuple(c.condition for c in cases[:i + 1]))) for i in range(len(cases))]
    columns = compile_columns(prefixes, tables=TABLES, dialect="duckdb", as_of=AS_OF)
    counts = [exp.Count(this=exp.Star())]
    counts += [exp.Count(this=exp.Case(ifs=[exp.If(this=c, true=exp.Literal.number(1))])) for c in columns.columns]
    sql = render(columns.select(counts), "duckdb")
    assert sql.count("FROM sales.orders") == 1  # one pass, every prefix's aggregates in it
    expected = [len(ALL)] + [len(frozenset.intersection(*(c.expected for c in cases[:i + 1])))
                             for i in range(len(cases))]
    assert list(con.execute(sql).fetchone()) == expected


def test_columns_of_values_and_conditions(con: duckdb.DuckDBPyConnection) -> None:
    """A value is its value (NULL where it is missing), a condition TRUE or FALSE; the default select names them."""
    paid = t.Aggregate("sum", "orders", col("orders.amount"), eq(col("orders.status"), "paid"), None, t.DECIMAL)
    first = t.Aggregate("first", "orders", col("orders.channel"), None, None, t.STRING)
    outputs = [Output("paid", paid), Output("first_channel", first), Output("big", gt(paid, 100))]
    sql = render(compile_columns(outputs, tables=TABLES, dialect="duckdb", as_of=AS_OF).select(), "duckdb")
    rows = {r[0]: r[1:] for r in con.execute(sql).fetchall()}
    assert rows[1] == (100, "store", False)  # the 999 is after the as-of date, the 500 has no time
    assert rows[5] == (0, None, False)  # no orders: a sum of 0, no first channel, not big


@pytest.mark.parametrize("name", ["count_last_90_days", "has_no", "not_avg_empty_included", "percentile_of_aggregate"])
def test_columns_of_the_members_only(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """With a `where`, compile_columns selects the members only (its passes INNER JOINed where that is exact), and a
    condition as a filter (strict=False) is NULL, not FALSE, where §3 says false: a FILTER or WHERE reads both so."""
    case = BY_NAME[name]
    outputs = [Output("country", col("country")), Output("us", eq(col("country"), "US"), strict=False)]
    columns = compile_columns(outputs, tables=TABLES, dialect="duckdb", as_of=case.as_of, where=case.condition,
                              params=case.params)
    rows = con.execute(render(columns.select(), "duckdb")).fetchall()
    assert {r[0] for r in rows} == case.expected
    countries = dict(con.execute("SELECT customer_id, country FROM crm.customers").fetchall())
    assert all(r[1] == countries[r[0]] and r[2] is (None if r[1] is None else r[1] == "US") for r in rows)
