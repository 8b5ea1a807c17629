"""bucket(salt) (DESIGN §3.13) is Python's: the first 8 hex digits of hashlib.md5(salt + ":" + key) as a number,
mod 10000 — for integer and for string keys (non-ASCII, quotes, empty), on DuckDB, PostgreSQL and the Snowflake
emulator, each reading md5's hex digits its own way. (The compile cases check integer keys on every engine.)"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb
import pytest

from segql.check import tree as t
from segql.compile import EventTable, Output, TableMap, compile_columns, render
from segql.dialects.snowflake import Snowflake
from tests import pg_server
from tests.snowflake_emulator import Emulator, fixture_statements

KEYS = ["1", "42", "é", "O'Brien", "", "日本", "a:b", " space ", "x" * 200, "\\"]
SALTS = ["spring", "", "ü:ß", "50%"]
TABLES = TableMap(customer=("shop", "people"), key="code", lookups={},
                  events={"visits": EventTable(("shop", "visits"), "code", None)})
KEY = t.Column("customer", "", "code", "code", t.STRING)


def expected(salt: str) -> dict[str, int]:
    return {k: int(hashlib.md5(f"{salt}:{k}".encode()).hexdigest()[:8], 16) % 10000 for k in KEYS}


def query(salt: str, dialect: str) -> str:
    """SELECT every customer's key and bucket(salt), as the compiler writes it for the dialect."""
    bucket = t.Call("bucket", (t.Literal(salt, t.STRING), KEY), t.INTEGER)
    return render(compile_columns([Output("b", bucket, {})], tables=TABLES, dialect=dialect, as_of=None).select(),
                  dialect)


def setup(con: Any) -> None:
    con.execute("CREATE SCHEMA shop")
    con.execute("CREATE TABLE shop.people (code VARCHAR)")
    con.executemany("INSERT INTO shop.people VALUES (?)", [(k,) for k in KEYS])


@pytest.mark.parametrize("salt", SALTS)
def test_duckdb(salt: str) -> None:
    con = duckdb.connect()
    setup(con)
    assert dict(con.execute(query(salt, "duckdb")).fetchall()) == expected(salt)


@pytest.mark.postgres
def test_postgres(pg_dsn: str) -> None:
    import psycopg

    dsn = pg_server.create_database(pg_dsn, "segql_bucket")
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("CREATE SCHEMA shop")
        con.execute("CREATE TABLE shop.people (code TEXT)")
        with con.cursor() as cur:
            cur.executemany("INSERT INTO shop.people VALUES (%s)", [(k,) for k in KEYS])
        for salt in SALTS:
            assert dict(con.execute(query(salt, "postgres")).fetchall()) == expected(salt), salt


@pytest.mark.snowflake
def test_snowflake_emulator(snowflake_emulator: Emulator, tmp_path: Path) -> None:
    source = duckdb.connect()
    try:
        setup(source)
        statements = fixture_statements(source, ("shop",), tmp_path, Snowflake.reserved)
    finally:
        source.close()
    queries = {salt: query(salt, "snowflake") for salt in SALTS}
    results = dict(snowflake_emulator.run({"setup": statements, "queries": queries})["results"])
    for salt in SALTS:
        assert "error" not in results[salt], results[salt]
        assert {row[0]: int(row[1]) for row in results[salt]["rows"]} == expected(salt), salt
