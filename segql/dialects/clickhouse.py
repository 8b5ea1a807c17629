"""ClickHouse: conversion functions that keep NULL (a CAST to a plain type raises on it), Date32 and
DateTime64(6, 'UTC') instants with every zone named, and the settings the SQL relies on in its SETTINGS clause.
Builds sqlglot nodes only.

What the SQL relies on (each measured on chdb): LEFT JOIN misses are NULL only with `join_use_nulls`, and an
aggregate over no rows is NULL only with `aggregate_functions_null_for_empty` (both in SETTINGS); `Date` clamps to
1970–2149 (`Date32` does not); `lower`/`upper` are byte-wise (`lowerUTF8`/`upperUTF8`); `round` halves floats to
even; `Decimal % integer` truncates the dividend; a DateTime's date, year, month and weekday are read in the zone of
its type (or the server's), so every one names its zone.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from segql.diagnostics import Diagnostic, DiagnosticError
from segql.dialects.base import BUCKETS, COMMON_RESERVED, SqlDialect, nullif_zero

SETTINGS = (("join_use_nulls", 1), ("aggregate_functions_null_for_empty", 1))
UTC = "UTC"
_ADD = {"hour": "addHours", "day": "addDays", "month": "addMonths", "year": "addYears"}
_CONVERT = {"DOUBLE": "toFloat64", "DATE": "toDate32"}
_EXACT_SCALE = 18  # Decimal(38, 18): every integer key and schema decimal, exactly


def _call(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _text(value: str) -> exp.Literal:
    return exp.Literal.string(value)


class ClickHouse(SqlDialect):
    name = "clickhouse"
    double_type = "DOUBLE"
    timestamp_type = "DateTime64(6, 'UTC')"
    # Quoted too: words ClickHouse's parser reads as clauses or modifiers after a name.
    reserved = COMMON_RESERVED | frozenset("anti array asof final format global ilike interval paste prewhere "
                                           "sample semi settings ties totals".split())

    # ---- names ----

    def table(self, parts: tuple[str, ...], alias: str) -> exp.Table:
        if len(parts) > 2:
            raise DiagnosticError([Diagnostic(
                "E301", f"ClickHouse names a table `database.table`; `{'.'.join(parts)}` has {len(parts)} parts",
                hint="name the table as database.table in schema.yml for a clickhouse target")])
        return super().table(parts, alias)

    # ---- the statement ----

    def finish(self, statement: exp.Expression) -> exp.Expression:
        """The statement with the settings it relies on (in the SETTINGS clause of its outermost SELECT),
        ClickHouse's UTF-8 case functions instead of LOWER/UPPER, and every selected column named: in a SELECT with
        joins, ClickHouse names the column of `c.customer_id` `c.customer_id`, which `memberships.customer_id`
        outside cannot find."""
        statement = statement.copy()
        statement = statement.transform(_utf8_case, copy=False)
        for select in statement.find_all(exp.Select):
            select.set("expressions", [exp.Alias(this=e, alias=e.this.copy()) if isinstance(e, exp.Column) else e
                                       for e in select.expressions])
        outer = statement if isinstance(statement, exp.Select) else statement.args.get("expression")
        if isinstance(outer, exp.Select):
            outer.set("settings", [exp.EQ(this=exp.column(k), expression=exp.Literal.number(v)) for k, v in SETTINGS])
        return statement

    # ---- literals and types: conversion functions (NULL stays NULL) ----

    def cast(self, expr: exp.Expression, type_name: str) -> exp.Expression:
        if type_name == "DATE":
            return self._date_of(expr)
        if type_name == self.timestamp_type:
            return _call("toDateTime64", expr, exp.Literal.number(6), _text(UTC))
        if type_name in _CONVERT:
            return _call(_CONVERT[type_name], expr)
        if type_name in ("NUMERIC", "DECIMAL"):
            return _call("toDecimal128", expr, exp.Literal.number(_EXACT_SCALE))
        kind = exp.DataType.build(type_name, dialect=self.name)
        kind.set("nullable", True)
        return exp.Cast(this=expr, to=kind)

    def date_literal(self, value: dt.date) -> exp.Expression:
        return _call("toDate32", _text(value.isoformat()))

    def timestamp_literal(self, value: dt.datetime) -> exp.Expression:
        return _call("toDateTime64", _text(value.isoformat(sep=" ")), exp.Literal.number(6), _text(UTC))

    def _date_of(self, value: exp.Expression) -> exp.Expression:
        """toDate32 of a date, or of an instant read in UTC (or in the zone utc_to_local named)."""
        if value.is_string:
            return _call("toDate32", value)
        inner, zone = _zoned(value)
        return _call("toDate32", inner, _text(zone))

    # ---- numbers ----

    def divide(self, left: exp.Expression, right: exp.Expression) -> exp.Expression:
        # both sides Float64: older servers refuse Float64 / Decimal
        return exp.Div(this=self.cast(left, "DOUBLE"), expression=nullif_zero(self.cast(right, "DOUBLE")))

    def modulo(self, left: exp.Expression, right: exp.Expression, floating: bool) -> exp.Expression:
        # Decimal % integer truncates the dividend (7.5 % 2 = 0): both sides as one Decimal type, or Float64
        kind = "DOUBLE" if floating else "DECIMAL"
        return exp.Mod(this=self.cast(left, kind), expression=nullif_zero(self.cast(right, kind)))

    def coalesce(self, values: list[exp.Expression], kind: str) -> exp.Expression:
        # conditional functions refuse Decimals of different scales ("Conditional functions with different Decimal
        # scales") and a Decimal beside a Float64: every value as the result's one type
        if kind in ("decimal", "float"):
            values = [self.cast(v, "DECIMAL" if kind == "decimal" else "DOUBLE") for v in values]
        return exp.Coalesce(this=values[0], expressions=values[1:])

    def round(self, value: exp.Expression, digits: exp.Expression | None, floating: bool) -> exp.Expression:
        """Halves away from zero, on the value's shortest decimal text (ClickHouse rounds a Float64's halves to even
        and converts a float to Decimal inexactly); a value too large for Decimal(38, 18) is rounded as it is."""
        text = _call("toDecimal128OrNull", _call("toString", value), exp.Literal.number(_EXACT_SCALE))
        exact = _call("toFloat64", exp.Round(this=text, decimals=digits))
        as_is = _call("toFloat64", exp.Round(this=value.copy(), decimals=digits.copy() if digits else None))
        return exp.Coalesce(this=exact, expressions=[as_is])

    # ---- text ----

    def like_insensitive(self, subject: exp.Expression, pattern: exp.Expression) -> exp.Expression:
        # ClickHouse's LIKE always reads `\` as its escape character: the same as ESCAPE '\', on every version
        return exp.Like(this=_call("lowerUTF8", subject), expression=_call("lowerUTF8", pattern))

    # ---- calendar ----

    def year(self, value: exp.Expression) -> exp.Expression:
        return _call("toYear", *_zoned_args(value))

    def month(self, value: exp.Expression) -> exp.Expression:
        return _call("toMonth", *_zoned_args(value))

    def day_of_week(self, value: exp.Expression) -> exp.Expression:
        inner, zone = _zoned_args(value)
        return _call("toDayOfWeek", inner, exp.Literal.number(0), zone)  # mode 0: Monday = 1 … Sunday = 7

    def day_of_month(self, value: exp.Expression) -> exp.Expression:
        return _call("toDayOfMonth", *_zoned_args(value))

    def quarter(self, value: exp.Expression) -> exp.Expression:
        return _call("toQuarter", *_zoned_args(value))

    def day_of_year(self, value: exp.Expression) -> exp.Expression:
        return _call("toDayOfYear", *_zoned_args(value))

    def days_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        return _call("dateDiff", _text("day"), start, end)

    def add(self, value: exp.Expression, amount: int, unit: str, is_date: bool) -> exp.Expression:
        # addMonths and addYears clamp to the end of the month; on an instant they count in UTC
        if not is_date and unit != "hour":
            value = _call("toTimeZone", value, _text(UTC))
        return _call(_ADD[unit], value, exp.Literal.number(amount) if amount >= 0 else exp.Neg(
            this=exp.Literal.number(-amount)))

    def add_years(self, value: exp.Expression, years: exp.Expression) -> exp.Expression:
        return _call("addYears", value, years)

    def to_timestamp(self, expr: exp.Expression) -> exp.Expression:
        return self.cast(expr, self.timestamp_type)

    # ---- clocks and time zones: DateTime64 values are instants ----

    def current_instant(self) -> exp.Expression:
        return _call("now64", exp.Literal.number(6), _text(UTC))

    def current_date(self, timezone: str) -> exp.Expression:
        return _call("toDate32", _call("now64", exp.Literal.number(6), _text(UTC)), _text(timezone))

    def utc_to_local(self, value: exp.Expression, timezone: str) -> exp.Expression:
        """The same instant, labelled with the zone: the date and calendar functions above read it there."""
        return _call("toTimeZone", value, _text(timezone))

    def local_to_utc(self, value: exp.Expression, timezone: str) -> exp.Expression:
        """The instant at which the zone's clock shows the wall-clock time (read in UTC) of `value`."""
        if isinstance(value, exp.Anonymous) and value.name == "toDateTime64" and len(value.expressions) == 3:
            return _call("toDateTime64", value.expressions[0], exp.Literal.number(6), _text(timezone))  # a midnight
        return _call("toDateTime64", _call("toString", value, _text(UTC)), exp.Literal.number(6), _text(timezone))

    def least(self, items: list[exp.Expression]) -> exp.Expression:
        return _call("least", *items)

    # ---- hashing ----

    def key_text(self, key: exp.Expression, is_text: bool) -> exp.Expression:
        return key if is_text else _call("toString", key)

    def bucket(self, text: exp.Expression) -> exp.Expression:
        # MD5 gives the 16 bytes of the digest (not hex): its first 4 bytes are the first 8 hex digits, read
        # big-endian (reinterpretAsUInt32 reads little-endian, so the bytes are reversed first)
        first = _call("substring", _call("MD5", text), exp.Literal.number(1), exp.Literal.number(4))
        number = _call("reinterpretAsUInt32", _call("reverse", first))
        return exp.Mod(this=number, expression=exp.Literal.number(BUCKETS))

    # ---- aggregates ----

    def lower_median(self, value: exp.Expression) -> exp.Expression:
        # quantileExactLow(0.5) is the lower middle of the non-NULL values, of their own type (no WITHIN GROUP here)
        return exp.ParameterizedAgg(this="quantileExactLow", expressions=[exp.Literal.number("0.5")], params=[value])

    def min_value(self, value: exp.Expression, boolean: bool) -> exp.Expression:
        return exp.Min(this=value)  # of Bool: false before true (there is no BOOL_AND)

    def max_value(self, value: exp.Expression, boolean: bool) -> exp.Expression:
        return exp.Max(this=value)


def _zoned(value: exp.Expression) -> tuple[exp.Expression, str]:
    """(the value, the zone to read it in): a toTimeZone of utc_to_local gives its zone, anything else UTC."""
    if isinstance(value, exp.Anonymous) and value.name == "toTimeZone" and len(value.expressions) == 2:
        return value.expressions[0], value.expressions[1].name
    return value, UTC


def _zoned_args(value: exp.Expression) -> tuple[exp.Expression, exp.Expression]:
    inner, zone = _zoned(value)
    return inner, _text(zone)


def _utf8_case(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Lower):
        return _call("lowerUTF8", node.this)
    if isinstance(node, exp.Upper):
        return _call("upperUTF8", node.this)
    return node
