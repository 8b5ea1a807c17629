"""The retail example as the workbench tests use it: a project folder with its own copy of the data, the reference
evaluator over the same rows, and a Starlette test client of `segql serve`'s app."""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb

from segql.evaluate import Dataset, Evaluator
from segql.schema import Schema

RETAIL = Path(__file__).resolve().parent.parent / "examples" / "retail"
AS_OF = dt.date(2026, 6, 30)
TOKEN = "test-token-7Qx"
PORT = 8765


def make_project(root: Path, database: Path, *, schema: str | None = None) -> Path:
    """The retail example in `root`, its local target on a copy of `database` (with a write `schema` if given)."""
    for item in ("schema.yml", "segments", "segql.yml"):
        source = RETAIL / item
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / item)
    (root / "data").mkdir(exist_ok=True)
    shutil.copy(database, root / "data" / "retail.duckdb")
    if schema is not None:
        config = (root / "segql.yml").read_text(encoding="utf-8")
        config = re.sub(r"local: +\{type: duckdb, path: data/retail.duckdb\}",
                        f"local: {{type: duckdb, path: data/retail.duckdb, schema: {schema}}}", config)
        (root / "segql.yml").write_text(config, encoding="utf-8")
    return root


@functools.lru_cache(maxsize=4)
def retail_evaluator(database: Path) -> Evaluator:
    """The reference evaluator over the retail data in `database` (built once per file: reading 140,000 events into
    Python takes seconds)."""
    from segql import api

    return evaluator(api.open_workspace(RETAIL).loaded.schema, database)


def evaluator(schema: Schema, database: Path, as_of: dt.date = AS_OF) -> Evaluator:
    """The reference evaluator over every row of the database's tables."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        def rows(table: tuple[str, ...]) -> list[dict[str, Any]]:
            cursor = con.execute(f"select * from {'.'.join(table)}")  # the example's own table names
            columns = [d[0] for d in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

        data = Dataset(rows(schema.table), {n: rows(lk.table) for n, lk in schema.lookups.items()},
                       {n: rows(e.table) for n, e in schema.events.items()})
    finally:
        con.close()
    return Evaluator(schema, data, as_of=as_of)


def client(root: Path, *, as_of: dt.date | None = AS_OF, timeout: float = 60.0, headers: bool = True) -> Any:
    """A test client of the workbench's app, sending the token (unless `headers` is False) from its own address."""
    from starlette.testclient import TestClient

    from segql.analysis import Analysis
    from segql.serve.app import Workbench, create_app
    from segql.serve.jobs import Runner

    bench = Workbench(Analysis(root), TOKEN, PORT, None, as_of, None, Runner(timeout))
    extra = {"Authorization": f"Bearer {TOKEN}"} if headers else {}
    return TestClient(create_app(bench), base_url=f"http://127.0.0.1:{PORT}", headers=extra)


def comparable(value: Any) -> Any:
    """A value as the API's JSON holds it, for comparing with the evaluator's."""
    from segql.insights import jsonable

    value = jsonable(value)
    return round(value, 6) if isinstance(value, float) else value
