"""`segql compile`, `run` and `count` on the example project's DuckDB data: outputs, formats, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from segql.cli import cli
from tests.cli import invoke
from tests.conftest import RETAIL_GROUPS, RETAIL_SEGMENTS

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"
AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("retail")
    for item in ("segql.yml", "schema.yml", "segments", "tests"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / item)
    subprocess.run([sys.executable, str(RETAIL / "generate_data.py"), "--out", str(root / "data" / "retail.duckdb")],
                   check=True, capture_output=True)
    return root


def expected_members(project: Path, name: str) -> list[int]:
    code, sql, _ = invoke("compile", name, "--project", str(project), "--as-of", AS_OF)
    assert code == 0
    con = duckdb.connect(str(project / "data" / "retail.duckdb"), read_only=True)
    try:
        return sorted(r[0] for r in con.execute(sql.rstrip().rstrip(";")).fetchall())
    finally:
        con.close()


def test_compile_prints_only_sql(project: Path) -> None:
    code, out, err = invoke("compile", "high_value_lapsed", "--project", str(project), "--as-of", AS_OF)
    assert code == 0 and err == ""
    assert out.startswith("SELECT") and out.rstrip().endswith(";")


def test_compile_is_deterministic_and_dialect_specific(project: Path) -> None:
    runs = {d: invoke("compile", "vip", "--project", str(project), "--dialect", d, "--as-of", AS_OF)[1]
            for d in ("duckdb", "postgres", "snowflake")}
    assert runs["duckdb"] == invoke("compile", "vip", "--project", str(project), "--as-of", AS_OF)[1]
    assert len(set(runs.values())) == 3


def test_compile_several_segments_and_out_dir(project: Path, tmp_path: Path) -> None:
    code, out, _ = invoke("compile", "vip", "churn_risk", "--project", str(project), "--as-of", AS_OF)
    assert code == 0 and out.count(";\n") == 2
    code, out, err = invoke("compile", "vip", "churn_risk", "--project", str(project), "--out", str(tmp_path / "sql"))
    assert code == 0 and out == ""
    assert sorted(p.name for p in (tmp_path / "sql").iterdir()) == ["churn_risk.sql", "vip.sql"]


def test_param_changes_members(project: Path) -> None:
    default = expected_members(project, "high_value_lapsed")
    code, out, _ = invoke("run", "high_value_lapsed", "--project", str(project), "--as-of", AS_OF,
                          "--param", "min_spend=100", "--format", "csv")
    assert code == 0
    lowered = [int(x) for x in out.split()[1:]]
    assert set(default) < set(lowered)


@pytest.mark.parametrize(("args", "code", "fragment"), [
    (["compile", "nope"], 2, "no segment named `nope`"),
    (["compile", "vipp"], 2, "did you mean `vip`"),
    (["compile", "high_value_lapsed", "--param", "min_spend=lots"], 1, "E227"),
    (["compile", "high_value_lapsed", "--param", "min_spned=1"], 1, "E206"),
    (["compile", "high_value_lapsed", "--param", "oops"], 2, "NAME=VALUE"),
    (["compile", "high_value_lapsed", "--as-of", "2026-13-01"], 2, "--as-of"),
    (["compile", "high_value_lapsed", "--dialect", "oracle"], 2, "--dialect"),
    (["run", "vip", "--target", "nowhere"], 2, "no target named `nowhere`"),
    (["run", "vip", "--format", "parquet"], 2, "--output"),
    (["run", "vip", "--target", "warehouse"], 1, "E404"),
])
def test_wrong_calls(project: Path, args: list[str], code: int, fragment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGQL_PG_DSN", raising=False)
    got, out, err = invoke(*args, "--project", str(project))
    assert got == code, (out, err)
    assert fragment in out + err
    assert "Traceback" not in out + err


def test_run_formats_agree(project: Path, tmp_path: Path) -> None:
    expected = expected_members(project, "churn_risk")
    base = ["run", "churn_risk", "--project", str(project), "--as-of", AS_OF]
    code, table, _ = invoke(*base)
    assert code == 0 and [int(x) for x in table.split()[1:]] == expected
    code, csv_out, _ = invoke(*base, "--format", "csv")
    assert csv_out.splitlines()[0] == "customer_id" and [int(x) for x in csv_out.splitlines()[1:]] == expected
    code, jsonl, _ = invoke(*base, "--format", "jsonl")
    assert [json.loads(line)["customer_id"] for line in jsonl.splitlines()] == expected
    parquet = tmp_path / "m.parquet"
    code, _, _ = invoke(*base, "--format", "parquet", "--output", str(parquet))
    assert code == 0
    rows = duckdb.sql(f"SELECT customer_id FROM read_parquet('{parquet}') ORDER BY 1").fetchall()
    assert [r[0] for r in rows] == expected


def test_run_several_segments_gives_segment_and_key(project: Path) -> None:
    code, out, _ = invoke("run", "vip", "churn_risk", "--project", str(project), "--as-of", AS_OF, "--format", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "segment,customer_id"
    got = {(s, int(k)) for s, k in (line.split(",") for line in lines[1:])}
    want = {("vip", k) for k in expected_members(project, "vip")} | {("churn_risk", k) for k in expected_members(project, "churn_risk")}
    assert got == want


def test_count_matches_members(project: Path) -> None:
    code, out, err = invoke("count", "vip", "churn_risk", "--project", str(project), "--as-of", AS_OF, "--format", "csv")
    assert code == 0
    rows = {line.split(",")[0]: line.split(",") for line in out.splitlines()[1:]}
    for name in ("vip", "churn_risk"):
        members = len(expected_members(project, name))
        assert int(rows[name][1]) == members
        assert float(rows[name][2]) == round(100 * members / 5000, 2)


def test_count_all_segments_by_default(project: Path) -> None:
    code, out, _ = invoke("count", "--project", str(project), "--as-of", AS_OF, "--format", "jsonl")
    assert code == 0
    assert len(out.splitlines()) == RETAIL_SEGMENTS + len(RETAIL_GROUPS)  # and each group, as `s.group`


def test_missing_database_is_a_diagnostic(tmp_path: Path) -> None:
    for item in ("segql.yml", "schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    code, out, err = invoke("count", "--project", str(tmp_path))
    assert code == 1 and "E402" in err and "does not exist" in err


def test_a_bug_is_exit_3_without_traceback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from segql import api

    def broken(*_: object, **__: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(api, "compile_sql", broken)
    code, out, err = invoke("compile", "vip", "--project", str(project))
    assert code == 3 and "internal error" in err and "Traceback" not in err


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    for command in ("validate", "compile", "run", "count"):
        assert command in result.output
