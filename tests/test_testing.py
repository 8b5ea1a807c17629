"""segql test: the example project's unit tests pass; a wrong expectation fails naming missing and unexpected
members; every fixture mistake is a diagnostic at its position; the last line is `N passed, M failed`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from segql import api
from segql.testing import run_tests
from tests.cli import invoke

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The retail project without its data and tests: each test adds the test files it needs."""
    for item in ("segql.yml", "schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    (tmp_path / "tests").mkdir()
    return tmp_path


def test_every_example_test_passes() -> None:
    run = run_tests(api.open_workspace(RETAIL))
    assert run.diagnostics == []
    assert {Path(r.file).name for r in run.results} == {p.name for p in (RETAIL / "tests").glob("*.yml")}
    assert [r.case.title for r in run.results if not r.passed] == []
    assert run.summary == "27 passed, 0 failed"


def test_command_output_ends_with_the_summary_line() -> None:
    code, out, err = invoke("test", "--project", str(RETAIL))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[-1] == "27 passed, 0 failed"
    assert "PASS  tests/vip.yml:74  vip [min_spend=2500] as of 2026-06-30" in lines


def test_names_select_test_files_or_segments() -> None:
    code, out, _ = invoke("test", "--project", str(RETAIL), "test_accounts")
    assert code == 0
    assert out.splitlines()[-1] == "2 passed, 0 failed"  # its own file, and the case in vip.yml
    assert invoke("test", "--project", str(RETAIL), "vip")[1].splitlines()[-1] == "4 passed, 0 failed"
    code, _, err = invoke("test", "--project", str(RETAIL), "vipp")
    assert code == 2 and "did you mean `vip`" in err


def test_a_wrong_expectation_fails_naming_the_members(project: Path) -> None:
    text = (RETAIL / "tests" / "test_accounts.yml").read_text(encoding="utf-8")
    (project / "tests" / "test_accounts.yml").write_text(
        text.replace("members: [1, 3, 4, 6, 7]", "members: [1, 2, 3, 4]"), encoding="utf-8")
    shutil.copy(RETAIL / "tests" / "vip.yml", project / "tests" / "vip.yml")
    code, out, _ = invoke("test", "--project", str(project))
    assert code == 1
    assert "FAIL  tests/test_accounts.yml:19  test_accounts as of 2026-06-30" in out
    assert "      missing:    2  (expected members the segment did not select)" in out
    assert "      unexpected: 6, 7  (selected, but not in `members`)" in out
    assert out.splitlines()[-1] == "3 passed, 1 failed"


def test_expect_and_expect_not(project: Path) -> None:
    (project / "tests" / "t.yml").write_text(
        "as_of: 2026-06-30\nfixtures:\n  customer:\n    - {customer_id: 1, email: qa.x@shop.io}\n"
        "    - {customer_id: 2, email: b@shop.io}\n    - {customer_id: 3}\n"
        "segments:\n  test_accounts:\n    - {expect: [2], expect_not: [1]}\n    - {expect: [1], expect_not: [2, 3]}\n",
        encoding="utf-8")
    code, out, _ = invoke("test", "--project", str(project))
    assert code == 1
    assert "missing:    2" in out and "unexpected: 1  (selected, but listed in `expect_not`)" in out
    assert out.splitlines()[-1] == "1 passed, 1 failed"


BAD = """\
as_of: 2026-06-30
fixtures:
  customer:
    - {customer_id: 1, countri: US, loyalty_tier: golden, birth_date: 2020-01-01T10:00:00}
    - {customer_id: 1}
    - {customer_id: x}
  order:
    - {customer_id: 1}
  orders:
    - {customer_id: 1, amount: "12", ordered_at: yesterday}
segments:
  vipp: {expect: [1]}
  vip:
    - {params: {min_spen: 5}, expect: [1]}
    - {params: {min_spend: abc}, expect: [9]}
    - {members: [1], expect: [1]}
    - {}
"""

BAD_EXPECTED = [
    ("E241", 4, 24), ("E243", 4, 51), ("E242", 4, 71), ("E246", 5, 21), ("E242", 6, 21), ("E240", 7, 3),
    ("E242", 10, 32), ("E242", 10, 50), ("E244", 12, 3), ("E206", 14, 17), ("E227", 15, 28), ("E245", 15, 43),
    ("E245", 16, 22), ("E245", 17, 7),
]


def test_fixture_diagnostics_have_positions(project: Path) -> None:
    (project / "tests" / "bad.yml").write_text(BAD, encoding="utf-8")
    run = run_tests(api.open_workspace(project))
    assert [(d.code, d.span.line, d.span.column) for d in run.diagnostics] == BAD_EXPECTED
    assert all(d.span.path == "tests/bad.yml" for d in run.diagnostics)
    hints = {d.code: d.hint for d in run.diagnostics}
    assert hints["E241"] == "did you mean `country`?" and hints["E243"] == "did you mean `gold`?"
    assert hints["E240"] == "did you mean `orders`?" and hints["E244"] == "did you mean `vip`?"
    code, out, err = invoke("test", "--project", str(project), "--format", "short")
    assert code == 1
    assert "tests/bad.yml:4:24: error[E241]: unknown column `countri` in a row of `customer`" in out
    assert out.splitlines()[-1] == "0 passed, 5 failed"
    assert "14 errors in 1 test file; 5 tests not run" in err


@pytest.mark.parametrize(("text", "code", "line", "col"), [
    ("fixtures: {}\nsegments: {vip: {expect: []}}\n", "E104", 1, 1),  # no as_of
    ("as_of: 2026-13-01\nfixtures: {}\nsegments: {vip: {members: []}}\n", "E107", 1, 8),
    ("as_of: 2026-06-30\nfixtures: {}\nfixturez: {}\nsegments: {vip: {members: []}}\n", "E105", 3, 1),
    ("as_of: 2026-06-30\nfixtures: {customer: [{customer_id: 1}]}\nsegments: {vip: {expect: [1], expect_not: [1]}}\n",
     "E245", 3, 31),
    ("as_of: 2026-06-30\nfixtures: {customer: [{email: a}]}\nsegments: {vip: {members: []}}\n", "E104", 2, 23),
    ("as_of: 2026-06-30\nfixtures: {orders: [{customer_id: 1, status: payed}]}\nsegments: {vip: {members: []}}\n",
     "E243", 2, 46),
    ("as_of: 2026-06-30\nfixtures: {customer: [{customer_id: 1, email_opt_in: maybe}]}\n"
     "segments: {vip: {members: []}}\n", "E242", 2, 54),
    ("as_of: [2026]\nfixtures: {}\nsegments: {vip: {members: []}}\n", "E103", 1, 8),
    ("as_of: 2026-06-30\nfixtures: {customer: [{customer_id: 1, city: x}]}\nsegments: {vip: {members: []}}\n",
     "E241", 2, 40),
])
def test_each_fixture_diagnostic(project: Path, text: str, code: str, line: int, col: int) -> None:
    (project / "tests" / "t.yml").write_text(text, encoding="utf-8")
    run = run_tests(api.open_workspace(project))
    assert [(d.code, d.span.line, d.span.column) for d in run.diagnostics] == [(code, line, col)]
    assert run.failed == 1 and run.passed == 0


def test_join_time_and_key_columns_exist_undeclared(tmp_path: Path) -> None:
    """A lookup joined on a column no attribute declares, an event whose key and time are not attributes, a
    schema-qualified table in a three-part name: the fixture database still has them."""
    (tmp_path / "segql.yml").write_text("name: t\n", encoding="utf-8")
    (tmp_path / "schema.yml").write_text(
        "table: db.crm.people\nkey: id\nattributes:\n  id: integer\n  vip: {type: boolean, column: is_vip}\n"
        "lookups:\n  region:\n    table: regions\n    on: {region_code: code}\n    attributes: {name: string}\n"
        "events:\n  visits:\n    table: web.visits\n    key: person\n    time: at\n    attributes: {pages: integer}\n",
        encoding="utf-8")
    (tmp_path / "segments").mkdir()
    (tmp_path / "segments" / "s.yml").write_text(
        'where: vip and region.name = "North" and (has visits in last 7 days)\n', encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.yml").write_text(
        "as_of: 2026-06-30\nfixtures:\n  customer:\n    - {id: 1, vip: true, region_code: N}\n"
        "    - {id: 2, vip: true, region_code: S}\n    - {id: 3, vip: false, region_code: N}\n"
        "    - {id: 4, vip: true, region_code: N}\n"
        "  region: [{code: N, name: North}, {code: S, name: South}]\n"
        "  visits:\n    - {person: 1, at: 2026-06-30T23:00:00, pages: 3}\n    - {person: 2, at: 2026-06-29T10:00:00}\n"
        "    - {person: 3, at: 2026-06-29T10:00:00}\n    - {person: 4, at: 2026-06-23T23:59:59}\n"
        "segments:\n  s: {members: [1]}\n", encoding="utf-8")
    code, out, err = invoke("test", "--project", str(tmp_path))
    assert (code, err) == (0, ""), out
    assert out.splitlines()[-1] == "1 passed, 0 failed"


def test_timestamps_are_read_in_the_project_time_zone(tmp_path: Path) -> None:
    for item in ("schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    config = (RETAIL / "segql.yml").read_text(encoding="utf-8").replace("timezone: UTC", "timezone: America/New_York")
    (tmp_path / "segql.yml").write_text(config, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    # 23:30 in New York on the as-of day is 03:30 UTC the next day: still a sign-up of the as-of day.
    (tmp_path / "tests" / "t.yml").write_text(
        "as_of: 2026-06-30\nfixtures:\n  customer:\n    - {customer_id: 1, email: a@b.c, signup_at: 2026-06-30T23:30:00}\n"
        "    - {customer_id: 2, email: a@b.c, signup_at: 2026-07-01T00:30:00}\n"
        "segments:\n  new_customers: {members: [1]}\n", encoding="utf-8")
    code, out, _ = invoke("test", "--project", str(tmp_path))
    assert code == 0, out


def test_a_project_without_tests_says_so(tmp_path: Path) -> None:

    from segql.cli import cli

    root = Path(__file__).resolve().parent.parent / "examples" / "retail"
    for item in ("segql.yml", "schema.yml", "segments"):
        source = root / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    result = CliRunner().invoke(cli, ["test", "--project", str(tmp_path)])
    assert result.exit_code == 0
    assert "no segment tests found in tests/" in result.stderr
    assert result.stdout.splitlines()[-1] == "0 passed, 0 failed"
