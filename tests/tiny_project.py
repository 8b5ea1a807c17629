"""A tiny segql project written into a folder, with its data in a DuckDB file or a database of the session's
PostgreSQL: customers (key, code, country) and their orders. Shared by the security and fault suites, whose
tests write hostile segments, settings and names into it and check what reaches the database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import cli, pg_server

ROOT = Path(__file__).resolve().parent.parent
WRITE_SCHEMA = "segs"
AS_OF = dt.date(2024, 6, 30)

SCHEMA_YML = """\
entity: customer
table: crm.customers
key: {key}
attributes:
  {key}: integer
  code: string
  country: {type: enum, values: [US, CA]}
events:
  orders:
    table: sales.orders
    key: {key}
    time: ordered_at
    attributes:
      amount: decimal
      status: string
"""

# (customer_id, code, country); the orders are (customer_id, ordered_at, amount, status).
CUSTOMERS: list[tuple[int, str | None, str | None]] = [(1, "A", "US"), (2, "B", "CA"), (3, "C", None), (4, None, "US")]
ORDERS: list[tuple[int, dt.date, float, str]] = [(1, dt.date(2024, 6, 1), 10.0, "paid"),
                                                  (2, dt.date(2024, 5, 1), 20.0, "paid"),
                                                  (2, dt.date(2024, 6, 20), 5.0, "refunded")]


@dataclass
class Tiny:
    """The project at `root`, its default target on `engine` ("duckdb" or "postgres")."""

    root: Path
    engine: str
    dsn: str = ""  # the database of a postgres project
    env: dict[str, str] = field(default_factory=dict)

    @property
    def database(self) -> Path:
        return self.root / "data.duckdb"

    def segment(self, name: str, text: str) -> Path:
        path = self.root / "segments" / f"{name}.yml"
        path.write_text(text, encoding="utf-8")
        return path

    def invoke(self, *args: str) -> tuple[int, str, str]:
        """`segql <args> --project ROOT` in this process."""
        return cli.invoke(*args, "--project", str(self.root), env={"NO_COLOR": "1", **self.env})

    def command(self, *args: str) -> list[str]:
        """The command line running `segql <args>` on this project in a process of its own."""
        return [sys.executable, "-c", "from segql.cli import main; main()", *args, "--project", str(self.root)]

    def process_env(self) -> dict[str, str]:
        return {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT), **self.env}

    def run_process(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), capture_output=True, text=True, env=self.process_env(),
                              timeout=timeout, check=False)

    @contextmanager
    def connected(self, *, write: bool = False) -> Iterator[tuple[Any, Any]]:
        """(workspace, engine) of the project's default target, opened through segql (a Writer with `write`)."""
        from segql import api, warehouse

        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            ws = api.open_workspace(self.root)
            engine = warehouse.open_writer(ws, ws.target(None)) if write else api.connect(ws, ws.target(None))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        try:
            yield ws, engine
        finally:
            engine.close()

    def sql(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a query run directly on the project's database (not through segql)."""
        if self.engine == "duckdb":
            import duckdb

            con = duckdb.connect(str(self.database))
            try:
                cursor = con.execute(query, list(params) or None)
                return cursor.fetchall() if cursor.description else []
            finally:
                con.close()
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as con:
            cursor = con.execute(query, list(params) or None)
            return cursor.fetchall() if cursor.description else []

    def victim_intact(self) -> bool:
        """The table `victim` of the default schema still holds its one row."""
        schema = "main" if self.engine == "duckdb" else "public"
        return self.relation_exists(schema, "victim") and self.sql(f"SELECT x FROM {schema}.victim") == [(1,)]

    def relation_exists(self, schema: str, name: str) -> bool:
        rows = self.sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
                        if self.engine == "duckdb" else
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
                        [schema, name])
        return bool(rows[0][0])

    def history(self, schema: str = WRITE_SCHEMA) -> list[tuple[Any, ...]]:
        """(as_of, segment, key, definition_hash) rows of the history, sorted."""
        return self.sql(f'SELECT * FROM "{schema}".segql_history ORDER BY 1, 2, 3')

    def snapshots(self, schema: str = WRITE_SCHEMA) -> list[tuple[Any, ...]]:
        return self.sql(f'SELECT as_of, segment, definition_hash, members FROM "{schema}".segql_snapshots '
                        "ORDER BY 1, 2")


def make(root: Path, engine: str, *, pg_dsn: str = "", database: str = "segql_tiny",
         target: dict[str, str] | None = None, customers: Sequence[tuple[int, str | None, str | None]] = CUSTOMERS,
         key: str = "customer_id") -> Tiny:
    """Write the project into `root` with its data: a DuckDB file, or a new PostgreSQL database `database` on the
    server of `pg_dsn` (replacing one of that name). `target` adds settings to the default target; `key` names the
    customer key's column (in both tables)."""
    (root / "segments").mkdir(parents=True, exist_ok=True)
    (root / "schema.yml").write_text(SCHEMA_YML.replace("{key}", key), encoding="utf-8")
    settings = {"schema": WRITE_SCHEMA, **(target or {})}
    tiny = Tiny(root, engine)
    if engine == "duckdb":
        spec = {"type": "duckdb", "path": "data.duckdb", **settings}
        _load_duckdb(tiny.database, customers, key)
    else:
        tiny.dsn = pg_server.create_database(pg_dsn, database)
        tiny.env["SEGQL_TINY_DSN"] = tiny.dsn
        spec = {"type": "postgres", "dsn": "${SEGQL_TINY_DSN}", **settings}
        _load_postgres(tiny.dsn, customers, key)
    config = {"name": "tiny", "timezone": "UTC", "default_target": "main", "targets": {"main": spec}}
    (root / "segql.yml").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")  # JSON is YAML
    return tiny


def _load_duckdb(path: Path, customers: Sequence[tuple[int, str | None, str | None]], key: str) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        for statement in _ddl(key):
            con.execute(statement)
        con.executemany("INSERT INTO crm.customers VALUES (?, ?, ?)", [list(c) for c in customers])
        con.executemany("INSERT INTO sales.orders VALUES (?, ?, ?, ?)", [list(o) for o in ORDERS])
    finally:
        con.close()


def _load_postgres(dsn: str, customers: Sequence[tuple[int, str | None, str | None]], key: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as con:
        for statement in _ddl(key):
            con.execute(statement.replace("DOUBLE", "double precision"))
        with con.cursor() as cursor:
            cursor.executemany("INSERT INTO crm.customers VALUES (%s, %s, %s)", [list(c) for c in customers])
            cursor.executemany("INSERT INTO sales.orders VALUES (%s, %s, %s, %s)", [list(o) for o in ORDERS])


def _ddl(key: str) -> list[str]:
    quoted = '"' + key.replace('"', '""') + '"'
    return [
        "CREATE SCHEMA crm",
        "CREATE SCHEMA sales",
        f"CREATE TABLE crm.customers ({quoted} INTEGER, code VARCHAR, country VARCHAR)",
        f"CREATE TABLE sales.orders ({quoted} INTEGER, ordered_at DATE, amount DECIMAL(10, 2), status VARCHAR)",
        "CREATE TABLE victim (x INTEGER)",  # in the default schema (main, public): nothing segql runs may touch it
        "INSERT INTO victim VALUES (1)",
    ]
