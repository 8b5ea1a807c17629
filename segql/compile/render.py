"""Rendering a compiled query as SQL text: pretty, deterministic, string literals safe whatever the session's
settings, and an E301 diagnostic (never wrong SQL) when the dialect cannot express a construct. For the engines
whose driver binds values, `render_bound` sends the strings as parameters instead. Imports sqlglot and
segql.dialects.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, UnsupportedError

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.dialects import SqlDialect, get_dialect

DIALECT_KEY = "segql_dialect"  # query.meta: the dialect the query was compiled for

_GENERATORS: dict[str, tuple[Dialect, type[Any], bool]] = {}
# Statements whose string values an engine's driver may bind as parameters: the ones a server plans. DDL (a view's
# SELECT, CREATE TABLE AS) takes no parameters, and an INTERVAL's quantity must be a literal.
_BINDABLE = (exp.Select, exp.Union, exp.Insert, exp.Delete, exp.Update)


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
        overrides = {"TRANSFORMS": transforms, "identifier_sql": _cached_identifier_sql(base)}
        if get_dialect(name).string_sql("") is not None:
            overrides["literal_sql"] = _safe_literal_sql(base, get_dialect(name))
        try:
            generator = type(f"Segql{base.__name__}", (base,), overrides)
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


def _safe_literal_sql(base: type[Any], d: SqlDialect) -> Any:
    """The generator's literal_sql with strings written by the dialect (`SqlDialect.string_sql`)."""
    uncached = base.literal_sql

    def literal_sql(self: Any, expression: exp.Literal) -> str:
        if not expression.is_string:
            return str(uncached(self, expression))
        return str(self._replace_line_breaks(d.string_sql(expression.this)))

    return literal_sql


def _safe_strings(query: exp.Expression) -> exp.Expression:
    """A copy of the query for a stock generator (sqlglot[c]), which cannot take `_safe_literal_sql`: each string
    holding a backslash becomes an escape string node, which PostgreSQL's generator writes E'…' with every
    backslash doubled (what `Postgres.string_sql` writes)."""

    def safe(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Literal) and node.is_string and "\\" in node.this:
            return exp.ByteString(this=node.this)
        return node

    return query.transform(safe)


def render_bound(query: exp.Expression, dialect: str) -> tuple[str, list[str]]:
    """The SQL text of a query with its string values as parameters ($1, $2…, in order) and the values, for an
    engine whose driver binds them (`SqlDialect.binds_strings`); else the text of `render` and no values.

    A string inside an INTERVAL stays a literal (its quantity must be one), and so does every string of a
    statement the server does not plan (CREATE VIEW, CREATE TABLE AS): render writes those safely."""
    d = get_dialect(dialect)
    if not d.binds_strings or not isinstance(query, _BINDABLE):
        return render(query, dialect), []
    values: list[str] = []

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Literal) and node.is_string and not isinstance(node.parent, exp.Interval):
            values.append(node.this)
            return exp.Parameter(this=exp.Literal.number(len(values)))
        return node

    bound = query.transform(bind)
    bound.meta.update(query.meta)
    return render(bound, dialect), values


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
    if not unchanged and d.string_sql("") is not None:
        finished = _safe_strings(finished)  # a copy too
    try:
        return generator(dialect=sqlglot_dialect, pretty=True, identify=False,
                         unsupported_level=ErrorLevel.RAISE).generate(finished, copy=not unchanged and finished is query)
    except UnsupportedError as err:
        raise DiagnosticError([Diagnostic("E301", f"{d.name} cannot express part of this segment: {err}")]) from None
