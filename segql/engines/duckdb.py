"""The embedded DuckDB engine: a database file (opened read-only) or `:memory:`.

Imports duckdb; loaded only by commands that run queries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.project import Target


class DuckDBEngine:
    dialect = "duckdb"

    def __init__(self, target: Target, settings: dict[str, str], root: Path) -> None:
        self.target = target
        path = settings.get("path", ":memory:")
        if path != ":memory:":
            full = (root / path) if not Path(path).is_absolute() else Path(path)
            if not full.exists():
                raise DiagnosticError([Diagnostic(
                    "E402", f"target `{target.name}`: the database file `{path}` does not exist", target.span,
                    "no such file", "create it first (for the example project: `make demo`)")])
            path = str(full)
        try:
            self.connection = duckdb.connect(path, read_only=path != ":memory:")
        except duckdb.Error as err:
            raise DiagnosticError([Diagnostic("E402", f"target `{target.name}`: cannot open DuckDB database: {err}",
                                              target.span, "cannot open")]) from None

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        try:
            cursor = self.connection.execute(sql)
            rows = cursor.fetchall()
        except duckdb.Error as err:
            first = str(err).splitlines()[0]
            raise DiagnosticError([Diagnostic("E403", f"the query failed on target `{self.target.name}`: {first}",
                                              self.target.span, "query failed",
                                              "check that the tables and columns of schema.yml exist in the target")]) from None
        columns = [d[0] for d in cursor.description or []]
        return columns, rows

    def close(self) -> None:
        self.connection.close()
