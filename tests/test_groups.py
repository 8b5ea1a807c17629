"""Splits and priority lists in operations (DESIGN §3.13): `run` writes each member's group, `count` the size of
each group, `materialize` a group column, `snapshot` each group as a segment `s.group` (so `changes` shows who
moved), on DuckDB and on the suite's PostgreSQL server, checked against the reference evaluator over the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from segql import api
from segql.check import tree as t
from segql.evaluate import Evaluator, bucket
from tests import pg_server
from tests.cli import invoke
from tests.workbench import RETAIL, make_project, retail_evaluator

AS_OF = "2026-06-30"
DAY = dt.date(2026, 6, 30)
GROUPED = ("cart_abandoners", "campaign_waves")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, retail_duckdb: Path) -> Path:
    return make_project(tmp_path_factory.mktemp("groups"), retail_duckdb)


@pytest.fixture(scope="module")
def ev(retail_duckdb: Path) -> Evaluator:
    return retail_evaluator(retail_duckdb)


def expected_groups(ev: Evaluator, name: str) -> dict[int, str]:
    """Each member's group by the evaluator: the first group whose condition holds."""
    segment = api.open_workspace(RETAIL).segment(name)
    assert segment.groups
    found: dict[int, str] = {}
    for group in segment.groups:
        for key in ev.members(t.CheckedSegment(group.name, group.condition, segment.params, segment.definition)):
            found.setdefault(key, group.name)
    return found


def test_the_groups_partition_the_members(ev: Evaluator) -> None:
    ws = api.open_workspace(RETAIL)
    for name in GROUPED:
        segment = ws.segment(name)
        members = ev.members(segment)
        by_group = [ev.members(t.CheckedSegment(g.name, g.condition, segment.params, segment.definition))
                    for g in segment.groups]
        assert set().union(*by_group) == members and sum(map(len, by_group)) == len(members), name
    splits = ws.segment("cart_abandoners").definition.splits
    assert splits is not None
    for key, group in expected_groups(ev, "cart_abandoners").items():  # the reminder is bucket < 9000 of the salt
        assert (group == "reminder") == (bucket(splits.salt, key) < 9000)


def test_run_writes_each_members_group(project: Path, ev: Evaluator) -> None:
    for name in GROUPED:
        code, out, err = invoke("run", name, "--project", str(project), "--as-of", AS_OF, "--format", "csv")
        assert code == 0, err
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == ["customer_id", "group"]
        assert {int(key): group for key, group in rows[1:]} == expected_groups(ev, name)


def test_run_long_and_wide_shapes_carry_the_group(project: Path, ev: Evaluator) -> None:
    code, out, err = invoke("run", "cart_abandoners", "vip", "--project", str(project), "--as-of", AS_OF,
                            "--format", "jsonl")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert set(rows[0]) == {"segment", "customer_id", "group"}
    assert {r["customer_id"]: r["group"] for r in rows if r["segment"] == "cart_abandoners"} == \
        expected_groups(ev, "cart_abandoners")
    assert all(r["group"] is None for r in rows if r["segment"] == "vip")
    code, out, err = invoke("run", "cart_abandoners", "vip", "--project", str(project), "--as-of", AS_OF,
                            "--shape", "wide", "--format", "jsonl")
    assert code == 0, err
    wide = [json.loads(line) for line in out.splitlines()]
    assert {r["customer_id"]: r["cart_abandoners_group"] for r in wide if r["cart_abandoners"]} == \
        expected_groups(ev, "cart_abandoners")
    assert all(r["cart_abandoners_group"] is None for r in wide if not r["cart_abandoners"])


def test_count_gives_each_group(project: Path, ev: Evaluator) -> None:
    code, out, err = invoke("count", *GROUPED, "--project", str(project), "--as-of", AS_OF, "--format", "jsonl")
    assert code == 0, err
    sizes = {r["segment"]: r["members"] for r in map(json.loads, out.splitlines())}
    for name in GROUPED:
        groups = expected_groups(ev, name)
        assert sizes[name] == len(ev.members(api.open_workspace(RETAIL).segment(name)))
        for group in {g.name for g in api.open_workspace(RETAIL).segment(name).groups}:
            assert sizes[f"{name}.{group}"] == sum(1 for g in groups.values() if g == group), (name, group)


def test_materialize_has_a_group_column(tmp_path: Path, project: Path, ev: Evaluator) -> None:
    root = tmp_path / "p"
    shutil.copytree(project, root)
    code, _, err = invoke("materialize", *GROUPED, "--project", str(root), "--schema", "marts", "--kind", "table",
                          "--as-of", AS_OF)
    assert code == 0, err
    con = duckdb.connect(str(root / "data" / "retail.duckdb"), read_only=True)
    try:
        for name in GROUPED:
            rows = con.execute(f'select customer_id, "group" from marts.{name}').fetchall()
            assert dict(rows) == expected_groups(ev, name)
    finally:
        con.close()


def test_snapshot_records_the_groups_and_changes_show_who_moved(tmp_path: Path, project: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(project, root)
    for day in ("2026-06-29", AS_OF):
        code, out, err = invoke("snapshot", "campaign_waves", "--project", str(root), "--schema", "marts",
                                "--as-of", day)
        assert code == 0, err
        assert f"{day}  campaign_waves.cart_abandoners" in out
    con = duckdb.connect(str(root / "data" / "retail.duckdb"), read_only=True)
    try:
        rows = con.execute("select segment, customer_id from marts.segql_history where as_of = ?", [DAY]).fetchall()
    finally:
        con.close()
    whole = {k for s, k in rows if s == "campaign_waves"}
    parts = [{k for s, k in rows if s == f"campaign_waves.{g}"}
             for g in ("cart_abandoners", "browse_abandoners", "birthday_next_week")]
    assert set().union(*parts) == whole and sum(map(len, parts)) == len(whole)
    code, out, err = invoke("changes", "--project", str(root), "--schema", "marts", "--from", "2026-06-29",
                            "--to", AS_OF, "--segment", "campaign_waves.cart_abandoners", "--format", "jsonl")
    assert code == 0, err
    assert "campaign_waves.cart_abandoners:" in err


@pytest.mark.postgres
def test_groups_on_postgres(pg_dsn: str, retail_duckdb: Path, tmp_path: Path, ev: Evaluator) -> None:
    dsn = pg_server.create_database(pg_dsn, "segql_groups")
    pg_server.copy_duckdb(retail_duckdb, dsn, ("crm", "sales", "web", "support", "marketing", "shop"))
    (tmp_path / "p").mkdir()
    root = make_project(tmp_path / "p", retail_duckdb)
    config = (root / "segql.yml").read_text(encoding="utf-8").replace("default_target: local", "default_target: warehouse")
    (root / "segql.yml").write_text(config, encoding="utf-8")
    env = {"SEGQL_PG_DSN": dsn}
    code, out, err = invoke("run", "campaign_waves", "--project", str(root), "--as-of", AS_OF, "--format", "csv",
                            env=env)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert {int(k): g for k, g in rows[1:]} == expected_groups(ev, "campaign_waves")
    code, out, err = invoke("count", "cart_abandoners", "--project", str(root), "--as-of", AS_OF, "--format", "jsonl",
                            env=env)
    assert code == 0, err
    sizes = {r["segment"]: r["members"] for r in map(json.loads, out.splitlines())}
    groups = expected_groups(ev, "cart_abandoners")
    assert sizes == {"cart_abandoners": len(groups),
                     "cart_abandoners.reminder": sum(g == "reminder" for g in groups.values()),
                     "cart_abandoners.holdout": sum(g == "holdout" for g in groups.values())}


def test_the_suites_list_of_the_examples_groups_is_the_examples() -> None:
    from tests.conftest import RETAIL_GROUPS

    ws = api.open_workspace(RETAIL)
    assert sorted(RETAIL_GROUPS) == sorted(f"{s.name}.{g.name}" for s in ws.result.segments.values() for g in s.groups)
