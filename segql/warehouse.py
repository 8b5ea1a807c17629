"""Operating segments in the warehouse: materialized views and tables of members, a history of daily snapshots,
and who entered and left a segment between two snapshots. Every statement is a sqlglot tree whose target is in
the one write schema the user named; it runs through an engine's Writer (one transaction per replacement).

Used by segql.cli.warehouse; imports sqlglot, segql.compile and segql.dialects; never prints or reads the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from segql.api import fetch
from segql.compile import Output, TableMap, bind_params, compile_columns, compile_memberships, compile_segment, render
from segql.compile.render import DIALECT_KEY, render_bound
from segql.compile.summaries import numbered_names
from segql.diagnostics import Diagnostic, DiagnosticError, UsageProblem
from segql.dialects import get_dialect

if TYPE_CHECKING:
    from segql.api import Workspace
    from segql.check.tree import CheckedSegment
    from segql.dialects.base import SqlDialect
    from segql.engines import Engine, Writer
    from segql.project import Target

HISTORY = "segql_history"  # (as_of, segment, <key>, definition_hash): one row per member per snapshot
SNAPSHOTS = "segql_snapshots"  # (as_of, segment, definition_hash, members): one row per snapshot taken, even empty
RESERVED_TABLES = (HISTORY, SNAPSHOTS)
HASH_DIALECT = "duckdb"  # the definition hash is the same whichever warehouse a snapshot was taken on
# Schemas segql never writes to, whatever schema.yml says.
SYSTEM_SCHEMAS = ("information_schema", "pg_catalog", "pg_toast")
# Where an unqualified table of schema.yml lives on each engine (its default search path).
DEFAULT_SCHEMA = {"duckdb": "main", "postgres": "public", "snowflake": "public"}
KEY_TYPES = {"integer": "BIGINT", "decimal": "DECIMAL(38, 9)", "date": "DATE", "timestamp": "TIMESTAMP"}
# The columns segql's tables and `changes` have beside the customer key: a key column named like one of them is
# `<key>_key` there (history_key).
OWN_COLUMNS = ("as_of", "segment", "definition_hash", "change")


# ---- the write schema ----


def data_schemas(ws: Workspace, engine: Engine) -> set[str]:
    """The schemas (lower-cased) holding the tables of schema.yml: the customer table, lookups and events. An
    unqualified table may be in any schema the session resolves unqualified names in (PostgreSQL's search path,
    Snowflake's connection schema), so those are asked for."""
    schema = ws.loaded.schema
    tables = [schema.table, *(lk.table for lk in schema.lookups.values()), *(ev.table for ev in schema.events.values())]
    found = {parts[-2].lower() for parts in tables if len(parts) >= 2}
    if any(len(parts) < 2 for parts in tables):
        found.add(DEFAULT_SCHEMA.get(engine.dialect, "public"))
        found |= session_schemas(engine)
    return found


def session_schemas(engine: Engine) -> set[str]:
    """The schemas an unqualified name may resolve to: PostgreSQL's whole search path (schemas that do not exist
    yet included: a table segql created there could shadow the data), else the current schema."""
    if engine.dialect == "postgres":
        setting = exp.Anonymous(this="current_setting", expressions=[exp.Literal.string("search_path")])
        _, rows = fetch(engine, exp.select(setting, exp.CurrentUser()))
        path, user = str(rows[0][0]), str(rows[0][1])
        return {user.lower() if name == "$user" else name.lower() for name in search_path_names(path)}
    _, rows = fetch(engine, exp.select(exp.Anonymous(this="current_schema")))
    return {str(r[0]).lower() for r in rows if r[0] is not None}


def search_path_names(path: str) -> list[str]:
    """The schema names of a PostgreSQL search_path setting, read as the server reads them: separated by commas,
    each bare (folded to lower case) or in double quotes (as written, `""` a quote; commas and spaces are part of
    the name there). A naive split at commas read `"my,data", public` as `"my` and `data"`, so a write schema
    `my,data` passed for one outside the path."""
    names: list[str] = []
    i, n = 0, len(path)
    while i < n:
        while i < n and path[i] in " \t\n,":
            i += 1
        if i >= n:
            break
        if path[i] == '"':
            name, i = [], i + 1
            while i < n and not (path[i] == '"' and path[i + 1:i + 2] != '"'):
                name.append(path[i])
                i += 2 if path[i] == '"' else 1
            names.append("".join(name))
            i += 1
        else:
            start = i
            while i < n and path[i] != ",":
                i += 1
            names.append(path[start:i].strip().lower())
    return names


def write_schema(ws: Workspace, target_name: str | None, given: str | None, engine: Engine) -> str:
    """The schema materialize and snapshot write to: --schema, else the target's `schema` setting; never a schema
    holding the customer data (E407), and never a default."""
    target = ws.target(target_name)
    name = given if given is not None else target.resolved().get("schema")
    if not name or not name.strip():
        raise UsageProblem(f"target `{target.name}` has no `schema` setting: name the schema segql may write to "
                           f"with --schema NAME or `schema: NAME` in the target (e.g. `schema: segments`)")
    limit = get_dialect(engine.dialect).max_name_bytes
    if limit is not None and len(name.encode()) > limit:
        raise DiagnosticError([Diagnostic(
            "E408", f"the write schema `{name}` is {len(name.encode())} bytes long; {engine.dialect} keeps only the "
            f"first {limit} of a name, so two such schemas would be one", target.span, "schema name too long",
            f"name a schema of at most {limit} bytes")])
    used = data_schemas(ws, engine)
    if name.lower() in used or name.lower() in SYSTEM_SCHEMAS or name.lower().startswith("pg_"):
        where = "holds tables of schema.yml" if name.lower() in used else "is a system schema"
        raise DiagnosticError([Diagnostic(
            "E407", f"segql will not write to schema `{name}` on target `{target.name}`: it {where}", target.span,
            "write schema refused",
            "name a schema of its own for segments (e.g. `schema: segments`); data schemas: " + ", ".join(sorted(used)))])
    return name


def open_writer(ws: Workspace, target: Target) -> Writer:
    """The target opened for writing (DuckDB read-write, PostgreSQL without READ ONLY): materialize and snapshot
    only; every other command opens targets read-only."""
    from segql.engines import connect

    return connect(target, ws.project.root, write=True)


# ---- names and small builders ----


def table_node(d: SqlDialect, schema: str, name: str) -> exp.Table:
    return exp.Table(this=d.identifier(name), db=d.identifier(schema))


def create_schema(d: SqlDialect, schema: str) -> exp.Create:
    return exp.Create(this=exp.Table(db=d.identifier(schema)), kind="SCHEMA", exists=True)


def statement_sql(statement: exp.Expression, dialect: str) -> str:
    return render(statement, dialect)


@contextmanager
def locked_transaction(writer: Writer, schema: str) -> Iterator[None]:
    """One transaction: everything executed in it takes effect, or nothing does.

    On PostgreSQL it first takes a lock of its own for the write schema, so that two runs at once (say, a cron job
    and a manual re-run of one day's snapshot) take turns instead of both deleting before either inserts, and what
    a run reads of the write schema stays true until it commits. DuckDB needs no lock: a database file has one
    writing process, and conflicting transactions in it fail."""
    with writer.transaction():
        execute_all(writer, schema_lock(writer.dialect, schema))
        yield


def execute_all(writer: Writer, statements: Sequence[exp.Expression]) -> None:
    """Each statement in its own call (string values bound where the driver takes them), all rendered before the
    first is run."""
    texts = [render_bound(s, writer.dialect) for s in statements]
    for text, values in texts:
        if values:
            writer.execute(text, values)
        else:
            writer.execute(text)


def schema_lock(dialect: str, schema: str) -> list[exp.Expression]:
    """The statement taking the write schema's lock, keyed by the name the server keeps (`--schema RACY` and
    `--schema racy` write to one schema, so they take one lock)."""
    if dialect != "postgres":
        return []
    stored = get_dialect(dialect).stored_name(schema)
    key = int.from_bytes(hashlib.sha256(f"segql write schema {stored}".encode()).digest()[:8], "big", signed=True)
    number = exp.Literal.number(key) if key >= 0 else exp.Neg(this=exp.Literal.number(-key))
    return [exp.select(exp.Anonymous(this="pg_advisory_xact_lock", expressions=[number]))]


@dataclass(frozen=True, slots=True)
class Existing:
    kind: str  # "TABLE" or "VIEW"
    columns: tuple[str, ...]


def find_relation(engine: Engine, schema: str, name: str) -> Existing | None:
    """The table or view `schema.name` that segql's statements name, in the current database, from
    information_schema, which DuckDB and PostgreSQL both have. Names are compared as the engine compares them:
    as it keeps them on PostgreSQL (where LOWER is ASCII-only under the C locale, so `Ünïcödé` once went unfound
    and was created twice), case-insensitively by the engine's own LOWER on DuckDB."""
    d = get_dialect(engine.dialect)

    def matches(column: str, value: str) -> exp.Expression:
        if d.quoted_names_exact:
            return exp.EQ(this=exp.column(column, "t"), expression=exp.Literal.string(d.stored_name(value)))
        return exp.EQ(this=exp.Lower(this=exp.column(column, "t")), expression=exp.Lower(this=exp.Literal.string(value)))

    where = exp.and_(matches("table_schema", schema), matches("table_name", name),
                     exp.EQ(this=exp.column("table_catalog", "t"), expression=exp.Anonymous(this="current_database")))
    kinds = exp.select(exp.column("table_type", "t")).from_(
        exp.Table(this=exp.to_identifier("tables"), db=exp.to_identifier("information_schema"),
                  alias=exp.TableAlias(this=exp.to_identifier("t")))).where(where)
    _, rows = fetch(engine, kinds)
    if not rows:
        return None
    kind = "VIEW" if str(rows[0][0]).upper() == "VIEW" else "TABLE"
    columns = exp.select(exp.column("column_name", "t")).from_(
        exp.Table(this=exp.to_identifier("columns"), db=exp.to_identifier("information_schema"),
                  alias=exp.TableAlias(this=exp.to_identifier("t")))).where(where.copy()).order_by(
        exp.column("ordinal_position", "t"))
    _, cols = fetch(engine, columns)
    return Existing(kind, tuple(str(c[0]) for c in cols))


# ---- materialize ----


@dataclass(frozen=True, slots=True)
class Materialized:
    segment: str
    relation: str  # schema.name
    kind: str  # "view" or "table"
    replaced: bool


def materialize_statements(ws: Workspace, segment: CheckedSegment, *, dialect: str, schema: str, kind: str,
                           as_of: dt.date | None, existing: Existing | None,
                           params: dict[str, Any] | None = None) -> list[exp.Expression]:
    """The statements replacing `schema.<segment>` with a view (as_of None: it reads the current date when
    queried) or a table (as_of pinned) of the segment's members (with `params` overriding its parameters' defaults,
    written into the view's SQL); run them in one transaction."""
    d = get_dialect(dialect)
    if segment.name.lower() in RESERVED_TABLES:
        raise UsageProblem(f"segment `{segment.name}` has the name of segql's history table; it cannot be materialized")
    key = ws.loaded.schema.key_column
    query = members_query(ws, segment, dialect=dialect, as_of=as_of, params=params)
    columns = [key, group_column(key)] if segment.groups else [key]
    target = table_node(d, schema, segment.name)
    wanted = kind.upper()
    statements: list[exp.Expression] = []

    def create(into: exp.Table, replace: bool) -> exp.Create:
        made = exp.Create(this=into, kind=wanted, replace=replace, expression=query)
        made.meta[DIALECT_KEY] = query.meta[DIALECT_KEY]
        return made

    def drop_existing() -> None:
        assert existing is not None
        statements.append(exp.Drop(tables=[table_node(d, schema, segment.name)], kind=existing.kind, exists=True))

    if d.name == "postgres" and wanted == "TABLE":
        # Build the new table first, under a temporary name, so the old one is locked only for the swap.
        temporary = "segql_new_" + hashlib.sha256(segment.name.encode()).hexdigest()[:16]
        statements.append(create(table_node(d, schema, temporary), replace=False))
        if existing is not None:
            drop_existing()
        statements.append(exp.Alter(this=table_node(d, schema, temporary), kind="TABLE",
                                    actions=[exp.AlterRename(this=exp.Table(this=d.identifier(segment.name)))]))
        return statements
    same_columns = existing is not None and [c.lower() for c in existing.columns] == [c.lower() for c in columns]
    if existing is not None and (existing.kind != wanted or (d.name == "postgres" and not same_columns)):
        drop_existing()  # OR REPLACE cannot change a view into a table (or back), nor a PostgreSQL view's columns
    statements.append(create(target, replace=True))
    return statements


def group_column(key: str) -> str:
    """The column holding a member's group (of a segment's splits or priority list), never the key's name."""
    return "group" if key.lower() != "group" else "member_group"


def members_query(ws: Workspace, segment: CheckedSegment, *, dialect: str, as_of: dt.date | None,
                  params: dict[str, Any] | None) -> exp.Select:
    """SELECT the key of each member, and for a segment with groups each member's group (the first whose condition
    holds: they never overlap)."""
    tables = TableMap.from_schema(ws.loaded.schema)
    if not segment.groups:
        return compile_segment(segment, tables=tables, dialect=dialect, as_of=as_of, timezone=ws.project.timezone,
                               params=params)
    values = bind_params(segment, params)
    found = compile_columns([Output(g.name, g.condition, values) for g in segment.groups], tables=tables,
                            dialect=dialect, as_of=as_of, timezone=ws.project.timezone, where=segment.condition,
                            params=values)
    label = exp.Case(ifs=[exp.If(this=column, true=exp.Literal.string(g.name))
                          for column, g in zip(found.columns, segment.groups, strict=True)])
    d = get_dialect(dialect)
    return found.select([found.key, exp.Alias(this=label, alias=d.identifier(group_column(ws.loaded.schema.key_column)))])


def materialize(ws: Workspace, writer: Writer, segments: Iterable[CheckedSegment], *, schema: str, kind: str,
                as_of: dt.date | None, params: Mapping[str, dict[str, Any]] | None = None) -> list[Materialized]:
    """Create or replace one view or table per segment in `schema`, each replaced in its own transaction.
    `params` maps a segment's name to its parameter overrides."""
    if kind == "table" and as_of is None:
        raise UsageProblem("a materialized table needs --as-of DATE (a view follows the current date)")
    if kind == "view" and as_of is not None:
        raise UsageProblem("a view always reads the current date; use --kind table to pin --as-of")
    d = get_dialect(writer.dialect)
    segments = list(segments)
    too_long = [s for s in segments if d.max_name_bytes is not None and len(s.name.encode()) > d.max_name_bytes]
    if too_long:
        raise DiagnosticError([Diagnostic(
            "E408", f"segment `{s.name}` is {len(s.name.encode())} characters long: {d.name} keeps only the first "
            f"{d.max_name_bytes} of a view or table name, so it cannot be materialized there", s.definition.span,
            "name too long to materialize", f"rename the segment to at most {d.max_name_bytes} characters "
            "(run, count and snapshot take it as it is)") for s in too_long])
    with locked_transaction(writer, schema):
        execute_all(writer, [create_schema(d, schema)])
    done = []
    for segment in segments:
        with locked_transaction(writer, schema):
            existing = find_relation(writer, schema, segment.name)
            execute_all(writer, materialize_statements(ws, segment, dialect=writer.dialect, schema=schema, kind=kind,
                                                       as_of=as_of, existing=existing,
                                                       params=(params or {}).get(segment.name)))
        done.append(Materialized(segment.name, f"{schema}.{segment.name}", kind, existing is not None))
    return done


# ---- snapshot ----


def definition_hash(ws: Workspace, segment: CheckedSegment, params: dict[str, Any] | None = None) -> str:
    """16 hex digits of the SHA-256 of the segment's SQL compiled for DuckDB with no as-of date pinned (so it reads
    the current date): the same on every day and every warehouse, and different whenever what the segment selects
    may differ — its condition, the traits and segments it uses, parameter defaults, consent, the tables of
    schema.yml, the time zone, parameter values given instead of the defaults (and the SQL segql writes for them,
    which may change with a segql upgrade)."""
    query = compile_segment(segment, tables=TableMap.from_schema(ws.loaded.schema), dialect=HASH_DIALECT, as_of=None,
                            timezone=ws.project.timezone, params=params)
    return hashlib.sha256(render(query, HASH_DIALECT).encode()).hexdigest()[:16]


def history_key(ws: Workspace) -> str:
    """The name of the customer key's column in the history (and in the output of `changes`): the key column's,
    unless segql's own columns have it (a key named `segment` is `segment_key` there)."""
    key = ws.loaded.schema.key_column
    return f"{key}_key" if key.lower() in OWN_COLUMNS else key


def key_type(ws: Workspace, d: SqlDialect) -> exp.DataType:
    schema = ws.loaded.schema
    attribute = schema.attributes.get(schema.key)
    kind = attribute.type.kind if attribute is not None else "string"
    return exp.DataType.build(KEY_TYPES.get(kind, "TEXT"), dialect=d.name)


def column_def(d: SqlDialect, name: str, kind: exp.DataType | str) -> exp.ColumnDef:
    data_type = kind if isinstance(kind, exp.DataType) else exp.DataType.build(kind, dialect=d.name)
    return exp.ColumnDef(this=d.identifier(name), kind=data_type,
                         constraints=[exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())])


def in_list(column: exp.Expression, names: Sequence[str]) -> exp.Expression:
    return exp.In(this=column, expressions=[exp.Literal.string(n) for n in names])


def snapshot_statements(ws: Workspace, segments: Sequence[CheckedSegment], *, dialect: str, schema: str,
                        as_of: dt.date, params: Mapping[str, dict[str, Any]] | None = None) -> list[exp.Expression]:
    """Replace the snapshot of `segments` on `as_of` in the history: create the tables if missing, delete that
    day's rows of these segments, insert the members from one memberships query (unpivoted to one row per member
    and segment, inside the warehouse; one per group of segments where the engine limits a SELECT's columns) and
    record each snapshot. Run them in one transaction."""
    d = get_dialect(dialect)
    names = [s.name for s in segments]
    key, stored_key = ws.loaded.schema.key_column, history_key(ws)
    history, snapshots = table_node(d, schema, HISTORY), table_node(d, schema, SNAPSHOTS)
    day = d.date_literal(as_of)
    params = params or {}
    hashes = {s.name: definition_hash(ws, s, params.get(s.name)) for s in segments}

    def create_table(table: exp.Table, columns: list[exp.ColumnDef]) -> exp.Create:
        return exp.Create(this=exp.Schema(this=table, expressions=columns), kind="TABLE", exists=True)

    def this_day(table: exp.Table) -> exp.Delete:
        condition = exp.and_(exp.EQ(this=d.column("as_of"), expression=day.copy()), in_list(d.column("segment"), names))
        return exp.Delete(this=table.copy(), where=exp.Where(this=condition))

    def into(table: exp.Table, columns: Sequence[str], query: exp.Select) -> exp.Insert:
        return exp.Insert(this=exp.Schema(this=table.copy(), expressions=[d.identifier(c) for c in columns]),
                          expression=query)

    # The segment of each output row and its hash, as a VALUES list joined to every customer's memberships: in
    # one INSERT, or one per group of segments where the engine limits a SELECT's columns (PostgreSQL).
    def chosen_of(group: Sequence[str]) -> exp.Values:
        return exp.Values(
            expressions=[exp.Tuple(expressions=[exp.Literal.string(n), exp.Literal.string(hashes[n])]) for n in group],
            alias=exp.TableAlias(this=d.identifier("s"), columns=[d.identifier("segment"),
                                                                  d.identifier("definition_hash")]))

    def insert_members(group: Sequence[CheckedSegment]) -> exp.Insert:
        flags = numbered_names("flag_", len(group), [key])
        memberships = compile_memberships(group, tables=TableMap.from_schema(ws.loaded.schema), dialect=dialect,
                                          as_of=as_of, timezone=ws.project.timezone, params=params, columns=flags)
        is_member = exp.Case(this=d.column("segment", "s"),
                             ifs=[exp.If(this=exp.Literal.string(s.name), true=d.column(f, "m"))
                                  for s, f in zip(group, flags, strict=True)])
        members = (exp.select(day.copy(), d.column("segment", "s"), d.column(key, "m"), d.column("definition_hash", "s"))
                   .from_(exp.Subquery(this=memberships, alias=exp.TableAlias(this=d.identifier("m"))), copy=False)
                   .join(chosen_of([s.name for s in group]), join_type="CROSS", copy=False)
                   .where(is_member, copy=False))
        insert = into(history, ["as_of", "segment", stored_key, "definition_hash"], members)
        insert.meta[DIALECT_KEY] = memberships.meta[DIALECT_KEY]
        return insert

    size = max(1, len(segments) if d.max_columns is None else d.max_columns - 1)
    inserts = [insert_members(segments[i:i + size]) for i in range(0, len(segments), size)]
    chosen = chosen_of(names)
    count = exp.select(exp.Count(this=exp.Star())).from_(exp.Table(this=d.identifier(HISTORY), db=d.identifier(schema),
                                                                   alias=exp.TableAlias(this=d.identifier("h"))))
    count = count.where(exp.and_(exp.EQ(this=d.column("as_of", "h"), expression=day.copy()),
                                 exp.EQ(this=d.column("segment", "h"), expression=d.column("segment", "s"))))
    recorded = exp.select(day.copy(), d.column("segment", "s"), d.column("definition_hash", "s"),
                          exp.Subquery(this=count)).from_(chosen.copy())
    return [
        create_schema(d, schema),
        create_table(history, [column_def(d, "as_of", "DATE"), column_def(d, "segment", "TEXT"),
                               column_def(d, stored_key, key_type(ws, d)), column_def(d, "definition_hash", "TEXT")]),
        create_table(snapshots, [column_def(d, "as_of", "DATE"), column_def(d, "segment", "TEXT"),
                                 column_def(d, "definition_hash", "TEXT"), column_def(d, "members", "BIGINT")]),
        this_day(history),
        this_day(snapshots),
        *inserts,
        into(snapshots, ["as_of", "segment", "definition_hash", "members"], recorded),
    ]


def snapshot(ws: Workspace, writer: Writer, segments: Sequence[CheckedSegment], *, schema: str,
             as_of: dt.date, params: Mapping[str, dict[str, Any]] | None = None) -> dict[str, int]:
    """Take (or retake) the snapshot of `segments` on `as_of`, in one transaction; returns their sizes. `params`
    maps a segment's name to its parameter overrides (recorded through its definition hash)."""
    if not segments:
        return {}
    with locked_transaction(writer, schema):
        execute_all(writer, snapshot_statements(ws, segments, dialect=writer.dialect, schema=schema, as_of=as_of,
                                                params=params))
    d = get_dialect(writer.dialect)
    sizes = exp.select(d.column("segment"), d.column("members")).from_(table_node(d, schema, SNAPSHOTS)).where(
        exp.and_(exp.EQ(this=d.column("as_of"), expression=d.date_literal(as_of)),
                 in_list(d.column("segment"), [s.name for s in segments])))
    _, rows = fetch(writer, sizes)
    return {str(name): int(size) for name, size in rows}


# ---- changes ----


@dataclass(slots=True)
class Changes:
    """Who entered and who left each segment between two snapshots."""

    start: dt.date
    end: dt.date
    rows: list[tuple[str, str, Any]]  # (segment, "entered" | "left", key), sorted
    counts: dict[str, tuple[int, int]]  # segment -> (entered, left), every segment compared
    redefined: list[str]  # segments whose definition hash differs between the two snapshots
    skipped: dict[str, dt.date]  # segment -> the one date it has a snapshot on (not compared)


def changes(ws: Workspace, engine: Engine, *, schema: str, start: dt.date, end: dt.date,
            segment: str | None = None) -> Changes:
    """Entries and exits between the snapshots on `start` and `end`, computed by one query in the warehouse over
    the segments snapshotted on both dates. A date without any snapshot (of `segment`) is a UsageProblem."""
    d = get_dialect(engine.dialect)
    if find_relation(engine, schema, SNAPSHOTS) is None:
        raise UsageProblem(f"schema `{schema}` holds no snapshots; take one first with `segql snapshot`")
    where: list[exp.Expression] = [exp.In(this=d.column("as_of"), expressions=[d.date_literal(start), d.date_literal(end)])]
    if segment is not None:
        where.append(exp.EQ(this=d.column("segment"), expression=exp.Literal.string(segment)))
    inventory = exp.select(d.column("as_of"), d.column("segment"), d.column("definition_hash")).from_(
        table_node(d, schema, SNAPSHOTS)).where(exp.and_(*where))
    _, rows = fetch(engine, inventory)
    taken: dict[dt.date, dict[str, str]] = {start: {}, end: {}}
    for day, name, digest in rows:
        taken[_as_date(day)][str(name)] = str(digest)
    for day in (start, end):
        if not taken[day]:
            what = f"of segment `{segment}` " if segment else ""
            raise UsageProblem(f"no snapshot {what}on {day.isoformat()} in `{schema}`"
                               + _dates_hint(engine, d, schema, segment))
    both = sorted(set(taken[start]) & set(taken[end]))
    skipped = {n: (start if n in taken[start] else end) for n in set(taken[start]) ^ set(taken[end])}
    redefined = [n for n in both if taken[start][n] != taken[end][n]]
    found: list[tuple[str, str, Any]] = []
    if both:
        _, diff = fetch(engine, changes_query(ws, d, schema, start, end, both))
        found = [(str(s), str(c), k) for s, c, k in diff]
    counts = {n: (0, 0) for n in both}
    for name, change, _ in found:
        entered, left = counts[name]
        counts[name] = (entered + 1, left) if change == "entered" else (entered, left + 1)
    return Changes(start, end, found, counts, redefined, skipped)


def changes_query(ws: Workspace, d: SqlDialect, schema: str, start: dt.date, end: dt.date,
                  names: Sequence[str]) -> exp.Select:
    """(segment, change, key) for every member on one date and not the other: a FULL JOIN of the two days."""
    key = history_key(ws)

    def day(value: dt.date, alias: str) -> exp.Subquery:
        rows = exp.select(d.column("segment"), d.column(key)).from_(table_node(d, schema, HISTORY)).where(
            exp.and_(exp.EQ(this=d.column("as_of"), expression=d.date_literal(value)),
                     in_list(d.column("segment"), names)))
        return exp.Subquery(this=rows, alias=exp.TableAlias(this=d.identifier(alias)))

    a_key, b_key = d.column(key, "a"), d.column(key, "b")
    on = exp.and_(exp.EQ(this=d.column("segment", "a"), expression=d.column("segment", "b")),
                  exp.EQ(this=a_key.copy(), expression=b_key.copy()))
    change = exp.Case(ifs=[exp.If(this=exp.Is(this=a_key.copy(), expression=exp.Null()),
                                  true=exp.Literal.string("entered"))], default=exp.Literal.string("left"))
    query = (exp.select(exp.alias_(exp.Coalesce(this=d.column("segment", "b"), expressions=[d.column("segment", "a")]),
                                   "segment"),
                        exp.alias_(change, "change"),
                        exp.alias_(exp.Coalesce(this=b_key.copy(), expressions=[a_key.copy()]), d.identifier(key)))
             .from_(day(start, "a"))
             .join(day(end, "b"), on=on, join_type="FULL OUTER")
             .where(exp.or_(exp.Is(this=a_key.copy(), expression=exp.Null()),
                            exp.Is(this=b_key.copy(), expression=exp.Null())))
             .order_by(*(exp.Literal.number(i) for i in (1, 2, 3))))
    return query


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _dates_hint(engine: Engine, d: SqlDialect, schema: str, segment: str | None) -> str:
    query = exp.select(d.column("as_of")).distinct().from_(table_node(d, schema, SNAPSHOTS))
    if segment is not None:
        query = query.where(exp.EQ(this=d.column("segment"), expression=exp.Literal.string(segment)))
    _, rows = fetch(engine, query.order_by(d.column("as_of")))
    dates = [_as_date(r[0]).isoformat() for r in rows]
    if not dates:
        return "; there are none yet"
    shown = dates if len(dates) <= 6 else [*dates[:3], "…", *dates[-2:]]
    return "; snapshots exist on " + ", ".join(shown)
