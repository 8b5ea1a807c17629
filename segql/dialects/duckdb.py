"""DuckDB: the embedded default engine; its constructs are the portable ones, so little differs here.

Builds sqlglot nodes only.
"""

from __future__ import annotations

from segql.dialects.base import COMMON_RESERVED, SqlDialect


class DuckDB(SqlDialect):
    name = "duckdb"
    # DuckDB also reserves these as column names (sqlglot quotes them too).
    reserved = COMMON_RESERVED | frozenset("analyse analyze asymmetric collation deferrable do initially "
                                           "pivot pivot_longer pivot_wider placing returning symmetric "
                                           "unpivot variadic".split())
