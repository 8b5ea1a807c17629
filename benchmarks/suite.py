"""The benchmark suite: the retail example's segments plus a few heavy ones, and hand-written SQL for each.

`bench_project` assembles a segql project from examples/retail (schema, segments), benchmarks/segments and
the shape suite (benchmarks/shapes, see shape_suite.py); `compare` checks that each compiled segment selects
exactly the members of its hand-written SQL.
Imports segql and duckdb.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RETAIL = ROOT / "examples" / "retail"
HANDWRITTEN = HERE / "handwritten"
AS_OF = dt.date(2026, 6, 30)  # the hand-written SQL is written for this as-of date, in UTC


def bench_project(dest: Path) -> Path:
    """A project in `dest`: the retail schema and segments, the heavy segments of benchmarks/segments, and the
    shapes of benchmarks/shapes with the segments they refer to."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "segments").mkdir(parents=True)
    shutil.copy(RETAIL / "schema.yml", dest / "schema.yml")
    (dest / "segql.yml").write_text(
        "name: retail_bench\nschema: schema.yml\nsegments: segments/\ntimezone: UTC\n"
        "channels:\n  email: {requires: email_opt_in}\n  sms: {requires: sms_opt_in}\n", encoding="utf-8")
    for source in (RETAIL / "segments", HERE / "segments", HERE / "shapes", HERE / "shapes" / "referenced"):
        for path in sorted(source.glob("*.yml")):
            shutil.copy(path, dest / "segments" / path.name)
    return dest


def handwritten(name: str) -> str:
    return (HANDWRITTEN / f"{name}.sql").read_text(encoding="utf-8")


def segment_names() -> list[str]:
    return sorted(p.stem for p in HANDWRITTEN.glob("*.sql"))


def compiled_sql(ws: Any, name: str, dialect: str = "duckdb") -> str:
    from segql import api

    return api.compile_sql(ws, ws.segment(name), dialect, AS_OF)


def members(con: Any, sql: str) -> list[Any]:
    return sorted(row[0] for row in con.execute(sql).fetchall())


def compare(con: Any, ws: Any, names: list[str] | None = None) -> dict[str, tuple[int, int, int]]:
    """Per segment: (members, only in compiled, only in hand-written); both zero when they agree."""
    result = {}
    for name in names or segment_names():
        got = set(members(con, compiled_sql(ws, name)))
        expected = set(members(con, handwritten(name)))
        result[name] = (len(got), len(got - expected), len(expected - got))
    return result
