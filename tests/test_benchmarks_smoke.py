"""The benchmark stays honest: at a tiny size, every hand-written query of benchmarks/handwritten selects
exactly the members of its compiled segment, and the generator is deterministic. Times nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks import generate, suite
from segql import api


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "data"
    generate.generate(out, customers=3000, events=60_000, seed=20260630, log=False)
    return out


def test_generator_writes_every_table_with_exact_event_count(tiny: Path) -> None:
    con = duckdb.connect()
    generate.attach(con, tiny)
    counts = {name: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for name, table in generate.TABLES.items()}
    assert counts["customers"] == 3000
    assert sum(counts[t] for t in generate.EVENT_SHARES) == 60_000


def test_generator_is_deterministic(tiny: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate.generate(again, customers=3000, events=60_000, seed=20260630, log=False)
    con = duckdb.connect()
    for stem in ("customers", "orders", "email_events"):
        difference = con.execute(f"SELECT count(*) FROM (FROM read_parquet('{tiny / stem}.parquet') "
                                 f"EXCEPT ALL FROM read_parquet('{again / stem}.parquet'))").fetchone()[0]
        assert difference == 0, stem


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> api.Workspace:
    return api.open_workspace(suite.bench_project(tmp_path_factory.mktemp("project")))


def test_every_suite_segment_has_handwritten_sql(workspace: api.Workspace) -> None:
    assert set(workspace.result.segments) == set(suite.segment_names())


@pytest.mark.parametrize("name", suite.segment_names())
def test_handwritten_sql_selects_the_compiled_members(name: str, tiny: Path, workspace: api.Workspace) -> None:
    con = duckdb.connect()
    generate.attach(con, tiny)
    compiled = suite.members(con, suite.compiled_sql(workspace, name))
    assert compiled == suite.members(con, suite.handwritten(name))
    assert 0 < len(compiled) < 3000, "the tiny data should give every segment some members, not everyone"
