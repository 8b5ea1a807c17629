"""The shape suite: one segment for each construct of the language, each with the SQL an expert would write.

benchmarks/shapes/NAME.yml is a segment whose first tag names its construct family (the report's rows are
grouped by it); NAME.sql is the hand-written query for DuckDB, NAME.postgres.sql the one for PostgreSQL where
it differs. Segments the shapes refer to (a split, a priority list) are in benchmarks/shapes/referenced/, and
the retail example's segments are there too. The hand-written SQL is written for the as-of date 2026-06-30 in
UTC. A shape whose segment the compiler cannot compile yet is `not compiled yet`: its hand-written SQL is still
checked against the reference evaluator (segql/evaluate.py), and it never counts as a pass. Imports segql,
yaml and duckdb.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHAPES = HERE / "shapes"
REFERENCED = SHAPES / "referenced"
# The report's order of the construct families (the first tag of each shape).
FAMILIES = ("aggregates", "first/last", "has", "trees", "ranking", "lookups", "windows", "dates",
            "sequences", "ordinals", "frequency", "median/mode", "calendar", "splits")
# The families of DESIGN §3.10–3.13's constructs, which the compiler is still gaining: a shape of one of them that
# does not compile is "not compiled yet"; a shape of another family that does not compile is a regression.
ROUND_2 = ("sequences", "ordinals", "frequency", "median/mode", "calendar", "splits")
AS_OF = dt.date(2026, 6, 30)


@dataclass(frozen=True, slots=True)
class Shape:
    name: str
    family: str
    description: str


@dataclass(frozen=True, slots=True)
class Compiled:
    """A shape's compiled SQL, or why the compiler could not build it (`sql` is then empty)."""

    sql: str
    not_compiled: str = ""


def shapes() -> list[Shape]:
    """Every shape, by family in FAMILIES' order, then by name."""
    import yaml

    found = []
    for path in sorted(SHAPES.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        family = (data.get("tags") or ["?"])[0]
        if family not in FAMILIES:
            raise ValueError(f"{path.name}: the first tag must be a family of FAMILIES, not {family!r}")
        found.append(Shape(path.stem, family, " ".join(str(data.get("description", "")).split())))
    return sorted(found, key=lambda s: (FAMILIES.index(s.family), s.name))


def names() -> list[str]:
    return [s.name for s in shapes()]


def family_of(name: str) -> str:
    return next(s.family for s in shapes() if s.name == name)


def referenced_segment_files() -> list[Path]:
    return sorted(REFERENCED.glob("*.yml"))


def handwritten(name: str, dialect: str = "duckdb") -> str:
    """The hand-written SQL of a shape for a dialect: NAME.<dialect>.sql when there is one, else NAME.sql."""
    own = SHAPES / f"{name}.{dialect}.sql"
    return (own if own.exists() else SHAPES / f"{name}.sql").read_text(encoding="utf-8")


def has_own_sql(name: str, dialect: str) -> bool:
    return (SHAPES / f"{name}.{dialect}.sql").exists()


def compiled(ws: Any, name: str, dialect: str = "duckdb") -> Compiled:
    """The compiled SQL of a shape; when compiling raises (a construct the compiler lacks), why, on one line."""
    from segql import api

    segment = ws.segment(name)  # a shape that does not check is a mistake in the suite: let it raise
    try:
        return Compiled(api.compile_sql(ws, segment, dialect, AS_OF))
    except Exception as err:  # noqa: BLE001 - whatever the compiler raises, the shape is reported, not passed
        reason = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return Compiled("", f"{type(err).__name__}: {reason}"[:160])


def dataset(con: Any, schema: Any) -> Any:
    """The reference evaluator's Dataset, read from the tables of a DuckDB connection (tiny data only)."""
    from segql.evaluate import Dataset

    def rows(table: tuple[str, ...]) -> list[dict[str, Any]]:
        cursor = con.execute(f"SELECT * FROM {'.'.join(table)}")  # the schema's own table names
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    return Dataset(rows(schema.table), {n: rows(lk.table) for n, lk in schema.lookups.items()},
                   {n: rows(e.table) for n, e in schema.events.items()})
