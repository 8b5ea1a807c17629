"""The embedded DuckDB engine: a database file (opened read-only, or read-write for materialize and snapshot only)
or `:memory:`. Imports duckdb; loaded only by commands that run queries.

A target with `tables:` (schema tables read from Parquet/CSV/JSON files) is an in-memory database of views: one per
mapped table over its files, and, when the target also names a database file, one per table of that file, which is
attached read-only. Nothing is ever written to the files or the database file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.project import TableFile, Target, redact


class DuckDBEngine:
    dialect = "duckdb"

    def __init__(self, target: Target, settings: dict[str, str], root: Path, *, write: bool = False) -> None:
        self.target = target
        self.writable = write
        self.in_transaction = False
        self.secrets = target.secrets()
        path = settings.get("path", ":memory:")
        shown = target.settings.get("path", ":memory:")  # as written: `${VAR}` values are never shown
        if path != ":memory:":
            full = (root / path) if not Path(path).is_absolute() else Path(path)
            if not full.exists():
                raise DiagnosticError([Diagnostic(
                    "E402", f"target `{target.name}`: the database file `{shown}` does not exist", target.span,
                    "no such file", "create it first (for the example project: `make demo`)")])
            path = str(full)
        if target.tables:
            if write:
                raise DiagnosticError([Diagnostic(
                    "E406", f"target `{target.name}` reads tables from files and cannot be written to", target.span,
                    "maps tables to files", "materialize and snapshot need a target without `tables:`")])
            self.connection = duckdb.connect(":memory:")
            self._map_tables(path, root)
            return
        try:
            self.connection = duckdb.connect(path, read_only=path != ":memory:" and not write)
        except duckdb.Error as err:
            raise DiagnosticError([Diagnostic("E402", f"target `{target.name}`: cannot open DuckDB database: "
                                              f"{self._redact(str(err))}", target.span, "cannot open")]) from None

    def _map_tables(self, path: str, root: Path) -> None:
        """Views in the in-memory database: the mapped tables over their files, the rest over the database file."""
        mapped = {m.table.lower() for m in self.target.tables}
        statements: list[tuple[TableFile | None, str, str, str]] = []  # (mapping, schema, table, select)
        if path != ":memory:":
            try:
                self.connection.execute(f"ATTACH {_literal(path)} AS {_SOURCE} (READ_ONLY)")
            except duckdb.Error as err:
                raise DiagnosticError([Diagnostic("E402", f"target `{self.target.name}`: cannot open DuckDB "
                                                  f"database: {self._redact(str(err))}", self.target.span,
                                                  "cannot open")]) from None
            found = self.connection.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? UNION "
                "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? AND NOT internal",
                [_SOURCE, _SOURCE]).fetchall()
            for schema, table in sorted(found):
                if f"{schema}.{table}".lower() not in mapped and (schema != "main" or table.lower() not in mapped):
                    statements.append((None, schema, table, f"SELECT * FROM {_SOURCE}.{_name(schema)}.{_name(table)}"))
        for table_file in self.target.tables:
            location = self.target.resolve(table_file.location, f"tables: {table_file.table}")
            if "://" not in location and not Path(location).is_absolute():
                location = str(root / location)
            parts = table_file.table.split(".")
            schema, table = (parts[-2] if len(parts) > 1 else "main"), parts[-1]
            statements.append((table_file, schema, table, f"SELECT * FROM {table_file.reader}({_literal(location)})"))
        for mapping, schema, table, select in statements:
            try:
                self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {_name(schema)}")
                self.connection.execute(f"CREATE OR REPLACE VIEW {_name(schema)}.{_name(table)} AS {select}")
            except duckdb.Error as err:
                where = f"`{mapping.table}` from `{mapping.location}`" if mapping else f"`{schema}.{table}`"
                raise DiagnosticError([Diagnostic(
                    "E406" if mapping else "E402", f"target `{self.target.name}`: cannot read {where}: "
                    f"{self._redact(str(err).splitlines()[0])}", mapping.span if mapping else self.target.span,
                    "cannot read", "check the path (relative to segql.yml) and that the glob matches files")]) from None

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def columns(self, table: tuple[str, ...]) -> list[str] | None:
        """The columns of a table or view (in order), or None when there is none of that name."""
        parts = [p.lower() for p in table]
        where = ["lower(table_name) = ?"]
        if len(parts) >= 2:
            where.append("lower(schema_name) = ?")
        else:
            where.append("schema_name = current_schema()")
        if len(parts) >= 3:
            where.append("lower(database_name) = ?")
        else:
            where.append("database_name = current_database()")
        params = [parts[-1], *([parts[-2]] if len(parts) >= 2 else []), *([parts[-3]] if len(parts) >= 3 else [])]
        rows = self.connection.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE " + " AND ".join(where) +
            " ORDER BY column_index", params).fetchall()
        return [column for _, column in rows] if rows else None

    def query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        try:
            cursor = self.connection.execute(sql, list(params) or None)
            rows = cursor.fetchall()
        except duckdb.Error as err:
            first = self._redact(str(err).splitlines()[0])
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

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement that returns no rows; only inside transaction()."""
        if not self.in_transaction:
            raise RuntimeError("execute() runs only inside transaction()")
        self._execute(sql, params)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        try:
            self.connection.execute(sql, list(params) or None)
        except duckdb.Error as err:
            first = self._redact(str(err).splitlines()[0])
            raise DiagnosticError([Diagnostic("E403", f"a statement failed on target `{self.target.name}`: {first}",
                                              self.target.span, "statement failed")]) from None

    def close(self) -> None:
        self.connection.close()


_SOURCE = "segql_source"  # the catalog a database file is attached as, under a target with `tables:`


def _name(identifier: str) -> str:
    """A quoted identifier: schema table names come from schema.yml, file locations are only ever literals."""
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
