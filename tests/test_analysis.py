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
from segql.analysis.positions import from_units, from_utf16, line_character, offset_at, offset_of, to_utf16, units
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


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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


SECRET = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG\nwhere: has orders\n"


def test_links_leaving_the_project_are_refused_as_the_cli_refuses_them(root: Path, tmp_path_factory:
                                                                          pytest.TempPathFactory) -> None:
    """docs/security.md: a link to a file outside the project is E100 and none of its lines is shown: in a segment
    file, schema.yml or segql.yml; a link inside the project is read, a linked folder not entered. The workbench and
    the language server read the project through this core."""
    secret = tmp_path_factory.mktemp("elsewhere") / "credentials.yml"
    secret.write_text(SECRET, encoding="utf-8")
    (root / "segments" / "creds.yml").symlink_to(secret)
    (root / "segments" / "shared").symlink_to(secret.parent, target_is_directory=True)
    (root / "kept").mkdir()
    (root / "kept" / "ca.yml").write_text('name: ca\nwhere: country = "CA"\n', encoding="utf-8")
    (root / "segments" / "ca.yml").symlink_to(root / "kept" / "ca.yml")  # a link that stays inside: read
    analysis = Analysis(root)

    def leaked() -> list[str]:
        everything = [d.message + d.hint + d.label + (d.span.source.text if d.span.source else "")
                      for d in analysis.diagnostics()]
        everything += [f.source.text for f in analysis.segment_files()]
        return [x for x in everything if "wJalr" in x or "aws_secret" in x]

    [refused] = analysis.diagnostics("segments/creds.yml")
    assert refused.code == "E100" and "is a link to a file outside the project" in refused.message
    assert analysis.kind(root / "segments" / "creds.yml") == "segment" and leaked() == []
    assert analysis.source("segments/creds.yml") is not None and analysis.source("segments/creds.yml").text == ""
    assert analysis.segment("ca") is not None and analysis.file_of("ca") == root / "segments" / "ca.yml"
    assert [(d.span.path, d.code) for d in analysis.diagnostics() if d.is_error] == [
        (d.span.path, d.code) for d in api.validate(root).diagnostics if d.is_error]
    inside_linked = root / "segments" / "shared" / "credentials.yml"
    assert inside_linked not in {f.path for f in analysis.segment_files()}  # a linked folder is not entered
    analysis.reload_file(inside_linked)  # … and a file of it named (an editor's watcher) is refused when read
    assert [d.code for d in analysis.diagnostics(inside_linked)] == ["E100"] and leaked() == []
    assert analysis.reload_file(root / "segments" / "creds.yml") == ["segments/creds.yml"] and leaked() == []
    for file in ("schema.yml", "segql.yml"):
        saved = (root / file).read_text(encoding="utf-8")
        (root / file).unlink()
        (root / file).symlink_to(secret)
        analysis.reload()
        assert any(d.code == "E100" and d.span.path == file for d in analysis.diagnostics(file)), file
        assert leaked() == []
        (root / file).unlink()
        (root / file).write_text(saved, encoding="utf-8")
    analysis.reload()
    assert [(d.span.path, d.code) for d in analysis.diagnostics() if d.is_error] == [("segments/creds.yml", "E100")]


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
    ("has web_sessions then ‸", {"orders", "web_sessions", "no"}, {"country"}),
    ("has orders as o where o.‸", {"o.amount", "o.status"}, {"country"}),
    # the aggregates that are keywords only before `(` (DESIGN §3.10–3.12) are offered like the others
    ("count_d‸", {"count_days", "count_distinct"}, {"country"}),
    ("nt‸", {"nth", "nth_time"}, set()),
    ("med‸", {"median"}, set()),
    ("count_weeks(‸", {"orders", "web_sessions"}, {"country"}),
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


def test_the_segments_of_a_priority_list_are_references(shared: Analysis) -> None:
    """`priority: [s1, s2]` names segments as `in segment` does: completed, hovered and followed to their files."""
    file = "segments/campaign_waves.yml"
    source = shared.source(file)
    assert source is not None
    at = source.text.index("browse_abandoners") + 3
    (location,) = shared.definition(file, at)
    assert location.path == shared.root / "segments" / "browse_abandoners.yml"
    found = shared.hover(file, at)
    assert found is not None and found.text.startswith("**segment** `browse_abandoners`")
    text = source.text.replace("birthday_next_week]", "birthday_next_week, vi]")
    labels = [c.label for c in shared.complete(file, text.index("vi]") + 2, text)]
    assert {"vip", "vip_healthy"} <= set(labels) and "campaign_waves" not in labels


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


ENCODERS = {"utf-8": lambda t: len(t.encode("utf-8")), "utf-16": lambda t: len(t.encode("utf-16-le")) // 2,
            "utf-32": len}


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n\t\"é€ß𝔘🎉中\u2028")), max_size=40),
       st.sampled_from(sorted(ENCODERS)))
def test_lsp_positions_in_each_encoding_round_trip(text: str, encoding: str) -> None:
    """An offset as (line, code units of the encoding) — an LSP Position — and back; units counted as Python's own
    encoders count them, lines ending at `\n` only."""
    from segql.source import SourceFile

    source = SourceFile("f", text)
    for offset in range(len(text) + 1):
        line, character = line_character(source, offset, encoding)
        start = text.rfind("\n", 0, offset) + 1
        assert (line, character) == (text.count("\n", 0, offset), ENCODERS[encoding](text[start:offset]))
        assert offset_at(source, line, character, encoding) == offset
    assert units(text, encoding) == ENCODERS[encoding](text)


def test_lsp_positions_past_a_line_or_inside_a_character() -> None:
    from segql.source import SourceFile

    source = SourceFile("f", "🎉x\nab")
    assert offset_at(source, 0, 1, "utf-16") == 0  # inside the surrogate pair: the character's start
    assert offset_at(source, 0, 3, "utf-8") == 0 and offset_at(source, 0, 4, "utf-8") == 1
    assert offset_at(source, 0, 99, "utf-16") == 2  # past the end of the line: its end, not the next line
    assert offset_at(source, 7, 0, "utf-16") == len(source.text) and offset_at(source, -1, 5, "utf-8") == 0
    assert from_units("é", 1, "utf-8") == 0 and from_units("é", 2, "utf-8") == 1


def test_formatting_a_file_gives_its_edits(shared: Analysis) -> None:
    text = 'name: probe\nwhere: |\n  country   in ["US","CA"]  and email_opt_in  # kept\n'
    formatted = shared.format("segments/probe.yml", text)
    assert formatted is not None and formatted.diagnostics == [] and formatted.edits
    rebuilt = text
    for start, end, new in reversed(formatted.edits):
        rebuilt = rebuilt[:start] + new + rebuilt[end:]
    assert rebuilt == formatted.text == 'name: probe\nwhere: |\n  country in ["US", "CA"]\n  and email_opt_in  # kept\n'
    broken = shared.format("segments/probe.yml", "name: probe\nwhere: (country  = 1\n")
    assert broken is not None and broken.edits == [] and [d.code for d in broken.diagnostics] == ["E110"]
    assert shared.format("schema.yml") is None
    unchanged = shared.format(HVL)
    assert unchanged is not None and unchanged.edits == [] and not unchanged.changed


def test_an_attribute_named_like_a_call_only_keyword_is_a_name(root: Path) -> None:
    """`mode` is the aggregate only before `(`: an attribute `mode` completes, hovers and jumps as an attribute."""
    analysis = Analysis(root)
    schema = (root / "schema.yml").read_text()
    analysis.update("schema.yml", schema.replace("  loyalty_tier:", "  mode: {type: string, description: \"How they"
                                                 " pay\"}\n  loyalty_tier:"))
    text = SEGMENT.replace("{}", 'mode = "card" and mode(orders.channel) = "web"')
    found = analysis.hover("segments/probe.yml", text.index("mode =") + 1, text)
    assert found is not None and "**attribute** `mode`" in found.text and "How they pay" in found.text
    (location,) = analysis.definition("segments/probe.yml", text.index("mode =") + 1, text)
    assert location.span.source is not None and location.span.source.line_text(location.span.line).startswith("  mode:")
    aggregate = analysis.hover("segments/probe.yml", text.index("mode(") + 1, text)
    assert aggregate is not None and "**aggregate** `mode(…)`" in aggregate.text
    text, offset = at_cursor(SEGMENT.replace("{}", "mo‸"))
    kinds = {(c.label, c.kind) for c in analysis.complete("segments/probe.yml", offset, text)}
    assert {("mode", "attribute"), ("mode", "function")} <= kinds


def test_diagnostics_after_non_ascii_text(shared: Analysis) -> None:
    text = "name: probe\ndescription: Kunden 🎉 in München\nwhere: countr = \"US\"\n"
    (problem,) = shared.preview("segments/probe.yml", text).diagnostics
    assert (problem.code, problem.span.line, problem.span.column) == ("E201", 3, 8)
    assert text[problem.span.start:problem.span.end] == "countr"
