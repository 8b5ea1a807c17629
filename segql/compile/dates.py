"""Calendar arithmetic in Python, for folding constant dates (a pinned `today`, literals, parameters).

Must agree with the dialects' SQL: months clamp to the end of the month, weeks are 7 days. Imports only the standard library.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Callable
from typing import overload
from zoneinfo import ZoneInfo

_UTC = ZoneInfo("UTC")
UNITS = ("hour", "day", "week", "month", "quarter", "year")


class OutOfCalendar(ValueError):
    """A date computed here falls outside the calendar Python (and so segql) can fold: years 1 to 9999."""


def add_months(value: dt.date, months: int) -> dt.date:
    """2024-01-31 + 1 month = 2024-02-29 (clamped to the end of the month)."""
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OutOfCalendar(_shifted(value, months, "month"))
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def _shifted(value: dt.date, amount: int, unit: str) -> str:
    return f"{value.isoformat()} {'-' if amount < 0 else '+'} {abs(amount)} {unit}{'s' if abs(amount) != 1 else ''}"


@overload
def add(value: dt.datetime, amount: int, unit: str) -> dt.datetime: ...
@overload
def add(value: dt.date, amount: int, unit: str) -> dt.date: ...
def add(value: dt.date, amount: int, unit: str) -> dt.date:
    """value + amount units (hour, day, week, month, quarter, year); a datetime stays a datetime. Past the calendar (a
    window of 5000 years, a parameter of 10^12 days): OutOfCalendar."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    try:
        match unit:
            case "hour":
                base = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
                return base + dt.timedelta(hours=amount)
            case "day":
                return value + dt.timedelta(days=amount)
            case "week":
                return value + dt.timedelta(days=7 * amount)
            case "month":
                return add_months(value, amount)
            case "quarter":
                return add_months(value, 3 * amount)
            case _:
                return add_months(value, 12 * amount)
    except OutOfCalendar:
        raise OutOfCalendar(_shifted(value, amount, unit)) from None
    except (OverflowError, ValueError):  # timedelta and date arithmetic past year 9999 or before year 1
        raise OutOfCalendar(_shifted(value, amount, unit)) from None


def period_start(day: dt.date, unit: str, week_start: int = 1) -> dt.date:
    """The first day of the calendar week (starting on ISO weekday `week_start`), month, quarter or year of day."""
    match unit:
        case "week":
            return day - dt.timedelta(days=(day.isoweekday() - week_start) % 7)
        case "month":
            return day.replace(day=1)
        case "quarter":
            return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        case "year":
            return day.replace(month=1, day=1)
    raise ValueError(f"unknown period {unit!r}")


# Days in each month (1-based) of a leap year: the months and days a date can have.
DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MONTH_DAYS = tuple((m, d) for m in range(1, 13) for d in range(1, DAYS_IN_MONTH[m] + 1))


@functools.lru_cache(maxsize=64)
def anniversaries(today: dt.date) -> tuple[dt.date, ...]:
    """The next anniversary on or after today of each (month, day) of MONTH_DAYS."""
    return tuple(next_anniversary(dt.date(2000, m, d), today) for m, d in MONTH_DAYS)


def next_anniversary(day: dt.date, today: dt.date) -> dt.date:
    """The first date on or after today with day's month and day (Feb 29 on Feb 28 in common years)."""
    this_year = add_months(day, 12 * (today.year - day.year))
    return this_year if this_year >= today else add_months(day, 12 * (today.year + 1 - day.year))


def day_start_utc(day: dt.date, timezone: ZoneInfo) -> dt.datetime:
    """The naive UTC instant at which `day` starts in the time zone."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=timezone)
    try:
        return local.astimezone(_UTC).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise OutOfCalendar(f"the start of {day.isoformat()} in {timezone.key}, in UTC") from None


def utc_to_local_date(value: dt.datetime, timezone: ZoneInfo) -> dt.date:
    try:
        return value.replace(tzinfo=_UTC).astimezone(timezone).date()
    except (OverflowError, ValueError):
        raise OutOfCalendar(f"the date in {timezone.key} of {value.isoformat(sep=' ')} UTC") from None


def years_between(a: dt.date, b: dt.date) -> int:
    """The largest n with a + n years <= b (clamped), and -years_between(b, a) when b is before a; as the SQL."""
    if a > b:
        return -years_between(b, a)
    n = b.year - a.year
    return n - 1 if add_months(a, 12 * n) > b else n


FIRST, LAST = dt.date(1, 1, 2), dt.date(9999, 12, 30)  # the dates searched (a day inside the engines' ranges)


def interval(f: Callable[[dt.date], object], increasing: bool, below: Callable[[object], bool],
             above: Callable[[object], bool]) -> tuple[dt.date | None, dt.date | None] | None:
    """The dates d with f(d) neither below nor above a range, for f monotone (non-decreasing when `increasing`,
    else non-increasing): (first, last), None for an end that is the end of the calendar, or None when no date
    qualifies. A value f can't compute (past the calendar) counts as beyond the end it lies at."""

    def value(day: dt.date) -> object:
        try:
            return f(day)
        except (OverflowError, ValueError):
            return _END if (day.year > 5000) == increasing else _START

    def too_low(day: dt.date) -> bool:  # the dates failing `below` form a prefix (increasing) or a suffix
        v = value(day)
        return v is _START or (v is not _END and below(v))

    def too_high(day: dt.date) -> bool:
        v = value(day)
        return v is _END or (v is not _START and above(v))

    if increasing:
        first = _first(lambda d: not too_low(d))  # too low: a prefix
        last = _last(lambda d: not too_high(d))  # too high: a suffix
    else:
        first = _first(lambda d: not too_high(d))
        last = _last(lambda d: not too_low(d))
    if first is None or last is None or first > last:
        return None
    return (None if first == FIRST else first), (None if last == LAST else last)


class _Beyond:
    pass


_START, _END = _Beyond(), _Beyond()


def _first(ok: Callable[[dt.date], bool]) -> dt.date | None:
    """The first date where `ok` holds, given that it holds on a suffix of the calendar."""
    lo, hi = FIRST.toordinal(), LAST.toordinal()
    if not ok(LAST):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(dt.date.fromordinal(mid)):
            hi = mid
        else:
            lo = mid + 1
    return dt.date.fromordinal(lo)


def _last(ok: Callable[[dt.date], bool]) -> dt.date | None:
    """The last date where `ok` holds, given that it holds on a prefix of the calendar."""
    lo, hi = FIRST.toordinal(), LAST.toordinal()
    if not ok(FIRST):
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ok(dt.date.fromordinal(mid)):
            lo = mid
        else:
            hi = mid - 1
    return dt.date.fromordinal(lo)
