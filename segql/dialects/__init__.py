"""The SQL dialects segql compiles to, one small module each: the constructs that differ between engines.

Imports sqlglot and segql.diagnostics only; the compiler asks `get_dialect(name)` for the object.
"""

from __future__ import annotations

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.dialects.base import SqlDialect
from segql.dialects.clickhouse import ClickHouse
from segql.dialects.duckdb import DuckDB
from segql.dialects.postgres import Postgres
from segql.dialects.snowflake import Snowflake
from segql.dialects.spark import Spark

DIALECTS: dict[str, SqlDialect] = {"duckdb": DuckDB(), "postgres": Postgres(), "snowflake": Snowflake(),
                                   "clickhouse": ClickHouse(), "spark": Spark()}
ALIASES = {"postgresql": "postgres", "databricks": "spark"}  # Databricks SQL is Spark SQL


def get_dialect(name: str) -> SqlDialect:
    """The dialect object for a name; an unsupported name is an E301 diagnostic."""
    dialect = DIALECTS.get(ALIASES.get(name.lower(), name.lower()))
    if dialect is None:
        raise DiagnosticError([Diagnostic(
            "E301", f"dialect `{name}` is not supported", hint="choose one of " + ", ".join(sorted(DIALECTS)))])
    return dialect


__all__ = ["DIALECTS", "SqlDialect", "get_dialect"]
