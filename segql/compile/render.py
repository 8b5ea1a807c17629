"""Rendering a compiled query as SQL text: pretty, deterministic, and an E301 diagnostic (never wrong
SQL) when the dialect cannot express a construct. Imports sqlglot and segql.dialects.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import ErrorLevel, UnsupportedError

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.dialects import get_dialect

DIALECT_KEY = "segql_dialect"  # query.meta: the dialect the query was compiled for


def render(query: exp.Expression, dialect: str) -> str:
    """The SQL text of a query compiled by compile_segment for the same dialect (no trailing newline)."""
    d = get_dialect(dialect)
    compiled_for = query.meta.get(DIALECT_KEY) if query.meta else None
    if compiled_for is not None and compiled_for != d.name:
        raise DiagnosticError([Diagnostic(
            "E301", f"this query was compiled for {compiled_for}, not {d.name}",
            hint=f"compile the segment again with dialect `{d.name}`")])
    try:
        return query.sql(dialect=d.name, pretty=True, identify=False, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as err:
        raise DiagnosticError([Diagnostic("E301", f"{d.name} cannot express part of this segment: {err}")]) from None
