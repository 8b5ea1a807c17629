"""Comparisons of a monotone function of a date with constants compile to a range on the date itself
(`age between 25 and 40` → `birth_date BETWEEN …`); the range is searched at compile time, so it is checked here
exhaustively: every day of several years (and every 7 hours of timestamps, in a zone with DST), under every
operator, against the reference evaluator, on DuckDB."""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from segql import ast
from segql.check import tree as t
from segql.compile import EventTable, TableMap, compile_memberships, compile_segment, render
from segql.evaluate import Dataset, Evaluator
from segql.schema import Attribute, Event, Schema
from segql.types import DATE, INTEGER, TIMESTAMP

TABLES = TableMap(customer=("crm", "people"), key="id", lookups={},
                  events={"visits": EventTable(("web", "visits"), "id", "day", "date")})
SCHEMA = Schema("customer", ("crm", "people"), "id",
                {name: Attribute(name, typ, name) for name, typ in
                 (("id", INTEGER), ("born", DATE), ("joined", TIMESTAMP))}, {},
                {"visits": Event("visits", ("web", "visits"), "id", "day", DATE, {})})

FIRST = dt.date(2003, 1, 1)
DAYS = [FIRST + dt.timedelta(days=n) for n in range((dt.date(2010, 12, 31) - FIRST).days + 1)]
START = dt.datetime(2025, 10, 1)
INSTANTS = [START + dt.timedelta(hours=7 * n) for n in range(len(DAYS))]  # into 2028, across DST changes
ROWS = [{"id": n, "born": day, "joined": instant} for n, (day, instant) in enumerate(zip(DAYS, INSTANTS, strict=True))]
ROWS += [{"id": len(ROWS), "born": None, "joined": None}]  # missing: never in, its negation always


BORN = t.Column("customer", "", "born", "born", DATE)
JOINED = t.Column("customer", "", "joined", "joined", TIMESTAMP)
TODAY = t.Today()


def number(value: Any) -> t.Literal:
    return t.Literal(value, INTEGER if isinstance(value, int) else t.DECIMAL)


def date(value: dt.date) -> t.Literal:
    return t.Literal(value, DATE)


def call(name: str, *args: t.Expr) -> t.Call:
    return t.Call(name, args, INTEGER)


def shifted(op: str, amount: int, unit: str) -> t.Arith:
    return t.Arith(op, BORN, t.Duration(t.Literal(amount, INTEGER), unit), DATE)


FUNCTIONS: dict[str, t.Expr] = {
    "age": t.TraitRef("age", call("years_between", BORN, TODAY), INTEGER),
    "years_until": call("years_between", TODAY, BORN),
    "days_since": call("days_since", BORN),
    "days_between": call("days_between", BORN, date(dt.date(2008, 3, 1))),
    "year": call("year", BORN),
    "born + 18 years": shifted("+", 18, "year"),
    "born - 1 month": shifted("-", 1, "month"),
    "born + 3 weeks": shifted("+", 3, "week"),
    "year(joined)": call("year", JOINED),
    "days_since(joined)": call("days_since", JOINED),
    "date(joined)": t.Call("date", (JOINED,), DATE),
    "start_of_quarter(joined)": t.Call("start_of_quarter", (JOINED,), DATE),
    "start_of_week (Sunday)": t.Call("start_of_week", (BORN, t.Literal(7, INTEGER)), DATE),
    # read through its month and day only (rewrites.annual_days)
    "days_until(next_anniversary)": call("days_until", t.Call("next_anniversary", (BORN,), DATE)),
    "next_anniversary(joined)": t.Call("next_anniversary", (JOINED,), DATE),
    "month(next_anniversary)": call("month", t.Call("next_anniversary", (BORN,), DATE)),  # not monotone
}
CONSTANTS: dict[str, list[Any]] = {
    "age": [-1, 0, 1, 17, 18, 19, Decimal("17.5")], "years_until": [-18, -17, 0, 1, Decimal("-17.5")],
    "days_since": [-5, 0, 1000, 5000, Decimal("999.5")], "days_between": [-400, 0, 1, 730],
    "year": [2002, 2003, 2006, 2010, 2011], "year(joined)": [2025, 2026, 2027, 2029],
    "days_since(joined)": [-30, 0, 40, 800],
    "days_until(next_anniversary)": [-1, 0, 6, 7, 365], "month(next_anniversary)": [2, 7],
}
OPS: dict[str, Callable[[Any, Any], bool]] = {"=": operator.eq, "<": operator.lt, "<=": operator.le,
                                              ">": operator.gt, ">=": operator.ge}
GROUPS = [(dt.date(2024, 2, 29), "UTC"), (dt.date(2025, 2, 28), "UTC"), (dt.date(2026, 6, 30), "UTC"),
          (dt.date(2026, 6, 30), "America/New_York"), (dt.date(2025, 3, 9), "Asia/Kolkata")]


def conditions(as_of: dt.date) -> list[tuple[str, t.Expr, str, Callable[[Any], bool]]]:
    """(label, condition, function, predicate on the function's value) for every function, operator and constant,
    both ways round, and BETWEEN."""
    found: list[tuple[str, t.Expr, str, Callable[[Any], bool]]] = []
    for name, f in FUNCTIONS.items():
        constants: list[Any] = CONSTANTS.get(name) or [as_of, as_of - dt.timedelta(days=1), dt.date(2026, 3, 1)]
        literal = number if not isinstance(constants[0], dt.date) else date
        for (op, holds), k in itertools.product(OPS.items(), constants):
            found.append((f"{name} {op} {k}", t.Compare(op, f, literal(k)), name,
                          lambda v, holds=holds, k=k: holds(v, k)))
            found.append((f"{k} {op} {name}", t.Compare(op, literal(k), f), name,
                          lambda v, holds=holds, k=k: holds(k, v)))
        for low, high in itertools.pairwise(sorted(constants)):
            for a, b in ((low, high), (high, low), (low, low)):
                found.append((f"{name} between {a} and {b}", t.Between(f, literal(a), literal(b)), name,
                              lambda v, a=a, b=b: a <= v <= b))
    return found


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA crm; CREATE SCHEMA web; CREATE TABLE crm.people (id INTEGER, born DATE, "
                       "joined TIMESTAMP); CREATE TABLE web.visits (id INTEGER, day DATE)")
    connection.executemany("INSERT INTO crm.people VALUES (?, ?, ?)", [tuple(r.values()) for r in ROWS])
    return connection


def checked(name: str, condition: t.Expr) -> t.CheckedSegment:
    return t.CheckedSegment(name, condition, (), ast.SegmentDef(name, ast.Boolean(True)))


@pytest.mark.parametrize(("as_of", "zone"), GROUPS, ids=[f"{a} {z}" for a, z in GROUPS])
def test_ranges_select_what_the_functions_do(con: duckdb.DuckDBPyConnection, as_of: dt.date, zone: str) -> None:
    """Every condition and its negation, as columns of one memberships query, against the function's value for
    every row computed by the reference evaluator (missing: in no condition, in every negation)."""
    group = conditions(as_of)
    evaluator = Evaluator(SCHEMA, Dataset(ROWS), as_of=as_of, timezone=zone)
    values = {name: {row["id"]: evaluator.value_for(f, row["id"], {}) for row in ROWS} for name, f in FUNCTIONS.items()}
    segments = [checked(f"s{n}", c) for n, (_, c, _, _) in enumerate(group)]
    segments += [checked(f"n{n}", t.Not(c)) for n, (_, c, _, _) in enumerate(group)]
    query = render(compile_memberships(segments, tables=TABLES, dialect="duckdb", as_of=as_of, timezone=zone),
                   "duckdb")
    rows = con.execute(query).fetchall()
    everyone = {row["id"] for row in ROWS}
    for n, (label, _, name, holds) in enumerate(group):
        expected = {key for key, v in values[name].items() if v is not None and holds(v)}
        assert {row[0] for row in rows if row[1 + n]} == expected, label
        assert {row[0] for row in rows if row[1 + len(group) + n]} == everyone - expected, f"not ({label})"
    # a few as a segment's own query too (the path of `compile_segment`, with its joins)
    for label, condition, name, holds in group[:: len(group) // 7]:
        own = render(compile_segment(checked("one", condition), tables=TABLES, dialect="duckdb", as_of=as_of,
                                     timezone=zone), "duckdb")
        expected = {key for key, v in values[name].items() if v is not None and holds(v)}
        assert {row[0] for row in con.execute(own).fetchall()} == expected, label


def where_of(condition: t.Expr, as_of: dt.date | None) -> exp.Expression:
    query = compile_segment(checked("s", condition), tables=TABLES, dialect="postgres", as_of=as_of)
    return query.args["where"].this


@pytest.mark.parametrize(("name", "other"), [("age", number(18)), ("years_until", number(-18)),
                                           ("days_since", number(100)), ("days_between", number(3)),
                                           ("year", number(2005)), ("born + 18 years", TODAY),
                                           ("born - 1 month", date(dt.date(2006, 3, 31)))])
def test_the_function_is_not_computed_per_row(name: str, other: t.Expr) -> None:
    """A range of plain comparisons of the column with literals: no function of it, no arithmetic."""
    where = where_of(t.Compare(">=", FUNCTIONS[name], other), dt.date(2026, 6, 30))
    assert {c.sql() for c in where.find_all(exp.Column)} == {"c.born"}
    for node in where.walk():
        if isinstance(node, exp.Func | exp.Binary | exp.Case):
            assert isinstance(node, exp.GTE | exp.LTE | exp.And | exp.Cast | exp.Between), where.sql("postgres")


def test_unpinned_today_keeps_the_function() -> None:
    """Without an as-of date `today` is the engine's, unknown at compile time: nothing to search."""
    where = where_of(t.Compare(">=", FUNCTIONS["age"], number(18)), None)
    assert where.find(exp.Case) is not None
