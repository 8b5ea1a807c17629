"""`segql validate` starts fast: importing the CLI and validating a project loads no sqlglot, DuckDB, driver or pygls.

Run in a fresh interpreter, so that modules other tests imported do not hide an eager import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sqlglot", "duckdb", "psycopg", "snowflake", "pyarrow", "pandas", "pygls", "lsprotocol")

PROBE = """
import sys
from segql.cli import main
after_import = sorted({m.split('.')[0] for m in sys.modules} & set(HEAVY))
sys.argv = ["segql", "validate", "--project", PROJECT, "--format", "short"]
try:
    main()
except SystemExit as done:
    code = done.code
after_validate = sorted({m.split('.')[0] for m in sys.modules} & set(HEAVY))
print(repr((code, after_import, after_validate)))
"""


def _probe(project: Path, temporary: Path | None = None) -> tuple[list[str], list[str]]:
    code = f"HEAVY = {HEAVY!r}\nPROJECT = {str(project)!r}\n" + PROBE
    env = {**os.environ, "TMPDIR": str(temporary)} if temporary is not None else None
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    exit_code, after_import, after_validate = eval(done.stdout.strip().splitlines()[-1])
    assert exit_code == 0, done.stderr
    return after_import, after_validate


def test_importing_the_cli_and_validating_loads_no_heavy_module() -> None:
    after_import, after_validate = _probe(ROOT / "tests" / "fixtures" / "acme")
    assert after_import == [], f"`import segql.cli` loads {after_import}"
    assert after_validate == [], f"`segql validate` loads {after_validate}"


def test_a_schema_with_sql_traits_loads_sqlglot_only_to_parse_new_ones(tmp_path: Path) -> None:
    """The retail example has a SQL trait (DESIGN §3.14): checking it the first time parses its SQL with sqlglot,
    nothing else; the verdict is remembered (in the temporary folder), so the next validate imports nothing heavy."""
    assert "sql:" in (ROOT / "examples" / "retail" / "schema.yml").read_text(encoding="utf-8")
    after_import, after_validate = _probe(ROOT / "examples" / "retail", tmp_path)
    assert after_import == []
    assert after_validate == ["sqlglot"]
    assert _probe(ROOT / "examples" / "retail", tmp_path) == ([], [])


def test_a_remembered_verdict_reports_the_same_problem(tmp_path: Path) -> None:
    """A SQL trait that does not parse is E266 at the same place whether its verdict was parsed or remembered, and
    the remembered run imports no sqlglot."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "tests" / "errors" / "E266_sql_trait_does_not_parse", project)
    shutil.copy(ROOT / "tests" / "fixtures" / "acme" / "segql.yml", project / "segql.yml")
    code = f"HEAVY = {HEAVY!r}\nPROJECT = {str(project)!r}\n" + PROBE
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
            for _ in range(2)]
    first, second = (r.stdout.strip().rsplit("\n", 1)[0] + r.stderr for r in runs)
    assert "E266" in first and first == second
    assert eval(runs[0].stdout.strip().splitlines()[-1])[2] == ["sqlglot"]
    assert eval(runs[1].stdout.strip().splitlines()[-1])[2] == []
