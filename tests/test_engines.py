"""ClickHouse (the embedded chdb) and Spark (pyspark in local mode), each run by its session's worker
(tests/engine_workers.py) through segql's own engine for the target type: every compile case and its complement
selecting the members DESIGN §3 says, the one-query memberships, and every example segment selecting DuckDB's
members at two as-of dates, with the project in UTC and in New York.

The engines run in a session zone that is not UTC (Asia/Tokyo), and chdb's timestamp columns carry a zone of their
own (also Tokyo): the SQL must name every zone it reads a time in.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from segql.engines import connect
from segql.project import Target
from tests import engine_runs
from tests.compile_cases import ALL, CASES, Case
from tests.engine_workers import Worker
from tests.test_snowflake import workspace_in

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"
AS_OF_DATES, ZONES, ENGINES = engine_runs.AS_OF_DATES, engine_runs.ZONES, engine_runs.ENGINES

# (engine, case) whose SQL an engine cannot run or computes differently, with the reason: none so far.
KNOWN_LIMITS: dict[tuple[str, str], str] = {}


def engine_params(values: list[Any], ids: list[str], engine_of: Any) -> list[Any]:
    """pytest params marked with their engine (the summary counts the tests per engine)."""
    return [pytest.param(v, marks=[getattr(pytest.mark, engine_of(v))], id=i) for v, i in zip(values, ids, strict=True)]


def worker_for(request: pytest.FixtureRequest, engine: str) -> Worker:
    worker: Worker = request.getfixturevalue(f"{engine}_worker")
    return worker


def rows_of(result: dict[str, Any], what: str) -> list[Any]:
    assert "error" not in result, f"{what} failed: {result.get('error')}"
    return [row[0] for row in result["rows"]]


# ---- the compile cases: members and their complement ----

MEMBERSHIP_CASES = engine_runs.membership_cases()


@pytest.fixture(scope="module")
def case_tables() -> list[dict[str, Any]]:
    return engine_runs.case_tables()


def case_runs(request: pytest.FixtureRequest, engine: str) -> dict[str, Any]:
    """Every case, its negation and the memberships query on the engine, in one request (once per engine, usually
    done in the background by the time a test asks: tests/engine_runs.py)."""
    return engine_runs.run_cases(engine, worker_for(request, engine))


def case_params() -> list[Any]:
    params = []
    for engine in ENGINES:
        for case in CASES:
            reason = KNOWN_LIMITS.get((engine, case.name))
            marks = [getattr(pytest.mark, engine)] + ([pytest.mark.xfail(strict=True, reason=reason)] if reason else [])
            params.append(pytest.param(engine, case, marks=marks, id=f"{engine}-{case.name}"))
    return params


@pytest.mark.parametrize(("engine", "case"), case_params())
def test_case_members(engine: str, case: Case, request: pytest.FixtureRequest) -> None:
    keys = rows_of(case_runs(request, engine)[case.name], case.name)
    assert len(keys) == len(set(keys)), f"a customer returned twice: {sorted(keys)}"
    assert set(keys) == case.expected


@pytest.mark.parametrize(("engine", "case"), case_params())
def test_case_complement(engine: str, case: Case, request: pytest.FixtureRequest) -> None:
    """§3.3: members(not S) = C − members(S)."""
    assert set(rows_of(case_runs(request, engine)[f"not {case.name}"], f"not {case.name}")) == ALL - case.expected


@pytest.mark.parametrize("engine", engine_params(list(ENGINES), list(ENGINES), lambda e: e))
def test_memberships(engine: str, request: pytest.FixtureRequest) -> None:
    result = case_runs(request, engine)["memberships"]
    assert "error" not in result, result.get("error")
    rows = result["rows"]
    assert sorted(r[0] for r in rows) == sorted(ALL)
    for i, case in enumerate(MEMBERSHIP_CASES, start=1):
        assert all(r[i] in (True, False) for r in rows), f"{case.name} must be TRUE or FALSE, never NULL"
        assert {r[0] for r in rows if r[i]} == case.expected, case.name


# ---- differential: every example segment, each engine against DuckDB on the same data ----

RETAIL_SEGMENTS = engine_runs.retail_segments()


@pytest.fixture(scope="module")
def retail_expected() -> dict[str, Any]:
    """DuckDB's members of every (segment, as-of, zone), the engines' SQL for each, and the data as Parquet."""
    return engine_runs.retail_prepared()


def retail_runs(request: pytest.FixtureRequest, engine: str) -> dict[str, Any]:
    return engine_runs.run_retail(engine, worker_for(request, engine))


def differential_params() -> list[Any]:
    keys = [f"{name}@{as_of}@{zone}" for zone in ZONES for as_of in AS_OF_DATES for name in RETAIL_SEGMENTS]
    return [pytest.param(engine, key, marks=[getattr(pytest.mark, engine)], id=f"{engine}-{key}")
            for engine in ENGINES for key in keys]


@pytest.mark.parametrize(("engine", "key"), differential_params())
def test_selects_the_members_duckdb_selects(engine: str, key: str, request: pytest.FixtureRequest) -> None:
    expected = request.getfixturevalue("retail_expected")["expected"][key]
    got = sorted(rows_of(retail_runs(request, engine)[key], key))
    only_duckdb = sorted(set(expected) - set(got))
    only_engine = sorted(set(got) - set(expected))
    assert not only_duckdb and not only_engine and len(got) == len(expected), (
        f"{key}: {len(expected)} members on DuckDB, {len(got)} on {engine}; "
        f"only on DuckDB {only_duckdb[:10]}, only on {engine} {only_engine[:10]}")
    if "@2026-06-30@" in key:
        assert expected, "the demo data gives every segment some members"


# ---- the engines' settings, drivers and errors (without a connection; the drivers are not in segql's venv) ----

SECRET = "hunter2-Zq9"  # a password that must never appear in any message


def diagnostic_of(action: Any) -> tuple[str, str]:
    """The code and message + hint of the one diagnostic `action()` raises."""
    from segql.diagnostics import DiagnosticError

    with pytest.raises(DiagnosticError) as raised:
        action()
    [diag] = raised.value.diagnostics
    return diag.code, f"{diag.message} {diag.hint}"


def without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for name in modules:
        monkeypatch.setitem(__import__("sys").modules, name, None)  # `import name` now raises ImportError


DRIVERS = ("chdb", "clickhouse_connect", "pyspark", "pyspark.sql", "databricks", "databricks.sql")


@pytest.mark.parametrize(("kind", "settings", "code", "expected"), [
    ("clickhouse", {"host": "ch.internal", "password": SECRET}, "E405", "pip install 'segql[clickhouse]'"),
    ("clickhouse", {"path": ":memory:"}, "E405", "pip install 'segql[chdb]'"),
    ("clickhouse", {"hots": "ch.internal"}, "E402", "unknown setting `hots` for a clickhouse target"),
    ("clickhouse", {"path": ":memory:", "host": "ch.internal"}, "E402", "either `path` (embedded chdb) or `host`"),
    ("clickhouse", {"password": SECRET}, "E402", "needs a `host` (a server) or a `path`"),
    ("spark", {}, "E405", "pip install 'segql[spark]'"),
    ("spark", {"master": "local[2]", "remote": "sc://spark:15002"}, "E402", "not both"),
    ("spark", {"mastr": "local"}, "E402", "did you mean `master`?"),
    ("databricks", {"host": "adb.example", "http_path": "/sql/1.0/warehouses/x", "token": SECRET}, "E405",
     "pip install 'segql[databricks]'"),
    ("databricks", {"host": "adb.example", "http_path": "/sql/1.0/warehouses/x"}, "E402", "needs `token`"),
    ("databricks", {"host": "adb.example", "token": SECRET, "warehouse": "x"}, "E402", "unknown setting `warehouse`"),
], ids=["clickhouse_driver", "chdb_driver", "clickhouse_unknown", "clickhouse_both", "clickhouse_neither",
        "spark_driver", "spark_both", "spark_unknown", "databricks_driver", "databricks_token", "databricks_unknown"])
def test_settings_and_drivers(monkeypatch: pytest.MonkeyPatch, kind: str, settings: dict[str, str], code: str,
                              expected: str) -> None:
    without(monkeypatch, *DRIVERS)
    got, text = diagnostic_of(lambda: connect(Target("t", kind, settings), ROOT))
    assert got == code and expected in text and SECRET not in text


@pytest.mark.parametrize("kind", ["clickhouse", "spark", "databricks"])
def test_writing_is_refused_before_connecting(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """materialize and snapshot need one transaction (or an atomic swap) per replacement: segql only reads here."""
    without(monkeypatch, *DRIVERS)
    code, text = diagnostic_of(lambda: connect(Target("t", kind, {"host": "h", "token": SECRET}), ROOT, write=True))
    assert code == "E405" and "only reads" in text and SECRET not in text


def test_the_new_target_types_are_valid_in_segql_yml(tmp_path: Path) -> None:
    from segql.project import load_project

    (tmp_path / "segql.yml").write_text(
        "name: t\ntargets:\n  ch: {type: clickhouse, host: ch.internal, password: \"${CH_PASSWORD}\"}\n"
        "  local_ch: {type: clickhouse, path: data/ch}\n  sp: {type: spark, remote: \"sc://spark:15002\"}\n"
        "  db: {type: databricks, host: adb.example, http_path: /sql/x, token: \"${DATABRICKS_TOKEN}\"}\n",
        encoding="utf-8")
    project, problems = load_project(tmp_path)
    assert problems == [] and [t.type for t in project.targets.values()] == ["clickhouse", "clickhouse", "spark",
                                                                             "databricks"]


# ---- the engines on their workers ----

WRITES = ["INSERT INTO crm.customers (customer_id) VALUES (99)", "CREATE TABLE crm.u (x Int32) ENGINE = Memory",
          "DROP TABLE crm.customers", "SELECT 1; DROP TABLE crm.customers", "TRUNCATE TABLE crm.customers"]


@pytest.mark.parametrize("engine", engine_params(list(ENGINES), list(ENGINES), lambda e: e))
def test_only_selects_are_sent_and_errors_are_e403(engine: str, request: pytest.FixtureRequest) -> None:
    worker = worker_for(request, engine)
    worker.load(request.getfixturevalue("case_tables"))  # other tests may have loaded other tables since
    failing = ("SELECT throwIf(number = 3) FROM numbers(1000000)" if engine == "clickhouse"
               else "SELECT assert_true(id < 3) FROM range(10)")
    results = worker.run({"missing": "SELECT * FROM no_such_table", "failing": failing, "after": "SELECT 1 AS one",
                          **{f"write_{i}": sql for i, sql in enumerate(WRITES)},
                          "count": "SELECT count(*) AS n FROM crm.customers"})
    assert results["missing"]["error"]["code"] == "E403" and "no_such_table" in results["missing"]["error"]["message"]
    assert "\n" not in results["missing"]["error"]["message"], "only the first line of the engine's message"
    assert results["failing"]["error"]["code"] == "E403"
    # after a query that failed while running, chdb's next result on the same cursor began with its partial output
    assert results["after"] == {"columns": ["one"], "rows": [[1]]}
    for i in range(len(WRITES)):
        error = results[f"write_{i}"]["error"]
        assert error["code"] == "E403" and "segql only reads" in error["message"]
    assert results["count"]["rows"] == [[len(ALL)]]


@pytest.mark.clickhouse
def test_unreachable_clickhouse_server_is_e402_without_the_password(clickhouse_worker: Worker) -> None:
    """clickhouse-connect (in the worker's environment), pointed at a closed local port."""
    from tests.pg_server import free_port

    error = clickhouse_worker.connect_error("clickhouse", {"host": "127.0.0.1", "port": str(free_port()),
                                                           "username": "alice", "password": SECRET,
                                                           "connect_timeout": "3"})
    assert error is not None and error["code"] == "E402" and "cannot connect to ClickHouse" in error["message"]
    assert "host=127.0.0.1" in error["message"] and SECRET not in repr(error)


@pytest.mark.clickhouse
def test_chdb_folder_must_exist(clickhouse_worker: Worker) -> None:
    error = clickhouse_worker.connect_error("clickhouse", {"path": "no/such/folder"})
    assert error is not None and error["code"] == "E402" and "does not exist" in error["message"]


# ---- the segql command on a clickhouse target (chdb, in its environment) ----

@pytest.mark.clickhouse
def test_cli_count_and_run_on_a_chdb_target_equal_duckdb(clickhouse_worker: Worker, retail_duckdb: Path,
                                                         request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """`segql count` and `segql run` with `type: clickhouse, path: …` in segql.yml, run by the segql command in the
    ClickHouse environment, print what they print for the DuckDB target."""
    import json
    import os
    import subprocess

    from tests import cli
    from tests.engine_workers import __file__ as workers_file

    tables = request.getfixturevalue("retail_expected")["tables"]
    folder, listing = tmp_path / "chdb", tmp_path / "tables.json"
    listing.write_text(json.dumps(tables), encoding="utf-8")
    python = str(clickhouse_worker.python())
    subprocess.run([python, workers_file, "chdb-folder", str(folder), str(listing)], check=True, cwd=ROOT,
                   capture_output=True, timeout=300)
    project = tmp_path / "project"
    project.mkdir()
    workspace_in("UTC", project)
    config = (project / "segql.yml").read_text(encoding="utf-8")
    config, n = re.subn(r"(?m)^  local: .*$", f"  local: {{type: duckdb, path: '{retail_duckdb}'}}\n"
                        f"  ch: {{type: clickhouse, path: '{folder}'}}", config)
    assert n == 1
    (project / "segql.yml").write_text(config, encoding="utf-8")
    for args in (("count", "--as-of", "2026-06-30", "--format", "csv"),
                 ("run", "vip", "churn_risk", "--as-of", "2026-06-30", "--format", "csv")):
        command = (*args, "--project", str(project))
        done = subprocess.run([python, "-c", "from segql.cli import main; main()", *command, "--target", "ch"],
                              capture_output=True, text=True, cwd=ROOT, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"})
        assert done.returncode == 0, done.stderr
        code, on_duckdb, err = cli.invoke(*command, "--target", "local", env={"NO_COLOR": "1"})
        assert code == 0, err
        assert done.stdout == on_duckdb and len(on_duckdb.splitlines()) > 20


class WorkerEngine:
    """segql's Engine protocol over a worker: operations' own queries (run, count, overlap) sent to the engine."""

    def __init__(self, dialect: str, worker: Worker) -> None:
        self.dialect, self.worker = dialect, worker

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        result = self.worker.run({"q": sql})["q"]
        assert "error" not in result, result.get("error")
        return result["columns"], [tuple(row) for row in result["rows"]]

    def close(self) -> None:
        pass


@pytest.mark.parametrize("engine", engine_params(list(ENGINES), list(ENGINES), lambda e: e))
def test_run_count_and_overlap_queries_equal_duckdb(engine: str, request: pytest.FixtureRequest,
                                                    retail_duckdb: Path, tmp_path: Path) -> None:
    """The members of several segments with customer columns (`run --all`), their sizes and pairwise overlaps
    (`count`, `overlap`): one query each, on the engine as on DuckDB."""
    from segql import operations

    prepared = request.getfixturevalue("retail_expected")
    worker = worker_for(request, engine)
    worker.load(prepared["tables"])
    ws = workspace_in("America/New_York", tmp_path)
    segments = ws.segments(["vip", "churn_risk", "rfm_champions", "weekend_shoppers"])
    day = dt.date(2026, 6, 30)
    duck = connect(Target("local", "duckdb", {"path": str(retail_duckdb)}), ROOT)
    try:
        on_engine = WorkerEngine(engine, worker)
        columns = ["country", "signup_at"]
        expected = operations.members(ws, duck, segments, day, columns=columns)
        got = operations.members(ws, on_engine, segments, day, columns=columns)
        assert [row[0] for row in got.rows] == [row[0] for row in expected.rows] and len(got.rows) > 100
        assert [[bool(v) for v in row[3:]] for row in got.rows] == [list(row[3:]) for row in expected.rows]
        assert [row[1] for row in got.rows] == [row[1] for row in expected.rows]
        assert operations.sizes(ws, on_engine, segments, day, pairs=True) == operations.sizes(ws, duck, segments, day,
                                                                                              pairs=True)
    finally:
        duck.close()


@pytest.mark.parametrize("engine", engine_params(list(ENGINES), list(ENGINES), lambda e: e))
def test_columns_for_targets_check(engine: str, request: pytest.FixtureRequest) -> None:
    """`segql targets check` reads each table's columns through the engine: in order, None for a missing table."""
    worker = worker_for(request, engine)
    worker.load(request.getfixturevalue("case_tables"))
    found = worker.columns([("web", "logins"), ("crm", "addresses"), ("crm", "no_such_table"), ("nodb", "t")])
    assert found == {"web.logins": ["customer_id", "logged_at"], "crm.addresses": ["address_id", "state", "city", "tax_rate"],
                     "crm.no_such_table": None, "nodb.t": None}
