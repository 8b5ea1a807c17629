"""The pipeline for library users, in a few lines: load → check → compile → render → run.

Raises DiagnosticError for user mistakes; never prints. Heavy stages (sqlglot, drivers) load lazily.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segql import ast
from segql.check import CheckResult, check_project
from segql.check.tree import CheckedSegment
from segql.diagnostics import Diagnostic, DiagnosticError, UsageProblem, did_you_mean, sort_key
from segql.limits import MAX_SEGMENTS
from segql.project import Project, Target, load_project
from segql.schema import Schema, load_schema
from segql.source import SourceFile, Span
from segql.syntax.segments import load_segment_file

if TYPE_CHECKING:
    from segql.engines import Engine


@dataclass(slots=True)
class Loaded:
    """A project read from disk: its config, schema and segment definitions, and what was wrong."""

    project: Project
    schema: Schema
    segments: list[ast.SegmentDef]
    diagnostics: list[Diagnostic] = field(default_factory=list)


def load(root: Path) -> Loaded:
    project, problems = load_project(root)
    try:
        source = project.read(project.schema_path)
        schema, schema_problems = load_schema(source)
    except DiagnosticError as err:
        schema, schema_problems = load_schema_placeholder(), err.diagnostics
    problems += schema_problems
    if not schema_problems:
        problems += table_file_problems(project, schema)
    segments: list[ast.SegmentDef] = []
    files = project.segment_files()
    if len(files) > MAX_SEGMENTS:
        folder = SourceFile(project.display(project.segments_path), "")
        problems.append(Diagnostic("E108", f"the segments folder holds {len(files)} segment files; segql reads at "
                                   f"most {MAX_SEGMENTS}", Span(folder, 0, 0), "",
                                   "keep only segment files there, or split the project"))
        files = []
    for path in files:
        try:
            source = project.read(path)
        except DiagnosticError as err:
            problems += err.diagnostics
            continue
        defs, file_problems = load_segment_file(source)
        segments += defs
        problems += file_problems
        if len(segments) > MAX_SEGMENTS:
            problems.append(Diagnostic("E108", f"the project defines more than {MAX_SEGMENTS} segments",
                                       defs[-1].span, "one too many", "split the project, or remove segments"))
            segments = segments[:MAX_SEGMENTS]
            break
    return Loaded(project, schema, segments, problems)


def schema_tables(schema: Schema) -> dict[str, str]:
    """Every table the schema reads, dotted (`crm.customers`), with what it holds."""
    tables = {".".join(schema.table): "customer table"}
    for name, lookup in schema.lookups.items():
        tables.setdefault(".".join(lookup.table), f"lookup `{name}`")
    for name, event in schema.events.items():
        tables.setdefault(".".join(event.table), f"event `{name}`")
    return tables


def table_file_problems(project: Project, schema: Schema) -> list[Diagnostic]:
    """A target's `tables:` may map only the schema's tables to files."""
    known = schema_tables(schema)
    problems = []
    for target in project.targets.values():
        for mapping in target.tables:
            if mapping.table not in known:
                hint = did_you_mean(mapping.table, known) or "the schema's tables: " + ", ".join(known)
                problems.append(Diagnostic("E406", f"target `{target.name}` maps `{mapping.table}`, which is not a "
                                           "table of schema.yml", mapping.span, "not a schema table", hint))
    return problems


def load_schema_placeholder() -> Schema:
    return Schema("customer", ("customers",), "", {})


def check(loaded: Loaded) -> CheckResult:
    result = check_project(loaded.schema, loaded.segments, loaded.project.channels, loaded.project.week_start)
    result.diagnostics[:0] = loaded.diagnostics
    if any(trait.sql for trait in loaded.schema.traits.values()):  # sqlglot only for a trait not checked before
        from segql.trait_verdicts import sql_trait_problems

        result.diagnostics += sql_trait_problems(loaded.schema)
    result.diagnostics.sort(key=sort_key)
    return result


def validate(root: Path) -> CheckResult:
    """Parse and check everything in a project; the result lists every problem found."""
    return check(load(root))


@dataclass(slots=True)
class Workspace:
    """A project that loaded and checked without errors: ready to compile and run."""

    loaded: Loaded
    result: CheckResult

    @property
    def project(self) -> Project:
        return self.loaded.project

    def segment(self, name: str) -> CheckedSegment:
        found = self.result.segments.get(name)
        if found is None:
            hint = did_you_mean(name, self.result.segments)
            raise UsageProblem(f"no segment named `{name}`" + (f"; {hint}" if hint else ""))
        return found

    def segments(self, names: list[str] | tuple[str, ...]) -> list[CheckedSegment]:
        """The named segments, or all of them (sorted by name) when none is named."""
        if not names:
            return [self.result.segments[n] for n in sorted(self.result.segments)]
        return [self.segment(n) for n in names]

    def target(self, name: str | None) -> Target:
        project = self.project
        chosen = name or project.default_target
        if not chosen:
            raise UsageProblem("no target given and segql.yml has no `default_target`; pass --target NAME")
        if chosen not in project.targets:
            hint = did_you_mean(chosen, project.targets)
            raise UsageProblem(f"no target named `{chosen}` in segql.yml" + (f"; {hint}" if hint else ""))
        return project.targets[chosen]


def protected_files(ws: Workspace) -> dict[Path, str]:
    """The files no output of segql may replace, with what each is: the project's own (segql.yml, the schema,
    segment and test files) and the data of its targets (a DuckDB database, files mapped as tables). A target
    whose `${VAR}` is not set is skipped: its files cannot be known."""
    project = ws.project
    found: dict[Path, str] = {project.root / "segql.yml": "the project file", project.schema_path: "the schema"}
    for path in project.segment_files():
        found[path] = "a segment file"
    if project.tests_path.is_dir():
        for path in project.tests_path.rglob("*"):
            found.setdefault(path, "a file of the project's tests")
    for target in project.targets.values():
        try:
            settings = target.resolved()
            mapped = [target.resolve(t.location, t.table) for t in target.tables]
        except DiagnosticError:
            continue
        if target.type == "duckdb" and settings.get("path", ":memory:") != ":memory:":
            found[project.root / settings["path"]] = f"the database of target `{target.name}`"
        for location in mapped:
            for path in project.root.glob(location) if not Path(location).is_absolute() else [Path(location)]:
                found.setdefault(path, f"a file target `{target.name}` reads as a table")
    return found


def open_workspace(root: Path) -> Workspace:
    """Load and check a project; any error in its files raises DiagnosticError with all of them."""
    loaded = load(root)
    result = check(loaded)
    errors = [d for d in result.diagnostics if d.is_error]
    if errors:
        raise DiagnosticError(errors)
    return Workspace(loaded, result)


def compile_query(ws: Workspace, segment: CheckedSegment, dialect: str, as_of: dt.date | None,
                  params: dict[str, Any] | None = None) -> Any:
    """The sqlglot SELECT of a segment's member keys."""
    from segql.compile import TableMap, compile_segment

    tables = TableMap.from_schema(ws.loaded.schema)
    return compile_segment(segment, tables=tables, dialect=dialect, as_of=as_of,
                           timezone=ws.project.timezone, params=params)


def compile_sql(ws: Workspace, segment: CheckedSegment, dialect: str, as_of: dt.date | None,
                params: dict[str, Any] | None = None) -> str:
    """The SQL text of a segment for one dialect: deterministic, pretty-printed."""
    from segql.compile import render

    return render(compile_query(ws, segment, dialect, as_of, params), dialect)


def connect(ws: Workspace, target: Target) -> Engine:
    from segql.engines import connect as open_engine

    return open_engine(target, ws.project.root)


def fetch(engine: Engine, query: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a SELECT tree on an engine: rendered for its dialect, with its string values bound as parameters where
    the engine's driver takes them (segql.compile.render_bound)."""
    from segql.compile.render import render_bound

    sql, values = render_bound(query, engine.dialect)
    return engine.query(sql, values) if values else engine.query(sql)


def members(ws: Workspace, engine: Engine, segment: CheckedSegment, as_of: dt.date | None,
            params: dict[str, Any] | None = None) -> list[Any]:
    """The keys of a segment's members on a target, sorted."""
    _, rows = fetch(engine, compile_query(ws, segment, engine.dialect, as_of, params))
    return sorted(row[0] for row in rows)


def customer_count(ws: Workspace, engine: Engine) -> int:
    """How many customers the customer table holds (the denominator of a segment's share)."""
    from sqlglot import exp

    from segql.dialects import get_dialect

    dialect = get_dialect(engine.dialect)
    table = dialect.table(ws.loaded.schema.table, "c")
    query = exp.Select(expressions=[exp.Count(this=exp.Star())]).from_(table, copy=False)
    _, rows = fetch(engine, query)
    return int(rows[0][0])


def segment_size(ws: Workspace, engine: Engine, segment: CheckedSegment, as_of: dt.date | None,
                 params: dict[str, Any] | None = None) -> int:
    """How many customers a segment selects on a target (one COUNT over its query)."""
    from sqlglot import exp

    query = compile_query(ws, segment, engine.dialect, as_of, params)
    counted = exp.Select(expressions=[exp.Count(this=exp.Star())]).from_(
        exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("members"))), copy=False)
    counted.meta.update(query.meta)
    _, rows = fetch(engine, counted)
    return int(rows[0][0])
