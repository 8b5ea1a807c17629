"""The embedded DuckDB engine: a database file (opened read-only, or read-write for materialize and snapshot only)
or `:memory:`. Imports duckdb; loaded only by commands that run queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.project import Target


class DuckDBEngine:
    dialect = "duckdb"

    def __init__(self, target: Target, settings: dict[str, str], root: Path, *, write: bool = False) -> None:
        self.target = target
        self.writable = write
        self.in_transaction = False
        path = settings.get("path", ":memory:")
        if path != ":memory:":
            full = (root / path) if not Path(path).is_absolute() else Path(path)
            if not full.exists():
                raise DiagnosticError([Diagnostic(
                    "E402", f"target `{target.name}`: the database file `{path}` does not exist", target.span,
                    "no such file", "create it first (for the example project: `make demo`)")])
            path = str(full)
        try:
            self.connection = duckdb.connect(path, read_only=path != ":memory:" and not write)
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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction for the statements execute() runs in it: committed at the end, rolled back on any error."""
        if not self.writable or self.in_transaction:
            raise RuntimeError("transaction() needs an engine opened for writing and no transaction already open")
        self.connection.execute("BEGIN TRANSACTION")
        self.in_transaction = True
        try:
            yield
            self._execute("COMMIT")
        except BaseException:
            try:
                self.connection.execute("ROLLBACK")
            except duckdb.Error:  # a failed COMMIT has already rolled back
                pass
            raise
        finally:
            self.in_transaction = False

    def execute(self, sql: str) -> None:
        """Run one statement that returns no rows; only inside transaction()."""
        if not self.in_transaction:
            raise RuntimeError("execute() runs only inside transaction()")
        self._execute(sql)

    def _execute(self, sql: str) -> None:
        try:
            self.connection.execute(sql)
        except duckdb.Error as err:
            first = str(err).splitlines()[0]
            raise DiagnosticError([Diagnostic("E403", f"a statement failed on target `{self.target.name}`: {first}",
                                              self.target.span, "statement failed")]) from None

    def close(self) -> None:
        self.connection.close()
