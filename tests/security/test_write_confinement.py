"""Writes stay in the write schema (DESIGN §9), whatever the schema's name, quoting, case or the session's
search_path: materialize and snapshot write nowhere else, and never into a schema holding the data.

Issue 12, item 7: the search_path was split at commas naively, so with the data in a schema `my,data` (quoted in
the search path) `--schema my,data` passed the check and materialize replaced the customer table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import pg_server, tiny_project
from tests.tiny_project import AS_OF, Tiny

ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
HOSTILE_SCHEMAS = ['x"; DROP SCHEMA crm CASCADE; --', "x'; DROP SCHEMA crm CASCADE; --", "back\\slash\\'",
                   "Ünïcödé spaces; $1 %s", "MixedCase", "select", "crm.customers", "segql_history"]


def outside(tiny: Tiny, schema: str) -> list[tuple[Any, ...]]:
    """Every table and view outside the write schema (and the system schemas), with its row count."""
    rows = tiny.sql("SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN "
                    "('pg_catalog', 'information_schema') ORDER BY 1, 2")
    found = []
    for table_schema, table in rows:
        if table_schema == schema:
            continue
        quoted = '"' + table_schema.replace('"', '""') + '"."' + table.replace('"', '""') + '"'
        found.append((table_schema, table, tiny.sql(f"SELECT count(*) FROM {quoted}")[0][0]))  # noqa: S608
    return found


@pytest.fixture(params=ENGINES)
def tiny(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tiny]:
    dsn = request.getfixturevalue("pg_dsn") if request.param == "postgres" else ""
    project = tiny_project.make(tmp_path, request.param, pg_dsn=dsn, database="segql_confined")
    project.segment("us", 'where: country = "US"\n')
    project.segment("customers", "where: has orders\n")  # named like the customer table
    project.segment("orders", 'where: code = "B"\n')  # and like the event table
    yield project


@pytest.mark.parametrize("schema", HOSTILE_SCHEMAS)
def test_any_schema_name_is_one_schema_and_nothing_else_is_touched(tiny: Tiny, schema: str) -> None:
    before = outside(tiny, schema)
    stored = schema  # the catalogs keep a name as written (segql quotes what the server would otherwise fold)
    # materialized as views under half the names, as tables under the others
    kind = ["--kind", "table", "--as-of", "2024-06-30"] if HOSTILE_SCHEMAS.index(schema) % 2 else []
    for args in (["materialize", "--all", *kind], ["snapshot", "--all", "--as-of", AS_OF.isoformat()]):
        code, _, err = tiny.invoke(*args, "--schema", schema)
        assert code == 0, (args, err)
    assert outside(tiny, stored) == before
    assert tiny.victim_intact()
    tables = {name for (name,) in tiny.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ?" if tiny.engine == "duckdb" else
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [stored])}
    assert tables == {"us", "customers", "orders", "segql_history", "segql_snapshots"}
    quoted = '"' + stored.replace('"', '""') + '"'
    assert tiny.sql(f"SELECT customer_id FROM {quoted}.customers ORDER BY 1") == [(1,), (2,)]  # noqa: S608


@pytest.mark.parametrize("schema", ["crm", "CRM", "Crm", "SALES", "INFORMATION_SCHEMA", "pg_catalog", "PG_TEMP"])
def test_data_and_system_schemas_are_refused_in_any_case(tiny: Tiny, schema: str) -> None:
    before = outside(tiny, "")
    for args in (["materialize", "--all"], ["snapshot", "--all", "--as-of", AS_OF.isoformat()]):
        code, out, err = tiny.invoke(*args, "--schema", schema)
        assert code == 1 and "E407" in err and out == "", (args, err)
    assert outside(tiny, "") == before


def unqualified(tiny: Tiny, data_schema: str) -> None:
    """The project's tables written without a schema, and moved into `data_schema` (PostgreSQL)."""
    text = (tiny.root / "schema.yml").read_text(encoding="utf-8")
    (tiny.root / "schema.yml").write_text(text.replace("crm.customers", "customers").replace("sales.orders", "orders"),
                                          encoding="utf-8")
    quoted = '"' + data_schema.replace('"', '""') + '"'
    tiny.sql(f"CREATE SCHEMA {quoted}")
    tiny.sql(f"ALTER TABLE crm.customers SET SCHEMA {quoted}")
    tiny.sql(f"ALTER TABLE sales.orders SET SCHEMA {quoted}")


@pytest.mark.postgres
@pytest.mark.parametrize("data_schema", ["my,data", "My Data", 'a"b,c', "data, public"])
def test_a_search_path_entry_holding_a_comma_or_quote_is_one_schema(pg_dsn: str, tmp_path: Path,
                                                                   data_schema: str) -> None:
    tiny = tiny_project.make(tmp_path, "postgres", pg_dsn=pg_dsn, database="segql_search_path")
    tiny.segment("customers", 'where: country = "US"\n')
    unqualified(tiny, data_schema)
    quoted = '"' + data_schema.replace('"', '""') + '"'
    tiny.sql(f"ALTER DATABASE segql_search_path SET search_path = {quoted}, public")
    for args in (["materialize", "customers"], ["snapshot", "--all"]):
        code, out, err = tiny.invoke(*args, "--schema", data_schema)
        assert code == 1 and "E407" in err and "holds tables of schema.yml" in err, (args, out, err)
    assert tiny.sql(f"SELECT count(*) FROM {quoted}.customers") == [(4,)]  # noqa: S608
    assert tiny.sql("SELECT table_type FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_name = 'customers'", [data_schema]) == [("BASE TABLE",)]
    code, out, err = tiny.invoke("run", "customers", "--format", "csv")  # reading it still works
    assert code == 0 and out.splitlines() == ["customer_id", "1", "4"], err


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["options", "database", "role"])
def test_every_schema_of_the_session_search_path_is_refused(pg_dsn: str, tmp_path: Path, how: str) -> None:
    """With unqualified tables, a table segql creates in any schema of the search path (even one that does not
    exist yet, or `$user`'s) could shadow the data."""
    options = {"options": "-c search_path=segs,later,$user,data"} if how == "options" else {}
    tiny = tiny_project.make(tmp_path, "postgres", pg_dsn=pg_dsn, database="segql_search_path", target=options)
    tiny.segment("customers", 'where: country = "US"\n')
    unqualified(tiny, "data")
    if how == "database":
        tiny.sql("ALTER DATABASE segql_search_path SET search_path = segs, later, \"$user\", data")
    elif how == "role":
        tiny.sql("DROP ROLE IF EXISTS segql_writer")
        tiny.sql("CREATE ROLE segql_writer LOGIN SUPERUSER")
        tiny.sql("ALTER ROLE segql_writer SET search_path = segs, later, \"$user\", data")
        config = json.loads((tiny.root / "segql.yml").read_text(encoding="utf-8"))
        config["targets"]["main"]["user"] = "segql_writer"
        (tiny.root / "segql.yml").write_text(json.dumps(config), encoding="utf-8")
    user = "segql_writer" if how == "role" else pg_server.SERVER_USER
    for schema in ("segs", "SEGS", "later", user, "data"):
        code, out, err = tiny.invoke("materialize", "customers", "--schema", schema)
        assert code == 1 and "E407" in err, (schema, out, err)
    code, out, err = tiny.invoke("materialize", "customers", "--schema", "elsewhere")
    assert code == 0, err
    assert tiny.sql("SELECT count(*) FROM data.customers") == [(4,)]
    if how == "role":
        tiny.sql("DROP OWNED BY segql_writer")


def test_unqualified_tables_on_duckdb_refuse_its_default_schema(tmp_path: Path) -> None:
    tiny = tiny_project.make(tmp_path, "duckdb")
    tiny.segment("customers", 'where: country = "US"\n')
    text = (tiny.root / "schema.yml").read_text(encoding="utf-8")
    (tiny.root / "schema.yml").write_text(text.replace("crm.customers", "customers"), encoding="utf-8")
    tiny.sql("CREATE TABLE main.customers AS SELECT * FROM crm.customers")
    for schema in ("main", "MAIN", "Main"):
        code, _, err = tiny.invoke("materialize", "customers", "--schema", schema)
        assert code == 1 and "E407" in err, err
    assert tiny.sql("SELECT count(*) FROM main.customers") == [(4,)]
