"""SQL traits (DESIGN §3.14): each dialect's text parsed by sqlglot for that dialect, checked to be one
expression over the customer row `c`, with problems placed at their position in schema.yml.

Imports sqlglot only (segql.trait_verdicts reports its problems); the text is parsed, never concatenated into SQL.
"""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

CUSTOMER = "c"  # the alias a SQL trait reads the customer row by


class SqlTraitProblem(Exception):
    """What is wrong with a SQL trait's text, and where in it (offsets into the text)."""

    def __init__(self, message: str, start: int, end: int, hint: str) -> None:
        super().__init__(message)
        self.message, self.start, self.end, self.hint = message, start, end, hint


@functools.lru_cache(maxsize=256)
def parse_sql_trait(text: str, dialect: str) -> exp.Expression:
    """The trait's expression tree for the dialect (the caller copies it before changing it); SqlTraitProblem
    when it does not parse, is not one expression, or reads a column other than the customer's (`c.x`)."""
    try:
        tree = sqlglot.parse_one(text, read=dialect)
    except ParseError as err:
        found = err.errors[0] if err.errors else {}
        start, end = _error_offsets(text, found)
        description = str(found.get("description") or err).split("\n")[0]
        if "<class" in description or "Required keyword" in description:  # sqlglot's words for a missing operand
            description = "something is missing here"
        raise SqlTraitProblem(f"the {dialect} SQL does not parse: {description}", start, end,
                              f"write one {dialect} expression over the customer row, e.g. `c.churn_score`") from None
    except TokenError as err:
        raise SqlTraitProblem(f"the {dialect} SQL does not parse: {err}", 0, len(text),
                              "check the quotes and brackets") from None
    if not isinstance(tree, exp.Expression) or not isinstance(tree, exp.Condition) \
            or tree.find(exp.DDL, exp.DML, exp.Command) is not None:
        raise SqlTraitProblem(f"the {dialect} SQL is a statement, not an expression", 0, len(text),
                              "a SQL trait is one value of the customer's row, e.g. `my_udf(c.email)`; "
                              "wrap a query as a scalar subquery `(SELECT …)`")
    for column in tree.find_all(exp.Column):
        if column.find_ancestor(exp.Query) is not None:
            continue  # inside a subquery, names are the subquery's
        if column.table.lower() != CUSTOMER:
            name = column.sql(dialect=dialect)
            start = text.find(column.name)
            raise SqlTraitProblem(f"`{name}` is not a column of the customer row `{CUSTOMER}`", max(start, 0),
                                  max(start, 0) + len(column.name) if start >= 0 else len(text),
                                  f"qualify the customer's columns: `{CUSTOMER}.{column.name}`")
    return tree


def _error_offsets(text: str, found: dict[str, object]) -> tuple[int, int]:
    line, col = found.get("line"), found.get("col")
    highlight = str(found.get("highlight") or "")
    if not isinstance(line, int) or not isinstance(col, int):
        return 0, len(text)
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    base = starts[min(max(line, 1), len(starts)) - 1]
    end = min(base + col, len(text))  # sqlglot's column is where the offending token ends
    start = max(base, end - len(highlight)) if highlight else max(base, end - 1)
    return start, max(end, start + 1)
