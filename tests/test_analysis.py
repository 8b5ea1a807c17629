"""The analysis core (segql.analysis): incremental checking equals a full check after every edit, and completion,
hover, definitions, symbols and types at positions of real files (examples/retail), YAML blocks and unsaved text
included. Keywords and functions are read from the grammar and the function table: the tests check that."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segql import api
from segql.analysis import Analysis
from segql.analysis.positions import from_utf16, offset_of, to_utf16
from segql.check.functions import FUNCTIONS
from segql.syntax import expect

RETAIL = Path(__file__).resolve().parent.parent / "examples" / "retail"
CURSOR = "‸"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    for item in ("segql.yml", "schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    return tmp_path


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    """One analysis of the retail example for the read-only questions (completion, hover, …)."""
    folder = tmp_path_factory.mktemp("retail")
    for item in ("segql.yml", "schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / item)
    return Analysis(folder)


def shown(analysis: Analysis) -> list[tuple[str, str, int, int, str, str]]:
    return [(d.span.path, d.code, d.span.start, d.span.end, d.severity, d.message) for d in analysis.diagnostics()]


def full_of(analysis: Analysis) -> Analysis:
    """A fresh analysis of the same files and editor copies: everything read and checked at once."""
    fresh = Analysis(analysis.root)
    fresh.overlays = dict(analysis.overlays)
    fresh.reload()
    return fresh


def same_as_full(analysis: Analysis) -> None:
    fresh = full_of(analysis)
    assert shown(analysis) == shown(fresh)
    assert sorted(analysis.checked) == sorted(fresh.checked)


# ---- diagnostics ----


def test_a_project_opened_has_the_diagnostics_of_validate(root: Path) -> None:
    (root / "segments" / "vip.yml").write_text((root / "segments" / "vip.yml").read_text().replace(
        "paid_orders >= 5", "paid_ordrs >= 5"))
    analysis = Analysis(root)
    errors = [(d.span.path, d.code, d.span.start) for d in analysis.diagnostics() if d.is_error]
    expected = [(d.span.path, d.code, d.span.start) for d in api.validate(root).diagnostics if d.is_error]
    assert errors == expected and errors
    assert analysis.segment("vip") is None and analysis.segment("vip_healthy") is None
    assert analysis.segment("high_value_lapsed") is not None


HVL = "segments/high_value_lapsed.yml"
VIP = "segments/vip.yml"

EDITS = [
    (HVL, lambda t: t.replace("spend_365 > $min_spend", "spend_36 > $min_spend")),  # a typo
    (HVL, lambda t: t),  # fixed again
    (VIP, lambda t: t.replace("paid_orders >= 5", "paid_orders >= 5 and in segment vip_healthy")),  # a cycle
    (VIP, lambda t: t.replace("min_spend: {type: decimal, default: 1500", "min_spend: {type: decimal")),  # no default
    ("segments/new_one.yml", lambda t: "name: vip\nwhere: email_opt_in\n"),  # a duplicate name in a new file
    ("segments/new_one.yml", lambda t: "name: fresh\nwhere: in segment vip and country = \"US\"\n"),
    (HVL, lambda t: t.replace("where: |", "where: [")),  # broken YAML
    (HVL, lambda t: "segments:\n  - {name: a1, where: in segment a2}\n  - {name: a2, where: email_opt_in}\n"),
    (VIP, lambda t: t),
    (HVL, lambda t: t),
]


def test_each_edit_rechecks_as_a_full_check_would(root: Path) -> None:
    analysis = Analysis(root)
    originals = {file: (root / file).read_text() if (root / file).exists() else "" for file, _ in EDITS}
    for file, edit in EDITS:
        changed = analysis.update(file, edit(originals[file]))
        assert file in changed
        same_as_full(analysis)


POOL = [edit for edit in EDITS] + [
    ("segments/vip_healthy.yml", lambda t: t.replace("in segment vip", "in segment vipp")),
    ("segments/churn_risk.yml", lambda t: t + "\n"),
    ("segments/test_accounts.yml", lambda t: t.replace("where:", "wher:")),
]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(range(len(POOL))), min_size=1, max_size=6))
def test_random_edits_agree_with_a_full_check(root: Path, picks: list[int]) -> None:
    analysis = Analysis(root)
    for i in picks:
        file, edit = POOL[i]
        path = root / file
        original = path.read_text() if path.exists() else ""
        analysis.update(file, edit(original))
    same_as_full(analysis)
    for file in {POOL[i][0] for i in picks}:
        analysis.revert(file)
    assert shown(analysis) == shown(full_of(analysis))


def test_an_edit_rechecks_the_segments_depending_on_it(root: Path) -> None:
    analysis = Analysis(root)
    text = (root / VIP).read_text()
    assert analysis.segment("vip_healthy") is not None
    changed = analysis.update(VIP, text.replace("paid_orders >= 5", "paid_ordrs >= 5"))
    assert "segments/vip_healthy.yml" in changed and VIP in changed
    assert "segments/high_value_lapsed.yml" not in changed  # independent of vip: not rechecked
    assert analysis.segment("vip") is None and analysis.segment("vip_healthy") is None
    assert [d.code for d in analysis.diagnostics(VIP)] == ["E204"]  # closest to the trait `paid_orders`
    analysis.update(VIP, text)
    assert analysis.segment("vip_healthy") is not None and analysis.diagnostics(VIP) == []


def test_a_schema_change_rechecks_everything(root: Path) -> None:
    analysis = Analysis(root)
    schema = (root / "schema.yml").read_text()
    changed = analysis.update("schema.yml", schema.replace("  loyalty_tier:", "  tier:"))
    users = {d.span.path for d in analysis.diagnostics() if d.code == "E201" and "loyalty_tier" in d.message}
    assert {"segments/vip.yml", "segments/loyal_veterans.yml"} <= users <= set(changed)
    same_as_full(analysis)
    analysis.revert("schema.yml")
    assert not [d for d in analysis.diagnostics() if d.is_error]


def test_a_file_saved_outside_the_editor_is_read_again(root: Path) -> None:
    analysis = Analysis(root)
    path = root / HVL
    path.write_text(path.read_text().replace("email_opt_in", "email_optin"))
    assert analysis.diagnostics(HVL) == []
    analysis.reload_file(path)
    assert [d.code for d in analysis.diagnostics(HVL)] == ["E201"]
    path.unlink()
    analysis.reload_file(path)
    assert analysis.diagnostics(HVL) == [] and analysis.segment_definition("high_value_lapsed") is None


def test_preview_changes_nothing(root: Path) -> None:
    analysis = Analysis(root)
    before = shown(analysis)
    preview = analysis.preview(HVL, "where: countr = 1\n")
    assert [d.code for d in preview.diagnostics] == ["E201"]
    assert shown(analysis) == before and analysis.segment("high_value_lapsed") is not None


def test_sql_per_dialect(shared: Analysis) -> None:
    import datetime as dt

    segment = shared.segment("high_value_lapsed")
    assert segment is not None
    sql, problems = shared.sql(segment, as_of=dt.date(2026, 6, 30))
    assert problems == [] and set(sql) == {"duckdb", "postgres", "snowflake"}
    assert "sales.orders" in sql["duckdb"] and "CAST('2026-07-01 00:00:00' AS TIMESTAMP)" in sql["duckdb"]


# ---- completion ----


def at_cursor(template: str) -> tuple[str, int]:
    offset = template.index(CURSOR)
    return template.replace(CURSOR, ""), offset


SEGMENT = "name: probe\nparams:\n  min_spend: {type: decimal, default: 500}\nwhere: |\n  email_opt_in\n  and {}\n"

COMPLETIONS = [
    # (where text with the cursor, labels that must be offered, labels that must not)
    ("address.‸", {"address.state", "address.city", "address.postal_code"}, {"country", "orders"}),
    ("address.st‸", {"address.state"}, {"address.city"}),
    ("sum(orders.‸", {"orders.amount", "orders.status", "orders.order_id"}, {"address.state"}),
    ("has orders where ‸", {"status", "amount", "channel", "country", "spend_365"}, {"pages", "device"}),
    ("has orders where status = ‸", {'"paid"', '"cancelled"', '"refunded"'}, {'"US"'}),
    ("count(web_sessions where dev‸", {"device"}, {"amount"}),
    ("has ‸", {"orders", "web_sessions", "support_tickets", "email_events", "no"}, {"country", "count"}),
    ("has no ‸", {"orders", "email_events"}, {"no", "country"}),
    ("count(‸", {"orders", "web_sessions"}, {"country"}),
    ("in segment ‸", {"vip", "churn_risk", "high_value_lapsed"}, {"probe", "country"}),
    ("in segment vi‸", {"vip", "vip_healthy"}, {"churn_risk"}),
    ("country = ‸", {'"US"', '"CA"', '"GB"', '"DE"', '"FR"', "today"}, {"has", "and"}),
    ('country in ["US", ‸', {'"CA"', '"GB"'}, {"has"}),
    ('loyalty_tier = "g‸', {"gold"}, {"silver", "US"}),
    ('loyalty_tier != "‸', {"gold", "silver", "bronze", "platinum"}, set()),
    ("spend_365 > $‸", {"$min_spend"}, {"country"}),
    ("spend_365 > $mi‸", {"$min_spend"}, set()),
    ("‸", {"country", "lifetime_value", "spend_365", "is_adult", "address", "has", "not", "in segment", "top",
           "count", "sum", "days_since", "years_between", "coalesce"}, {"and", "orders.amount"}),
    ("email_opt_in ‸", {"and", "or"}, {"country", "has", "today"}),
    ("da‸", {"days_since", "days_between", "day_of_week", "days_since_last_order"}, {"country"}),
    ("in s‸", {"in segment"}, set()),
    ("has orders in last 30 ‸", {"days", "weeks", "months", "years", "day"}, {"country"}),
    ("count(orders where status = \"paid\" ‸", {"and", "or", "in last", "since", "before", "between"}, {"country"}),
    # steps of sequences (DESIGN §3.10) read like `has`: an event after `then`, a step's alias before a dot
    ("has web_sessions then ‸", {"orders", "web_sessions"}, {"country"}),
    ("has orders as o where o.‸", {"o.amount", "o.status"}, {"country"}),
]


@pytest.mark.parametrize(("where", "wanted", "unwanted"), COMPLETIONS, ids=[c[0] for c in COMPLETIONS])
def test_completion_at_the_cursor(shared: Analysis, where: str, wanted: set[str], unwanted: set[str]) -> None:
    text, offset = at_cursor(SEGMENT.replace("{}", where))
    items = shared.complete("segments/probe.yml", offset, text)
    labels = {c.label for c in items}
    assert wanted <= labels, f"missing {sorted(wanted - labels)} in {sorted(labels)}"
    assert not unwanted & labels, f"unexpected {sorted(unwanted & labels)}"
    for item in items:  # every candidate replaces the word being typed, and only that
        assert item.start <= offset == item.end


def test_completion_replaces_the_typed_word(shared: Analysis) -> None:
    text, offset = at_cursor(SEGMENT.replace("{}", "lifetime_va‸ > 100"))
    found = next(c for c in shared.complete("segments/probe.yml", offset, text) if c.label == "lifetime_value")
    assert text[found.start:found.end] == "lifetime_va"
    assert text[:found.start] + found.insert + text[found.end:] == SEGMENT.replace("{}", "lifetime_value > 100")
    lookup = next(c for c in shared.complete("segments/probe.yml", offset - 9, text.replace("lifetime_va", "ad"))
                  if c.label == "address")
    assert lookup.insert == "address." and lookup.retrigger


def test_keywords_and_functions_come_from_the_grammar_and_the_function_table(shared: Analysis) -> None:
    """Whatever the grammar accepts next is offered, spelt as its terminal; every function of the table too."""
    for where in ("‸", "email_opt_in ‸", "has orders ‸", "country ‸"):
        text, offset = at_cursor(SEGMENT.replace("{}", where))
        labels = {c.label for c in shared.complete("segments/probe.yml", offset, text)}
        before = (text[:offset].split("where: |\n", 1)[1]).replace("\n  ", " ")
        accepted = expect.accepted(before)
        assert accepted is not None
        for terminal, spellings in expect.keywords().items():
            if terminal in accepted:
                assert set(spellings) <= labels, (where, terminal)
        if "NAME" in accepted:
            assert set(FUNCTIONS) <= labels
    assert expect.aggregate_terminals() >= {"COUNT", "SUM", "FIRST_TIME"}


def test_completion_in_a_trait_of_schema_yml(shared: Analysis) -> None:
    schema = (RETAIL / "schema.yml").read_text()
    text = schema.replace("  is_adult: birth_date + 18 years <= today", "  is_adult: sum(orders.‸")
    text, offset = at_cursor(text)
    assert {"orders.amount", "orders.status"} <= {c.label for c in shared.complete("schema.yml", offset, text)}


def test_completion_while_the_yaml_is_broken(shared: Analysis) -> None:
    text, offset = at_cursor('name: probe\nwhere: "loyalty_tier = \'go‸\n')
    assert {"gold"} <= {c.label for c in shared.complete("segments/probe.yml", offset, text)}


def test_groups_of_splits_and_priority_lists(root: Path) -> None:
    (root / "segments" / "spring_promo.yml").write_text(
        "name: spring_promo\nwhere: email_opt_in\nsplits:\n  groups: {treatment: 90, holdout: 10}\n")
    (root / "segments" / "waves.yml").write_text("name: waves\npriority: [vip, churn_risk]\n")
    analysis = Analysis(root)
    for where, wanted in (("in segment spring_promo.‸", ["spring_promo.treatment", "spring_promo.holdout"]),
                          ("in segment spring_promo.h‸", ["spring_promo.holdout"]),
                          ("in segment waves.‸", ["waves.vip", "waves.churn_risk"])):
        text, offset = at_cursor(SEGMENT.replace("{}", where))
        assert [c.label for c in analysis.complete("segments/probe.yml", offset, text)] == wanted
    text = SEGMENT.replace("{}", "in segment spring_promo.holdout")
    found = analysis.hover("segments/probe.yml", text.index("holdout"), text)
    assert found is not None and "group `holdout`: 10% of its members" in found.text
    (location,) = analysis.definition("segments/probe.yml", text.index("holdout"), text)
    assert location.path == root / "segments" / "spring_promo.yml"


def test_sequences_complete_and_check(shared: Analysis) -> None:
    where = "has product_views as v in last 7 days then no cart_adds where product_id = v.‸"
    text, offset = at_cursor(SEGMENT.replace("{}", where))
    labels = {c.label for c in shared.complete("segments/probe.yml", offset, text)}
    assert {"v.product_id", "v.category"} <= labels and "v.price" not in labels
    text, offset = at_cursor(SEGMENT.replace("{}", "has cart_adds in last 3 days then no orders ‸"))
    assert {"within", "where", "as"} <= {c.label for c in shared.complete("segments/probe.yml", offset, text)}
    checked = shared.preview("segments/probe.yml", SEGMENT.replace(
        "{}", "has cart_adds in last 3 days then no orders within 1 day"))
    assert [d for d in checked.diagnostics if d.is_error] == [] and checked.segments["probe"] is not None


def test_keys_of_a_segment_file(shared: Analysis) -> None:
    text, offset = at_cursor("name: probe\nwhere: email_opt_in\nde‸")
    assert [c.label for c in shared.complete("segments/probe.yml", offset, text)] == ["description"]


# ---- hover, definitions, types, symbols ----


def probe(shared: Analysis, file: str, needle: str, shift: int = 1) -> int:
    source = shared.source(file)
    assert source is not None
    return source.text.index(needle) + shift


@pytest.mark.parametrize(("file", "needle", "fragments"), [
    (HVL, "spend_365 >", ["**trait** `spend_365`: decimal", 'sum(orders.amount where status = "paid" in last 365 days)']),
    (HVL, "country in", ["**attribute** `country`", '"US", "CA", "GB", "DE", "FR"', "Billing country"]),
    (HVL, "orders in last", ["**event** `orders`", "sales.orders", "Every order"]),
    (HVL, "$min_spend", ["**parameter** `$min_spend`: decimal", "500"]),
    ("segments/vip_healthy.yml", "vip\n", ["**segment** `vip`", "Our best customers", "segments/vip.yml"]),
    ("segments/us_web_regulars.yml", ".state", ["of lookup `address`", "US state"]),
    ("segments/us_web_regulars.yml", "address.state", ["**lookup** `address`: table `crm.addresses`", "postal"]),
])
def test_hover(shared: Analysis, file: str, needle: str, fragments: list[str]) -> None:
    offset = probe(shared, file, needle)
    found = shared.hover(file, offset)
    assert found is not None and found.start <= offset < found.end
    for fragment in fragments:
        assert fragment in found.text


@pytest.mark.parametrize(("file", "needle", "target", "line_text"), [
    (HVL, "spend_365 >", "schema.yml", "  spend_365: sum("),
    (HVL, "country in", "schema.yml", "  country:"),
    (HVL, "orders in last", "schema.yml", "  orders:"),
    (HVL, "$min_spend", HVL, "  min_spend:"),
    ("segments/vip_healthy.yml", "vip\n", VIP, "name: vip"),
    ("segments/us_web_regulars.yml", ".state", "schema.yml", "      state:"),
])
def test_go_to_definition(shared: Analysis, file: str, needle: str, target: str, line_text: str) -> None:
    (location,) = shared.definition(file, probe(shared, file, needle))
    assert location.path == shared.path_of(target)
    assert location.span.source is not None
    assert location.span.source.line_text(location.span.line).startswith(line_text)


def test_definition_of_the_lookup_part_of_a_dotted_name(shared: Analysis) -> None:
    (location,) = shared.definition("segments/us_web_regulars.yml",
                                    probe(shared, "segments/us_web_regulars.yml", "address.state", 2))
    assert location.span.source is not None and location.span.source.line_text(location.span.line) == "  address:"


def test_type_at(shared: Analysis) -> None:
    assert str(shared.type_at(HVL, probe(shared, HVL, "spend_365 >"))) == "decimal"
    assert str(shared.type_at(HVL, probe(shared, HVL, "email_opt_in"))) == "boolean"


def test_symbols(shared: Analysis) -> None:
    (segment,) = shared.symbols(HVL)
    assert (segment.name, segment.kind, [c.name for c in segment.children]) == ("high_value_lapsed", "segment",
                                                                                 ["min_spend"])
    schema = {s.name: s for s in shared.symbols("schema.yml")}
    assert schema["orders"].kind == "event" and "amount" in {c.name for c in schema["orders"].children}
    assert schema["spend_365"].kind == "trait" and schema["address"].kind == "lookup"
    assert {s.name for s in shared.symbols("segql.yml")} >= {"local", "email", "sms"}


# ---- positions ----


def test_positions_in_utf16_and_lines() -> None:
    from segql.source import SourceFile

    text = "name: ünïcode 🎉 x\nwhere: countr = 1\n"
    start = text.index("countr")
    assert to_utf16(text, start) == start + 1  # the emoji is two UTF-16 units
    assert from_utf16(text, to_utf16(text, start)) == start
    assert offset_of(SourceFile("f", text), 2, 8) == start


def test_diagnostics_after_non_ascii_text(shared: Analysis) -> None:
    text = "name: probe\ndescription: Kunden 🎉 in München\nwhere: countr = \"US\"\n"
    (problem,) = shared.preview("segments/probe.yml", text).diagnostics
    assert (problem.code, problem.span.line, problem.span.column) == ("E201", 3, 8)
    assert text[problem.span.start:problem.span.end] == "countr"
