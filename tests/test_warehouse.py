"""materialize, snapshot and changes on DuckDB and on the session's PostgreSQL, over the retail example's data:
views and tables hold exactly the members and are replaced atomically, nothing is written outside the write
schema, a snapshot is idempotent per day and all-or-nothing, and changes are the set differences of the members.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from segql import api, warehouse
from segql.diagnostics import DiagnosticError, UsageProblem
from tests import cli, pg_server
from tests.compile_cases import sqlglot_readable
from tests.conftest import RETAIL_GROUPS

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"
RETAIL_SCHEMAS = ("crm", "sales", "web", "support", "marketing", "shop")
SCHEMA = "segments"
D1, D2 = dt.date(2026, 3, 1), dt.date(2026, 6, 30)
SOME = ("vip", "new_customers", "churn_risk", "rfm_champions", "winter_lapsed")
ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


# ---- the data: the generated DuckDB file (a fresh copy per test) and its copy in PostgreSQL ----

@pytest.fixture(scope="module")
def retail_pg(request: pytest.FixtureRequest, retail_duckdb: Path) -> str:
    dsn = pg_server.create_database(request.getfixturevalue("pg_dsn"), "segql_warehouse")
    pg_server.copy_duckdb(retail_duckdb, dsn, RETAIL_SCHEMAS)
    return dsn


@pytest.fixture(params=ENGINES)
def project(request: pytest.FixtureRequest, retail_duckdb: Path, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The retail project with `schema: segments` on both targets, its default target the engine under test."""
    engine = request.param
    data = tmp_path / "retail.duckdb"
    shutil.copy(retail_duckdb, data)
    for item in ("schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    config = (RETAIL / "segql.yml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^default_target: \w+$", f"default_target: {'local' if engine == 'duckdb' else 'warehouse'}",
                    config)
    config = re.sub(r"(?m)^  local: .*$", f"  local: {{type: duckdb, path: '{data}', schema: {SCHEMA}}}", config)
    config = re.sub(r"(?m)^  warehouse: .*$", f'  warehouse: {{type: postgres, dsn: "${{SEGQL_PG_DSN}}", schema: {SCHEMA}}}',
                    config)
    (tmp_path / "segql.yml").write_text(config, encoding="utf-8")
    if engine == "postgres":
        import psycopg

        dsn = request.getfixturevalue("retail_pg")
        monkeypatch.setenv("SEGQL_PG_DSN", dsn)
        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")  # noqa: S608  (a constant of this test)
    yield tmp_path


def workspace(root: Path) -> api.Workspace:
    return api.open_workspace(root)


def read(root: Path, sql: str) -> list[tuple[Any, ...]]:
    ws = workspace(root)
    engine = api.connect(ws, ws.target(None))
    try:
        return engine.query(sql)[1]
    finally:
        engine.close()


def members_of(root: Path, name: str, as_of: dt.date | None) -> set[Any]:
    ws = workspace(root)
    engine = api.connect(ws, ws.target(None))
    try:
        return set(api.members(ws, engine, ws.segment(name), as_of))
    finally:
        engine.close()


def relations(root: Path) -> dict[str, str]:
    """Name → table type of everything in the write schema."""
    rows = read(root, "SELECT table_name, table_type FROM information_schema.tables "
                      f"WHERE table_schema = '{SCHEMA}' AND table_catalog = current_database()")
    return {str(n): str(t) for n, t in rows}


def history(root: Path) -> list[tuple[Any, ...]]:
    return read(root, f"SELECT as_of, segment, customer_id, definition_hash FROM {SCHEMA}.segql_history "
                      "ORDER BY 1, 2, 3")


def invoke(*args: str) -> tuple[int, str, str]:
    return cli.invoke(*args, env={"NO_COLOR": "1"})


def with_writer(root: Path, action: Any) -> Any:
    ws = workspace(root)
    writer = warehouse.open_writer(ws, ws.target(None))
    try:
        return action(ws, writer)
    finally:
        writer.close()


# ---- materialize ----

def test_views_and_tables_hold_exactly_the_members(project: Path) -> None:
    code, out, err = invoke("materialize", *SOME, "--project", str(project))
    assert code == 0, err
    assert out.splitlines() == [f"created view {SCHEMA}.{name}" for name in SOME]
    for name in SOME:
        assert {r[0] for r in read(project, f"SELECT customer_id FROM {SCHEMA}.{name}")} == members_of(project, name, None)
    code, out, err = invoke("materialize", *SOME, "--kind", "table", "--as-of", D2.isoformat(), "--project", str(project))
    assert code == 0, err
    assert out.splitlines() == [f"replaced table {SCHEMA}.{name}" for name in SOME]
    assert set(relations(project).values()) == {"BASE TABLE"}
    for name in SOME:
        rows = read(project, f"SELECT customer_id FROM {SCHEMA}.{name}")
        assert len(rows) == len({r[0] for r in rows})
        assert {r[0] for r in rows} == members_of(project, name, D2)


def test_rematerializing_replaces_and_leaves_nothing_else(project: Path) -> None:
    def table_at(day: dt.date) -> None:
        code, _, err = invoke("materialize", "vip", "new_customers", "--kind", "table", "--as-of", day.isoformat(),
                              "--project", str(project))
        assert code == 0, err

    table_at(D1)
    table_at(D2)
    assert {r[0] for r in read(project, f"SELECT customer_id FROM {SCHEMA}.vip")} == members_of(project, "vip", D2)
    assert invoke("materialize", "vip", "--project", str(project))[0] == 0  # table → view
    assert invoke("materialize", "vip", "--project", str(project))[0] == 0  # view → view
    table_at(D1)  # view → table
    assert relations(project) == {"vip": "BASE TABLE", "new_customers": "BASE TABLE"}
    assert {r[0] for r in read(project, f"SELECT customer_id FROM {SCHEMA}.vip")} == members_of(project, "vip", D1)


def test_a_replacement_that_fails_leaves_the_old_relation(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_writer(project, lambda ws, w: warehouse.materialize(ws, w, ws.segments(["vip"]), schema=SCHEMA, kind="table",
                                                            as_of=D1))
    before = read(project, f"SELECT customer_id FROM {SCHEMA}.vip ORDER BY 1")
    real = warehouse.materialize_statements

    def then_fail(*args: Any, **kwargs: Any) -> list[exp.Expression]:  # a failing last statement, after the swap
        return [*real(*args, **kwargs), exp.Drop(tables=[exp.to_table(f"{SCHEMA}.no_such_table")], kind="TABLE")]

    monkeypatch.setattr(warehouse, "materialize_statements", then_fail)
    with pytest.raises(DiagnosticError) as failed:
        with_writer(project, lambda ws, w: warehouse.materialize(ws, w, ws.segments(["vip"]), schema=SCHEMA,
                                                                kind="table", as_of=D2))
    assert failed.value.diagnostics[0].code == "E403"
    assert read(project, f"SELECT customer_id FROM {SCHEMA}.vip ORDER BY 1") == before
    assert relations(project) == {"vip": "BASE TABLE"}


@pytest.mark.parametrize("schema", ["crm", "SALES", "marketing", "information_schema"])
def test_a_write_schema_holding_data_is_refused(project: Path, schema: str) -> None:
    tables_before = read(project, "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2")
    for args in (("materialize", "vip"), ("snapshot", "vip", "--as-of", D1.isoformat())):
        code, out, err = invoke(*args, "--schema", schema, "--project", str(project))
        assert code == 1 and out == ""
        assert "E407" in err and f"will not write to schema `{schema}`" in err
    assert read(project, "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2") == tables_before


def test_without_a_configured_schema_nothing_is_written(project: Path) -> None:
    config = (project / "segql.yml").read_text(encoding="utf-8").replace(f", schema: {SCHEMA}", "")
    (project / "segql.yml").write_text(config, encoding="utf-8")
    code, _, err = invoke("materialize", "vip", "--project", str(project))
    assert code == 2 and "has no `schema` setting" in err
    code, _, err = invoke("materialize", "vip", "--kind", "table", "--schema", SCHEMA, "--project", str(project))
    assert code == 2 and "--as-of" in err
    assert relations(project) == {}


def test_names_or_all_but_not_both(project: Path) -> None:
    assert invoke("snapshot", "--project", str(project))[0] == 2
    assert invoke("snapshot", "vip", "--all", "--project", str(project))[0] == 2
    assert invoke("materialize", "nope", "--project", str(project))[0] == 2


# ---- every statement writes only into the write schema ----

def written_object(statement: exp.Expression) -> exp.Table:
    """The table, view or schema a DDL/DML statement writes to."""
    match statement:
        case exp.Create(kind="SCHEMA"):
            return statement.this
        case exp.Create() | exp.Insert():
            target = statement.this
            return target.this if isinstance(target, exp.Schema) else target
        case exp.Drop():
            [table] = statement.args["tables"]
            return table
        case exp.Alter() | exp.Delete():
            return statement.this
    raise AssertionError(f"unexpected statement {type(statement).__name__}")


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_every_statement_writes_only_into_the_write_schema(dialect: str) -> None:
    ws = workspace(RETAIL)
    segments = ws.segments([])
    existing = [None, warehouse.Existing("VIEW", ("customer_id",)), warehouse.Existing("VIEW", ("other",)),
                warehouse.Existing("TABLE", ("customer_id",))]
    plans = [warehouse.materialize_statements(ws, s, dialect=dialect, schema=SCHEMA, kind=kind, as_of=as_of,
                                              existing=e)
             for s in segments[:3] for kind, as_of in (("view", None), ("table", D2)) for e in existing]
    plans.append(warehouse.snapshot_statements(ws, segments, dialect=dialect, schema=SCHEMA, as_of=D2))
    plans.append([warehouse.create_schema(warehouse.get_dialect(dialect), SCHEMA)])
    seen = set()
    for plan in plans:
        for statement in plan:
            text = warehouse.statement_sql(statement, dialect)
            for tree in (statement, sqlglot.parse_one(sqlglot_readable(text), read=dialect)):  # the tree, and the SQL it renders to
                seen.add(type(tree).__name__)
                target = written_object(tree)
                assert target.db == SCHEMA, text
                if isinstance(tree, exp.Alter):  # RENAME TO: a bare name, so it stays in the schema
                    [rename] = tree.args["actions"]
                    assert not rename.this.db
    assert {"Create", "Drop", "Delete", "Insert"} <= seen
    assert "Alter" in seen or dialect == "duckdb"


def test_statements_are_trees_without_user_text(project: Path) -> None:
    """A schema name that looks like SQL stays one quoted identifier."""
    ws = workspace(RETAIL)
    hostile = 'x"; DROP SCHEMA crm; --'
    for statement in warehouse.materialize_statements(ws, ws.segment("vip"), dialect="postgres", schema=hostile,
                                                      kind="view", as_of=None, existing=None):
        parsed = sqlglot.parse(sqlglot_readable(warehouse.statement_sql(statement, "postgres")), read="postgres")
        assert len(parsed) == 1 and written_object(parsed[0]).db == hostile


# ---- snapshot ----

def test_a_snapshot_run_twice_holds_no_duplicates(project: Path) -> None:
    for _ in range(2):
        code, out, err = invoke("snapshot", "--all", "--as-of", D2.isoformat(), "--project", str(project))
        assert code == 0, err
    rows = history(project)
    assert len(rows) == len(set(rows))
    ws = workspace(project)
    names = sorted([*ws.result.segments, *RETAIL_GROUPS])  # each group recorded as a segment `s.group`
    by_segment: dict[str, set[Any]] = {n: set() for n in names}
    for as_of, segment, key, _ in rows:
        assert as_of == D2
        by_segment[segment].add(key)
    for name in ("vip", "churn_risk", "test_accounts"):
        assert by_segment[name] == members_of(project, name, D2)
    assert f"{D2.isoformat()}  vip  {len(by_segment['vip'])} members" in out
    snapshots = read(project, f"SELECT segment, members FROM {SCHEMA}.segql_snapshots ORDER BY 1")
    assert snapshots == [(n, len(by_segment[n])) for n in names]  # empty segments are recorded too


def test_a_rerun_replaces_only_that_day_and_those_segments(project: Path) -> None:
    assert invoke("snapshot", *SOME, "--as-of", D1.isoformat(), "--project", str(project))[0] == 0
    assert invoke("snapshot", *SOME, "--as-of", D2.isoformat(), "--project", str(project))[0] == 0
    day1 = [r for r in history(project) if r[0] == D1]
    assert invoke("snapshot", "vip", "--as-of", D2.isoformat(), "--project", str(project))[0] == 0
    rows = history(project)
    assert [r for r in rows if r[0] == D1] == day1
    assert {r[1] for r in rows if r[0] == D2} == set(SOME)
    hashes = {(r[1], r[3]) for r in rows}
    assert len(hashes) == len(SOME)  # the definition hash does not depend on the date


@pytest.mark.parametrize("failure", ["killed after the delete", "a statement fails after the insert"])
def test_a_snapshot_failing_part_way_leaves_the_history_as_it_was(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  failure: str) -> None:
    assert invoke("snapshot", *SOME, "--as-of", D1.isoformat(), "--project", str(project))[0] == 0
    assert invoke("snapshot", *SOME, "--as-of", D2.isoformat(), "--project", str(project))[0] == 0
    before = history(project)
    recorded = read(project, f"SELECT * FROM {SCHEMA}.segql_snapshots ORDER BY 1, 2")
    executed: list[str] = []

    def take(ws: api.Workspace, writer: Any) -> None:
        real_execute = writer.execute

        def execute(sql: str, params: Sequence[Any] = ()) -> None:
            executed.append(sql)
            if failure == "killed after the delete" and sql.startswith("INSERT"):
                raise KeyboardInterrupt  # as if the process were interrupted between the DELETE and the INSERT
            real_execute(sql, params)

        writer.execute = execute
        warehouse.snapshot(ws, writer, ws.segments(list(SOME)), schema=SCHEMA, as_of=D2)

    if failure == "killed after the delete":
        with pytest.raises(KeyboardInterrupt):
            with_writer(project, take)
    else:
        real = warehouse.snapshot_statements

        def then_fail(*args: Any, **kwargs: Any) -> list[exp.Expression]:
            return [*real(*args, **kwargs), exp.Delete(this=exp.to_table(f"{SCHEMA}.no_such_table"))]

        monkeypatch.setattr(warehouse, "snapshot_statements", then_fail)
        with pytest.raises(DiagnosticError):
            with_writer(project, take)
    assert any(s.startswith("DELETE") for s in executed)  # the day's rows were deleted in the transaction…
    assert history(project) == before  # …and are back, byte for byte
    assert read(project, f"SELECT * FROM {SCHEMA}.segql_snapshots ORDER BY 1, 2") == recorded


def test_a_first_snapshot_that_fails_creates_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = warehouse.snapshot_statements
    monkeypatch.setattr(warehouse, "snapshot_statements", lambda *a, **k: [
        *real(*a, **k), exp.Delete(this=exp.to_table(f"{SCHEMA}.no_such_table"))])
    code, _, err = invoke("snapshot", "vip", "--as-of", D1.isoformat(), "--project", str(project))
    assert code == 1 and "E403" in err
    assert relations(project) == {}


# ---- changes ----

def test_changes_are_the_set_differences_of_the_members(project: Path) -> None:
    assert invoke("snapshot", *SOME, "--as-of", D1.isoformat(), "--project", str(project))[0] == 0
    assert invoke("snapshot", *SOME, "--as-of", D2.isoformat(), "--project", str(project))[0] == 0
    found = with_writer(project, lambda ws, w: warehouse.changes(ws, w, schema=SCHEMA, start=D1, end=D2))
    assert not found.skipped and not found.redefined
    for name in SOME:
        before, after = members_of(project, name, D1), members_of(project, name, D2)
        entered = {k for s, c, k in found.rows if s == name and c == "entered"}
        left = {k for s, c, k in found.rows if s == name and c == "left"}
        assert entered == after - before and left == before - after
        assert found.counts[name] == (len(after - before), len(before - after))
    assert sum(e + lft for e, lft in found.counts.values()) > 0
    code, out, err = invoke("changes", "--from", D1.isoformat(), "--to", D2.isoformat(), "--segment", "vip",
                            "--format", "csv", "--project", str(project))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "segment,change,customer_id"
    assert len(lines) - 1 == sum(found.counts["vip"])
    assert f"vip: {found.counts['vip'][0]} entered, {found.counts['vip'][1]} left" in err
    # backwards, entries and exits swap
    back = with_writer(project, lambda ws, w: warehouse.changes(ws, w, schema=SCHEMA, start=D2, end=D1))
    assert back.counts == {n: (left, entered) for n, (entered, left) in found.counts.items()}


def test_changes_need_a_snapshot_on_both_dates(project: Path) -> None:
    args = ("changes", "--from", D1.isoformat(), "--to", D2.isoformat(), "--project", str(project))
    code, _, err = invoke(*args)
    assert code == 2 and "holds no snapshots" in err
    assert invoke("snapshot", "vip", "new_customers", "--as-of", D1.isoformat(), "--project", str(project))[0] == 0
    code, _, err = invoke(*args)
    assert code == 2 and f"no snapshot on {D2.isoformat()}" in err and D1.isoformat() in err
    assert invoke("snapshot", "vip", "--as-of", D2.isoformat(), "--project", str(project))[0] == 0
    code, out, err = invoke(*args, "--format", "jsonl")
    assert code == 0, err
    assert "new_customers: skipped" in err and all('"segment": "vip"' in line for line in out.splitlines())
    code, _, err = invoke(*args, "--segment", "new_customers")
    assert code == 2 and "of segment `new_customers`" in err


# ---- parameters ----

def members_with(root: Path, name: str, as_of: dt.date | None, params: dict[str, str]) -> set[Any]:
    ws = workspace(root)
    engine = api.connect(ws, ws.target(None))
    try:
        return set(api.members(ws, engine, ws.segment(name), as_of, params))
    finally:
        engine.close()


def test_materialize_and_snapshot_take_parameters_as_run_does(project: Path) -> None:
    """`--param min_spend=100`: the table, the view and the day's history hold the members with that value, and
    the history's definition hash tells that day's definition from the default one."""
    given = {"min_spend": "100"}
    lower, default = members_with(project, "high_value_lapsed", D2, given), members_of(project, "high_value_lapsed", D2)
    assert default < lower  # the value changes the members, so the checks below can tell whether it was used
    flag = ("--param", "min_spend=100")
    code, _, err = invoke("materialize", "high_value_lapsed", "--kind", "table", "--as-of", D2.isoformat(), *flag,
                          "--project", str(project))
    assert code == 0, err
    assert {r[0] for r in read(project, f"SELECT customer_id FROM {SCHEMA}.high_value_lapsed")} == lower
    code, _, err = invoke("materialize", "high_value_lapsed", *flag, "--project", str(project))
    assert code == 0, err
    assert {r[0] for r in read(project, f"SELECT customer_id FROM {SCHEMA}.high_value_lapsed")} == \
        members_with(project, "high_value_lapsed", None, given)

    assert invoke("snapshot", "high_value_lapsed", "--as-of", D1.isoformat(), "--project", str(project))[0] == 0
    code, out, err = invoke("snapshot", "high_value_lapsed", "vip", "--as-of", D2.isoformat(), *flag,
                            "--project", str(project))
    assert code == 0, err
    rows = history(project)
    assert {key for day, segment, key, _ in rows if day == D2 and segment == "high_value_lapsed"} == lower
    # vip declares `min_spend` too: with several segments, each that declares a parameter takes it (as `run` does)
    assert {key for day, segment, key, _ in rows if day == D2 and segment == "vip"} == \
        members_with(project, "vip", D2, given) != members_of(project, "vip", D2)
    hashes = {day: h for day, segment, _, h in rows if segment == "high_value_lapsed"}
    assert hashes[D1] != hashes[D2]
    code, _, err = invoke("changes", "--from", D1.isoformat(), "--to", D2.isoformat(), "--segment",
                          "high_value_lapsed", "--project", str(project))
    assert code == 0 and "its definition changed between the two snapshots" in err, err


def test_a_parameter_no_segment_declares_is_refused(project: Path) -> None:
    for command in (("materialize",), ("snapshot", "--as-of", D2.isoformat())):
        code, _, err = invoke(*command, "vip", "new_customers", "--param", "min_spendd=100", "--project", str(project))
        assert code == 2 and "min_spendd" in err, err
        code, out, err = invoke(*command, "vip", "--param", "min_spend=lots", "--project", str(project))
        assert code == 1 and "E227" in out + err, out + err
    assert relations(project) == {}  # nothing was written


def test_the_library_refuses_a_view_with_a_pinned_date() -> None:
    ws = workspace(RETAIL)
    with pytest.raises(UsageProblem):
        warehouse.materialize(ws, None, [], schema=SCHEMA, kind="view", as_of=D1)  # type: ignore[arg-type]


def test_a_schema_where_unqualified_tables_may_be_is_refused(project: Path, request: pytest.FixtureRequest) -> None:
    """`customers` with no schema is in whatever schema the session resolves it in: never written to."""
    schema_yml = project / "schema.yml"
    schema_yml.write_text(schema_yml.read_text(encoding="utf-8").replace("table: crm.customers", "table: customers"),
                          encoding="utf-8")
    if request.node.callspec.params["project"] == "duckdb":
        refused = ["main", "MAIN"]
    else:  # the session's search path decides where `customers` is
        config = (project / "segql.yml").read_text(encoding="utf-8")
        (project / "segql.yml").write_text(config.replace(
            f"schema: {SCHEMA}}}", f"schema: {SCHEMA}, options: '-c search_path=audience,{SCHEMA},public'}}"),
            encoding="utf-8")
        refused = ["public", "audience", SCHEMA]
    for schema in refused:
        code, _, err = invoke("snapshot", "vip", "--as-of", D1.isoformat(), "--schema", schema, "--project", str(project))
        assert code == 1 and "E407" in err, err
    assert relations(project) == {}


def test_a_view_with_other_columns_is_replaced(project: Path) -> None:
    """PostgreSQL's CREATE OR REPLACE VIEW cannot change a view's columns: segql drops and creates it instead."""
    def old_view(ws: api.Workspace, writer: Any) -> None:
        with writer.transaction():
            writer.execute(f"CREATE SCHEMA {SCHEMA}")
            writer.execute(f"CREATE VIEW {SCHEMA}.vip AS SELECT 1 AS old_key, 2 AS other")

    with_writer(project, old_view)
    code, out, err = invoke("materialize", "vip", "--project", str(project))
    assert code == 0 and out == f"replaced view {SCHEMA}.vip\n", err
    assert {r[0] for r in read(project, f"SELECT customer_id FROM {SCHEMA}.vip")} == members_of(project, "vip", None)


@pytest.mark.parametrize("project", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_snapshots_of_one_day_at_the_same_time_take_turns(project: Path) -> None:
    """Two runs at once: without the write schema's lock both would delete before either inserts (duplicates)."""
    import threading

    writers = []
    for _ in range(3):
        ws = workspace(project)
        writers.append((ws, warehouse.open_writer(ws, ws.target(None))))
    errors: list[BaseException] = []

    def take(ws: api.Workspace, writer: Any) -> None:
        try:
            warehouse.snapshot(ws, writer, ws.segments(list(SOME)), schema=SCHEMA, as_of=D2)
        except BaseException as err:  # noqa: BLE001  (reported below)
            errors.append(err)

    try:
        for _ in range(2):
            threads = [threading.Thread(target=take, args=pair) for pair in writers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        for _, writer in writers:
            writer.close()
    assert not errors
    rows = history(project)
    assert len(rows) == len(set(rows))
    assert {(s, k) for _, s, k, _ in rows} == {(s, k) for s in SOME for k in members_of(project, s, D2)}


def test_every_statement_executed_writes_only_into_the_write_schema(project: Path) -> None:
    """What reaches the engine, re-parsed: writes target the write schema; the rest are plain SELECTs."""
    executed: list[str] = []
    dialects: list[str] = []

    def run_all(ws: api.Workspace, writer: Any) -> None:
        dialects.append(writer.dialect)
        real_execute = writer.execute

        def execute(sql: str, params: Sequence[Any] = ()) -> None:
            executed.append(sql)
            real_execute(sql, params)

        writer.execute = execute
        some = ws.segments(list(SOME))
        warehouse.materialize(ws, writer, some, schema=SCHEMA, kind="view", as_of=None)
        warehouse.materialize(ws, writer, some, schema=SCHEMA, kind="table", as_of=D1)
        warehouse.materialize(ws, writer, some, schema=SCHEMA, kind="table", as_of=D2)
        warehouse.snapshot(ws, writer, some, schema=SCHEMA, as_of=D1)
        warehouse.snapshot(ws, writer, some, schema=SCHEMA, as_of=D1)

    with_writer(project, run_all)
    kinds = set()
    for sql in executed:
        [tree] = sqlglot.parse(sqlglot_readable(sql), read=dialects[0])
        kinds.add(type(tree).__name__)
        if isinstance(tree, exp.Select):
            assert not tree.args.get("into") and not list(tree.find_all(exp.Create, exp.Insert, exp.Delete)), sql
            continue
        assert written_object(tree).db == SCHEMA, sql
    assert {"Create", "Insert", "Delete"} <= kinds
