"""Windows and the event time: `in last 30 days`, `since D`, … as conditions on an event's time, each with the first
date it can include (a pass reads events from the widest window's), and the as-of bound every event must pass.

Imports sqlglot and the sibling modules (the expression lowering only for its type).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlglot import exp

from segql.check import tree as t
from segql.compile import dates, sql
from segql.compile.clock import Bound, Clock
from segql.compile.passes import EventPass

if TYPE_CHECKING:
    from segql.compile.expressions import Lowering


def window(lx: Lowering, node: t.Window, p: EventPass) -> tuple[exp.Expression, Bound | None]:
    """The window as a condition on the event's time, and the first date it can include."""
    clock, constants = lx.clock, lx.constants
    match node:
        case t.LastWindow(amount=amount, unit="hour"):
            # now - N hours < t <= now, on instants
            now, back = clock.now(), constants.amount(amount, "-")
            start = dates.add(now, back, "hour") if isinstance(now, dt.datetime) \
                else clock.shift(now.copy(), False, back, "hour")
            instant = event_instant(clock, p)
            after = sql.binary(exp.GT, instant, clock.instant_sql(start))
            until = sql.binary(exp.LTE, instant.copy(), clock.instant_sql(now))
            # a first day for the pass's filter (so it need not read all history): today - (N // 24 + 1)
            # days starts at least N hours before the start of today, even across a DST change
            first = clock.date_shift(clock.today(), -(-back // 24 + 1), "day")
            return sql.and_([after, until]), first
        case t.LastWindow(amount=amount, unit=unit):
            # today - N units < d <= today (the upper end is the pass's own filter): the first day in
            # the window is today - (N - 1) days for days and weeks, the day after today - N months else
            back = constants.amount(amount, "-")
            if unit in ("day", "week"):
                first = clock.date_shift(clock.today(), back * (7 if unit == "week" else 1) + 1, "day")
            else:
                first = clock.date_shift(clock.date_shift(clock.today(), back, unit), 1, "day")
            return event_time_lower(clock, p, first, inclusive=True), first
        case t.SinceWindow(start=start):
            begin = lx.date_value(start)
            return event_time_lower(clock, p, begin, inclusive=True), begin
        case t.BeforeWindow(end=end):
            return event_time_upper(clock, p, lx.date_value(end), inclusive=False), None
        case t.BetweenWindow(start=start, end=end):
            begin = lx.date_value(start)
            both = [event_time_lower(clock, p, begin, inclusive=True),
                    event_time_upper(clock, p, lx.date_value(end), inclusive=True)]
            return sql.and_(both), begin
        case t.ThisWindow(unit=unit, week_start=week_start):
            # start(unit, today) <= d <= today (the upper end is the pass's own filter)
            begin = clock.period_start(clock.today(), unit, week_start)
            return event_time_lower(clock, p, begin, inclusive=True), begin
        case t.PreviousWindow(amount=amount, unit=unit, week_start=week_start):
            # start(unit, today) - N units <= d < start(unit, today)
            current = clock.period_start(clock.today(), unit, week_start)
            begin = clock.date_shift(current, constants.amount(amount, "-"), unit)
            both = [event_time_lower(clock, p, begin, inclusive=True),
                    event_time_upper(clock, p, current, inclusive=False)]
            return sql.and_(both), begin
    raise AssertionError(f"unknown window {node!r}")  # pragma: no cover


def event_time_lower(clock: Clock, p: EventPass, bound: Bound, inclusive: bool) -> exp.Expression:
    """The event's date is on/after (inclusive) or after `bound`; timestamps compare with day starts."""
    time = clock.d.column(p.table.time or "", p.alias)
    if p.table.time_type == "date":
        return sql.binary(exp.GTE if inclusive else exp.GT, time, clock.date_sql(bound))
    first_day = bound if inclusive else clock.date_shift(bound, 1, "day")
    return sql.binary(exp.GTE, time, clock.day_start(first_day))


def event_time_upper(clock: Clock, p: EventPass, bound: Bound, inclusive: bool) -> exp.Expression:
    """The event's date is on/before (inclusive) or before `bound`."""
    time = clock.d.column(p.table.time or "", p.alias)
    if p.table.time_type == "date":
        return sql.binary(exp.LTE if inclusive else exp.LT, time, clock.date_sql(bound))
    next_day = clock.date_shift(bound, 1, "day") if inclusive else bound
    return sql.binary(exp.LT, time, clock.day_start(next_day))


def event_instant(clock: Clock, p: EventPass) -> exp.Expression:
    time = clock.d.column(p.table.time or "", p.alias)
    return time if p.table.time_type != "date" else clock.day_start(time)


def time_filter(clock: Clock, p: EventPass, widest: Bound | None) -> list[exp.Expression]:
    """Events on or before the as-of date (a missing time never passes), and from the first date of the widest
    window when there is one (see rewrites.widest_window)."""
    parts = [event_time_upper(clock, p, clock.today(), inclusive=True)]
    if widest is not None:
        parts.insert(0, event_time_lower(clock, p, widest, inclusive=True))
    return parts
