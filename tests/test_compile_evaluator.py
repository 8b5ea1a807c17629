"""The reference evaluator (segql.evaluate) selects exactly the customers DESIGN §3 says for every compile case of
tests/compile_cases.py and its complement, on the same fixture rows the compiled SQL runs on (DuckDB, PostgreSQL,
the Snowflake emulator).

The schema model is derived from compile_cases.TABLES and the fixture's DDL (column types read from DuckDB's
catalogue); attribute names are the physical column names, as the cases' hand-built `Column`s use them.
The rows are compile_cases' own tuples, keyed by those column names.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest

from segql.check import tree as t
from segql.evaluate import Dataset, EvaluationRefused, Evaluator, evaluate_segment
from segql.schema import Attribute, Event, Lookup, Schema
from segql.types import BOOLEAN, DATE, DECIMAL, FLOAT, INTEGER, STRING, TIMESTAMP, Type
from tests.compile_cases import (
    ADDRESSES,
    ALL,
    AS_OF,
    CASES,
    CUSTOMERS,
    EVENT_ROWS,
    TABLES,
    Case,
    arith,
    between,
    build_database,
    call,
    col,
    eq,
    ge,
    in_,
    segment,
)

_TYPES = {"INTEGER": INTEGER, "VARCHAR": STRING, "DATE": DATE, "TIMESTAMP": TIMESTAMP, "BOOLEAN": BOOLEAN,
          "DOUBLE": FLOAT}


def _segql_type(duckdb_type: str) -> Type:
    return DECIMAL if duckdb_type.startswith("DECIMAL") else _TYPES[duckdb_type]


def _catalogue() -> dict[tuple[str, ...], list[tuple[str, Type]]]:
    """Every fixture table's columns, in order, with their segql types: from the DDL, through DuckDB."""
    con = duckdb.connect()
    try:
        build_database(con)
        rows = con.execute("SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
                           "ORDER BY table_schema, table_name, ordinal_position").fetchall()
    finally:
        con.close()
    tables: dict[tuple[str, ...], list[tuple[str, Type]]] = {}
    for schema, table, column, kind in rows:
        tables.setdefault((schema, table), []).append((column, _segql_type(kind)))
    return tables


CATALOGUE = _catalogue()


def _attributes(table: tuple[str, ...], *leave_out: str) -> dict[str, Attribute]:
    return {c: Attribute(c, typ, c) for c, typ in CATALOGUE[table] if c not in leave_out}


def _schema() -> Schema:
    lookups = {name: Lookup(name, lk.table, tuple(lk.on.items()), _attributes(lk.table))
               for name, lk in TABLES.lookups.items()}
    events = {}
    for name, ev in TABLES.events.items():
        time_type = None if ev.time is None else {"date": DATE, "timestamp": TIMESTAMP}[ev.time_type]
        events[name] = Event(name, ev.table, ev.key, ev.time, time_type, _attributes(ev.table, ev.key))
    return Schema("customer", TABLES.customer, TABLES.key, _attributes(TABLES.customer), lookups, events)


SCHEMA = _schema()


def _rows(table: tuple[str, ...], tuples: list[tuple[object, ...]]) -> list[dict[str, object]]:
    names = [c for c, _ in CATALOGUE[table]]
    assert all(len(row) == len(names) for row in tuples), table
    return [dict(zip(names, row, strict=True)) for row in tuples]


DATA = Dataset(
    _rows(TABLES.customer, CUSTOMERS),
    {"address": _rows(TABLES.lookups["address"].table, ADDRESSES)},
    {name: _rows(TABLES.events[name].table, rows) for name, rows in EVENT_ROWS.items()},
)


def as_of(case: Case) -> dt.date:
    """The case's as-of date; an unpinned one is today in the case's time zone (the engines' clock)."""
    return case.as_of or dt.datetime.now(ZoneInfo(case.timezone)).date()


def members(case: Case, condition: t.Expr | None = None) -> set[int]:
    seg = case.segment if condition is None else segment(condition, case.name, case.specs)
    return evaluate_segment(seg, SCHEMA, DATA, as_of=as_of(case), timezone=case.timezone, params=case.params)


def test_the_schema_matches_the_table_map() -> None:
    assert SCHEMA.key_column == "customer_id"
    assert SCHEMA.events["tickets"].time is None and SCHEMA.events["visits"].time_type == DATE
    assert SCHEMA.attributes["VipLevel"].type == INTEGER and SCHEMA.attributes["score"].type == FLOAT
    assert SCHEMA.lookups["address"].on == (("address_id", "address_id"),)
    assert {c["customer_id"] for c in DATA.customers} == ALL


def _uses_sql(node: object) -> bool:
    if isinstance(node, t.SqlTrait):
        return True
    return any(_uses_sql(getattr(node, f)) if not isinstance(getattr(node, f), tuple)
               else any(_uses_sql(x) for x in getattr(node, f))
               for f in getattr(type(node), "__dataclass_fields__", ()) if f != "span")


EVALUATED = [c for c in CASES if not _uses_sql(c.condition)]


@pytest.mark.parametrize("case", EVALUATED, ids=lambda c: c.name)
def test_members(case: Case) -> None:
    assert members(case) == case.expected


def test_a_sql_trait_is_refused() -> None:
    """§3.14: the meaning of a SQL trait is the engine's, so the evaluator says it cannot compute one."""
    sql_cases = [c for c in CASES if _uses_sql(c.condition)]
    assert sql_cases
    for case in sql_cases:
        with pytest.raises(EvaluationRefused, match="written in SQL"):
            members(case)


@pytest.mark.parametrize("case", EVALUATED, ids=lambda c: c.name)
def test_not_is_the_complement(case: Case) -> None:
    """§3.3: members(not S) = C − members(S), for every case."""
    assert members(case, t.Not(case.condition)) == ALL - case.expected


def test_one_evaluator_for_all_cases() -> None:
    """Like `run --all`: one Evaluator (shared indexes and percentile caches) gives every case its members."""
    cases = [c for c in EVALUATED if c.as_of == AS_OF and c.timezone == "UTC"]
    evaluator = Evaluator(SCHEMA, DATA, as_of=AS_OF)
    for case in cases:
        assert evaluator.members(case.segment, case.params) == case.expected, case.name


def test_a_float_compares_with_a_decimal_as_engines_do() -> None:
    """`round(score / 4, 1)` is a float; 2.6 a decimal: DuckDB, PostgreSQL and Snowflake compare them as doubles
    (found by `round_digits`: the evaluator compared the float's exact binary value with the decimal's)."""
    rounded = call("round", arith("/", col("score"), 4), 1)
    for condition in (eq(rounded, Decimal("2.6")), between(rounded, Decimal("2.6"), Decimal("2.6")),
                      in_(rounded, Decimal("1"), Decimal("2.6")), ge(rounded, Decimal("2.6")),
                      between(Decimal("2.6"), rounded, rounded)):
        assert members(Case("float_vs_decimal", condition, frozenset())) == {1}, condition
