"""Properties (DESIGN §7.5): random well-typed segments over random data select the same members on DuckDB,
on PostgreSQL (the session's server) and in the reference evaluator, and, for a few examples, on the Snowflake
emulator; the laws of §3.3 hold on each; compiled SQL is deterministic. Last, each discrepancy they found, as a
plain example (docs/dialects.md lists them).

Strategies are in tests/segment_strategies.py. The default run takes well under a minute; `pytest --deep` (or
SEGQL_DEEP=1) runs thousands of examples; with CI set, examples are derandomized so that CI runs are reproducible.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis.control import currently_in_test_context

from segql.check import check_project
from segql.check import tree as t
from segql.compile import TableMap, compile_memberships, compile_segment, render
from segql.evaluate import Dataset, Evaluator
from segql.schema import Schema, load_schema
from segql.source import SourceFile
from segql.syntax.segments import load_segment_file
from tests import pg_server
from tests.segment_strategies import SCHEMA_YML, TABLES, Example, SegmentText, World, examples, segment_file

# ---- settings: a short default run, a deep one on demand, reproducible in CI ----

DEEP = os.environ.get("SEGQL_DEEP", "") not in ("", "0")
CI = bool(os.environ.get("CI"))
_BASE = dict(deadline=None, derandomize=CI, database=None if CI else settings.default.database,
             print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                      HealthCheck.filter_too_much])
settings.register_profile("segql-properties", max_examples=60, **_BASE)
settings.register_profile("deep", max_examples=2000, **_BASE)
PROFILE = settings.get_profile("deep" if DEEP else "segql-properties")


def examples_for(default: int, deep: int | None = None) -> settings:
    """The profile, with this test's share of the budget (deep: the deep profile's count unless given)."""
    if DEEP:
        return settings(PROFILE, max_examples=deep or PROFILE.max_examples)
    return settings(PROFILE, max_examples=default)


def _schema() -> Schema:
    schema, problems = load_schema(SourceFile("schema.yml", SCHEMA_YML))
    assert problems == [], problems
    return schema


SCHEMA = _schema()
TABLE_MAP = TableMap.from_schema(SCHEMA)
ENGINES = ("duckdb", "postgres")


def check(segments: list[SegmentText], *, discard: bool = True) -> dict[str, t.CheckedSegment]:
    """The checked segments of the file; an example whose text does not check is discarded (inside a property)."""
    defs, problems = load_segment_file(SourceFile("segments/props.yml", segment_file(segments)))
    result = check_project(SCHEMA, defs)
    errors = [d for d in problems + result.diagnostics if d.is_error]
    if not discard:
        assert errors == [], errors
        return result.segments
    event("checks" if not errors else f"discarded: {errors[0].code}")
    assume(not errors)
    return result.segments


# ---- the engines: one database each for the module, emptied and refilled per example ----

def ddl(engine: str) -> list[str]:
    """The example tables (TABLES holds DuckDB's types; PostgreSQL's are mapped as the loader does)."""
    statements = [f"CREATE SCHEMA {s}" for s in sorted({s for s, _ in TABLES})]
    for (schema, table), columns in TABLES.items():
        cols = ", ".join(f"{c} {k if engine == 'duckdb' else pg_server.pg_type(k)}" for c, k in columns)
        statements.append(f"CREATE TABLE {schema}.{table} ({cols})")
    return statements


def load_duckdb(con: duckdb.DuckDBPyConnection, world: World) -> None:
    for table, columns in TABLES.items():
        name = ".".join(table)
        names = [c for c, _ in columns]
        rows = [tuple(row.get(c) for c in names) for row in world.rows(table)]
        con.execute(f"DELETE FROM {name}")
        if rows:  # one INSERT (executemany runs a statement per row)
            marks = ", ".join(["(" + ", ".join("?" * len(names)) + ")"] * len(rows))
            con.execute(f"INSERT INTO {name} VALUES {marks}", [v for row in rows for v in row])


@dataclass(slots=True)
class Engines:
    duck: duckdb.DuckDBPyConnection
    pg: Any  # a psycopg connection (autocommit)

    def load(self, world: World) -> None:
        """Replace every table's rows (DELETE is quicker than TRUNCATE on tables this small)."""
        load_duckdb(self.duck, world)
        for table, columns in TABLES.items():
            name = ".".join(table)
            names = [c for c, _ in columns]
            self.pg.execute(f"DELETE FROM {name}")
            with self.pg.cursor().copy(f"COPY {name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in world.rows(table):
                    copy.write_row(tuple(row.get(c) for c in names))

    def rows(self, engine: str, sql: str) -> list[tuple[Any, ...]]:
        return (self.duck if engine == "duckdb" else self.pg).execute(sql).fetchall()

    def members(self, engine: str, sql: str) -> set[Any]:
        keys = [r[0] for r in self.rows(engine, sql)]
        assert len(keys) == len(set(keys)), f"{engine} returned a customer twice: {sorted(keys)}"
        return set(keys)


@pytest.fixture(scope="module")
def engines(pg_dsn: str) -> Iterator[Engines]:
    import psycopg

    duck = duckdb.connect()
    for statement in ddl("duckdb"):
        duck.execute(statement)
    dsn = pg_server.create_database(pg_dsn, "segql_properties")
    pg = psycopg.connect(dsn, autocommit=True)
    for statement in ddl("postgres"):
        pg.execute(statement)
    try:
        yield Engines(duck, pg)
    finally:
        pg.close()
        duck.close()


# ---- running one segment everywhere ----

def sql_for(segment: t.CheckedSegment, world: World, dialect: str, given: dict[str, str]) -> str:
    query = compile_segment(segment, tables=TABLE_MAP, dialect=dialect, as_of=world.as_of, timezone=world.timezone,
                            params=given)
    return render(query, dialect)


def show(text: str) -> None:
    """Printed with a failing hypothesis example (plain tests print their SQL with pytest -s, if asked)."""
    if currently_in_test_context():
        note(text)


def run_everywhere(engines: Engines, segment: t.CheckedSegment, world: World, oracle: Evaluator,
                   given: dict[str, str]) -> dict[str, set[Any]]:
    found = {"evaluator": oracle.members(segment, given)}
    for engine in ENGINES:
        sql = sql_for(segment, world, engine, given)
        show(f"-- {segment.name} on {engine}:\n{sql}")
        found[engine] = engines.members(engine, sql)
    return found


def explain(example: Example, name: str, found: dict[str, set[Any]]) -> str:
    """Which engines disagree on which customers, with those customers' rows."""
    everyone = set().union(*found.values())
    differing = sorted(k for k in everyone if len({k in m for m in found.values()}) > 1)
    lines = [f"segment `{name}` selects different customers:"]
    lines += [f"  {engine}: {sorted(m)}" for engine, m in found.items()]
    lines.append(f"  differing: {differing}")
    for row in example.world.data.customers:
        if row["id"] in differing:
            lines.append(f"  customer {row}")
    return "\n".join(lines)


def oracle_for(world: World) -> Evaluator:
    return Evaluator(SCHEMA, world.data, as_of=world.as_of, timezone=world.timezone)


# ---- the properties ----

@pytest.mark.postgres
@examples_for(60)
@given(example=examples())
def test_engines_agree_with_the_evaluator(engines: Engines, example: Example) -> None:
    """§7.4: every segment selects the same members on DuckDB, PostgreSQL and the reference evaluator, alone
    and all together in one `run --all` query; parameters are passed as text when the example says so."""
    assert_engines_agree(engines, example, check(example.segments))


def assert_engines_agree(engines: Engines, example: Example, checked: dict[str, t.CheckedSegment]) -> None:
    engines.load(example.world)
    oracle = oracle_for(example.world)
    everyone = {row["id"] for row in example.world.data.customers}
    expected: dict[str, set[Any]] = {}
    for segment in example.segments:
        found = run_everywhere(engines, checked[segment.name], example.world, oracle, segment.given)
        assert found["duckdb"] == found["evaluator"] == found["postgres"], explain(example, segment.name, found)
        expected[segment.name] = found["evaluator"]
    # `run --all`: one query, one TRUE/FALSE column per segment, selects the same members
    for engine in ENGINES:
        query = compile_memberships([checked[s.name] for s in example.segments], tables=TABLE_MAP, dialect=engine,
                                    as_of=example.world.as_of, timezone=example.world.timezone,
                                    params={s.name: s.given for s in example.segments})
        sql = render(query, engine)
        show(f"-- memberships on {engine}:\n{sql}")
        rows = engines.rows(engine, sql)
        assert sorted(r[0] for r in rows) == sorted(everyone), f"{engine}: memberships lists every customer once"
        for i, segment in enumerate(example.segments, start=1):
            assert all(r[i] in (True, False) for r in rows), f"{engine}: {segment.name} is TRUE or FALSE, never NULL"
            assert {r[0] for r in rows if r[i]} == expected[segment.name], f"{engine}: {segment.name} in memberships"


def law_segments(segments: list[SegmentText]) -> list[SegmentText]:
    """`not (S)` for every S, `(A) and (B)` and `(A) or (B)` for pairs, written as text with the
    parameters of the segments they combine."""
    laws = [SegmentText(f"not_{s.name}", f"not ({s.where})", s.params, s.given) for s in segments]
    pairs = [(a, b) for i, a in enumerate(segments) for b in segments[i:]][:3]
    for a, b in pairs:
        params, given = {**a.params, **b.params}, {**a.given, **b.given}
        laws.append(SegmentText(f"and_{a.name}_{b.name}", f"({a.where}) and ({b.where})", params, given))
        laws.append(SegmentText(f"or_{a.name}_{b.name}", f"({a.where}) or ({b.where})", params, given))
    return laws


@pytest.mark.postgres
@examples_for(40)
@given(example=examples(count=2))
def test_laws_of_two_valued_logic_hold_on_every_engine(engines: Engines, example: Example) -> None:
    """§3.3: members(not S) = C − members(S), members(A and B) = ∩, members(A or B) = ∪, on each engine
    (and the engines agree on the combined segments too)."""
    laws = law_segments(example.segments)
    checked = check(example.segments + laws)
    engines.load(example.world)
    oracle = oracle_for(example.world)
    everyone = {row["id"] for row in example.world.data.customers}
    by_engine: dict[str, dict[str, set[Any]]] = {"evaluator": {}, "duckdb": {}, "postgres": {}}
    for segment in example.segments + laws:
        found = run_everywhere(engines, checked[segment.name], example.world, oracle, segment.given)
        for engine, members in found.items():
            by_engine[engine][segment.name] = members
    for segment in example.segments + laws:
        found = {engine: members[segment.name] for engine, members in by_engine.items()}
        assert found["duckdb"] == found["evaluator"] == found["postgres"], explain(example, segment.name, found)
    for engine, members in by_engine.items():
        for s in example.segments:
            assert members[f"not_{s.name}"] == everyone - members[s.name], f"{engine}: not ({s.name})"
        for law in laws:
            if law.name.startswith(("and_", "or_")):
                op, a, b = law.name.split("_", 2)
                expected = members[a] & members[b] if op == "and" else members[a] | members[b]
                assert members[law.name] == expected, f"{engine}: ({a}) {op} ({b})"


def assert_agrees_on(dialect: str, example: Example, run: Any) -> None:
    """Every segment of the example and its negation, compiled for `dialect`, against the evaluator: `run(source,
    folder, queries)` loads the example's tables from the DuckDB connection `source` (through files in `folder`)
    into the engine and returns each query's result ({"rows"} or {"error"}) by name."""
    laws = [law for law in law_segments(example.segments) if law.name.startswith("not_")]
    checked = check(example.segments + laws)
    source = duckdb.connect()
    try:
        for statement in ddl("duckdb"):
            source.execute(statement)
        load_duckdb(source, example.world)
        queries = {s.name: sql_for(checked[s.name], example.world, dialect, s.given) for s in example.segments + laws}
        for name, sql in queries.items():
            show(f"-- {name} on {dialect}:\n{sql}")
        with tempfile.TemporaryDirectory(prefix="segql-props-") as folder:
            results = run(source, Path(folder), queries)
    finally:
        source.close()
    oracle = oracle_for(example.world)
    for segment in example.segments + laws:
        result = results[segment.name]
        assert "error" not in result, f"{segment.name}: {result.get('error')}"
        keys = [row[0] for row in result["rows"]]
        assert len(keys) == len(set(keys)), f"{dialect} returned a customer twice: {sorted(keys)}"
        found = {"evaluator": oracle.members(checked[segment.name], segment.given), dialect: set(keys)}
        assert found[dialect] == found["evaluator"], explain(example, segment.name, found)


SCHEMAS = tuple(sorted({s for s, _ in TABLES}))


@pytest.mark.snowflake
@examples_for(4, deep=100)
@given(example=examples())
def test_snowflake_sql_on_the_emulator_agrees_with_the_evaluator(snowflake_emulator: Any, example: Example) -> None:
    """A few examples through the Snowflake emulator (fakesnow: Snowflake SQL read by its sqlglot, run on DuckDB),
    each a job of its own: its tables loaded as Snowflake loads them, every segment and its negation."""
    from segql.dialects.snowflake import Snowflake
    from tests.snowflake_emulator import fixture_statements

    def run(source: Any, folder: Path, queries: dict[str, str]) -> dict[str, Any]:
        setup = fixture_statements(source, SCHEMAS, folder, Snowflake.reserved)
        results: dict[str, Any] = snowflake_emulator.run({"setup": setup, "queries": queries})["results"]
        return results

    assert_agrees_on("snowflake", example, run)


def on_worker(worker: Any) -> Any:
    """A `run` for assert_agrees_on: the tables as Parquet files, loaded and queried by an engine's worker."""
    from tests.engine_workers import parquet_tables

    def run(source: Any, folder: Path, queries: dict[str, str]) -> dict[str, Any]:
        worker.load(parquet_tables(source, SCHEMAS, folder))
        results: dict[str, Any] = worker.run(queries)
        return results

    return run


@pytest.mark.clickhouse
@examples_for(40, deep=500)
@given(example=examples())
def test_clickhouse_sql_on_chdb_agrees_with_the_evaluator(clickhouse_worker: Any, example: Example) -> None:
    """Random segments and their negations on ClickHouse (the embedded chdb, its timestamp columns in a zone of
    their own): the same members as the reference evaluator."""
    assert_agrees_on("clickhouse", example, on_worker(clickhouse_worker))


@pytest.mark.spark
@examples_for(6, deep=200)
@given(example=examples())
def test_spark_sql_on_pyspark_agrees_with_the_evaluator(spark_worker: Any, example: Example) -> None:
    """A few examples on Spark (pyspark in local mode, in a Tokyo session): the same members as the evaluator."""
    assert_agrees_on("spark", example, on_worker(spark_worker))


@examples_for(150)
@given(example=examples())
def test_compiled_sql_is_deterministic(example: Example) -> None:
    """§5: the same segment compiles to the same SQL, byte for byte, every time and for every dialect."""
    checked = check(example.segments)
    again = check(example.segments)
    for segment in example.segments:
        for dialect in ("duckdb", "postgres", "snowflake", "clickhouse", "spark"):
            first = sql_for(checked[segment.name], example.world, dialect, segment.given)
            assert sql_for(checked[segment.name], example.world, dialect, segment.given) == first
            assert sql_for(again[segment.name], example.world, dialect, segment.given) == first


# ---- discrepancies the properties found, each as a plain example (docs/dialects.md lists them) ----

def customers(*rows: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": i, **row} for i, row in enumerate(rows, start=1)]


def example_of(where: list[str], people: list[dict[str, Any]], *, as_of: dt.date = dt.date(2024, 6, 30),
               timezone: str = "UTC", orders: list[dict[str, Any]] | None = None,
               sessions: list[dict[str, Any]] | None = None) -> Example:
    world = World(as_of, timezone, Dataset(people, {"region": []}, {"orders": orders or [], "sessions": sessions or []}))
    return Example(world, [SegmentText(f"s{i}", w) for i, w in enumerate(where)])


@pytest.mark.postgres
def test_a_percentile_inside_a_percentile_is_ranked_in_its_own_subquery(engines: Engines) -> None:
    """Was a window function inside a window's ORDER BY: an error on DuckDB and PostgreSQL."""
    example = example_of(
        ["top 50% by percentile(round(visits))",  # ranks 33.3, -, 66.7, 66.7, 0: ranked again, 3 and 4 are at 66.7
         "percentile(-percentile(visits) + percentile(ltv)) >= 50",
         "top 30% by -percentile(coalesce(visits, 0) - percentile(percentile(score)))"],
        customers(dict(visits=3, lifetime_value=Decimal("1"), score=0.5), dict(visits=None, lifetime_value=Decimal("2")),
                  dict(visits=7, score=1.5), dict(visits=7, lifetime_value=Decimal("0"), score=-2.5),
                  dict(visits=1, lifetime_value=Decimal("5"), score=0.0)))
    checked = check(example.segments, discard=False)
    assert oracle_for(example.world).members(checked["s0"]) == {3, 4}
    assert_engines_agree(engines, example, checked)


@pytest.mark.postgres
def test_remainder_of_a_double_precision_value_on_postgresql(engines: Engines) -> None:
    """Was `double precision % integer` on PostgreSQL (no such operator) when the dividend is a true division or
    floor/abs of a float, whatever its declared type."""
    example = example_of(
        ["(visits / 2) % 2 = 1.5", "floor(score) % 2 = -1", "abs(score) % 1 = 0.5", "ltv % (visits / 4) = 0.25"],
        customers(dict(visits=7, lifetime_value=Decimal("2.00"), score=-2.5), dict(visits=3, score=1.5),
                  dict(visits=None, lifetime_value=Decimal("1"), score=None), dict(visits=0, score=0.0)))
    checked = check(example.segments, discard=False)
    oracle = oracle_for(example.world)
    assert [oracle.members(checked[s.name]) for s in example.segments] == [{1, 2}, {1}, {1, 2}, {1}]
    assert_engines_agree(engines, example, checked)


@pytest.mark.postgres
def test_a_difference_or_remainder_on_the_right_keeps_its_parentheses(engines: Engines) -> None:
    """Was `a + b - c` for `a + (b - c)` (days_between is a date difference: numeric + date, an error),
    `a * b % c` for `a * (b % c)`, and `end - date + 3` for days_between(date + 3 days, end)."""
    example = example_of(
        ["visits + days_between(2024-06-01, today) = 32", "visits * (visits % 4) = 9",
         "days_between(birth_date + 3 days, today) = 27", "ltv - (visits - 1) = 0"],
        customers(dict(visits=3, lifetime_value=Decimal("2"), birth_date=dt.date(2024, 5, 31)),
                  dict(visits=2, lifetime_value=Decimal("1"), birth_date=dt.date(2024, 6, 1))))
    checked = check(example.segments, discard=False)
    oracle = oracle_for(example.world)
    assert [oracle.members(checked[s.name]) for s in example.segments] == [{1}, {1}, {1}, {1, 2}]
    assert_engines_agree(engines, example, checked)


@pytest.mark.postgres
def test_a_bound_of_between_at_a_time_zone_is_parenthesised(engines: Engines) -> None:
    """Was `x BETWEEN CAST(d AS TIMESTAMP) AT TIME ZONE 'America/New_York' AT TIME ZONE 'UTC' + … AND …`: a syntax
    error on PostgreSQL, whose grammar takes no AT TIME ZONE in a bound of BETWEEN."""
    example = example_of(
        ["signup_at between birth_date + 1 hour and signup_at", "signup_at not between birth_date and now"],
        customers(dict(birth_date=dt.date(2024, 6, 1), signup_at=dt.datetime(2024, 6, 1, 4, 30)),
                  dict(birth_date=dt.date(2024, 6, 1), signup_at=dt.datetime(2024, 6, 1, 5, 30)),
                  dict(birth_date=dt.date(2024, 6, 1), signup_at=None)),
        timezone="America/New_York")  # 2024-06-01 starts at 04:00 UTC
    checked = check(example.segments, discard=False)
    oracle = oracle_for(example.world)
    assert [oracle.members(checked[s.name]) for s in example.segments] == [{2}, {3}]
    assert_engines_agree(engines, example, checked)
