"""The compiler: CheckedSegment → sqlglot SELECT of the members' keys → SQL text per dialect, in stages
(docs/compiler.md): planner (checked tree → plan) → rewrites (of the plan) → lower (plan → sqlglot, per dialect).

Dialect-neutral (the dialects/ layer builds what differs). Imports sqlglot, segql.check.tree, segql.dialects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlglot import exp

from segql.check import tree as t
from segql.check.tree import CheckedSegment
from segql.compile.constants import Constants, bind_params
from segql.compile.dates import FIRST, LAST, OutOfCalendar
from segql.compile.lower import Columns, lower
from segql.compile.plan import Output
from segql.compile.planner import plan_query
from segql.compile.render import DIALECT_KEY, render
from segql.compile.rewrites import rewrite
from segql.compile.tables import EventTable, LookupTable, TableMap
from segql.diagnostics import Diagnostic, DiagnosticError, UsageProblem
from segql.dialects import SqlDialect, get_dialect


def compile_segment(segment: CheckedSegment, *, tables: TableMap, dialect: str, as_of: dt.date | None,
                    timezone: str = "UTC", params: dict[str, Any] | None = None) -> exp.Select:
    """One SELECT of the key of every member of the segment, for `dialect`, as of `as_of` (None: the
    current date in `timezone`). `params` override the segment's parameter defaults (Python values, or text
    parsed by the declared type). User mistakes raise DiagnosticError (E206, E227, E301)."""
    d = get_dialect(dialect)
    check_as_of(as_of)
    constants = Constants(as_of, timezone, bind_params(segment, params))
    with within_calendar(segment, as_of):
        return _columns((), tables, d, constants, segment.condition).select()


def compile_memberships(segments: Sequence[CheckedSegment], *, tables: TableMap, dialect: str,
                        as_of: dt.date | None, timezone: str = "UTC",
                        params: Mapping[str, dict[str, Any]] | None = None,
                        columns: Sequence[str] | None = None) -> exp.Select:
    """One SELECT of every customer's key and, per segment, a TRUE/FALSE column named after it, or after the
    segment's item of `columns` (`run --all`): one pass over each event table serves every segment. `params` maps
    a segment's name to its overrides."""
    d = get_dialect(dialect)
    check_as_of(as_of)
    constants = Constants(as_of, timezone, {})
    names = list(columns) if columns is not None else [s.name for s in segments]
    outputs = [Output(name, s.condition, bind_params(s, (params or {}).get(s.name)))
               for name, s in zip(names, segments, strict=True)]
    try:
        return _columns(outputs, tables, d, constants).select()
    except OutOfCalendar:  # which segments: each compiled alone says, at its own position
        problems: list[Diagnostic] = []
        for s in segments:
            try:
                compile_segment(s, tables=tables, dialect=dialect, as_of=as_of, timezone=timezone,
                                params=(params or {}).get(s.name))
            except DiagnosticError as err:
                problems += err.diagnostics
        if not problems:
            raise
        raise DiagnosticError(problems) from None


def compile_columns(outputs: Sequence[Output], *, tables: TableMap, dialect: str, as_of: dt.date | None,
                    timezone: str = "UTC", where: t.Expr | None = None,
                    params: Mapping[str, Any] | None = None) -> Columns:
    """Several checked expressions over one shared FROM: the customer table and the lookups, event passes (one per
    event table, every aggregate of every output in it) and ranks table they read, each output a column. An
    Output's `params` are its parameter values (see `bind_params`). With `where` (its parameter values `params`),
    only the customers for whom it holds: a pass is INNER JOINed where a customer without its events can't be one.
    `Columns.select()` is the memberships query; `Columns.select([...])` any other over the same joins, such as
    `COUNT(*) FILTER (WHERE column)` per column."""
    d = get_dialect(dialect)
    check_as_of(as_of)
    constants = Constants(as_of, timezone, params or {})
    return _columns(outputs, tables, d, constants, where)


def _columns(outputs: Sequence[Output], tables: TableMap, d: SqlDialect, constants: Constants,
             where: t.Expr | None = None) -> Columns:
    query = rewrite(plan_query(tables, outputs=outputs, where=where, params=constants.params), constants, d)
    return lower(query, tables, d, constants)


def check_as_of(as_of: dt.date | None) -> None:
    """An as-of date the compiler can count from: a day inside the calendar (a day before and after it exist)."""
    if as_of is not None and not FIRST <= as_of <= LAST:
        raise UsageProblem(f"the as-of date {as_of.isoformat()} is outside the dates segql computes with "
                           f"({FIRST.isoformat()} to {LAST.isoformat()})")


@contextmanager
def within_calendar(segment: CheckedSegment, as_of: dt.date | None) -> Iterator[None]:
    """A date folded while compiling that falls outside the calendar is diagnostic E302, at the segment."""
    try:
        yield
    except OutOfCalendar as err:
        when = f"as of {as_of.isoformat()}" if as_of is not None else "out of range"
        raise DiagnosticError([Diagnostic(
            "E302", f"segment `{segment.name}`: {err} falls outside the calendar (years 1 to 9999)",
            segment.definition.span, when, "shorten the window or duration (a window longer than the data selects "
            "nothing more: `has orders` needs none), or choose another --as-of")]) from None


__all__ = ["Columns", "EventTable", "LookupTable", "Output", "TableMap", "bind_params", "compile_columns",
           "compile_memberships", "compile_segment", "render", "DIALECT_KEY"]
