"""Compiled segments run on DuckDB select exactly the customers DESIGN §3 says (cases in compile_cases.py)."""

from __future__ import annotations

import duckdb
import pytest

from segql.check import tree as t
from segql.compile import compile_memberships, compile_segment, render
from tests.compile_cases import ALL, AS_OF, CASES, TABLES, Case, build_database, segment


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
    # (ranked over all customers in a derived table of their own, joined by key)
    ranks = next(j for j in query.args["joins"] if j.alias_or_name == "ranks").sql("duckdb")
    assert sql.count("FROM sales.orders") - ranks.count("FROM sales.orders") == 1
    assert sql.count("FROM web.visits") - ranks.count("FROM web.visits") == 1
    assert ranks.count("FROM sales.orders") <= 1 and ranks.count("FROM web.visits") <= 1
    rows = con.execute(sql).fetchall()
    assert sorted(r[0] for r in rows) == sorted(ALL)
    for i, case in enumerate(cases, start=1):
        assert {r[0] for r in rows if r[i] is True} == case.expected, case.name
        assert all(r[i] in (True, False) for r in rows), f"{case.name} must be TRUE or FALSE, never NULL"
