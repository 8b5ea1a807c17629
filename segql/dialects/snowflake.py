"""Snowflake: DATEADD/DATEDIFF for calendar arithmetic, CONVERT_TIMEZONE for zones, TIMESTAMP_NTZ for
naive UTC values, DAYOFWEEKISO. Builds sqlglot nodes only.
"""

from __future__ import annotations

from sqlglot import exp

from segql.dialects.base import COMMON_RESERVED, SqlDialect


class Snowflake(SqlDialect):
    name = "snowflake"
    timestamp_type = "TIMESTAMPNTZ"
    folds_to_upper = True
    reserved = COMMON_RESERVED | frozenset(
        "account alter connect connection current database delete drop following gscluster increment insert "
        "issue minus organization regexp revoke rlike row rows sample schema set start trigger try_cast "
        "update view whenever".split()
    )

    def day_of_week(self, value: exp.Expression) -> exp.Expression:
        return exp.DayOfWeekIso(this=value)

    def days_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        return exp.DateDiff(this=end, expression=start, unit=exp.Var(this="DAY"))

    def add(self, value: exp.Expression, amount: int, unit: str, is_date: bool) -> exp.Expression:
        # DATEADD keeps a DATE a DATE for day/month/year and clamps months to the end of the month
        return exp.DateAdd(this=value, expression=exp.Literal.number(amount), unit=exp.Var(this=unit.upper()))

    def add_years(self, value: exp.Expression, years: exp.Expression) -> exp.Expression:
        return exp.DateAdd(this=value, expression=years, unit=exp.Var(this="YEAR"))

    def least(self, items: list[exp.Expression]) -> exp.Expression:
        return exp.Least(this=items[0], expressions=items[1:], ignore_nulls=False)

    def current_instant(self) -> exp.Expression:
        now = exp.ConvertTimezone(target_tz=exp.Literal.string("UTC"), timestamp=exp.CurrentTimestamp())
        return self.cast(now, self.timestamp_type)

    def current_date(self, timezone: str) -> exp.Expression:
        now = exp.ConvertTimezone(target_tz=exp.Literal.string(timezone), timestamp=exp.CurrentTimestamp())
        return self.cast(now, "DATE")

    def utc_to_local(self, value: exp.Expression, timezone: str) -> exp.Expression:
        return exp.ConvertTimezone(source_tz=exp.Literal.string("UTC"), target_tz=exp.Literal.string(timezone),
                                   timestamp=value)

    def local_to_utc(self, value: exp.Expression, timezone: str) -> exp.Expression:
        return exp.ConvertTimezone(source_tz=exp.Literal.string(timezone), target_tz=exp.Literal.string("UTC"),
                                   timestamp=value)
