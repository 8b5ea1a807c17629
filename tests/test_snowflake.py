"""Snowflake: the engine (settings, errors without secrets, only single SELECTs sent), and, on the emulator
(fakesnow in its own environment, tests/snowflake_emulator.py), the compiled Snowflake SQL of every example segment
selecting DuckDB's members and of every compile case selecting the members DESIGN §3 says.

The emulator runs Snowflake SQL on DuckDB after translating it with fakesnow's sqlglot: it proves the SQL is
accepted and computes the same rows under that translation, not real Snowflake's behaviour (docs/dialects.md).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from segql import api
from segql.check import tree as t
from segql.compile import compile_memberships, compile_segment, render
from segql.diagnostics import DiagnosticError
from segql.dialects.snowflake import Snowflake
from segql.engines import connect
from segql.engines.snowflake import not_a_single_select
from segql.project import Target
from tests import compile_cases
from tests.compile_cases import ALL, AS_OF, CASES, TABLES, Case, build_database, segment
from tests.snowflake_emulator import Emulator, fixture_statements

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"
RETAIL_SCHEMAS = ("crm", "sales", "web", "support", "marketing", "shop")
CASE_SCHEMAS = compile_cases.SCHEMAS
AS_OF_DATES = ("2026-06-30", "2026-03-01")
ZONES = ("UTC", "America/New_York")
SECRET = "hunter2-Zq9"  # a password that must never appear in any message

snowflake = pytest.mark.snowflake


def diagnostic_of(action: object) -> tuple[str, str]:
    """The code and message + hint of the one diagnostic `action()` raises."""
    with pytest.raises(DiagnosticError) as raised:
        action()  # type: ignore[operator]
    [diag] = raised.value.diagnostics
    return diag.code, f"{diag.message} {diag.hint}"


def without_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("snowflake", "snowflake.connector"):
        monkeypatch.setitem(sys.modules, name, None)  # `import snowflake.connector` now raises ImportError


# ---- the engine, without a connection ----

@pytest.mark.parametrize(("sql", "refused"), [
    ("SELECT 1", None),
    ("  select 1;  ", None),
    ("/* a comment */ (SELECT 1)", None),
    ("WITH a AS (SELECT 1 AS x) SELECT x FROM a", None),
    ("SELECT ';' AS a, \"b;c\", $$;$$, 'it''s; \\'; x' -- ; DROP TABLE t\nFROM t", None),
    ("SELECT 1; DELETE FROM t", "more than one statement"),
    ("SELECT 1;;", "more than one statement"),
    ("DELETE FROM t", "begins with DELETE"),
    ("CREATE TABLE u AS SELECT 1 AS x", "begins with CREATE"),
    ("-- only a comment", "begins with nothing"),
    ("WITH p AS PROCEDURE () RETURNS INT LANGUAGE SQL AS $$ BEGIN DELETE FROM t; RETURN 1; END $$ CALL p()",
     "declares a procedure"),
])
def test_only_a_single_select_is_sent(sql: str, refused: str | None) -> None:
    problem = not_a_single_select(sql)
    assert (problem is None) if refused is None else (problem is not None and refused in problem)


def test_without_the_connector_the_target_is_e405_with_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    without_connector(monkeypatch)
    code, text = diagnostic_of(lambda: connect(Target("sf", "snowflake", {"account": "a", "password": SECRET}), ROOT))
    assert code == "E405" and "pip install 'segql[snowflake]'" in text and SECRET not in text


@pytest.mark.parametrize(("settings", "expected"), [
    ({"account": "a", "warehous": "XS"}, "unknown setting `warehous` for a snowflake target"),
    ({"user": "alice", "password": SECRET}, "needs an `account`"),
    ({"account": "a", "login_timeout": "soon"}, "`login_timeout` setting must be a whole number"),
])
def test_bad_settings_are_e402_before_any_driver(monkeypatch: pytest.MonkeyPatch, settings: dict[str, str],
                                                 expected: str) -> None:
    without_connector(monkeypatch)
    code, text = diagnostic_of(lambda: connect(Target("sf", "snowflake", settings), ROOT))
    assert code == "E402" and expected in text and SECRET not in text
    if "warehous" in settings:
        assert "`warehouse`" in text  # did you mean


def test_writing_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    without_connector(monkeypatch)
    code, text = diagnostic_of(lambda: connect(Target("sf", "snowflake", {"account": "a"}), ROOT, write=True))
    assert code == "E405" and "only reads" in text


def test_settings_name_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    without_connector(monkeypatch)
    target = Target("sf", "snowflake", {"account": "${SEGQL_TEST_SF_ACCOUNT}", "password": "${SEGQL_TEST_SF_PW}"})
    monkeypatch.delenv("SEGQL_TEST_SF_ACCOUNT", raising=False)
    assert diagnostic_of(lambda: connect(target, ROOT))[0] == "E404"
    monkeypatch.setenv("SEGQL_TEST_SF_ACCOUNT", "myorg-acct")
    monkeypatch.setenv("SEGQL_TEST_SF_PW", SECRET)
    assert diagnostic_of(lambda: connect(target, ROOT))[0] == "E405"  # resolved, then the driver is missing


def test_other_target_types_are_e405_naming_the_supported_ones() -> None:
    code, text = diagnostic_of(lambda: connect(Target("bq", "bigquery", {}), ROOT))
    assert code == "E405" and "duckdb, postgres, snowflake, clickhouse, spark or databricks target" in text


# ---- identifier case: what the emulator cannot see (fakesnow runs on DuckDB, whose names ignore case) ----

def test_snowflake_sql_quotes_only_the_names_that_must_be_quoted() -> None:
    """Snowflake upper-cases bare names, so every name segql leaves bare matches a table created without quotes;
    a quoted name matches only its exact spelling. Only reserved words and mixed case may be quoted."""
    ws = api.open_workspace(RETAIL)
    quoted: set[str] = set()
    for name in RETAIL_SEGMENTS:
        quoted |= set(re.findall(r'"((?:[^"]|"")*)"', api.compile_sql(ws, ws.segment(name), "snowflake", AS_OF)))
    assert quoted == set(), "the retail schema has no name that needs quotes on Snowflake"
    for case in CASES:
        quoted |= set(re.findall(r'"((?:[^"]|"")*)"', _case_sql(case)))
    assert quoted == {"group", "VipLevel"}  # a reserved word and a mixed-case name, exactly as the schema has them


# ---- the engine on the emulator and on the real connector ----

@snowflake
def test_connect_query_and_errors_on_the_emulator(snowflake_emulator: Emulator) -> None:
    out = snowflake_emulator.run({
        "setup": ["CREATE TABLE t (x INTEGER)", "INSERT INTO t VALUES (1)"],
        "queries": {
            "select": "SELECT 1 AS one, 'a%b' AS text, 'a%b' LIKE 'a\\\\%%' ESCAPE '\\\\' AS matched",
            "missing": "SELECT * FROM no_such_table",
            "after_error": "SELECT x FROM t",
            **{f"write_{i}": sql for i, sql in enumerate([
                "INSERT INTO t VALUES (2)", "DELETE FROM t", "CREATE TABLE u (y INTEGER)",
                "SELECT 1; INSERT INTO t VALUES (2)",  # fakesnow would run both: segql must not send it
                "UPDATE t SET x = 2"])},
            "unchanged": "SELECT x FROM t",
        }})
    results = out["results"]
    assert results["select"] == {"columns": ["ONE", "TEXT", "MATCHED"], "rows": [[1, "a%b", True]]}
    assert results["missing"]["error"]["code"] == "E403" and "NO_SUCH_TABLE" in results["missing"]["error"]["message"]
    assert "\n" not in results["missing"]["error"]["message"], "only the first line of the error"
    assert results["after_error"]["rows"] == [[1]]
    for i in range(5):
        error = results[f"write_{i}"]["error"]
        assert error["code"] == "E403" and "segql only reads" in error["message"]
    assert results["unchanged"]["rows"] == [[1]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@snowflake
def test_unreachable_account_is_e402_without_the_password(snowflake_emulator: Emulator) -> None:
    """The real connector (no fakesnow), pointed at a closed local port."""
    settings = {"account": "myorg-acct", "user": "alice", "password": SECRET, "host": "127.0.0.1",
                "port": str(free_port()), "protocol": "http", "login_timeout": "3"}
    out = snowflake_emulator.run({"patch": False, "settings": settings})
    error = out["connect_error"]
    assert error["code"] == "E402" and "cannot connect to Snowflake" in error["message"]
    assert "account=myorg-acct" in error["message"] and "user=alice" in error["message"]
    assert SECRET not in repr(error)


# ---- differential: every example segment, fakesnow against DuckDB on the same data ----

RETAIL_SEGMENTS = sorted(api.open_workspace(RETAIL).result.segments)

# Segments whose Snowflake SQL selects other members on the emulator than DuckDB's, with the reason.
KNOWN_MISMATCHES: dict[tuple[str, str, str], str] = {}


def workspace_in(zone: str, root: Path) -> api.Workspace:
    for item in ("schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / item)
    config, n = re.subn(r"(?m)^timezone: .*$", f"timezone: {zone}", (RETAIL / "segql.yml").read_text(encoding="utf-8"))
    assert n == 1
    (root / "segql.yml").write_text(config, encoding="utf-8")
    return api.open_workspace(root)


@pytest.fixture(scope="module")
def retail_runs(snowflake_emulator: Emulator, retail_duckdb: Path,
                tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every (segment, as-of, zone): DuckDB's members and the emulator's result, from one emulator run."""
    import duckdb

    duck = connect(Target("local", "duckdb", {"path": str(retail_duckdb)}), ROOT)
    source = duckdb.connect(str(retail_duckdb), read_only=True)
    try:
        setup = fixture_statements(source, RETAIL_SCHEMAS, tmp_path_factory.mktemp("parquet"), Snowflake.reserved)
        expected: dict[str, list[Any]] = {}
        queries: dict[str, str] = {}
        for zone in ZONES:
            ws = workspace_in(zone, tmp_path_factory.mktemp("retail_zone"))
            if zone == "UTC":
                queries["customer_count"] = _customer_count_sql(ws)
                expected["customer_count"] = [source.execute("SELECT count(*) FROM crm.customers").fetchone()[0]]
            for as_of in AS_OF_DATES:
                day = dt.date.fromisoformat(as_of)
                for name in RETAIL_SEGMENTS:
                    key = f"{name}@{as_of}@{zone}"
                    segment_ = ws.segment(name)
                    expected[key] = api.members(ws, duck, segment_, day)
                    queries[key] = api.compile_sql(ws, segment_, "snowflake", day)
    finally:
        duck.close()
        source.close()
    out = snowflake_emulator.run({"setup": setup, "queries": queries}, workers=2)
    return {"expected": expected, "results": out["results"]}


def _customer_count_sql(ws: api.Workspace) -> str:
    """The COUNT(*) `segql count` sends for the share of all customers, as the Snowflake engine would get it."""
    sent: list[str] = []

    class Recorder:
        dialect = "snowflake"

        def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
            sent.append(sql)
            return ["n"], [(0,)]

        def close(self) -> None:
            pass

    api.customer_count(ws, Recorder())
    return sent[0]


def differential_cases() -> list[Any]:
    cases = []
    for zone in ZONES:
        for as_of in AS_OF_DATES:
            for name in RETAIL_SEGMENTS:
                reason = KNOWN_MISMATCHES.get((name, as_of, zone))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                cases.append(pytest.param(f"{name}@{as_of}@{zone}", marks=marks, id=f"{name}@{as_of}@{zone}"))
    return cases


def rows_of(result: dict[str, Any], what: str) -> list[Any]:
    assert "error" not in result, f"{what} failed on the emulator: {result.get('error')}"
    return [row[0] for row in result["rows"]]


@snowflake
@pytest.mark.parametrize("key", differential_cases())
def test_snowflake_selects_the_members_duckdb_selects(key: str, retail_runs: dict[str, Any]) -> None:
    expected = retail_runs["expected"][key]
    got = sorted(rows_of(retail_runs["results"][key], key))
    only_duckdb = sorted(set(expected) - set(got))
    only_snowflake = sorted(set(got) - set(expected))
    assert not only_duckdb and not only_snowflake and len(got) == len(expected), (
        f"{key}: {len(expected)} members on DuckDB, {len(got)} on the emulator; "
        f"only on DuckDB {only_duckdb[:10]}, only on the emulator {only_snowflake[:10]}")
    if "@2026-06-30@" in key:
        assert expected, "the demo data gives every segment some members"


@snowflake
def test_customer_count_on_the_emulator(retail_runs: dict[str, Any]) -> None:
    assert rows_of(retail_runs["results"]["customer_count"], "count") == retail_runs["expected"]["customer_count"]


# ---- the compile cases (tests/compile_cases.py) on the emulator: members and their complement ----

# Cases whose Snowflake SQL the emulator cannot run or computes differently from Snowflake, with the reason.
EMULATOR_LIMITS: dict[str, str] = {}


def _case_sql(case: Case, condition: t.Expr | None = None) -> str:
    seg = case.segment if condition is None else segment(condition, case.name, case.specs)
    query = compile_segment(seg, tables=TABLES, dialect="snowflake", as_of=case.as_of, timezone=case.timezone,
                            params=case.params)
    return render(query, "snowflake")


MEMBERSHIP_CASES = [c for c in CASES if c.as_of == AS_OF and c.timezone == "UTC"]


@pytest.fixture(scope="module")
def case_runs(snowflake_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import duckdb

    source = duckdb.connect()
    try:
        build_database(source)
        setup = fixture_statements(source, CASE_SCHEMAS, tmp_path_factory.mktemp("cases"), Snowflake.reserved)
    finally:
        source.close()
    queries = {}
    for case in CASES:
        queries[case.name] = _case_sql(case)
        queries[f"not {case.name}"] = _case_sql(case, t.Not(case.condition))
    memberships = compile_memberships([c.segment for c in MEMBERSHIP_CASES], tables=TABLES, dialect="snowflake",
                                      as_of=AS_OF, params={c.name: c.params for c in MEMBERSHIP_CASES if c.params})
    queries["memberships"] = render(memberships, "snowflake")
    return dict(snowflake_emulator.run({"setup": setup, "queries": queries}, workers=2)["results"])


def case_params() -> list[Any]:
    params = []
    for case in CASES:
        reason = EMULATOR_LIMITS.get(case.name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(case, marks=marks, id=case.name))
    return params


@snowflake
@pytest.mark.parametrize("case", case_params())
def test_case_members_on_the_emulator(case: Case, case_runs: dict[str, Any]) -> None:
    assert set(rows_of(case_runs[case.name], case.name)) == case.expected


@snowflake
@pytest.mark.parametrize("case", case_params())
def test_case_complement_on_the_emulator(case: Case, case_runs: dict[str, Any]) -> None:
    """§3.3: members(not S) = C − members(S)."""
    assert set(rows_of(case_runs[f"not {case.name}"], f"not {case.name}")) == ALL - case.expected


@snowflake
def test_memberships_on_the_emulator(case_runs: dict[str, Any]) -> None:
    result = case_runs["memberships"]
    assert "error" not in result, result.get("error")
    rows = result["rows"]
    assert sorted(r[0] for r in rows) == sorted(ALL)
    for i, case in enumerate(MEMBERSHIP_CASES, start=1):
        if case.name in EMULATOR_LIMITS:
            continue
        assert {r[0] for r in rows if r[i] is True} == case.expected, case.name
        assert all(r[i] in (True, False) for r in rows), f"{case.name} must be TRUE or FALSE, never NULL"
