"""The workbench end to end in a real headless Chromium (Debian's `chromium`, which `make test` installs; driven by
Playwright, whose own browser download is never used): the real `segql serve` process on a copy of the retail
project. Open the app, type a typo and see its diagnostic in place, fix it and see the size and the count after each
condition, complete a name, open insights and explain, save and see the file change. Screenshots of every view go
to tests/artefacts/ (not committed)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from segql import api
from tests.conftest import RETAIL_SEGMENTS
from tests.workbench import AS_OF, make_project

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
HVL = "segments/high_value_lapsed.yml"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, retail_duckdb: Path) -> Path:
    """The retail project with a week of snapshots of two segments (vip's definition changed on the 27th)."""
    from segql import warehouse

    root = make_project(tmp_path_factory.mktemp("browser"), retail_duckdb, schema="segments")
    vip = root / "segments" / "vip.yml"
    original = vip.read_text()
    for day in range(24, 31):
        if day == 27:
            vip.write_text(original.replace("paid_orders >= 5", "paid_orders >= 4"))
        ws = api.open_workspace(root)
        writer = warehouse.open_writer(ws, ws.target(None))
        try:
            warehouse.snapshot(ws, writer, ws.segments(["vip", "high_value_lapsed"]), schema="segments",
                               as_of=AS_OF.replace(day=day))
        finally:
            writer.close()
    vip.write_text(original)
    long_name = "customers_who_bought_in_every_season_of_the_last_three_years_and_opted_in"
    (root / "segments" / f"{long_name}.yml").write_text(
        f"name: {long_name}\ndescription: {'A very long description that goes on and on. ' * 6}\n"
        f"owner: the-customer-relationship-management-and-lifecycle-marketing-team\n"
        f"tags: [{', '.join(f'tag_number_{i}' for i in range(12))}]\nwhere: email_opt_in\n")
    return root


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[str]:
    """`segql serve` as a user starts it; its first line of output is the URL with the token."""
    log = project / "serve.log"
    with open(log, "w", encoding="utf-8") as errors:
        process = subprocess.Popen(
            [sys.executable, "-c", "from segql.cli import main; main()", "serve", "--project", str(project),
             "--no-browser", "--as-of", AS_OF.isoformat()],
            stdout=subprocess.PIPE, stderr=errors, text=True, start_new_session=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            pytest.fail(f"segql serve did not print its URL: {url!r} {log.read_text(encoding='utf-8')}")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package (apt-get install chromium)",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def page(browser: Any, server: str) -> Iterator[Any]:
    if ARTEFACTS.exists():
        shutil.rmtree(ARTEFACTS)
    ARTEFACTS.mkdir()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda err: errors.append(str(err)))
    opened.set_default_timeout(15000)
    opened.goto(server)
    yield opened
    context.close()
    assert errors == [], errors


def shot(page: Any, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=full_page)


def expected_size(project: Path, name: str) -> int:
    ws = api.open_workspace(project)
    engine = api.connect(ws, ws.target(None))
    try:
        return len(api.members(ws, engine, ws.segment(name), AS_OF))
    finally:
        engine.close()


def test_catalog(page: Any, project: Path) -> None:
    page.wait_for_selector("#catalog tbody tr")
    row = page.locator("#catalog tbody tr", has=page.locator("a", has_text="high_value_lapsed"))
    expected = expected_size(project, "high_value_lapsed")
    row.locator("td.num").first.filter(has_text=str(expected)).wait_for()
    assert page.locator("#catalog tbody tr").count() == RETAIL_SEGMENTS + 1  # and one with a long name
    # long names, descriptions, owners and tags are cut with an ellipsis: one line per row, nothing wider than the page
    long_row = page.locator("#catalog tbody tr", has=page.locator("a", has_text="customers_who_bought"))
    box, short = long_row.bounding_box(), row.bounding_box()
    assert box is not None and short is not None and box["height"] == short["height"]
    table = page.locator("#catalog").bounding_box()
    assert table is not None and table["x"] + table["width"] <= 1280
    page.wait_for_selector("#graph svg g.node.segment")
    assert page.locator("#graph svg g.node.event").count() == len(api.open_workspace(project).loaded.schema.events)
    assert "sizes as of 2026-06-30" in page.inner_text("#sizes-note")
    shot(page, "catalog")
    page.screenshot(path=str(ARTEFACTS / "catalog-full.png"), full_page=True)


def test_editor_typo_fix_and_sizes(page: Any, project: Path) -> None:
    page.click("#catalog a:text-is('high_value_lapsed')")
    page.wait_for_selector(".cm-content")
    page.wait_for_selector("#size-members")
    line = page.locator(".cm-line", has_text="and email_opt_in")
    line.click()
    page.keyboard.press("End")
    page.keyboard.type("x")
    error = page.locator(".cm-lintRange-error")
    error.wait_for()
    problem = page.locator("#problems li.error")
    problem.wait_for()
    assert "E201" in problem.inner_text() and "unknown attribute `email_opt_inx`" in problem.inner_text()
    assert "did you mean `email_opt_in`?" in problem.inner_text()
    assert error.first.inner_text() == "email_opt_inx"  # underlined in place: the misspelt name itself
    assert "1 error" in page.inner_text("#edit-status")
    shot(page, "editor-typo")
    page.keyboard.press("Backspace")
    page.locator("#problems li").first.wait_for(state="detached")
    expected = expected_size(project, "high_value_lapsed")
    page.locator("#size-members", has_text=f"{expected:,}").wait_for()
    rows = page.locator(".funnel-row")
    assert rows.count() == 4
    counts = [int(rows.nth(i).locator(".count").inner_text().replace(",", "")) for i in range(4)]
    assert counts[-1] == expected and counts == sorted(counts, reverse=True)
    assert rows.nth(0).locator(".cond").inner_text() == 'country in ["US", "CA"]'
    shot(page, "editor-size")


def test_editor_completion_and_sql(page: Any) -> None:
    page.locator(".cm-line", has_text="and has no orders in last 90 days").click()
    page.keyboard.press("End")
    page.keyboard.type(" and address.st")
    option = page.locator(".cm-tooltip-autocomplete li", has_text="address.state")
    option.wait_for()
    shot(page, "editor-completion")
    page.keyboard.press("Enter")
    page.locator(".cm-line", has_text="and address.state").wait_for()
    page.keyboard.type(" and loyalty_tier = ")  # an enum: its values are offered
    page.locator(".cm-tooltip-autocomplete li", has_text='"gold"').wait_for()
    page.keyboard.press("Escape")
    for _ in range(len(" and address.state and loyalty_tier = ")):
        page.keyboard.press("Backspace")
    page.locator(".cm-line", has_text="and has no orders in last 90 days").wait_for()
    page.click("[data-tab=sql]")
    page.locator("#sql", has_text="FROM crm.customers").wait_for()
    page.select_option("#dialect", "snowflake")
    assert "COALESCE" in page.inner_text("#sql")
    shot(page, "editor-sql")
    page.click("[data-tab=sample]")
    page.click("#load-sample")
    page.wait_for_selector("#sample td.masked")
    assert page.locator("#sample td.masked").first.inner_text() == "•••"
    shot(page, "editor-members")
    page.click("[data-tab=size]")


def test_insights(page: Any) -> None:
    page.click("nav.views a[data-view=insights]")
    page.wait_for_selector("#breakdown svg rect")
    assert page.locator("#breakdown svg rect").count() == 2  # US and CA
    page.click("#overlap-go")
    page.wait_for_selector("#overlap svg rect")
    assert page.locator("#overlap svg rect").count() == len(page.locator("#overlap-names option:checked").all()) ** 2
    page.wait_for_selector("#history svg polyline")
    assert page.locator("#history svg circle").count() == 7
    shot(page, "insights-top")
    page.select_option("#insight-segment", "vip")
    page.locator("#history svg text", has_text="definition changed").wait_for()
    shot(page, "insights", full_page=True)


def test_explain(page: Any) -> None:
    page.keyboard.press("Alt+4")
    page.wait_for_selector("#view-explain:not([hidden])")
    page.select_option("#explain-segment", "high_value_lapsed")
    page.fill("#explain-key", "2")
    page.press("#explain-key", "Enter")
    page.wait_for_selector("table.explain tbody tr")
    assert page.inner_text(".verdict") == "Customer 2 is not in high_value_lapsed"
    marks = [m.inner_text() for m in page.locator("table.explain td.mark").all()]
    assert marks == ["✓ holds", "✗ fails", "✗ fails", "✓ holds"]
    shot(page, "explain")


def test_save_writes_the_formatted_file(page: Any, project: Path) -> None:
    page.keyboard.press("Alt+2")
    page.wait_for_selector(".cm-content")
    page.select_option("#edit-segment", "high_value_lapsed")
    page.locator(".cm-line", has_text="and spend_365 > $min_spend").wait_for()
    page.locator(".cm-line", has_text="and email_opt_in").click()
    page.keyboard.press("End")
    page.keyboard.type("   # consent, checked by legal")
    page.keyboard.press("Home")
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    text_before = (project / HVL).read_text()
    page.keyboard.type("  AND    email_opt_in   # consent, checked by legal")
    page.locator("#edit-status", has_text="not saved").wait_for()
    page.keyboard.press("Control+s")
    page.locator("#edit-status", has_text="saved segments/high_value_lapsed.yml").wait_for()
    written = (project / HVL).read_text()
    assert written != text_before
    assert "  and email_opt_in  # consent, checked by legal\n" in written
    assert page.locator(".cm-line", has_text="and email_opt_in  # consent").count() == 1
    shot(page, "editor-saved")
