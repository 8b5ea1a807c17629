"""`segql validate` starts fast: importing the CLI and validating a project loads no sqlglot, DuckDB, driver or pygls.

Run in a fresh interpreter, so that modules other tests imported do not hide an eager import.
"""

from __future__ import annotations

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


def _probe(project: Path) -> tuple[list[str], list[str]]:
    code = f"HEAVY = {HEAVY!r}\nPROJECT = {str(project)!r}\n" + PROBE
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    exit_code, after_import, after_validate = eval(done.stdout.strip().splitlines()[-1])
    assert exit_code == 0, done.stderr
    return after_import, after_validate


def test_importing_the_cli_and_validating_loads_no_heavy_module() -> None:
    after_import, after_validate = _probe(ROOT / "tests" / "fixtures" / "acme")
    assert after_import == [], f"`import segql.cli` loads {after_import}"
    assert after_validate == [], f"`segql validate` loads {after_validate}"


def test_a_schema_with_sql_traits_loads_only_sqlglot_to_parse_them() -> None:
    """The retail example has a SQL trait (DESIGN §3.14): checking it parses its SQL with sqlglot, nothing else."""
    assert "sql:" in (ROOT / "examples" / "retail" / "schema.yml").read_text(encoding="utf-8")
    after_import, after_validate = _probe(ROOT / "examples" / "retail")
    assert after_import == []
    assert after_validate == ["sqlglot"]
