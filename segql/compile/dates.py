"""Calendar arithmetic in Python, for folding constant dates (a pinned `today`, literals, parameters).

Must agree with the dialects' SQL: months clamp to the end of the month, weeks are 7 days. Imports nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

_UTC = ZoneInfo("UTC")


def add_months(value: dt.date, months: int) -> dt.date:
    """2024-01-31 + 1 month = 2024-02-29 (clamped to the end of the month)."""
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def add(value: dt.date, amount: int, unit: str) -> dt.date:
    """value + amount units (hour, day, week, month, year); a datetime stays a datetime."""
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
        case "year":
            return add_months(value, 12 * amount)
    raise ValueError(f"unknown unit {unit!r}")


def day_start_utc(day: dt.date, timezone: ZoneInfo) -> dt.datetime:
    """The naive UTC instant at which `day` starts in the time zone."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=timezone)
    return local.astimezone(_UTC).replace(tzinfo=None)


def utc_to_local_date(value: dt.datetime, timezone: ZoneInfo) -> dt.date:
    return value.replace(tzinfo=_UTC).astimezone(timezone).date()
