"""The SQL shown in docs/semantics.md is what the compiler emits: each ```segql block is compiled
(DuckDB, as of 2026-06-30, the tests/fixtures/acme schema) and compared with the ```sql block after it.

`pytest --update-golden` rewrites those SQL blocks; review the diff of the doc.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from segql import api, ast
from segql.check import check_project
from segql.syntax.parser import parse_expression

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "semantics.md"
ACME = Path(__file__).parent / "fixtures" / "acme"
PAIR = re.compile(r"```segql\n(?P<expr>.*?)```\n(?P<between>(?:(?!```).)*?)```sql\n(?P<sql>.*?)```", re.S)


def compile_example(text: str) -> str:
    loaded = api.load(ACME)
    example = ast.SegmentDef("example", parse_expression(text.strip()))
    result = check_project(loaded.schema, [*loaded.segments, example])
    problems = [d for d in result.diagnostics if d.is_error]
    assert not problems, problems
    ws = api.Workspace(loaded, result)
    return api.compile_sql(ws, result.segments["example"], "duckdb", dt.date(2026, 6, 30)) + "\n"


def test_semantics_doc_sql_is_the_compilers(request: pytest.FixtureRequest) -> None:
    text = DOC.read_text(encoding="utf-8")
    pairs = list(PAIR.finditer(text))
    assert len(pairs) >= 15, "docs/semantics.md should show the SQL of every rule"
    if request.config.getoption("--update-golden"):
        DOC.write_text(PAIR.sub(lambda m: f"```segql\n{m['expr']}```\n{m['between']}```sql\n"
                                          f"{compile_example(m['expr'])}```", text), encoding="utf-8")
        return
    for m in pairs:
        assert m["sql"] == compile_example(m["expr"]), f"docs/semantics.md is stale for: {m['expr'].strip()}"


def test_readme_sql_is_the_compilers(request: pytest.FixtureRequest) -> None:
    """The README's first SQL block is `segql compile high_value_lapsed --as-of 2026-06-30` of the example."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    ws = api.open_workspace(ROOT / "examples" / "retail")
    sql = api.compile_sql(ws, ws.segment("high_value_lapsed"), "duckdb", dt.date(2026, 6, 30)) + ";\n"
    block = re.search(r"```sql\n(.*?)```", text, re.S)
    assert block is not None
    if request.config.getoption("--update-golden"):
        readme.write_text(text[: block.start(1)] + sql + text[block.end(1):], encoding="utf-8")
        return
    assert block.group(1) == sql, "README.md shows stale SQL; run pytest tests/test_docs.py --update-golden"
