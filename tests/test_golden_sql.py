"""Golden SQL per dialect for the compile cases marked golden (tests/golden/sql/<case>.<dialect>.sql).

Regenerate with `pytest --update-golden` and review the diff. Each text must also read back with sqlglot's
parser for its dialect, and compiling twice must give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlglot

from segql.compile import compile_segment, render
from tests.compile_cases import CASES, TABLES, Case, sqlglot_readable

GOLDEN_SQL = Path(__file__).parent / "golden" / "sql"
DIALECTS = ("duckdb", "postgres", "snowflake", "clickhouse", "spark")
GOLDEN = [(case, dialect) for case in CASES if case.golden for dialect in DIALECTS]


def compiled(case: Case, dialect: str) -> str:
    query = compile_segment(case.segment, tables=TABLES, dialect=dialect, as_of=case.as_of, timezone=case.timezone,
                            params=case.params)
    return render(query, dialect) + "\n"


@pytest.mark.parametrize(("case", "dialect"), GOLDEN, ids=[f"{c.name}.{d}" for c, d in GOLDEN])
def test_golden_sql(case: Case, dialect: str, golden: Callable[[Path, str], None]) -> None:
    text = compiled(case, dialect)
    assert compiled(case, dialect) == text, "the same input must give the same SQL, byte for byte"
    sqlglot.parse_one(sqlglot_readable(text), read=dialect)  # raises when the dialect's reader cannot read it back
    golden(GOLDEN_SQL / f"{case.name}.{dialect}.sql", text)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_case_renders_and_reads_back(dialect: str) -> None:
    for case in CASES:
        sqlglot.parse_one(sqlglot_readable(compiled(case, dialect)), read=dialect)
