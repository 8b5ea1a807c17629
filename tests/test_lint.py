"""segql lint: a table of segment text → warnings (code at line:col), the example projects' warnings (each one
justified), and the command's formats and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from segql import api
from segql.diagnostics import CODES
from segql.lint import WARNINGS, lint
from tests.cli import invoke

TESTS = Path(__file__).parent
ROOT = TESTS.parent
ACME = TESTS / "fixtures" / "acme"
RETAIL = ROOT / "examples" / "retail"

# (condition, [(code, the text the warning points at)]). The condition is line 2 of the segment file,
# starting at column 3, so each expected column is found from the text it points at.
CASES: list[tuple[str, list[tuple[Any, ...]]]] = [
    # W001: contradictions within one `and`
    ("lifetime_value > 40 and lifetime_value < 30", [("W001", "lifetime_value < 30")]),
    ("age > 40 and age < 30", [("W001", "age < 30")]),
    ('country = "US" and country = "CA"', [("W001", 'country = "CA"')]),
    ("lifetime_value > 5 and lifetime_value < 5", [("W001", "lifetime_value < 5")]),
    ("index > 5 and index < 6", [("W001", "index < 6")]),  # no whole number between
    ('country = "US" and country != "US"', [("W001", 'country != "US"')]),
    ('country in ["US", "CA"] and country in ["DE"]', [("W001", 'country in ["DE"]')]),
    ("birth_date is null and birth_date is not null", [("W001", "birth_date is not null")]),
    ("birth_date is null and birth_date > 2020-01-01", [("W001", "birth_date > 2020-01-01")]),
    ("signup_at > 2024-01-01 and signup_at < 2023-01-01", [("W001", "signup_at < 2023-01-01")]),
    ("email_opt_in and not email_opt_in", [("W001", "not email_opt_in")]),
    ("has orders in last 30 days and has no orders in last 30 days", [("W001", "has no orders in last 30 days")]),
    # not contradictions
    ("lifetime_value >= 5 and lifetime_value <= 5", []),
    ("lifetime_value > 5 and lifetime_value < 5.5", []),
    ("birth_date is null and country != \"US\"", [("W003", 'country != "US"')]),
    ('lifetime_value > 40 or lifetime_value < 30', []),
    ('origin > "b" and origin < "a"', []),  # text order depends on the engine's collation: no claim
    # W002: always true or always false
    ("country in []", [("W002", "country in []")]),
    ("country not in []", [("W002", "country not in []")]),
    ("count(orders) >= 0", [("W002", "count(orders) >= 0")]),
    ("count(orders) < 0", [("W002", "count(orders) < 0")]),
    ("0 > count(orders where status = \"paid\")", [("W002", "0 > count(orders where status = \"paid\")")]),
    ("count(orders) >= 1", []),
    ("lifetime_value between 10 and 5", [("W002", "lifetime_value between 10 and 5")]),
    ("has orders or has no orders", [("W002", "has no orders")]),
    ("birth_date is null or birth_date is not null", [("W002", "birth_date is not null")]),
    # W003: negative forms on a value that may be missing
    ('country != "US"', [("W003", 'country != "US"')]),
    ('country not in ["US", "CA"]', [("W003", 'country not in ["US", "CA"]')]),
    ("lifetime_value not between 1 and 2", [("W003", "lifetime_value not between 1 and 2")]),
    ('address.state != "CA"', [("W003", 'address.state != "CA"')]),
    ('country is not null and country != "US"', []),
    ('country is not null and (country != "US" or email_opt_in)', []),
    ("customer_id != 3", []),  # the key is never missing
    ('has orders where status != "paid"', []),  # per event, not per customer
    # W004: a window implied by another
    ("has orders in last 30 days and has orders in last 90 days", [("W004", "has orders in last 90 days")]),
    ("has no orders in last 30 days and has no orders in last 90 days", [("W004", "has no orders in last 30 days")]),
    ("has orders in last 30 days or has orders in last 90 days", [("W004", "has orders in last 30 days")]),
    ('(has orders where status = "paid" in last 1 week) and (has orders in last 30 days)',
     [("W004", "has orders in last 30 days")]),
    ("has orders in last 2 weeks and has orders in last 14 days", [("W004", "has orders in last 14 days")]),
    ("has orders since 2024-01-01 and has orders", [("W004", "has orders", 2)]),
    ('(has orders where status = "paid" in last 7 days) and (has orders where status = "refunded" in last 30 days)',
     []),
    ("has orders in last 30 days and has orders in last 1 month", []),  # days and months: not compared
    ("has orders in last 30 days and has no orders in last 7 days", []),
    # W007: PII
    ('email contains "x"', [("W007", "email")]),
    # W008: duplicates
    ("email_opt_in and email_opt_in", [("W008", "email_opt_in", 2)]),
    ('country = "US" or tier = "gold" or country = "US"', [("W008", 'country = "US"', 2)]),
    # W009: a customer condition at the end of an aggregate's `where`
    ('has orders where status = "paid" and email_opt_in', [("W009", "email_opt_in")]),
    ('has orders where status = "paid" and customer.email_opt_in', []),
    ('has orders where email_opt_in and status = "paid"', []),
    ("count(orders where amount > 5 and score > 1 in last 30 days) > 2", [("W009", "score > 1")]),
]


def _position(text: str, target: str, occurrence: int = 1) -> tuple[int, int]:
    index = -1
    for _ in range(occurrence):
        index = text.index(target, index + 1)
    return 2, index + 3


def project_with(tmp: Path, segments: dict[str, str], config: str | None = None) -> Path:
    shutil.copy(ACME / "schema.yml", tmp / "schema.yml")
    (tmp / "segql.yml").write_text(config or (ACME / "segql.yml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp / "segments").mkdir()
    for name, body in segments.items():
        (tmp / "segments" / f"{name}.yml").write_text(body, encoding="utf-8")
    return tmp


def warnings_of(root: Path, project_wide: bool = False) -> list[tuple[str, str, int, int]]:
    loaded = api.load(root)
    result = api.check(loaded)
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    return [(d.code, d.span.path, d.span.line, d.span.column)
            for d in lint(loaded.schema, result, project_wide=project_wide)]


@pytest.mark.parametrize(("condition", "expected"), CASES, ids=[c for c, _ in CASES])
def test_warnings_table(condition: str, expected: list[tuple], tmp_path: Path) -> None:  # type: ignore[type-arg]
    root = project_with(tmp_path, {"s": f"where: |\n  {condition}\n"})
    found = [(code, line, col) for code, path, line, col in warnings_of(root) if path == "segments/s.yml"]
    wanted = [(code, *_position(condition, target, *rest)) for code, target, *rest in expected]
    assert sorted(found) == sorted(wanted)


def test_unused_parameter(tmp_path: Path) -> None:
    root = project_with(tmp_path, {"s": "params:\n  used: {type: integer, default: 3}\n"
                                        "  spare: {type: integer, default: 5}\nwhere: |\n  count(orders) > $used\n"})
    assert warnings_of(root) == [("W005", "segments/s.yml", 3, 3)]


def test_unused_trait_only_when_the_whole_project_checks(tmp_path: Path) -> None:
    root = project_with(tmp_path, {"s": "where: recent_buyer and age > 30 and is_adult\n"})
    unused = [w for w in warnings_of(root, project_wide=True) if w[0] == "W006"]
    assert [w[1:] for w in unused] == [("schema.yml", 69, 3), ("schema.yml", 71, 3)]  # spend_365, sessions_30
    assert not [w for w in warnings_of(root) if w[0] == "W006"]


def test_pii_through_a_trait(tmp_path: Path) -> None:
    schema = (ACME / "schema.yml").read_text(encoding="utf-8").replace(
        "traits:\n", "traits:\n  mail_domain: lower(email)\n", 1)
    root = project_with(tmp_path, {"s": 'where: mail_domain ends with "@acme.com"\n'})
    (root / "schema.yml").write_text(schema, encoding="utf-8")
    assert [w for w in warnings_of(root) if w[0] == "W007"] == [("W007", "segments/s.yml", 1, 8)]


def test_contradicting_the_channel_consent(tmp_path: Path) -> None:
    config = (ACME / "segql.yml").read_text(encoding="utf-8") + "channels:\n  email: {requires: email_opt_in}\n"
    root = project_with(tmp_path, {"s": "channel: email\nwhere: |\n  not email_opt_in\n",
                                   "ok": "channel: email\nwhere: |\n  email_opt_in and score > 1\n"}, config)
    assert warnings_of(root) == [("W001", "segments/s.yml", 3, 3)]  # and no W008 for `ok`


# Every warning on the example projects, each one true and explained. A new warning here is either a lint
# false positive (fix lint.py) or a finding about the example (fix the example).
RETAIL_WARNINGS = [
    # tenure_days is defined for authors to use, and no segment does yet
    ("W006", "schema.yml", 121, 3),
    # the e-mail domain is a SQL trait (a warehouse function): its meaning is the engine's, worth a reviewer's look
    ("W010", "segments/gmail_subscribers.yml", 1, 7),
    # `email is not null` reads a PII attribute (to find reachable customers): true, and worth a reviewer's look
    ("W007", "segments/incomplete_profiles.yml", 7, 7),
    # "above the bronze tier" — but `!=` also selects customers with no tier at all: a real finding
    ("W003", "segments/loyal_veterans.yml", 7, 7),
    ("W007", "segments/new_customers.yml", 8, 7),
    # test_accounts matches on e-mail and first name: PII by design
    ("W007", "segments/test_accounts.yml", 7, 7),
    ("W007", "segments/test_accounts.yml", 10, 18),
    # customers without an address row (or a state) are "outside CA and TX" too: a real finding
    ("W003", "segments/us_web_regulars.yml", 7, 7),
]

# The acme segments are written to cover syntax, not to make sense: their `x or not x`, duplicate literals
# and nested windows are exactly what lint is for.
ACME_WARNINGS = {
    "W001": 1,  # literals.yml: lifetime_value > 42 … and lifetime_value < 19.99
    "W002": 4,  # operators.yml: `x or not x`, `is null or is not null`, `has or has no`, `in segment or not in`
    "W003": 7,  # literals.yml and operators.yml: every negative form on nullable attributes
    "W004": 5,  # windows.yml: `any` of nested `in last` windows
    "W006": 1,  # sessions_30 is used by no acme segment
    "W007": 5,  # email in functions, keywords, literals, operators, references
    "W008": 1,  # literals.yml: `email = "paid" or email = 'paid'`
}


def test_retail_warnings_are_each_justified() -> None:
    assert warnings_of(RETAIL, project_wide=True) == RETAIL_WARNINGS


def test_acme_warnings() -> None:
    found: dict[str, int] = {}
    for code, *_ in warnings_of(ACME, project_wide=True):
        found[code] = found.get(code, 0) + 1
    assert found == ACME_WARNINGS


def test_every_warning_code_is_documented() -> None:
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for code, title in WARNINGS.items():
        assert code in CODES and CODES[code] == title
        assert f"### {code} — " in doc, f"{code} is not documented in docs/errors.md"


# ---- the command ----


def test_lint_command_exit_codes_and_formats(tmp_path: Path) -> None:
    code, out, err = invoke("lint", "--project", str(RETAIL), "--format", "short")
    assert code == 0
    assert out.count("warning[W") == len(RETAIL_WARNINGS)
    assert "segments/loyal_veterans.yml:7:7: warning[W003]" in out
    assert "8 warnings" in err
    assert invoke("lint", "--project", str(RETAIL), "--strict")[0] == 1
    code, out, _ = invoke("lint", "--project", str(RETAIL), "--format", "json")
    assert json.loads(out)["summary"] == {"errors": 0, "warnings": len(RETAIL_WARNINGS)}
    code, out, _ = invoke("lint", "--project", str(RETAIL), "--format", "github")
    assert out.startswith("::warning file=")
    clean = project_with(tmp_path / "clean", {}) if (tmp_path / "clean").mkdir() is None else None
    assert clean is not None
    (clean / "segments" / "s.yml").write_text("where: score > 1 and recent_buyer and age > 3 and is_adult\n"
                                              "  and spend_365 > 3 and sessions_30 > 1\n", encoding="utf-8")
    code, out, err = invoke("lint", "--project", str(clean), "--strict", "--format", "short")
    assert (code, out) == (0, "") and "no warnings" in err


def test_lint_shows_validation_errors(tmp_path: Path) -> None:
    root = project_with(tmp_path, {"bad": "where: lifetime_vlue > 3\n", "s": 'where: country != "US"\n'})
    code, out, _ = invoke("lint", "--project", str(root), "--format", "short")
    assert code == 1
    assert "error[E201]" in out and "warning[W003]" in out


# ---- round 2: SQL traits, shared salts, priority lists (W010-W012) ----

SPLIT = "where: email_opt_in\nsplits:\n  salt: {salt}\n  groups: {{a: 50, b: 50}}\n"


def test_two_splits_with_one_salt_are_w011(tmp_path: Path) -> None:
    root = project_with(tmp_path, {"one": SPLIT.format(salt="spring"), "two": SPLIT.format(salt="spring"),
                                   "three": SPLIT.format(salt="autumn")})
    assert [w for w in warnings_of(root, project_wide=True) if w[0] == "W011"] == [("W011", "segments/two.yml", 3, 9)]


def test_without_a_salt_each_segment_has_its_own(tmp_path: Path) -> None:
    body = "where: email_opt_in\nsplits:\n  groups: {a: 50, b: 50}\n"
    root = project_with(tmp_path, {"one": body, "two": body})  # the salt is the segment's name
    assert "W011" not in [w[0] for w in warnings_of(root, project_wide=True)]


PRIORITY = {
    "vip": "where: lifetime_value > 1000\n",
    "vip_gold": "where: lifetime_value > 1000 and tier = \"gold\"\n",
    "rich": "where: lifetime_value > 5000\n",
    "lapsed": "where: has no orders in last 90 days\n",
}


@pytest.mark.parametrize(("order", "empty"), [
    ("[vip, vip_gold, lapsed]", [("vip_gold", 1, 17)]),  # every vip_gold is a vip, listed above
    ("[vip, rich]", [("rich", 1, 17)]),  # > 5000 implies > 1000
    ("[vip_gold, vip, lapsed]", []),  # the narrower first: fine
    ("[rich, vip]", []),
    ("[lapsed, vip]", []),  # nothing implies the other
])
def test_a_priority_list_segment_empty_after_the_ones_above_is_w012(tmp_path: Path, order: str,
                                                                     empty: list[tuple[str, int, int]]) -> None:
    root = project_with(tmp_path, {**PRIORITY, "waves": f"priority: {order}\n"})
    found = [(code, path, line, col) for code, path, line, col in warnings_of(root) if code == "W012"]
    column = {name: f"priority: {order}\n".index(name) + 1 for name, _, _ in empty}
    assert found == [("W012", "segments/waves.yml", line, column[name]) for name, line, _ in empty]


def test_a_segment_on_a_sql_trait_is_w010(tmp_path: Path) -> None:
    root = project_with(tmp_path, {"churners": "where: churn > 0.5\n", "plain": "where: email_opt_in\n"})
    schema = (root / "schema.yml").read_text(encoding="utf-8")
    (root / "schema.yml").write_text(schema + "  churn: {type: float, sql: {duckdb: \"c.score\"}}\n", encoding="utf-8")
    (root / "segments" / "uses.yml").write_text("where: in segment churners\n", encoding="utf-8")
    found = sorted(w[1] for w in warnings_of(root) if w[0] == "W010")
    assert found == ["segments/churners.yml", "segments/uses.yml"]  # through a segment reference too
