"""segql.insights on DuckDB, checked against the reference evaluator (segql.evaluate) on the same rows: the size and
the count after each top-level condition (one query), breakdowns, explanations; and `segql explain` / `segql
breakdown` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from segql import api, insights
from segql.analysis import Analysis
from segql.evaluate import Evaluator
from tests import cli
from tests.workbench import AS_OF, comparable, make_project, retail_evaluator


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, retail_duckdb: Path) -> tuple[Path, api.Workspace, Evaluator]:
    root = make_project(tmp_path_factory.mktemp("insights"), retail_duckdb)
    ws = Analysis(root).workspace()
    return root, ws, retail_evaluator(retail_duckdb)


# every family of construct: parameters and `has no`, a where tree with a percentile and segments in `none:`,
# percentiles and `top`, channel consent, segment references, lookups, hours, first/last, date arithmetic
SIZED = ["high_value_lapsed", "vip", "rfm_champions", "europe_sms_adults", "vip_healthy", "us_web_regulars",
         "mobile_visitors_today", "store_first_mobile_now", "birthday_this_month", "spring_first_time_buyers",
         "discount_hunters", "churn_risk"]


def holders(ev: Evaluator, node: Any, params: dict[str, Any]) -> set[Any]:
    return {c.key for c in ev.customers if ev.value_for(node, c.key, params) is True}


@pytest.mark.parametrize("name", SIZED)
def test_size_and_count_after_each_condition(world: tuple[Path, api.Workspace, Evaluator], name: str) -> None:
    root, ws, ev = world
    segment = ws.segment(name)
    engine = api.connect(ws, ws.target(None))
    try:
        report = insights.size(ws, engine, segment, AS_OF)
        members = api.members(ws, engine, segment, AS_OF)  # the segment's own query: another shape of SQL
    finally:
        engine.close()
    params = ev.bind(segment, None)
    conditions = insights.top_conditions(segment)
    assert report.total == len(ev.customers)
    assert report.members == len(members) == len(ev.members(segment))
    assert [c.text for c in report.conditions] == [c.text for c in conditions]
    so_far = {c.key for c in ev.customers}
    for condition, counted in zip(conditions, report.conditions, strict=True):
        alone = holders(ev, condition.node, params)
        so_far &= alone
        assert (counted.members, counted.cumulative) == (len(alone), len(so_far)), condition.text
    assert report.conditions[-1].cumulative == report.members


# DESIGN §3.10-3.13 in the workbench's queries: sequences, ordinals, frequency, calendar, buckets.
ROUND_TWO = [
    "has cart_adds in last 30 days then no orders within 2 days",
    "has product_views as v in last 60 days then cart_adds where category = v.category within 1 day",
    "count_days(orders in this year) >= 2 and median(orders.amount) > 40",
    "nth_time(orders, 2) >= 2026-01-01 and mode(orders.channel) = \"web\"",
    "days_until(next_anniversary(birth_date)) < 60 and bucket(\"promo\") < 5000",
    "has orders in previous 3 months and not has orders in this month",
]


@pytest.mark.parametrize("where", ROUND_TWO)
def test_new_constructs_size_and_explain(world: tuple[Path, api.Workspace, Evaluator], where: str,
                                         tmp_path: Path) -> None:
    root, _, ev = world
    analysis = Analysis(root)
    preview = analysis.preview("segments/probe.yml", f"name: probe\nwhere: {where}\n")
    assert [d for d in preview.diagnostics if d.is_error] == [], preview.diagnostics
    segment = preview.segments["probe"]
    assert segment is not None
    ws = analysis.workspace()
    engine = api.connect(ws, ws.target(None))
    try:
        report = insights.size(ws, engine, segment, AS_OF)
        members = ev.members(segment)
        assert report.members == len(members)
        so_far = {c.key for c in ev.customers}
        for condition, counted in zip(insights.top_conditions(segment), report.conditions, strict=True):
            so_far &= holders(ev, condition.node, {})
            assert counted.cumulative == len(so_far), condition.text
        for key in [*sorted(members)[:2], 2, 7]:
            found = insights.explain(ws, engine, segment, str(key), AS_OF)
            assert found.member == (key in members)
            for condition, explained in zip(insights.top_conditions(segment), found.conditions, strict=True):
                assert explained.holds == (ev.value_for(condition.node, key, {}) is True), condition.text
                assert {k: comparable(v) for k, v in explained.values.items()} == {
                    n: comparable(ev.value_for(node, key, {})) for n, node in insights.values_read(condition.node)}
    finally:
        engine.close()


def test_the_conditions_are_the_top_level_and_as_written(world: tuple[Path, api.Workspace, Evaluator]) -> None:
    _, ws, _ = world
    texts = [c.text for c in insights.top_conditions(ws.segment("high_value_lapsed"))]
    assert texts == ['country in ["US", "CA"]', "email_opt_in", "spend_365 > $min_spend", "has no orders in last 90 days"]
    tree = insights.top_conditions(ws.segment("vip"))  # `all:` items and the `none:` group
    assert [c.text for c in tree][0] == "paid_orders >= 5" and len(tree) == 3
    consent = insights.top_conditions(ws.segment("europe_sms_adults"))
    assert consent[0].consent and consent[0].text == "sms_opt_in"  # the channel's rule, from segql.yml


def test_one_scan_of_each_event_table(world: tuple[Path, api.Workspace, Evaluator]) -> None:
    _, ws, _ = world
    sql = insights.size_sql(ws, ws.segment("high_value_lapsed"), "duckdb", AS_OF)
    assert sql.count("FROM sales.orders") == 1 and sql.count("FILTER(WHERE") == 8
    assert "COUNT_IF(" in insights.size_sql(ws, ws.segment("high_value_lapsed"), "snowflake", AS_OF)


@pytest.mark.parametrize(("name", "by"), [("high_value_lapsed", "country"), ("vip", "address.state"),
                                          ("churn_risk", "loyalty_tier"), ("loyal_veterans", "age"),
                                          ("email_engaged", "email_opt_in")])
def test_breakdown_sums_to_the_members(world: tuple[Path, api.Workspace, Evaluator], name: str, by: str) -> None:
    _, ws, ev = world
    segment = ws.segment(name)
    engine = api.connect(ws, ws.target(None))
    try:
        found = insights.breakdown(ws, engine, segment, by, AS_OF)
    finally:
        engine.close()
    members = ev.members(segment)
    assert found.members == len(members)
    value = insights.breakdown_value(ws, by)
    expected: dict[Any, int] = {}
    for key in members:
        v = comparable(ev.value_for(value, key, {}))
        expected[v] = expected.get(v, 0) + 1
    assert {comparable(v): n for v, n in found.rows} == expected
    assert [n for _, n in found.rows] == sorted((n for _, n in found.rows), reverse=True)


def test_breakdown_refuses_pii_and_unknown_names(world: tuple[Path, api.Workspace, Evaluator]) -> None:
    from segql.diagnostics import UsageProblem

    _, ws, _ = world
    with pytest.raises(UsageProblem, match="personal data"):
        insights.breakdown_value(ws, "email")
    with pytest.raises(UsageProblem, match="did you mean `country`"):
        insights.breakdown_value(ws, "countyr")


KEYS = [1, 2, 7, 43, 234, 1000, 4999]


@pytest.mark.parametrize("name", ["high_value_lapsed", "vip", "rfm_champions", "europe_sms_adults", "vip_healthy",
                                  "churn_risk", "birthday_this_month", "us_web_regulars"])
def test_explain_agrees_with_the_evaluator(world: tuple[Path, api.Workspace, Evaluator], name: str) -> None:
    _, ws, ev = world
    segment = ws.segment(name)
    params = ev.bind(segment, None)
    members = ev.members(segment)
    engine = api.connect(ws, ws.target(None))
    try:
        for key in KEYS:
            found = insights.explain(ws, engine, segment, str(key), AS_OF)
            assert found.member == (key in members), key
            for condition, explained in zip(insights.top_conditions(segment), found.conditions, strict=True):
                assert explained.holds == (ev.value_for(condition.node, key, params) is True), (key, condition.text)
                expected = {n: comparable(ev.value_for(node, key, params)) for n, node in
                            insights.values_read(condition.node)}
                assert {k: comparable(v) for k, v in explained.values.items()} == expected, (key, condition.text)
    finally:
        engine.close()


def test_sample_masks_pii(world: tuple[Path, api.Workspace, Evaluator]) -> None:
    _, ws, ev = world
    segment = ws.segment("high_value_lapsed")
    engine = api.connect(ws, ws.target(None))
    try:
        found = insights.sample(ws, engine, segment, AS_OF, limit=5)
    finally:
        engine.close()
    assert found.masked == ["email", "first_name"]
    assert [row[0] for row in found.rows] == sorted(ev.members(segment))[:5]
    for row in found.rows:
        assert all(row[found.columns.index(c)] == insights.MASK for c in found.masked)


# ---- the command line ----


def test_cli_explain(world: tuple[Path, api.Workspace, Evaluator]) -> None:
    root, ws, ev = world
    code, out, err = cli.invoke("explain", "high_value_lapsed", "--key", "2", "--project", str(root),
                                "--as-of", "2026-06-30", env={"NO_COLOR": "1"})
    assert code == 0, err
    assert out.splitlines()[0] == "customer 2 is not in high_value_lapsed (as of 2026-06-30)"
    assert "  FAILS  email_opt_in" in out and "email_opt_in = false" in out
    code, out, _ = cli.invoke("explain", "high_value_lapsed", "--key", "1", "--project", str(root), "--as-of",
                              "2026-06-30", "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["member"] is (1 in ev.members(ws.segment("high_value_lapsed")))
    assert document["conditions"][2]["values"] == {"spend_365": 645.5, "$min_spend": 500}


@pytest.mark.parametrize(("args", "code", "fragment"), [
    (["explain", "nope", "--key", "1"], 2, "no segment named `nope`"),
    (["explain", "vip", "--key", "abc"], 2, "not a customer key"),
    (["explain", "vip", "--key", "99999999"], 2, "no customer with key 99999999"),
    (["explain", "vip"], 2, "--key"),
    (["breakdown", "vip", "--by", "email"], 2, "personal data"),
    (["breakdown", "vip", "--by", "nope"], 2, "no attribute"),
])
def test_cli_wrong_calls(world: tuple[Path, api.Workspace, Evaluator], args: list[str], code: int,
                         fragment: str) -> None:
    root, _, _ = world
    got, out, err = cli.invoke(*args, "--project", str(root))
    assert got == code and fragment in out + err


def test_cli_breakdown(world: tuple[Path, api.Workspace, Evaluator]) -> None:
    root, ws, ev = world
    code, out, err = cli.invoke("breakdown", "vip", "--by", "loyalty_tier", "--project", str(root), "--as-of",
                                "2026-06-30", "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["members"] == len(ev.members(ws.segment("vip")))
    assert sum(r["members"] for r in document["rows"]) == document["members"]
    code, out, err = cli.invoke("breakdown", "vip", "--by", "email", "--include-pii", "--project", str(root),
                                "--as-of", "2026-06-30")
    assert code == 0 and "members of vip" in err


def test_cli_stops_on_errors_in_the_project(world: tuple[Path, api.Workspace, Evaluator], tmp_path: Path,
                                            retail_duckdb: Path) -> None:
    root = make_project(tmp_path, retail_duckdb)
    (root / "segments" / "vip.yml").write_text("where: countr = 1\n")
    code, out, err = cli.invoke("explain", "high_value_lapsed", "--key", "1", "--project", str(root))
    assert code == 1 and "E201" in err
