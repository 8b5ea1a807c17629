"""Rendering a compiled query as SQL text: pretty, deterministic, and an E301 diagnostic (never wrong
SQL) when the dialect cannot express a construct. Imports sqlglot and segql.dialects.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, UnsupportedError

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.dialects import get_dialect

DIALECT_KEY = "segql_dialect"  # query.meta: the dialect the query was compiled for

_GENERATORS: dict[str, tuple[Dialect, type[Any], bool]] = {}


def _generator(name: str) -> tuple[Dialect, type[Any], bool]:
    """sqlglot's generator for the dialect, less its rewrites of SELECT before generating (QUALIFY,
    DISTINCT ON, semi/anti joins, UNNEST, named windows, CONNECT BY…): the compiler never builds those
    constructs, and the rewrites walk the scopes of every subquery, which took half of Snowflake's render
    time (DESIGN §8: render dominates compile time). Without the rewrites the tree is not changed, so it
    need not be copied first. The compiled sqlglot[c] build's classes cannot be subclassed: there, the
    stock generator (third item False: copy the tree)."""
    found = _GENERATORS.get(name)
    if found is None:
        dialect = Dialect.get_or_raise(name)
        base = dialect.generator_class
        transforms = {k: v for k, v in base.TRANSFORMS.items() if k is not exp.Select}
        try:
            generator = type(f"Segql{base.__name__}", (base,), {"TRANSFORMS": transforms,
                                                                  "identifier_sql": _cached_identifier_sql(base)})
            generator(dialect=dialect)  # a compiled base refuses here, not when subclassed
            found = (dialect, generator, True)
        except TypeError:
            found = (dialect, base, False)
        _GENERATORS[name] = found
    return found


def _cached_identifier_sql(base: type[Any]) -> Any:
    """The generator's identifier_sql, remembered per name and quoting: a query names the same few columns and
    aliases hundreds of times, and every render of a dialect uses the same settings (identify=False)."""
    cache: dict[tuple[str, bool], str] = {}
    uncached = base.identifier_sql

    def identifier_sql(self: Any, expression: exp.Identifier) -> str:
        if expression.comments:
            return uncached(self, expression)
        key = (expression.this, bool(expression.args.get("quoted")))
        found = cache.get(key)
        if found is None:
            found = cache[key] = uncached(self, expression)
        return found

    return identifier_sql


def render(query: exp.Expression, dialect: str) -> str:
    """The SQL text of a query compiled by compile_segment for the same dialect (no trailing newline)."""
    d = get_dialect(dialect)
    compiled_for = query.meta.get(DIALECT_KEY) if query.meta else None
    if compiled_for is not None and compiled_for != d.name:
        raise DiagnosticError([Diagnostic(
            "E301", f"this query was compiled for {compiled_for}, not {d.name}",
            hint=f"compile the segment again with dialect `{d.name}`")])
    sqlglot_dialect, generator, unchanged = _generator(d.name)
    finished = d.finish(query)  # ClickHouse: its SETTINGS clause (a copy; the query given is unchanged)
    try:
        return generator(dialect=sqlglot_dialect, pretty=True, identify=False,
                         unsupported_level=ErrorLevel.RAISE).generate(finished, copy=not unchanged and finished is query)
    except UnsupportedError as err:
        raise DiagnosticError([Diagnostic("E301", f"{d.name} cannot express part of this segment: {err}")]) from None
