"""The test suite's ClickHouse (chdb) and Spark (pyspark, local mode on Java 17) engines: each in a virtual environment
of its own (tests/venvs.py), run by one long-lived worker process for the whole test session, so that each engine
starts once (Spark takes about 10 s).

Two halves in one file. Imported by the tests (standard library only): `start(name)` makes the environment and starts
its worker, `Worker.load(...)` loads tables from Parquet files (written by DuckDB in the tests), `Worker.run(queries)`
runs SQL through segql's own engine for that target type and returns rows or E4xx diagnostics. Run inside the
environment as `python tests/engine_workers.py NAME`, it answers one JSON request per line on stdin with one JSON
line on stdout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Pinned: what an engine accepts and computes changes between releases. lark and pyyaml let the worker import
# segql's engines; in ClickHouse's, sqlglot, click and rich (segql's own pins) let the tests run the segql command on
# a chdb target.
COMMON = ("lark>=1.2,<1.4", "pyyaml>=6.0,<7")
CLI = ("sqlglot~=30.30.0", "click>=8.1,<9", "rich>=13")
ENVIRONMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # name -> (requirements, versions reported)
    "clickhouse": (("chdb==4.4.0", "clickhouse-connect==1.12.0", *COMMON, *CLI),
                   ("chdb", "chdb-core", "clickhouse-connect")),
    "spark": (("pyspark==4.3.0", *COMMON), ("pyspark",)),
}
# The session zone each worker's engine runs its queries in: never UTC, so that SQL leaning on the session's zone
# shows (segql's Spark engine sets UTC on sessions it starts; the worker changes it after).
SESSION_ZONE = "Asia/Tokyo"
TIMEOUT = 600  # seconds for one request


@dataclass
class Worker:
    """One engine's worker process; requests are answered in order."""

    name: str
    versions: dict[str, str]
    process: subprocess.Popen[str]
    stderr: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            assert self.process.stdin is not None and self.process.stdout is not None
            try:
                self.process.stdin.write(json.dumps(body) + "\n")
                self.process.stdin.flush()
                line = self.process.stdout.readline()
            except (BrokenPipeError, OSError):
                line = ""
            if not line:
                self.process.wait(timeout=30)
                raise RuntimeError(f"the {self.name} worker stopped (exit {self.process.returncode}):\n"
                                   + "".join(self.stderr)[-4000:])
            answer: dict[str, Any] = json.loads(line)
            if "crash" in answer:
                raise RuntimeError(f"the {self.name} worker failed on a request: {answer['crash']}")
            return answer

    def load(self, tables: list[dict[str, Any]]) -> None:
        """Create (or replace) tables: [{"name": "crm.customers", "columns": [[name, DuckDB type]], "file": path}]."""
        self.request({"op": "load", "tables": tables})

    def columns(self, tables: list[tuple[str, ...]]) -> dict[str, list[str] | None]:
        """The engine's `columns()` (segql targets check) of each table, by dotted name."""
        found: dict[str, list[str] | None] = self.request({"op": "columns", "tables": tables})["columns"]
        return found

    def connect_error(self, kind: str, settings: dict[str, str]) -> dict[str, str] | None:
        """Open a target of that type with these settings in the worker's environment (where its driver is): the
        diagnostic it raised ({"code", "message", "hint"}), or None when it opened."""
        error: dict[str, str] | None = self.request({"op": "connect", "type": kind, "settings": settings})["error"]
        return error

    def run(self, queries: dict[str, str]) -> dict[str, Any]:
        """Each query's {"columns", "rows"} or {"error": {"code", "message"}}, by key."""
        results: dict[str, Any] = self.request({"op": "run", "queries": queries})["results"]
        return results

    def python(self) -> Path:
        """The environment's interpreter (to run the segql command there)."""
        return Path(self.process.args[0])  # type: ignore[index]

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start(name: str) -> Worker:
    """The environment of engine `name` (made when missing) and its worker, started and answering."""
    from tests import venvs

    requirements, packages = ENVIRONMENTS[name]
    if name == "spark" and shutil.which("java") is None:
        _install_java()
    made = venvs.ensure(ROOT / f".venv-{name}", requirements, packages)
    process = subprocess.Popen([str(made.python), __file__, name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT, bufsize=1)
    worker = Worker(name, made.versions, process)
    threading.Thread(target=_drain, args=(process, worker.stderr), daemon=True).start()
    worker.request({"op": "ping"})
    return worker


def parquet_tables(con: Any, schemas: tuple[str, ...] | None, folder: Path) -> list[dict[str, Any]]:
    """Export the tables of `schemas` (None: every schema but DuckDB's own) from a DuckDB connection to Parquet files
    in `folder`, as Worker.load takes them (DuckDB's column types; NULLs kept)."""
    if schemas is None:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = "
                             "current_database() AND table_schema NOT IN ('main', 'information_schema', 'pg_catalog') "
                             "ORDER BY 1, 2").fetchall()
    else:
        marks = ", ".join("?" * len(schemas))
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                             f"WHERE table_schema IN ({marks}) ORDER BY 1, 2", list(schemas)).fetchall()
    out = []
    for schema, table in tables:
        columns = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                              "AND table_name = ? ORDER BY ordinal_position", [schema, table]).fetchall()
        path = folder / f"{schema}.{table}.parquet"
        con.execute(f'COPY "{schema}"."{table}" TO \'{path}\' (FORMAT parquet)')  # names from DuckDB's catalogue
        out.append({"name": f"{schema}.{table}", "columns": [list(c) for c in columns], "file": str(path)})
    return out


def _drain(process: subprocess.Popen[str], into: list[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        into.append(line)
        del into[:-200]


def _install_java() -> None:
    """A local Spark session needs Java 17; on Debian as root, install it (as `make test` installs chromium)."""
    from tests import venvs

    steps = [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "openjdk-17-jre-headless"]]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=venvs.INSTALL_TIMEOUT)
        except OSError as err:
            raise venvs.VenvUnavailable(f"Spark needs Java 17, and `{' '.join(step)}` could not run: {err}") from None
        if done.returncode != 0:
            raise venvs.VenvUnavailable(f"Spark needs Java 17; `{' '.join(step)}` failed:\n{done.stderr[-2000:]}")


# ---- the worker, run inside an engine's environment ----

class Backend:
    """An engine opened through segql's own engine class, and a loader of tables into it."""

    engine: Any

    def load(self, tables: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def run(self, queries: dict[str, str]) -> dict[str, Any]:
        from segql.diagnostics import DiagnosticError

        def one(sql: str) -> dict[str, Any]:
            try:
                columns, rows = self.engine.query(sql)
            except DiagnosticError as err:
                [diag] = err.diagnostics
                return {"error": {"code": diag.code, "message": diag.message}}
            return {"columns": columns, "rows": [list(r) for r in rows]}

        return self.map(one, queries)

    def map(self, one: Callable[[str], dict[str, Any]], queries: dict[str, str]) -> dict[str, Any]:
        return {key: one(sql) for key, sql in queries.items()}


class ClickHouseBackend(Backend):
    """chdb in a folder of its own: a writable connection loads the tables, segql's engine reads them (read-only).
    With `folder`, only the loader, for a folder another process (the segql command) then opens."""

    TYPES = {"INTEGER": "Int32", "BIGINT": "Int64", "SMALLINT": "Int16", "VARCHAR": "String", "DATE": "Date32",
             # the column's own zone is not UTC: the SQL must name the zone it reads an instant in
             "TIMESTAMP": "DateTime64(6, 'Asia/Tokyo')", "BOOLEAN": "Bool", "DOUBLE": "Float64"}

    def __init__(self, folder: str | None = None) -> None:
        import chdb

        from segql.engines import connect
        from segql.project import Target

        path = folder or tempfile.mkdtemp(prefix="segql-chdb-")
        self.writer = chdb.connect(path)
        self.table_engine = "MergeTree ORDER BY tuple()" if folder else "Memory"  # Memory tables end with the process
        if folder is None:
            self.engine = connect(Target("chdb", "clickhouse", {"path": path}), ROOT)

    def execute(self, sql: str) -> None:
        cursor = self.writer.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()

    def load(self, tables: list[dict[str, Any]]) -> None:
        for table in tables:
            database, name = table["name"].split(".")
            columns = ", ".join(f'"{c}" Nullable({self.type(k)})' for c, k in table["columns"])
            self.execute(f'CREATE DATABASE IF NOT EXISTS "{database}"')
            self.execute(f'DROP TABLE IF EXISTS "{database}"."{name}"')
            self.execute(f'CREATE TABLE "{database}"."{name}" ({columns}) ENGINE = {self.table_engine}')
            self.execute(f"INSERT INTO \"{database}\".\"{name}\" SELECT * FROM file('{table['file']}', Parquet)")

    def type(self, duckdb_type: str) -> str:
        return duckdb_type.replace(" ", "") if duckdb_type.startswith("DECIMAL") else self.TYPES[duckdb_type]


class SparkBackend(Backend):
    """A local Spark session made quick for small tables (two threads and as many shuffle partitions, no UI, no
    adaptive planning, the in-memory catalog, and expressions interpreted instead of compiled: code generation was
    most of the time of a query of a new shape, 93 s against 59 s for the compile cases), opened through segql's
    engine, then moved to a non-UTC session zone. Tables are Parquet folders."""

    TYPES = {"INTEGER": "INT", "BIGINT": "BIGINT", "SMALLINT": "SMALLINT", "VARCHAR": "STRING", "DATE": "DATE",
             "TIMESTAMP": "TIMESTAMP_NTZ", "BOOLEAN": "BOOLEAN", "DOUBLE": "DOUBLE"}
    CONF = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false", "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2", "spark.sql.adaptive.enabled": "false", "spark.driver.memory": "1g",
            "spark.sql.catalogImplementation": "in-memory", "spark.sql.sources.parallelPartitionDiscovery.threshold":
            "1000000", "spark.sql.codegen.wholeStage": "false", "spark.sql.codegen.factoryMode": "NO_CODEGEN"}

    def __init__(self) -> None:
        from pyspark.sql import SparkSession

        from segql.engines import connect
        from segql.project import Target

        folder = tempfile.mkdtemp(prefix="segql-spark-")
        builder = SparkSession.builder.master("local[2]").appName("segql-tests")
        for key, value in {**self.CONF, "spark.sql.warehouse.dir": f"{folder}/warehouse"}.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("OFF")
        self.engine = connect(Target("spark", "spark", {"master": "local[2]"}), ROOT)
        assert self.engine.session is session
        session.conf.set("spark.sql.session.timeZone", SESSION_ZONE)
        self.session = session
        self.folder = Path(folder)

    def load(self, tables: list[dict[str, Any]]) -> None:
        for table in tables:
            database, name = table["name"].split(".")
            target = self.folder / "tables" / database / name
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            shutil.copy(table["file"], target / "part-0.parquet")
            columns = ", ".join(f"`{c}` {self.type(k)}" for c, k in table["columns"])
            self.session.sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
            self.session.sql(f"DROP TABLE IF EXISTS `{database}`.`{name}`")
            self.session.sql(f"CREATE TABLE `{database}`.`{name}` ({columns}) USING parquet LOCATION '{target}'")

    def type(self, duckdb_type: str) -> str:
        return duckdb_type.replace(" ", "") if duckdb_type.startswith("DECIMAL") else self.TYPES[duckdb_type]

    def map(self, one: Callable[[str], dict[str, Any]], queries: dict[str, str]) -> dict[str, Any]:
        # two at a time: much of a query's time is planning and code generation, on one core each
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            return dict(zip(queries, pool.map(one, queries.values()), strict=True))


def _connect_error(kind: str, settings: dict[str, str]) -> dict[str, str] | None:
    from segql.diagnostics import DiagnosticError
    from segql.engines import connect
    from segql.project import Target

    try:
        connect(Target("probe", kind, settings), ROOT).close()
    except DiagnosticError as err:
        [diag] = err.diagnostics
        return {"code": diag.code, "message": diag.message, "hint": diag.hint or ""}
    return None


def _serve(name: str) -> None:
    import warnings

    warnings.simplefilter("ignore")
    sys.path[0] = str(ROOT)  # segql from this work tree, instead of the tests folder
    backend: Backend = ClickHouseBackend() if name == "clickhouse" else SparkBackend()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "load":
                backend.load(request["tables"])
                answer: dict[str, Any] = {"ok": True}
            elif request["op"] == "run":
                answer = {"results": backend.run(request["queries"])}
            elif request["op"] == "columns":
                answer = {"columns": {".".join(t): backend.engine.columns(tuple(t)) for t in request["tables"]}}
            elif request["op"] == "connect":
                answer = {"error": _connect_error(request["type"], request["settings"])}
            else:
                answer = {"ok": True}
        except Exception as err:  # reported to the test, which fails with it
            answer = {"crash": f"{type(err).__name__}: {str(err)[:2000]}"}
        sys.stdout.write(json.dumps(answer, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1] == "chdb-folder":  # FOLDER TABLES_JSON: load the tables into a chdb folder, then exit
        sys.path[0] = str(ROOT)
        loader = ClickHouseBackend(sys.argv[2])
        loader.load(json.loads(Path(sys.argv[3]).read_text(encoding="utf-8")))
        loader.writer.close()
    else:
        _serve(sys.argv[1])
