"""`segql diff --base REV`: a throwaway git repository holding the retail example in a subfolder, changed in
the work tree; the reported member deltas are checked against running both versions' SQL."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from segql import api
from tests.cli import invoke

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"
AS_OF = "2026-06-30"
HVL = "segments/high_value_lapsed.yml"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                          check=True, capture_output=True, text=True)
    return done.stdout


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with the project committed under `crm/retail/`; its DuckDB data only in the work tree."""
    repo = tmp_path_factory.mktemp("repo")
    project = repo / "crm" / "retail"
    project.mkdir(parents=True)
    for item in ("segql.yml", "schema.yml", "segments", "tests"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / item)
    (repo / ".gitignore").write_text("*.duckdb\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "retail segments")
    subprocess.run([sys.executable, str(RETAIL / "generate_data.py"), "--out", str(project / "data" / "retail.duckdb")],
                   check=True, capture_output=True)
    return repo


@pytest.fixture
def project(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the repository for one test to change; returns the project folder."""
    repo = tmp_path / "repo"
    shutil.copytree(pristine, repo)
    return repo / "crm" / "retail"


def diff_json(project: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    code, out, err = invoke("diff", "--base", "HEAD", "--project", str(project), "--as-of", AS_OF,
                            "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def members(project: Path, name: str) -> set[int]:
    code, sql, err = invoke("compile", name, "--project", str(project), "--as-of", AS_OF)
    assert code == 0, err
    con = duckdb.connect(str(project / "data" / "retail.duckdb"), read_only=True)
    try:
        return {r[0] for r in con.execute(sql.rstrip().rstrip(";")).fetchall()}
    finally:
        con.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def by_name(report: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {s["name"]: s for s in report["segments"]}


def test_no_change_reports_nothing(project: Path) -> None:
    report = diff_json(project, "--target", "local")
    assert report["segments"] == [] and report["summary"]["changed"] == 0
    groups = sum(len(s.groups) for s in api.open_workspace(project).result.segments.values())  # each is compared
    assert groups == 5 and report["summary"]["unchanged"] == len(list((project / "segments").glob("*.yml"))) + groups
    assert report["base"]["errors"] == [] and report["base"]["project_found"] is True
    code, out, _ = invoke("diff", "--base", "HEAD", "--project", str(project))
    assert code == 0 and "No segment changed." in out


def test_changed_threshold_member_delta_is_the_set_difference(project: Path) -> None:
    before = members(project, "high_value_lapsed")
    edit(project / HVL, "default: 500", "default: 300")
    after = members(project, "high_value_lapsed")
    assert before != after
    report = diff_json(project, "--target", "local")
    assert [s["name"] for s in report["segments"]] == ["high_value_lapsed"]
    seg = by_name(report)["high_value_lapsed"]
    assert seg["status"] == "changed" and seg["reasons"] == ["definition"]
    assert seg["definition_changed"] and seg["sql_changed"]
    assert "-  min_spend: {type: decimal, default: 500}" in seg["definition_diff"]
    assert "+  min_spend: {type: decimal, default: 300}" in seg["definition_diff"]
    assert "> 500" in seg["sql_diff"] and "> 300" in seg["sql_diff"]
    m = seg["members"]
    assert (m["before"], m["after"]) == (len(before), len(after))
    assert (m["added"], m["removed"]) == (len(after - before), len(before - after))
    assert m["added_sample"] == sorted(after - before)[:10]
    assert m["removed_sample"] == sorted(before - after)[:10]
    assert report["target"] == "local" and report["as_of"] == AS_OF and report["dialect"] == "duckdb"


def test_without_target_no_members(project: Path) -> None:
    edit(project / HVL, "default: 500", "default: 300")
    seg = by_name(diff_json(project))["high_value_lapsed"]
    assert seg["members"] is None and seg["sql_diff"]


def test_description_only_change_keeps_the_sql(project: Path) -> None:
    edit(project / HVL, "owner: crm-team", "owner: growth-team")
    seg = by_name(diff_json(project, "--target", "local"))["high_value_lapsed"]
    assert seg["definition_changed"] and not seg["sql_changed"] and seg["sql_diff"] == ""
    assert seg["members"] is None


def test_comment_only_change_is_not_a_change(project: Path) -> None:
    path = project / HVL
    path.write_text("# reviewed in Q3\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert diff_json(project)["segments"] == []


def test_added_and_removed_segments(project: Path) -> None:
    removed = members(project, "new_customers")
    (project / "segments" / "new_customers.yml").unlink()
    (project / "segments" / "gold_tier.yml").write_text(
        "name: gold_tier\nwhere: loyalty_tier = \"gold\"\n", encoding="utf-8")
    added = members(project, "gold_tier")
    report = diff_json(project, "--target", "local")
    segs = by_name(report)
    assert report["summary"] == {"added": 1, "removed": 1, "changed": 0,
                                 "unchanged": report["summary"]["unchanged"]}
    assert segs["gold_tier"]["status"] == "added" and segs["gold_tier"]["base_file"] is None
    assert segs["gold_tier"]["members"]["after"] == len(added) == segs["gold_tier"]["members"]["added"]
    assert segs["gold_tier"]["members"]["before"] is None
    assert segs["gold_tier"]["definition_diff"].startswith("--- /dev/null\n+++ b/segments/gold_tier.yml")
    assert segs["new_customers"]["status"] == "removed" and segs["new_customers"]["file"] is None
    assert segs["new_customers"]["members"]["removed"] == len(removed)
    assert segs["new_customers"]["definition_diff"].startswith("--- a/segments/new_customers.yml\n+++ /dev/null")


def test_changed_trait_reports_the_segments_using_it(project: Path) -> None:
    edit(project / "schema.yml", 'spend_365: sum(orders.amount where status = "paid" in last 365 days)',
         'spend_365: sum(orders.amount where status = "paid" in last 180 days)')
    report = diff_json(project, "--target", "local")
    segs = by_name(report)
    using = {name for name, s in segs.items() if "trait:spend_365" in s["reasons"]}
    assert {"high_value_lapsed", "vip", "rfm_champions"} <= using
    assert using == set(segs)
    hvl = segs["high_value_lapsed"]
    assert not hvl["definition_changed"] and hvl["sql_changed"] and hvl["definition_diff"] == ""
    assert "segments/churn_risk.yml" not in {s["file"] for s in segs.values()}  # uses orders_365, not spend_365
    assert "schema.yml" in report["file_diffs"]
    assert hvl["members"]["added"] + hvl["members"]["removed"] > 0
    code, out, _ = invoke("diff", "--base", "HEAD", "--project", str(project), "--as-of", AS_OF)
    assert code == 0
    assert "| `high_value_lapsed` | changed | through trait `spend_365` |" in out


def test_a_changed_referenced_segment_is_a_reason(project: Path) -> None:
    edit(project / "segments" / "test_accounts.yml", '    - email starts with "qa."\n', "")
    segs = by_name(diff_json(project))
    assert segs["test_accounts"]["reasons"] == ["definition"]
    assert segs["vip"]["reasons"] == ["segment:test_accounts"] and not segs["vip"]["definition_changed"]
    assert segs["new_customers"]["reasons"] == ["segment:test_accounts"]


def test_markdown_reads_as_a_pr_comment(project: Path) -> None:
    edit(project / HVL, "default: 500", "default: 300")
    code, out, err = invoke("diff", "--base", "HEAD", "--project", str(project), "--target", "local",
                            "--as-of", AS_OF)
    assert code == 0, err
    assert out.startswith("### segql diff: `HEAD` → working tree\n")
    assert "| segment | status | why | before | after | added | removed |" in out
    assert "| `high_value_lapsed` | changed | definition |" in out
    assert "<details><summary><code>high_value_lapsed</code> (changed): definition, SQL, members</summary>" in out
    assert "```diff\n--- a/segments/high_value_lapsed.yml" in out
    assert out.count("<details>") == out.count("</details>")


def test_errors_at_the_base_are_reported_not_fatal(project: Path) -> None:
    edit(project / HVL, "spend_365 > $min_spend", "spend_365 > $min_spnd")
    git(project, "commit", "-q", "-am", "a broken segment")
    edit(project / HVL, "spend_365 > $min_spnd", "spend_365 > $min_spend")
    report = diff_json(project, "--target", "local")
    assert [e["code"] for e in report["base"]["errors"]] == ["E206"]
    seg = by_name(report)["high_value_lapsed"]
    assert seg["status"] == "changed" and seg["definition_changed"]
    assert any("base revision" in n for n in seg["notes"]) and seg["members"] is None
    code, out, _ = invoke("diff", "--base", "HEAD", "--project", str(project))
    assert code == 0 and "The base revision's project has 1 error" in out


def test_errors_in_the_work_tree_exit_1(project: Path) -> None:
    edit(project / HVL, "spend_365 > $min_spend", "spend_365 > $min_spnd")
    code, out, err = invoke("diff", "--base", "HEAD", "--project", str(project))
    assert code == 1 and out == "" and "min_spnd" in err


@pytest.mark.parametrize("rev", ["no-such-branch", "HEAD~5", "-x"])
def test_bad_revision_exits_2(project: Path, rev: str) -> None:
    code, out, err = invoke("diff", "--base", rev, "--project", str(project))
    assert code == 2 and out == ""
    assert f"`{rev}`" in err and "Traceback" not in err


def test_outside_a_repository_exits_2(tmp_path: Path) -> None:
    for item in ("segql.yml", "schema.yml", "segments"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / item)
    code, _, err = invoke("diff", "--base", "HEAD", "--project", str(tmp_path))
    assert code == 2 and "not inside a git repository" in err


def test_project_new_at_the_head_is_all_added(project: Path) -> None:
    repo = project.parent.parent
    git(repo, "mv", "crm", "marketing")
    git(repo, "commit", "-q", "-m", "move")
    moved = repo / "marketing" / "retail"
    report = diff_json(moved, "--target", "local")
    # HEAD has the project at marketing/retail; HEAD~1 did not
    code, out, err = invoke("diff", "--base", "HEAD~1", "--project", str(moved), "--as-of", AS_OF, "--format", "json")
    assert code == 0, err
    older = json.loads(out)
    assert report["segments"] == []
    assert older["base"]["project_found"] is False
    assert {s["status"] for s in older["segments"]} == {"added"}


def test_ci_recipe_and_hooks_are_valid_yaml() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "ci.md").read_text(encoding="utf-8"), re.S)
    parsed = [yaml.safe_load(b) for b in blocks]
    workflow = parsed[0]
    steps = workflow["jobs"]["segql"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert {"segql validate", "segql lint --strict", "segql test"} <= {r.split("  #")[0].strip() for r in runs}
    assert any(r.startswith('segql diff --base "origin/$BASE_REF" --format markdown') for r in runs)
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"]: h["entry"] for h in hooks} == {"segql-validate": "segql validate", "segql-fmt": "segql fmt"}
    assert all(h["language"] == "python" and re.search(h["files"], "segments/vip.yml") for h in hooks)
    assert hooks[0]["pass_filenames"] is False
    config = next(p for p in parsed if isinstance(p, dict) and "repos" in p)
    assert {h["id"] for h in config["repos"][0]["hooks"]} == {h["id"] for h in hooks}
