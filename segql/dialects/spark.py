"""Spark SQL, and Databricks (the same SQL): correct with ANSI mode on (Spark 4's and Databricks' default: division
by zero and overflow raise) and off, and in any session time zone. Builds sqlglot nodes only.

Timestamps are TIMESTAMP_NTZ (naive UTC, as on Snowflake): CONVERT_TIMEZONE with both zones named takes and gives
naive values, whatever the session zone (FROM_UTC_TIMESTAMP and a plain TIMESTAMP read the session's zone).
`date - date` is an interval, so whole days are DATEDIFF; the ISO day of the week is EXTRACT(DAYOFWEEK_ISO …)
(DAYOFWEEK starts on Sunday); a backslash in a string literal is an escape (sqlglot doubles it).
"""

from __future__ import annotations

from sqlglot import exp

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.dialects.base import BUCKETS, COMMON_RESERVED, SqlDialect
from segql.dialects.snowflake import Snowflake


def _call(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _number(value: int) -> exp.Expression:
    return exp.Literal.number(value) if value >= 0 else exp.Neg(this=exp.Literal.number(-value))


class Spark(SqlDialect):
    name = "spark"
    timestamp_type = "TIMESTAMP_NTZ"
    # Spark's ANSI reserved words (spark.sql.ansi.enforceReservedKeywords) beyond the common ones.
    reserved = COMMON_RESERVED | frozenset("authorization cast collate constraint current_time cube grouping "
                                           "minus rollup semi anti sort cluster distribute".split())

    def round(self, value: exp.Expression, digits: exp.Expression | None, floating: bool) -> exp.Expression:
        # ROUND halves away from zero (on a double's decimal text) but takes only a constant scale
        if digits is not None and not (digits.is_number or (isinstance(digits, exp.Neg) and digits.this.is_number)):
            raise DiagnosticError([Diagnostic("E301", "Spark's ROUND takes a constant number of decimal places",
                                              hint="write the places as a number or a parameter, e.g. round(x, 2)")])
        return exp.Round(this=value, decimals=digits)

    # ---- calendar ----

    def day_of_week(self, value: exp.Expression) -> exp.Expression:
        return exp.Extract(this=exp.Var(this="DAYOFWEEK_ISO"), expression=value)

    def days_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        return _call("DATEDIFF", end, start)  # DATEDIFF(end, start): whole days (`end - start` is an interval)

    def add(self, value: exp.Expression, amount: int, unit: str, is_date: bool) -> exp.Expression:
        # ADD_MONTHS clamps to the end of the month (Spark 3 on) and keeps a DATE a DATE
        if is_date and unit == "day":
            return _call("DATE_ADD", value, _number(amount))
        if is_date and unit in ("month", "year"):
            return _call("ADD_MONTHS", value, _number(amount * (12 if unit == "year" else 1)))
        op: type[exp.Add] | type[exp.Sub] = exp.Add if amount >= 0 else exp.Sub
        return op(this=value, expression=exp.Interval(this=exp.Literal.string(str(abs(amount))),
                                                     unit=exp.Var(this=unit.upper())))

    def add_years(self, value: exp.Expression, years: exp.Expression) -> exp.Expression:
        return _call("ADD_MONTHS", value, exp.Mul(this=exp.Literal.number(12), expression=exp.Paren(this=years)))

    # ---- clocks and time zones: naive TIMESTAMP_NTZ values in UTC ----

    def current_instant(self) -> exp.Expression:
        # the two-argument form converts from the session's zone: CURRENT_TIMESTAMP's wall clock there
        return exp.ConvertTimezone(target_tz=exp.Literal.string("UTC"), timestamp=exp.CurrentTimestamp())

    # CONVERT_TIMEZONE as on Snowflake: with both zones named it takes and gives naive values
    current_date = Snowflake.current_date
    utc_to_local = Snowflake.utc_to_local
    local_to_utc = Snowflake.local_to_utc

    # ---- hashing ----

    def bucket(self, text: exp.Expression) -> exp.Expression:
        # CONV reads the 8 hex digits as a number (its decimal text); a BIGINT holds every 32-bit value
        digits = exp.Substring(this=exp.MD5(this=text), start=exp.Literal.number(1), length=exp.Literal.number(8))
        number = self.cast(_call("CONV", digits, exp.Literal.number(16), exp.Literal.number(10)), "BIGINT")
        return exp.Mod(this=number, expression=exp.Literal.number(BUCKETS))

    # ---- aggregates ----

    def lower_median(self, value: exp.Expression) -> exp.Expression:
        # The sorted values' element at 0-based index (n - 1) DIV 2, of the values' own type. Spark's PERCENTILE_DISC
        # returns a DOUBLE (0.15000000000000002 for the mean of 0.1 and 0.2), and sqlglot renders the WITHIN GROUP
        # form as PERCENTILE_APPROX. COLLECT_LIST skips NULLs; GET gives NULL outside the array (no values), even in
        # ANSI mode, where a subscript out of bounds raises.
        values = _call("COLLECT_LIST", value)
        count = exp.Paren(this=exp.Sub(this=_call("SIZE", values.copy()), expression=exp.Literal.number(1)))
        middle = exp.IntDiv(this=count, expression=exp.Literal.number(2))
        return _call("GET", _call("SORT_ARRAY", values), middle)
