"""Snowflake: DATEADD/DATEDIFF for calendar arithmetic, CONVERT_TIMEZONE for zones, TIMESTAMP_NTZ for
naive UTC values, DAYOFWEEKISO. Builds sqlglot nodes only.
"""

from __future__ import annotations

from sqlglot import exp

from segql.dialects.base import BUCKETS, COMMON_RESERVED, SqlDialect

_HEX = "0123456789abcdef"


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

    def day_of_year(self, value: exp.Expression) -> exp.Expression:
        return exp.DayOfYear(this=value)

    def add_days(self, value: exp.Expression, days: exp.Expression, subtract: bool = False) -> exp.Expression:
        amount = exp.Neg(this=exp.Paren(this=days)) if subtract else days
        return exp.DateAdd(this=value, expression=amount, unit=exp.Var(this="DAY"))

    def bucket(self, text: exp.Expression) -> exp.Expression:
        # MD5's hex digits read one by one (TO_NUMBER's 'XXXXXXXX' format is Snowflake's own, and the emulator
        # lacks it): the sum of digit × 16^k, whose value the arithmetic fixes on every engine
        digest = exp.MD5(this=text)
        total: exp.Expression | None = None
        for i in range(8):
            char = exp.Substring(this=digest.copy(), start=exp.Literal.number(i + 1), length=exp.Literal.number(1))
            digit = exp.Sub(this=exp.StrPosition(this=exp.Literal.string(_HEX), substr=char),
                            expression=exp.Literal.number(1))
            term = exp.Mul(this=exp.Paren(this=digit), expression=exp.Literal.number(16 ** (7 - i)))
            total = term if total is None else exp.Add(this=total, expression=term)
        assert total is not None
        return exp.Mod(this=exp.Paren(this=total), expression=exp.Literal.number(BUCKETS))
