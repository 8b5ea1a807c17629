"""PostgreSQL for the benchmarks: a private server, the generated Parquet data loaded with COPY, and timed queries.

The server is the test suite's (tests/pg_server.py: Debian's PostgreSQL, run as the `postgres` user in a fresh
temporary folder on a free port, installed with apt-get when missing). Each table is written by DuckDB as CSV
and streamed into COPY … FROM STDIN; the customer and address keys get primary keys and every event table an
index on (customer key, event time), as a warehouse on PostgreSQL would have; then ANALYZE. Imports duckdb
and psycopg.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import generate  # noqa: E402
from tests import pg_server  # noqa: E402

# (table, key or event columns) to index: primary keys of the customer and address tables, and (customer, time)
# on each event table
PRIMARY_KEYS = {"customers": "customer_id", "addresses": "address_id"}
EVENT_TIMES = {"orders": "ordered_at", "sessions": "started_at", "tickets": "opened_at", "email_events": "sent_at",
               "order_items": "ordered_at", "product_views": "viewed_at", "cart_adds": "added_at",
               "reviews": "reviewed_on"}


@contextmanager
def server() -> Iterator[str]:
    """The DSN of an empty database on a private PostgreSQL server, stopped and removed afterwards."""
    with pg_server.private_server() as dsn:
        yield dsn


def load(dsn: str, data: Path, log: Any = None) -> dict[str, int]:
    """Create every table of generate.TABLES from the Parquet files of `data` and COPY the rows in; returns the
    number of rows of each table."""
    import duckdb
    import psycopg
    from psycopg import sql

    source = duckdb.connect()
    source.execute("SET enable_progress_bar = false")
    loaded: dict[str, int] = {}
    with psycopg.connect(dsn, autocommit=True) as target, tempfile.TemporaryDirectory(prefix="segql-bench-") as tmp:
        for stem, name in generate.TABLES.items():
            started = time.perf_counter()
            schema, table = name.split(".")
            parquet = data / f"{stem}.parquet"
            columns = source.execute(f"DESCRIBE SELECT * FROM read_parquet('{parquet}')").fetchall()
            target.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            relation = sql.Identifier(schema, table)
            target.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(relation))
            target.execute(sql.SQL("CREATE TABLE {} ({})").format(relation, sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(pg_server.pg_type(kind)))
                for column, kind, *_ in columns)))
            csv = Path(tmp) / f"{stem}.csv"
            source.execute(f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{csv}' (FORMAT csv, HEADER false)")
            with target.cursor() as cursor, cursor.copy(sql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(relation)) as copy, \
                    csv.open("rb") as rows:
                while block := rows.read(1 << 20):
                    copy.write(block)
            csv.unlink()
            if stem in PRIMARY_KEYS:
                target.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(
                    relation, sql.Identifier(PRIMARY_KEYS[stem])))
            else:
                target.execute(sql.SQL("CREATE INDEX ON {} ({}, {})").format(
                    relation, sql.Identifier("customer_id"), sql.Identifier(EVENT_TIMES[stem])))
            target.execute(sql.SQL("VACUUM ANALYZE {}").format(relation))
            loaded[stem] = target.execute(sql.SQL("SELECT count(*) FROM {}").format(relation)).fetchone()[0]
            if log:
                log(f"  postgres: {name} {loaded[stem]:,} rows in {time.perf_counter() - started:.1f}s")
    source.close()
    return loaded


class Connection:
    """One connection to the benchmark database: members of a query, a timed run of it, its plan."""

    dialect = "postgres"

    def __init__(self, dsn: str) -> None:
        import psycopg

        self.con = psycopg.connect(dsn, autocommit=True)

    def members(self, query: str) -> list[Any]:
        return sorted(row[0] for row in self.con.execute(query).fetchall())

    def timed(self, query: str) -> tuple[float, float | None]:
        """(wall seconds, None): the server's CPU time is not this process's to read."""
        started = time.perf_counter()
        self.con.execute(query).fetchall()
        return time.perf_counter() - started, None

    def plan(self, query: str) -> str:
        rows = self.con.execute("EXPLAIN (ANALYZE, BUFFERS) " + query).fetchall()
        return "\n".join(row[0] for row in rows) + "\n"

    def settings(self) -> dict[str, str]:
        names = ("server_version", "work_mem", "shared_buffers", "max_parallel_workers_per_gather", "jit")
        return {n: str(self.con.execute(f"SHOW {n}").fetchone()[0]) for n in names}

    def close(self) -> None:
        self.con.close()
