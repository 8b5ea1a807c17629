"""The bulk of tests/test_engines.py's work on ClickHouse and Spark, started in the background when the session's
tests are collected: each engine's worker runs every compile case with its complement and the memberships query,
then every example segment at each as-of date and zone, while the rest of the suite runs in this process. The tests
then read the results (a worker is a process of its own, mostly waiting on the engine, so the two overlap).

Nothing here is skipped or simplified: the same queries, the same tables, the same comparisons as when the tests
ran them themselves; a test that finds no prefetched result runs the same function in the foreground.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RETAIL = ROOT / "examples" / "retail"
AS_OF_DATES = ("2026-06-30", "2026-03-01")
ZONES = ("UTC", "America/New_York")
ENGINES = ("clickhouse", "spark")

_LOCK = threading.Lock()  # guards the dictionaries of locks below
_KEY_LOCKS: dict[str, threading.Lock] = {}
_ONCE: dict[str, Any] = {}
_JOBS: dict[str, threading.Thread] = {}
_FAILED: dict[str, BaseException] = {}
WORKERS: dict[str, Any] = {}
CASE_RUNS: dict[str, dict[str, Any]] = {}
RETAIL_RUNS: dict[str, dict[str, Any]] = {}


def _folder(name: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"segql-{name}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _lock(key: str) -> threading.Lock:
    with _LOCK:
        return _KEY_LOCKS.setdefault(key, threading.Lock())


def _once(key: str, make: Any) -> Any:
    with _lock(key):
        if key not in _ONCE:
            _ONCE[key] = make()
        return _ONCE[key]


def retail_database() -> Path:
    """The retail example's data, generated once (seeded) into a DuckDB file. Read it only."""
    def make() -> Path:
        path = _folder("retail") / "retail.duckdb"
        subprocess.run([sys.executable, str(RETAIL / "generate_data.py"), "--out", str(path)], check=True,
                       capture_output=True)
        return path

    result: Path = _once("retail", make)
    return result


def case_tables() -> list[dict[str, Any]]:
    """The compile cases' fixture tables as Parquet files, as Worker.load takes them."""
    def make() -> list[dict[str, Any]]:
        import duckdb

        from tests import compile_cases
        from tests.engine_workers import parquet_tables

        source = duckdb.connect()
        try:
            compile_cases.build_database(source)
            return parquet_tables(source, compile_cases.SCHEMAS, _folder("cases"))
        finally:
            source.close()

    result: list[dict[str, Any]] = _once("cases", make)
    return result


def case_sql(case: Any, dialect: str, condition: Any = None) -> str:
    from segql.compile import compile_segment, render
    from tests.compile_cases import TABLES, segment

    seg = case.segment if condition is None else segment(condition, case.name, case.specs)
    query = compile_segment(seg, tables=TABLES, dialect=dialect, as_of=case.as_of, timezone=case.timezone,
                            params=case.params)
    return render(query, dialect)


def membership_cases() -> list[Any]:
    from tests.compile_cases import AS_OF, CASES

    return [c for c in CASES if c.as_of == AS_OF and c.timezone == "UTC"]


def case_queries(engine: str) -> dict[str, str]:
    """Every case, its negation and the memberships query, in the engine's SQL."""
    from segql.check import tree as t
    from segql.compile import compile_memberships, render
    from tests.compile_cases import AS_OF, CASES, TABLES

    queries = {}
    for case in CASES:
        queries[case.name] = case_sql(case, engine)
        queries[f"not {case.name}"] = case_sql(case, engine, t.Not(case.condition))
    cases = membership_cases()
    memberships = compile_memberships([c.segment for c in cases], tables=TABLES, dialect=engine, as_of=AS_OF,
                                      params={c.name: c.params for c in cases if c.params})
    queries["memberships"] = render(memberships, engine)
    return queries


def retail_segments() -> list[str]:
    from segql import api

    return sorted(api.open_workspace(RETAIL).result.segments)


def retail_prepared() -> dict[str, Any]:
    """DuckDB's members of every (segment, as-of, zone), the engines' SQL for each, and the data as Parquet."""
    def make() -> dict[str, Any]:
        import datetime as dt

        import duckdb

        from segql import api
        from segql.engines import connect
        from segql.project import Target
        from tests.engine_workers import parquet_tables
        from tests.test_snowflake import workspace_in

        database = retail_database()
        duck = connect(Target("local", "duckdb", {"path": str(database)}), ROOT)
        source = duckdb.connect(str(database), read_only=True)
        try:
            tables = parquet_tables(source, None, _folder("retail-parquet"))  # every schema of the example's data
            expected: dict[str, list[Any]] = {}
            queries: dict[str, dict[str, str]] = {engine: {} for engine in ENGINES}
            for zone in ZONES:
                ws = workspace_in(zone, _folder("retail-zone"))
                for as_of in AS_OF_DATES:
                    day = dt.date.fromisoformat(as_of)
                    for name in retail_segments():
                        key = f"{name}@{as_of}@{zone}"
                        expected[key] = api.members(ws, duck, ws.segment(name), day)
                        for engine in ENGINES:
                            queries[engine][key] = api.compile_sql(ws, ws.segment(name), engine, day)
        finally:
            duck.close()
            source.close()
        return {"tables": tables, "expected": expected, "queries": queries}

    result: dict[str, Any] = _once("retail-prepared", make)
    return result


def start_worker(engine: str) -> Any:
    """The engine's worker, started once (its environment made when missing)."""
    from tests import engine_workers

    with _lock(f"worker {engine}"):
        if engine not in WORKERS:
            WORKERS[engine] = engine_workers.start(engine)
        return WORKERS[engine]


def run_cases(engine: str, worker: Any) -> dict[str, Any]:
    with _lock(f"runs {engine}"):
        if engine not in CASE_RUNS:
            worker.load(case_tables())
            CASE_RUNS[engine] = worker.run(case_queries(engine))
        return CASE_RUNS[engine]


def run_retail(engine: str, worker: Any) -> dict[str, Any]:
    with _lock(f"runs {engine}"):
        if engine not in RETAIL_RUNS:
            prepared = retail_prepared()
            worker.load(prepared["tables"])
            RETAIL_RUNS[engine] = worker.run(prepared["queries"][engine])
        return RETAIL_RUNS[engine]


def _job(engine: str) -> None:
    try:
        worker = start_worker(engine)
        run_cases(engine, worker)
        run_retail(engine, worker)
    except BaseException as err:  # reported by the first test that needs the worker
        _FAILED[engine] = err


def start_in_background(engines: list[str]) -> None:
    """Start each engine's job (worker, cases, example segments) in a thread of its own."""
    for engine in engines:
        if engine not in _JOBS:
            _JOBS[engine] = threading.Thread(target=_job, args=(engine,), name=f"segql-{engine}-runs", daemon=True)
            _JOBS[engine].start()


def wait(engine: str) -> None:
    """Wait for the engine's background job, if one was started; raise what made it fail."""
    job = _JOBS.get(engine)
    if job is not None:
        job.join()
    if engine in _FAILED:
        raise _FAILED[engine]
