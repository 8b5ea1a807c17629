"""Engines: run compiled SQL on a target and bring rows back. DuckDB is built in; PostgreSQL (psycopg) loads lazily.

Only SELECT statements reach a target from `run` and `count`. Imports no sqlglot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.project import Target


class Engine(Protocol):
    dialect: str

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]: ...

    def close(self) -> None: ...


def connect(target: Target, root: Path) -> Engine:
    """Open a target from segql.yml; `${VAR}` settings are read from the environment here."""
    settings = target.resolved()
    if target.type == "duckdb":
        from segql.engines.duckdb import DuckDBEngine

        return DuckDBEngine(target, settings, root)
    if target.type == "postgres":
        from segql.engines.postgres import PostgresEngine

        return PostgresEngine(target, settings, root)
    raise DiagnosticError([Diagnostic("E405", f"target `{target.name}` has type `{target.type}`, which this command "
                                      "cannot run yet", target.span, "not supported here",
                                      "use a duckdb target, or `segql compile` and run the SQL with your client")])
