"""How a compiled segment is shaped where its members can't tell: an event pass is INNER JOINed only where a
customer without those events can't be a member; the customer conditions of an aggregate's `where` are lifted out
of it, and COALESCE left out, only where that is exact.

The members are checked on every engine by the compile cases (with their complements); these tests pin the
shape, which the members alone can't tell apart (a needless LEFT JOIN selects the same customers, only slower)."""

from __future__ import annotations

import pytest
from sqlglot import exp

from segql.compile import compile_segment
from tests.compile_cases import CASES, TABLES

BY_NAME = {case.name: case for case in CASES}
# Join kinds and guards are pinned on a dialect without semi-joins: on DuckDB and PostgreSQL, an event table whose
# only aggregate is a `has` is a semi-join instead of a pass (pinned below).
DIALECT = "snowflake"


def joins_of(name: str) -> dict[str, str]:
    """Each event pass's join, INNER or LEFT, by alias."""
    case = BY_NAME[name]
    query = compile_segment(case.segment, tables=TABLES, dialect=DIALECT, as_of=case.as_of, params=case.params)
    return {j.alias_or_name: ("LEFT" if j.side == "LEFT" else "INNER")
            for j in query.args.get("joins", []) if isinstance(j.this, exp.Subquery)}


@pytest.mark.parametrize(("name", "expected"), [
    ("count_last_90_days", {"orders": "INNER"}),  # count(…) = 1: nobody without orders
    ("has_no", {"orders": "LEFT"}),  # count(…) = 0: everybody without orders
    ("not_avg_empty_included", {"orders": "LEFT"}),  # not …: the complement needs them
    ("inner_between_counts", {"orders": "INNER"}),
    ("left_or_without_events", {"orders": "LEFT"}),  # the other branch needs no orders
    ("left_or_two_passes", {"orders": "LEFT", "visits": "LEFT"}),
    ("inner_and_left", {"orders": "INNER", "visits": "LEFT"}),
    ("inner_arithmetic", {"orders": "INNER"}),  # 0 + 1 >= 3 fails
    ("left_arithmetic_passes_empty", {"orders": "LEFT"}),  # 0 + 3 >= 3 holds
    ("inner_through_trait_and_ref", {"orders": "INNER"}),
    ("first_tie_smallest", {"orders": "INNER"}),  # first(…) of nothing is missing: = "app" fails
    ("guard_kept_when_empty_passes", {"orders": "LEFT"}),  # 0 > -1 holds: customers without orders are in
    ("guard_kept_for_zero", {"orders": "LEFT"}),
    ("percentile_of_aggregate", {"ranks": "LEFT"}),  # ranks are over everyone, never a reason to drop a row
])
def test_join_kinds(name: str, expected: dict[str, str]) -> None:
    assert joins_of(name) == expected


def where_of(name: str) -> exp.Expression:
    case = BY_NAME[name]
    query = compile_segment(case.segment, tables=TABLES, dialect=DIALECT, as_of=case.as_of, params=case.params)
    return query.args["where"].this


def test_guard_lifted_to_a_plain_conjunct() -> None:
    """count(orders where customer.country = "US") >= 1: `c.country = 'US' AND …`, which the engine can push
    into the customer scan, instead of a CASE inside COALESCE."""
    where = where_of("guard_lifted")
    assert isinstance(where, exp.And)
    assert where.this.sql("duckdb") == "c.country = 'US'"
    assert where.find(exp.Case) is None


@pytest.mark.parametrize("name", ["guard_kept_when_empty_passes", "guard_kept_for_zero"])
def test_guard_kept_where_the_empty_value_passes(name: str) -> None:
    """A non-US customer has a sum/count of 0 here, which the comparison accepts: the guard stays inside (in the
    CASE of the sum; the count = 0 is a `has no`, under whose NOT the guard is, rewrites.reached)."""
    where = where_of(name)
    guard = next(e for e in where.find_all(exp.EQ) if e.this.sql("duckdb") == "c.country")
    assert guard.find_ancestor(exp.Case, exp.Not) is not None
    assert not (isinstance(where, exp.And) and where.this is guard)


def test_guard_under_not_never_leaks_null() -> None:
    """not (…lifted…): the lifted `c.country = 'US'` is NULL for a customer without a country, so the negated
    condition must read it as false (customer 3 has no country and is a member)."""
    where = where_of("guard_lifted_not")
    assert isinstance(where, exp.Not)
    assert isinstance(where.this, exp.Coalesce)


def test_not_in_beside_is_not_null_needs_no_coalesce() -> None:
    """`country is not null and country not in [...]`: where country is missing the AND is false anyway."""
    where = where_of("not_in_beside_is_not_null")
    assert where.find(exp.Coalesce) is None


def test_coalesce_dropped_only_where_its_default_fails() -> None:
    assert where_of("coalesce_bare").find(exp.Coalesce) is None  # coalesce(ltv, 0) >= 200: 0 >= 200 fails
    assert where_of("coalesce_kept").find(exp.Coalesce) is not None  # coalesce(ltv, 0) <= 100: 0 <= 100 holds


def semi_joins_of(name: str, dialect: str) -> tuple[list[exp.Expression], dict[str, str]]:
    """The IN and EXISTS subqueries of the compiled segment's condition, and its passes' joins."""
    case = BY_NAME[name]
    query = compile_segment(case.segment, tables=TABLES, dialect=dialect, as_of=case.as_of, params=case.params)
    found = [n for n in query.args["where"].this.walk() if isinstance(n, exp.In | exp.Exists)]
    joins = {j.alias_or_name: j.side or "INNER" for j in query.args.get("joins", []) if isinstance(j.this, exp.Subquery)}
    return found, joins


@pytest.mark.parametrize(("name", "semi", "passes"), [
    ("has_no", 1, {}),  # has no: not among the keys of the window's orders
    ("inner_and_left", 2, {}),  # has orders and has no visits: two semi-joins, no pass
    ("guard_kept_for_zero", 1, {}),  # the customer condition beside the semi-join
    ("left_or_two_passes", 1, {"orders": "LEFT"}),  # max(orders…) needs the pass, has visits does not
    ("where_lookup", 1, {}),
    ("count_last_90_days", 0, {"orders": "INNER"}),  # count(…) = 1 is no has
])
@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_a_has_alone_over_its_table_is_a_semi_join(name: str, semi: int, passes: dict[str, str], dialect: str) -> None:
    found, joins = semi_joins_of(name, dialect)
    assert len(found) == semi
    # PostgreSQL: EXISTS, but IN for events whose where reads a lookup or the customer row inside the subquery
    assert all(isinstance(n, exp.In if dialect == "duckdb" else exp.Exists) for n in found)
    assert joins == passes


def test_has_comparing_with_the_customer_is_an_edge() -> None:
    """has orders where amount > customer.lifetime_value / 10: max(amount) > lifetime_value / 10 on DuckDB (a pass
    without the customer join, rewrites.edge_comparisons); on PostgreSQL an IN of the events joined with the customer
    (a subquery reading the customer row is no correlated EXISTS)."""
    found, joins = semi_joins_of("has_where_customer_value", "duckdb")
    assert not found and joins == {"orders": "INNER"}
    where = where_of("has_where_customer_value")
    assert isinstance(where, exp.GT) and where.this.sql("duckdb") == "orders.orders_1"
    found, joins = semi_joins_of("has_where_customer_value", "postgres")
    assert len(found) == 1 and isinstance(found[0], exp.In) and not joins


@pytest.mark.parametrize("name", ["has_where_event_or_lookup", "has_or_lookup_window", "has_and_or_lookup"])
def test_an_or_with_a_lookup_in_a_has_is_distributed(name: str) -> None:
    """has orders where (channel = … or address.state = …): one pass counting the store orders and all orders, with
    no customer or lookup join inside it; the lookup is read outside."""
    found, joins = semi_joins_of(name, "postgres")
    assert not found
    assert joins == {"orders": "INNER"}
    case = BY_NAME[name]
    query = compile_segment(case.segment, tables=TABLES, dialect="postgres", as_of=case.as_of, params=case.params)
    inside = next(j.this.this for j in query.args["joins"] if isinstance(j.this, exp.Subquery))
    assert not inside.args.get("joins")
    # the key, the store orders' `has` (their earliest time present) and all orders' (TRUE for every customer the
    # pass has a row for)
    assert len(inside.expressions) == 3 and any(n.find(exp.Boolean) for n in inside.expressions)


def test_has_beside_another_aggregate_of_its_table_stays_in_the_pass() -> None:
    """has orders and sum(orders…) > 100: one scan of orders computes both."""
    found, joins = semi_joins_of("inner_has_and_sum", "duckdb")
    assert not found
    assert joins == {"orders": "INNER"}


def test_an_or_of_has_is_one_semi_join_of_their_keys() -> None:
    found, _ = semi_joins_of("has_either_table", "postgres")
    assert len(found) == 1 and isinstance(found[0], exp.In)
    assert isinstance(found[0].args["query"].this, exp.Union)


def sequence_conditions(name: str) -> list[str]:
    """The conditions of a case's sequence subquery (its WHERE's conjuncts and those of a NOT EXISTS inside), as
    DuckDB SQL."""
    case = BY_NAME[name]
    query = compile_segment(case.segment, tables=TABLES, dialect="duckdb", as_of=case.as_of, params=case.params)
    (chain,) = [j.this.this for j in query.args.get("joins", []) if j.alias_or_name.startswith("sequence")]
    wheres = [chain.args["where"].this, *(e.this.args["where"].this for e in chain.find_all(exp.Exists))]
    return [c.sql("duckdb") for w in wheres for c in w.flatten() if not isinstance(c, exp.Not)]


def test_later_steps_are_read_from_the_first_steps_window() -> None:
    """Each step is at or after the one before, so the later tables' scans start at the window's first day (not
    all history): the bound an expert writes into each later table."""
    conditions = sequence_conditions("seq_three_steps_in_window")
    for column in ("step_2.ordered_at", "step_1.added_at"):
        assert f"{column} >= CAST('2024-06-28 00:00:00' AS TIMESTAMP)" in conditions
    assert "step_3.review_date >= CAST('2024-06-28' AS DATE)" in conditions


def test_an_ended_interval_is_a_bound_on_the_step_before() -> None:
    """then no … within 1 day: t + 1 day <= now is t <= now - 1 day, which the scan applies; a month's length
    varies, so `within 1 month` keeps the sum."""
    assert "step_1.added_at <= CAST('2024-06-29 23:59:59.999999' AS TIMESTAMP)" in sequence_conditions("seq_abandoned")
    assert "step_1.visit_date <= CAST('2024-06-23' AS DATE)" in sequence_conditions("seq_date_grain_then_no_week")
    assert "step_1.added_at + INTERVAL '1' MONTH <= CAST('2024-06-30 23:59:59.999999' AS TIMESTAMP)" \
        in sequence_conditions("seq_abandoned_month")
