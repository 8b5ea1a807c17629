"""Segment unit tests (`tests/*.yml`): fixture rows typed by the schema, run on embedded DuckDB, members compared.

Loading a test file type-checks it against the schema (every mistake a Diagnostic with a position); running
it builds an in-memory DuckDB database shaped by schema.yml. Imports duckdb and sqlglot only when running.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from segql.check.params import parse_value
from segql.diagnostics import Diagnostic, DiagnosticError, did_you_mean
from segql.schema import Attribute, Schema
from segql.source import Span
from segql.syntax.yamlpos import Shape, YMap, YNode, YScalar, YSeq, load_yaml
from segql.types import INTEGER, STRING, Type

if TYPE_CHECKING:
    from segql.api import Workspace
    from segql.check.tree import CheckedSegment

TEST_KEYS = ("description", "as_of", "fixtures", "segments")
CASE_KEYS = ("expect", "expect_not", "members", "params", "as_of", "description")

# How each declared type is stored in the fixture database (the width of a warehouse's usual columns).
DECIMAL_DIGITS_BEFORE_POINT = 28  # of DECIMAL(38, 10), below
SQL_TYPES = {"integer": "BIGINT", "decimal": "DECIMAL(38, 10)", "float": "DOUBLE", "string": "VARCHAR",
             "enum": "VARCHAR", "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP"}


# ---- the model of a test file ----


@dataclass(frozen=True, slots=True)
class FixtureColumn:
    """A column a fixture row may give: its name in the file, its physical column and its type."""

    name: str
    column: str
    type: Type


@dataclass(slots=True)
class FixtureTable:
    """One table of the schema (the customer table, a lookup or an event) and the rows a test gives it."""

    name: str  # the name a test file uses: the entity, a lookup or an event
    table: tuple[str, ...]
    columns: dict[str, FixtureColumn]
    rows: list[dict[str, Any]] = field(default_factory=list)  # physical column -> value


@dataclass(frozen=True, slots=True)
class Case:
    """One run of one segment: an as-of date, parameters, and what its members must be."""

    segment: str
    as_of: dt.date
    params: dict[str, Any]
    expect: tuple[Any, ...] = ()
    expect_not: tuple[Any, ...] = ()
    members: tuple[Any, ...] | None = None  # the exact member list, when given
    span: Span = field(default=Span(None, 0, 0), compare=False)

    @property
    def title(self) -> str:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.params.items())
        return f"{self.segment}" + (f" [{shown}]" if shown else "") + f" as of {self.as_of.isoformat()}"


@dataclass(slots=True)
class TestFile:
    path: str
    description: str
    tables: dict[str, FixtureTable]
    cases: list[Case]


@dataclass(frozen=True, slots=True)
class CaseResult:
    file: str
    case: Case
    members: tuple[Any, ...]
    missing: tuple[Any, ...]  # expected members the segment did not select
    unexpected: tuple[Any, ...]  # selected customers that were expected not to be members

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected


@dataclass(slots=True)
class TestRun:
    """Every case run, and the problems of the test files that could not run (their cases count as failed)."""

    results: list[CaseResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    not_run: int = 0  # cases of test files with errors

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.passed) + self.not_run

    @property
    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"


def _show(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


# ---- the tables a schema asks for ----


def fixture_tables(schema: Schema) -> dict[str, FixtureTable]:
    """An empty FixtureTable per schema table, with every column segql may read: attributes, the customer
    key, join columns (`on:`), an event's key and time columns, declared or not."""
    key_type = schema.attributes[schema.key].type if schema.key in schema.attributes else INTEGER

    def columns(attributes: dict[str, Attribute]) -> dict[str, FixtureColumn]:
        return {a.name: FixtureColumn(a.name, a.column, a.type) for a in attributes.values()}

    def add(cols: dict[str, FixtureColumn], column: str, typ: Type) -> None:
        if not any(c.column == column for c in cols.values()) and column not in cols:
            cols[column] = FixtureColumn(column, column, typ)

    customer = columns(schema.attributes)
    add(customer, schema.key_column, key_type)
    tables = {schema.entity: FixtureTable(schema.entity, schema.table, customer)}
    for name, lookup in schema.lookups.items():
        cols = columns(lookup.attributes)
        for customer_column, lookup_column in lookup.on:
            typ = _column_type(customer, customer_column) or _column_type(cols, lookup_column) or STRING
            add(customer, customer_column, typ)
            add(cols, lookup_column, typ)
        tables[name] = FixtureTable(name, lookup.table, cols)
    for name, event in schema.events.items():
        cols = columns(event.attributes)
        add(cols, event.key, key_type)
        if event.time is not None:
            add(cols, event.time, event.time_type or Type("timestamp"))
        tables[name] = FixtureTable(name, event.table, cols)
    return tables


def _column_type(cols: dict[str, FixtureColumn], column: str) -> Type | None:
    return next((c.type for c in cols.values() if c.column == column), None)


# ---- loading a test file ----


class TestFileLoader:
    """Reads one test file against a checked project, collecting every problem with its position."""

    def __init__(self, schema: Schema, segments: dict[str, CheckedSegment], timezone: str) -> None:
        self.schema = schema
        self.segments = segments
        self.zone = ZoneInfo(timezone)
        self.shape = Shape()
        self.customer_lines: dict[Any, int] = {}  # customer key -> line of its fixture row
        self.declared_cases = 0  # cases written in the file, valid or not

    def error(self, code: str, message: str, span: Span, label: str = "", hint: str = "") -> None:
        self.shape.error(code, message, span, label, hint)

    def load(self, source: Any) -> TestFile | None:
        try:
            root = load_yaml(source)
        except DiagnosticError as err:
            self.shape.problems.extend(err.diagnostics)
            return None
        if root is None:
            self.error("E104", "the test file is empty", Span(source, 0, 0), "",
                       "a test has `as_of:`, `fixtures:` and `segments:` (see docs/testing.md)")
            return None
        top = self.shape.mapping(root, "a test file")
        if top is None:
            return None
        self.shape.keys(top, TEST_KEYS, "a test file", required=("as_of", "fixtures", "segments"))
        as_of = self.date(top.get("as_of"), "`as_of`")
        tables = fixture_tables(self.schema)
        self.fixtures(top.get("fixtures"), tables)
        customers = {row[self.schema.key_column] for row in tables[self.schema.entity].rows}
        cases: list[Case] = []
        segments = self.shape.mapping(top.get("segments"), "`segments`")
        for key, spec in segments.items if segments else []:
            cases += self.segment_cases(key, spec, as_of, customers)
        if segments is not None and not segments.items:
            self.error("E104", "`segments` names no segment to test", segments.span, "nothing to check",
                       "add e.g. `vip: {expect: [1]}`")
        return TestFile(source.path, self.shape.text(top.get("description"), "`description`"), tables, cases)

    def date(self, node: YNode | None, what: str) -> dt.date | None:
        scalar = self.shape.scalar(node, what)
        if scalar is None or scalar.is_null:
            return None
        try:
            return dt.date.fromisoformat(scalar.value.strip())
        except ValueError:
            self.error("E107", f"{what} must be a date (YYYY-MM-DD), not `{scalar.value}`", scalar.span, "not a date",
                       "e.g. `as_of: 2026-06-30`")
            return None

    # ---- fixtures ----

    def fixtures(self, node: YNode | None, tables: dict[str, FixtureTable]) -> None:
        mapping = self.shape.mapping(node, "`fixtures`")
        for key, rows_node in mapping.items if mapping else []:
            table = tables.get(key.value)
            if table is None:
                self.unknown_table(key, tables)
                continue
            rows = self.shape.sequence(rows_node, f"the rows of `{key.value}`")
            for row_node in rows.items if rows else []:
                row = self.shape.mapping(row_node, f"a row of `{key.value}`")
                if row is not None:
                    self.row(table, row)

    def unknown_table(self, key: YScalar, tables: dict[str, FixtureTable]) -> None:
        schema = self.schema
        hint = did_you_mean(key.value, tables)
        physical = [n for n, t in tables.items() if ".".join(t.table) == key.value or t.table[-1] == key.value]
        if physical:
            hint = f"`{key.value}` is the table of `{physical[0]}`: name it `{physical[0]}`"
        elif not hint:
            hint = "fixtures are named after the entity (`" + schema.entity + "`), a lookup or an event"
        self.error("E240", f"unknown table `{key.value}` in fixtures", key.span,
                   "not the entity, a lookup or an event of schema.yml", hint)

    def row(self, table: FixtureTable, row: YMap) -> None:
        values: dict[str, Any] = {}
        for key, value_node in row.items:
            col = table.columns.get(key.value)
            if col is None:
                self.unknown_column(table, key)
                continue
            scalar = self.shape.scalar(value_node, f"the value of `{key.value}`")
            if scalar is None:
                continue
            value = self.value(scalar, col, table)
            if value is not _BAD:
                values[col.column] = value
        if table.name == self.schema.entity:
            customer_key = values.get(self.schema.key_column)
            key_node = row.key(self.schema.key)
            if customer_key is None:
                if key_node is None:  # a bad or null key was reported already
                    self.error("E104", f"a `{table.name}` row without its key `{self.schema.key}`", row.span,
                               f"`{self.schema.key}` is required", "every customer row needs its key, so tests can name it")
                return
            if customer_key in self.customer_lines:
                assert key_node is not None
                self.error("E246", f"customer {customer_key} is given twice", row.get(self.schema.key).span,  # type: ignore[union-attr]
                           f"already given on line {self.customer_lines[customer_key]}", "give each customer one row")
                return
            self.customer_lines[customer_key] = row.span.line
        table.rows.append(values)

    def unknown_column(self, table: FixtureTable, key: YScalar) -> None:
        by_physical = next((c for c in table.columns.values() if c.column == key.value and c.name != key.value), None)
        if by_physical is not None:
            hint = f"`{key.value}` is the column of attribute `{by_physical.name}`: write `{by_physical.name}`"
        else:
            hint = did_you_mean(key.value, table.columns) or (
                "its columns are " + ", ".join(f"`{c}`" for c in table.columns))
        self.error("E241", f"unknown column `{key.value}` in a row of `{table.name}`", key.span,
                   f"not an attribute of `{table.name}`", hint)

    def value(self, scalar: YScalar, col: FixtureColumn, table: FixtureTable) -> Any:
        if scalar.is_null:
            return None
        typ = col.type
        if typ.kind == "enum":
            if scalar.value not in typ.values:
                values = ", ".join(typ.values)
                hint = did_you_mean(scalar.value, typ.values) or f"the values are {values}"
                self.error("E243", f"`{scalar.value}` is not a value of enum `{table.name}.{col.name}`", scalar.span,
                           f"not one of {values}", hint)
                return _BAD
            return scalar.value
        if typ.kind in ("string", "error"):
            return scalar.value
        text = scalar.value.strip()
        try:
            if typ.kind == "timestamp":
                return self.timestamp(text)
            if typ.kind == "integer" and scalar.tag == "float":
                raise ValueError(f"`{text}` is not a whole number")
            if scalar.style is not None and typ.kind in ("integer", "decimal", "float", "boolean"):
                raise ValueError(f"`{scalar.value}` is quoted, so it is text")
            value = parse_value(text, typ)
            if typ.kind == "decimal" and value.adjusted() >= DECIMAL_DIGITS_BEFORE_POINT:
                raise ValueError(f"`{text}` has more than {DECIMAL_DIGITS_BEFORE_POINT} digits before the point, "
                                 f"more than a decimal column of the fixtures holds ({SQL_TYPES['decimal']})")
            if typ.kind == "integer" and not -(2 ** 63) <= value < 2 ** 63:
                raise ValueError(f"`{text}` is beyond the range of an integer column of the fixtures (BIGINT)")
            return value
        except ValueError as err:
            self.error("E242", f"the value of `{table.name}.{col.name}` must be {_a(typ.kind)}: {err}", scalar.span,
                       f"not {_a(typ.kind)}", _example(typ.kind))
            return _BAD

    def timestamp(self, text: str) -> dt.datetime:
        """Naive timestamps are read in the project's time zone; stored as naive UTC like the warehouse's."""
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"`{text}` is not a timestamp (YYYY-MM-DDTHH:MM:SS)") from None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zone)
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    # ---- cases ----

    def segment_cases(self, key: YScalar, spec: YNode, as_of: dt.date | None, customers: set[Any]) -> list[Case]:
        segment = self.segments.get(key.value)
        if segment is None:
            self.error("E244", f"unknown segment `{key.value}`", key.span, "no valid segment has this name",
                       did_you_mean(key.value, self.segments) or "test segments of the project's segments folder")
        items: list[YNode] = spec.items if isinstance(spec, YSeq) else [spec]
        if isinstance(spec, YSeq) and not spec.items:
            self.error("E245", f"no case for segment `{key.value}`", spec.span, "an empty list",
                       "give at least one case, e.g. `{expect: [1]}`")
        cases = []
        self.declared_cases += len(items)
        for item in items:
            case_map = self.shape.mapping(item, f"a case of `{key.value}`")
            if case_map is None:
                if isinstance(item, YScalar) and item.is_null:
                    self.error("E245", f"no expectation for segment `{key.value}`", key.span, "nothing to check",
                               "add `expect:`, `expect_not:` or `members:`")
                continue
            case = self.case(key, case_map, segment, as_of, customers)
            if case is not None:
                cases.append(case)
        return cases

    def case(self, key: YScalar, node: YMap, segment: CheckedSegment | None, as_of: dt.date | None,
             customers: set[Any]) -> Case | None:
        self.shape.keys(node, CASE_KEYS, f"a case of `{key.value}`")
        own = node.get("as_of")
        case_as_of = self.date(own, "`as_of`") if own is not None else as_of
        params = self.params(node.get("params"), segment)
        lists = {name: self.keys(node.get(name), name, customers) for name in ("expect", "expect_not", "members")}
        given = [name for name in lists if node.get(name) is not None]
        if not given:
            self.error("E245", f"a case of `{key.value}` has no expectation", node.span, "nothing to check",
                       "add `expect:`, `expect_not:` or `members:`")
        if "members" in given and len(given) > 1:
            other = next(n for n in given if n != "members")
            self.error("E245", f"`members` is the exact list, so `{other}` cannot go with it",
                       node.key(other).span, "use one or the other",  # type: ignore[union-attr]
                       "keep `members:` alone, or use `expect:` and `expect_not:`")
        both = set(lists["expect"]) & set(lists["expect_not"])
        if both:
            self.error("E245", f"customer {sorted(both)[0]} is in both `expect` and `expect_not`",
                       node.key("expect_not").span, "contradicts `expect`")  # type: ignore[union-attr]
        if segment is None or case_as_of is None or params is None:
            return None
        return Case(segment.name, case_as_of, params, tuple(lists["expect"]), tuple(lists["expect_not"]),
                    tuple(lists["members"]) if "members" in given else None, span=node.span)

    def keys(self, node: YNode | None, what: str, customers: set[Any]) -> list[Any]:
        seq = self.shape.sequence(node, f"`{what}`")
        key_col = FixtureColumn(self.schema.key, self.schema.key_column, self._key_type())
        out = []
        for item in seq.items if seq else []:
            scalar = self.shape.scalar(item, f"a customer key in `{what}`")
            if scalar is None or scalar.is_null:
                continue
            value = self.value(scalar, key_col, FixtureTable(self.schema.entity, (), {}))
            if value is _BAD:
                continue
            if value not in customers:
                self.error("E245", f"customer {value} is not among the `{self.schema.entity}` fixture rows",
                           scalar.span, "no such customer", f"add a `{self.schema.entity}` row with "
                           f"`{self.schema.key}: {value}`, or fix the key")
                continue
            out.append(value)
        return out

    def _key_type(self) -> Type:
        attr = self.schema.attributes.get(self.schema.key)
        return attr.type if attr else INTEGER

    def params(self, node: YNode | None, segment: CheckedSegment | None) -> dict[str, Any] | None:
        mapping = self.shape.mapping(node, "`params`")
        if mapping is None or segment is None:
            return {}
        specs = {p.name: p for p in segment.params}
        out: dict[str, Any] = {}
        ok = True
        for key, value_node in mapping.items:
            spec = specs.get(key.value.lstrip("$"))
            if spec is None:
                hint = did_you_mean(key.value, specs) or (
                    "its parameters are " + ", ".join(f"`{p}`" for p in specs) if specs
                    else f"`{segment.name}` declares no parameters")
                self.error("E206", f"segment `{segment.name}` has no parameter `{key.value}`", key.span,
                           "not declared in its `params:`", hint)
                ok = False
                continue
            scalar = self.shape.scalar(value_node, f"the value of parameter `{key.value}`")
            if scalar is None or scalar.is_null:
                ok = False
                continue
            try:
                out[spec.name] = parse_value(scalar.value, spec.type)
            except ValueError as err:
                self.error("E227", f"bad value for parameter `${spec.name}`: {err}", scalar.span,
                           f"not {_a(spec.type.kind)}", _example(spec.type.kind))
                ok = False
        return out if ok else None


class _Bad:
    """A fixture value that did not fit its column (already reported)."""


_BAD = _Bad()


def _a(kind: str) -> str:
    word = {"enum": "enum value", "decimal": "number", "float": "number", "integer": "integer"}.get(kind, kind)
    return ("an " if word[0] in "aeiou" else "a ") + word


def _example(kind: str) -> str:
    return {"integer": "write a whole number, e.g. `42`", "decimal": "write a number, e.g. `19.99`",
            "float": "write a number, e.g. `0.5`", "boolean": "write `true` or `false`",
            "date": "write a date as `2026-06-30`", "timestamp": "write a timestamp as `2026-06-30T10:00:00`"
            }.get(kind, "")


def load_test_file(source: Any, schema: Schema, segments: dict[str, CheckedSegment],
                   timezone: str = "UTC") -> tuple[TestFile | None, list[Diagnostic], int]:
    """A test file read against the checked project, the problems found in it, and how many cases it declares."""
    loader = TestFileLoader(schema, segments, timezone)
    loaded = loader.load(source)
    return loaded, loader.shape.problems, loader.declared_cases


# ---- running ----


def test_files(ws: Workspace) -> list[Path]:
    folder = ws.project.tests_path
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def run_tests(ws: Workspace, names: tuple[str, ...] | list[str] = ()) -> TestRun:
    """Load every test file of the project and run its cases; `names` keeps only the test files or segments
    named (a name may be either)."""
    run = TestRun()
    project = ws.project
    for path in test_files(ws):
        try:
            source = project.read(path)
        except DiagnosticError as err:
            run.diagnostics += err.diagnostics
            run.not_run += 1
            continue
        test, problems, declared = load_test_file(source, ws.loaded.schema, ws.result.segments, project.timezone)
        if names and path.stem not in names:
            if test is None or not any(c.segment in names for c in test.cases):
                continue
            test.cases = [c for c in test.cases if c.segment in names]
            declared = len(test.cases)
        if problems or test is None:
            run.diagnostics += problems
            run.not_run += max(1, declared)
            continue
        run_file(ws, test, run)
    return run


def run_file(ws: Workspace, test: TestFile, run: TestRun) -> None:
    """Each case of a test file, on one in-memory DuckDB database holding its fixtures. A case that cannot
    be compiled or run is a diagnostic and counts as failed."""
    import duckdb

    from segql import api

    con = duckdb.connect(":memory:")
    try:
        for table in test.tables.values():
            create_table(con, table)
        for case in test.cases:
            segment = ws.result.segments[case.segment]
            try:
                sql = api.compile_sql(ws, segment, "duckdb", case.as_of, case.params)
                found = sorted(row[0] for row in con.execute(sql).fetchall())
            except DiagnosticError as err:
                run.diagnostics += [d if d.span.source else Diagnostic(d.code, d.message, case.span, d.label, d.hint)
                                    for d in err.diagnostics]
                run.not_run += 1
                continue
            except duckdb.Error as err:
                run.diagnostics.append(Diagnostic("E403", f"the query of `{case.segment}` failed on the fixtures: "
                                                  f"{str(err).splitlines()[0]}", case.span, "query failed"))
                run.not_run += 1
                continue
            run.results.append(compare(test.path, case, found))
    finally:
        con.close()


def compare(path: str, case: Case, found: list[Any]) -> CaseResult:
    selected = set(found)
    if case.members is not None:
        missing = tuple(sorted(set(case.members) - selected))
        unexpected = tuple(sorted(selected - set(case.members)))
    else:
        missing = tuple(sorted(set(case.expect) - selected))
        unexpected = tuple(sorted(set(case.expect_not) & selected))
    return CaseResult(path, case, tuple(found), missing, unexpected)


def create_table(con: Any, table: FixtureTable) -> None:
    """CREATE the table (and its schema, and its database when the name has three parts) and INSERT its rows.

    The statements are sqlglot trees with the schema's names as identifiers and the values as parameters."""
    from sqlglot import exp

    from segql.dialects import get_dialect

    d = get_dialect("duckdb")
    parts = table.table
    if len(parts) == 3:
        attached = {row[0] for row in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
        if parts[0] not in attached:
            attach = exp.Attach(this=exp.Alias(this=exp.Literal.string(":memory:"), alias=d.identifier(parts[0])))
            con.execute(attach.sql(dialect="duckdb"))
    if len(parts) >= 2:
        schema = exp.Table(this=d.identifier(parts[-2]), db=d.identifier(parts[0]) if len(parts) == 3 else None)
        con.execute(exp.Create(kind="SCHEMA", this=schema, exists=True).sql(dialect="duckdb"))
    name = d.table(parts, "t")
    name.set("alias", None)
    columns = list({c.column: c for c in table.columns.values()}.values())
    defs = [exp.ColumnDef(this=d.identifier(c.column), kind=exp.DataType.build(SQL_TYPES.get(c.type.kind, "VARCHAR")))
            for c in columns]
    con.execute(exp.Create(kind="TABLE", this=exp.Schema(this=name, expressions=defs)).sql(dialect="duckdb"))
    if not table.rows:
        return
    insert = exp.Insert(this=exp.Schema(this=name.copy(), expressions=[d.identifier(c.column) for c in columns]),
                        expression=exp.Values(expressions=[exp.Tuple(expressions=[exp.Placeholder() for _ in columns])]))
    con.executemany(insert.sql(dialect="duckdb"), [[row.get(c.column) for c in columns] for row in table.rows])
