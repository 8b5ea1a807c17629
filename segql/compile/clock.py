"""Dates and instants in SQL: today, now, day starts in the project's zone and calendar shifts, folded to literals
when they are known at compile time. Imports sqlglot, segql.dialects and the sibling constants and dates modules.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from segql.compile import dates
from segql.compile.constants import Constants
from segql.dialects import SqlDialect

Bound = dt.date | exp.Expression  # a date known at compile time, or the SQL computing it


class Clock:
    def __init__(self, dialect: SqlDialect, constants: Constants) -> None:
        self.d = dialect
        self.constants = constants

    def today(self) -> Bound:
        c = self.constants
        return c.as_of if c.as_of is not None else self.d.current_date(c.timezone)

    def now(self) -> dt.datetime | exp.Expression:
        """The end of the pinned as-of day in the project's zone, as naive UTC; else the current instant."""
        pinned = self.constants.now()
        return pinned if pinned is not None else self.d.current_instant()

    def date_sql(self, value: Bound) -> exp.Expression:
        return self.d.date_literal(value) if isinstance(value, dt.date) else value.copy()

    def instant_sql(self, value: dt.datetime | exp.Expression) -> exp.Expression:
        return self.d.timestamp_literal(value) if isinstance(value, dt.datetime) else value.copy()

    def date_shift(self, value: Bound, amount: int, unit: str) -> Bound:
        if isinstance(value, dt.date):
            return dates.add(value, amount, unit)
        return self.shift(value.copy(), True, amount, unit)

    def shift(self, value: exp.Expression, is_date: bool, amount: int, unit: str) -> exp.Expression:
        """date|timestamp + amount units (negative to subtract)."""
        if unit == "week":
            amount, unit = amount * 7, "day"
        elif unit == "quarter":
            amount, unit = amount * 3, "month"
        if unit == "hour" and is_date:
            return self.d.add(self.day_start(value), amount, "hour", is_date=False)
        return self.d.add(value, amount, unit, is_date)

    def period_start(self, day: Bound, unit: str, week_start: int = 1) -> Bound:
        """The first day of day's calendar week (by `week_start`), month, quarter or year."""
        if isinstance(day, dt.date):
            return dates.period_start(day, unit, week_start)
        return self.d.period_start(day.copy(), unit, week_start)

    def day_start(self, day: Bound) -> exp.Expression:
        """The naive UTC instant at which a date starts in the project's zone."""
        c = self.constants
        if isinstance(day, dt.date):
            return self.d.timestamp_literal(dates.day_start_utc(day, c.zone))
        midnight = self.d.to_timestamp(day.copy())
        return midnight if c.utc else self.d.local_to_utc(midnight, c.timezone)
