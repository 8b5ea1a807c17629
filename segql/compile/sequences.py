"""Sequences (DESIGN §3.10): `has A … then [no] B … within D`, as a subquery of the customers for whom a chain of
events exists, LEFT JOINed by key; the condition is that the customer has a row in it.

The chain is a join of the steps' events on the customer key, each later step at or after the one before (strictly
after on the same table) and at most `within` later; a `then no` last step is a NOT EXISTS over its events in the
interval, with the interval ended (t + D <= now; for dates, d + D <= today). Steps compare as instants when both
times are timestamps, else as dates in the project's zone. Each later step also carries the first date of the first
step's window, and the ended interval is folded to a bound on the step before's time where exact: the bounds an
expert writes so that each table's scan reads only the events that can be in a chain. Imports sqlglot and the sibling modules (the expression
lowering only for its type).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypeGuard

from sqlglot import exp

from segql.check import tree as t
from segql.compile import dates, sql, windows
from segql.compile.clock import Bound
from segql.compile.passes import EventPass

if TYPE_CHECKING:
    from segql.compile.expressions import Lowering


def member(lx: Lowering, node: t.Sequence) -> exp.Expression:
    """`<the sequence's subquery>.key IS NOT NULL`: the customer has a chain (identical sequences share one)."""
    query = chains(lx, node)
    alias = next((a for a, q in lx.sequences if q == query), "")
    if not alias:
        alias = lx.free_alias("sequence")
        lx.sequences.append((alias, query))
    key = lx.d.column(lx.tables.key, alias)
    return exp.Not(this=exp.Is(this=key, expression=exp.Null()))


def chains(lx: Lowering, node: t.Sequence) -> exp.Select:
    """SELECT step_1.key FROM <step 1's events> JOIN <step 2's> ON the key … WHERE <each step's as-of bound, where
    and bound after the step before; the first's window> [AND NOT EXISTS (<the last step's events>) AND <ended>]
    GROUP BY step_1.key."""
    d, clock, tables = lx.d, lx.clock, lx.tables
    steps = node.steps
    taken = {*tables.lookups, *tables.events, lx.customer_alias}
    aliases = [_free(f"step_{i}", taken) for i in range(1, len(steps) + 1)]
    passes = [EventPass(s.event, tables.events[s.event], a) for s, a in zip(steps, aliases, strict=True)]
    conditions: list[exp.Expression] = []
    absent: exp.Expression | None = None
    first_day: Bound | None = None  # the first date of the first step's window
    saved = lx.inside, lx.step_aliases
    try:
        for i, (step, p) in enumerate(zip(steps, passes, strict=True)):
            lx.inside = p
            lx.step_aliases = {s.alias: a for s, a in zip(steps[:i], aliases[:i], strict=True) if s.alias}
            here = [windows.event_time_upper(clock, p, clock.today(), inclusive=True)]
            if i == 0 and node.window is not None:
                within_window, first_day = windows.window(lx, node.window, p)
                here.append(within_window)
            if i > 0 and _scan_bound(first_day):
                here.append(_from(lx, p, first_day))
            if i > 0:
                here += _after(lx, step, passes[i - 1], p)
            if step.where is not None:
                here.append(lx.cond(step.where))
            if not step.negated:
                conditions += here
                continue
            # no event of the step in its interval after the chain so far, and the interval has ended
            previous = passes[i - 1]
            same_customer = sql.binary(exp.EQ, d.column(p.table.key, p.alias), d.column(previous.table.key,
                                                                                        previous.alias))
            events = sql.select([sql.number(1)], d.table(p.table.table, p.alias), [],
                                sql.and_([same_customer, *here]))
            absent = exp.Not(this=exp.Exists(this=events))
            if step.within is not None:
                conditions.append(_ended(lx, step, previous))
    finally:
        lx.inside, lx.step_aliases = saved
    if absent is not None:
        conditions.append(absent)
    first = passes[0]
    key = d.column(first.table.key, first.alias)
    joins = [sql.join(d.table(p.table.table, p.alias),
                      sql.binary(exp.EQ, d.column(p.table.key, p.alias), key.copy()), side="")
             for p, step in zip(passes[1:], steps[1:], strict=True) if not step.negated]
    lookups: list[str] = []
    for p in passes:
        lookups += [name for name in p.lookups if name not in lookups]
    if any(p.needs_customer for p in passes):  # a step's `where` reads the customer row or a lookup
        c = lx.customer_alias
        on = sql.binary(exp.EQ, d.column(tables.key, c), key.copy())
        joins.append(sql.join(d.table(tables.customer, c), on, side=""))
        joins += [lx.lookup_join(name) for name in lookups]
    return sql.select([sql.alias(key, d.identifier(tables.key))], d.table(first.table.table, first.alias), joins,
                      sql.and_(conditions), [key.copy()])


def _scan_bound(first_day: Bound | None) -> TypeGuard[Bound]:
    """A first day the scans can use: known, or SQL of today; one read from the customer row (`since birth_date`)
    would only add a comparison per joined row."""
    return isinstance(first_day, dt.date) or (first_day is not None and first_day.find(exp.Column) is None)


def _from(lx: Lowering, p: EventPass, first_day: Bound) -> exp.Expression:
    """A later step's event on or after the first day of the first step's window: implied (each step is at or
    after the one before, by instant or by date), but stated so that the scan of the step's table, and the join,
    read only the window's events rather than all history (the bound an expert writes into each later table)."""
    return windows.event_time_lower(lx.clock, p, first_day, inclusive=True)


def _after(lx: Lowering, step: t.Step, previous: EventPass, p: EventPass) -> list[exp.Expression]:
    """The step's event at or after the previous step's (strictly after on the same table), at most `within` later."""
    a, b = _time(lx, step, previous), _time(lx, step, p)
    found = [sql.binary(exp.GT if step.same_table else exp.GTE, b, a)]
    if step.within is not None:
        found.append(sql.binary(exp.LTE, b.copy(), _end(lx, step, a.copy())))
    return found


def _ended(lx: Lowering, step: t.Step, previous: EventPass) -> exp.Expression:
    """The interval after the previous step's event has ended: t + D <= now (for dates d + D <= today)."""
    folded = _ended_by(lx, step, previous)
    if folded is not None:
        return folded
    end = _end(lx, step, _time(lx, step, previous))
    clock = lx.clock
    limit = clock.instant_sql(clock.now()) if step.instant else clock.date_sql(clock.today())
    return sql.binary(exp.LTE, end, limit)


def _ended_by(lx: Lowering, step: t.Step, previous: EventPass) -> exp.Expression | None:
    """`t + D <= now` as a bound on the previous step's own time, `t <= now - D` (for dates `d <= today - D`), which
    the scan of its table applies rather than a sum per row. Exact only where D has a fixed length: days and weeks
    for dates (whole days, today may be SQL), hours, days and weeks for instants when now is pinned (naive UTC,
    folded here; a month is not, 03-31 + 1 month = 04-30 as 03-30's is). Else None: the sum stays."""
    assert step.within is not None
    clock, unit = lx.clock, step.within.unit
    back = lx.constants.amount(step.within.amount, "-")
    try:
        if not step.instant and unit in ("day", "week"):
            last = clock.date_shift(clock.today(), back * (7 if unit == "week" else 1), "day")
            return windows.event_time_upper(clock, previous, last, inclusive=True)
        now = clock.now()
        if step.instant and unit in ("hour", "day", "week") and isinstance(now, dt.datetime):
            limit = clock.instant_sql(dates.add(now, back, unit))
            return sql.binary(exp.LTE, _time(lx, step, previous), limit)
    except dates.OutOfCalendar:  # a duration past the calendar: the sum says it (as the unfolded SQL did)
        return None
    return None


def _time(lx: Lowering, step: t.Step, p: EventPass) -> exp.Expression:
    """An event's time as the step compares it: the instant, or its date in the project's zone."""
    return lx.d.column(p.table.time or "", p.alias) if step.instant else lx.event_date(p)


def _end(lx: Lowering, step: t.Step, start: exp.Expression) -> exp.Expression:
    assert step.within is not None
    amount = lx.constants.amount(step.within.amount)
    return lx.clock.shift(start, not step.instant, amount, step.within.unit)


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name
