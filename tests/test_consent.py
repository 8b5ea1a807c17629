"""Channel consent (DESIGN §9): a segment with `channel: email` gets the channel's `requires`
condition compiled in, visibly, and selects only customers who meet it."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from segql import api

RETAIL = Path(__file__).resolve().parent.parent / "examples" / "retail"
AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consent")
    for item in ("segql.yml", "schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / item)
    (root / "segments" / "winback_email.yml").write_text(
        "name: winback_email\nchannel: email\nwhere: has no orders in last 90 days and paid_orders >= 1\n")
    (root / "segments" / "winback_any.yml").write_text(
        "name: winback_any\nwhere: has no orders in last 90 days and paid_orders >= 1\n")
    subprocess.run([sys.executable, str(RETAIL / "generate_data.py"), "--out", str(root / "data" / "retail.duckdb")],
                   check=True, capture_output=True)
    return root


def test_consent_condition_is_in_the_sql_and_filters_members(project: Path) -> None:
    ws = api.open_workspace(project)
    with_channel = api.compile_sql(ws, ws.segment("winback_email"), "duckdb", AS_OF)
    without = api.compile_sql(ws, ws.segment("winback_any"), "duckdb", AS_OF)
    assert "c.email_opt_in" in with_channel and "email_opt_in" not in without
    con = duckdb.connect(str(project / "data" / "retail.duckdb"), read_only=True)
    try:
        consented = {r[0] for r in con.execute("SELECT customer_id FROM crm.customers WHERE email_opt_in").fetchall()}
        got = {r[0] for r in con.execute(with_channel).fetchall()}
        everyone = {r[0] for r in con.execute(without).fetchall()}
    finally:
        con.close()
    assert got == everyone & consented
    assert got and everyone - got, "the data should have lapsed customers on both sides of consent"


def test_a_segment_referring_to_a_channel_segment_sees_only_consented_members(project: Path) -> None:
    (project / "segments" / "ref.yml").write_text("name: ref\nwhere: in segment winback_email\n")
    try:
        ws = api.open_workspace(project)
        assert "c.email_opt_in" in api.compile_sql(ws, ws.segment("ref"), "duckdb", AS_OF)
    finally:
        (project / "segments" / "ref.yml").unlink()


def test_an_unknown_channel_is_e236_at_the_channel(project: Path) -> None:
    (project / "segments" / "typo.yml").write_text("name: typo\nchannel: emial\nwhere: paid_orders >= 1\n")
    try:
        result = api.validate(project)
    finally:
        (project / "segments" / "typo.yml").unlink()
    (d,) = [d for d in result.diagnostics if d.is_error]
    assert (d.code, d.span.line, d.span.column, d.hint) == ("E236", 2, 10, "did you mean `email`?")


def test_a_bad_consent_condition_is_reported_in_segql_yml(tmp_path: Path) -> None:
    for item in ("schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    text = (RETAIL / "segql.yml").read_text().replace("requires: email_opt_in", "requires: email_optin")
    (tmp_path / "segql.yml").write_text(text)
    codes = {(d.code, d.span.path) for d in api.validate(tmp_path).diagnostics if d.is_error}
    assert ("E201", "segql.yml") in codes
