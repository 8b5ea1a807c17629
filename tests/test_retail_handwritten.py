"""Every example segment, compiled for DuckDB, selects exactly the members of hand-written SQL.

The data is the example project's seeded generator; as-of dates cover the demo date and others.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from segql import api
from tests.compile_cases import sqlglot_readable
from tests.oracles import retail_handwritten as oracle

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"


@pytest.fixture(scope="module")
def workspace() -> api.Workspace:
    return api.open_workspace(RETAIL)


def test_every_example_segment_has_a_handwritten_oracle(workspace: api.Workspace) -> None:
    assert set(workspace.result.segments) == set(oracle.SEGS)


@pytest.mark.parametrize("as_of", ["2026-06-30", "2026-03-01", "2025-12-31"])
@pytest.mark.parametrize("name", sorted(oracle.SEGS))
def test_compiled_members_equal_handwritten(name: str, as_of: str, retail_duckdb: Path, workspace: api.Workspace) -> None:
    con = duckdb.connect(str(retail_duckdb), read_only=True)
    try:
        expected = oracle.members(con, name, as_of)
        sql = api.compile_sql(workspace, workspace.segment(name), "duckdb", dt.date.fromisoformat(as_of))
        got = sorted(row[0] for row in con.execute(sql).fetchall())
    finally:
        con.close()
    assert got == expected
    if as_of == "2026-06-30":
        assert 0 < len(got) < 5000, "the demo data should give every segment some members, not everyone"


@pytest.mark.parametrize("dialect", ["postgres", "snowflake"])
def test_every_example_segment_renders_sql_that_the_dialects_reader_parses(dialect: str,
                                                                          workspace: api.Workspace) -> None:
    import sqlglot

    for name, segment in workspace.result.segments.items():
        sql = api.compile_sql(workspace, segment, dialect, dt.date(2026, 6, 30))
        parsed = sqlglot.parse_one(sqlglot_readable(sql), read=dialect)
        assert parsed.find(sqlglot.exp.Select) is not None, name
        assert api.compile_sql(workspace, segment, dialect, dt.date(2026, 6, 30)) == sql, f"{name} is not deterministic"
