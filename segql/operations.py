"""Operating segments on a target: the members of many segments, their sizes and overlaps (each one query over the
memberships of compile_memberships), and a check that the target holds the tables and columns schema.yml declares.

Library code: raises DiagnosticError / UsageProblem, never prints. Imports segql.api, segql.compile, segql.engines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from math import isqrt
from typing import TYPE_CHECKING, Any

from segql.api import Workspace, fetch, schema_tables
from segql.check.tree import CheckedSegment
from segql.diagnostics import Diagnostic, DiagnosticError, UsageProblem, did_you_mean

if TYPE_CHECKING:
    from sqlglot import exp

    from segql.engines import Engine

Params = Mapping[str, dict[str, Any]]  # segment name -> its parameter overrides


def memberships_query(ws: Workspace, segments: Sequence[CheckedSegment], dialect: str, as_of: dt.date | None,
                      params: Params | None = None) -> tuple[exp.Select, list[str]]:
    """One SELECT of every customer's key and a TRUE/FALSE column per segment (one pass per event table), and the
    names of those columns: numbered, so that no segment's name can collide with the key or another's."""
    from segql.compile import TableMap, compile_memberships
    from segql.compile.summaries import numbered_names

    flags = numbered_names("flag_", len(segments), [ws.loaded.schema.key_column])
    query = compile_memberships(segments, tables=TableMap.from_schema(ws.loaded.schema), dialect=dialect,
                                as_of=as_of, timezone=ws.project.timezone, params=params, columns=flags)
    return query, flags


def output_columns(ws: Workspace, names: Sequence[str], *, include_pii: bool) -> list[str]:
    """The customer attributes asked for by name, checked: known, and PII only with `include_pii` (DESIGN §9)."""
    attributes = ws.loaded.schema.attributes
    out: list[str] = []
    for name in names:
        if name not in attributes:
            hint = did_you_mean(name, attributes)
            raise UsageProblem(f"--columns: `{name}` is not an attribute of the customer table"
                               + (f"; {hint}" if hint else ""))
        if attributes[name].pii and not include_pii:
            raise UsageProblem(f"--columns: `{name}` is personal data (pii: true in schema.yml); add --include-pii "
                               "to write it")
        if name not in out and name != ws.loaded.schema.key:
            out.append(name)
    return out


def with_groups(segments: Sequence[CheckedSegment], params: Params | None = None
                ) -> tuple[list[CheckedSegment], dict[str, dict[str, Any]]]:
    """The segments, each followed by one segment per group of its splits or priority list, named `s.group` (as `in
    segment s.group` names it) and holding membership in that group (DESIGN §3.13): counted, run and snapshotted
    like any segment, so `count` gives sizes per group, `snapshot` records who is in which group and `changes`
    who moved. Their parameter overrides are their segment's."""
    out: list[CheckedSegment] = []
    overrides = dict(params or {})
    for segment in segments:
        out.append(segment)
        for group in segment.groups:
            name = group_segment_name(segment.name, group.name)
            out.append(replace(segment, name=name, condition=group.condition, groups=(), group_kind=""))
            if segment.name in overrides:
                overrides[name] = overrides[segment.name]
    return out, overrides


def group_segment_name(segment: str, group: str) -> str:
    return f"{segment}.{group}"


@dataclass(slots=True)
class Members:
    """Customers in at least one of the segments: rows of (key, *columns, *one bool per segment), by key."""

    segments: list[str]
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def of(self, segment: str) -> list[Any]:
        at = 1 + len(self.columns) + self.segments.index(segment)
        return [row[0] for row in self.rows if row[at]]

    def group(self, row: tuple[Any, ...], segment: CheckedSegment) -> str | None:
        """The group of the segment a row's customer is in (the segments were given `with_groups`), or None."""
        width = 1 + len(self.columns)
        for group in segment.groups:
            if row[width + self.segments.index(group_segment_name(segment.name, group.name))]:
                return group.name
        return None

    def long(self) -> list[tuple[Any, ...]]:
        """(segment, key, *columns) per membership, segment by segment in the order given, keys in order."""
        width = 1 + len(self.columns)
        return [(name, *row[:width]) for i, name in enumerate(self.segments) for row in self.rows if row[width + i]]


def members(ws: Workspace, engine: Engine, segments: Sequence[CheckedSegment], as_of: dt.date | None,
            params: Params | None = None, columns: Sequence[str] = ()) -> Members:
    """The members of every segment, from one query; `columns` are customer attributes (checked by output_columns)."""
    from segql.compile.summaries import members_of_any, with_customer_columns
    from segql.dialects import get_dialect

    schema = ws.loaded.schema
    limit = get_dialect(engine.dialect).max_columns
    size = len(segments) if limit is None else max(1, limit - 1 - len(columns))  # columns of a memberships query
    width = 1 + len(columns)
    merged: dict[Any, list[Any]] = {}
    for start in range(0, max(1, len(segments)), max(1, size)):
        group = segments[start:start + size]
        query, flags = memberships_query(ws, group, engine.dialect, as_of, params)
        added = with_customer_columns(query, [schema.attributes[name].column for name in columns], engine.dialect)
        _, rows = fetch(engine, members_of_any(query, schema.key_column, flags, added, engine.dialect))
        if len(group) == len(segments):
            return Members([s.name for s in segments], list(columns), [tuple(row) for row in rows])
        for row in rows:  # several queries (too many segments for one): each customer's flags put together
            found = merged.setdefault(row[0], [*row[:width], *([False] * len(segments))])
            found[width + start:width + start + len(group)] = row[width:]
    rows_by_key = [tuple(merged[key]) for key in sorted(merged)]
    return Members([s.name for s in segments], list(columns), rows_by_key)


@dataclass(slots=True)
class Sizes:
    """How many customers there are, how many each segment holds and (for overlap) each pair shares."""

    customers: int
    sizes: dict[str, int]
    both: dict[tuple[str, str], int] = field(default_factory=dict)

    def share(self, segment: str) -> float:
        return self.sizes[segment] / self.customers if self.customers else 0.0

    def jaccard(self, a: str, b: str) -> float:
        """|A ∩ B| / |A ∪ B|; 1.0 for a segment with itself, 0.0 when both are empty."""
        both = self.sizes[a] if a == b else self.both[_pair(a, b)]
        union = self.sizes[a] + self.sizes[b] - both
        return both / union if union else 0.0

    def intersection(self, a: str, b: str) -> int:
        return self.sizes[a] if a == b else self.both[_pair(a, b)]


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def sizes(ws: Workspace, engine: Engine, segments: Sequence[CheckedSegment], as_of: dt.date | None,
          params: Params | None = None, *, pairs: bool = False) -> Sizes:
    """Sizes (and with `pairs` pairwise intersections) of segments and the number of customers: one query, or
    several where the engine's limit on a SELECT's columns needs it (PostgreSQL's 1664: `overlap` of 58 segments
    is 1711 columns)."""
    from segql.compile.summaries import counts
    from segql.dialects import get_dialect

    names = [s.name for s in segments]
    wanted = list(combinations(range(len(names)), 2)) if pairs else []
    result = Sizes(0, {})
    for chosen, with_sizes, chosen_pairs in count_queries(len(names), wanted, get_dialect(engine.dialect).max_columns):
        memberships, flags = memberships_query(ws, [segments[i] for i in chosen], engine.dialect, as_of, params)
        local = {i: k for k, i in enumerate(chosen)}
        query = counts(memberships, flags, engine.dialect, sizes=with_sizes,
                       pairs=[(local[i], local[j]) for i, j in chosen_pairs])
        _, rows = fetch(engine, query)
        values = [int(v or 0) for v in rows[0]]
        result.customers = values[0]
        if with_sizes:
            result.sizes.update((names[i], value) for i, value in zip(chosen, values[1:], strict=False))
        for (i, j), value in zip(chosen_pairs, values[1 + len(chosen) * with_sizes:], strict=True):
            result.both[_pair(names[i], names[j])] = value
    result.sizes = {name: result.sizes[name] for name in names}
    return result


def count_queries(n: int, pairs: list[tuple[int, int]], limit: int | None
                  ) -> list[tuple[list[int], bool, list[tuple[int, int]]]]:
    """How to count n segments and their `pairs` in queries of at most `limit` columns, both inside (the key and a
    column per segment) and outside (the customers, a size per segment, a count per pair): (the segments a query
    reads, whether it gives their sizes, the pairs it counts). One query when all fits; else the sizes by groups,
    and the pairs by blocks of b segments (a block with itself, or two blocks: 2b + 1 and b² + 1 columns)."""
    if limit is None or (n + 1 <= limit and 1 + n + len(pairs) <= limit):
        return [(list(range(n)), True, pairs)]
    plan: list[tuple[list[int], bool, list[tuple[int, int]]]] = [
        (list(range(start, min(n, start + limit - 1))), True, []) for start in range(0, n, limit - 1)]
    if pairs:
        b = max(1, isqrt(limit - 1))
        blocks = [range(start, min(n, start + b)) for start in range(0, n, b)]
        wanted = set(pairs)
        for x, first in enumerate(blocks):
            for second in blocks[x:]:
                chosen = sorted({*first, *second})
                inside = [(i, j) for i in first for j in second if (i, j) in wanted]
                if inside:
                    plan.append((chosen, False, inside))
    return plan


@dataclass(slots=True)
class TableCheck:
    """One table of schema.yml on a target: whether it exists and which declared columns it lacks."""

    role: str  # "customer table", "lookup `address`", "event `orders`"
    table: str  # dotted, as in schema.yml
    declared: list[str]
    exists: bool = True
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exists and not self.missing


def declared_columns(ws: Workspace) -> dict[tuple[str, ...], list[str]]:
    """Per table of the schema (its name parts): the physical columns segql reads there — attributes, key, join and time
    columns — in declaration order."""
    schema = ws.loaded.schema
    out: dict[tuple[str, ...], list[str]] = {}

    def add(table: tuple[str, ...], columns: Sequence[str | None]) -> None:
        known = out.setdefault(table, [])
        for column in columns:
            if column and column not in known:
                known.append(column)

    add(schema.table, [schema.key_column, *(a.column for a in schema.attributes.values()),
                       *(c for lk in schema.lookups.values() for c, _ in lk.on)])
    for lookup in schema.lookups.values():
        add(lookup.table, [*(lc for _, lc in lookup.on), *(a.column for a in lookup.attributes.values())])
    for event in schema.events.values():
        add(event.table, [event.key, event.time, *(a.column for a in event.attributes.values())])
    return out


def check_tables(ws: Workspace, engine: Engine) -> list[TableCheck]:
    """Every table of the schema on the target: present, and holding every column segql reads (case-insensitive
    where the engine folds names)."""
    reader = getattr(engine, "columns", None)  # a ColumnLister; not every engine is one yet
    if reader is None:
        raise DiagnosticError([Diagnostic("E405", f"cannot list the columns of tables on a {engine.dialect} target "
                                          "yet", hint="run `segql compile` and check the tables with your client")])
    roles = schema_tables(ws.loaded.schema)
    out = []
    for table, declared in declared_columns(ws).items():
        found = reader(table)
        check = TableCheck(roles[".".join(table)], ".".join(table), declared)
        if found is None:
            check.exists, check.missing = False, list(declared)
        else:
            have = {c.lower() for c in found}
            check.missing = [c for c in declared if c.lower() not in have]
        out.append(check)
    return out
