"""Engines: run compiled SQL on a target and bring rows back. DuckDB is built in; PostgreSQL (psycopg), Snowflake
(snowflake-connector-python), ClickHouse (clickhouse-connect, or the embedded chdb), Spark (pyspark) and Databricks
(databricks-sql-connector) load lazily.

Only SELECT statements reach a target from `run` and `count`; `connect(..., write=True)` gives a Writer, used only
by materialize and snapshot. Imports no sqlglot.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Literal, Protocol, overload

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.project import Target


class Engine(Protocol):
    dialect: str

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Columns and rows of one SELECT; `params` are the values of its placeholders ($1, $2…), on the engines
        whose dialect binds them (segql.compile.render_bound)."""
        ...

    def close(self) -> None: ...


class ColumnLister(Engine, Protocol):
    """An engine that can also list columns (`segql targets check`); DuckDB, PostgreSQL, ClickHouse and Spark can;
    Snowflake and Databricks not yet."""

    def columns(self, table: tuple[str, ...]) -> list[str] | None:
        """The columns of a table or view named by its parts (`("crm", "customers")`), None when it does not exist."""
        ...


class Writer(Engine, Protocol):
    """An engine opened for writing: statements run only inside one transaction, all or nothing."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...


@overload
def connect(target: Target, root: Path, *, write: Literal[False] = False) -> Engine: ...
@overload
def connect(target: Target, root: Path, *, write: Literal[True]) -> Writer: ...
def connect(target: Target, root: Path, *, write: bool = False) -> Engine | Writer:
    """Open a target from segql.yml; `${VAR}` settings are read from the environment here. Read-only unless
    `write` (materialize and snapshot)."""
    settings = target.resolved()
    if target.type == "duckdb":
        from segql.engines.duckdb import DuckDBEngine

        return DuckDBEngine(target, settings, root, write=write)
    if target.type == "postgres":
        from segql.engines.postgres import PostgresEngine

        return PostgresEngine(target, settings, root, write=write)
    if target.type == "snowflake":
        from segql.engines.snowflake import SnowflakeEngine

        return SnowflakeEngine(target, settings, root, write=write)
    if target.type == "clickhouse":
        from segql.engines.clickhouse import ClickHouseEngine

        return ClickHouseEngine(target, settings, root, write=write)
    if target.type in ("spark", "databricks"):
        from segql.engines.spark import DatabricksEngine, SparkEngine

        return (SparkEngine if target.type == "spark" else DatabricksEngine)(target, settings, root, write=write)
    raise DiagnosticError([Diagnostic("E405", f"target `{target.name}` has type `{target.type}`, which this command "
                                      "cannot run yet", target.span, "not supported here",
                                      "use a duckdb, postgres, snowflake, clickhouse, spark or databricks target, or `segql compile` and run "
                                      "the SQL with your client")])
