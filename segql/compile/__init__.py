"""The compiler: CheckedSegment → sqlglot SELECT of the members' keys → SQL text per dialect.

Dialect-neutral (the dialects/ layer builds what differs). Imports sqlglot, segql.check.tree, segql.dialects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlglot import exp

from segql.check.tree import CheckedSegment
from segql.compile.compiler import Compiler, bind_params
from segql.compile.render import DIALECT_KEY, render
from segql.compile.tables import EventTable, LookupTable, TableMap
from segql.dialects import get_dialect


def compile_segment(segment: CheckedSegment, *, tables: TableMap, dialect: str, as_of: dt.date | None,
                    timezone: str = "UTC", params: dict[str, Any] | None = None) -> exp.Select:
    """One SELECT of the key of every member of the segment, for `dialect`, as of `as_of` (None: the
    current date in `timezone`). `params` override the segment's parameter defaults (Python values, or text
    parsed by the declared type). User mistakes raise DiagnosticError (E206, E227, E301)."""
    d = get_dialect(dialect)
    compiler = Compiler(tables, d, as_of, timezone, bind_params(segment, params))
    query = compiler.query(segment.condition)
    query.meta[DIALECT_KEY] = d.name
    return query


def compile_memberships(segments: Sequence[CheckedSegment], *, tables: TableMap, dialect: str,
                        as_of: dt.date | None, timezone: str = "UTC",
                        params: Mapping[str, dict[str, Any]] | None = None,
                        columns: Sequence[str] | None = None) -> exp.Select:
    """One SELECT of every customer's key and, per segment, a TRUE/FALSE column named after it, or after the
    segment's item of `columns` (`run --all`): one pass over each event table serves every segment. `params` maps
    a segment's name to its overrides."""
    d = get_dialect(dialect)
    compiler = Compiler(tables, d, as_of, timezone, {})
    names = list(columns) if columns is not None else [s.name for s in segments]
    bound = [(name, s.condition, bind_params(s, (params or {}).get(s.name))) for name, s in zip(names, segments,
                                                                                              strict=True)]
    query = compiler.memberships(bound)
    query.meta[DIALECT_KEY] = d.name
    return query


__all__ = ["EventTable", "LookupTable", "TableMap", "compile_memberships", "compile_segment", "render"]
