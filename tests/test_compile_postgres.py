"""Compiled segments run on a real PostgreSQL select exactly the customers DESIGN §3 says (the cases of
tests/compile_cases.py, their complements and the one-query memberships), as on DuckDB and the Snowflake emulator.

The server is the session's (fixture pg_dsn in conftest.py); the fixture is built in DuckDB by
compile_cases.build_database and copied into a database of its own, `segql_compile_cases`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from segql.check import tree as t
from segql.compile import compile_memberships, compile_segment, render
from tests import compile_cases, pg_server
from tests.compile_cases import ALL, AS_OF, CASES, TABLES, Case, build_database, segment

DATABASE = "segql_compile_cases"
SCHEMAS = compile_cases.SCHEMAS

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg(pg_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import psycopg

    path: Path = tmp_path_factory.mktemp("compile_cases") / "cases.duckdb"
    with duckdb.connect(str(path)) as source:
        build_database(source)
    dsn = pg_server.create_database(pg_dsn, DATABASE)
    copied = pg_server.copy_duckdb(path, dsn, SCHEMAS)
    assert copied == {"crm.addresses": 3, "crm.customers": 6, "sales.orders": 13, "support.tickets": 2,
                      "web.logins": 5, "web.visits": 6, "shop.cart_adds": 8, "shop.reviews": 5}
    con = psycopg.connect(dsn, autocommit=True)
    try:
        yield con
    finally:
        con.close()


def members(pg: Any, case: Case, condition: t.Expr | None = None) -> set[int]:
    seg = case.segment if condition is None else segment(condition, case.name, case.specs)
    query = compile_segment(seg, tables=TABLES, dialect="postgres", as_of=case.as_of, timezone=case.timezone,
                            params=case.params)
    keys = [row[0] for row in pg.execute(render(query, "postgres")).fetchall()]
    assert len(keys) == len(set(keys)), f"a customer returned twice: {sorted(keys)}"
    return set(keys)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_members(pg: Any, case: Case) -> None:
    assert members(pg, case) == case.expected


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_not_is_the_complement(pg: Any, case: Case) -> None:
    """§3.3: members(not S) = C − members(S), for every case."""
    assert members(pg, case, t.Not(case.condition)) == ALL - case.expected


def test_memberships_share_passes(pg: Any) -> None:
    """`run --all`: every case that shares the default as-of and zone, in one query, one column each.

    The query's shape (passes shared over each event table) is tests/test_compile_duckdb.py's to check; here, the
    members PostgreSQL computes from it."""
    cases = [c for c in CASES if c.as_of == AS_OF and c.timezone == "UTC"]
    query = compile_memberships([c.segment for c in cases], tables=TABLES, dialect="postgres", as_of=AS_OF,
                                params={c.name: c.params for c in cases if c.params})
    rows = pg.execute(render(query, "postgres")).fetchall()
    assert sorted(r[0] for r in rows) == sorted(ALL)
    for i, case in enumerate(cases, start=1):
        assert {r[0] for r in rows if r[i] is True} == case.expected, case.name
        assert all(r[i] in (True, False) for r in rows), f"{case.name} must be TRUE or FALSE, never NULL"
