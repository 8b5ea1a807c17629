"""The compiler's stages on their own (docs/compiler.md): the planner's plan of a checked condition and what each
rewrite of the plan makes of it, compared with hand-built plans (plan nodes are data).

That the SQL selects the right customers is the compile cases' job, on every engine; these tests pin the stage a
construct or an optimisation lives in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from segql.check import tree as t
from segql.compile import plan
from segql.compile.constants import Constants
from segql.compile.planner import plan_query
from segql.compile.rewrites import comparisons, inner_joins, key_sets, rewrite
from segql.dialects import get_dialect
from tests.compile_cases import AS_OF, TABLES, TODAY, agg, call, col, eq, ge, gt, lit, lt, not_, or_, pct, trait

US = eq(col("country"), "US")
PAID = eq(col("orders.status"), "paid")


def planned(condition: t.Expr) -> plan.Query:
    return plan_query(TABLES, where=condition)


def rewritten(condition: t.Expr, **params: Any) -> plan.Query:
    constants = Constants(AS_OF, "UTC", params)
    return comparisons(inner_joins(planned(condition), constants), constants)


def aggregate(func: str, event: str, on_events: tuple[Any, ...] = (), on_customer: tuple[Any, ...] = (),
              typ: t.Type = t.INTEGER, **kw: Any) -> plan.Aggregate:
    return plan.Aggregate(func, event, None, on_events, on_customer, None, typ, **kw)


def test_an_aggregate_is_a_column_of_its_tables_pass() -> None:
    query = planned(ge(agg("count", "orders", t.And((PAID, US))), 3))
    assert query.source == plan.Source((plan.GroupedPass("orders"),))
    # the customer's conjunct is checked outside the pass, the event's inside
    assert query.where == t.Compare(">=", aggregate("count", "orders", (PAID,), (US,)), lit(3))


def test_passes_follow_the_schemas_order_of_event_tables() -> None:
    query = planned(or_(gt(agg("count", "visits"), 0), gt(agg("count", "orders"), 0)))
    assert [p.event for p in query.source.passes] == ["orders", "visits"]


def test_a_percentile_is_ranked_over_a_source_of_its_own() -> None:
    query = planned(ge(pct(agg("sum", "orders.amount")), 80))
    assert query.source == plan.Source((), ranks=plan.Source((plan.GroupedPass("orders"),)))


def test_a_trait_used_twice_is_planned_once() -> None:
    spend = trait("spend", agg("sum", "orders.amount"))
    where = planned(gt(spend, spend)).where
    assert isinstance(where, t.Compare) and isinstance(where.left, t.TraitRef) and isinstance(where.right, t.TraitRef)
    assert isinstance(where.left.expr, plan.Aggregate) and where.left.expr is where.right.expr


@pytest.mark.parametrize(("condition", "inner"), [
    (ge(agg("count", "orders"), 3), True),  # 0 >= 3 fails
    (eq(agg("count", "orders"), 0), False),  # `has no`: every customer without orders is in
    (not_(ge(agg("count", "orders"), 3)), False),
    (or_(US, ge(agg("count", "orders"), 3)), False),
])
def test_inner_join_where_a_customer_without_the_events_cant_be_a_member(condition: t.Expr, inner: bool) -> None:
    assert rewritten(condition).source.passes == (plan.GroupedPass("orders", inner=inner),)


def test_customer_conditions_lifted_out_of_an_aggregate() -> None:
    where = rewritten(ge(agg("count", "orders", US), 1)).where
    assert where == plan.Lifted(">=", aggregate("count", "orders", (), (US,), guarded=False), lit(1), (US,))


def test_guard_kept_where_the_empty_value_passes() -> None:
    where = rewritten(ge(agg("count", "orders", US), 0)).where
    assert where == t.Compare(">=", aggregate("count", "orders", (), (US,)), lit(0))


def test_coalesce_left_out_where_its_default_fails() -> None:
    ltv = col("lifetime_value")
    where = rewritten(ge(call("coalesce", ltv, lit(0)), 200)).where
    assert where == plan.Uncoalesced(">=", ltv, lit(200))


@pytest.mark.parametrize(("condition", "expected"), [
    # age >= 18 as of 2024-06-30: born on 2006-06-30 or before
    (ge(call("years_between", col("birth_date"), TODAY), 18),
     plan.DateRange(col("birth_date"), None, dt.date(2006, 6, 30))),
    (eq(call("year", col("signup_at")), 2024),
     plan.DateRange(col("signup_at"), dt.date(2024, 1, 1), dt.date(2024, 12, 31))),
    (gt(call("year", col("birth_date")), 9999), plan.DateRange(col("birth_date"), None, None, empty=True)),
])
def test_a_date_function_compared_with_constants_is_a_range(condition: t.Expr, expected: plan.DateRange) -> None:
    assert rewritten(condition).where == expected


def test_comparisons_inside_an_aggregate_are_rewritten_too() -> None:
    where = rewritten(gt(agg("count", "orders", eq(call("year", col("birth_date")), 1990)), 0)).where
    assert isinstance(where, plan.Lifted)
    assert where.guard == (plan.DateRange(col("birth_date"), dt.date(1990, 1, 1), dt.date(1990, 12, 31)),)


def test_a_plan_without_anything_to_rewrite_is_the_same_object() -> None:
    query = planned(t.And((US, gt(agg("count", "orders"), 0))))
    constants = Constants(AS_OF, "UTC", {})
    assert comparisons(query, constants) is query


def keyed(condition: t.Expr) -> plan.Query:
    return key_sets(planned(condition), Constants(AS_OF, "UTC", {}), get_dialect("duckdb"))


SPENDER = t.SegmentRef("spender", gt(agg("sum", "orders.amount"), 100), {})
VISITOR = t.SegmentRef("visitor", ge(agg("count", "visits"), 2), {})


def test_a_reference_whose_passes_nothing_else_reads_is_a_key_set() -> None:
    query = keyed(or_(SPENDER, US))
    assert isinstance(query.where, t.Or) and isinstance(query.where.items[0], plan.Member)
    member = query.where.items[0]
    assert query.source == plan.Source(())  # the outer query joins no pass: the key set has its own
    assert member.query.source == plan.Source((plan.GroupedPass("orders", inner=True),))


@pytest.mark.parametrize("condition", [
    t.And((SPENDER, US)),  # a conjunct of the filter: its conditions are the query's own
    or_(SPENDER, ge(agg("count", "orders"), 3)),  # the query reads its pass anyway
    or_(SPENDER, t.SegmentRef("tall", gt(agg("max", "orders.amount"), 100), {})),  # two references share a pass
    or_(t.SegmentRef("us", US, {}), gt(agg("count", "visits"), 1)),  # no pass: a condition on the customer row
    or_(t.SegmentRef("buyer", ge(agg("count", "visits"), 1), {}), US),  # a `has`: a semi-join wherever it is
    or_(t.SegmentRef("small", lt(agg("sum", "orders.amount"), 50), {}), US),  # true without orders
])
def test_a_reference_inlined(condition: t.Expr) -> None:
    query = keyed(condition)
    assert query == planned(condition)


def test_a_reference_reading_a_shared_pass_brings_its_other_passes_along() -> None:
    both = t.SegmentRef("both", t.And((gt(agg("sum", "orders.amount"), 100), VISITOR)), {})
    condition = or_(both, not_(VISITOR), ge(agg("count", "orders"), 3))
    assert keyed(condition) == planned(condition)


def test_not_of_several_has_as_a_conjunct_is_each_not_exists_on_postgres() -> None:
    has_visits, has_tickets = ge(agg("count", "visits"), 1), ge(agg("count", "tickets"), 1)
    query = rewrite(planned(t.And((US, not_(or_(has_visits, has_tickets))))), Constants(AS_OF, "UTC", {}),
                    get_dialect("postgres"))
    assert isinstance(query.where, t.And) and isinstance(query.where.items[1], t.And)
    assert all(isinstance(i, t.Not) and isinstance(i.operand, plan.Exists) for i in query.where.items[1].items)
    deeper = rewrite(planned(not_(t.And((US, not_(or_(has_visits, has_tickets)))))), Constants(AS_OF, "UTC", {}),
                     get_dialect("postgres"))
    assert isinstance(deeper.where, t.Not) and isinstance(deeper.where.operand, t.And)
    assert isinstance(deeper.where.operand.items[1], t.Not)  # the union of their keys, under `not`
