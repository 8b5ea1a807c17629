"""The Snowflake emulator of the test suite: fakesnow, which patches snowflake.connector to run Snowflake SQL on
DuckDB, kept in a virtual environment of its own (.venv-fakesnow/ at the repo root) because it pins its own
sqlglot and duckdb, which must never touch segql's.

Two halves in one file. Imported by the tests (standard library only): `ensure()` makes the environment once (and
reuses it while its requirements are unchanged), `fixture_statements()` turns DuckDB tables into Parquet files
and the Snowflake statements loading them, `Emulator.run(job)` runs this file inside the environment. Run there
as a script, it reads a job (JSON) on stdin: it opens segql's own Snowflake engine on a fakesnow connection,
runs the job's setup statements on that connection, each query through the engine, and writes the rows (JSON)
on stdout.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__:  # imported by the tests (run as a script inside the emulator's environment, it needs none of this)
    from tests import venvs

    EmulatorUnavailable = venvs.VenvUnavailable  # conftest's name for it

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-fakesnow"
# fakesnow pinned: what the emulator accepts and computes changes between releases, and the strict xfails of
# tests/test_snowflake.py say what this one gets wrong. lark and pyyaml let the driver import segql's engine.
REQUIREMENTS = (
    "fakesnow==0.12.1",
    "snowflake-connector-python>=3.12,<5",
    "lark>=1.2,<1.4",
    "pyyaml>=6.0,<7",
)
# Settings of the emulated target: fakesnow ignores the credentials but needs a database to work in.
SETTINGS = {"account": "emulated", "user": "segql", "password": "not-a-secret", "database": "SEGQL_TEST",
            "schema": "PUBLIC"}


@dataclass(frozen=True)
class Emulator:
    python: Path
    versions: dict[str, str]  # fakesnow, snowflake-connector-python, sqlglot, duckdb inside the environment
    created_in: float | None  # seconds it took to make the environment in this session; None when reused

    def run(self, job: dict[str, Any], workers: int = 1, timeout: float = 600) -> dict[str, Any]:
        """Run a job in the emulator; its output as a dict. With several workers, each runs the setup and a share
        of the queries, at the same time. A crash of the driver raises with its stderr."""
        queries = list(job.get("queries", {}).items())
        shares = [dict(queries[i::workers]) for i in range(workers)] if len(queries) >= workers > 1 else [None]
        running = []
        for share in shares:
            part = job if share is None else {**job, "queries": share}
            process = subprocess.Popen([str(self.python), __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True, cwd=ROOT)
            running.append((process, json.dumps(part)))
        merged: dict[str, Any] = {"results": {}}
        for process, text in running:
            stdout, stderr = process.communicate(text, timeout=timeout)
            if process.returncode != 0:
                raise RuntimeError(f"the emulator driver failed (exit {process.returncode}):\n{stderr[-4000:]}")
            out = json.loads(stdout)
            merged["results"].update(out.pop("results"))
            merged.update(out)
        return merged


def ensure(venv: Path = VENV) -> Emulator:
    """The emulator's environment: reused when complete and made for these requirements, else made anew."""
    made = venvs.ensure(venv, REQUIREMENTS, ("fakesnow", "snowflake-connector-python", "sqlglot", "duckdb"))
    return Emulator(made.python, made.versions, made.created_in)


# ---- fixture data: DuckDB tables → Parquet files → Snowflake tables (CREATE TABLE, PUT, COPY INTO) ----

_SNOWFLAKE_TYPES = {"INTEGER": "INTEGER", "BIGINT": "INTEGER", "SMALLINT": "INTEGER", "VARCHAR": "VARCHAR",
                    "DATE": "DATE", "TIMESTAMP": "TIMESTAMP_NTZ", "BOOLEAN": "BOOLEAN", "DOUBLE": "FLOAT"}
STAGE = "SEGQL_TEST.PUBLIC.SEGQL_FIXTURE"


def snowflake_name(name: str, reserved: frozenset[str]) -> str:
    """A column as a Snowflake user creates it: bare when it can be (Snowflake stores it upper-cased), else quoted
    exactly as written (mixed case, reserved words)."""
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and name not in reserved:
        return name
    return '"' + name.replace('"', '""') + '"'


def fixture_statements(con: Any, schemas: tuple[str, ...], folder: Path, reserved: frozenset[str]) -> list[str]:
    """Export the tables of `schemas` from a DuckDB connection to Parquet files in `folder`, and return the
    Snowflake statements that create and load the same tables (types mapped, NULLs kept)."""
    statements = [f"CREATE SCHEMA IF NOT EXISTS {s}" for s in schemas]
    statements += [f"CREATE STAGE IF NOT EXISTS {STAGE}"]
    marks = ", ".join("?" * len(schemas))
    tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                         f"WHERE table_schema IN ({marks}) ORDER BY 1, 2", list(schemas)).fetchall()
    for schema, table in tables:
        columns = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                              "AND table_name = ? ORDER BY ordinal_position", [schema, table]).fetchall()
        defs = []
        for name, duck_type in columns:
            decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duck_type)
            typ = f"NUMBER({decimal[1]}, {decimal[2]})" if decimal else _SNOWFLAKE_TYPES[duck_type]
            defs.append(f"{snowflake_name(name, reserved)} {typ}")
        path = folder / f"{schema}.{table}.parquet"
        con.execute(f"COPY {schema}.{table} TO '{path}' (FORMAT parquet)")  # names from DuckDB's catalogue
        statements += [
            f"CREATE TABLE {schema}.{table} ({', '.join(defs)})",
            f"PUT 'file://{path}' @{STAGE} AUTO_COMPRESS = FALSE",
            f"COPY INTO {schema}.{table} FROM @{STAGE}/{path.name} FILE_FORMAT = (TYPE = PARQUET) "
            "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE",
        ]
    return statements


# ---- the driver, run inside the emulator's environment ----

def _driver() -> None:
    import warnings
    from contextlib import nullcontext

    warnings.simplefilter("ignore")  # fakesnow warns about extra copies of Arrow results
    sys.path[0] = str(ROOT)  # segql from this work tree, instead of the tests folder
    import fakesnow

    from segql.diagnostics import DiagnosticError
    from segql.engines import connect
    from segql.project import Target

    def problem(err: DiagnosticError) -> dict[str, str]:
        [diag] = err.diagnostics
        return {"code": diag.code, "message": diag.message, "hint": diag.hint or ""}

    job = json.load(sys.stdin)
    out: dict[str, Any] = {"results": {}}
    with fakesnow.patch() if job.get("patch", True) else nullcontext():
        try:
            engine = connect(Target("emulator", "snowflake", job.get("settings", SETTINGS)), ROOT)
        except DiagnosticError as err:
            out["connect_error"] = problem(err)
        else:
            cursor = engine.connection.cursor()  # type: ignore[attr-defined]
            for statement in job.get("setup", []):
                cursor.execute(statement)
            for key, sql in job.get("queries", {}).items():
                try:
                    columns, rows = engine.query(sql)
                    out["results"][key] = {"columns": columns, "rows": rows}
                except DiagnosticError as err:
                    out["results"][key] = {"error": problem(err)}
            engine.close()
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    _driver()
