"""The workbench's queries beyond DuckDB: the size with the count after each condition (COUNT(*) FILTER on
PostgreSQL, COUNT_IF on Snowflake), explain and breakdown give on PostgreSQL (the session's real server) and on the
Snowflake emulator what they give on DuckDB, for the retail segments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from segql import api, insights
from segql.compile import TableMap, render
from segql.compile.sizes import breakdown_query, explain_query
from segql.engines import connect
from segql.project import Target
from tests import pg_server
from tests.snowflake_emulator import Emulator, fixture_statements

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"
RETAIL_SCHEMAS = ("crm", "sales", "web", "support", "marketing")
AS_OF = dt.date(2026, 6, 30)
SEGMENTS = ("high_value_lapsed", "vip", "rfm_champions", "europe_sms_adults", "vip_healthy", "churn_risk",
            "us_web_regulars", "birthday_this_month")
KEYS = ("1", "2", "43", "234", "4999")


@pytest.fixture(scope="module")
def ws() -> api.Workspace:
    return api.open_workspace(RETAIL)


@pytest.fixture(scope="module")
def duck(retail_duckdb: Path) -> Any:
    engine = connect(Target("local", "duckdb", {"path": str(retail_duckdb)}), ROOT)
    yield engine
    engine.close()


def size_rows(report: insights.SizeReport) -> list[tuple[int, ...]]:
    return [(report.total, report.members), *((c.members, c.cumulative) for c in report.conditions)]


@pytest.mark.postgres
def test_postgres_answers_as_duckdb(ws: api.Workspace, duck: Any, pg_dsn: str, retail_duckdb: Path) -> None:
    dsn = pg_server.create_database(pg_dsn, "segql_insights")
    pg_server.copy_duckdb(retail_duckdb, dsn, RETAIL_SCHEMAS)
    pg = connect(Target("pg", "postgres", {"dsn": dsn}), ROOT)
    try:
        assert "FILTER(WHERE" in insights.size_sql(ws, ws.segment("vip"), "postgres", AS_OF)
        for name in SEGMENTS:
            segment = ws.segment(name)
            assert size_rows(insights.size(ws, pg, segment, AS_OF)) == size_rows(insights.size(ws, duck, segment,
                                                                                               AS_OF)), name
            for key in KEYS:
                on_pg, on_duck = insights.explain(ws, pg, segment, key, AS_OF), insights.explain(ws, duck, segment,
                                                                                                 key, AS_OF)
                assert on_pg.member == on_duck.member, (name, key)
                assert [(c.holds, {k: insights.jsonable(v) for k, v in c.values.items()}) for c in on_pg.conditions] \
                    == [(c.holds, {k: insights.jsonable(v) for k, v in c.values.items()}) for c in on_duck.conditions]
            by = insights.breakdown(ws, pg, segment, "loyalty_tier", AS_OF)
            assert sorted(by.rows, key=repr) == sorted(insights.breakdown(ws, duck, segment, "loyalty_tier",
                                                                          AS_OF).rows, key=repr)
    finally:
        pg.close()


@pytest.mark.postgres
def test_the_workbench_on_a_warehouse_counts_at_a_click_and_caches(tmp_path: Path, pg_dsn: str,
                                                                   retail_duckdb: Path) -> None:
    import re
    import shutil

    from tests.workbench import client

    dsn = pg_server.create_database(pg_dsn, "segql_workbench")
    pg_server.copy_duckdb(retail_duckdb, dsn, RETAIL_SCHEMAS)
    for item in ("schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    config = (RETAIL / "segql.yml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^default_target: \w+$", "default_target: warehouse", config)
    config = config.replace('dsn: "${SEGQL_PG_DSN}"', f"dsn: '{dsn}'")
    (tmp_path / "segql.yml").write_text(config, encoding="utf-8")
    app = client(tmp_path)
    assert app.get("/api/info").json()["target"] == {"name": "warehouse", "type": "postgres", "live": False}
    first = app.post("/api/size", json={"name": "vip"}).json()
    again = app.post("/api/size", json={"name": "vip"}).json()
    fresh = app.post("/api/size", json={"name": "vip", "refresh": True}).json()
    assert (first["cached"], again["cached"], fresh["cached"]) == (False, True, False)
    duck = connect(Target("local", "duckdb", {"path": str(retail_duckdb)}), ROOT)
    try:
        ws = api.open_workspace(RETAIL)
        assert first["members"] == again["members"] == len(api.members(ws, duck, ws.segment("vip"), AS_OF))
    finally:
        duck.close()


@pytest.mark.snowflake
def test_the_snowflake_emulator_answers_as_duckdb(ws: api.Workspace, duck: Any, snowflake_emulator: Emulator,
                                                  retail_duckdb: Path, tmp_path: Path) -> None:
    import duckdb

    from segql.dialects.snowflake import Snowflake

    source = duckdb.connect(str(retail_duckdb), read_only=True)
    try:
        setup = fixture_statements(source, RETAIL_SCHEMAS, tmp_path, Snowflake.reserved)
    finally:
        source.close()
    tables = TableMap.from_schema(ws.loaded.schema)
    queries: dict[str, str] = {}
    expected: dict[str, list[Any]] = {}
    for name in SEGMENTS:
        segment = ws.segment(name)
        queries[f"size {name}"] = insights.size_sql(ws, segment, "snowflake", AS_OF)
        expected[f"size {name}"] = list(duck.query(insights.size_sql(ws, segment, "duckdb", AS_OF))[1][0])
        conditions = insights.top_conditions(segment)
        reads = [[n for _, n in insights.values_read(c.node)] for c in conditions]
        for key in KEYS[:2]:
            sql = {dialect: render(explain_query(segment, [c.node for c in conditions], reads, int(key),
                                                 tables=tables, dialect=dialect, as_of=AS_OF), dialect)
                   for dialect in ("snowflake", "duckdb")}
            queries[f"explain {name} {key}"] = sql["snowflake"]
            expected[f"explain {name} {key}"] = [insights.jsonable(v) for v in duck.query(sql["duckdb"])[1][0]]
        by = insights.breakdown_value(ws, "country")
        queries[f"breakdown {name}"] = render(breakdown_query(segment, by, tables=tables, dialect="snowflake",
                                                              as_of=AS_OF), "snowflake")
        expected[f"breakdown {name}"] = sorted(duck.query(render(breakdown_query(
            segment, by, tables=tables, dialect="duckdb", as_of=AS_OF), "duckdb"))[1], key=repr)
    assert "COUNT_IF(" in queries["size vip"]
    out = snowflake_emulator.run({"setup": setup, "queries": queries}, workers=2)["results"]
    for key, rows in expected.items():
        result = out[key]
        assert "error" not in result, f"{key}: {result.get('error')}"
        got = result["rows"]
        if key.startswith("breakdown"):
            assert sorted((tuple(r) for r in got), key=repr) == [tuple(r) for r in rows], key
        elif key.startswith("explain"):
            assert [_plain(v) for v in got[0]] == [_plain(v) for v in rows], key
        else:
            assert [int(v) for v in got[0]] == [int(v) for v in rows], key


def _plain(value: Any) -> Any:
    """A value as JSON carries it from the emulator's process: numbers compared as floats, the rest as text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return round(float(value), 6)
    try:
        return round(float(value), 6)
    except (TypeError, ValueError):
        return str(value)
